//! Outcomes per person: reoffending recorded one by one (`/v1/reoffending`) or uploaded
//! as CSV (`/v1/reoffending/uploads`), and the person-period outcomes
//! (`/v1/outcomes`).

use actix_web::http::{header, StatusCode};
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use futures_util::StreamExt;
use provider_hub_market::outcomes::{
    self as market, OutcomeRecorded, PersonOutcome, ReoffendingRecord, RECORDERS,
};
use provider_hub_market::reoffending::{self, Upload};
use provider_hub_store::outcomes::OutcomeFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::csv;
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::json::RawBody;
use crate::pagination::{page_request, PageBody};
use crate::state::AppState;

/// Largest CSV upload the hub reads: 20 MB (about 200,000 rows and room to spare).
pub const MAX_UPLOAD_BYTES: usize = 20 * 1024 * 1024;

/// Records one person's proven reoffending over a measurement period (commissioners):
/// the graduated outcome payment it earns is split across the providers whose completed
/// orders started in the period, pro rata to their prices. Each person-period is paid
/// once: the same record again answers the first result; another count is a conflict.
#[utoipa::path(tag = "outcomes", security(("bearer" = [])), request_body = ReoffendingRecord,
    params(
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first answer for the same key and body"),
    ),
    responses(
    (status = 200, description = "Recorded (or recorded already with the same count): the person-period outcome and its payments", body = OutcomeRecorded),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Neither a commissioner nor an analyst", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such person", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The person-period is recorded already with another count", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A period not yet over, not a period of the person, a person with no started intervention, a negative count", body = Problem, content_type = "application/problem+json"),
))]
#[post("/reoffending")]
async fn record_reoffending(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    caller.require(RECORDERS)?;
    let parsed = body.json::<ReoffendingRecord>()?;
    let record = parsed.value;
    crate::idempotency::answer(
        &state,
        &caller,
        &req,
        &parsed.raw,
        |_, _| Ok(()),
        move |conn, caller| market::record(conn, caller, record).map(|r| (StatusCode::OK, r)),
    )
    .await
}

/// A page of person-period outcomes.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutcomePage {
    pub items: Vec<PersonOutcome>,
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OutcomeQuery {
    /// Only this person's.
    pub crn: Option<String>,
    /// Only this area's.
    pub area: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
}

/// Lists person-period outcomes (commissioners), oldest first.
#[utoipa::path(tag = "outcomes", params(OutcomeQuery), security(("bearer" = [])), responses(
    (status = 200, description = "A page of person-period outcomes", body = OutcomePage),
    Unauthenticated,
    (status = 403, description = "Neither a commissioner nor an analyst", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
))]
#[get("/outcomes")]
async fn list_outcomes(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<OutcomeQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(RECORDERS)?;
    let (limit, after) = page_request::<String>(query.limit.as_deref(), query.after.as_deref())?;
    let filter = OutcomeFilter {
        crn: query.crn.clone(),
        area: query.area.clone(),
    };
    let caller = caller.at(state.now());
    let page = state
        .db(move |conn| Ok(market::list(conn, &caller, filter, after, limit)?))
        .await?;
    let body = PageBody::from_page(page, |p| p);
    Ok(HttpResponse::Ok().json(OutcomePage {
        items: body.items,
        next: body.next,
    }))
}

/// Reads a CSV body of at most [`MAX_UPLOAD_BYTES`].
async fn csv_body(req: &HttpRequest, mut payload: web::Payload) -> Result<String, ApiError> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if content_type != "text/csv" {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            crate::problems::ProblemType::UnsupportedMediaType,
            "the upload must be CSV, sent with Content-Type: text/csv",
        ));
    }
    let mut bytes = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|_| ApiError::bad_request("the request body could not be read"))?;
        if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                crate::problems::ProblemType::PayloadTooLarge,
                format!("an upload must be at most {MAX_UPLOAD_BYTES} bytes: split it"),
            ));
        }
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes.to_vec()).map_err(|_| ApiError::invalid("body", "must be UTF-8 text"))
}

/// Uploads reoffending data as CSV (commissioners): the header
/// `crn,period_start,proven_reoffences`, then up to 200,000 rows (20 MB). Answers at once
/// with the upload; the server's worker records each row, or refuses it with its line
/// and the reason, in chunks of 1,000 rows; a refused row never stops the others.
#[utoipa::path(tag = "outcomes", security(("bearer" = [])),
    request_body(content = String, content_type = "text/csv", description = "crn,period_start,proven_reoffences"),
    responses(
    (status = 202, description = "Accepted for processing: follow its progress at its Location", body = Upload),
    (status = 400, description = "The body could not be read", body = Problem, content_type = "application/problem+json"),
    (status = 413, description = "Larger than 20 MB", body = Problem, content_type = "application/problem+json"),
    (status = 415, description = "Not text/csv", body = Problem, content_type = "application/problem+json"),
    Unauthenticated,
    (status = 403, description = "Neither a commissioner nor an analyst", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not the header, or more than 200,000 rows", body = Problem, content_type = "application/problem+json"),
))]
#[post("/reoffending/uploads")]
async fn upload_reoffending(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    caller.require(RECORDERS)?;
    let body = csv_body(&req, payload).await?;
    let caller = caller.at(state.now());
    let upload = state
        .db(move |conn| Ok(reoffending::upload(conn, &caller, &body)?))
        .await?;
    Ok(HttpResponse::Accepted()
        .insert_header((
            header::LOCATION,
            format!("/v1/reoffending/uploads/{}", upload.id),
        ))
        .json(upload))
}

/// A refused row as CSV.
#[derive(Serialize, Default)]
struct RefusedCsv<'a> {
    line: u32,
    crn: &'a str,
    reason: &'a str,
}

/// An upload's progress: rows total, processed, recorded and refused, and the refused
/// rows with their line and reason (the first 1,000; every one as CSV with
/// `Accept: text/csv`).
#[utoipa::path(tag = "outcomes", security(("bearer" = [])),
    params(("id" = String, Path, description = "Upload id")),
    responses(
    (status = 200, description = "The upload's progress", content(
        (Upload = "application/json"),
        (String = "text/csv"),
    )),
    Unauthenticated,
    (status = 403, description = "Neither a commissioner nor an analyst", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such upload", body = Problem, content_type = "application/problem+json"),
))]
#[get("/reoffending/uploads/{id}")]
async fn get_upload(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(RECORDERS)?;
    let caller = caller.at(state.now());
    let id = id.into_inner();
    if csv::wants(&req) {
        let refused = state
            .db(move |conn| Ok(reoffending::all_refused(conn, &caller, &id)?))
            .await?;
        let table = csv::table(refused.iter().map(|r| RefusedCsv {
            line: r.line,
            crn: &r.crn,
            reason: &r.reason,
        }))?;
        return Ok(csv::ok().body(table));
    }
    let upload = state
        .db(move |conn| Ok(reoffending::get(conn, &caller, &id)?))
        .await?;
    Ok(HttpResponse::Ok().json(upload))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(record_reoffending)
        .service(list_outcomes)
        .service(upload_reoffending)
        .service(get_upload);
}
