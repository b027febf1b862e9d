//! `/v1/reports/…`: the commissioning reports — spend, unmet demand, waiting times and
//! providers — as JSON, or as CSV (the rows, with a header line) with `Accept: text/csv`.
//! Commissioners and the analysts (the commissioners' data team) read them; the quality
//! team sees them read-only.

use actix_web::{get, web, HttpRequest, HttpResponse};
use provider_hub_domain::category::Category;
use provider_hub_domain::{FieldError, Role};
use provider_hub_market::equality::report::{self as equality, EqualityReport};
use provider_hub_market::reports::{
    self as market, ProvidersReport, SpendReport, UnmetDemandReport, WaitingTimesReport,
};
use provider_hub_store::reports::ReportFilter;
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::csv;
use crate::error::{ApiError, Problem, Unauthenticated};
use crate::filters::Faults;
use crate::state::AppState;
use provider_hub_market::Error as MarketError;

/// Commissioners, the quality team and the analysts: the readers of the reports
/// (`access::readers(Objects::Reports)`; a test keeps the two the same).
pub(crate) const READERS: &[Role] = &[Role::Commissioner, Role::Quality, Role::Analyst];

#[derive(Debug, Deserialize, IntoParams)]
pub struct ReportQuery {
    /// Only this area.
    #[param(value_type = Option<String>, pattern = "^[A-Z0-9]+(-[A-Z0-9]+)*$", min_length = 2, max_length = 16)]
    pub area: Option<String>,
    /// Only this category.
    #[param(value_type = Option<Category>)]
    pub category: Option<String>,
    /// First day of the period (inclusive).
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Last day of the period (inclusive); not before `from`.
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    /// `csv` for the rows as CSV (as `Accept: text/csv` does), `json` (the default).
    #[param(value_type = Option<String>, pattern = "^(csv|json)$")]
    pub format: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ProviderReportQuery {
    /// Only this area.
    #[param(value_type = Option<String>, pattern = "^[A-Z0-9]+(-[A-Z0-9]+)*$", min_length = 2, max_length = 16)]
    pub area: Option<String>,
    /// Only this category.
    #[param(value_type = Option<Category>)]
    pub category: Option<String>,
    /// Only this provider.
    #[param(value_type = Option<String>, pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]+$", min_length = 1, max_length = 100)]
    pub provider_id: Option<String>,
    /// First day of the period (inclusive).
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Last day of the period (inclusive); not before `from`.
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    /// `csv` for the rows as CSV (as `Accept: text/csv` does), `json` (the default).
    #[param(value_type = Option<String>, pattern = "^(csv|json)$")]
    pub format: Option<String>,
}

/// The filter a report's query asks for, and its fields at fault.
fn filter(
    area: Option<&String>,
    category: Option<&str>,
    provider_id: Option<&String>,
    from: Option<&str>,
    to: Option<&str>,
    format: Option<&str>,
) -> (ReportFilter, Faults) {
    let mut faults = Faults::default();
    if !matches!(format, None | Some("csv" | "json")) {
        faults.push(FieldError::new("format", "must be json or csv"));
    }
    let category = faults.parse::<Category>("category", category);
    for (field, value) in [("area", area), ("provider_id", provider_id)] {
        if value.is_some_and(|v| {
            v.is_empty() || v.chars().count() > 100 || v.chars().any(char::is_control)
        }) {
            faults.push(FieldError::new(
                field,
                "must be 1-100 characters, none of them control characters",
            ));
        }
    }
    let (from, to) = (faults.day("from", from), faults.day("to", to));
    let filter = ReportFilter {
        area: area.cloned(),
        category: category.map(|c| c.as_str().to_owned()),
        provider_id: provider_id.cloned(),
        from,
        to,
    };
    if let Err(MarketError::Validation(refused)) = market::check(&filter) {
        for fault in refused.0 {
            faults.push(fault);
        }
    }
    (filter, faults)
}

/// The report's filter once every field is right and its area is one the hub has: else
/// one 422 naming every field at fault (an unknown area is refused, never reported as an
/// area where nothing happened).
pub(crate) async fn checked(
    state: &AppState,
    (filter, faults): (ReportFilter, Faults),
) -> Result<ReportFilter, ApiError> {
    if !faults.is_empty() || filter.area.is_none() {
        return faults.into_result().map(|()| filter);
    }
    state
        .db(move |conn| {
            faults.check(conn, filter.area.as_deref())?;
            Ok(filter)
        })
        .await
}

impl ReportQuery {
    fn filter(&self) -> (ReportFilter, Faults) {
        filter(
            self.area.as_ref(),
            self.category.as_deref(),
            None,
            self.from.as_deref(),
            self.to.as_deref(),
            self.format.as_deref(),
        )
    }
}

impl ProviderReportQuery {
    pub(crate) fn filter(&self) -> (ReportFilter, Faults) {
        filter(
            self.area.as_ref(),
            self.category.as_deref(),
            self.provider_id.as_ref(),
            self.from.as_deref(),
            self.to.as_deref(),
            self.format.as_deref(),
        )
    }
}

pub(crate) fn csv(
    body: Result<String, provider_hub_market::Error>,
) -> Result<HttpResponse, ApiError> {
    Ok(csv::ok().body(body?))
}

/// Spend: committed (the locked prices of orders accepted, in delivery, completed or
/// failed whose committed start is in the period) and paid (payments made in the period)
/// by area, category and provider. JSON, or the rows as CSV with `Accept: text/csv`.
#[utoipa::path(tag = "reports", params(ProviderReportQuery), security(("bearer" = [])), responses(
    (status = 200, description = "The report", content(
        (SpendReport = "application/json"),
        (String = "text/csv"),
    )),
    Unauthenticated,
    (status = 403, description = "Neither a commissioner, the quality team nor an analyst", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad filter, every field at fault named: a date that is not YYYY-MM-DD, `from` after `to`, an unknown category or area, an empty or overlong provider id", body = Problem, content_type = "application/problem+json"),
))]
#[get("/reports/spend")]
async fn spend_report(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ProviderReportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let (filter, now) = (checked(&state, query.filter()).await?, state.now());
    let report: SpendReport = state
        .db(move |conn| Ok(market::spend(conn, &filter, now)?))
        .await?;
    if !csv::asked(&req, query.format.as_deref()).unwrap_or_default() {
        return Ok(HttpResponse::Ok().json(report));
    }
    csv(market::csv::spend(&report))
}

