//! Cases: people on probation, by case reference number.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use provider_hub_domain::need::Sex;

use crate::cursor::Page;
use crate::schema::cases;
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = cases)]
pub struct CaseRow {
    pub crn: String,
    #[diesel(serialize_as = crate::words::Word)]
    pub sex: Sex,
    pub date_of_birth: NaiveDate,
    pub area_code: String,
    pub created_at: NaiveDateTime,
    pub created_by: String,
}

pub fn insert(conn: &mut DbConn, row: &CaseRow) -> Result<(), StoreError> {
    diesel::insert_into(cases::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, crn: &str) -> Result<Option<CaseRow>, StoreError> {
    Ok(cases::table
        .find(crn)
        .select(CaseRow::as_select())
        .first(conn)
        .optional()?)
}

/// Holds the case's row until the transaction ends (an update that changes nothing), so
/// that writes about one person — the approvals of two of their plans, a transfer — take
/// turns, each seeing what the one before it committed. False if there is no such case.
pub fn hold(conn: &mut DbConn, crn: &str) -> Result<bool, StoreError> {
    let n = diesel::update(cases::table.find(crn))
        .set(cases::crn.eq(cases::crn))
        .execute(conn)?;
    Ok(n == 1)
}

/// Cases in crn order, optionally of one area; the cursor key is the last crn seen.
pub fn list(
    conn: &mut DbConn,
    area: Option<&str>,
    after: Option<String>,
    limit: usize,
) -> Result<Page<CaseRow>, StoreError> {
    let mut query = cases::table.select(CaseRow::as_select()).into_boxed();
    if let Some(area) = area {
        query = query.filter(cases::area_code.eq(area.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(cases::crn.gt(after));
    }
    let rows = query
        .order(cases::crn.asc())
        .limit(limit as i64 + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |c| c.crn.clone()))
}
