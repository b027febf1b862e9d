//! Commissioning reports (commissioners, and the quality team read-only): spend, unmet
//! demand, waiting times and providers' performance, filterable by area, category and
//! period. The database aggregates (`provider_hub_store::reports`); this module checks
//! the filter, works out averages and rates, and shapes the answer. Aggregates are
//! bounded by areas × categories × providers, so a report is one answer, not a page.

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_matching::Rule;
use provider_hub_store::reports::{
    self as store, DeclineReasonRow, ProviderRow, ReportFilter, TopRuleRow, UnmetRow, WaitRow,
};
use provider_hub_store::DbConn;
use serde::Serialize;
use utoipa::ToSchema;

use crate::Error;

pub mod cherry_picking;
pub mod csv;

/// The earliest and latest days a report's period may name.
fn supported_days() -> (NaiveDate, NaiveDate) {
    (
        NaiveDate::from_ymd_opt(1, 1, 1).unwrap_or(NaiveDate::MIN),
        NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(NaiveDate::MAX),
    )
}

/// A period runs forwards, within years 1–9999.
pub fn check(filter: &ReportFilter) -> Result<(), Error> {
    let (first, last) = supported_days();
    for (field, day) in [("from", filter.from), ("to", filter.to)] {
        if day.is_some_and(|d| d < first || d > last) {
            return Err(Error::invalid(
                field,
                "must be a date between 0001-01-01 and 9999-12-31",
            ));
        }
    }
    if let (Some(from), Some(to)) = (filter.from, filter.to) {
        if from > to {
            return Err(Error::invalid(
                "from",
                format!("must be on or before `to` ({to})"),
            ));
        }
    }
    Ok(())
}

/// `part / whole` rounded to four places; `None` when `whole` is zero.
fn rate(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0)
}

/// `total / count` rounded to one decimal place; `None` when `count` is zero.
fn average_days(total: i64, count: i64) -> Option<f64> {
    (count > 0).then(|| (total as f64 / count as f64 * 10.0).round() / 10.0)
}

/// `total / count` rounded to the nearest penny (halves up); `None` when `count` is zero.
fn average_pence(total: i64, count: i64) -> Option<i64> {
    (count > 0).then(|| (2 * total + count).div_euclid(2 * count))
}

/// What a report covers, as asked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportScope {
    /// First day of the period (inclusive); null: from the beginning.
    pub from: Option<NaiveDate>,
    /// Last day of the period (inclusive); null: up to now.
    pub to: Option<NaiveDate>,
    /// Only this area; null: every area.
    pub area: Option<String>,
    /// Only this category; null: every category.
    pub category: Option<String>,
}

impl ReportScope {
    pub(crate) fn of(filter: &ReportFilter) -> Self {
        ReportScope {
            from: filter.from,
            to: filter.to,
            area: filter.area.clone(),
            category: filter.category.clone(),
        }
    }
}

// ---------------------------------------------------------------------------------------
// Spend

/// Committed and paid, for one provider in one area and category.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SpendLine {
    pub area: String,
    pub category: String,
    pub provider_id: String,
    pub provider_name: String,
    /// Orders accepted, in delivery, completed or failed whose committed start is in the
    /// period.
    pub committed_orders: i64,
    /// Their locked prices, less what another area paid of them before their case moved
    /// here; that part is committed (and paid) in the area that paid it.
    pub committed_pence: i64,
    /// Payments made in the period.
    pub paid_pence: i64,
}

#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct SpendTotals {
    pub committed_orders: i64,
    pub committed_pence: i64,
    pub paid_pence: i64,
}

/// `GET /v1/reports/spend`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SpendReport {
    /// Always `spend`.
    #[schema(example = "spend")]
    pub report: String,
    pub generated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub scope: ReportScope,
    /// Only this provider; null: every provider.
    pub provider_id: Option<String>,
    /// By area, category and provider.
    pub rows: Vec<SpendLine>,
    pub totals: SpendTotals,
}

/// Committed and paid by area, category and provider.
pub fn spend(
    conn: &mut DbConn,
    filter: &ReportFilter,
    now: DateTime<Utc>,
) -> Result<SpendReport, Error> {
    check(filter)?;
    let rows: Vec<SpendLine> = store::spend(conn, filter)?
        .into_iter()
        .map(|r| SpendLine {
            area: r.area_code,
            category: r.category,
            provider_id: r.provider_id,
            provider_name: r.provider_name,
            committed_orders: r.committed_orders,
            committed_pence: r.committed_pence,
            paid_pence: r.paid_pence,
        })
        .collect();
    let totals = rows
        .iter()
        .fold(SpendTotals::default(), |t, r| SpendTotals {
            committed_orders: t.committed_orders + r.committed_orders,
            committed_pence: t.committed_pence + r.committed_pence,
            paid_pence: t.paid_pence + r.paid_pence,
        });
    Ok(SpendReport {
        report: "spend".into(),
        generated_at: now,
        scope: ReportScope::of(filter),
        provider_id: filter.provider_id.clone(),
        rows,
        totals,
    })
}

