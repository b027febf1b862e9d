//! `/v1/matching/runs`: batch matching, run by commissioners.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use provider_hub_domain::Role;
use provider_hub_market::runs::{self as market, NewRun, RunView};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::json::RawBody;
use crate::state::AppState;

/// Runs batch matching over the open and unmatched orders of an area (or all areas):
/// an exact minimum-cost placement under capacity (as many orders placed as possible,
/// then the least total cost), applied as offers, with the saving against placing the
/// same orders one by one in arrival order.
///
/// Without an `Idempotency-Key` the run applies its placements in short transactions of
/// its own, so other writes never wait for the whole run. With one, the run and its key
/// are written in one transaction, so that it happens once whatever the retries; other
/// writes to what it touches then wait for it.
#[utoipa::path(tag = "matching", security(("bearer" = [])), request_body = NewRun,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first answer for the same key and body")),
    responses(
    (status = 201, description = "The run and its placements", body = RunView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not a commissioner", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such area", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid body, or Idempotency-Key reused", body = Problem, content_type = "application/problem+json"),
))]
#[post("/matching/runs")]
async fn create_run(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Commissioner])?;
    let body = body.json::<NewRun>()?;
    let (new, settings) = (body.value, state.matching);
    if req.headers().get(crate::idempotency::HEADER).is_none() {
        let (actor, now) = (caller.actor(), state.now());
        let run = state
            .db(move |conn| Ok(market::run(conn, &actor, new, settings, now)?))
            .await?;
        return Ok(HttpResponse::Created().json(run));
    }
    crate::idempotency::create(
        &state,
        &caller,
        &req,
        &body.raw,
        StatusCode::CREATED,
        move |conn, actor, now| market::run(conn, actor, new, settings, now),
    )
    .await
}

/// Reads a batch matching run.
#[utoipa::path(tag = "matching", security(("bearer" = [])), params(("id" = String, Path, description = "Run id")), responses(
    (status = 200, description = "The run", body = RunView),
    Unauthenticated,
    (status = 403, description = "Neither a commissioner nor the quality team", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such run", body = Problem, content_type = "application/problem+json"),
))]
#[get("/matching/runs/{id}")]
async fn get_run(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<RunView>, ApiError> {
    caller.require(&[Role::Commissioner, Role::Quality])?;
    let id = id.into_inner();
    Ok(web::Json(
        state.db(move |conn| Ok(market::get(conn, &id)?)).await?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_run).service(get_run);
}
