//! Enforcement (SPEC.md §2): the failures waiting for the offender manager's decision,
//! the decision on each, and breach proceedings with their outcome.

use actix_web::{get, post, web};
use provider_hub_domain::Role;
use provider_hub_market::enforcement::{self as market, BreachDecision, Decision, FailureView};
use provider_hub_market::orders::OrderView;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::json::RawBody;
use crate::pagination::{page_request, PageBody, PageQuery};
use crate::state::AppState;

/// A page of failures waiting for a decision.
#[derive(Debug, Serialize, ToSchema)]
pub struct FailurePage {
    pub items: Vec<FailureView>,
    pub next: Option<String>,
}

/// Lists the missed appointments and non-compliance waiting for the offender manager's
/// decision, on orders in delivery or paused: an offender manager's area; every area for
/// the quality team.
#[utoipa::path(tag = "enforcement", params(PageQuery), security(("bearer" = [])), responses(
    (status = 200, description = "A page of failures waiting for a decision, oldest first", body = FailurePage),
    Unauthenticated,
    (status = 403, description = "The role does not see enforcement", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
))]
#[get("/enforcement/failures")]
async fn failures_awaiting_decision(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<FailurePage>, ApiError> {
    caller.require(&[Role::OffenderManager, Role::Quality])?;
    let (limit, after) = page_request::<String>(query.limit.as_deref(), query.after.as_deref())?;
    let caller = caller.at(state.now());
    let page = state
        .db(move |conn| Ok(market::awaiting_decision(conn, &caller, after, limit)?))
        .await?;
    let body = PageBody::from_page(page, |f| f);
    Ok(web::Json(FailurePage {
        items: body.items,
        next: body.next,
    }))
}

/// Records the offender manager's decision on a failure of an order: an acceptable
/// absence, or a warning. A warning that meets the breach rule (HUB_BREACH_FAILURES
/// within HUB_BREACH_MONTHS; by default a second within 12 months) flags the order for
/// breach (`breach.status` `flagged`, event `order.breach_flagged`).
#[utoipa::path(tag = "enforcement", security(("bearer" = [])), request_body = Decision,
    params(
        ("id" = String, Path, description = "Order id"),
        ("failure_id" = String, Path, description = "Failure id (from the order's `failures`)"),
    ), responses(
    (status = 200, description = "Decided: the order with its failures and breach", body = OrderView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not an offender manager", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such order in the caller's area, or no such failure of it", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Decided already (the problem names the decision)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No such decision, or the note is too long", body = Problem, content_type = "application/problem+json"),
))]
#[post("/orders/{id}/failures/{failure_id}/decision")]
async fn decide_failure(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: RawBody,
) -> Result<web::Json<OrderView>, ApiError> {
    caller.require(&[Role::OffenderManager])?;
    let decision = body.json::<Decision>()?.value;
    let (id, failure_id) = path.into_inner();
    let (caller, rule) = (caller.at(state.now()), state.matching.breach_rule);
    Ok(web::Json(
        state
            .db(move |conn| {
                Ok(market::decide(
                    conn,
                    &caller,
                    rule,
                    &id,
                    &failure_id,
                    decision,
                )?)
            })
            .await?,
    ))
}

/// Starts breach proceedings on an order flagged for breach: the order is paused and its
/// provider told (`order.paused`).
#[utoipa::path(tag = "enforcement", security(("bearer" = [])),
    params(("id" = String, Path, description = "Order id")), responses(
    (status = 200, description = "Proceedings started: the order is paused", body = OrderView),
    Unauthenticated,
    (status = 403, description = "Not an offender manager", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such order in the caller's area", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not flagged for breach, or proceedings already started (the problem names the state)", body = Problem, content_type = "application/problem+json"),
))]
#[post("/orders/{id}/breach/proceedings")]
async fn start_breach_proceedings(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<OrderView>, ApiError> {
    caller.require(&[Role::OffenderManager])?;
    let (id, caller) = (id.into_inner(), caller.at(state.now()));
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::start_proceedings(conn, &caller, &id)?))
            .await?,
    ))
}

/// Records the outcome of breach proceedings: `continue` and `varied` (saying what was
/// varied) resume the order (`order.resumed`); `revoked` ends it for `breach`
/// (`order.terminated`). Milestones already paid stay paid.
#[utoipa::path(tag = "enforcement", security(("bearer" = [])), request_body = BreachDecision,
    params(("id" = String, Path, description = "Order id")), responses(
    (status = 200, description = "Decided: the order resumed or ended", body = OrderView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not an offender manager", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such order in the caller's area", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "No breach in proceedings (the problem names the state)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No such outcome; a variation missing, or given for another outcome", body = Problem, content_type = "application/problem+json"),
))]
#[post("/orders/{id}/breach/outcome")]
async fn record_breach_outcome(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: RawBody,
) -> Result<web::Json<OrderView>, ApiError> {
    caller.require(&[Role::OffenderManager])?;
    let decision = body.json::<BreachDecision>()?.value;
    let (id, caller) = (id.into_inner(), caller.at(state.now()));
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::record_breach_outcome(conn, &caller, &id, decision)?))
            .await?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(failures_awaiting_decision)
        .service(decide_failure)
        .service(start_breach_proceedings)
        .service(record_breach_outcome);
}
