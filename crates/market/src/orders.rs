//! Intervention orders: one per approved plan item. Read by the offender managers of the
//! case's area, and by the quality team and commissioners across areas.

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::order::OrderStatus;
use provider_hub_domain::{Category, Role, Scope};
use provider_hub_store::cursor::Page;
use provider_hub_store::orders::{self as store, OrderFilter, OrderRow};
use provider_hub_store::plans;
use provider_hub_store::{to_utc, DbConn};
use serde::Serialize;
use utoipa::ToSchema;

use crate::plans::PlanItem;
use crate::Error;

/// An intervention order with the plan item it came from.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderView {
    pub id: String,
    pub plan_id: String,
    #[schema(example = "X123456")]
    pub crn: String,
    pub area: String,
    pub category: Category,
    pub specification_code: Option<String>,
    pub status: OrderStatus,
    /// The last day on which the intervention may start.
    pub required_by: NaiveDate,
    pub plan_item: PlanItem,
    /// The offender manager whose approval of the plan created it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// Who reads orders of which area.
fn may_read(role: Role, scope: &Scope, area: &str) -> bool {
    match (role, scope) {
        (Role::Quality | Role::Commissioner, _) => true,
        (Role::OffenderManager, Scope::Area(own)) => own.as_str() == area,
        _ => false,
    }
}

fn views(conn: &mut DbConn, rows: Vec<OrderRow>) -> Result<Vec<OrderView>, Error> {
    let ids: Vec<String> = rows.iter().map(|o| o.plan_item_id.clone()).collect();
    let mut items: std::collections::HashMap<String, PlanItem> = plans::items_by_id(conn, &ids)?
        .into_iter()
        .map(|row| Ok((row.id.clone(), PlanItem::from_row(row)?)))
        .collect::<Result<_, Error>>()?;
    rows.into_iter()
        .map(|row| {
            let corrupt = |what: &str, e: &dyn std::fmt::Display| {
                Error::corrupt(&format!("orders.{what} of {}", row.id), e)
            };
            Ok(OrderView {
                plan_item: items
                    .remove(&row.plan_item_id)
                    .ok_or_else(|| corrupt("plan_item_id", &"no such plan item"))?,
                category: row.category.parse().map_err(|e| corrupt("category", &e))?,
                status: row.status.parse().map_err(|e| corrupt("status", &e))?,
                id: row.id,
                plan_id: row.plan_id,
                crn: row.crn,
                area: row.area_code,
                specification_code: row.specification_code,
                required_by: row.required_by,
                created_by: row.created_by,
                created_at: to_utc(row.created_at),
                updated_at: to_utc(row.updated_at),
            })
        })
        .collect()
}

/// The orders a plan created, in creation order.
pub(crate) fn of_plan(conn: &mut DbConn, plan_id: &str) -> Result<Vec<OrderView>, Error> {
    let rows = store::of_plan(conn, plan_id)?;
    views(conn, rows)
}

pub fn get(conn: &mut DbConn, role: Role, scope: &Scope, id: &str) -> Result<OrderView, Error> {
    let row = store::find(conn, id)?
        .filter(|o| may_read(role, scope, &o.area_code))
        .ok_or_else(|| Error::NotFound(format!("order {id}")))?;
    views(conn, vec![row])?
        .pop()
        .ok_or_else(|| Error::NotFound(format!("order {id}")))
}

/// Orders the caller may read: an offender manager's area; every area for the quality
/// team and commissioners.
pub fn list(
    conn: &mut DbConn,
    role: Role,
    scope: &Scope,
    mut filter: OrderFilter,
    after: Option<String>,
    limit: usize,
) -> Result<Page<OrderView>, Error> {
    match (role, scope) {
        (Role::OffenderManager, Scope::Area(area)) => filter.area = Some(area.as_str().to_owned()),
        (Role::Quality | Role::Commissioner, _) => {}
        _ => {
            return Err(Error::Forbidden(format!(
                "the {role} role does not see intervention orders"
            )))
        }
    }
    let page = store::list(conn, &filter, after, limit)?;
    let next = page.next.clone();
    let items = views(conn, page.items)?;
    Ok(Page { items, next })
}
