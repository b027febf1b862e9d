//! `/v1/orders`: intervention orders, each with the plan item it came from.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use provider_hub_domain::case::Crn;
use provider_hub_domain::order::OrderStatus;
use provider_hub_domain::{Category, FieldError, Role};
use provider_hub_market::access::{self, Objects};
use provider_hub_market::ending::{self, Ending};
use provider_hub_market::orders::{self as market, Cancellation, OrderView};
use provider_hub_market::ranking::{self, OrderRanking};
use provider_hub_store::orders::OrderFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::csv::{self, Shown, Text};
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::filters::Faults;
use crate::json::RawBody;
use crate::pagination::PageBody;
use crate::state::AppState;

/// A page of orders.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPage {
    pub items: Vec<OrderView>,
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OrderListQuery {
    /// Only this case's orders.
    #[param(pattern = "^[A-Z][0-9]{6}$")]
    pub crn: Option<String>,
    /// Only this status.
    #[param(value_type = Option<OrderStatus>)]
    pub status: Option<String>,
    /// Only this area's orders (an offender manager's own area only).
    #[param(value_type = Option<String>, pattern = "^[A-Z0-9]+(-[A-Z0-9]+)*$", min_length = 2, max_length = 16)]
    pub area: Option<String>,
    /// Only orders of this category.
    #[param(value_type = Option<Category>)]
    pub category: Option<String>,
    /// Only orders placed with this provider (a provider's own only).
    pub provider_id: Option<String>,
    /// Only orders made (their plan approved) on or after this day, YYYY-MM-DD (UTC).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<String>,
    /// Only orders made on or before this day, YYYY-MM-DD (UTC).
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<String>,
    /// `explanation`: each order's whole explanation, with its best candidates ranked.
    /// Without it the list answers a summary — the counts, the chosen listing and the
    /// runner-up, `ranking` left empty (`candidates` says how many there were); an order
    /// read on its own (`GET /v1/orders/{id}`) always has the whole, and
    /// `GET /v1/orders/{id}/ranking` every candidate, as the market stands now.
    #[param(value_type = Option<Expand>)]
    pub expand: Option<String>,
    /// `csv` for the rows as CSV (as `Accept: text/csv` does), `json` (the default).
    #[param(value_type = Option<String>, pattern = "^(csv|json)$")]
    pub format: Option<String>,
    /// Page size, 1–500 (default 50); `all` on a CSV answer for every order, streamed.
    #[param(value_type = Option<String>, pattern = "^([1-9][0-9]?|[1-4][0-9][0-9]|500|all)$")]
    pub limit: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
}

/// What a list may expand.
#[derive(Debug, Clone, Copy, ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum Expand {
    Explanation,
}

impl OrderListQuery {
    /// Whether each order's whole explanation is asked for.
    fn expanded(&self, faults: &mut Faults) -> bool {
        match self.expand.as_deref() {
            None => false,
            Some("explanation") => true,
            Some(_) => {
                faults.push(FieldError::new(
                    "expand",
                    "must be explanation, the only part of an order a list expands",
                ));
                false
            }
        }
    }

    /// The filter the query asks for, its fields at fault in `faults` (an unknown area
    /// needs the database, and is checked with the page).
    fn filter(&self, faults: &mut Faults) -> OrderFilter {
        let from = faults.day("from", self.from.as_deref());
        let to = faults.day("to", self.to.as_deref());
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                faults.push(FieldError::new(
                    "to",
                    format!("must not be before from ({from})"),
                ));
            }
        }
        if let Some(Err(e)) = self.crn.as_deref().map(Crn::parse) {
            faults.push(FieldError::new("crn", e));
        }
        let status = faults.parse::<OrderStatus>("status", self.status.as_deref());
        let category = faults.parse::<Category>("category", self.category.as_deref());
        OrderFilter {
            crn: self.crn.clone(),
            status,
            area: self.area.clone(),
            provider_id: self.provider_id.clone(),
            category: category.map(|c| c.as_str().to_owned()),
            created_from: from.and_then(|d| d.and_hms_opt(0, 0, 0)),
            created_before: to
                .and_then(|d| d.succ_opt())
                .and_then(|d| d.and_hms_opt(0, 0, 0)),
        }
    }
}

