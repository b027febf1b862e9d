//! `GET /v1/reports/cherry-picking`: per provider and category, the share of its offers
//! for high-tier people against the market's, its declines by tier and its eligibility's
//! narrowing index (issue 17). JSON, or CSV with `Accept: text/csv`; read by the same
//! roles as the other commissioning reports.

use actix_web::{get, web, HttpRequest, HttpResponse};
use provider_hub_market::reports::cherry_picking::{self as market, CherryPickingReport};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::csv;
use crate::error::{ApiError, Problem, Unauthenticated};
use crate::reports::{ProviderReportQuery, READERS};
use crate::state::AppState;

/// Cherry-picking: per provider and category, offers made in the period and the share
/// for people in risk tier 3–4 against the market's (flagged when below half of it on 10
/// offers or more), offers and declines by tier with the market's decline rates, and the
/// narrowing index — the share of the category's orders created in the period in the
/// areas it serves that its listings' eligibility excludes, ÷ the market's share.
#[utoipa::path(tag = "reports", params(ProviderReportQuery), security(("bearer" = [])), responses(
    (status = 200, description = "The report", content(
        (CherryPickingReport = "application/json"),
        (String = "text/csv"),
    )),
    Unauthenticated,
    (status = 403, description = "Neither a commissioner, the quality team nor an analyst", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad filter, every field at fault named: a date that is not YYYY-MM-DD, `from` after `to`, an unknown category or area, an empty or overlong provider id", body = Problem, content_type = "application/problem+json"),
))]
#[get("/reports/cherry-picking")]
async fn cherry_picking_report(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ProviderReportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let (filter, now) = (
        crate::reports::checked(&state, query.filter()).await?,
        state.now(),
    );
    let report: CherryPickingReport = state
        .db(move |conn| Ok(market::cherry_picking(conn, &filter, now)?))
        .await?;
    if !csv::asked(&req, query.format.as_deref()).unwrap_or_default() {
        return Ok(HttpResponse::Ok().json(report));
    }
    crate::reports::csv(market::csv(&report))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(cherry_picking_report);
}
