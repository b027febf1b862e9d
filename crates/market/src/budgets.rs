//! Areas' pooled budgets: commissioners allocate them per financial year; an order whose
//! price would take the area's spending over its allocation waits for a commissioner's
//! approval instead of being offered.

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::order::{OrderEvent, OrderStatus};
use provider_hub_domain::payment::financial_year;
use provider_hub_domain::{Role, Scope};
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::budgets::{self as store, BudgetRow};
use provider_hub_store::orders as order_store;
use provider_hub_store::{areas, to_utc, write_transaction, DbConn};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::change::{self, OrderChange};
use crate::event_data::OrderStatusChanged;
use crate::orders::{self, OrderView};
use crate::placement::{self, Settings};
use crate::{naive, Actor, Error};
use provider_hub_domain::event::EventKind;

/// The largest allocation accepted: £10,000,000,000.00.
pub const MAX_ALLOCATION_PENCE: i64 = 1_000_000_000_000;

/// An area's budget for a financial year, and what is held against it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BudgetView {
    pub area: String,
    /// April to March, named by the year it starts.
    pub financial_year: i32,
    pub allocated_pence: i64,
    /// The locked prices of accepted and in-delivery orders starting in the year.
    pub committed_pence: i64,
    /// Locked prices of orders offered and waiting for the provider's answer.
    pub offered_pence: i64,
    /// Payments made in the year.
    pub spent_pence: i64,
    /// `allocated − committed − offered −` the year's payments on orders no longer
    /// committed (completed, failed, cancelled): payments on committed orders are part of
    /// their locked price already. Negative when a commissioner approved spend over budget.
    pub remaining_pence: i64,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

/// A commissioner's allocation.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetBudget {
    #[schema(minimum = 0, maximum = 1000000000000_i64)]
    pub allocated_pence: i64,
}

/// The first and last day of a financial year.
fn year_days(year: i32) -> Option<(NaiveDate, NaiveDate)> {
    Some((
        NaiveDate::from_ymd_opt(year, 4, 1)?,
        NaiveDate::from_ymd_opt(year + 1, 3, 31)?,
    ))
}

fn check_year(year: i32) -> Result<(NaiveDate, NaiveDate), Error> {
    if !(2000..=2100).contains(&year) {
        return Err(Error::NotFound(format!("financial year {year}")));
    }
    year_days(year).ok_or_else(|| Error::NotFound(format!("financial year {year}")))
}

fn view(conn: &mut DbConn, row: BudgetRow) -> Result<BudgetView, Error> {
    let (from, to) = check_year(row.financial_year)?;
    let committed_orders = store::held(
        conn,
        &row.area_code,
        &[
            OrderStatus::Accepted.as_str(),
            OrderStatus::InDelivery.as_str(),
        ],
        from,
        to,
    )?;
    let committed: i64 = committed_orders.iter().map(|(price, _)| price).sum();
    let paid_on_committed: i64 = committed_orders.iter().map(|(_, paid)| paid).sum();
    let offered: i64 = store::held(
        conn,
        &row.area_code,
        &[OrderStatus::Offered.as_str()],
        from,
        to,
    )?
    .iter()
    .map(|(price, _)| price)
    .sum();
    let spent = store::spent(conn, &row.area_code, row.financial_year)?;
    // Payments on orders still committed are part of their locked price already.
    let spent_elsewhere = spent - paid_on_committed.min(spent);
    Ok(BudgetView {
        remaining_pence: row.allocated_pence - committed - offered - spent_elsewhere,
        area: row.area_code,
        financial_year: row.financial_year,
        allocated_pence: row.allocated_pence,
        committed_pence: committed,
        offered_pence: offered,
        spent_pence: spent,
        updated_at: to_utc(row.updated_at),
        updated_by: row.updated_by,
    })
}

pub fn get(conn: &mut DbConn, area: &str, year: i32) -> Result<BudgetView, Error> {
    check_year(year)?;
    let row = store::find(conn, area, year)?
        .ok_or_else(|| Error::NotFound(format!("budget of {area} for financial year {year}")))?;
    view(conn, row)
}

pub fn list(conn: &mut DbConn) -> Result<Vec<BudgetView>, Error> {
    store::all(conn)?
        .into_iter()
        .map(|row| view(conn, row))
        .collect()
}

/// Sets an area's allocation for a financial year.
pub fn set(
    conn: &mut DbConn,
    actor: &Actor,
    area: &str,
    year: i32,
    setting: SetBudget,
    now: DateTime<Utc>,
) -> Result<BudgetView, Error> {
    check_year(year)?;
    if !(0..=MAX_ALLOCATION_PENCE).contains(&setting.allocated_pence) {
        return Err(Error::invalid(
            "allocated_pence",
            format!("must be 0-{MAX_ALLOCATION_PENCE}"),
        ));
    }
    write_transaction(conn, |conn| {
        areas::find(conn, area)?.ok_or_else(|| Error::NotFound(format!("area {area}")))?;
        let before = store::find(conn, area, year)?;
        let row = BudgetRow {
            area_code: area.to_owned(),
            financial_year: year,
            allocated_pence: setting.allocated_pence,
            updated_at: naive(now),
            updated_by: actor.sub.clone(),
        };
        store::set(conn, &row)?;
        conn.audit(AuditEntry {
            actor,
            action: "budget.set",
            entity_type: "budget",
            entity_id: &format!("{area}/{year}"),
            before: before.map(|b| serde_json::json!({ "allocated_pence": b.allocated_pence })),
            after: Some(serde_json::json!({ "allocated_pence": row.allocated_pence })),
            at: naive(now),
        });
        view(conn, row)
    })
}

/// Would an order of `area` at `price_pence` starting on `starts_on` take the area's
/// spending in that financial year over its allocation? Takes the budget's lock, so the
/// checks of concurrent placements come one after another and never overcommit. An area
/// with no budget for the year is not limited.
pub(crate) fn over_budget(
    conn: &mut DbConn,
    area: &str,
    starts_on: NaiveDate,
    price_pence: i64,
) -> Result<bool, Error> {
    let year = financial_year(starts_on);
    if !store::lock(conn, area, year)? {
        return Ok(false);
    }
    let Some(row) = store::find(conn, area, year)? else {
        return Ok(false);
    };
    let budget = view(conn, row)?;
    Ok(price_pence > budget.remaining_pence)
}

/// A commissioner approves an order's spend over budget: it is matched at once, without
/// the budget check.
pub fn approve(
    conn: &mut DbConn,
    actor: &Actor,
    order_id: &str,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<OrderView, Error> {
    write_transaction(conn, |conn| {
        let order = order_store::find(conn, order_id)?
            .ok_or_else(|| Error::NotFound(format!("order {order_id}")))?;
        change::transition(
            conn,
            &order,
            OrderEvent::ApproveBudget,
            |conn, _, _| {
                Ok(order_store::approve_budget(
                    conn,
                    order_id,
                    &actor.sub,
                    naive(now),
                )?)
            },
            |from, to| OrderChange {
                actor,
                action: "order.budget_approved".into(),
                before: Some(serde_json::json!({ "status": from })),
                after: serde_json::json!({ "status": to, "approved_by": actor.sub }),
                kind: EventKind::OrderBudgetApproved,
                offer_id: None,
                provider_id: None,
                data: OrderStatusChanged {
                    status: to,
                    previous_status: from,
                }
                .into(),
                now,
            },
        )?;
        placement::place_open(conn, actor, order_id, settings, now)?;
        orders::get(conn, Role::Commissioner, &Scope::Hub, order_id)
    })
}
