//! A change to an order as one step of a use case's unit of work ([`Tx`]): its status
//! moved by the domain's state machine, the conditional update that writes it, and its
//! audit row and event, recorded together — a change is never written without either.
//! And the same for any entity with a status of its own ([`transition_of`]): an
//! assessment, a listing, a provider's standing, a specification version.

use chrono::{DateTime, Utc};
use provider_hub_domain::assessment::AssessmentStatus;
use provider_hub_domain::event::EventKind;
use provider_hub_domain::listing::ListingStatus;
use provider_hub_domain::order::{OrderEvent, OrderStatus};
use provider_hub_domain::provider::Standing;
use provider_hub_domain::specification::SpecificationStatus;
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::orders::{self as order_store, OrderRow};
use provider_hub_store::{Change, Tx};

use crate::events::{self, EventData};
use crate::{naive, Actor, Error};

/// What a change to an order records: the audit row of the order (its action, the state
/// before and after) and the event that reports it.
pub(crate) struct OrderChange<'a> {
    pub actor: &'a Actor,
    /// The audit action, e.g. `order.cancelled`.
    pub action: String,
    pub before: Option<serde_json::Value>,
    pub after: serde_json::Value,
    pub kind: EventKind,
    /// The offer the event is about, if any.
    pub offer_id: Option<&'a str>,
    /// The provider the event concerns (its webhook receives it), if any.
    pub provider_id: Option<&'a str>,
    pub data: EventData,
    pub now: DateTime<Utc>,
}

/// Records a change to `order` in the transaction: its audit row and its event.
pub(crate) fn record(
    tx: &mut Tx<'_>,
    order: &OrderRow,
    change: OrderChange<'_>,
) -> Result<(), Error> {
    record_about(tx, order, ("order", &order.id), change)
}

/// Records a change the event about `order` reports, audited as a change to `entity`
/// (its type and id): an offer's answer, audited on the offer.
pub(crate) fn record_about(
    tx: &mut Tx<'_>,
    order: &OrderRow,
    entity: (&str, &str),
    change: OrderChange<'_>,
) -> Result<(), Error> {
    let event = events::new_event(
        change.kind,
        order,
        change.offer_id,
        change.provider_id,
        change.data,
        change.now,
    )?;
    tx.record(Change {
        audit: AuditEntry {
            actor: change.actor,
            action: &change.action,
            entity_type: entity.0,
            entity_id: entity.1,
            before: change.before,
            after: Some(change.after),
            at: naive(change.now),
        },
        event: Some(event),
    });
    Ok(())
}

/// Moves `order` by `event`: checks the transition in the domain's state machine (a
/// refused one is a 409 naming the order's status), runs `update` with the status it
/// moves from and to — the conditional write, false when the order changed meanwhile,
/// which is a 409 naming the status it has now — and records the change `change`
/// describes. Returns the status it moved to.
pub(crate) fn transition<'a>(
    tx: &mut Tx<'_>,
    order: &OrderRow,
    event: OrderEvent,
    update: impl FnOnce(&mut Tx<'_>, OrderStatus, OrderStatus) -> Result<bool, Error>,
    change: impl FnOnce(OrderStatus, OrderStatus) -> OrderChange<'a>,
) -> Result<OrderStatus, Error> {
    let from = order.status;
    let to = from.apply(event)?;
    if !update(tx, from, to)? {
        return Err(changed_meanwhile(tx, &order.id));
    }
    record(tx, order, change(from, to))?;
    Ok(to)
}

/// The conflict of a conditional update that found the order changed: with its status
/// now, when it can be read.
fn changed_meanwhile(tx: &mut Tx<'_>, order_id: &str) -> Error {
    let current = order_store::find(tx, order_id)
        .ok()
        .flatten()
        .map(|o| o.status);
    conflict_meanwhile("order", current)
}

/// A status a [`transition_of`] moves: its wire name, which a conflict reports.
pub(crate) trait Status: Copy {
    fn name(self) -> &'static str;
}

macro_rules! status {
    ($($ty:ty),+) => {
        $(impl Status for $ty {
            fn name(self) -> &'static str {
                self.as_str()
            }
        })+
    };
}

status!(
    AssessmentStatus,
    ListingStatus,
    OrderStatus,
    SpecificationStatus,
    Standing
);

/// The entity a [`transition_of`] moves: its audit type (also what a conflict calls it),
/// its audit id, and its status as read.
pub(crate) struct Subject<'s, S> {
    pub entity_type: &'static str,
    pub id: &'s str,
    pub status: S,
}

/// The audit row of a transition, but for the entity it is about.
pub(crate) struct Audit<'a> {
    pub actor: &'a Actor,
    /// The audit action, e.g. `listing.published`.
    pub action: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub now: DateTime<Utc>,
}

/// Moves `subject` from its status as read: `check` is the domain's state machine (the
/// status it moves to, or the refusal), `update` the conditional write from and to —
/// false when the entity changed meanwhile, a 409 naming the status `current` re-reads —
/// and `audit` reads what the change left and builds its audit row, which is recorded;
/// what else it read is returned.
pub(crate) fn transition_of<'a, S: Status, T>(
    tx: &mut Tx<'_>,
    subject: Subject<'_, S>,
    check: impl FnOnce(S) -> Result<S, Error>,
    update: impl FnOnce(&mut Tx<'_>, S, S) -> Result<bool, Error>,
    current: impl FnOnce(&mut Tx<'_>) -> Option<S>,
    audit: impl FnOnce(&mut Tx<'_>, S, S) -> Result<(Audit<'a>, T), Error>,
) -> Result<T, Error> {
    let from = subject.status;
    let to = check(from)?;
    if !update(tx, from, to)? {
        let now = current(tx);
        return Err(conflict_meanwhile(subject.entity_type, now));
    }
    let (entry, read) = audit(tx, from, to)?;
    tx.audit(AuditEntry {
        actor: entry.actor,
        action: entry.action,
        entity_type: subject.entity_type,
        entity_id: subject.id,
        before: entry.before,
        after: entry.after,
        at: naive(entry.now),
    });
    Ok(read)
}

/// The conflict of a conditional update that found the entity changed: with its status
/// now, when it could be read.
fn conflict_meanwhile<S: Status>(entity_type: &str, current: Option<S>) -> Error {
    Error::conflict(
        format!("the {entity_type} changed meanwhile; read it again"),
        current.map(S::name),
    )
}
