//! A contributor's statement of a pooled budget: what they put in and carried in, their
//! share, the year's payments attributed to them (in total, by category and by month),
//! commitments and offers attributed, what is unspent and what carries out. Every figure
//! is the budget's own (`GET /v1/budgets/{area}/{year}`) line for them, and the
//! statements of all a budget's contributors add up to the budget and to the payments
//! table, to the penny.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Utc};
use provider_hub_domain::payment::financial_year;
use provider_hub_domain::pooled::{self, CarryOverRule};
use provider_hub_store::budgets as budget_store;
use provider_hub_store::contributions as store;
use provider_hub_store::DbConn;
use serde::Serialize;
use utoipa::ToSchema;

use crate::csv::{table, Text};
use crate::read_model::budgets::{check_year, view};
use crate::read_model::pool::{self, ContributorLine};
use crate::Error;

/// What a category's payments have none: a payment not on an order.
pub const NO_CATEGORY: &str = "other";

/// A contributor's statement for one budget.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContributorStatement {
    pub area: String,
    pub financial_year: i32,
    /// Their line of the budget: contributed, carried in, share, spent, committed, offered,
    /// unspent and carried out.
    #[serde(flatten)]
    pub line: ContributorLine,
    /// The area's carry-over rule, by which `carried_in_pence` and `carried_out_pence` are
    /// read.
    pub carry_over_rule: CarryOverRule,
    pub cap_percent: Option<u8>,
    /// Whether the financial year has ended (31 March): until then `carried_out_pence` is
    /// what would carry if no more were paid.
    pub year_ended: bool,
    /// Their part of the year's payments by the category of the order paid; sums to
    /// `spent_pence`.
    pub spent_by_category: Vec<CategorySpend>,
    /// Their part of the year's payments by month paid (`2026-04`); sums to `spent_pence`.
    pub spent_by_month: Vec<MonthSpend>,
    /// The whole budget, which every contributor's statement adds up to.
    pub budget: BudgetTotals,
    pub as_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CategorySpend {
    /// A specification category, or `other` for payments not on an order.
    pub category: String,
    pub spent_pence: i64,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthSpend {
    /// `YYYY-MM`.
    pub month: String,
    pub spent_pence: i64,
}

/// The budget's figures the statements of its contributors add up to.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BudgetTotals {
    pub allocated_pence: i64,
    pub carried_in_pence: i64,
    /// Payments the area made in the year: the sum of the payments table's rows.
    pub spent_pence: i64,
    pub committed_pence: i64,
    pub offered_pence: i64,
    pub contributors: usize,
}

/// The statement of `contributor` for the budget of `area` in `year`, as at `now`.
pub fn statement(
    conn: &mut DbConn,
    area: &str,
    year: i32,
    contributor: &str,
    now: DateTime<Utc>,
) -> Result<ContributorStatement, Error> {
    check_year(year)?;
    let row = budget_store::find(conn, area, year)?
        .ok_or_else(|| Error::NotFound(format!("budget of {area} for financial year {year}")))?;
    let budget = view(conn, row.clone())?;
    let at = budget
        .contributions
        .iter()
        .position(|l| l.contributor == contributor)
        .ok_or_else(|| {
            Error::NotFound(format!(
                "contributor {contributor} of the budget of {area} for financial year {year}"
            ))
        })?;
    let (funders, rule) = pool::funders(conn, &row)?;
    let weights = pooled::weights(&funders);
    let totals: Vec<i64> = budget.contributions.iter().map(|l| l.spent_pence).collect();
    let payments = store::payments_of(conn, area, year)?;
    let mut by_category: BTreeMap<String, i64> = BTreeMap::new();
    let mut by_month: BTreeMap<String, i64> = BTreeMap::new();
    for p in &payments {
        let category = p.category.clone().unwrap_or_else(|| NO_CATEGORY.to_owned());
        *by_category.entry(category).or_default() += p.amount_pence;
        let month = format!("{:04}-{:02}", p.created_at.year(), p.created_at.month());
        *by_month.entry(month).or_default() += p.amount_pence;
    }
    let categories: Vec<i64> = by_category.values().copied().collect();
    let months: Vec<i64> = by_month.values().copied().collect();
    let category_parts = pooled::break_down(&categories, &weights, &totals);
    let month_parts = pooled::break_down(&months, &weights, &totals);
    let line = budget.contributions[at].clone();
    Ok(ContributorStatement {
        area: budget.area.clone(),
        financial_year: year,
        spent_by_category: by_category
            .keys()
            .zip(&category_parts[at])
            .map(|(category, spent)| CategorySpend {
                category: category.clone(),
                spent_pence: *spent,
            })
            .collect(),
        spent_by_month: by_month
            .keys()
            .zip(&month_parts[at])
            .map(|(month, spent)| MonthSpend {
                month: month.clone(),
                spent_pence: *spent,
            })
            .collect(),
        line,
        carry_over_rule: rule.rule,
        cap_percent: rule.cap_percent,
        year_ended: financial_year(now.date_naive()) > year,
        budget: BudgetTotals {
            allocated_pence: budget.allocated_pence,
            carried_in_pence: budget.carried_in_pence,
            spent_pence: budget.spent_pence,
            committed_pence: budget.committed_pence,
            offered_pence: budget.offered_pence,
            contributors: budget.contributions.len(),
        },
        as_at: now,
    })
}

/// One row of a statement as CSV: the budget and contributor on every row, then what the
/// row is (`contributed`, `spent`, `spent_by_category` …), its detail (the category or
/// month) and the amount in pence.
#[derive(Debug, Serialize, Default)]
struct StatementRow<'a> {
    area: Text<'a>,
    financial_year: i32,
    contributor: Text<'a>,
    share_percent: f64,
    line: &'a str,
    detail: Text<'a>,
    amount_pence: i64,
}

/// The statement as CSV rows: the summary lines, then spend by category and by month.
pub fn csv(s: &ContributorStatement) -> Result<String, Error> {
    let row = |line: &'static str, detail: &'static str, amount_pence: i64| StatementRow {
        area: Text(&s.area),
        financial_year: s.financial_year,
        contributor: Text(&s.line.contributor),
        share_percent: s.line.share_percent,
        line,
        detail: Text(detail),
        amount_pence,
    };
    let mut rows = vec![
        row("contributed", "", s.line.contributed_pence),
        row("carried_in", "", s.line.carried_in_pence),
        row("spent", "", s.line.spent_pence),
        row("committed", "", s.line.committed_pence),
        row("offered", "", s.line.offered_pence),
        row("unspent", "", s.line.unspent_pence),
        row("carried_out", "", s.line.carried_out_pence),
    ];
    for c in &s.spent_by_category {
        rows.push(StatementRow {
            line: "spent_by_category",
            detail: Text(&c.category),
            ..row("", "", c.spent_pence)
        });
    }
    for m in &s.spent_by_month {
        rows.push(StatementRow {
            line: "spent_by_month",
            detail: Text(&m.month),
            ..row("", "", m.spent_pence)
        });
    }
    table(rows)
}
