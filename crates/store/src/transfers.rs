//! Transfers between areas: a case's move from one area to another, read by both.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::cursor::Page;
use crate::plans::PlanItemRow;
use crate::schema::{assessments, cases, orders, plan_items, sentence_plans, transfers};
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = transfers)]
pub struct TransferRow {
    pub id: String,
    pub crn: String,
    pub from_area: String,
    pub to_area: String,
    pub reason: String,
    /// What the move did to each order, as JSON.
    pub orders: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

pub fn insert(conn: &mut DbConn, row: &TransferRow) -> Result<(), StoreError> {
    diesel::insert_into(transfers::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<TransferRow>, StoreError> {
    Ok(transfers::table
        .find(id)
        .select(TransferRow::as_select())
        .first(conn)
        .optional()?)
}

/// Transfers newest first, optionally those from or to one area, or of one case; the
/// cursor key is the last id seen.
pub fn list(
    conn: &mut DbConn,
    area: Option<&str>,
    crn: Option<&str>,
    after: Option<String>,
    limit: usize,
) -> Result<Page<TransferRow>, StoreError> {
    let mut query = transfers::table
        .select(TransferRow::as_select())
        .into_boxed();
    if let Some(area) = area {
        query = query.filter(
            transfers::from_area
                .eq(area.to_owned())
                .or(transfers::to_area.eq(area.to_owned())),
        );
    }
    if let Some(crn) = crn {
        query = query.filter(transfers::crn.eq(crn.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(transfers::id.lt(after));
    }
    let rows = query
        .order(transfers::id.desc())
        .limit(limit as i64 + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |t| t.id.clone()))
}

/// Moves a case from `from` to `to`; false when it was no longer in `from` (another
/// transfer won), which also makes concurrent transfers of one case queue on its row.
pub fn move_case(conn: &mut DbConn, crn: &str, from: &str, to: &str) -> Result<bool, StoreError> {
    let n = diesel::update(
        cases::table
            .filter(cases::crn.eq(crn))
            .filter(cases::area_code.eq(from)),
    )
    .set(cases::area_code.eq(to))
    .execute(conn)?;
    Ok(n == 1)
}

/// Moves a case's assessments and sentence plans of `from` to `to` with it: the receiving
/// area's offender managers read and review them from then on.
pub fn move_records(conn: &mut DbConn, crn: &str, from: &str, to: &str) -> Result<(), StoreError> {
    diesel::update(
        assessments::table
            .filter(assessments::crn.eq(crn))
            .filter(assessments::area_code.eq(from)),
    )
    .set(assessments::area_code.eq(to))
    .execute(conn)?;
    diesel::update(
        sentence_plans::table
            .filter(sentence_plans::crn.eq(crn))
            .filter(sentence_plans::area_code.eq(from)),
    )
    .set(sentence_plans::area_code.eq(to))
    .execute(conn)?;
    Ok(())
}

/// Moves an order to `to` with its case, if it is still in `status` and in `from`; false
/// when it changed meanwhile.
pub fn move_order(
    conn: &mut DbConn,
    id: &str,
    status: &str,
    from: &str,
    to: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        orders::table
            .filter(orders::id.eq(id))
            .filter(orders::status.eq(status))
            .filter(orders::area_code.eq(from)),
    )
    .set((orders::area_code.eq(to), orders::updated_at.eq(at)))
    .execute(conn)?;
    Ok(n == 1)
}

/// The ids of a case's orders in `area`, in id (creation) order.
pub fn orders_of_case(conn: &mut DbConn, crn: &str, area: &str) -> Result<Vec<String>, StoreError> {
    Ok(orders::table
        .filter(orders::crn.eq(crn))
        .filter(orders::area_code.eq(area))
        .order(orders::id.asc())
        .select(orders::id)
        .load(conn)?)
}

/// Adds an item to a plan: the copy of an item whose order a transfer ended, which the
/// order bought anew in the receiving area is for (each plan item has at most one order).
pub fn insert_plan_item(conn: &mut DbConn, item: &PlanItemRow) -> Result<(), StoreError> {
    diesel::insert_into(plan_items::table)
        .values(item.clone())
        .execute(conn)?;
    Ok(())
}
