//! `/v1/reports/…`: the commissioning reports — spend, unmet demand, waiting times and
//! providers — as JSON, or as CSV (the rows, with a header line) with `Accept: text/csv`.
//! Commissioners read them; the quality team sees them read-only.

use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::NaiveDate;
use provider_hub_domain::category::Category;
use provider_hub_domain::Role;
use provider_hub_market::reports::{
    self as market, ProvidersReport, SpendReport, UnmetDemandReport, WaitingTimesReport,
};
use provider_hub_store::reports::ReportFilter;
use serde::{Deserialize, Serialize};
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::csv::{self, Days, Shown, Text};
use crate::error::{ApiError, Problem, Unauthenticated};
use crate::state::AppState;

const READERS: &[Role] = &[Role::Commissioner, Role::Quality];

#[derive(Debug, Deserialize, IntoParams)]
pub struct ReportQuery {
    /// Only this area.
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
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ProviderReportQuery {
    /// Only this area.
    pub area: Option<String>,
    /// Only this category.
    #[param(value_type = Option<Category>)]
    pub category: Option<String>,
    /// Only this provider.
    pub provider_id: Option<String>,
    /// First day of the period (inclusive).
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Last day of the period (inclusive); not before `from`.
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
}

fn day(field: &str, value: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    value
        .map(|v| {
            v.parse::<NaiveDate>()
                .map_err(|_| ApiError::invalid(field, "must be a date, YYYY-MM-DD"))
        })
        .transpose()
}

fn filter(
    area: Option<&String>,
    category: Option<&str>,
    provider_id: Option<&String>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<ReportFilter, ApiError> {
    let category = category
        .map(|c| {
            c.parse::<Category>()
                .map_err(|e| ApiError::invalid("category", e))
        })
        .transpose()?;
    for (field, value) in [("area", area), ("provider_id", provider_id)] {
        if value.is_some_and(|v| v.is_empty() || v.len() > 100 || v.chars().any(char::is_control)) {
            return Err(ApiError::invalid(
                field,
                "must be 1-100 characters, none of them control characters",
            ));
        }
    }
    let filter = ReportFilter {
        area: area.cloned(),
        category: category.map(|c| c.as_str().to_owned()),
        provider_id: provider_id.cloned(),
        from: day("from", from)?,
        to: day("to", to)?,
    };
    market::check(&filter)?;
    Ok(filter)
}

impl ReportQuery {
    fn filter(&self) -> Result<ReportFilter, ApiError> {
        filter(
            self.area.as_ref(),
            self.category.as_deref(),
            None,
            self.from.as_deref(),
            self.to.as_deref(),
        )
    }
}

impl ProviderReportQuery {
    fn filter(&self) -> Result<ReportFilter, ApiError> {
        filter(
            self.area.as_ref(),
            self.category.as_deref(),
            self.provider_id.as_ref(),
            self.from.as_deref(),
            self.to.as_deref(),
        )
    }
}

/// A row of the spend report as CSV.
#[derive(Serialize, Default)]
struct SpendRow<'a> {
    area: Text<'a>,
    category: &'a str,
    provider_id: Text<'a>,
    provider_name: Text<'a>,
    committed_orders: i64,
    committed_pence: i64,
    paid_pence: i64,
}

/// A row of the unmet demand report as CSV.
#[derive(Serialize, Default)]
struct UnmetRow<'a> {
    area: Text<'a>,
    category: &'a str,
    unmatched: i64,
    awaiting_approval: i64,
    average_days_waiting: Days,
    longest_days_waiting: Shown<i64>,
    top_rule: String,
    top_rule_excluded: Shown<i64>,
}

/// A row of the waiting times report as CSV.
#[derive(Serialize, Default)]
struct WaitRow<'a> {
    area: Text<'a>,
    category: &'a str,
    orders_approved: i64,
    committed_orders: i64,
    committed_p50_days: Shown<i64>,
    committed_p90_days: Shown<i64>,
    committed_average_days: Days,
    started_orders: i64,
    started_p50_days: Shown<i64>,
    started_p90_days: Shown<i64>,
    started_average_days: Days,
}

/// A row of the providers report as CSV.
#[derive(Serialize, Default)]
struct ProviderRow<'a> {
    provider_id: Text<'a>,
    provider_name: Text<'a>,
    offers_made: i64,
    accepted: i64,
    declined: i64,
    expired: i64,
    acceptance_rate: Shown<f64>,
    orders: i64,
    completed: i64,
    failed: i64,
    completion_rate: Shown<f64>,
    outcomes_recorded: i64,
    no_proven_reoffence: i64,
    outcome_rate: Shown<f64>,
    average_accepted_price_pence: Shown<i64>,
    average_price_cap_pence: Shown<i64>,
    price_to_cap: Shown<f64>,
    decline_reasons: Text<'a>,
}

