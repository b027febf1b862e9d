//! `/v1/cases`: people on probation, registered and read by the offender managers of
//! their area (and read by the quality team).

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use provider_hub_domain::case::NewCase;
use provider_hub_domain::equality::Equality;
use provider_hub_domain::Role;
use provider_hub_market::access::{self, Objects};
use provider_hub_market::cases::{self as market, CaseView};
use provider_hub_market::equality::{self, EqualityView};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::json::RawBody;
use crate::pagination::{page_request, PageBody, PageQuery};
use crate::state::AppState;

/// A page of cases.
#[derive(Debug, Serialize, ToSchema)]
pub struct CasePage {
    pub items: Vec<CaseView>,
    pub next: Option<String>,
}

/// Lists cases: an offender manager's area, or all for the quality team.
#[utoipa::path(tag = "cases", params(PageQuery), security(("bearer" = [])), responses(
    (status = 200, description = "A page of cases", body = CasePage),
    Unauthenticated,
    (status = 403, description = "The role does not see cases", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
))]
#[get("/cases")]
async fn list_cases(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<CasePage>, ApiError> {
    caller.require(access::readers(Objects::Cases))?;
    let (limit, after) = page_request::<String>(query.limit.as_deref(), query.after.as_deref())?;
    let caller = caller.at(state.now());
    let page = state
        .db(move |conn| Ok(market::list(conn, &caller, after, limit)?))
        .await?;
    let body = PageBody::from_page(page, |c| c);
    Ok(web::Json(CasePage {
        items: body.items,
        next: body.next,
    }))
}

/// Registers a case in the offender manager's own area.
#[utoipa::path(tag = "cases", security(("bearer" = [])), request_body = NewCase,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first answer for the same key and body")),
    responses(
    (status = 201, description = "Registered", body = CaseView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not an offender manager of the case's area", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The crn is already registered", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields, or Idempotency-Key reused", body = Problem, content_type = "application/problem+json"),
))]
#[post("/cases")]
async fn register_case(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::OffenderManager])?;
    let body = body.json::<NewCase>()?;
    let new = body.value;
    let (role, scope) = (caller.role, caller.scope.clone());
    crate::idempotency::create(
        &state,
        &caller,
        &req,
        &body.raw,
        StatusCode::CREATED,
        move |conn, actor, now| {
            let caller = access::Caller {
                actor: actor.clone(),
                role,
                scope,
                now,
            };
            market::register(conn, &caller, new)
        },
    )
    .await
}

/// Reads a case of the caller's area (the quality team: any case).
#[utoipa::path(tag = "cases", security(("bearer" = [])), params(("crn" = String, Path, description = "Case reference number")), responses(
    (status = 200, description = "The case", body = CaseView),
    Unauthenticated,
    (status = 403, description = "The role does not see cases", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such case in the caller's area", body = Problem, content_type = "application/problem+json"),
))]
#[get("/cases/{crn}")]
async fn get_case(
    caller: Caller,
    state: web::Data<AppState>,
    crn: web::Path<String>,
) -> Result<web::Json<CaseView>, ApiError> {
    caller.require(access::readers(Objects::Cases))?;
    let crn = crn.into_inner();
    let caller = caller.at(state.now());
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::get(conn, &caller, &crn)?))
            .await?,
    ))
}

/// Records (or changes) the case's equality monitoring: the ONS 2021 ethnic group and
/// disability, each optional (absent: not recorded). Only the offender managers of the
/// case's area record it; it is audited, and never shown to providers.
#[utoipa::path(tag = "cases", security(("bearer" = [])), request_body = Equality,
    params(("crn" = String, Path, description = "Case reference number")),
    responses(
    (status = 200, description = "Recorded", body = EqualityView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not an offender manager", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such case in the caller's area", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An unknown ethnic group or disability word", body = Problem, content_type = "application/problem+json"),
))]
#[put("/cases/{crn}/equality")]
async fn record_equality(
    caller: Caller,
    state: web::Data<AppState>,
    crn: web::Path<String>,
    body: RawBody,
) -> Result<web::Json<EqualityView>, ApiError> {
    caller.require(&[Role::OffenderManager])?;
    let given = body.json::<Equality>()?.value;
    let crn = crn.into_inner();
    let caller = caller.at(state.now());
    Ok(web::Json(
        state
            .db(move |conn| Ok(equality::record(conn, &caller, &crn, given)?))
            .await?,
    ))
}

/// Reads the case's equality monitoring (its area's offender managers, the quality team).
#[utoipa::path(tag = "cases", security(("bearer" = [])), params(("crn" = String, Path, description = "Case reference number")), responses(
    (status = 200, description = "What is recorded (nulls: not recorded)", body = EqualityView),
    Unauthenticated,
    (status = 403, description = "The role does not see cases", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such case in the caller's area", body = Problem, content_type = "application/problem+json"),
))]
#[get("/cases/{crn}/equality")]
async fn get_equality(
    caller: Caller,
    state: web::Data<AppState>,
    crn: web::Path<String>,
) -> Result<web::Json<EqualityView>, ApiError> {
    caller.require(access::readers(Objects::Cases))?;
    let crn = crn.into_inner();
    let caller = caller.at(state.now());
    Ok(web::Json(
        state
            .db(move |conn| Ok(equality::get(conn, &caller, &crn)?))
            .await?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_cases)
        .service(register_case)
        .service(get_case)
        .service(record_equality)
        .service(get_equality);
}
