//! What a batch matching run reads and writes in bulk: the orders it considers with
//! their people, in one query; then, a few hundred orders per transaction, the orders
//! locked, their places taken a slot at a time, their offers written in one statement
//! and the run's record brought up to date.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use provider_hub_domain::need::{RiskOfHarm, Sex};
use provider_hub_domain::order::OrderStatus;

use crate::orders::OrderRow;
use crate::schema::{
    assessments, cases, matching_runs, offers, orders, plan_items, sentence_plans as plans,
};
use crate::{DbConn, StoreError};

/// An order a run considers, with what the engine needs of its person (the case's sex
/// and date of birth, the plan's assessment's risk of harm and tier) and its plan item
/// (the first day it may start).
#[derive(Debug, Clone, Queryable)]
pub struct RunOrder {
    pub order: OrderRow,
    pub sex: Sex,
    pub date_of_birth: NaiveDate,
    pub risk_of_harm: RiskOfHarm,
    pub tier: i32,
    pub not_before: Option<NaiveDate>,
}

/// The orders in `statuses` (of `area`, or every area), in id order, with their people.
pub fn orders(
    conn: &mut DbConn,
    statuses: &[OrderStatus],
    area: Option<&str>,
) -> Result<Vec<RunOrder>, StoreError> {
    let statuses: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    let mut query = orders::table
        .inner_join(plans::table.on(plans::id.eq(orders::plan_id)))
        .inner_join(assessments::table.on(assessments::id.eq(plans::assessment_id)))
        .inner_join(cases::table.on(cases::crn.eq(orders::crn)))
        .inner_join(plan_items::table.on(plan_items::id.eq(orders::plan_item_id)))
        .filter(orders::status.eq_any(&statuses))
        .into_boxed();
    if let Some(area) = area {
        query = query.filter(orders::area_code.eq(area));
    }
    Ok(query
        .order(orders::id.asc())
        .select((
            OrderRow::as_select(),
            cases::sex,
            cases::date_of_birth,
            assessments::risk_of_serious_harm,
            assessments::tier,
            plan_items::not_before,
        ))
        .load(conn)?)
}

/// For the orders in `statuses` (of `area`, or every area): the listings that declined,
/// or let expire, an offer of each (matching's rule 8), as (order, listing).
pub fn refused(
    conn: &mut DbConn,
    statuses: &[OrderStatus],
    area: Option<&str>,
) -> Result<Vec<(String, String)>, StoreError> {
    let statuses: Vec<&str> = statuses.iter().map(|s| s.as_str()).collect();
    let mut query = offers::table
        .inner_join(orders::table.on(orders::id.eq(offers::order_id)))
        .filter(offers::status.eq_any(["declined", "expired"]))
        .filter(orders::status.eq_any(&statuses))
        .into_boxed();
    if let Some(area) = area {
        query = query.filter(orders::area_code.eq(area));
    }
    Ok(query
        .select((offers::order_id, offers::listing_id))
        .load(conn)?)
}

/// Locks the orders of `ids` until the transaction ends, in id order, and returns each
/// one's status and last change as they are now. SQLite writes one transaction at a
/// time and needs no row locks.
pub fn lock_orders(
    conn: &mut DbConn,
    ids: &[&str],
) -> Result<Vec<(String, OrderStatus, NaiveDateTime)>, StoreError> {
    let query = orders::table
        .filter(orders::id.eq_any(ids))
        .order(orders::id.asc())
        .select((orders::id, orders::status, orders::updated_at));
    Ok(match conn {
        DbConn::Pg(pg) => {
            let rows: Vec<(String, String, NaiveDateTime)> = query.for_update().load(pg)?;
            rows.into_iter()
                .map(|(id, status, at)| {
                    status
                        .parse()
                        .map(|s| (id, s, at))
                        .map_err(|e| StoreError::Corrupt(format!("orders.status: {e}")))
                })
                .collect::<Result<_, _>>()?
        }
        DbConn::Sqlite(_) => query.load(conn)?,
    })
}

/// A run's progress: what one of its transactions placed and left, added to its record.
#[derive(Debug, Clone, Default)]
pub struct Progress {
    pub placed: i32,
    pub cost_pence: i64,
    pub held_for_budget: i32,
    pub changed_meanwhile: i32,
    /// The placements, as a JSON array.
    pub placements: String,
}

/// Adds a transaction's progress to the run's record: its counts, and its placements
/// appended to the run's list.
pub fn add_progress(conn: &mut DbConn, run_id: &str, p: &Progress) -> Result<(), StoreError> {
    let run: (String,) = matching_runs::table
        .find(run_id)
        .select((matching_runs::placements,))
        .first(conn)?;
    let placements = append_json_arrays(&run.0, &p.placements);
    diesel::update(matching_runs::table.find(run_id))
        .set((
            matching_runs::placed.eq(matching_runs::placed + p.placed),
            matching_runs::total_cost_pence.eq(matching_runs::total_cost_pence + p.cost_pence),
            matching_runs::held_for_budget.eq(matching_runs::held_for_budget + p.held_for_budget),
            matching_runs::changed_meanwhile
                .eq(matching_runs::changed_meanwhile + p.changed_meanwhile),
            matching_runs::placements.eq(placements),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks the run complete.
pub fn complete(conn: &mut DbConn, run_id: &str, at: NaiveDateTime) -> Result<(), StoreError> {
    diesel::update(matching_runs::table.find(run_id))
        .set(matching_runs::completed_at.eq(Some(at)))
        .execute(conn)?;
    Ok(())
}

/// Two JSON arrays, as text, made one: `[a] + [b]`.
fn append_json_arrays(a: &str, b: &str) -> String {
    let (a, b) = (a.trim(), b.trim());
    let inner = |s: &str| {
        s.strip_prefix('[')
            .and_then(|s| s.strip_suffix(']'))
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    let (a, b) = (inner(a), inner(b));
    match (a.is_empty(), b.is_empty()) {
        (true, _) => format!("[{b}]"),
        (false, true) => format!("[{a}]"),
        (false, false) => format!("[{a},{b}]"),
    }
}

#[cfg(test)]
mod tests {
    use super::append_json_arrays;

    #[test]
    fn arrays_append_as_one() {
        assert_eq!(append_json_arrays("[]", "[1,2]"), "[1,2]");
        assert_eq!(append_json_arrays("[1]", "[]"), "[1]");
        assert_eq!(
            append_json_arrays("[1]", "[{\"a\":[2]}]"),
            "[1,{\"a\":[2]}]"
        );
        assert_eq!(append_json_arrays("[]", "[]"), "[]");
    }
}
