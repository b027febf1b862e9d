//! Plan revisions and shaping a plan before approval: a plan by its id, its items removed,
//! deferred or restored, its sequence (`/v1/sentence-plans/{id}/…`), and the plans due
//! for review (`/v1/sentence-plans?due_for_review=`).

use actix_web::{get, post, web};
use provider_hub_domain::revision::SetAside;
use provider_hub_domain::Role;
use provider_hub_market::plans::{self as market, PlanView};
use provider_hub_market::revisions::{self, PlanDue};
use provider_hub_market::shaping::{self, Sequence, SetAsideReason};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::json::RawBody;
use crate::pagination::{day, page_request, PageBody};
use crate::state::AppState;

/// Roles that read sentence plans by id.
const PLAN_READERS: &[Role] = &[Role::OffenderManager, Role::Quality];

/// A sentence plan by its id, costed today, with its revision lines while proposed.
#[utoipa::path(tag = "sentence plans", security(("bearer" = [])), params(("id" = String, Path, description = "Sentence plan id")), responses(
    (status = 200, description = "The costed plan", body = PlanView),
    Unauthenticated,
    (status = 403, description = "The role does not see sentence plans", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such plan in the caller's area", body = Problem, content_type = "application/problem+json"),
))]
#[get("/sentence-plans/{id}")]
async fn get_plan(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<PlanView>, ApiError> {
    caller.require(PLAN_READERS)?;
    let (id, caller) = (id.into_inner(), caller.at(state.now()));
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::view(conn, &caller, &id)?))
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DueQuery {
    /// Plans due for review on or before this day (`YYYY-MM-DD`; required).
    #[param(value_type = String, format = Date, example = "2027-06-30")]
    pub due_for_review: Option<String>,
    /// Only this area's plans (an offender manager's own area in any case).
    pub area: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
}

/// A page of plans due for review.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanDuePage {
    pub items: Vec<PlanDue>,
    pub next: Option<String>,
}

/// The approved sentence plans, not since revised, due for review on or before a day,
/// soonest first: an offender manager's own area; the quality team and commissioners any
/// area, or all.
#[utoipa::path(tag = "sentence plans", security(("bearer" = [])), params(DueQuery), responses(
    (status = 200, description = "A page of plans due for review", body = PlanDuePage),
    Unauthenticated,
    (status = 403, description = "The role does not review plans, or another area's", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No or a bad day, limit or cursor", body = Problem, content_type = "application/problem+json"),
))]
#[get("/sentence-plans")]
async fn list_due(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<DueQuery>,
) -> Result<web::Json<PlanDuePage>, ApiError> {
    caller.require(&[Role::OffenderManager, Role::Quality, Role::Commissioner])?;
    let on = day("due_for_review", query.due_for_review.as_deref())?
        .ok_or_else(|| ApiError::invalid("due_for_review", "is required: a date, YYYY-MM-DD"))?;
    let (limit, after) = page_request(query.limit.as_deref(), query.after.as_deref())?;
    let (area, caller) = (query.area.clone(), caller.at(state.now()));
    let page = state
        .db(move |conn| {
            Ok(revisions::due_for_review(
                conn, &caller, area, on, after, limit,
            )?)
        })
        .await?;
    let body = PageBody::from_page(page, |p| p);
    Ok(web::Json(PlanDuePage {
        items: body.items,
        next: body.next,
    }))
}

async fn set_aside(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    kind: Option<SetAside>,
    body: RawBody,
) -> Result<web::Json<PlanView>, ApiError> {
    caller.require(&[Role::OffenderManager])?;
    let reason = match kind {
        Some(_) => Some(body.json::<SetAsideReason>()?.value),
        None => None,
    };
    let ((plan, item), caller) = (path.into_inner(), caller.at(state.now()));
    Ok(web::Json(
        state
            .db(move |conn| {
                Ok(shaping::set_aside(
                    conn, &caller, &plan, &item, kind, reason,
                )?)
            })
            .await?,
    ))
}

/// Removes an item from a proposed plan, with the reason: approving buys nothing for it
/// (an order already answering it from an earlier plan is then proposed for ending).
#[utoipa::path(tag = "sentence plans", security(("bearer" = [])), request_body = SetAsideReason,
    params(("id" = String, Path, description = "Sentence plan id"), ("item" = String, Path, description = "Plan item id")),
    responses(
    (status = 200, description = "The plan as it now stands", body = PlanView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not an offender manager", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such plan in the caller's area, or no such item of it", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The plan is approved", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No reason, or too long", body = Problem, content_type = "application/problem+json"),
))]
#[post("/sentence-plans/{id}/items/{item}/remove")]
async fn remove_item(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: RawBody,
) -> Result<web::Json<PlanView>, ApiError> {
    set_aside(caller, state, path, Some(SetAside::Removed), body).await
}

/// Defers an item of a proposed plan, with the reason: approving does not buy it now (an
/// order already answering it is kept); a later revision proposes it again.
#[utoipa::path(tag = "sentence plans", security(("bearer" = [])), request_body = SetAsideReason,
    params(("id" = String, Path, description = "Sentence plan id"), ("item" = String, Path, description = "Plan item id")),
    responses(
    (status = 200, description = "The plan as it now stands", body = PlanView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not an offender manager", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such plan in the caller's area, or no such item of it", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The plan is approved", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No reason, or too long", body = Problem, content_type = "application/problem+json"),
))]
#[post("/sentence-plans/{id}/items/{item}/defer")]
async fn defer_item(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: RawBody,
) -> Result<web::Json<PlanView>, ApiError> {
    set_aside(caller, state, path, Some(SetAside::Deferred), body).await
}

/// Puts a removed or deferred item of a proposed plan back.
#[utoipa::path(tag = "sentence plans", security(("bearer" = [])),
    params(("id" = String, Path, description = "Sentence plan id"), ("item" = String, Path, description = "Plan item id")),
    responses(
    (status = 200, description = "The plan as it now stands", body = PlanView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not an offender manager", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such plan in the caller's area, or no such item of it", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The plan is approved", body = Problem, content_type = "application/problem+json"),
))]
#[post("/sentence-plans/{id}/items/{item}/restore")]
async fn restore_item(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: RawBody,
) -> Result<web::Json<PlanView>, ApiError> {
    set_aside(caller, state, path, None, body).await
}

/// Sets a proposed plan's sequence: each step says one item starts after another (e.g.
/// accommodation before an accredited programme). It replaces the sequence set before.
/// When the plan is approved the later item may start only after the earlier one's start
/// (its committed start date, else its required-by date), and its required-by date moves
/// to keep its own lead time from that start.
#[utoipa::path(tag = "sentence plans", security(("bearer" = [])), request_body = Sequence,
    params(("id" = String, Path, description = "Sentence plan id")),
    responses(
    (status = 200, description = "The plan as it now stands", body = PlanView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not an offender manager", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such plan in the caller's area", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The plan is approved", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An item not of the plan, an item after itself, or a circle", body = Problem, content_type = "application/problem+json"),
))]
#[post("/sentence-plans/{id}/sequence")]
async fn set_sequence(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: RawBody,
) -> Result<web::Json<PlanView>, ApiError> {
    caller.require(&[Role::OffenderManager])?;
    let sequence = body.json::<Sequence>()?.value;
    let (id, caller) = (id.into_inner(), caller.at(state.now()));
    Ok(web::Json(
        state
            .db(move |conn| Ok(shaping::set_sequence(conn, &caller, &id, sequence)?))
            .await?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_due)
        .service(get_plan)
        .service(remove_item)
        .service(defer_item)
        .service(restore_item)
        .service(set_sequence);
}
