//! Intervention orders.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use provider_hub_domain::order::OrderStatus;

use crate::cursor::Page;
use crate::schema::orders;
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = orders)]
pub struct OrderRow {
    pub id: String,
    pub plan_id: String,
    pub plan_item_id: String,
    pub crn: String,
    pub area_code: String,
    pub category: String,
    pub specification_code: Option<String>,
    pub required_by: NaiveDate,
    pub status: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &OrderRow) -> Result<(), StoreError> {
    diesel::insert_into(orders::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<OrderRow>, StoreError> {
    Ok(orders::table
        .find(id)
        .select(OrderRow::as_select())
        .first(conn)
        .optional()?)
}

/// The orders a plan created, in id (creation) order.
pub fn of_plan(conn: &mut DbConn, plan_id: &str) -> Result<Vec<OrderRow>, StoreError> {
    Ok(orders::table
        .filter(orders::plan_id.eq(plan_id))
        .order(orders::id.asc())
        .select(OrderRow::as_select())
        .load(conn)?)
}

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub area: Option<String>,
    pub crn: Option<String>,
    pub status: Option<OrderStatus>,
}

/// Orders in id order; the cursor key is the last id seen.
pub fn list(
    conn: &mut DbConn,
    filter: &OrderFilter,
    after: Option<String>,
    limit: usize,
) -> Result<Page<OrderRow>, StoreError> {
    let mut query = orders::table.select(OrderRow::as_select()).into_boxed();
    if let Some(area) = &filter.area {
        query = query.filter(orders::area_code.eq(area.clone()));
    }
    if let Some(crn) = &filter.crn {
        query = query.filter(orders::crn.eq(crn.clone()));
    }
    if let Some(status) = filter.status {
        query = query.filter(orders::status.eq(status.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(orders::id.gt(after));
    }
    let rows = query
        .order(orders::id.asc())
        .limit(limit as i64 + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |o| o.id.clone()))
}