// ---------------------------------------------------------------------------------------
// Unmet demand

/// Orders the market could not place, or that wait for a budget approval.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Unmet {
    /// Orders with no candidate listing (status `unmatched`).
    pub unmatched: i64,
    /// Orders over their area's budget, waiting for a commissioner (`awaiting_approval`).
    pub awaiting_approval: i64,
    /// Days from plan approval to today, averaged over these orders (one decimal).
    pub average_days_waiting: Option<f64>,
    pub longest_days_waiting: Option<i64>,
    /// The matching rule that excluded the most listings, summed over these orders'
    /// explanations (ties: the rule's name); null when none excluded any.
    pub top_rule: Option<Rule>,
    /// How many listings that rule excluded, summed over the orders.
    pub top_rule_excluded: Option<i64>,
}

/// One area and category.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnmetLine {
    pub area: String,
    pub category: String,
    #[serde(flatten)]
    pub unmet: Unmet,
}

/// `GET /v1/reports/unmet-demand`: where provision is patchy.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnmetDemandReport {
    /// Always `unmet-demand`.
    #[schema(example = "unmet-demand")]
    pub report: String,
    pub generated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub scope: ReportScope,
    /// By area and category, for orders created in the period.
    pub rows: Vec<UnmetLine>,
    pub totals: Unmet,
}

fn rule(name: &str) -> Result<Rule, Error> {
    serde_json::from_value(serde_json::Value::String(name.to_owned()))
        .map_err(|e| Error::corrupt("orders.explanation rule", e))
}

fn unmet(row: &UnmetRow, top: Option<&TopRuleRow>) -> Result<Unmet, Error> {
    let waiting = row.unmatched + row.awaiting_approval;
    Ok(Unmet {
        unmatched: row.unmatched,
        awaiting_approval: row.awaiting_approval,
        average_days_waiting: average_days(row.total_days_waiting, waiting),
        longest_days_waiting: row.longest_days_waiting,
        top_rule: top.map(|t| rule(&t.rule)).transpose()?,
        top_rule_excluded: top.map(|t| t.excluded),
    })
}