/// Lists orders: an offender manager's area, a provider's own; every area for the quality
/// team and commissioners. Filters combine; `from`/`to` are the days the orders were made.
#[utoipa::path(tag = "orders", params(OrderListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "A page of orders, as JSON or CSV", content(
        (OrderPage = "application/json"),
        (String = "text/csv"),
    )),
    Unauthenticated,
    (status = 403, description = "The role does not see orders, or asks for another area's or provider's", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad filters, limit or cursor, every one named (an unknown area too)", body = Problem, content_type = "application/problem+json"),
))]
#[get("/orders")]
async fn list_orders(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<OrderListQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(access::readers(Objects::Orders))?;
    let mut faults = Faults::default();
    let filter = query.filter(&mut faults);
    let expanded = query.expanded(&mut faults);
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
    let caller = caller.at(state.now());
    if whole {
        // Refused by the first page's check when at fault.
        let (limit, after) = page.unwrap_or_default();
        let mut faults = Some(faults);
        return csv::stream(state, after, move |conn, after, header| {
            if let Some(faults) = faults.take() {
                faults.check(conn, filter.area.as_deref())?;
            }
            let page = market::list(conn, &caller, filter.clone(), after, limit)?;
            let rows = csv::rows(page.items.iter().map(OrderRow::of), header)?;
            Ok((rows, page.next))
        })
        .await;
    }
    let page = state
        .db(move |conn| {
            faults.check(conn, filter.area.as_deref())?;
            // A page request at fault was refused by the check.
            let (limit, after) = page.unwrap_or_default();
            Ok(market::list(conn, &caller, filter, after, limit)?)
        })
        .await?;
    if as_csv {
        let rows = page.items.iter().map(OrderRow::of);
        return csv::page(rows, page.next.as_deref());
    }
    let body = PageBody::from_page(page, |mut order| {
        if !expanded {
            if let Some(explanation) = order.explanation.as_mut() {
                explanation.ranking = Default::default();
            }
        }
        order
    });
    Ok(HttpResponse::Ok().json(OrderPage {
        items: body.items,
        next: body.next,
    }))
}

/// An order as a CSV row: names beside ids, the price in pence and in pounds.
#[derive(Serialize, Default)]
struct OrderRow<'a> {
    id: &'a str,
    crn: &'a str,
    area: &'a str,
    category: &'a str,
    status: &'a str,
    provider_id: &'a str,
    provider_name: Text<'a>,
    listing_id: &'a str,
    listing_title: Text<'a>,
    specification_code: &'a str,
    specification_title: Text<'a>,
    price_pence: Shown<i64>,
    price_pounds: String,
    required_by: String,
    starts_on: Shown<chrono::NaiveDate>,
    created_by: Text<'a>,
    created_at: String,
}

impl<'a> OrderRow<'a> {
    fn of(o: &'a OrderView) -> Self {
        let specification = o.specification.as_ref();
        OrderRow {
            id: &o.id,
            crn: &o.crn,
            area: &o.area,
            category: o.category.as_str(),
            status: o.status.as_str(),
            provider_id: o.provider_id.as_deref().unwrap_or_default(),
            provider_name: Text(o.provider_name.as_deref().unwrap_or_default()),
            listing_id: o.listing_id.as_deref().unwrap_or_default(),
            listing_title: Text(o.listing_title.as_deref().unwrap_or_default()),
            specification_code: specification.map_or("", |s| s.code.as_str()),
            specification_title: Text(specification.map_or("", |s| s.title.as_str())),
            price_pence: Shown(o.price_pence),
            price_pounds: o.price_pence.map(csv::pounds).unwrap_or_default(),
            required_by: o.required_by.to_string(),
            starts_on: Shown(o.starts_on),
            created_by: Text(&o.created_by),
            created_at: o
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

/// Reads an order of the caller's area with the plan item it came from, where it is
/// placed, its latest offer and the matching engine's explanation.
#[utoipa::path(tag = "orders", security(("bearer" = [])), params(("id" = String, Path, description = "Order id")), responses(
    (status = 200, description = "The order", body = OrderView),
    Unauthenticated,
    (status = 403, description = "The role does not see orders", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such order in the caller's area", body = Problem, content_type = "application/problem+json"),
))]
#[get("/orders/{id}")]
async fn get_order(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<OrderView>, ApiError> {
    caller.require(access::readers(Objects::Orders))?;
    let (id, caller) = (id.into_inner(), caller.at(state.now()));
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::get(conn, &caller, &id)?))
            .await?,
    ))
}

