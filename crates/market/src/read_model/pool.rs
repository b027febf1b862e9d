//! A budget's pool as read back: who funds it (contributions and what each carried in from
//! last year by the area's carry-over rule) and how the year's spend, commitments and
//! offers are attributed to them. Computed on read from the budgets, contributions,
//! payments and the rule, so the same data always reads the same.

use chrono::{DateTime, Utc};
use provider_hub_domain::pooled::{
    self, attribute, contributor_name, CarryOver, CarryOverRule, Funder, YearEnd, UNATTRIBUTED,
};
use provider_hub_store::budgets::{self as budget_store, BudgetRow};
use provider_hub_store::contributions::{self as store, CarryOverRow};
use provider_hub_store::{to_utc, DbConn};
use serde::Serialize;
use utoipa::ToSchema;

use crate::Error;

/// An area's carry-over rule.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CarryOverView {
    pub area: String,
    pub rule: CarryOverRule,
    /// Percent of a year's allocation that may carry, for `capped`.
    pub cap_percent: Option<u8>,
    /// Absent while the default (`none`) applies.
    pub updated_at: Option<DateTime<Utc>>,
    pub updated_by: Option<String>,
}

/// One contributor's line in a budget: their funds and what is attributed to them.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContributorLine {
    /// The contributor's key (`probation`, `health`, …); `unattributed` for a budget's
    /// money that no contributor is named for.
    pub contributor: String,
    /// As a statement names them: `Police and crime commissioner`.
    pub name: String,
    /// Put in for this year.
    pub contributed_pence: i64,
    /// Carried in from their unspent share of last year, by the area's rule.
    pub carried_in_pence: i64,
    /// Their share of the pool (contributed and carried in), in percent to two places;
    /// spend, commitments and offers are attributed by it.
    pub share_percent: f64,
    /// The year's payments attributed to them.
    pub spent_pence: i64,
    /// The budget's committed amount attributed to them.
    pub committed_pence: i64,
    /// The budget's offered amount attributed to them.
    pub offered_pence: i64,
    /// `contributed + carried in − spent`: negative when spend was approved over budget.
    pub unspent_pence: i64,
    /// What of their unspent share carries into next year by the area's rule (so far, while
    /// the year runs).
    pub carried_out_pence: i64,
}

pub(crate) fn rule_of(row: Option<&CarryOverRow>) -> Result<CarryOver, Error> {
    let Some(row) = row else {
        return Ok(CarryOver::NONE);
    };
    let rule = row
        .rule
        .parse::<CarryOverRule>()
        .map_err(|e| Error::corrupt("carry-over rule", e))?;
    CarryOver::new(rule, row.cap_percent.map(i64::from))
        .map_err(|e| Error::corrupt("carry-over rule", e))
}

pub(crate) fn carry_over_view(
    area: &str,
    row: Option<CarryOverRow>,
) -> Result<CarryOverView, Error> {
    let rule = rule_of(row.as_ref())?;
    Ok(CarryOverView {
        area: area.to_owned(),
        rule: rule.rule,
        cap_percent: rule.cap_percent,
        updated_at: row.as_ref().map(|r| to_utc(r.updated_at)),
        updated_by: row.map(|r| r.updated_by),
    })
}

/// A year's contributions as (key, amount); a budget without any is one unattributed pool
/// of its allocation.
fn contributions(conn: &mut DbConn, row: &BudgetRow) -> Result<Vec<(String, i64)>, Error> {
    let found = store::of_budget(conn, &row.area_code, row.financial_year)?;
    if found.is_empty() {
        return Ok(vec![(UNATTRIBUTED.to_owned(), row.allocated_pence)]);
    }
    Ok(found
        .into_iter()
        .map(|c| (c.contributor, c.amount_pence))
        .collect())
}

/// A budget's funders and the area's rule: the year's contributions, with what each
/// carried in from the years before — the run of consecutive years with a budget, each
/// year's end carried into the next.
pub(crate) fn funders(
    conn: &mut DbConn,
    row: &BudgetRow,
) -> Result<(Vec<Funder>, CarryOver), Error> {
    let rule = rule_of(store::carry_over(conn, &row.area_code)?.as_ref())?;
    let this_year = contributions(conn, row)?;
    if rule.rule == CarryOverRule::None {
        return Ok((pooled::next_funders(&this_year, &[]), rule));
    }
    let mut run = Vec::new();
    let mut expected = row.financial_year - 1;
    for year in store::earlier_years(conn, &row.area_code, row.financial_year)? {
        if year != expected {
            break;
        }
        run.push(year);
        expected -= 1;
    }
    let mut carried: Vec<YearEnd> = Vec::new();
    for year in run.into_iter().rev() {
        let Some(earlier) = budget_store::find(conn, &row.area_code, year)? else {
            break;
        };
        let funders = pooled::next_funders(&contributions(conn, &earlier)?, &carried);
        let spent = budget_store::spent(conn, &row.area_code, year)?;
        carried = pooled::year_end(&funders, spent, rule);
    }
    Ok((pooled::next_funders(&this_year, &carried), rule))
}

/// Share of the pool in percent to two places.
fn share(funds: i64, total: i64) -> f64 {
    if total <= 0 {
        return 0.0;
    }
    let basis_points = (i128::from(funds) * 10_000 + i128::from(total) / 2) / i128::from(total);
    basis_points as f64 / 100.0
}

/// Each funder's line: the year's spend, commitments and offers attributed pro rata to
/// funds, and the carry-out by the rule.
pub(crate) fn lines(
    funders: &[Funder],
    rule: CarryOver,
    spent_pence: i64,
    committed_pence: i64,
    offered_pence: i64,
) -> Vec<ContributorLine> {
    let weights = pooled::weights(funders);
    let total: i64 = funders.iter().map(Funder::funds_pence).sum();
    let committed = attribute(committed_pence, &weights);
    let offered = attribute(offered_pence, &weights);
    let end = pooled::year_end(funders, spent_pence, rule);
    funders
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let spent = end[i].spent_pence;
            ContributorLine {
                contributor: f.contributor.clone(),
                name: contributor_name(&f.contributor),
                contributed_pence: f.contributed_pence,
                carried_in_pence: f.carried_in_pence,
                share_percent: share(f.funds_pence(), total),
                spent_pence: spent,
                committed_pence: committed[i],
                offered_pence: offered[i],
                unspent_pence: f.funds_pence() - spent,
                carried_out_pence: end[i].carried_out_pence,
            }
        })
        .collect()
}
