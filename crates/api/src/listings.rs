//! `/v1/listings`: providers' offers to deliver published specifications, with prices
//! and capacity; searched by everyone within what their role may see.

use actix_web::http::header::ContentType;
use actix_web::http::StatusCode;
use actix_web::{get, patch, post, put, web, HttpRequest, HttpResponse};
use provider_hub_domain::category::Category;
use provider_hub_domain::listing::{
    IllegalListingTransition, ListingPatch, ListingStatus, NewListing,
};
use provider_hub_market::listings::{
    self as market, CapacityUpdate, EligibilityBasis, ListingDetail, ListingView,
};
use provider_hub_store::listings::ListingFilter;
use provider_hub_store::DbConn;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::csv::{self, Text};
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::filters::Faults;
use crate::json::RawBody;
use crate::pagination::PageBody;
use crate::paging::PageNext;
use crate::state::AppState;

mod cache;
mod version;
use cache::Answer;
pub use cache::SearchCache;

/// A page of listings.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListingPage {
    pub items: Vec<ListingView>,
    pub next: Option<String>,
    /// With `eligible_for_crn`: what the person was judged on — sex and age today, and
    /// the risk of serious harm and tier of the case's latest approved assessment (without
    /// one, sex and age only, and `checked` says so). Absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eligibility: Option<EligibilityBasis>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ListingSearchQuery {
    /// Only this category.
    #[param(value_type = Option<Category>)]
    pub category: Option<String>,
    /// Only listings of this specification code.
    pub code: Option<String>,
    /// Only listings serving this area.
    pub area: Option<String>,
    /// Only this provider's listings.
    pub provider_id: Option<String>,
    /// Only this status.
    #[param(value_type = Option<ListingStatus>)]
    pub status: Option<String>,
    /// Only listings serving this case's area whose eligibility admits the person (a case
    /// the caller may see), by the matching engine's own rule: sex, age today, and the risk
    /// of serious harm and tier of the case's latest approved assessment. Without an
    /// approved assessment only sex and age are checked; the page's `eligibility` says
    /// what was.
    #[param(example = "X123456")]
    pub eligible_for_crn: Option<String>,
    /// `csv` for the rows as CSV (as `Accept: text/csv` does), `json` (the default).
    #[param(value_type = Option<String>, pattern = "^(csv|json)$")]
    pub format: Option<String>,
    /// Page size, 1–500 (default 50); `all` on a CSV answer for the whole list, streamed.
    #[param(value_type = Option<String>, pattern = "^([1-9][0-9]?|[1-4][0-9][0-9]|500|all)$")]
    pub limit: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
}

/// Searches listings. Offender managers see published listings of current members; a
/// provider sees only its own; the quality team, commissioners and admins see all. JSON,
/// or CSV with `Accept: text/csv` or `?format=csv` (the next page in a `Link` header).
#[utoipa::path(tag = "listings", params(ListingSearchQuery), security(("bearer" = [])), responses(
    (status = 200, description = "A page of listings, as JSON or CSV", content(
        (ListingPage = "application/json"),
        (String = "text/csv"),
    )),
    Unauthenticated,
    (status = 403, description = "`eligible_for_crn` from a role that sees no case", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad filters, limit or cursor, every one named (a case the caller may not see too)", body = Problem, content_type = "application/problem+json"),
))]
#[get("/listings")]
async fn search_listings(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ListingSearchQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut faults = Faults::default();
    let csv::ListAsk {
        csv: as_csv,
        whole,
        page,
    } = csv::list_ask(
        &mut faults,
        &req,
        query.format.as_deref(),
        query.limit.as_deref(),
        query.after.as_deref(),
    );
    let category = faults.parse::<Category>("category", query.category.as_deref());
    let status = faults.parse::<ListingStatus>("status", query.status.as_deref());
    faults.into_result()?;
    // Refused above when at fault.
    let (limit, after) = page.unwrap_or_default();
    let filter = ListingFilter {
        id: None,
        category: category.map(|c| c.as_str().to_owned()),
        code: query.code.clone(),
        area: query.area.clone(),
        provider_id: query.provider_id.clone(),
        status,
    };
    let caller = caller.at(state.now());
    // A plain search's answer depends only on the supply, what the caller may see today
    // and what it asked: kept per supply version (see `cache`).
    let visibility = market::search_visibility(&caller);
    let key = format!("{visibility:?}|{filter:?}|{after:?}|{limit}");
    let crn = query.eligible_for_crn.clone();
    let wanted = filter.clone();
    let search = move |conn: &mut DbConn, after: Option<String>| -> Result<_, ApiError> {
        Ok(match crn.as_deref() {
            None => (
                market::search(conn, &caller, &filter, None, after, limit)?,
                None,
            ),
            Some(crn) => {
                let found = market::search_eligible(conn, &caller, &filter, crn, after, limit)?;
                (found.page, Some(found.basis))
            }
        })
    };
    if whole {
        return csv::stream(state, after, move |conn, after, header| {
            let (page, _) = search(conn, after)?;
            let rows = csv::rows(page.items.iter().map(ListingRow::of), header)?;
            Ok((rows, page.next))
        })
        .await;
    }
    if !as_csv && query.eligible_for_crn.is_none() {
        let cache = state.listing_searches.clone();
        let version = cache.version().await.ok_or_else(ApiError::unavailable)?;
        let answer = match cache.get(version, &key) {
            Some(answer) => answer,
            None => {
                // Made from the supply held in memory, at this version or a later one
                // (also a reading begun after the search asked).
                let supply = cache
                    .supply(version, || {
                        state.db(|conn| market::Supply::load(conn).map_err(ApiError::from))
                    })
                    .await?;
                if let Some(page) = supply.search(&wanted, &visibility, after.as_deref(), limit) {
                    let answer = Answer::of(page, req.path())?;
                    cache.put(supply.version(), key, answer.clone());
                    return Ok(json_answer(answer));
                }
                // A cursor that is no listing of the supply: the database says where it is.
                let path = req.path().to_owned();
                let made = move |conn: &mut DbConn| {
                    let (page, _) = search(conn, after)?;
                    let answer = Answer::of(page, &path)?;
                    if provider_hub_store::supply::version(conn)? == version {
                        cache.put(version, key, answer.clone());
                    }
                    Ok(answer)
                };
                state.db(made).await?
            }
        };
        return Ok(json_answer(answer));
    }
    let (page, eligibility) = state.db(move |conn| search(conn, after)).await?;
    if as_csv {
        return csv::page(page.items.iter().map(ListingRow::of), page.next.as_deref());
    }
    let body = PageBody::from_page(page, |l| l);
    Ok(HttpResponse::Ok().json(ListingPage {
        items: body.items,
        next: body.next,
        eligibility,
    }))
}

