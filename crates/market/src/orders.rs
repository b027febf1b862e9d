//! Intervention orders: one per approved plan item. Read by the offender managers of the
//! case's area, and by the quality team and commissioners across areas; how an order reads
//! back is the read model's ([`crate::read_model::orders`]).

use chrono::{DateTime, Utc};
use provider_hub_domain::offer::OfferStatus;
use provider_hub_domain::order::{OrderEvent, OrderStatus};
use provider_hub_domain::Role;
use provider_hub_store::offers as offer_store;
use provider_hub_store::orders as store;
use provider_hub_store::orders::OrderRow;
use provider_hub_store::DbConn;
use provider_hub_store::{write_transaction, Tx};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::change::{self, OrderChange};
use crate::event_data::{OfferCancelled, OrderParked};
use crate::read_model::orders as read;
pub use crate::read_model::orders::{get, list, OfferSummary, OrderView, OwnPlacement};
use crate::{naive, Actor, Error};
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
        cancel_in(conn, actor, &order, &reason, now)?;
        read::get_as(conn, role, scope, id)
    })
}

/// Cancels `order` (read by the caller) in the caller's transaction, with its reason: its
/// pending offer withdrawn and its place released; audited and emitted.
pub(crate) fn cancel_in(
    conn: &mut Tx<'_>,
    actor: &Actor,
    order: &OrderRow,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let pending = offer_store::pending_of(conn, &order.id)?;
    // The offer withdrawn with the order: its pending one, while it is offered.
    let withdrawn = |from: OrderStatus| {
        pending
            .as_ref()
            .filter(|_| from == OrderStatus::Offered)
            .map(|offer| offer.id.as_str())
    };
    // The provider holding the order's place hears of it; so does the area.
    let placed_with = |from: OrderStatus| {
        matches!(from, OrderStatus::Offered | OrderStatus::Accepted)
            .then_some(order.provider_id.as_deref())
            .flatten()
    };
    change::transition(
        conn,
        order,
        OrderEvent::Cancel,
        |conn, from, to| {
            if let Some(offer_id) = withdrawn(from) {
                if !offer_store::answer(conn, offer_id, "cancelled", Some(reason), naive(now))? {
                    return Err(Error::conflict(
                        "the offer was answered meanwhile; read the order again",
                        None,
                    ));
                }
                change::record_about(
                    conn,
                    order,
                    ("offer", offer_id),
                    OrderChange {
                        actor,
                        action: "offer.cancelled".into(),
                        before: Some(serde_json::json!({ "status": "pending" })),
                        after: serde_json::json!({ "status": "cancelled", "reason": reason }),
                        kind: EventKind::OfferWithdrawn,
                        offer_id: Some(offer_id),
                        provider_id: placed_with(from),
                        data: OfferCancelled {
                            status: OfferStatus::Cancelled,
                            reason: reason.to_owned(),
                        }
                        .into(),
                        now,
                    },
                )?;
            }
            if matches!(from, OrderStatus::Offered | OrderStatus::Accepted) {
                crate::placement::release(conn, order, "a place freed: order cancelled", now)?;
                Ok(store::unplace(
                    conn,
                    &order.id,
                    from,
                    to,
                    Some(reason),
                    naive(now),
                )?)
            } else {
                Ok(store::cancel_unplaced(
                    conn,
                    &order.id,
                    from,
                    reason,
                    naive(now),
                )?)
            }
        },
        |from, to| OrderChange {
            actor,
            action: "order.cancelled".into(),
            before: Some(serde_json::json!({
                "status": from, "listing_id": order.listing_id, "starts_on": order.starts_on
            })),
            after: serde_json::json!({ "status": to, "reason": reason }),
            kind: EventKind::OrderCancelled,
            offer_id: withdrawn(from),
            provider_id: placed_with(from),
            data: OrderParked {
                status: to,
                previous_status: from,
                reason: Some(reason.to_owned()),
            }
            .into(),
            now,
        },
    )?;
    Ok(())
}
