//! Pooled budgets (SPEC.md §2 "Contribution"): commissioners set the agencies' contributions
//! to an area's budget for a year, and the area's carry-over rule for unspent money.

use chrono::{DateTime, Utc};
use provider_hub_domain::pooled::{self, CarryOver, CarryOverRule};
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::budgets::{self as budget_store, BudgetRow};
use provider_hub_store::contributions::{self as store, CarryOverRow, ContributionRow};
use provider_hub_store::{areas, write_transaction, DbConn};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::budgets::MAX_ALLOCATION_PENCE;
use crate::read_model::budgets::{check_year, view, BudgetView};
use crate::read_model::pool::carry_over_view;
pub use crate::read_model::pool::{CarryOverView, ContributorLine};
use crate::{naive, Actor, Error};

/// One agency's contribution.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Contribution {
    /// The agency's key: `probation`, `police_and_crime_commissioner`, `health`,
    /// `local_authority`, or another of 1–60 lowercase letters, digits and underscores
    /// starting with a letter (`youth_justice_service`). Not `unattributed`.
    #[schema(
        min_length = 1,
        max_length = 60,
        pattern = "^[a-z][a-z0-9_]*$",
        example = "probation"
    )]
    pub contributor: String,
    #[schema(minimum = 0, maximum = 1000000000000_i64)]
    pub amount_pence: i64,
}

/// The whole list of a budget's contributions: it replaces the list before. Empty: the
/// budget has no named contributors (an `unattributed` pool of £0, to set with
/// `PUT /v1/budgets/{area}/{year}`).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetContributions {
    #[schema(max_items = 100)]
    pub contributions: Vec<Contribution>,
}

/// The most contributors one budget may name.
pub const MAX_CONTRIBUTORS: usize = 100;

/// Sets a budget's contributions, creating the budget if need be: its allocation becomes
/// their sum.
pub fn set_contributions(
    conn: &mut DbConn,
    actor: &Actor,
    area: &str,
    year: i32,
    setting: SetContributions,
    now: DateTime<Utc>,
) -> Result<BudgetView, Error> {
    check_year(year)?;
    if setting.contributions.len() > MAX_CONTRIBUTORS {
        return Err(Error::invalid(
            "contributions",
            format!("must name at most {MAX_CONTRIBUTORS} contributors"),
        ));
    }
    let pairs: Vec<(&str, i64)> = setting
        .contributions
        .iter()
        .map(|c| (c.contributor.as_str(), c.amount_pence))
        .collect();
    pooled::check_contributions(&pairs, MAX_ALLOCATION_PENCE).map_err(Error::Validation)?;
    let allocated: i64 = pairs.iter().map(|(_, a)| a).sum();
    let mut rows: Vec<ContributionRow> = setting
        .contributions
        .iter()
        .map(|c| ContributionRow {
            area_code: area.to_owned(),
            financial_year: year,
            contributor: c.contributor.clone(),
            amount_pence: c.amount_pence,
        })
        .collect();
    rows.sort_by(|a, b| a.contributor.cmp(&b.contributor));
    write_transaction(conn, |conn| {
        areas::find(conn, area)?.ok_or_else(|| Error::NotFound(format!("area {area}")))?;
        let before = budget_store::find(conn, area, year)?;
        let before_contributions = store::of_budget(conn, area, year)?;
        let row = BudgetRow {
            area_code: area.to_owned(),
            financial_year: year,
            allocated_pence: allocated,
            updated_at: naive(now),
            updated_by: actor.sub.clone(),
        };
        budget_store::set(conn, &row)?;
        store::replace(conn, area, year, &rows)?;
        let listed = |r: &[ContributionRow]| {
            r.iter()
                .map(|c| serde_json::json!({ "contributor": c.contributor, "amount_pence": c.amount_pence }))
                .collect::<Vec<_>>()
        };
        conn.audit(AuditEntry {
            actor,
            action: "budget.contributions_set",
            entity_type: "budget",
            entity_id: &format!("{area}/{year}"),
            before: before.map(|b| {
                serde_json::json!({
                    "allocated_pence": b.allocated_pence,
                    "contributions": listed(&before_contributions),
                })
            }),
            after: Some(serde_json::json!({
                "allocated_pence": allocated,
                "contributions": listed(&rows),
            })),
            at: naive(now),
        });
        view(conn, row)
    })
}

/// Whether a budget is funded by named contributions (then its allocation is their sum,
/// set through them).
pub(crate) fn has_contributions(conn: &mut DbConn, area: &str, year: i32) -> Result<bool, Error> {
    Ok(!store::of_budget(conn, area, year)?.is_empty())
}

/// A commissioner's carry-over rule for an area.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetCarryOver {
    pub rule: CarryOverRule,
    /// Required for `capped` (0–100: percent of a year's allocation that may carry),
    /// refused for the others.
    #[serde(default)]
    #[schema(minimum = 0, maximum = 100)]
    pub cap_percent: Option<i64>,
}

fn area_exists(conn: &mut DbConn, area: &str) -> Result<(), Error> {
    areas::find(conn, area)?
        .map(|_| ())
        .ok_or_else(|| Error::NotFound(format!("area {area}")))
}

/// An area's carry-over rule (`none` until one is set).
pub fn carry_over(conn: &mut DbConn, area: &str) -> Result<CarryOverView, Error> {
    area_exists(conn, area)?;
    carry_over_view(area, store::carry_over(conn, area)?)
}

/// Sets an area's carry-over rule: from then on every year of the area reads by it.
pub fn set_carry_over(
    conn: &mut DbConn,
    actor: &Actor,
    area: &str,
    setting: SetCarryOver,
    now: DateTime<Utc>,
) -> Result<CarryOverView, Error> {
    let rule = CarryOver::new(setting.rule, setting.cap_percent).map_err(Error::Validation)?;
    write_transaction(conn, |conn| {
        area_exists(conn, area)?;
        let before = store::carry_over(conn, area)?;
        let row = CarryOverRow {
            area_code: area.to_owned(),
            rule: rule.rule.as_str().to_owned(),
            cap_percent: rule.cap_percent.map(i32::from),
            updated_at: naive(now),
            updated_by: actor.sub.clone(),
        };
        store::set_carry_over(conn, &row)?;
        conn.audit(AuditEntry {
            actor,
            action: "area.carry_over_set",
            entity_type: "area",
            entity_id: area,
            before: before
                .map(|b| serde_json::json!({ "rule": b.rule, "cap_percent": b.cap_percent })),
            after: Some(serde_json::json!({ "rule": row.rule, "cap_percent": row.cap_percent })),
            at: naive(now),
        });
        carry_over_view(area, Some(row))
    })
}
