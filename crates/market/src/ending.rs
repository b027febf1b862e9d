//! Ending an order in delivery (SPEC.md §3): the offender manager of the case's area ends
//! an order in delivery or in breach proceedings with a reason (custody, breach
//! revocation, transfer, death, moved away, or a plan revision no longer needs it). The
//! order is terminated, the place it holds freed and a pending offer withdrawn; the
//! provider is told by event. Milestones already paid stay paid; a terminated order takes
//! no delivery report and no outcome, so nothing further is ever paid, and the area's
//! committed spend no longer counts the unpaid rest of its price.

use chrono::{DateTime, Utc};
use provider_hub_domain::event::EventKind;
use provider_hub_domain::offer::OfferStatus;
use provider_hub_domain::order::{EndReason, OrderEvent};
use provider_hub_domain::Role;
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::enforcement as enforcement_store;
use provider_hub_store::offers as offer_store;
use provider_hub_store::orders::{self as store, OrderRow};
use provider_hub_store::{DbConn, Tx};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::change::{self, OrderChange};
use crate::event_data::{OfferAnswered, OrderEnded};
use crate::read_model::orders::{self as read, OrderView};
use crate::{naive, retrying_transaction, Actor, Error};

/// The most characters an ending's detail may have.
pub const MAX_DETAIL_CHARS: usize = 2000;

/// An ending: why the order ends, and what the offender manager adds.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Ending {
    /// `custody`, `breach`, `transfer`, `death`, `moved_away` or `revised`.
    pub reason: EndReason,
    /// What happened, in the offender manager's words (e.g. the court and date).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub detail: Option<String>,
}

/// The detail as kept: trimmed, empty as none; too long is a field error.
pub(crate) fn detail_of(detail: Option<&str>, field: &str) -> Result<Option<String>, Error> {
    let detail = detail.map(str::trim).filter(|d| !d.is_empty());
    if detail.is_some_and(|d| d.chars().count() > MAX_DETAIL_CHARS) {
        return Err(Error::invalid(
            field,
            format!("must be at most {MAX_DETAIL_CHARS} characters"),
        ));
    }
    Ok(detail.map(str::to_owned))
}

/// An offender manager of the case's area ends an order in delivery (or in breach
/// proceedings). Any other status is a 409 naming it.
pub fn end(
    conn: &mut DbConn,
    caller: &Caller,
    id: &str,
    ending: Ending,
) -> Result<OrderView, Error> {
    let (role, scope) = (caller.role, &caller.scope);
    let detail = detail_of(ending.detail.as_deref(), "detail")?;
    if role != Role::OffenderManager {
        return Err(Error::Forbidden(
            "only an offender manager of the case's area ends an order".into(),
        ));
    }
    retrying_transaction(conn, |tx| {
        let order = store::find(tx, id)?
            .filter(|o| read::may_read(role, scope, o))
            .ok_or_else(|| Error::NotFound(format!("order {id}")))?;
        end_in(
            tx,
            &caller.actor,
            &order,
            ending.reason,
            detail.as_deref(),
            caller.now,
        )?;
        read::get_as(tx, role, scope, id)
    })
}

/// Ends `order` (as read in this transaction) inside the caller's write transaction: the
/// use cases that end orders as part of a larger change (a breach revoked, a plan
/// revision, a transfer) call this. The caller has checked who may; this checks the
/// transition (in delivery or paused → terminated, else a 409 naming the status), records
/// the reason, withdraws a pending offer, frees the place and audits and emits
/// `order.terminated` to the provider.
pub(crate) fn end_in(
    tx: &mut Tx<'_>,
    actor: &Actor,
    order: &OrderRow,
    reason: EndReason,
    detail: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let pending = offer_store::pending_of(tx, &order.id)?;
    let provider_id = order.provider_id.as_deref();
    change::transition(
        tx,
        order,
        OrderEvent::End,
        |tx, from, _| {
            if !store::end(tx, &order.id, from, reason, detail, &actor.sub, naive(now))? {
                return Ok(false);
            }
            if let Some(offer) = &pending {
                withdraw(tx, actor, order, &offer.id, &offer.listing_id, reason, now)?;
            }
            close_breach(tx, actor, &order.id, now)?;
            crate::placement::release(tx, order, "a place freed: order ended", now)?;
            Ok(true)
        },
        |from, to| OrderChange {
            actor,
            action: "order.terminated".into(),
            before: Some(serde_json::json!({ "status": from })),
            after: serde_json::json!({
                "status": to, "end_reason": reason, "detail": detail
            }),
            kind: EventKind::OrderTerminated,
            offer_id: None,
            provider_id,
            data: OrderEnded {
                status: to,
                previous_status: from,
                end_reason: reason,
                detail: detail.map(str::to_owned),
            }
            .into(),
            now,
        },
    )?;
    Ok(())
}

/// Closes the order's open breach, if it has one, as the order ends another way (a
/// revocation records its outcome first), audited on the breach: nothing is left for
/// proceedings on an order that is over.
fn close_breach(
    tx: &mut Tx<'_>,
    actor: &Actor,
    order_id: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let Some(breach) = enforcement_store::open_breach(tx, order_id)? else {
        return Ok(());
    };
    let to = breach
        .status
        .close()
        .map_err(|current| Error::conflict("the breach is over", Some(current.as_str())))?;
    if !enforcement_store::close_breach(tx, &breach.id, breach.status, &actor.sub, naive(now))? {
        return Err(Error::conflict(
            "the breach changed meanwhile; read the order again",
            None,
        ));
    }
    tx.audit(AuditEntry {
        actor,
        action: "breach.closed",
        entity_type: "breach",
        entity_id: &breach.id,
        before: Some(serde_json::json!({ "status": breach.status })),
        after: Some(serde_json::json!({ "status": to, "because": "the order ended" })),
        at: naive(now),
    });
    Ok(())
}

/// Withdraws the order's pending offer as the order ends, audited on the offer.
fn withdraw(
    tx: &mut Tx<'_>,
    actor: &Actor,
    order: &OrderRow,
    offer_id: &str,
    listing_id: &str,
    reason: EndReason,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let why = format!("the order was ended: {reason}");
    if !offer_store::answer(tx, offer_id, "withdrawn", Some(&why), naive(now))? {
        return Err(Error::conflict(
            "the offer was answered meanwhile; read the order again",
            None,
        ));
    }
    change::record_about(
        tx,
        order,
        ("offer", offer_id),
        OrderChange {
            actor,
            action: "offer.withdrawn".into(),
            before: Some(serde_json::json!({ "status": "pending" })),
            after: serde_json::json!({ "status": "withdrawn", "reason": why }),
            kind: EventKind::OfferWithdrawn,
            offer_id: Some(offer_id),
            provider_id: order.provider_id.as_deref(),
            data: OfferAnswered {
                status: OfferStatus::Withdrawn,
                reason: Some(why.clone()),
                listing_id: listing_id.to_owned(),
            }
            .into(),
            now,
        },
    )
}
