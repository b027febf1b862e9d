//! Pooled budgets' contributions, areas' carry-over rules, and the payments a contributor's
//! statement attributes (with each one's category and day).

use std::collections::HashMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{budget_contributions, budgets, carry_over_rules, orders, payments};
use crate::{DbConn, StoreError};

/// One agency's contribution to an area's budget for a financial year.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = budget_contributions)]
pub struct ContributionRow {
    pub area_code: String,
    pub financial_year: i32,
    pub contributor: String,
    pub amount_pence: i64,
}

/// A budget's contributions, by contributor key.
pub fn of_budget(
    conn: &mut DbConn,
    area: &str,
    year: i32,
) -> Result<Vec<ContributionRow>, StoreError> {
    Ok(budget_contributions::table
        .filter(budget_contributions::area_code.eq(area))
        .filter(budget_contributions::financial_year.eq(year))
        .order(budget_contributions::contributor.asc())
        .select(ContributionRow::as_select())
        .load(conn)?)
}

/// Replaces a budget's contributions with `rows` (the budget exists).
pub fn replace(
    conn: &mut DbConn,
    area: &str,
    year: i32,
    rows: &[ContributionRow],
) -> Result<(), StoreError> {
    diesel::delete(
        budget_contributions::table
            .filter(budget_contributions::area_code.eq(area))
            .filter(budget_contributions::financial_year.eq(year)),
    )
    .execute(conn)?;
    // One by one: the backends' multi-connection has no batch insert.
    for row in rows {
        diesel::insert_into(budget_contributions::table)
            .values(row.clone())
            .execute(conn)?;
    }
    Ok(())
}

/// An area's carry-over rule as stored (`rule` is a `CarryOverRule` word).
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = carry_over_rules)]
pub struct CarryOverRow {
    pub area_code: String,
    pub rule: String,
    pub cap_percent: Option<i32>,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

pub fn carry_over(conn: &mut DbConn, area: &str) -> Result<Option<CarryOverRow>, StoreError> {
    Ok(carry_over_rules::table
        .find(area)
        .select(CarryOverRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn set_carry_over(conn: &mut DbConn, row: &CarryOverRow) -> Result<(), StoreError> {
    let updated = diesel::update(carry_over_rules::table.find(&row.area_code))
        .set((
            carry_over_rules::rule.eq(&row.rule),
            carry_over_rules::cap_percent.eq(row.cap_percent),
            carry_over_rules::updated_at.eq(row.updated_at),
            carry_over_rules::updated_by.eq(&row.updated_by),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(carry_over_rules::table)
            .values(row.clone())
            .execute(conn)?;
    }
    Ok(())
}

/// The financial years before `year` the area has a budget for, latest first.
pub fn earlier_years(conn: &mut DbConn, area: &str, year: i32) -> Result<Vec<i32>, StoreError> {
    Ok(budgets::table
        .filter(budgets::area_code.eq(area))
        .filter(budgets::financial_year.lt(year))
        .order(budgets::financial_year.desc())
        .select(budgets::financial_year)
        .load(conn)?)
}

/// One payment as a statement attributes it: amount, when, and its order's category
/// (none for a payment not on an order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentLine {
    pub amount_pence: i64,
    pub created_at: NaiveDateTime,
    pub category: Option<String>,
}

/// The payments an area made in a financial year — the rows `budgets::spent` sums.
pub fn payments_of(
    conn: &mut DbConn,
    area: &str,
    year: i32,
) -> Result<Vec<PaymentLine>, StoreError> {
    let rows: Vec<(String, i64, NaiveDateTime)> = payments::table
        .filter(payments::area_code.eq(area))
        .filter(payments::financial_year.eq(year))
        .order(payments::id.asc())
        .select((
            payments::order_id,
            payments::amount_pence,
            payments::created_at,
        ))
        .load(conn)?;
    let mut ids: Vec<&String> = rows.iter().map(|(id, _, _)| id).collect();
    ids.sort();
    ids.dedup();
    let mut categories: HashMap<String, String> = HashMap::new();
    for chunk in ids.chunks(500) {
        let found: Vec<(String, String)> = orders::table
            .filter(orders::id.eq_any(chunk))
            .select((orders::id, orders::category))
            .load(conn)?;
        categories.extend(found);
    }
    Ok(rows
        .into_iter()
        .map(|(order, amount_pence, created_at)| PaymentLine {
            amount_pence,
            created_at,
            category: categories.get(&order).cloned(),
        })
        .collect())
}