/// A kept search answer as the response, its `next` passed on (`crate::paging`).
fn json_answer(answer: Answer) -> HttpResponse {
    let mut response = HttpResponse::Ok();
    response
        .content_type(ContentType::json())
        .extensions_mut()
        .insert(PageNext(answer.next));
    response.body(answer.body)
}

/// A listing as a CSV row: its provider and specification named, the price in pence and
/// in pounds, the areas it serves joined by spaces.
#[derive(Serialize, Default)]
struct ListingRow<'a> {
    id: &'a str,
    title: Text<'a>,
    status: String,
    category: &'a str,
    provider_id: &'a str,
    provider_name: Text<'a>,
    specification_code: &'a str,
    specification_version: i32,
    specification_title: Text<'a>,
    areas: String,
    price_pence: i64,
    price_pounds: String,
    published_at: String,
}

impl<'a> ListingRow<'a> {
    fn of(l: &'a ListingView) -> Self {
        ListingRow {
            id: &l.id,
            title: Text(&l.title),
            status: l.status.to_string(),
            category: l.category.as_str(),
            provider_id: &l.provider_id,
            provider_name: Text(&l.provider_name),
            specification_code: &l.specification_code,
            specification_version: l.specification_version,
            specification_title: Text(&l.specification_title),
            areas: l.areas.join(" "),
            price_pence: l.price_pence,
            price_pounds: csv::pounds(l.price_pence),
            published_at: l
                .published_at
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default(),
        }
    }
}

/// Creates a draft listing for a published specification version (a provider).
#[utoipa::path(tag = "listings", security(("bearer" = [])), request_body = NewListing,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first answer for the same key and body")),
    responses(
    (status = 201, description = "Created as a draft", body = ListingDetail),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not a registered provider", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Specification version not published, or provider not active", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields (e.g. eligibility wider than the specification), or Idempotency-Key reused", body = Problem, content_type = "application/problem+json"),
))]
#[post("/listings")]
async fn create_listing(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    let provider_id = caller.provider_id()?.to_owned();
    let body = body.json::<NewListing>()?;
    let new = body.value;
    crate::idempotency::create(
        &state,
        &caller,
        &req,
        &body.raw,
        StatusCode::CREATED,
        move |conn, actor, now| market::create(conn, actor, &provider_id, new, now),
    )
    .await
}

/// Reads a listing with its capacity and price history.
#[utoipa::path(tag = "listings", security(("bearer" = [])), params(("id" = String, Path, description = "Listing id")), responses(
    (status = 200, description = "The listing", body = ListingDetail),
    Unauthenticated,
    (status = 404, description = "No such listing, or not one the caller may see (another provider's)", body = Problem, content_type = "application/problem+json"),
))]
#[get("/listings/{id}")]
async fn get_listing(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<ListingDetail>, ApiError> {
    let id = id.into_inner();
    let caller = caller.at(state.now());
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::get(conn, &caller, &id)?))
            .await?,
    ))
}

