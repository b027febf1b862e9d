//! `/v1/cases/{crn}/transfers` and `/v1/transfers`: a case's move to another area, made
//! by an offender manager of the sending area and read by both areas' offender managers
//! (and by the quality team and commissioners).

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use provider_hub_domain::Role;
use provider_hub_market::access::{self, Objects};
use provider_hub_market::transfers::{self as market, NewTransfer, TransferView};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::json::RawBody;
use crate::pagination::{page_request, PageBody};
use crate::state::AppState;

/// A page of transfers, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct TransferPage {
    pub items: Vec<TransferView>,
    pub next: Option<String>,
}

/// Which transfers to list.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TransferQuery {
    /// Only this case's transfers.
    pub crn: Option<String>,
    /// Page size, 1-500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// The `next` cursor of the previous page.
    pub after: Option<String>,
}

/// Moves a case to another area: orders whose provider serves the new area continue,
/// orders not yet started are matched again there, and the budget commitment moves with
/// them; what the sending area paid stays its spend.
#[utoipa::path(tag = "transfers", security(("bearer" = [])), request_body = NewTransfer,
    params(
        ("crn" = String, Path, description = "Case reference number"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first answer for the same key and body"),
    ),
    responses(
    (status = 201, description = "Transferred, with what it did to each order", body = TransferView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not an offender manager", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such case in the caller's area", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The case or one of its orders changed meanwhile (e.g. another transfer won)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No reason, the same area, an unknown area, or Idempotency-Key reused", body = Problem, content_type = "application/problem+json"),
))]
#[post("/cases/{crn}/transfers")]
async fn transfer_case(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    crn: web::Path<String>,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::OffenderManager])?;
    let body = body.json::<NewTransfer>()?;
    let (new, crn, settings) = (body.value, crn.into_inner(), state.matching);
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
            market::transfer(conn, &caller, &crn, new, settings)
        },
    )
    .await
}

/// Lists transfers: an offender manager's those from or to its area (the sending area
/// keeps reading them); the quality team and commissioners all.
#[utoipa::path(tag = "transfers", params(TransferQuery), security(("bearer" = [])), responses(
    (status = 200, description = "A page of transfers", body = TransferPage),
    Unauthenticated,
    (status = 403, description = "The role does not see transfers", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
))]
#[get("/transfers")]
async fn list_transfers(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<TransferQuery>,
) -> Result<web::Json<TransferPage>, ApiError> {
    caller.require(access::readers(Objects::Transfers))?;
    let query = query.into_inner();
    let (limit, after) = page_request::<String>(query.limit.as_deref(), query.after.as_deref())?;
    let caller = caller.at(state.now());
    let crn = query.crn;
    let page = state
        .db(move |conn| Ok(market::list(conn, &caller, crn.as_deref(), after, limit)?))
        .await?;
    let body = PageBody::from_page(page, |t| t);
    Ok(web::Json(TransferPage {
        items: body.items,
        next: body.next,
    }))
}

/// Reads one transfer from or to the caller's area.
#[utoipa::path(tag = "transfers", security(("bearer" = [])), params(("id" = String, Path, description = "Transfer id")), responses(
    (status = 200, description = "The transfer", body = TransferView),
    Unauthenticated,
    (status = 403, description = "The role does not see transfers", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such transfer from or to the caller's area", body = Problem, content_type = "application/problem+json"),
))]
#[get("/transfers/{id}")]
async fn get_transfer(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<TransferView>, ApiError> {
    caller.require(access::readers(Objects::Transfers))?;
    let (id, caller) = (id.into_inner(), caller.at(state.now()));
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::get(conn, &caller, &id)?))
            .await?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(transfer_case)
        .service(list_transfers)
        .service(get_transfer);
}
