//! What matching keeps: areas' policies, rematch requests and batch runs.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use provider_hub_domain::area::PolicyKind;

use crate::schema::{area_policies, matching_runs, rematch_requests};
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = area_policies)]
pub struct PolicyRow {
    pub area_code: String,
    #[diesel(serialize_as = crate::words::Word)]
    pub policy: PolicyKind,
    pub price_weight: i32,
    pub quality_weight: i32,
    pub days_weight: i32,
    pub continuity_pence: i32,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

pub fn policy(conn: &mut DbConn, area: &str) -> Result<Option<PolicyRow>, StoreError> {
    Ok(area_policies::table
        .find(area)
        .select(PolicyRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn set_policy(conn: &mut DbConn, row: &PolicyRow) -> Result<(), StoreError> {
    let updated = diesel::update(area_policies::table.find(&row.area_code))
        .set((
            area_policies::policy.eq(row.policy.as_str()),
            area_policies::price_weight.eq(row.price_weight),
            area_policies::quality_weight.eq(row.quality_weight),
            area_policies::days_weight.eq(row.days_weight),
            area_policies::continuity_pence.eq(row.continuity_pence),
            area_policies::updated_at.eq(row.updated_at),
            area_policies::updated_by.eq(&row.updated_by),
        ))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(area_policies::table)
            .values(row.clone())
            .execute(conn)?;
    }
    Ok(())
}

/// Asks the worker to retry unmatched orders of `category` (all when None).
pub fn request_rematch(
    conn: &mut DbConn,
    category: Option<&str>,
    reason: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(rematch_requests::table)
        .values((
            rematch_requests::id.eq(crate::new_id("rematch")),
            rematch_requests::category.eq(category),
            rematch_requests::reason.eq(reason),
            rematch_requests::requested_at.eq(at),
        ))
        .execute(conn)?;
    Ok(())
}

/// Takes the waiting rematch requests: (id, category) oldest first, deleting those
/// taken. Another process taking the same rows is harmless: retrying an unmatched order
/// is a conditional change.
pub fn take_rematch_requests(
    conn: &mut DbConn,
    limit: i64,
) -> Result<Vec<Option<String>>, StoreError> {
    let rows: Vec<(String, Option<String>)> = rematch_requests::table
        .order(rematch_requests::id.asc())
        .select((rematch_requests::id, rematch_requests::category))
        .limit(limit)
        .load(conn)?;
    let ids: Vec<&String> = rows.iter().map(|(id, _)| id).collect();
    diesel::delete(rematch_requests::table.filter(rematch_requests::id.eq_any(ids)))
        .execute(conn)?;
    Ok(rows.into_iter().map(|(_, c)| c).collect())
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = matching_runs)]
pub struct RunRow {
    pub id: String,
    pub area_code: Option<String>,
    pub orders_considered: i32,
    pub placed: i32,
    pub total_cost_pence: i64,
    pub greedy_cost_pence: i64,
    pub greedy_placed: i32,
    pub placements: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    /// Orders the run would have placed that their area's budget could not cover.
    pub held_for_budget: i32,
    /// Orders left as they were because they, or the place chosen for them, changed
    /// while the run was being solved.
    pub changed_meanwhile: i32,
    /// When its last placement was committed; absent while it runs, or if it was stopped.
    pub completed_at: Option<NaiveDateTime>,
}

pub fn insert_run(conn: &mut DbConn, row: &RunRow) -> Result<(), StoreError> {
    diesel::insert_into(matching_runs::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn find_run(conn: &mut DbConn, id: &str) -> Result<Option<RunRow>, StoreError> {
    Ok(matching_runs::table
        .find(id)
        .select(RunRow::as_select())
        .first(conn)
        .optional()?)
}