/// Orders unmatched or awaiting approval by area and category: counts, days waiting up
/// to `now`, and the rule that excluded the most listings.
pub fn unmet_demand(
    conn: &mut DbConn,
    filter: &ReportFilter,
    now: DateTime<Utc>,
) -> Result<UnmetDemandReport, Error> {
    check(filter)?;
    let found = store::unmet_demand(conn, filter, now.date_naive())?;
    let rows = found
        .rows
        .iter()
        .map(|row| {
            let top = found
                .rules
                .iter()
                .find(|t| t.area_code == row.area_code && t.category == row.category);
            Ok(UnmetLine {
                area: row.area_code.clone().unwrap_or_default(),
                category: row.category.clone().unwrap_or_default(),
                unmet: unmet(row, top)?,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    let empty = UnmetRow {
        area_code: None,
        category: None,
        unmatched: 0,
        awaiting_approval: 0,
        total_days_waiting: 0,
        longest_days_waiting: None,
    };
    let totals = unmet(
        found.totals.as_ref().unwrap_or(&empty),
        found.top_rule.as_ref(),
    )?;
    Ok(UnmetDemandReport {
        report: "unmet-demand".into(),
        generated_at: now,
        scope: ReportScope::of(filter),
        rows,
        totals,
    })
}

// ---------------------------------------------------------------------------------------
// Waiting times

/// Days from plan approval to the start, for orders approved in the period.
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Waits {
    /// Orders approved (created) in the period, whatever became of them.
    pub orders_approved: i64,
    /// Of those, orders with a committed start: accepted, in delivery, completed or failed.
    pub committed_orders: i64,
    /// Days from approval to the committed start: median (nearest rank).
    pub committed_p50_days: Option<i64>,
    /// … 90th percentile (nearest rank).
    pub committed_p90_days: Option<i64>,
    /// … average, one decimal.
    pub committed_average_days: Option<f64>,
    /// Of those, orders that have actually started.
    pub started_orders: i64,
    /// Days from approval to the actual start: median (nearest rank).
    pub started_p50_days: Option<i64>,
    /// … 90th percentile (nearest rank).
    pub started_p90_days: Option<i64>,
    /// … average, one decimal.
    pub started_average_days: Option<f64>,
}

impl Waits {
    fn add(&mut self, row: &WaitRow) {
        match row.measure.as_str() {
            "approved" => self.orders_approved = row.orders,
            "committed" => {
                self.committed_orders = row.orders;
                self.committed_p50_days = row.p50_days;
                self.committed_p90_days = row.p90_days;
                self.committed_average_days = average_days(row.total_days, row.orders);
            }
            _ => {
                self.started_orders = row.orders;
                self.started_p50_days = row.p50_days;
                self.started_p90_days = row.p90_days;
                self.started_average_days = average_days(row.total_days, row.orders);
            }
        }
    }
}

/// One area and category.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitLine {
    pub area: String,
    pub category: String,
    #[serde(flatten)]
    pub waits: Waits,
}

/// `GET /v1/reports/waiting-times`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WaitingTimesReport {
    /// Always `waiting-times`.
    #[schema(example = "waiting-times")]
    pub report: String,
    pub generated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub scope: ReportScope,
    /// By area and category.
    pub rows: Vec<WaitLine>,
    /// Over every order of the report (percentiles of all of them, not of the rows).
    pub totals: Waits,
}

/// Days from plan approval to committed and actual start, p50/p90, by area and category.
pub fn waiting_times(
    conn: &mut DbConn,
    filter: &ReportFilter,
    now: DateTime<Utc>,
) -> Result<WaitingTimesReport, Error> {
    check(filter)?;
    let (grouped, all) = store::waiting_times(conn, filter)?;
    let mut rows: Vec<WaitLine> = Vec::new();
    for row in &grouped {
        let area = row.area_code.clone().unwrap_or_default();
        let category = row.category.clone().unwrap_or_default();
        // The store orders rows by area and category, so a group's measures are adjacent.
        match rows.last_mut() {
            Some(line) if line.area == area && line.category == category => line.waits.add(row),
            _ => {
                let mut waits = Waits::default();
                waits.add(row);
                rows.push(WaitLine {
                    area,
                    category,
                    waits,
                });
            }
        }
    }
    let mut totals = Waits::default();
    for row in &all {
        totals.add(row);
    }
    Ok(WaitingTimesReport {
        report: "waiting-times".into(),
        generated_at: now,
        scope: ReportScope::of(filter),
        rows,
        totals,
    })
}

// ---------------------------------------------------------------------------------------
// Providers

/// A reason a provider gave for declining, and how many offers it declined with it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeclineReason {
    pub reason: String,
    pub declines: i64,
}

/// Offers and orders of one provider (or of all, for the totals).
#[derive(Debug, Clone, Default, Serialize, ToSchema)]
pub struct Performance {
    /// Offers created in the period.
    pub offers_made: i64,
    pub accepted: i64,
    pub declined: i64,
    pub expired: i64,
    /// Accepted ÷ (accepted + declined + expired); null when none was answered or expired.
    pub acceptance_rate: Option<f64>,
    /// Orders placed with the provider (accepted, in delivery, completed or failed) whose
    /// committed start is in the period.
    pub orders: i64,
    pub completed: i64,
    pub failed: i64,
    /// Completed ÷ (completed + failed); null when none has ended.
    pub completion_rate: Option<f64>,
    /// Outcomes commissioners recorded on those orders.
    pub outcomes_recorded: i64,
    /// Of which `no_proven_reoffence_12m`.
    pub no_proven_reoffence: i64,
    /// No proven reoffence ÷ outcomes recorded; null when none was recorded.
    pub outcome_rate: Option<f64>,
    /// The accepted offers' locked prices, averaged (to the penny).
    pub average_accepted_price_pence: Option<i64>,
    /// The price caps of the same offers' specifications, averaged (to the penny).
    pub average_price_cap_pence: Option<i64>,
    /// Average accepted price ÷ average cap.
    pub price_to_cap: Option<f64>,
}

impl Performance {
    fn of(r: &ProviderRow) -> Self {
        Performance {
            offers_made: r.offers_made,
            accepted: r.accepted,
            declined: r.declined,
            expired: r.expired,
            acceptance_rate: rate(r.accepted, r.accepted + r.declined + r.expired),
            orders: r.orders,
            completed: r.completed,
            failed: r.failed,
            completion_rate: rate(r.completed, r.completed + r.failed),
            outcomes_recorded: r.outcomes,
            no_proven_reoffence: r.no_reoffence,
            outcome_rate: rate(r.no_reoffence, r.outcomes),
            average_accepted_price_pence: average_pence(r.accepted_price_pence, r.accepted),
            average_price_cap_pence: average_pence(r.accepted_cap_pence, r.accepted),
            price_to_cap: rate(r.accepted_price_pence, r.accepted_cap_pence),
        }
    }
}

/// One provider.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProviderLine {
    pub provider_id: String,
    pub provider_name: String,
    #[serde(flatten)]
    pub performance: Performance,
    /// The reasons given for declines in the period, most frequent first (at most five).
    pub decline_reasons: Vec<DeclineReason>,
}

