//! Areas (probation delivery units).

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::cursor::Page;
use crate::schema::areas;
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = areas)]
pub struct AreaRow {
    pub code: String,
    pub name: String,
    pub region: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, area: &AreaRow) -> Result<(), StoreError> {
    diesel::insert_into(areas::table)
        .values(area.clone())
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, code: &str) -> Result<Option<AreaRow>, StoreError> {
    Ok(areas::table
        .find(code)
        .select(AreaRow::as_select())
        .first(conn)
        .optional()?)
}

/// Areas in code order, `limit` at a time after the cursor.
/// The cursor key is the last code seen.
pub fn list(
    conn: &mut DbConn,
    after: Option<String>,
    limit: usize,
) -> Result<Page<AreaRow>, StoreError> {
    let mut query = areas::table.select(AreaRow::as_select()).into_boxed();
    if let Some(code) = after {
        query = query.filter(areas::code.gt(code));
    }
    let rows = query
        .order(areas::code.asc())
        .limit(limit as i64 + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |a| a.code.clone()))
}
