//! `/v1/specifications`: the quality team's published service specifications.

use actix_web::http::StatusCode;
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use provider_hub_domain::category::Category;
use provider_hub_domain::specification::{
    NewSpecification, SpecificationContent, SpecificationPatch, SpecificationStatus,
    SpecificationVersion,
};
use provider_hub_domain::Role;
use provider_hub_market::specifications::{self as market, SpecificationDetail};
use provider_hub_store::specifications::SpecificationFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::json::RawBody;
use crate::pagination::{page_request, PageBody};
use crate::state::AppState;

/// One version of a specification.
#[derive(Debug, Serialize, ToSchema)]
pub struct Specification {
    #[schema(example = "UPW-STD")]
    pub code: String,
    pub version: i32,
    pub status: SpecificationStatus,
    #[serde(flatten)]
    pub content: SpecificationContent,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
    pub retired_at: Option<DateTime<Utc>>,
}

impl From<SpecificationVersion> for Specification {
    fn from(v: SpecificationVersion) -> Self {
        Specification {
            code: v.code.as_str().to_owned(),
            version: v.version,
            status: v.status,
            content: v.content,
            created_at: v.created_at,
            updated_at: v.updated_at,
            published_at: v.published_at,
            retired_at: v.retired_at,
        }
    }
}

/// A specification code with its latest published version and all its versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpecificationWithVersions {
    pub code: String,
    /// The version providers list against now; null until one is published.
    pub latest_published: Option<Specification>,
    /// Every version, oldest first (drafts only for the quality team).
    pub versions: Vec<Specification>,
}

/// A page of specification versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct SpecificationPage {
    pub items: Vec<Specification>,
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SpecificationListQuery {
    /// Only this category.
    #[param(value_type = Option<Category>)]
    pub category: Option<String>,
    /// Only this status.
    #[param(value_type = Option<SpecificationStatus>)]
    pub status: Option<String>,
    /// Only versions of this code.
    pub code: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
}

fn parse_field<T: std::str::FromStr<Err = String>>(
    field: &str,
    value: Option<&str>,
) -> Result<Option<T>, ApiError> {
    value
        .map(|v| v.parse::<T>().map_err(|e| ApiError::invalid(field, e)))
        .transpose()
}

/// Lists specification versions in (code, version) order.
#[utoipa::path(tag = "specifications", params(SpecificationListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "A page of specification versions", body = SpecificationPage),
    Unauthenticated,
    (status = 422, description = "Bad filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
))]
#[get("/specifications")]
async fn list_specifications(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<SpecificationListQuery>,
) -> Result<web::Json<SpecificationPage>, ApiError> {
    let (limit, after) =
        page_request::<(String, i32)>(query.limit.as_deref(), query.after.as_deref())?;
    let filter = SpecificationFilter {
        category: parse_field("category", query.category.as_deref())?,
        status: parse_field("status", query.status.as_deref())?,
        code: query.code.clone(),
        exclude_drafts: !SpecificationStatus::Draft.visible_to(caller.role),
    };
    let page = state
        .db(move |conn| Ok(market::list(conn, &filter, after, limit)?))
        .await?;
    let body = PageBody::from_page(page, Specification::from);
    Ok(web::Json(SpecificationPage {
        items: body.items,
        next: body.next,
    }))
}

/// Reads a specification: its latest published version and all its versions.
#[utoipa::path(tag = "specifications", security(("bearer" = [])), params(("code" = String, Path, description = "Specification code")), responses(
    (status = 200, description = "The specification", body = SpecificationWithVersions),
    Unauthenticated,
    (status = 404, description = "No such specification", body = Problem, content_type = "application/problem+json"),
))]
#[get("/specifications/{code}")]
async fn get_specification(
    caller: Caller,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<web::Json<SpecificationWithVersions>, ApiError> {
    let code = code.into_inner();
    let lookup = code.clone();
    let detail: SpecificationDetail = state
        .db(move |conn| Ok(market::get(conn, &lookup)?))
        .await?;
    let versions: Vec<Specification> = detail
        .versions
        .into_iter()
        .filter(|v| v.status.visible_to(caller.role))
        .map(Specification::from)
        .collect();
    if versions.is_empty() {
        return Err(ApiError::not_found(format!(
            "specification {code} not found"
        )));
    }
    Ok(web::Json(SpecificationWithVersions {
        code: detail.code.as_str().to_owned(),
        latest_published: detail.latest_published.map(Specification::from),
        versions,
    }))
}

/// Reads one version of a specification.
#[utoipa::path(tag = "specifications", security(("bearer" = [])), params(
    ("code" = String, Path, description = "Specification code"),
    ("version" = i32, Path, description = "Version number"),
), responses(
    (status = 200, description = "The version", body = Specification),
    Unauthenticated,
    (status = 404, description = "No such version", body = Problem, content_type = "application/problem+json"),
))]
#[get("/specifications/{code}/versions/{version}")]
async fn get_specification_version(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
) -> Result<web::Json<Specification>, ApiError> {
    let (code, version) = path.into_inner();
    let found = state
        .db(move |conn| Ok(market::get_version(conn, &code, version)?))
        .await?;
    if !found.status.visible_to(caller.role) {
        return Err(ApiError::not_found(format!(
            "specification {} version {} not found",
            found.code, found.version
        )));
    }
    Ok(web::Json(found.into()))
}

