//! Areas' pooled budgets per financial year, and what is held against them.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::schema::{budgets, orders, payments};
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = budgets)]
pub struct BudgetRow {
    pub area_code: String,
    pub financial_year: i32,
    pub allocated_pence: i64,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

pub fn find(conn: &mut DbConn, area: &str, year: i32) -> Result<Option<BudgetRow>, StoreError> {
    Ok(budgets::table
        .find((area, year))
        .select(BudgetRow::as_select())
        .first(conn)
        .optional()?)
}

/// Budgets in (area, financial year) order, optionally of one area or one year; the
/// cursor key is the last (area, year) seen.
pub fn list(
    conn: &mut DbConn,
    area: Option<&str>,
    financial_year: Option<i32>,
    after: Option<(String, i32)>,
    limit: usize,
) -> Result<crate::cursor::Page<BudgetRow>, StoreError> {
    let mut query = budgets::table.select(BudgetRow::as_select()).into_boxed();
    if let Some(area) = area {
        query = query.filter(budgets::area_code.eq(area.to_owned()));
    }
    if let Some(year) = financial_year {
        query = query.filter(budgets::financial_year.eq(year));
    }
    if let Some((area, year)) = after {
        query = query.filter(
            budgets::area_code.gt(area.clone()).or(budgets::area_code
                .eq(area)
                .and(budgets::financial_year.gt(year))),
        );
    }
    let rows = query
        .order((budgets::area_code.asc(), budgets::financial_year.asc()))
        .limit(limit as i64 + 1)
        .load(conn)?;
    Ok(crate::cursor::Page::from_rows(rows, limit, |b| {
        (b.area_code.clone(), b.financial_year)
    }))
}

pub fn all(conn: &mut DbConn) -> Result<Vec<BudgetRow>, StoreError> {
    Ok(budgets::table
        .order((budgets::area_code.asc(), budgets::financial_year.asc()))
        .select(BudgetRow::as_select())
        .load(conn)?)
}

/// Sets a budget's allocation, creating it if need be.
pub fn set(conn: &mut DbConn, row: &BudgetRow) -> Result<(), StoreError> {
    let updated = diesel::update(budgets::table.find((&row.area_code, row.financial_year)))
        .set((
            budgets::allocated_pence.eq(row.allocated_pence),
            budgets::updated_at.eq(row.updated_at),
            budgets::updated_by.eq(&row.updated_by),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(budgets::table)
            .values(row.clone())
            .execute(conn)?;
    }
    Ok(())
}

/// Takes the budget's row lock for the rest of the transaction (a no-op update), so
/// budget checks of one area and year run one at a time on PostgreSQL; SQLite's write
/// transactions are already serial. False if there is no such budget.
pub fn lock(conn: &mut DbConn, area: &str, year: i32) -> Result<bool, StoreError> {
    let n = diesel::update(budgets::table.find((area, year)))
        .set(budgets::allocated_pence.eq(budgets::allocated_pence))
        .execute(conn)?;
    Ok(n == 1)
}

/// The locked prices of the area's orders in `statuses` starting within `[from, to]`,
/// with what each has been paid so far, split by who paid it: (price, paid by this area,
/// paid by other areas — before the order's case moved here).
pub fn held(
    conn: &mut DbConn,
    area: &str,
    statuses: &[&str],
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<Held>, StoreError> {
    let rows: Vec<(String, Option<i64>)> = orders::table
        .filter(orders::area_code.eq(area))
        .filter(orders::status.eq_any(statuses))
        .filter(orders::starts_on.between(from, to))
        .select((orders::id, orders::price_pence))
        .load(conn)?;
    let ids: Vec<&String> = rows.iter().map(|(id, _)| id).collect();
    let paid: Vec<(String, i64, String)> = payments::table
        .filter(payments::order_id.eq_any(ids))
        .select((
            payments::order_id,
            payments::amount_pence,
            payments::area_code,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, price)| {
            let mut held = Held {
                price_pence: price.unwrap_or(0),
                paid_here_pence: 0,
                paid_elsewhere_pence: 0,
            };
            for (_, amount, by) in paid.iter().filter(|(o, _, _)| *o == id) {
                if by == area {
                    held.paid_here_pence += amount;
                } else {
                    held.paid_elsewhere_pence += amount;
                }
            }
            held
        })
        .collect())
}

/// One order held against an area's budget: its locked price and what has been paid of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub price_pence: i64,
    /// Paid by the area holding it.
    pub paid_here_pence: i64,
    /// Paid by another area before the case moved: that area's spend, not this one's.
    pub paid_elsewhere_pence: i64,
}

/// What the area has paid in a financial year.
pub fn spent(conn: &mut DbConn, area: &str, year: i32) -> Result<i64, StoreError> {
    let amounts: Vec<i64> = payments::table
        .filter(payments::area_code.eq(area))
        .filter(payments::financial_year.eq(year))
        .select(payments::amount_pence)
        .load(conn)?;
    Ok(amounts.iter().sum())
}
