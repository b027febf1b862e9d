//! Sentence plans, their items, and the lead times commissioners set.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use provider_hub_domain::plan::PlanStatus;
use provider_hub_domain::Category;

use crate::schema::{lead_times, plan_items, sentence_plans};
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = sentence_plans)]
pub struct PlanRow {
    pub id: String,
    pub assessment_id: String,
    pub crn: String,
    pub area_code: String,
    #[diesel(serialize_as = crate::words::Word)]
    pub status: PlanStatus,
    pub created_at: NaiveDateTime,
    pub approved_at: Option<NaiveDateTime>,
    pub approved_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = plan_items)]
pub struct PlanItemRow {
    pub id: String,
    pub plan_id: String,
    pub position: i32,
    #[diesel(serialize_as = crate::words::Word)]
    pub category: Category,
    pub specification_code: Option<String>,
    pub requirement: Option<String>,
    pub needs: String,
    pub priority: i32,
    pub required_by: NaiveDate,
    pub lead_time_days: i32,
    pub late: bool,
}

/// Stores a plan and its items.
pub fn insert(conn: &mut DbConn, plan: &PlanRow, items: &[PlanItemRow]) -> Result<(), StoreError> {
    diesel::insert_into(sentence_plans::table)
        .values(plan.clone())
        .execute(conn)?;
    // One row at a time: diesel's batch insert is not available over both backends at once.
    for item in items {
        diesel::insert_into(plan_items::table)
            .values(item.clone())
            .execute(conn)?;
    }
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<PlanRow>, StoreError> {
    Ok(sentence_plans::table
        .find(id)
        .select(PlanRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_assessment(
    conn: &mut DbConn,
    assessment_id: &str,
) -> Result<Option<PlanRow>, StoreError> {
    Ok(sentence_plans::table
        .filter(sentence_plans::assessment_id.eq(assessment_id))
        .select(PlanRow::as_select())
        .first(conn)
        .optional()?)
}

/// A plan's items in plan order.
pub fn items(conn: &mut DbConn, plan_id: &str) -> Result<Vec<PlanItemRow>, StoreError> {
    Ok(plan_items::table
        .filter(plan_items::plan_id.eq(plan_id))
        .order(plan_items::position.asc())
        .select(PlanItemRow::as_select())
        .load(conn)?)
}

/// Items by id, in any order.
pub fn items_by_id(conn: &mut DbConn, ids: &[String]) -> Result<Vec<PlanItemRow>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(plan_items::table
        .filter(plan_items::id.eq_any(ids))
        .select(PlanItemRow::as_select())
        .load(conn)?)
}

/// Marks a proposed plan approved; false if it was approved meanwhile.
pub fn approve(
    conn: &mut DbConn,
    id: &str,
    by: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        sentence_plans::table
            .filter(sentence_plans::id.eq(id))
            .filter(sentence_plans::status.eq("proposed")),
    )
    .set((
        sentence_plans::status.eq("approved"),
        sentence_plans::approved_at.eq(Some(at)),
        sentence_plans::approved_by.eq(Some(by)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Lead times commissioners have set, as (category, days).
pub fn lead_times(
    conn: &mut DbConn,
) -> Result<Vec<(String, i32, NaiveDateTime, String)>, StoreError> {
    Ok(lead_times::table
        .order(lead_times::category.asc())
        .select((
            lead_times::category,
            lead_times::days,
            lead_times::updated_at,
            lead_times::updated_by,
        ))
        .load(conn)?)
}

/// Sets one category's lead time, replacing any earlier setting.
pub fn set_lead_time(
    conn: &mut DbConn,
    category: &str,
    days: i32,
    by: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    let updated = diesel::update(lead_times::table.find(category))
        .set((
            lead_times::days.eq(days),
            lead_times::updated_at.eq(at),
            lead_times::updated_by.eq(by),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(lead_times::table)
            .values((
                lead_times::category.eq(category),
                lead_times::days.eq(days),
                lead_times::updated_at.eq(at),
                lead_times::updated_by.eq(by),
            ))
            .execute(conn)?;
    }
    Ok(())
}
