//! Sentence plans (`/v1/assessments/{id}/sentence-plan`, `/v1/sentence-plans/{id}/approve`)
//! and the lead times their required-by dates come from (`/v1/lead-times`).

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use provider_hub_domain::{Category, Role};
use provider_hub_market::access::{self, Objects};
use provider_hub_market::plans::{
    self as market, Confirmation, LeadTimeView, PlanApproval, PlanView, SetLeadTime,
};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::json::RawBody;
use crate::state::AppState;

/// The costed sentence plan of an approved assessment: one item per court requirement
/// and per linked medium or high need, each with the price of its best current match
/// (a quote: no place is held) or the reason no provider can take it today.
#[utoipa::path(tag = "sentence plans", security(("bearer" = [])), params(("id" = String, Path, description = "Assessment id")), responses(
    (status = 200, description = "The costed plan", body = PlanView),
    Unauthenticated,
    (status = 403, description = "The role does not see sentence plans", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such assessment in the caller's area, or it is not approved yet", body = Problem, content_type = "application/problem+json"),
))]
#[get("/assessments/{id}/sentence-plan")]
async fn get_sentence_plan(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<PlanView>, ApiError> {
    caller.require(access::readers(Objects::Cases))?;
    let (id, caller) = (id.into_inner(), caller.at(state.now()));
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::for_assessment(conn, &caller, &id)?))
            .await?,
    ))
}

/// Approves a sentence plan: the purchase trigger. The plan is compared with what is
/// already bought for the person: an order is created and matched at once for each item
/// not already ordered or delivered and not removed or deferred (`offered`, a place
/// reserved and an offer sent, or `unmatched` with the explanation), in the plan's
/// sequence; the orders on the revision's `end` lines that the body lists are ended
/// (cancelled before delivery, terminated `revised` in delivery); the person's earlier plan is superseded and this one gets its review
/// date. All in one transaction. The body is optional. Approving an approved plan
/// creates nothing and answers its orders again.
#[utoipa::path(tag = "sentence plans", security(("bearer" = [])), request_body(content = Option<Confirmation>, description = "The proposed endings confirmed (optional)"),
    params(
        ("id" = String, Path, description = "Sentence plan id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first answer for the same key"),
    ),
    responses(
    (status = 200, description = "Approved: the plan and its orders", body = PlanApproval),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not an offender manager", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such plan in the caller's area", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key malformed or reused, or an ending confirmed that the revision does not propose", body = Problem, content_type = "application/problem+json"),
))]
#[post("/sentence-plans/{id}/approve")]
async fn approve_sentence_plan(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::OffenderManager])?;
    let id = id.into_inner();
    let settings = state.matching;
    let seen_id = id.clone();
    let (confirmation, raw) = if body.is_empty() {
        (Confirmation::default(), serde_json::Value::Null)
    } else {
        // `null` is no confirmation, as no body is.
        let parsed = body.json::<Option<Confirmation>>()?;
        (parsed.value.unwrap_or_default(), parsed.raw)
    };
    crate::idempotency::answer(
        &state,
        &caller,
        &req,
        &raw,
        move |conn, caller| market::ensure_visible(conn, caller, &seen_id),
        move |conn, caller| {
            provider_hub_market::approval::approve(conn, caller, &id, confirmation, settings)
                .map(|approval| (StatusCode::OK, approval))
        },
    )
    .await
}

/// Every category's lead time: the days from the sentence date by which an intervention
/// must start, as commissioners set it or by default.
#[utoipa::path(tag = "sentence plans", security(("bearer" = [])), responses(
    (status = 200, description = "Lead times in category order", body = Vec<LeadTimeView>),
    Unauthenticated,
))]
#[get("/lead-times")]
async fn list_lead_times(
    _caller: Caller,
    state: web::Data<AppState>,
) -> Result<web::Json<Vec<LeadTimeView>>, ApiError> {
    Ok(web::Json(
        state.db(move |conn| Ok(market::lead_times(conn)?)).await?,
    ))
}

/// Sets one category's lead time (commissioners). Plans made from now on use it; plans
/// already made keep their dates.
#[utoipa::path(tag = "sentence plans", security(("bearer" = [])), request_body = SetLeadTime,
    params(("category" = Category, Path, description = "Category")),
    responses(
    (status = 200, description = "The lead time as set", body = LeadTimeView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not a commissioner", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such category", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Days outside 1-365", body = Problem, content_type = "application/problem+json"),
))]
#[put("/lead-times/{category}")]
async fn set_lead_time(
    caller: Caller,
    state: web::Data<AppState>,
    category: web::Path<String>,
    body: RawBody,
) -> Result<web::Json<LeadTimeView>, ApiError> {
    caller.require(&[Role::Commissioner])?;
    let category: Category = category
        .parse()
        .map_err(|_| ApiError::not_found(format!("no such category: {category}")))?;
    let setting = body.json::<SetLeadTime>()?.value;
    let (actor, now) = (caller.actor(), state.now());
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::set_lead_time(conn, &actor, category, setting, now)?))
            .await?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_sentence_plan)
        .service(approve_sentence_plan)
        .service(list_lead_times)
        .service(set_lead_time);
}
