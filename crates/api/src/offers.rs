//! `/v1/offers`: a provider's offers, accepted or declined.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use provider_hub_market::access::{self, Objects};
use provider_hub_market::offers::{self as market, OfferView, Refusal};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::csv::{self, Text};
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::filters::Faults;
use crate::json::RawBody;
use crate::pagination::PageBody;
use crate::state::AppState;

/// A page of offers.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferPage {
    pub items: Vec<OfferView>,
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OfferListQuery {
    /// Only offers in this status: `pending`, `accepted`, `declined`, `expired`, `cancelled`,
    /// `withdrawn`.
    #[param(pattern = "^(pending|accepted|declined|expired|cancelled)$")]
    pub status: Option<String>,
    /// `csv` for the rows as CSV (as `Accept: text/csv` does), `json` (the default).
    #[param(value_type = Option<String>, pattern = "^(csv|json)$")]
    pub format: Option<String>,
    /// Page size, 1–500 (default 50); `all` on a CSV answer for the whole list, streamed.
    #[param(value_type = Option<String>, pattern = "^([1-9][0-9]?|[1-4][0-9][0-9]|500|all)$")]
    pub limit: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
}

/// An offer as a CSV row: names beside ids, the price in pence and in pounds.
#[derive(Serialize, Default)]
struct OfferRow<'a> {
    id: &'a str,
    order_id: &'a str,
    status: &'a str,
    crn: &'a str,
    area: &'a str,
    category: &'a str,
    provider_id: &'a str,
    provider_name: Text<'a>,
    listing_id: &'a str,
    listing_title: Text<'a>,
    specification_code: &'a str,
    specification_title: Text<'a>,
    starts_on: String,
    required_by: String,
    price_pence: i64,
    price_pounds: String,
    expires_at: String,
    answered_at: String,
    reason: Text<'a>,
}

impl<'a> OfferRow<'a> {
    fn of(o: &'a OfferView) -> Self {
        let instant =
            |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        OfferRow {
            id: &o.id,
            order_id: &o.order_id,
            status: &o.status,
            crn: &o.crn,
            area: &o.area,
            category: o.category.as_str(),
            provider_id: &o.provider_id,
            provider_name: Text(&o.provider_name),
            listing_id: &o.listing_id,
            listing_title: Text(&o.listing_title),
            specification_code: &o.specification.code,
            specification_title: Text(&o.specification.title),
            starts_on: o.starts_on.to_string(),
            required_by: o.required_by.to_string(),
            price_pence: o.price_pence,
            price_pounds: csv::pounds(o.price_pence),
            expires_at: instant(o.expires_at),
            answered_at: o.answered_at.map(instant).unwrap_or_default(),
            reason: Text(o.reason.as_deref().unwrap_or_default()),
        }
    }
}

/// Lists offers: a provider its own; the quality team all. JSON, or CSV with
/// `Accept: text/csv` or `?format=csv` (the next page in a `Link` header).
#[utoipa::path(tag = "offers", params(OfferListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "A page of offers, as JSON or CSV", content(
        (OfferPage = "application/json"),
        (String = "text/csv"),
    )),
    Unauthenticated,
    (status = 403, description = "The role does not see offers", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad status, limit or cursor", body = Problem, content_type = "application/problem+json"),
))]
#[get("/offers")]
async fn list_offers(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<OfferListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(access::readers(Objects::Offers))?;
    let mut faults = Faults::default();
    let ask = csv::list_ask(
        &mut faults,
        &req,
        query.format.as_deref(),
        query.limit.as_deref(),
        query.after.as_deref(),
    );
    faults.into_result()?;
    let (as_csv, whole) = (ask.csv, ask.whole);
    // Refused above when at fault.
    let (limit, after) = ask.page.unwrap_or_default();
    let (status, caller) = (query.status.clone(), caller.at(state.now()));
    if whole {
        return csv::stream(state, after, move |conn, after, header| {
            let page = market::list(conn, &caller, status.clone(), after, limit)?;
            let rows = csv::rows(page.items.iter().map(OfferRow::of), header)?;
            Ok((rows, page.next))
        })
        .await;
    }
    let page = state
        .db(move |conn| Ok(market::list(conn, &caller, status, after, limit)?))
        .await?;
    if as_csv {
        return csv::page(page.items.iter().map(OfferRow::of), page.next.as_deref());
    }
    let body = PageBody::from_page(page, |o| o);
    Ok(HttpResponse::Ok().json(OfferPage {
        items: body.items,
        next: body.next,
    }))
}

/// Accepts an offer (its provider): the order is `accepted` and its start date committed.
/// A provider that is not a member for the order's category on the start date (suspended,
/// revoked, or its accreditation not counting then) cannot accept.
#[utoipa::path(tag = "offers", security(("bearer" = [])), params(("id" = String, Path, description = "Offer id")), responses(
    (status = 200, description = "Accepted", body = OfferView),
    Unauthenticated,
    (status = 403, description = "Not a provider", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such offer of the caller's", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not pending (withdrawn, expired, answered), or the provider is not a member for the order's category on the start date", body = Problem, content_type = "application/problem+json"),
))]
#[post("/offers/{id}/accept")]
async fn accept_offer(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<OfferView>, ApiError> {
    let provider_id = caller.provider_id()?.to_owned();
    let (id, actor, now) = (id.into_inner(), caller.actor(), state.now());
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::accept(conn, &actor, &provider_id, &id, now)?))
            .await?,
    ))
}

/// Declines an offer with a reason (its provider): the place is released and the order
/// is matched again at once, never to this listing.
#[utoipa::path(tag = "offers", security(("bearer" = [])), request_body = Refusal,
    params(("id" = String, Path, description = "Offer id")), responses(
    (status = 200, description = "Declined", body = OfferView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not a provider", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such offer of the caller's", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not pending, or expired", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No reason, or too long", body = Problem, content_type = "application/problem+json"),
))]
#[post("/offers/{id}/decline")]
async fn decline_offer(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: RawBody,
) -> Result<web::Json<OfferView>, ApiError> {
    let provider_id = caller.provider_id()?.to_owned();
    let refusal = body.json::<Refusal>()?.value;
    let (id, actor, now, settings) = (id.into_inner(), caller.actor(), state.now(), state.matching);
    Ok(web::Json(
        state
            .db(move |conn| {
                Ok(market::decline(
                    conn,
                    &actor,
                    &provider_id,
                    &id,
                    refusal,
                    settings,
                    now,
                )?)
            })
            .await?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_offers)
        .service(accept_offer)
        .service(decline_offer);
}
