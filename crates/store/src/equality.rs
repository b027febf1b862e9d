//! Equality monitoring on cases (`case_equality`: one row per case that has any) and the
//! orders the equality report counts.

use chrono::{Datelike, Duration, NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::reports::ReportFilter;
use crate::schema::{case_equality, cases, orders};
use crate::{DbConn, StoreError};

/// What an offender manager recorded on a case; the words as stored.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = case_equality)]
pub struct EqualityRow {
    pub crn: String,
    pub ethnic_group: Option<String>,
    pub disability: Option<String>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
}

pub fn find(conn: &mut DbConn, crn: &str) -> Result<Option<EqualityRow>, StoreError> {
    Ok(case_equality::table
        .find(crn)
        .select(EqualityRow::as_select())
        .first(conn)
        .optional()?)
}

/// Records (or replaces) the case's equality monitoring.
pub fn put(conn: &mut DbConn, row: &EqualityRow) -> Result<(), StoreError> {
    let changed = diesel::update(case_equality::table.find(&row.crn))
        .set((
            case_equality::ethnic_group.eq(&row.ethnic_group),
            case_equality::disability.eq(&row.disability),
            case_equality::recorded_by.eq(&row.recorded_by),
            case_equality::recorded_at.eq(row.recorded_at),
        ))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(case_equality::table)
            .values(row.clone())
            .execute(conn)?;
    }
    Ok(())
}

/// Orders placed with a provider: accepted by it and not cancelled.
pub const PLACED: [&str; 6] = [
    "accepted",
    "in_delivery",
    "paused",
    "completed",
    "failed",
    "terminated",
];

/// One order the equality report counts, with what it is counted by.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct EqualityOrderRow {
    pub area_code: String,
    pub category: String,
    pub status: String,
    pub outcome: Option<String>,
    pub created_at: NaiveDateTime,
    pub actual_start: Option<NaiveDate>,
    pub sex: String,
    pub date_of_birth: NaiveDate,
    pub ethnic_group: Option<String>,
}

/// Orders created in the period and placed with a provider, with their case's sex, date
/// of birth and ethnic group (null: not recorded), in area and category order. One row
/// per order: the report's medians need each order's wait.
pub fn placed_orders(
    conn: &mut DbConn,
    filter: &ReportFilter,
) -> Result<Vec<EqualityOrderRow>, StoreError> {
    let mut query = orders::table
        .inner_join(cases::table.on(cases::crn.eq(orders::crn)))
        .left_join(case_equality::table.on(case_equality::crn.eq(orders::crn)))
        .filter(orders::status.eq_any(PLACED))
        .select((
            orders::area_code,
            orders::category,
            orders::status,
            orders::outcome,
            orders::created_at,
            orders::actual_start,
            cases::sex,
            cases::date_of_birth,
            case_equality::ethnic_group.nullable(),
        ))
        .into_boxed();
    if let Some(area) = &filter.area {
        query = query.filter(orders::area_code.eq(area.clone()));
    }
    if let Some(category) = &filter.category {
        query = query.filter(orders::category.eq(category.clone()));
    }
    if let Some(from) = filter.from.and_then(|d| d.and_hms_opt(0, 0, 0)) {
        query = query.filter(orders::created_at.ge(from));
    }
    // Past year 9999 every stored time is earlier: no upper bound.
    if let Some(end) = filter
        .to
        .and_then(|d| d.checked_add_signed(Duration::days(1)))
        .filter(|d| d.year() <= 9999)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    {
        query = query.filter(orders::created_at.lt(end));
    }
    Ok(query
        .order((
            orders::area_code.asc(),
            orders::category.asc(),
            orders::id.asc(),
        ))
        .load(conn)?)
}
