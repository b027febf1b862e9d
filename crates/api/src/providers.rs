//! `/v1/providers` and `/v1/quality/threshold`: registration, accreditation and standing.

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use provider_hub_domain::provider::{NewAccreditation, NewProvider, Standing};
use provider_hub_domain::Role;
use provider_hub_market::providers::{
    self as market, ProviderView, SetThreshold, StandingChange, ThresholdView,
};
use provider_hub_market::threshold::{self, ThresholdPreview};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::json::RawBody;
use crate::pagination::{page_request, PageBody, PageQuery};
use crate::state::AppState;

/// A page of providers.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProviderPage {
    pub items: Vec<ProviderView>,
    pub next: Option<String>,
}

/// Lists providers (a provider sees only itself), with membership as of today.
#[utoipa::path(tag = "providers", params(PageQuery), security(("bearer" = [])), responses(
    (status = 200, description = "A page of providers", body = ProviderPage),
    Unauthenticated,
    (status = 422, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
))]
#[get("/providers")]
async fn list_providers(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<ProviderPage>, ApiError> {
    let (limit, after) = page_request::<String>(query.limit.as_deref(), query.after.as_deref())?;
    let now = state.now();
    let scope = caller.scope.clone();
    let page = state
        .db(move |conn| Ok(market::list(conn, &scope, after, limit, now)?))
        .await?;
    let body = PageBody::from_page(page, |p| p);
    Ok(web::Json(ProviderPage {
        items: body.items,
        next: body.next,
    }))
}

/// Registers a provider (admin); it starts as an applicant.
#[utoipa::path(tag = "providers", security(("bearer" = [])), request_body = NewProvider,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first answer for the same key and body")),
    responses(
    (status = 201, description = "Registered", body = ProviderView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Registration number already registered", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields, or Idempotency-Key reused", body = Problem, content_type = "application/problem+json"),
))]
#[post("/providers")]
async fn register_provider(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let body = body.json::<NewProvider>()?;
    let new = body.value;
    crate::idempotency::create(
        &state,
        &caller,
        &req,
        &body.raw,
        StatusCode::CREATED,
        move |conn, actor, now| market::register(conn, actor, new, now),
    )
    .await
}

/// Reads a provider with its accreditations and membership as of today.
#[utoipa::path(tag = "providers", security(("bearer" = [])), params(("id" = String, Path, description = "Provider id")), responses(
    (status = 200, description = "The provider", body = ProviderView),
    Unauthenticated,
    (status = 404, description = "No such provider (or another provider's)", body = Problem, content_type = "application/problem+json"),
))]
#[get("/providers/{id}")]
async fn get_provider(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<ProviderView>, ApiError> {
    let id = id.into_inner();
    let now = state.now();
    let scope = caller.scope.clone();
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::get(conn, &scope, &id, now)?))
            .await?,
    ))
}

/// Records an accreditation for one category (quality team); it supersedes the
/// provider's previous assessment for that category.
#[utoipa::path(tag = "providers", security(("bearer" = [])), request_body = NewAccreditation,
    params(
        ("id" = String, Path, description = "Provider id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first answer for the same key and body"),
    ),
    responses(
    (status = 201, description = "Recorded; the provider as it now stands", body = ProviderView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not the quality team", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such provider", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The provider is revoked", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields, or Idempotency-Key reused", body = Problem, content_type = "application/problem+json"),
))]
#[post("/providers/{id}/accreditations")]
async fn accredit_provider(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Quality])?;
    let body = body.json::<NewAccreditation>()?;
    let new = body.value;
    let id = id.into_inner();
    crate::idempotency::create(
        &state,
        &caller,
        &req,
        &serde_json::json!({ "provider": id, "body": body.raw }),
        StatusCode::CREATED,
        move |conn, actor, now| market::accredit(conn, actor, &id, new, now),
    )
    .await
}

async fn change_standing(
    caller: Caller,
    state: web::Data<AppState>,
    id: String,
    body: RawBody,
    rule: fn(Standing) -> Result<Standing, provider_hub_domain::provider::IllegalStandingChange>,
    action: &'static str,
) -> Result<web::Json<ProviderView>, ApiError> {
    caller.require(&[Role::Quality])?;
    let change = body.json::<StandingChange>()?.value;
    let (caller, settings) = (caller.at(state.now()), state.matching);
    let view = state
        .db(move |conn| {
            Ok(market::change_standing(
                conn, &caller, &id, change, rule, action, settings,
            )?)
        })
        .await?;
    Ok(web::Json(view))
}

