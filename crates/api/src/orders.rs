//! `/v1/orders`: intervention orders, each with the plan item it came from.

use actix_web::{get, post, web};
use provider_hub_domain::order::OrderStatus;
use provider_hub_domain::Role;
use provider_hub_market::access::{self, Objects};
use provider_hub_market::ending::{self, Ending};
use provider_hub_market::orders::{self as market, Cancellation, OrderView};
use provider_hub_store::orders::OrderFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::json::RawBody;
use crate::pagination::{page_request, PageBody};
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
    pub crn: Option<String>,
    /// Only this status.
    #[param(value_type = Option<OrderStatus>)]
    pub status: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
}

/// Lists orders: an offender manager's area; every area for the quality team and commissioners.
#[utoipa::path(tag = "orders", params(OrderListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "A page of orders", body = OrderPage),
    Unauthenticated,
    (status = 403, description = "The role does not see orders", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
))]
#[get("/orders")]
async fn list_orders(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<OrderListQuery>,
) -> Result<web::Json<OrderPage>, ApiError> {
    caller.require(access::readers(Objects::Orders))?;
    let (limit, after) = page_request::<String>(query.limit.as_deref(), query.after.as_deref())?;
    let status = query
        .status
        .as_deref()
        .map(|s| {
            s.parse::<OrderStatus>()
                .map_err(|e| ApiError::invalid("status", e))
        })
        .transpose()?;
    let filter = OrderFilter {
        crn: query.crn.clone(),
        status,
        ..OrderFilter::default()
    };
    let caller = caller.at(state.now());
    let page = state
        .db(move |conn| Ok(market::list(conn, &caller, filter, after, limit)?))
        .await?;
    let body = PageBody::from_page(page, |o| o);
    Ok(web::Json(OrderPage {
        items: body.items,
        next: body.next,
    }))
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
        .service(cancel_order)
        .service(end_order);
}