/// Unmet demand — where provision is patchy: orders unmatched or awaiting budget approval
/// that were created in the period, by area and category, with days waiting up to today
/// and the matching rule that excluded the most listings.
#[utoipa::path(tag = "reports", params(ReportQuery), security(("bearer" = [])), responses(
    (status = 200, description = "The report", content(
        (UnmetDemandReport = "application/json"),
        (String = "text/csv"),
    )),
    Unauthenticated,
    (status = 403, description = "Neither a commissioner, the quality team nor an analyst", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad filter, every field at fault named: a date that is not YYYY-MM-DD, `from` after `to`, an unknown category or area, an empty or overlong provider id", body = Problem, content_type = "application/problem+json"),
))]
#[get("/reports/unmet-demand")]
async fn unmet_demand_report(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let (filter, now) = (checked(&state, query.filter()).await?, state.now());
    let report: UnmetDemandReport = state
        .db(move |conn| Ok(market::unmet_demand(conn, &filter, now)?))
        .await?;
    if !csv::asked(&req, query.format.as_deref()).unwrap_or_default() {
        return Ok(HttpResponse::Ok().json(report));
    }
    csv(market::csv::unmet_demand(&report))
}

/// Waiting times: for orders approved in the period, days from plan approval to the
/// committed start and to the actual start — median and 90th percentile (nearest rank)
/// and average — by area and category.
#[utoipa::path(tag = "reports", params(ReportQuery), security(("bearer" = [])), responses(
    (status = 200, description = "The report", content(
        (WaitingTimesReport = "application/json"),
        (String = "text/csv"),
    )),
    Unauthenticated,
    (status = 403, description = "Neither a commissioner, the quality team nor an analyst", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad filter, every field at fault named: a date that is not YYYY-MM-DD, `from` after `to`, an unknown category or area, an empty or overlong provider id", body = Problem, content_type = "application/problem+json"),
))]
#[get("/reports/waiting-times")]
async fn waiting_times_report(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let (filter, now) = (checked(&state, query.filter()).await?, state.now());
    let report: WaitingTimesReport = state
        .db(move |conn| Ok(market::waiting_times(conn, &filter, now)?))
        .await?;
    if !csv::asked(&req, query.format.as_deref()).unwrap_or_default() {
        return Ok(HttpResponse::Ok().json(report));
    }
    csv(market::csv::waiting_times(&report))
}

