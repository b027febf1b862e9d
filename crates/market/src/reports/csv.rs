//! The reports as CSV: the rows of each report with a header line, the figures exactly
//! as the JSON answer gives them (pence, days, rates). The API answers them to
//! `Accept: text/csv`; the web's report pages offer the same files for download.

use super::{ProvidersReport, SpendReport, UnmetDemandReport, WaitingTimesReport};
use crate::csv::{table, text};

/// A number, or an empty field for null.
pub fn number<T: ToString>(value: Option<T>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

/// An average of days, to one decimal place, or an empty field for null.
pub fn days(value: Option<f64>) -> String {
    value.map(|v| format!("{v:.1}")).unwrap_or_default()
}

pub fn spend(report: &SpendReport) -> String {
    table(
        "area,category,provider_id,provider_name,committed_orders,committed_pence,paid_pence",
        report.rows.iter().map(|r| {
            vec![
                text(&r.area),
                r.category.clone(),
                text(&r.provider_id),
                text(&r.provider_name),
                r.committed_orders.to_string(),
                r.committed_pence.to_string(),
                r.paid_pence.to_string(),
            ]
        }),
    )
}

pub fn unmet_demand(report: &UnmetDemandReport) -> String {
    table(
        "area,category,unmatched,awaiting_approval,average_days_waiting,longest_days_waiting,top_rule,top_rule_excluded",
        report.rows.iter().map(|r| {
            let u = &r.unmet;
            vec![
                text(&r.area),
                r.category.clone(),
                u.unmatched.to_string(),
                u.awaiting_approval.to_string(),
                days(u.average_days_waiting),
                number(u.longest_days_waiting),
                u.top_rule
                    .and_then(|rule| serde_json::to_value(rule).ok())
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default(),
                number(u.top_rule_excluded),
            ]
        }),
    )
}

pub fn waiting_times(report: &WaitingTimesReport) -> String {
    table(
        "area,category,orders_approved,committed_orders,committed_p50_days,committed_p90_days,\
         committed_average_days,started_orders,started_p50_days,started_p90_days,started_average_days",
        report.rows.iter().map(|r| {
            let w = &r.waits;
            vec![
                text(&r.area),
                r.category.clone(),
                w.orders_approved.to_string(),
                w.committed_orders.to_string(),
                number(w.committed_p50_days),
                number(w.committed_p90_days),
                days(w.committed_average_days),
                w.started_orders.to_string(),
                number(w.started_p50_days),
                number(w.started_p90_days),
                days(w.started_average_days),
            ]
        }),
    )
}

/// A provider's most frequent decline reasons as one field: `reason (n); …`.
pub fn decline_reasons(reasons: &[super::DeclineReason]) -> String {
    reasons
        .iter()
        .map(|d| format!("{} ({})", d.reason, d.declines))
        .collect::<Vec<_>>()
        .join("; ")
}

pub fn providers(report: &ProvidersReport) -> String {
    table(
        "provider_id,provider_name,offers_made,accepted,declined,expired,acceptance_rate,\
         orders,completed,failed,completion_rate,outcomes_recorded,no_proven_reoffence,\
         outcome_rate,average_accepted_price_pence,average_price_cap_pence,price_to_cap,\
         decline_reasons",
        report.rows.iter().map(|r| {
            let p = &r.performance;
            vec![
                text(&r.provider_id),
                text(&r.provider_name),
                p.offers_made.to_string(),
                p.accepted.to_string(),
                p.declined.to_string(),
                p.expired.to_string(),
                number(p.acceptance_rate),
                p.orders.to_string(),
                p.completed.to_string(),
                p.failed.to_string(),
                number(p.completion_rate),
                p.outcomes_recorded.to_string(),
                p.no_proven_reoffence.to_string(),
                number(p.outcome_rate),
                number(p.average_accepted_price_pence),
                number(p.average_price_cap_pence),
                number(p.price_to_cap),
                text(&decline_reasons(&r.decline_reasons)),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_fields_for_null_and_days_to_one_decimal() {
        assert_eq!(number::<i64>(None), "");
        assert_eq!(number(Some(0.25)), "0.25");
        assert_eq!(days(Some(12.0)), "12.0");
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
            totals: super::super::SpendTotals::default(),
        };
        assert_eq!(
            spend(&report),
            "area,category,provider_id,provider_name,committed_orders,committed_pence,paid_pence\r\n\
             SY-SHF,unpaid_work,prv_1,'=cmd|' /C calc'!A0,2,104000,20800\r\n"
        );
    }
}
