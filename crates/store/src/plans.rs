//! Sentence plans, their items, and the lead times commissioners set.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use provider_hub_domain::plan::PlanStatus;
use provider_hub_domain::Category;

use crate::orders::OrderRow;
use crate::schema::{lead_times, orders, plan_items, sentence_plans};
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
    /// The person's plan this one revises, if they had one when it was made.
    pub revises_plan_id: Option<String>,
    /// The later plan of the person approved since, if any.
    pub superseded_by: Option<String>,
    /// When the approved plan is due for review.
    pub review_on: Option<NaiveDate>,
    /// "Item starts after item" constraints, as JSON: `[{"item": id, "after": id}]`.
    pub sequence: String,
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
    /// `removed` or `deferred` by the offender manager, if set aside.
    pub set_aside: Option<String>,
    pub set_aside_reason: Option<String>,
    /// The earliest start a sequence leaves it, once its plan is approved.
    pub not_before: Option<NaiveDate>,
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

/// Marks a proposed plan approved, due for review on `review_on`; false if it was
/// approved meanwhile.
pub fn approve(
    conn: &mut DbConn,
    id: &str,
    by: &str,
    at: NaiveDateTime,
    review_on: NaiveDate,
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
        sentence_plans::review_on.eq(Some(review_on)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// The plans of a person, oldest first.
pub fn of_person(conn: &mut DbConn, crn: &str) -> Result<Vec<PlanRow>, StoreError> {
    Ok(sentence_plans::table
        .filter(sentence_plans::crn.eq(crn))
        .order((sentence_plans::created_at.asc(), sentence_plans::id.asc()))
        .select(PlanRow::as_select())
        .load(conn)?)
}

/// Every order bought for a person, oldest first: what a revision compares with.
pub fn orders_of_person(conn: &mut DbConn, crn: &str) -> Result<Vec<OrderRow>, StoreError> {
    Ok(orders::table
        .filter(orders::crn.eq(crn))
        .order((orders::created_at.asc(), orders::id.asc()))
        .select(OrderRow::as_select())
        .load(conn)?)
}

/// One item.
pub fn item(conn: &mut DbConn, id: &str) -> Result<Option<PlanItemRow>, StoreError> {
    Ok(plan_items::table
        .find(id)
        .select(PlanItemRow::as_select())
        .first(conn)
        .optional()?)
}

/// Sets an item of a proposed plan aside (or back, with `None`); false if the plan is
/// no longer proposed.
pub fn set_aside(
    conn: &mut DbConn,
    plan_id: &str,
    item_id: &str,
    set_aside: Option<&str>,
    reason: Option<&str>,
) -> Result<bool, StoreError> {
    let proposed = sentence_plans::table
        .filter(sentence_plans::id.eq(plan_id))
        .filter(sentence_plans::status.eq("proposed"));
    let n = diesel::update(
        plan_items::table
            .filter(plan_items::id.eq(item_id))
            .filter(plan_items::plan_id.eq_any(proposed.select(sentence_plans::id))),
    )
    .set((
        plan_items::set_aside.eq(set_aside),
        plan_items::set_aside_reason.eq(reason),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Replaces a proposed plan's sequence; false if the plan is no longer proposed.
pub fn set_sequence(conn: &mut DbConn, plan_id: &str, sequence: &str) -> Result<bool, StoreError> {
    let n = diesel::update(
        sentence_plans::table
            .filter(sentence_plans::id.eq(plan_id))
            .filter(sentence_plans::status.eq("proposed")),
    )
    .set(sentence_plans::sequence.eq(sequence))
    .execute(conn)?;
    Ok(n == 1)
}

/// Sets the window a sequence leaves an item when its plan is approved.
pub fn set_not_before(
    conn: &mut DbConn,
    item_id: &str,
    not_before: Option<NaiveDate>,
    required_by: NaiveDate,
) -> Result<(), StoreError> {
    diesel::update(plan_items::table.find(item_id))
        .set((
            plan_items::not_before.eq(not_before),
            plan_items::required_by.eq(required_by),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks the person's other approved plans, not yet superseded, superseded by `by`.
pub fn supersede(conn: &mut DbConn, crn: &str, by: &str) -> Result<usize, StoreError> {
    Ok(diesel::update(
        sentence_plans::table
            .filter(sentence_plans::crn.eq(crn))
            .filter(sentence_plans::id.ne(by))
            .filter(sentence_plans::status.eq("approved"))
            .filter(sentence_plans::superseded_by.is_null()),
    )
    .set(sentence_plans::superseded_by.eq(Some(by)))
    .execute(conn)?)
}

/// Approved plans not superseded whose review is due on or before `on`, in `area` (all
/// areas when none), soonest first, after the plan `after` (by review date then id).
pub fn due_for_review(
    conn: &mut DbConn,
    area: Option<&str>,
    on: NaiveDate,
    after: Option<(NaiveDate, String)>,
    limit: i64,
) -> Result<Vec<PlanRow>, StoreError> {
    let mut query = sentence_plans::table
        .filter(sentence_plans::status.eq("approved"))
        .filter(sentence_plans::superseded_by.is_null())
        .filter(sentence_plans::review_on.le(on))
        .into_boxed();
    if let Some(area) = area {
        query = query.filter(sentence_plans::area_code.eq(area.to_owned()));
    }
    if let Some((date, id)) = after {
        query = query.filter(
            sentence_plans::review_on
                .gt(date)
                .or(sentence_plans::review_on
                    .eq(date)
                    .and(sentence_plans::id.gt(id))),
        );
    }
    Ok(query
        .order((sentence_plans::review_on.asc(), sentence_plans::id.asc()))
        .limit(limit)
        .select(PlanRow::as_select())
        .load(conn)?)
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