/// Every candidate for an order, ranked by its area's policy **as the market stands now,
/// not as at placement**: the same engine over today's listings, places, prices and
/// accreditations. The order's stored explanation (`GET /v1/orders/{id}`) keeps how it was
/// placed — the counts, the choice, the runner-up and the best ten candidates; this
/// recomputes all of them. For offender managers of the order's area, the quality team
/// and commissioners; never a provider, who does not see its competitors.
#[utoipa::path(tag = "orders", security(("bearer" = [])), params(("id" = String, Path, description = "Order id")), responses(
    (status = 200, description = "Every candidate ranked, as the market stands now", body = OrderRanking),
    Unauthenticated,
    (status = 403, description = "The role does not see rankings (providers among them)", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such order in the caller's area", body = Problem, content_type = "application/problem+json"),
))]
#[get("/orders/{id}/ranking")]
async fn get_order_ranking(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<OrderRanking>, ApiError> {
    caller.require(ranking::RANKING_READERS)?;
    let (id, caller) = (id.into_inner(), caller.at(state.now()));
    Ok(web::Json(
        state
            .db(move |conn| Ok(ranking::of_order(conn, &caller, &id)?))
            .await?,
    ))
}

/// Cancels an order that is not yet in delivery (an offender manager of the case's area),
/// with a reason; the place it holds is released and a pending offer withdrawn.
#[utoipa::path(tag = "orders", security(("bearer" = [])), request_body = Cancellation,
    params(("id" = String, Path, description = "Order id")), responses(
    (status = 200, description = "Cancelled", body = OrderView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not an offender manager", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such order in the caller's area", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "In delivery or finished", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No reason, or too long", body = Problem, content_type = "application/problem+json"),
))]
#[post("/orders/{id}/cancel")]
async fn cancel_order(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: RawBody,
) -> Result<web::Json<OrderView>, ApiError> {
    caller.require(&[Role::OffenderManager])?;
    let cancellation = body.json::<Cancellation>()?.value;
    let (id, caller) = (id.into_inner(), caller.at(state.now()));
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::cancel(conn, &caller, &id, cancellation)?))
            .await?,
    ))
}

/// Ends an order in delivery or in breach proceedings (an offender manager of the case's
/// area), with a reason: custody, breach, transfer, death, moved away, or revised (a plan
/// revision no longer needs it). The place is freed, the provider told
/// (`order.terminated`); milestones already paid stay paid and nothing further is paid.
#[utoipa::path(tag = "orders", security(("bearer" = [])), request_body = Ending,
    params(("id" = String, Path, description = "Order id")), responses(
    (status = 200, description = "Ended: the order is terminated", body = OrderView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not an offender manager", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such order in the caller's area", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not in delivery nor paused (the problem names its status)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No such reason, or the detail is too long", body = Problem, content_type = "application/problem+json"),
))]
#[post("/orders/{id}/end")]
async fn end_order(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: RawBody,
) -> Result<web::Json<OrderView>, ApiError> {
    caller.require(&[Role::OffenderManager])?;
    let request = body.json::<Ending>()?.value;
    let (id, caller) = (id.into_inner(), caller.at(state.now()));
    Ok(web::Json(
        state
            .db(move |conn| Ok(ending::end(conn, &caller, &id, request)?))
            .await?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_orders)
        .service(get_order)
        .service(get_order_ranking)
        .service(cancel_order)
        .service(end_order);
}
