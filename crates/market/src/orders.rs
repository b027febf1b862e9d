//! Intervention orders: one per approved plan item. Read by the offender managers of the
//! case's area, and by the quality team and commissioners across areas; how an order reads
//! back is the read model's ([`crate::read_model::orders`]).

use provider_hub_domain::order::{OrderEvent, OrderStatus};
use provider_hub_domain::Role;
use provider_hub_store::audit::{self, AuditEntry};
use provider_hub_store::offers as offer_store;
use provider_hub_store::orders as store;
use provider_hub_store::write_transaction;
use provider_hub_store::DbConn;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::events;
use crate::read_model::orders as read;
pub use crate::read_model::orders::{get, list, OfferSummary, OrderView, OwnPlacement};
use crate::{naive, Error};
use provider_hub_domain::event::EventKind;

/// A cancellation, with its reason.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cancellation {
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Cancels an order not yet in delivery (an offender manager of the case's area); the
/// place it holds, if any, is released and a pending offer is withdrawn.
pub fn cancel(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    cancellation: Cancellation,
) -> Result<OrderView, Error> {
    let (actor, role, scope, now) = (&caller.actor, caller.role, &caller.scope, caller.now);
    let reason = cancellation.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(Error::invalid("reason", "must be 1-2000 characters"));
    }
    if role != Role::OffenderManager {
        return Err(Error::Forbidden(
            "only an offender manager of the case's area cancels an order".into(),
        ));
    }
    write_transaction(conn, |conn| {
        let order = store::find(conn, id)?
            .filter(|o| read::may_read(role, scope, o))
            .ok_or_else(|| Error::NotFound(format!("order {id}")))?;
        let from: OrderStatus = order
            .status
            .parse()
            .map_err(|e| Error::corrupt("orders.status", e))?;
        from.apply(OrderEvent::Cancel)?;
        let mut offer_id = None;
        if from == OrderStatus::Offered {
            if let Some(offer) = offer_store::pending_of(conn, id)? {
                if !offer_store::answer(conn, &offer.id, "cancelled", Some(&reason), naive(now))? {
                    return Err(Error::conflict(
                        "the offer was answered meanwhile; read the order again",
                        None,
                    ));
                }
                offer_id = Some(offer.id);
            }
        }
        let changed = if matches!(from, OrderStatus::Offered | OrderStatus::Accepted) {
            crate::placement::release(conn, &order, "a place freed: order cancelled", now)?;
            store::unplace(
                conn,
                id,
                from,
                OrderStatus::Cancelled,
                Some(&reason),
                naive(now),
            )?
        } else {
            store::cancel_unplaced(conn, id, from, &reason, naive(now))?
        };
        if !changed {
            return Err(Error::conflict(
                "the order changed meanwhile; read it again",
                None,
            ));
        }
        if let Some(offer_id) = &offer_id {
            audit::record(
                conn,
                AuditEntry {
                    actor,
                    action: "offer.cancelled",
                    entity_type: "offer",
                    entity_id: offer_id,
                    before: Some(serde_json::json!({ "status": "pending" })),
                    after: Some(serde_json::json!({ "status": "cancelled", "reason": reason })),
                    at: naive(now),
                },
            )?;
        }
        audit::record(
            conn,
            AuditEntry {
                actor,
                action: "order.cancelled",
                entity_type: "order",
                entity_id: id,
                before: Some(serde_json::json!({
                    "status": from, "listing_id": order.listing_id, "starts_on": order.starts_on
                })),
                after: Some(serde_json::json!({ "status": "cancelled", "reason": reason })),
                at: naive(now),
            },
        )?;
        // The provider holding the order's place hears of it; so does the area.
        let placed_with = matches!(from, OrderStatus::Offered | OrderStatus::Accepted)
            .then_some(order.provider_id.as_deref())
            .flatten();
        if let Some(offer_id) = &offer_id {
            events::emit(
                conn,
                EventKind::OfferWithdrawn,
                &order,
                Some(offer_id),
                placed_with,
                serde_json::json!({ "status": "cancelled", "reason": reason }),
                now,
            )?;
        }
        events::emit(
            conn,
            EventKind::OrderCancelled,
            &order,
            offer_id.as_deref(),
            placed_with,
            serde_json::json!({
                "status": "cancelled", "previous_status": from, "reason": reason
            }),
            now,
        )?;
        read::get_as(conn, role, scope, id)
    })
}