fn csv<R: Serialize + Default>(
    rows: impl IntoIterator<Item = R>,
) -> Result<HttpResponse, ApiError> {
    Ok(csv::ok().body(csv::table(rows)?))
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
    (status = 403, description = "Neither a commissioner nor the quality team", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad filter: a date that is not YYYY-MM-DD, `from` after `to`, an unknown category, an empty or overlong area or provider id", body = Problem, content_type = "application/problem+json"),
))]
#[get("/reports/spend")]
async fn spend_report(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ProviderReportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let (filter, now) = (query.filter()?, state.now());
    let report: SpendReport = state
        .db(move |conn| Ok(market::spend(conn, &filter, now)?))
        .await?;
    if !csv::wants(&req) {
        return Ok(HttpResponse::Ok().json(report));
    }
    csv(report.rows.iter().map(|r| SpendRow {
        area: Text(&r.area),
        category: &r.category,
        provider_id: Text(&r.provider_id),
        provider_name: Text(&r.provider_name),
        committed_orders: r.committed_orders,
        committed_pence: r.committed_pence,
        paid_pence: r.paid_pence,
    }))
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
    (status = 403, description = "Neither a commissioner nor the quality team", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad filter: a date that is not YYYY-MM-DD, `from` after `to`, an unknown category, an empty or overlong area or provider id", body = Problem, content_type = "application/problem+json"),
))]
#[get("/reports/unmet-demand")]
async fn unmet_demand_report(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let (filter, now) = (query.filter()?, state.now());
    let report: UnmetDemandReport = state
        .db(move |conn| Ok(market::unmet_demand(conn, &filter, now)?))
        .await?;
    if !csv::wants(&req) {
        return Ok(HttpResponse::Ok().json(report));
    }
    csv(report.rows.iter().map(|r| {
        let u = &r.unmet;
        UnmetRow {
            area: Text(&r.area),
            category: &r.category,
            unmatched: u.unmatched,
            awaiting_approval: u.awaiting_approval,
            average_days_waiting: Days(u.average_days_waiting),
            longest_days_waiting: Shown(u.longest_days_waiting),
            top_rule: u
                .top_rule
                .and_then(|rule| serde_json::to_value(rule).ok())
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            top_rule_excluded: Shown(u.top_rule_excluded),
        }
    }))
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
    (status = 403, description = "Neither a commissioner nor the quality team", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad filter: a date that is not YYYY-MM-DD, `from` after `to`, an unknown category, an empty or overlong area or provider id", body = Problem, content_type = "application/problem+json"),
))]
#[get("/reports/waiting-times")]
async fn waiting_times_report(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ReportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let (filter, now) = (query.filter()?, state.now());
    let report: WaitingTimesReport = state
        .db(move |conn| Ok(market::waiting_times(conn, &filter, now)?))
        .await?;
    if !csv::wants(&req) {
        return Ok(HttpResponse::Ok().json(report));
    }
    csv(report.rows.iter().map(|r| {
        let w = &r.waits;
        WaitRow {
            area: Text(&r.area),
            category: &r.category,
            orders_approved: w.orders_approved,
            committed_orders: w.committed_orders,
            committed_p50_days: Shown(w.committed_p50_days),
            committed_p90_days: Shown(w.committed_p90_days),
            committed_average_days: Days(w.committed_average_days),
            started_orders: w.started_orders,
            started_p50_days: Shown(w.started_p50_days),
            started_p90_days: Shown(w.started_p90_days),
            started_average_days: Days(w.started_average_days),
        }
    }))
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
    (status = 403, description = "Neither a commissioner nor the quality team", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad filter: a date that is not YYYY-MM-DD, `from` after `to`, an unknown category, an empty or overlong area or provider id", body = Problem, content_type = "application/problem+json"),
))]
#[get("/reports/providers")]
async fn providers_report(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<ProviderReportQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(READERS)?;
    let (filter, now) = (query.filter()?, state.now());
    let report: ProvidersReport = state
        .db(move |conn| Ok(market::providers(conn, &filter, now)?))
        .await?;
    if !csv::wants(&req) {
        return Ok(HttpResponse::Ok().json(report));
    }
    let reasons: Vec<String> = report
        .rows
        .iter()
        .map(|r| {
            r.decline_reasons
                .iter()
                .map(|d| format!("{} ({})", d.reason, d.declines))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .collect();
    csv(report.rows.iter().zip(&reasons).map(|(r, reasons)| {
        let p = &r.performance;
        ProviderRow {
            provider_id: Text(&r.provider_id),
            provider_name: Text(&r.provider_name),
            offers_made: p.offers_made,
            accepted: p.accepted,
            declined: p.declined,
            expired: p.expired,
            acceptance_rate: Shown(p.acceptance_rate),
            orders: p.orders,
            completed: p.completed,
            failed: p.failed,
            completion_rate: Shown(p.completion_rate),
            outcomes_recorded: p.outcomes_recorded,
            no_proven_reoffence: p.no_proven_reoffence,
            outcome_rate: Shown(p.outcome_rate),
            average_accepted_price_pence: Shown(p.average_accepted_price_pence),
            average_price_cap_pence: Shown(p.average_price_cap_pence),
            price_to_cap: Shown(p.price_to_cap),
            decline_reasons: Text(reasons),
        }
    }))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(spend_report)
        .service(unmet_demand_report)
        .service(waiting_times_report)
        .service(providers_report);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_for_null_and_days_to_one_decimal() {
        #[derive(Serialize, Default)]
        struct Row {
            none: Shown<i64>,
            rate: Shown<f64>,
            days: Days,
        }
        let row = Row {
            none: Shown(None),
            rate: Shown(Some(0.25)),
            days: Days(Some(12.0)),
        };
        assert_eq!(
            csv::table([row]).ok().as_deref(),
            Some("none,rate,days\r\n,0.25,12.0\r\n")
        );
    }
}
