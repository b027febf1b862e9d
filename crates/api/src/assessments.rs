//! `/v1/assessments`: the single assessment and its countersignature.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use provider_hub_domain::assessment::{AssessmentStatus, NewAssessment};
use provider_hub_domain::Role;
use provider_hub_market::access::{self, Objects};
use provider_hub_market::assessments::{self as market, AssessmentView, Decision};
use provider_hub_store::assessments::AssessmentFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::json::RawBody;
use crate::pagination::{page_request, PageBody};
use crate::state::AppState;

/// A page of assessments.
#[derive(Debug, Serialize, ToSchema)]
pub struct AssessmentPage {
    pub items: Vec<AssessmentView>,
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AssessmentListQuery {
    /// Only this case's assessments.
    pub crn: Option<String>,
    /// Only this status.
    #[param(value_type = Option<AssessmentStatus>)]
    pub status: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
}

/// Lists assessments: an offender manager's area, or all for the quality team.
#[utoipa::path(tag = "assessments", params(AssessmentListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "A page of assessments", body = AssessmentPage),
    Unauthenticated,
    (status = 403, description = "The role does not see assessments", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
))]
#[get("/assessments")]
async fn list_assessments(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<AssessmentListQuery>,
) -> Result<web::Json<AssessmentPage>, ApiError> {
    caller.require(access::readers(Objects::Assessments))?;
    let (limit, after) = page_request::<String>(query.limit.as_deref(), query.after.as_deref())?;
    let status = query
        .status
        .as_deref()
        .map(|s| {
            s.parse::<AssessmentStatus>()
                .map_err(|e| ApiError::invalid("status", e))
        })
        .transpose()?;
    let filter = AssessmentFilter {
        area: None,
        crn: query.crn.clone(),
        status,
    };
    let caller = caller.at(state.now());
    let page = state
        .db(move |conn| Ok(market::list(conn, &caller, filter, after, limit)?))
        .await?;
    let body = PageBody::from_page(page, |a| a);
    Ok(web::Json(AssessmentPage {
        items: body.items,
        next: body.next,
    }))
}

/// Records an assessment of a case in the offender manager's area, as a draft. The same
/// `external_ref` with the same content returns the existing assessment (200); with
/// different content it is 409.
#[utoipa::path(tag = "assessments", security(("bearer" = [])), request_body = NewAssessment,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first answer for the same key and body")),
    responses(
    (status = 201, description = "Recorded as a draft", body = AssessmentView),
    (status = 200, description = "Already recorded: the existing assessment", body = AssessmentView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not an offender manager", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The external_ref is recorded with different content", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields, no such case in the caller's area, or Idempotency-Key reused", body = Problem, content_type = "application/problem+json"),
))]
#[post("/assessments")]
async fn record_assessment(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::OffenderManager])?;
    let parsed = body.json::<NewAssessment>()?;
    let new = parsed.value;
    crate::idempotency::answer(
        &state,
        &caller,
        &req,
        &parsed.raw,
        |_, _| Ok(()),
        move |conn, caller| {
            let (view, created) = market::record(conn, caller, new)?;
            let status = if created {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            Ok((status, view))
        },
    )
    .await
}

/// Reads an assessment of the caller's area (the quality team: any).
#[utoipa::path(tag = "assessments", security(("bearer" = [])), params(("id" = String, Path, description = "Assessment id")), responses(
    (status = 200, description = "The assessment", body = AssessmentView),
    Unauthenticated,
    (status = 403, description = "The role does not see assessments", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such assessment in the caller's area", body = Problem, content_type = "application/problem+json"),
))]
#[get("/assessments/{id}")]
async fn get_assessment(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<AssessmentView>, ApiError> {
    caller.require(access::readers(Objects::Assessments))?;
    let (id, caller) = (id.into_inner(), caller.at(state.now()));
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::get(conn, &caller, &id)?))
            .await?,
    ))
}

/// Submits a draft assessment for countersignature.
#[utoipa::path(tag = "assessments", security(("bearer" = [])), params(("id" = String, Path, description = "Assessment id")), responses(
    (status = 200, description = "Submitted", body = AssessmentView),
    Unauthenticated,
    (status = 403, description = "Not an offender manager", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such assessment in the caller's area", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not a draft", body = Problem, content_type = "application/problem+json"),
))]
#[post("/assessments/{id}/submit")]
async fn submit_assessment(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<AssessmentView>, ApiError> {
    caller.require(&[Role::OffenderManager])?;
    let (id, caller) = (id.into_inner(), caller.at(state.now()));
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::submit(conn, &caller, &id)?))
            .await?,
    ))
}

async fn decide(
    caller: Caller,
    state: web::Data<AppState>,
    id: String,
    approve: bool,
    decision: Decision,
) -> Result<web::Json<AssessmentView>, ApiError> {
    let caller = caller.at(state.now());
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::decide(conn, &caller, &id, approve, decision)?))
            .await?,
    ))
}

/// Countersigns a submitted assessment: a different offender manager of the same area.
#[utoipa::path(tag = "assessments", security(("bearer" = [])), params(("id" = String, Path, description = "Assessment id")), responses(
    (status = 200, description = "Approved", body = AssessmentView),
    Unauthenticated,
    (status = 403, description = "Not an offender manager, or the author", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such assessment in the caller's area", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not submitted", body = Problem, content_type = "application/problem+json"),
))]
#[post("/assessments/{id}/approve")]
async fn approve_assessment(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<AssessmentView>, ApiError> {
    caller.require(&[Role::OffenderManager])?;
    decide(caller, state, id.into_inner(), true, Decision::default()).await
}

/// Rejects a submitted assessment, with a reason: a different offender manager of the same area.
#[utoipa::path(tag = "assessments", security(("bearer" = [])), request_body = Decision,
    params(("id" = String, Path, description = "Assessment id")), responses(
    (status = 200, description = "Rejected", body = AssessmentView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not an offender manager, or the author", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such assessment in the caller's area", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not submitted", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Reason too long", body = Problem, content_type = "application/problem+json"),
))]
#[post("/assessments/{id}/reject")]
async fn reject_assessment(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: RawBody,
) -> Result<web::Json<AssessmentView>, ApiError> {
    caller.require(&[Role::OffenderManager])?;
    let decision = body.json::<Decision>()?.value;
    decide(caller, state, id.into_inner(), false, decision).await
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_assessments)
        .service(record_assessment)
        .service(get_assessment)
        .service(submit_assessment)
        .service(approve_assessment)
        .service(reject_assessment);
}
