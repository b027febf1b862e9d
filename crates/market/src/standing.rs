//! What a provider's suspension or revocation does to the orders it holds, in the
//! transaction of the change (SPEC.md §3 and §4 rule 3: a non-member is never placed and
//! can never accept):
//!
//! - every pending offer is withdrawn (`offer.withdrawn`), its place released and its
//!   order matched again at once — never to this provider while it is not a member;
//! - on revocation, each order it accepted but has not started is taken from it the same
//!   way (`order.provider_revoked`): the place released, the accepted offer withdrawn,
//!   the order open and matched again;
//! - on suspension, accepted orders stay with it, and each tells its offender managers
//!   (`order.provider_suspended`) so they may cancel and buy again. Orders in delivery
//!   stay with the provider either way, with the same events.

use chrono::{DateTime, Utc};
use provider_hub_domain::event::EventKind;
use provider_hub_domain::offer::OfferEvent;
use provider_hub_domain::order::{OrderEvent, OrderStatus};
use provider_hub_domain::provider::Standing;
use provider_hub_store::offers as offer_store;
use provider_hub_store::orders::{self as order_store, OrderRow};
use provider_hub_store::Tx;

use crate::change::{self, OrderChange};
use crate::event_data::ProviderStandingChanged;
use crate::offers::withdraw_and_rematch;
use crate::placement::{self, Settings};
use crate::{naive, Actor, Error};

/// Carries out what the provider's new standing means for its offers and orders.
pub(crate) fn standing_changed(
    conn: &mut Tx<'_>,
    actor: &Actor,
    provider_id: &str,
    to: Standing,
    reason: &str,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let (word, kind) = match to {
        Standing::Active => return Ok(()),
        Standing::Suspended => ("suspended", EventKind::OrderProviderSuspended),
        Standing::Revoked => ("revoked", EventKind::OrderProviderRevoked),
    };
    let why = format!("the provider was {word}");
    for offer in offer_store::pending_of_provider(conn, provider_id)? {
        withdraw_and_rematch(
            conn,
            actor,
            &offer,
            OfferEvent::Withdraw,
            Some(&why),
            settings,
            now,
        )?;
    }
    for order in order_store::held_by_provider(
        conn,
        provider_id,
        // A paused order (in breach proceedings) is still in delivery with the provider.
        &[
            OrderStatus::Accepted,
            OrderStatus::InDelivery,
            OrderStatus::Paused,
        ],
    )? {
        if to == Standing::Revoked && order.status == OrderStatus::Accepted {
            take_back(conn, actor, &order, &why, reason, settings, now)?;
        } else {
            tell(conn, actor, &order, kind, &why, reason, now)?;
        }
    }
    Ok(())
}

/// Tells the offender managers (and the provider) that the provider holding an order it
/// keeps was suspended or revoked.
fn tell(
    conn: &mut Tx<'_>,
    actor: &Actor,
    order: &OrderRow,
    kind: EventKind,
    why: &str,
    standing_reason: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let status = order.status;
    change::record(
        conn,
        order,
        OrderChange {
            actor,
            action: kind.as_str().into(),
            before: None,
            after: serde_json::json!({
                "status": order.status, "provider_id": order.provider_id, "because": why
            }),
            kind,
            offer_id: None,
            provider_id: order.provider_id.as_deref(),
            data: ProviderStandingChanged {
                status,
                previous_status: None,
                listing_id: order.listing_id.clone(),
                starts_on: order.starts_on,
                reason: if status == OrderStatus::Accepted {
                    format!("{why}; the order stays with it: cancel it to buy again")
                } else {
                    format!("{why}; the order stays with it while in delivery")
                },
                standing_reason: standing_reason.to_owned(),
            }
            .into(),
            now,
        },
    )
}

/// Takes an accepted order from a revoked provider before it starts: its accepted offer is
/// withdrawn, the place released, and the order is open and matched again at once. The
/// budget counts the order once: it is committed no more until it is accepted again.
fn take_back(
    conn: &mut Tx<'_>,
    actor: &Actor,
    order: &OrderRow,
    why: &str,
    standing_reason: &str,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let offer = offer_store::accepted_of(conn, &order.id)?;
    change::transition(
        conn,
        order,
        OrderEvent::Withdraw,
        |conn, from, to| {
            if let Some(offer) = &offer {
                crate::offers::withdraw_accepted(conn, actor, offer, why, now)?;
            }
            placement::release(conn, order, "a place freed: provider revoked", now)?;
            Ok(order_store::unplace(
                conn,
                &order.id,
                from,
                to,
                None,
                naive(now),
            )?)
        },
        |from, to| OrderChange {
            actor,
            action: "order.reopened".into(),
            before: Some(serde_json::json!({
                "status": from, "provider_id": order.provider_id,
                "listing_id": order.listing_id, "starts_on": order.starts_on
            })),
            after: serde_json::json!({ "status": to, "because": why }),
            kind: EventKind::OrderProviderRevoked,
            offer_id: offer.as_ref().map(|o| o.id.as_str()),
            provider_id: order.provider_id.as_deref(),
            data: ProviderStandingChanged {
                status: to,
                previous_status: Some(from),
                listing_id: order.listing_id.clone(),
                starts_on: order.starts_on,
                reason: format!("{why}; the order is being matched again"),
                standing_reason: standing_reason.to_owned(),
            }
            .into(),
            now,
        },
    )?;
    placement::place_open(conn, actor, &order.id, settings, now)?;
    Ok(())
}
