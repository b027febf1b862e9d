//! Batch matching runs: a commissioner places the open and unmatched orders of an area
//! (or all areas) at once, at the least total cost, and sees the saving against placing
//! them one by one in arrival order.
//!
//! A run reads and solves outside any write transaction ([`solve`]), then applies its
//! placements a few hundred orders per transaction ([`apply`]): other writes wait at
//! most for one of those, never for the whole run.

mod apply;
mod solve;

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::matching::{self as store, RunRow};
use provider_hub_store::{areas, runs as run_store, to_utc, write_transaction, DbConn};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::placement::Settings;
use crate::{naive, Actor, Error};

/// What to run.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRun {
    /// Only this area's orders; all areas when absent.
    #[serde(default)]
    #[schema(example = "SY-SHF")]
    pub area: Option<String>,
}

/// One order placed by a run.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RunPlacement {
    pub order_id: String,
    pub listing_id: String,
    pub provider_id: String,
    pub starts_on: NaiveDate,
    pub price_pence: i64,
    /// What the area's policy counts: the price plus its penalties.
    pub cost: i64,
    pub offer_id: String,
}

/// The same orders placed one by one in arrival order, for comparison.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Baseline {
    pub placed: u32,
    pub cost: i64,
}

/// A batch matching run.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunView {
    pub id: String,
    /// The area run for; absent for all areas.
    pub area: Option<String>,
    /// Open and unmatched orders looked at.
    pub orders_considered: u32,
    pub placed: u32,
    /// The sum of the placed orders' costs (price plus the policy's penalties).
    pub total_cost: i64,
    /// Arrival-order placement of the same orders on the same market.
    pub one_by_one: Baseline,
    /// `one_by_one.cost − total_cost` when both place the same number of orders; when the
    /// batch places more, the extra orders' cost is in `total_cost` and this may be negative.
    pub saving: i64,
    /// Orders the run would have placed that their area's budget for the year could not
    /// cover: they stay as they were (a single placement would hold them for a
    /// commissioner's approval), and the places they would have had went to the next
    /// best orders.
    pub held_for_budget: u32,
    /// Orders left as they were because they, or the place chosen for them, changed
    /// while the run was being solved (another request placed, cancelled or filled it).
    pub changed_meanwhile: u32,
    pub placements: Vec<RunPlacement>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// When the run's last placement was committed. Absent while the run is applying
    /// its placements, or when it was stopped part way (a crash): the placements it
    /// committed stand, and a new run places the rest.
    pub completed_at: Option<DateTime<Utc>>,
}

fn view(row: RunRow) -> Result<RunView, Error> {
    let placements: Vec<RunPlacement> = serde_json::from_str(&row.placements)
        .map_err(|e| Error::corrupt("matching_runs.placements", e))?;
    let count = |n: i32| u32::try_from(n).map_err(|e| Error::corrupt("matching_runs counts", e));
    Ok(RunView {
        orders_considered: count(row.orders_considered)?,
        placed: count(row.placed)?,
        total_cost: row.total_cost_pence,
        one_by_one: Baseline {
            placed: count(row.greedy_placed)?,
            cost: row.greedy_cost_pence,
        },
        saving: row.greedy_cost_pence - row.total_cost_pence,
        held_for_budget: count(row.held_for_budget)?,
        changed_meanwhile: count(row.changed_meanwhile)?,
        completed_at: row.completed_at.map(to_utc),
        placements,
        id: row.id,
        area: row.area_code,
        created_by: row.created_by,
        created_at: to_utc(row.created_at),
    })
}

pub fn get(conn: &mut DbConn, id: &str) -> Result<RunView, Error> {
    view(store::find_run(conn, id)?.ok_or_else(|| Error::NotFound(format!("matching run {id}")))?)
}

/// Runs batch matching: reads and solves the orders, records the run, then applies its
/// placements in short transactions — places are reserved, offers made and orders moved
/// exactly as single placements do — and marks the run complete.
pub fn run(
    conn: &mut DbConn,
    actor: &Actor,
    new: NewRun,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<RunView, Error> {
    let today = now.date_naive();
    if let Some(area) = &new.area {
        areas::find(conn, area)?.ok_or_else(|| Error::NotFound(format!("area {area}")))?;
    }
    // Open and unmatched orders, by category: a category is one market, shared by every
    // area (each order is priced by its own area's policy), in alphabetical order.
    let considered = solve::considered(conn, new.area.as_deref())?;
    let mut solved = Vec::new();
    for (category, orders) in considered.by_category {
        solved.push(solve::solve(conn, category, orders, today)?);
    }
    let count = |n: usize| i32::try_from(n).map_err(|e| Error::corrupt("count", e));
    let run_id = provider_hub_store::new_id("run");
    let row = RunRow {
        id: run_id.clone(),
        area_code: new.area.clone(),
        orders_considered: i32::try_from(considered.count)
            .map_err(|e| Error::corrupt("count", e))?,
        placed: 0,
        total_cost_pence: 0,
        greedy_cost_pence: solved.iter().map(|s| s.baseline.cost).sum(),
        greedy_placed: count(solved.iter().map(|s| s.baseline.placed).sum())?,
        placements: "[]".into(),
        created_by: actor.sub.clone(),
        created_at: naive(now),
        held_for_budget: count(solved.iter().map(|s| s.withheld).sum())?,
        changed_meanwhile: 0,
        completed_at: None,
    };
    write_transaction(conn, |tx| -> Result<(), Error> {
        store::insert_run(tx, &row)?;
        let after = serde_json::json!({
            "area": new.area, "orders_considered": considered.count,
            "one_by_one": {"placed": row.greedy_placed, "cost": row.greedy_cost_pence}
        });
        tx.audit(run_audit(
            actor,
            "matching_run.started",
            &run_id,
            after,
            now,
        ));
        Ok(())
    })?;
    let this = apply::ThisRun {
        actor,
        run_id: &run_id,
        settings,
        now,
    };
    let placed: Vec<(&solve::Solved, usize, usize)> = solved
        .iter()
        .flat_map(|s| {
            s.solution
                .assignment
                .iter()
                .enumerate()
                .filter_map(move |(o, p)| p.map(|p| (s, o, p)))
        })
        .collect();
    for chunk in placed.chunks(apply::CHUNK) {
        // Explained before the transaction begins: no lock is held while the engine runs.
        let planned = chunk
            .iter()
            .map(|(s, o, p)| apply::plan(s, *o, *p, &this))
            .collect::<Result<Vec<_>, _>>()?;
        apply::apply(conn, &this, &planned)?;
    }
    write_transaction(conn, |tx| -> Result<(), Error> {
        run_store::complete(tx, &run_id, naive(now))?;
        let done = get(tx, &run_id)?;
        let after = serde_json::json!({
            "area": done.area, "orders_considered": done.orders_considered,
            "placed": done.placed, "total_cost": done.total_cost,
            "one_by_one": done.one_by_one, "held_for_budget": done.held_for_budget,
            "changed_meanwhile": done.changed_meanwhile
        });
        tx.audit(run_audit(
            actor,
            "matching_run.completed",
            &run_id,
            after,
            now,
        ));
        Ok(())
    })?;
    get(conn, &run_id)
}

/// The audit row of a run's start or completion, with what it did as `after`.
fn run_audit<'a>(
    actor: &'a Actor,
    action: &'static str,
    run_id: &'a str,
    after: serde_json::Value,
    now: DateTime<Utc>,
) -> AuditEntry<'a> {
    AuditEntry {
        actor,
        action,
        entity_type: "matching_run",
        entity_id: run_id,
        before: None,
        after: Some(after),
        at: naive(now),
    }
}
