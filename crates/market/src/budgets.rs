//! Areas' pooled budgets: commissioners allocate them per financial year; an order whose
//! price would take the area's spending over its allocation waits for a commissioner's
//! approval instead of being offered.

use chrono::{DateTime, Utc};
use provider_hub_domain::order::OrderEvent;
use provider_hub_domain::{Role, Scope};
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::budgets::{self as store, BudgetRow};
use provider_hub_store::orders as order_store;
use provider_hub_store::{areas, write_transaction, DbConn};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::change::{self, OrderChange};
use crate::event_data::OrderStatusChanged;
use crate::placement::{self, Settings};
use crate::read_model::budgets::{check_year, view};
pub use crate::read_model::budgets::{get, list, page, BudgetView};
use crate::read_model::orders::{self, OrderView};
use crate::{naive, Actor, Error};
use provider_hub_domain::event::EventKind;

/// The largest allocation accepted: £10,000,000,000.00.
pub const MAX_ALLOCATION_PENCE: i64 = 1_000_000_000_000;

/// A commissioner's allocation.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetBudget {
    #[schema(minimum = 0, maximum = 1000000000000_i64)]
    pub allocated_pence: i64,
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
        if crate::contributions::has_contributions(conn, area, year)? {
            return Err(Error::conflict(
                format!(
                    "the budget of {area} for {year} is funded by named contributions: its allocation is their sum, so set them instead (PUT /v1/budgets/{area}/{year}/contributions)"
                ),
                None,
            ));
        }
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
        orders::get_as(conn, Role::Commissioner, &Scope::Hub, order_id)
    })
}