/// `GET /v1/reports/providers`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProvidersReport {
    /// Always `providers`.
    #[schema(example = "providers")]
    pub report: String,
    pub generated_at: DateTime<Utc>,
    #[serde(flatten)]
    pub scope: ReportScope,
    /// Only this provider; null: every provider.
    pub provider_id: Option<String>,
    /// One per provider with an offer or an order in the period, by name.
    pub rows: Vec<ProviderLine>,
    pub totals: Performance,
}

/// Per provider: offers made, acceptance, decline reasons, completion, outcomes and
/// average price against the cap.
pub fn providers(
    conn: &mut DbConn,
    filter: &ReportFilter,
    now: DateTime<Utc>,
) -> Result<ProvidersReport, Error> {
    check(filter)?;
    let (found, reasons) = store::providers(conn, filter)?;
    let reasons_of = |id: &str| -> Vec<DeclineReason> {
        reasons
            .iter()
            .filter(|r: &&DeclineReasonRow| r.provider_id == id)
            .map(|r| DeclineReason {
                reason: r.reason.clone(),
                declines: r.declines,
            })
            .collect()
    };
    let rows = found
        .iter()
        .map(|r| ProviderLine {
            provider_id: r.provider_id.clone(),
            provider_name: r.provider_name.clone(),
            performance: Performance::of(r),
            decline_reasons: reasons_of(&r.provider_id),
        })
        .collect();
    let sum = found.iter().fold(
        ProviderRow {
            provider_id: String::new(),
            provider_name: String::new(),
            offers_made: 0,
            accepted: 0,
            declined: 0,
            expired: 0,
            accepted_price_pence: 0,
            accepted_cap_pence: 0,
            orders: 0,
            completed: 0,
            failed: 0,
            outcomes: 0,
            no_reoffence: 0,
        },
        |t, r| ProviderRow {
            offers_made: t.offers_made + r.offers_made,
            accepted: t.accepted + r.accepted,
            declined: t.declined + r.declined,
            expired: t.expired + r.expired,
            accepted_price_pence: t.accepted_price_pence + r.accepted_price_pence,
            accepted_cap_pence: t.accepted_cap_pence + r.accepted_cap_pence,
            orders: t.orders + r.orders,
            completed: t.completed + r.completed,
            failed: t.failed + r.failed,
            outcomes: t.outcomes + r.outcomes,
            no_reoffence: t.no_reoffence + r.no_reoffence,
            ..t
        },
    );
    Ok(ProvidersReport {
        report: "providers".into(),
        generated_at: now,
        scope: ReportScope::of(filter),
        provider_id: filter.provider_id.clone(),
        rows,
        totals: Performance::of(&sum),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_and_averages_round_and_say_null_for_nothing() {
        assert_eq!(rate(2, 3), Some(0.6667));
        assert_eq!(rate(0, 0), None);
        assert_eq!(average_days(7, 2), Some(3.5));
        assert_eq!(average_days(10, 3), Some(3.3));
        assert_eq!(average_days(1, 0), None);
        assert_eq!(average_pence(5, 2), Some(3), "halves round up");
        assert_eq!(average_pence(10, 3), Some(3));
        assert_eq!(average_pence(0, 0), None);
    }

    #[test]
    fn a_period_runs_forwards() {
        let day = |s: &str| s.parse::<NaiveDate>().ok();
        let backwards = ReportFilter {
            from: day("2026-12-01"),
            to: day("2026-11-01"),
            ..ReportFilter::default()
        };
        assert!(matches!(check(&backwards), Err(Error::Validation(_))));
        let one_day = ReportFilter {
            from: day("2026-11-01"),
            to: day("2026-11-01"),
            ..ReportFilter::default()
        };
        assert!(check(&one_day).is_ok());
    }
}
