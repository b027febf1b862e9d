//! `/v1/areas`: probation delivery units. Admin creates; every caller reads.

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use provider_hub_domain::Role;
use provider_hub_market::areas::{self, NewArea};
use provider_hub_market::policies::{self, PolicyView, SetPolicy};
use provider_hub_store::areas::AreaRow;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::json::RawBody;
use crate::pagination::{page_request, PageBody, PageQuery};
use crate::state::AppState;

/// A probation delivery unit.
#[derive(Debug, Serialize, ToSchema)]
pub struct Area {
    #[schema(example = "SY-SHF")]
    pub code: String,
    pub name: String,
    pub region: String,
    pub created_at: DateTime<Utc>,
}

impl From<AreaRow> for Area {
    fn from(r: AreaRow) -> Self {
        Area {
            code: r.code,
            name: r.name,
            region: r.region,
            created_at: provider_hub_store::to_utc(r.created_at),
        }
    }
}

/// A page of areas.
#[derive(Debug, Serialize, ToSchema)]
pub struct AreaPage {
    pub items: Vec<Area>,
    pub next: Option<String>,
}

/// Lists areas in code order.
#[utoipa::path(tag = "areas", params(PageQuery), security(("bearer" = [])), responses(
    (status = 200, description = "A page of areas", body = AreaPage),
    Unauthenticated,
    (status = 422, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
))]
#[get("/areas")]
async fn list_areas(
    _caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<PageQuery>,
) -> Result<web::Json<AreaPage>, ApiError> {
    let (limit, after) = page_request::<String>(query.limit.as_deref(), query.after.as_deref())?;
    let page = state
        .db(move |conn| Ok(areas::list(conn, after, limit)?))
        .await?;
    let body = PageBody::from_page(page, Area::from);
    Ok(web::Json(AreaPage {
        items: body.items,
        next: body.next,
    }))
}

/// Reads one area.
#[utoipa::path(tag = "areas", security(("bearer" = [])), params(("code" = String, Path, description = "Area code")), responses(
    (status = 200, description = "The area", body = Area),
    Unauthenticated,
    (status = 404, description = "No such area", body = Problem, content_type = "application/problem+json"),
))]
#[get("/areas/{code}")]
async fn get_area(
    _caller: Caller,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<web::Json<Area>, ApiError> {
    let code = code.into_inner();
    let row = state.db(move |conn| Ok(areas::get(conn, &code)?)).await?;
    Ok(web::Json(row.into()))
}

/// Creates an area (admin).
#[utoipa::path(tag = "areas", security(("bearer" = [])), request_body = NewArea,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first answer for the same key and body")),
    responses(
    (status = 201, description = "Created", body = Area),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The area exists", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields, or Idempotency-Key reused", body = Problem, content_type = "application/problem+json"),
))]
#[post("/areas")]
async fn create_area(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Admin])?;
    let body = body.json::<NewArea>()?;
    let new = body.value;
    crate::idempotency::create(
        &state,
        &caller,
        &req,
        &body.raw,
        StatusCode::CREATED,
        move |conn, actor, now| areas::create(conn, actor, new, now).map(Area::from),
    )
    .await
}

/// An area's matching policy (`best_price` unless a commissioner set otherwise).
#[utoipa::path(tag = "areas", security(("bearer" = [])), params(("code" = String, Path, description = "Area code")), responses(
    (status = 200, description = "The policy", body = PolicyView),
    Unauthenticated,
    (status = 404, description = "No such area", body = Problem, content_type = "application/problem+json"),
))]
#[get("/areas/{code}/policy")]
async fn get_policy(
    _caller: Caller,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<web::Json<PolicyView>, ApiError> {
    let code = code.into_inner();
    Ok(web::Json(
        state
            .db(move |conn| Ok(policies::get(conn, &code)?))
            .await?,
    ))
}

/// Sets an area's matching policy (commissioners): `best_price`, or `best_value` with
/// weights on price, quality score and days to start. Orders placed from now on follow it.
#[utoipa::path(tag = "areas", security(("bearer" = [])), request_body = SetPolicy,
    params(("code" = String, Path, description = "Area code")), responses(
    (status = 200, description = "The policy as set", body = PolicyView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not a commissioner", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such area", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Weights missing, out of range, or given for best_price", body = Problem, content_type = "application/problem+json"),
))]
#[put("/areas/{code}/policy")]
async fn set_policy(
    caller: Caller,
    state: web::Data<AppState>,
    code: web::Path<String>,
    body: RawBody,
) -> Result<web::Json<PolicyView>, ApiError> {
    caller.require(&[Role::Commissioner])?;
    let setting = body.json::<SetPolicy>()?.value;
    let (code, actor, now) = (code.into_inner(), caller.actor(), state.now());
    Ok(web::Json(
        state
            .db(move |conn| Ok(policies::set(conn, &actor, &code, setting, now)?))
            .await?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_areas)
        .service(get_area)
        .service(create_area)
        .service(get_policy)
        .service(set_policy);
}