/// Creates a specification: version 1, as a draft (quality team).
#[utoipa::path(tag = "specifications", security(("bearer" = [])), request_body = NewSpecification,
    params(("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first answer for the same key and body")),
    responses(
    (status = 201, description = "Created as a draft", body = Specification),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not the quality team", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The code exists", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields, or Idempotency-Key reused", body = Problem, content_type = "application/problem+json"),
))]
#[post("/specifications")]
async fn create_specification(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Quality])?;
    let body = body.json::<NewSpecification>()?;
    let new = body.value;
    crate::idempotency::create(
        &state,
        &caller,
        &req,
        &body.raw,
        StatusCode::CREATED,
        move |conn, actor, now| market::create(conn, actor, new, now).map(Specification::from),
    )
    .await
}

/// Starts a new draft version from the latest version, with the given changes (quality team).
#[utoipa::path(tag = "specifications", security(("bearer" = [])), request_body = SpecificationPatch,
    params(
        ("code" = String, Path, description = "Specification code"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first answer for the same key and body"),
    ),
    responses(
    (status = 201, description = "The new draft version", body = Specification),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not the quality team", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such specification", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "A draft version exists already", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields, or Idempotency-Key reused", body = Problem, content_type = "application/problem+json"),
))]
#[post("/specifications/{code}/versions")]
async fn create_specification_version(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    code: web::Path<String>,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Quality])?;
    let body = body.json::<SpecificationPatch>()?;
    let patch = body.value;
    let code = code.into_inner();
    crate::idempotency::create(
        &state,
        &caller,
        &req,
        &serde_json::json!({ "code": code, "body": body.raw }),
        StatusCode::CREATED,
        move |conn, actor, now| {
            market::new_version(conn, actor, &code, patch, now).map(Specification::from)
        },
    )
    .await
}

/// Edits a draft version (quality team); a published version never changes.
#[utoipa::path(tag = "specifications", security(("bearer" = [])), request_body = SpecificationPatch,
    params(
        ("code" = String, Path, description = "Specification code"),
        ("version" = i32, Path, description = "Version number"),
    ),
    responses(
    (status = 200, description = "The edited draft", body = Specification),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not the quality team", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such version", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The version is not a draft", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
))]
#[patch("/specifications/{code}/versions/{version}")]
async fn update_specification_version(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
    body: RawBody,
) -> Result<web::Json<Specification>, ApiError> {
    caller.require(&[Role::Quality])?;
    let patch = body.json::<SpecificationPatch>()?.value;
    let (code, version) = path.into_inner();
    let actor = caller.actor();
    let now = state.now();
    let updated = state
        .db(move |conn| {
            Ok(market::update_draft(
                conn, &actor, &code, version, patch, now,
            )?)
        })
        .await?;
    Ok(web::Json(updated.into()))
}

/// Publishes a draft version (quality team).
#[utoipa::path(tag = "specifications", security(("bearer" = [])), params(
    ("code" = String, Path, description = "Specification code"),
    ("version" = i32, Path, description = "Version number"),
), responses(
    (status = 200, description = "Published", body = Specification),
    Unauthenticated,
    (status = 403, description = "Not the quality team", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such version", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not a draft", body = Problem, content_type = "application/problem+json"),
))]
#[post("/specifications/{code}/versions/{version}/publish")]
async fn publish_specification_version(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
) -> Result<web::Json<Specification>, ApiError> {
    caller.require(&[Role::Quality])?;
    let (code, version) = path.into_inner();
    let actor = caller.actor();
    let now = state.now();
    let v = state
        .db(move |conn| Ok(market::publish(conn, &actor, &code, version, now)?))
        .await?;
    Ok(web::Json(v.into()))
}

/// Retires a published version (quality team).
#[utoipa::path(tag = "specifications", security(("bearer" = [])), params(
    ("code" = String, Path, description = "Specification code"),
    ("version" = i32, Path, description = "Version number"),
), responses(
    (status = 200, description = "Retired", body = Specification),
    Unauthenticated,
    (status = 403, description = "Not the quality team", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such version", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not published", body = Problem, content_type = "application/problem+json"),
))]
#[post("/specifications/{code}/versions/{version}/retire")]
async fn retire_specification_version(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
) -> Result<web::Json<Specification>, ApiError> {
    caller.require(&[Role::Quality])?;
    let (code, version) = path.into_inner();
    let actor = caller.actor();
    let now = state.now();
    let v = state
        .db(move |conn| Ok(market::retire(conn, &actor, &code, version, now)?))
        .await?;
    Ok(web::Json(v.into()))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_specifications)
        .service(create_specification)
        .service(get_specification)
        .service(create_specification_version)
        .service(get_specification_version)
        .service(update_specification_version)
        .service(publish_specification_version)
        .service(retire_specification_version);
}