/// Suspends a provider (quality team): its listings leave search at once, its pending
/// offers are withdrawn and their orders matched again elsewhere; the orders it has
/// accepted stay with it, and their offender managers are told (`order.provider_suspended`).
#[utoipa::path(tag = "providers", security(("bearer" = [])), request_body = StandingChange,
    params(("id" = String, Path, description = "Provider id")),
    responses(
    (status = 200, description = "Suspended", body = ProviderView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not the quality team", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such provider", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not active", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
))]
#[post("/providers/{id}/suspend")]
async fn suspend_provider(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: RawBody,
) -> Result<web::Json<ProviderView>, ApiError> {
    change_standing(
        caller,
        state,
        id.into_inner(),
        body,
        Standing::suspend,
        "provider.suspended",
    )
    .await
}

/// Reinstates a suspended provider (quality team).
#[utoipa::path(tag = "providers", security(("bearer" = [])), request_body = StandingChange,
    params(("id" = String, Path, description = "Provider id")),
    responses(
    (status = 200, description = "Reinstated", body = ProviderView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not the quality team", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such provider", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not suspended", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
))]
#[post("/providers/{id}/reinstate")]
async fn reinstate_provider(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: RawBody,
) -> Result<web::Json<ProviderView>, ApiError> {
    change_standing(
        caller,
        state,
        id.into_inner(),
        body,
        Standing::reinstate,
        "provider.reinstated",
    )
    .await
}

/// Revokes a provider for good (quality team): its pending offers are withdrawn, and the
/// orders it accepted but has not started are taken from it (`order.provider_revoked`);
/// each is matched again at once.
#[utoipa::path(tag = "providers", security(("bearer" = [])), request_body = StandingChange,
    params(("id" = String, Path, description = "Provider id")),
    responses(
    (status = 200, description = "Revoked", body = ProviderView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not the quality team", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such provider", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Already revoked", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No reason given", body = Problem, content_type = "application/problem+json"),
))]
#[post("/providers/{id}/revoke")]
async fn revoke_provider(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: RawBody,
) -> Result<web::Json<ProviderView>, ApiError> {
    change_standing(
        caller,
        state,
        id.into_inner(),
        body,
        Standing::revoke,
        "provider.revoked",
    )
    .await
}

/// Reads the quality threshold.
#[utoipa::path(tag = "quality", security(("bearer" = [])), responses(
    (status = 200, description = "The threshold", body = ThresholdView),
    Unauthenticated,
))]
#[get("/quality/threshold")]
async fn get_threshold(
    _caller: Caller,
    state: web::Data<AppState>,
) -> Result<web::Json<ThresholdView>, ApiError> {
    Ok(web::Json(
        state.db(|conn| Ok(market::threshold(conn)?)).await?,
    ))
}

/// Sets the quality threshold (quality team); membership follows at once.
#[utoipa::path(tag = "quality", security(("bearer" = [])), request_body = SetThreshold, responses(
    (status = 200, description = "The new threshold", body = ThresholdView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not the quality team", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not 0-100", body = Problem, content_type = "application/problem+json"),
))]
#[put("/quality/threshold")]
async fn set_threshold(
    caller: Caller,
    state: web::Data<AppState>,
    body: RawBody,
) -> Result<web::Json<ThresholdView>, ApiError> {
    caller.require(&[Role::Quality])?;
    let set = body.json::<SetThreshold>()?.value;
    let actor = caller.actor();
    let now = state.now();
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::set_threshold(conn, &actor, set, now)?))
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PreviewQuery {
    /// The threshold to preview, 0–100.
    #[param(value_type = u8, minimum = 0, maximum = 100)]
    pub threshold: Option<String>,
}

/// Previews a new quality threshold (quality team): the providers that would stop (or
/// start) being members of each category and the listings that would leave search,
/// judged by the same membership rule matching and search use. Changes nothing.
#[utoipa::path(tag = "quality", params(PreviewQuery), security(("bearer" = [])), responses(
    (status = 200, description = "What the threshold would change today", body = ThresholdPreview),
    Unauthenticated,
    (status = 403, description = "Not the quality team", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No threshold, or not 0-100", body = Problem, content_type = "application/problem+json"),
))]
#[get("/quality/threshold/preview")]
async fn preview_threshold(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<PreviewQuery>,
) -> Result<web::Json<ThresholdPreview>, ApiError> {
    caller.require(&[Role::Quality])?;
    let value: i64 = query
        .threshold
        .as_deref()
        .and_then(|t| t.trim().parse().ok())
        .ok_or_else(|| ApiError::invalid("threshold", "must be a whole number 0-100"))?;
    let now = state.now();
    Ok(web::Json(
        state
            .db(move |conn| Ok(threshold::preview(conn, value, now)?))
            .await?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_providers)
        .service(register_provider)
        .service(get_provider)
        .service(accredit_provider)
        .service(suspend_provider)
        .service(reinstate_provider)
        .service(revoke_provider)
        .service(get_threshold)
        .service(preview_threshold)
        .service(set_threshold);
}
