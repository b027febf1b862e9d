//! Areas' budgets as read back: the allocation and what is held against it.

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::order::OrderStatus;
use provider_hub_domain::payment::financial_year;
use provider_hub_store::budgets::{self as store, BudgetRow};
use provider_hub_store::{to_utc, DbConn};
use serde::Serialize;
use utoipa::ToSchema;

use crate::read_model::pool::{self, ContributorLine};
use crate::Error;

/// An area's budget for a financial year, and what is held against it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BudgetView {
    pub area: String,
    /// April to March, named by the year it starts.
    pub financial_year: i32,
    /// What was put in for the year: the sum of the contributions, or the amount set
    /// when the budget has none (then one `unattributed` pool).
    pub allocated_pence: i64,
    /// Carried in from last year's unspent budget by the area's carry-over rule
    /// (`GET /v1/areas/{code}/carry-over`); part of what can be spent this year.
    pub carried_in_pence: i64,
    /// The locked prices of accepted, in-delivery and paused orders starting in the year,
    /// less what another area paid of them before their case moved here (that area's
    /// spend); an order ended in delivery counts only what was paid, in `spent_pence`.
    pub committed_pence: i64,
    /// Locked prices of orders offered and waiting for the provider's answer.
    pub offered_pence: i64,
    /// Payments made in the year.
    pub spent_pence: i64,
    /// `allocated + carried in − committed − offered −` the year's payments on orders no longer
    /// committed (completed, failed, cancelled, terminated): payments on committed orders are part of
    /// their locked price already. Negative when a commissioner approved spend over budget.
    pub remaining_pence: i64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
    /// Who funds the pool and what is attributed to each, by contributor key; a budget
    /// without contributions has one line, `unattributed`. Each column sums to the
    /// budget's figure to the penny.
    pub contributions: Vec<ContributorLine>,
}

/// The first and last day of a financial year.
fn year_days(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(year, 4, 1)?,
        NaiveDate::from_ymd_opt(year + 1, 3, 31)?,
    ))
}

pub(crate) fn check_year(year: i32) -> Result<(NaiveDate, NaiveDate), Error> {
    if !(2000..=2100).contains(&year) {
        return Err(Error::NotFound(format!("financial year {year}")));
    }
    year_days(year).ok_or_else(|| Error::NotFound(format!("financial year {year}")))
}

pub(crate) fn view(conn: &mut DbConn, row: BudgetRow) -> Result<BudgetView, Error> {
    let (from, to) = check_year(row.financial_year)?;
    let committed_orders = store::held(
        conn,
        &row.area_code,
        &[
            OrderStatus::Accepted.as_str(),
            OrderStatus::InDelivery.as_str(),
            OrderStatus::Paused.as_str(),
        ],
        from,
        to,
    )?;
    // What another area paid of an order before its case moved here is that area's spend:
    // this area is committed to the rest.
    let committed: i64 = committed_orders
        .iter()
        .map(|h| h.price_pence - h.paid_elsewhere_pence)
        .sum();
    let paid_on_committed: i64 = committed_orders.iter().map(|h| h.paid_here_pence).sum();
    let offered: i64 = store::held(
        conn,
        &row.area_code,
        &[OrderStatus::Offered.as_str()],
        from,
        to,
    )?
    .iter()
    .map(|h| h.price_pence)
    .sum();
    let spent = store::spent(conn, &row.area_code, row.financial_year)?;
    // Payments on orders still committed are part of their locked price already.
    let spent_elsewhere = spent - paid_on_committed.min(spent);
    let (funders, rule) = pool::funders(conn, &row)?;
    let carried_in: i64 = funders.iter().map(|f| f.carried_in_pence).sum();
    let contributions = pool::lines(&funders, rule, spent, committed, offered);
    Ok(BudgetView {
        remaining_pence: row.allocated_pence + carried_in - committed - offered - spent_elsewhere,
        carried_in_pence: carried_in,
        contributions,
        area: row.area_code,
        financial_year: row.financial_year,
        allocated_pence: row.allocated_pence,
        committed_pence: committed,
        offered_pence: offered,
        spent_pence: spent,
        updated_at: to_utc(row.updated_at),
        updated_by: row.updated_by,
    })
}

pub fn get(conn: &mut DbConn, area: &str, year: i32) -> Result<BudgetView, Error> {
    check_year(year)?;
    let row = store::find(conn, area, year)?
        .ok_or_else(|| Error::NotFound(format!("budget of {area} for financial year {year}")))?;
    view(conn, row)
}

/// A page of budgets, optionally of one area or one financial year.
pub fn page(
    conn: &mut DbConn,
    area: Option<&str>,
    financial_year: Option<i32>,
    after: Option<(String, i32)>,
    limit: usize,
) -> Result<provider_hub_store::cursor::Page<BudgetView>, Error> {
    if let Some(year) = financial_year {
        check_year(year)?;
    }
    let page = store::list(conn, area, financial_year, after, limit)?;
    let next = page.next.clone();
    let items = page
        .items
        .into_iter()
        .map(|row| view(conn, row))
        .collect::<Result<_, _>>()?;
    Ok(provider_hub_store::cursor::Page { items, next })
}

pub fn list(conn: &mut DbConn) -> Result<Vec<BudgetView>, Error> {
    store::all(conn)?
        .into_iter()
        .map(|row| view(conn, row))
        .collect()
}

/// Would an order of `area` at `price_pence` starting on `starts_on` take the area's
/// spending in that financial year over its allocation? Takes the budget's lock, so the
/// checks of concurrent placements come one after another and never overcommit. An area
/// with no budget for the year is not limited.
pub(crate) fn over_budget(
    conn: &mut DbConn,
    area: &str,
    starts_on: NaiveDate,
    price_pence: i64,
) -> Result<bool, Error> {
    let year = financial_year(starts_on);
    if !store::lock(conn, area, year)? {
        return Ok(false);
    }
    Ok(remaining(conn, area, year)?.is_some_and(|left| price_pence > left))
}

/// What the area's budget for the financial year has left to commit; None when the area
/// has no budget for that year (it is not limited). A caller that commits against it
/// takes the budget's lock first ([`store::lock`]).
pub(crate) fn remaining(conn: &mut DbConn, area: &str, year: i32) -> Result<Option<i64>, Error> {
    let Some(row) = store::find(conn, area, year)? else {
        return Ok(None);
    };
    Ok(Some(view(conn, row)?.remaining_pence))
}