/// Providers: per provider, offers made in the period and how they were answered
/// (acceptance rate, the most frequent decline reasons), orders starting in the period
/// and how delivery ended (completion rate, outcome rate), and the average accepted
/// price against the average price cap of the same specifications.
#[utoipa::path(tag = "reports", params(ProviderReportQuery), security(("bearer" = [])), responses(
    (status = 200, description = "The report", content(
        (ProvidersReport = "application/json"),
        (String = "text/csv"),
    )),
    Unauthenticated,
    (status = 403, description = "Neither a commissioner, the quality team nor an analyst", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad filter, every field at fault named: a date that is not YYYY-MM-DD, `from` after `to`, an unknown category or area, an empty or overlong provider id", body = Problem, content_type = "application/problem+json"),
))]
#[get("/reports/providers")]
async fn providers_report(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ProviderReportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let (filter, now) = (checked(&state, query.filter()).await?, state.now());
    let report: ProvidersReport = state
        .db(move |conn| Ok(market::providers(conn, &filter, now)?))
        .await?;
    if !csv::asked(&req, query.format.as_deref()).unwrap_or_default() {
        return Ok(HttpResponse::Ok().json(report));
    }
    csv(market::csv::providers(&report))
}

/// Equality ("Who is served"): for orders created in the period and placed with a
/// provider, per area and category, placements, the median wait (days from the order's
/// creation to its start), completions and positive outcomes, by sex, age band and ethnic
/// group. Counts of 1 to 4, and one more cell of a breakdown that would give one away,
/// are null (`[c]` in CSV), as are medians of fewer than 5 orders.
#[utoipa::path(tag = "reports", params(ReportQuery), security(("bearer" = [])), responses(
    (status = 200, description = "The report", content(
        (EqualityReport = "application/json"),
        (String = "text/csv"),
    )),
    Unauthenticated,
    (status = 403, description = "Neither a commissioner, the quality team nor an analyst", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad filter: a date that is not YYYY-MM-DD, `from` after `to`, an unknown category, an empty or overlong area", body = Problem, content_type = "application/problem+json"),
))]
#[get("/reports/equality")]
async fn equality_report(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let (filter, now) = (checked(&state, query.filter()).await?, state.now());
    let report: EqualityReport = state
        .db(move |conn| Ok(equality::equality(conn, &filter, now)?))
        .await?;
    if !csv::asked(&req, query.format.as_deref()).unwrap_or_default() {
        return Ok(HttpResponse::Ok().json(report));
    }
    csv(equality::csv(&report))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(spend_report)
        .service(unmet_demand_report)
        .service(waiting_times_report)
        .service(providers_report)
        .service(equality_report);
}

#[cfg(test)]
mod tests {
    use provider_hub_market::access::{readers, Objects};

    #[test]
    fn the_readers_are_those_of_the_reports() {
        assert_eq!(super::READERS, readers(Objects::Reports));
    }
}