/// Edits the provider's own listing; a new price applies from now on.
#[utoipa::path(tag = "listings", security(("bearer" = [])), request_body = ListingPatch,
    params(("id" = String, Path, description = "Listing id")),
    responses(
    (status = 200, description = "The edited listing", body = ListingDetail),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not a provider", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such listing of this provider", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The listing is withdrawn", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields, or a published listing's price above the cap", body = Problem, content_type = "application/problem+json"),
))]
#[patch("/listings/{id}")]
async fn update_listing(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: RawBody,
) -> Result<web::Json<ListingDetail>, ApiError> {
    let provider_id = caller.provider_id()?.to_owned();
    let patch = body.json::<ListingPatch>()?.value;
    let (id, actor, now) = (id.into_inner(), caller.actor(), state.now());
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::update(conn, &actor, &provider_id, &id, patch, now)?))
            .await?,
    ))
}

async fn transition(
    caller: Caller,
    state: web::Data<AppState>,
    id: String,
    rule: fn(ListingStatus) -> Result<ListingStatus, IllegalListingTransition>,
    action: &'static str,
) -> Result<web::Json<ListingDetail>, ApiError> {
    let provider_id = caller.provider_id()?.to_owned();
    let (actor, now) = (caller.actor(), state.now());
    Ok(web::Json(
        state
            .db(move |conn| {
                Ok(market::transition(
                    conn,
                    &actor,
                    &provider_id,
                    &id,
                    rule,
                    action,
                    now,
                )?)
            })
            .await?,
    ))
}

/// Publishes the provider's own listing: the provider must be a member for the category,
/// the price within the cap and the specification version published.
#[utoipa::path(tag = "listings", security(("bearer" = [])), params(("id" = String, Path, description = "Listing id")), responses(
    (status = 200, description = "Published", body = ListingDetail),
    Unauthenticated,
    (status = 403, description = "Not a provider", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such listing of this provider", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not publishable now: status, membership or specification", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Price above the specification's cap", body = Problem, content_type = "application/problem+json"),
))]
#[post("/listings/{id}/publish")]
async fn publish_listing(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<ListingDetail>, ApiError> {
    transition(
        caller,
        state,
        id.into_inner(),
        ListingStatus::publish,
        "listing.published",
    )
    .await
}

/// Pauses the provider's own published listing.
#[utoipa::path(tag = "listings", security(("bearer" = [])), params(("id" = String, Path, description = "Listing id")), responses(
    (status = 200, description = "Paused", body = ListingDetail),
    Unauthenticated,
    (status = 403, description = "Not a provider", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such listing of this provider", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not published", body = Problem, content_type = "application/problem+json"),
))]
#[post("/listings/{id}/pause")]
async fn pause_listing(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<ListingDetail>, ApiError> {
    transition(
        caller,
        state,
        id.into_inner(),
        ListingStatus::pause,
        "listing.paused",
    )
    .await
}

/// Withdraws the provider's own listing for good.
#[utoipa::path(tag = "listings", security(("bearer" = [])), params(("id" = String, Path, description = "Listing id")), responses(
    (status = 200, description = "Withdrawn", body = ListingDetail),
    Unauthenticated,
    (status = 403, description = "Not a provider", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such listing of this provider", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Already withdrawn", body = Problem, content_type = "application/problem+json"),
))]
#[post("/listings/{id}/withdraw")]
async fn withdraw_listing(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<ListingDetail>, ApiError> {
    transition(
        caller,
        state,
        id.into_inner(),
        ListingStatus::withdraw,
        "listing.withdrawn",
    )
    .await
}

/// Replaces the provider's own listing's capacity: places per start date. Places
/// already sold are never lost: lowering a date below them, or removing it, is refused.
#[utoipa::path(tag = "listings", security(("bearer" = [])), request_body = CapacityUpdate,
    params(("id" = String, Path, description = "Listing id")),
    responses(
    (status = 200, description = "The listing with its new capacity", body = ListingDetail),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not a provider", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such listing of this provider", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Withdrawn, or places sold meanwhile", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid slots, or fewer places than already sold", body = Problem, content_type = "application/problem+json"),
))]
#[put("/listings/{id}/capacity")]
async fn set_capacity(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: RawBody,
) -> Result<web::Json<ListingDetail>, ApiError> {
    let provider_id = caller.provider_id()?.to_owned();
    let update = body.json::<CapacityUpdate>()?.value;
    let (id, actor, now) = (id.into_inner(), caller.actor(), state.now());
    Ok(web::Json(
        state
            .db(move |conn| {
                Ok(market::set_capacity(
                    conn,
                    &actor,
                    &provider_id,
                    &id,
                    update,
                    now,
                )?)
            })
            .await?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(search_listings)
        .service(create_listing)
        .service(get_listing)
        .service(update_listing)
        .service(publish_listing)
        .service(pause_listing)
        .service(withdraw_listing)
        .service(set_capacity);
}
