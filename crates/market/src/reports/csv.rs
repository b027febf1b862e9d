//! The reports as CSV: the rows of each report, a serde row each, with a header line, the
//! figures exactly as the JSON answer gives them (pence, days, rates); money also in
//! pounds, and the spend report's totals as its last row (area `TOTAL`). The API answers them
//! to `Accept: text/csv`; the web's report pages offer the same files for download.

use serde::Serialize;

use super::{ProvidersReport, SpendReport, UnmetDemandReport, WaitingTimesReport};
use crate::csv::{pounds, table, Days, Shown, Text};
use crate::Error;

/// An average of days, to one decimal place, or an empty field for null.
pub fn days(value: Option<f64>) -> String {
    Days(value).shown()
}

/// A row of the spend report.
#[derive(Serialize, Default)]
struct SpendRow<'a> {
    area: Text<'a>,
    category: &'a str,
    provider_id: Text<'a>,
    provider_name: Text<'a>,
    committed_orders: i64,
    committed_pence: i64,
    committed_pounds: String,
    paid_pence: i64,
    paid_pounds: String,
}

/// A row of the unmet demand report.
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

/// A row of the waiting times report.
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

/// A row of the providers report.
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

pub fn spend(report: &SpendReport) -> Result<String, Error> {
    let rows = report.rows.iter().map(|r| SpendRow {
        area: Text(&r.area),
        category: &r.category,
        provider_id: Text(&r.provider_id),
        provider_name: Text(&r.provider_name),
        committed_orders: r.committed_orders,
        committed_pence: r.committed_pence,
        committed_pounds: pounds(r.committed_pence),
        paid_pence: r.paid_pence,
        paid_pounds: pounds(r.paid_pence),
    });
    let t = &report.totals;
    let totals = SpendRow {
        area: Text("TOTAL"),
        committed_orders: t.committed_orders,
        committed_pence: t.committed_pence,
        committed_pounds: pounds(t.committed_pence),
        paid_pence: t.paid_pence,
        paid_pounds: pounds(t.paid_pence),
        ..SpendRow::default()
    };
    table(rows.chain(std::iter::once(totals)))
}

pub fn unmet_demand(report: &UnmetDemandReport) -> Result<String, Error> {
    table(report.rows.iter().map(|r| {
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

pub fn waiting_times(report: &WaitingTimesReport) -> Result<String, Error> {
    table(report.rows.iter().map(|r| {
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

/// A provider's most frequent decline reasons as one field: `reason (n); …`.
pub fn decline_reasons(reasons: &[super::DeclineReason]) -> String {
    reasons
        .iter()
        .map(|d| format!("{} ({})", d.reason, d.declines))
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn providers(report: &ProvidersReport) -> Result<String, Error> {
    let reasons: Vec<String> = report
        .rows
        .iter()
        .map(|r| decline_reasons(&r.decline_reasons))
        .collect();
    table(report.rows.iter().zip(&reasons).map(|(r, reasons)| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_for_null_and_days_to_one_decimal() {
        assert_eq!(days(None), "");
        assert_eq!(days(Some(12.0)), "12.0");
        assert_eq!(days(Some(12.25)), "12.2");
    }

    #[test]
    fn a_provider_named_as_a_formula_is_not_one() {
        let report = SpendReport {
            report: "spend".into(),
            generated_at: chrono::DateTime::UNIX_EPOCH,
            scope: super::super::ReportScope {
                from: None,
                to: None,
                area: None,
                category: None,
            },
            provider_id: None,
            rows: vec![super::super::SpendLine {
                area: "SY-SHF".into(),
                category: "unpaid_work".into(),
                provider_id: "prv_1".into(),
                provider_name: "=cmd|' /C calc'!A0".into(),
                committed_orders: 2,
                committed_pence: 104_000,
                paid_pence: 20_800,
            }],
            totals: super::super::SpendTotals {
                committed_orders: 2,
                committed_pence: 104_000,
                paid_pence: 20_800,
            },
        };
        assert_eq!(
            spend(&report).ok().as_deref(),
            Some("area,category,provider_id,provider_name,committed_orders,committed_pence,committed_pounds,paid_pence,paid_pounds\r\n\
             SY-SHF,unpaid_work,prv_1,'=cmd|' /C calc'!A0,2,104000,1040.00,20800,208.00\r\n\
             TOTAL,,,,2,104000,1040.00,20800,208.00\r\n")
        );
    }
}
