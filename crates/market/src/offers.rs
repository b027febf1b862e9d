//! Offers: a provider sees its own and accepts or declines them; a declined or expired
//! offer releases its place and the order is matched again, never to that listing. A
//! provider that is not a member for the order's category on the start date cannot accept;
//! its pending offers are withdrawn when it is suspended or revoked.

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::offer::{OfferEvent, OfferStatus};
use provider_hub_domain::order::OrderEvent;
use provider_hub_domain::provider;
use provider_hub_domain::Category;
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::cursor::Page;
use provider_hub_store::offers::{self as store, OfferFilter, OfferRow};
use provider_hub_store::orders as order_store;
use provider_hub_store::providers as provider_store;
use provider_hub_store::{to_utc, write_transaction, DbConn, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::{self, Caller, Objects};
use crate::change::{self, OrderChange};
use crate::event_data::{OfferAccepted, OfferAnswered};
use crate::placement::{self, Settings};
use crate::read_model::names::SpecificationRef;
use crate::{naive, Actor, Error};
use provider_hub_domain::event::EventKind;

/// What an offer's status may be.
pub const STATUSES: &[&str] = &[
    "pending",
    "accepted",
    "declined",
    "expired",
    "cancelled",
    "withdrawn",
];

/// An offer as its provider sees it: what is asked, for whom (by case reference only),
/// by when, at what price, and until when it may be answered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferView {
    pub id: String,
    pub order_id: String,
    pub listing_id: String,
    /// The listing's title, beside its id.
    pub listing_title: String,
    pub provider_id: String,
    /// The provider's name, beside its id.
    pub provider_name: String,
    /// The specification version the listing delivers to.
    pub specification: SpecificationRef,
    /// `pending`, `accepted`, `declined`, `expired`, `cancelled` or `withdrawn` (the
    /// provider was suspended or revoked).
    pub status: String,
    #[schema(example = "X123456")]
    pub crn: String,
    pub area: String,
    pub category: Category,
    pub specification_code: Option<String>,
    /// The start date of the place reserved.
    pub starts_on: NaiveDate,
    /// The latest start the plan allows.
    pub required_by: NaiveDate,
    /// The price locked for this order: the listing's price × the person's multiplier.
    pub price_pence: i64,
    /// The listing's own price (absent for offers made before price multipliers).
    pub list_price_pence: Option<i64>,
    /// The person's price multiplier, in basis points (10000 = ×1.00), by their risk tier
    /// and risk of serious harm under the specification's payment model.
    pub multiplier_bps: Option<u32>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub answered_at: Option<DateTime<Utc>>,
    /// The provider's reason for declining, the reason the order was cancelled, or why
    /// the offer was withdrawn.
    pub reason: Option<String>,
}

/// A provider's refusal, with its reason.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Refusal {
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "\\S",
        example = "no key worker free on that date"
    )]
    pub reason: String,
}

fn view(conn: &mut DbConn, row: OfferRow) -> Result<OfferView, Error> {
    views(conn, vec![row])?
        .pop()
        .ok_or_else(|| Error::corrupt("offers", "an offer read as none"))
}

/// Offers as their provider sees them, in the order given: one query each for their
/// orders and their listings' names, however many offers.
fn views(conn: &mut DbConn, rows: Vec<OfferRow>) -> Result<Vec<OfferView>, Error> {
    let order_ids: Vec<String> = rows.iter().map(|o| o.order_id.clone()).collect();
    let orders: std::collections::HashMap<String, order_store::OrderRow> =
        order_store::find_many(conn, &order_ids)?
            .into_iter()
            .map(|o| (o.id.clone(), o))
            .collect();
    let listing_ids: Vec<String> = rows.iter().map(|o| o.listing_id.clone()).collect();
    let names = provider_hub_store::names::of_listings(conn, &listing_ids)?;
    rows.into_iter()
        .map(|row| {
            let order = orders
                .get(&row.order_id)
                .cloned()
                .ok_or_else(|| Error::corrupt("offers.order_id", "no such order"))?;
            let names = names
                .get(&row.listing_id)
                .ok_or_else(|| Error::corrupt("offers.listing_id", "no such listing"))?;
            Ok(view_of(row, order, names))
        })
        .collect()
}

fn view_of(
    row: OfferRow,
    order: order_store::OrderRow,
    names: &provider_hub_store::names::ListingNames,
) -> OfferView {
    // The order's pricing is the offer's while the order holds this offer's place.
    let same = order.listing_id.as_deref() == Some(row.listing_id.as_str())
        && order.price_pence == Some(row.price_pence);
    OfferView {
        listing_title: names.listing_title.clone(),
        provider_name: names.provider_name.clone(),
        specification: SpecificationRef::of(names),
        list_price_pence: order.list_price_pence.filter(|_| same),
        multiplier_bps: order
            .multiplier_bps
            .filter(|_| same)
            .and_then(|m| u32::try_from(m).ok()),
        category: order.category,
        crn: order.crn,
        area: order.area_code,
        specification_code: order.specification_code,
        required_by: order.required_by,
        id: row.id,
        order_id: row.order_id,
        listing_id: row.listing_id,
        provider_id: row.provider_id,
        status: row.status.as_str().to_owned(),
        starts_on: row.starts_on,
        price_pence: row.price_pence,
        expires_at: to_utc(row.expires_at),
        created_at: to_utc(row.created_at),
        answered_at: row.answered_at.map(to_utc),
        reason: row.reason,
    }
}

/// Offers the caller may see: a provider its own; the quality team all.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    status: Option<String>,
    after: Option<String>,
    limit: usize,
) -> Result<Page<OfferView>, Error> {
    let (role, scope) = (caller.role, &caller.scope);
    if let Some(s) = &status {
        if !STATUSES.contains(&s.as_str()) {
            return Err(Error::invalid(
                "status",
                format!("must be one of {}", STATUSES.join(", ")),
            ));
        }
    }
    let provider_id = access::reach(role, scope, Objects::Offers)
        .ok_or_else(|| access::not_a_reader(role, Objects::Offers, "offers"))?
        .provider();
    let filter = OfferFilter {
        provider_id,
        status,
    };
    let page = store::list(conn, &filter, after, limit)?;
    Ok(Page {
        items: views(conn, page.items)?,
        next: page.next,
    })
}

/// The caller's own offer, or 404 as if it did not exist.
fn own(conn: &mut DbConn, provider_id: &str, id: &str) -> Result<OfferRow, Error> {
    store::find(conn, id)?
        .filter(|o| o.provider_id == provider_id)
        .ok_or_else(|| Error::NotFound(format!("offer {id}")))
}

fn pending(offer: &OfferRow, now: DateTime<Utc>) -> Result<(), Error> {
    if !offer.status.is_pending() {
        let why = match (&offer.reason, offer.status) {
            (Some(reason), OfferStatus::Withdrawn) => format!(" ({reason})"),
            _ => String::new(),
        };
        return Err(Error::conflict(
            format!(
                "the offer is {}{why}, not waiting for an answer",
                offer.status
            ),
            Some(offer.status.as_str()),
        ));
    }
    if naive(now) >= offer.expires_at {
        return Err(Error::conflict(
            format!(
                "the offer expired at {}; the order is being matched again",
                to_utc(offer.expires_at).to_rfc3339()
            ),
            Some("expired"),
        ));
    }
    Ok(())
}

/// Refuses, with the reason, a provider that is not a member for the order's category on
/// the offer's start date (SPEC.md §3: such a provider can never accept).
fn member_on_start(conn: &mut DbConn, offer: &OfferRow, category: Category) -> Result<(), Error> {
    let row = provider_store::find(conn, &offer.provider_id)?
        .ok_or_else(|| Error::corrupt("offers.provider_id", "no such provider"))?;
    let accreditations = provider_store::accreditations_of(conn, std::slice::from_ref(&row.id))?
        .iter()
        .map(provider_store::AccreditationRow::to_domain)
        .collect::<Result<Vec<_>, _>>()?;
    let (threshold, _, _) = provider_store::threshold(conn)?;
    let standing = row.standing;
    match provider::not_member_because(
        standing,
        &accreditations,
        category,
        threshold,
        offer.starts_on,
    ) {
        None => Ok(()),
        Some(because) => Err(Error::conflict(
            format!(
                "provider {} is not a member for {category} on the start date {}: {because}; \
                 it cannot accept this offer (the offer is {})",
                offer.provider_id, offer.starts_on, offer.status
            ),
            Some(offer.status.as_str()),
        )),
    }
}

/// Records the audit row of a pending offer's answer (the event reporting it is recorded
/// with its order's change).
fn audit_offer(
    tx: &mut Tx<'_>,
    actor: &Actor,
    action: &str,
    offer_id: &str,
    after: serde_json::Value,
    now: DateTime<Utc>,
) {
    tx.audit(AuditEntry {
        actor,
        action,
        entity_type: "offer",
        entity_id: offer_id,
        before: Some(serde_json::json!({ "status": "pending" })),
        after: Some(after),
        at: naive(now),
    });
}

/// The provider accepts: the order is `accepted` and its start date committed. A provider
/// that is not a member for the order's category on the start date is refused.
pub fn accept(
    conn: &mut DbConn,
    actor: &Actor,
    provider_id: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<OfferView, Error> {
    write_transaction(conn, |conn| {
        let offer = own(conn, provider_id, id)?;
        let order = order_store::find(conn, &offer.order_id)?
            .ok_or_else(|| Error::corrupt("offers.order_id", "no such order"))?;
        member_on_start(conn, &offer, order.category)?;
        pending(&offer, now)?;
        let accepted = offer.status.apply(OfferEvent::Accept)?;
        change::transition(
            conn,
            &order,
            OrderEvent::Accept,
            |conn, from, to| {
                if !store::answer(conn, id, accepted.as_str(), None, naive(now))? {
                    return Err(Error::conflict(
                        "the offer or its order changed meanwhile; read it again",
                        None,
                    ));
                }
                audit_offer(
                    conn,
                    actor,
                    "offer.accepted",
                    id,
                    serde_json::json!({ "status": "accepted" }),
                    now,
                );
                Ok(order_store::set_status(
                    conn,
                    &offer.order_id,
                    from,
                    to,
                    naive(now),
                )?)
            },
            |from, to| OrderChange {
                actor,
                action: "order.accepted".into(),
                before: Some(serde_json::json!({ "status": from })),
                after: serde_json::json!({
                    "status": to, "committed_start_date": offer.starts_on
                }),
                kind: EventKind::OfferAccepted,
                offer_id: Some(&offer.id),
                provider_id: Some(&offer.provider_id),
                data: OfferAccepted {
                    status: to,
                    listing_id: offer.listing_id.clone(),
                    price_pence: offer.price_pence,
                    committed_start_date: offer.starts_on,
                }
                .into(),
                now,
            },
        )?;
        let row = own(conn, provider_id, id)?;
        view(conn, row)
    })
}

/// Takes a pending offer off its order (declined, expired, or withdrawn because its
/// provider was suspended or revoked): the place is released, the order is open again and
/// is matched at once — never to this listing after a decline or expiry, never to a
/// provider that is not a member.
pub(crate) fn withdraw_and_rematch(
    conn: &mut Tx<'_>,
    actor: &Actor,
    offer: &OfferRow,
    event: OfferEvent,
    reason: Option<&str>,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let to = offer.status.apply(event)?;
    let (order_event, kind) = match event {
        OfferEvent::Expire => (OrderEvent::Decline, EventKind::OfferExpired),
        OfferEvent::Withdraw => (OrderEvent::Withdraw, EventKind::OfferWithdrawn),
        _ => (OrderEvent::Decline, EventKind::OfferDeclined),
    };
    let answer = to;
    let to = to.as_str();
    if !store::answer(conn, &offer.id, to, reason, naive(now))? {
        return Err(Error::conflict(
            "the offer was answered meanwhile; read it again",
            None,
        ));
    }
    let order = order_store::find(conn, &offer.order_id)?
        .ok_or_else(|| Error::corrupt("offers.order_id", "no such order"))?;
    change::transition(
        conn,
        &order,
        order_event,
        |conn, from, reopened| {
            if !order_store::unplace(conn, &order.id, from, reopened, None, naive(now))? {
                return Ok(false);
            }
            audit_offer(
                conn,
                actor,
                &format!("offer.{to}"),
                &offer.id,
                serde_json::json!({ "status": to, "reason": reason }),
                now,
            );
            Ok(true)
        },
        |from, reopened| OrderChange {
            actor,
            action: "order.reopened".into(),
            before: Some(serde_json::json!({
                "status": from, "listing_id": order.listing_id, "starts_on": order.starts_on
            })),
            after: serde_json::json!({ "status": reopened, "because": format!("offer {to}") }),
            kind,
            offer_id: Some(&offer.id),
            provider_id: Some(&offer.provider_id),
            data: OfferAnswered {
                status: answer,
                reason: reason.map(str::to_owned),
                listing_id: offer.listing_id.clone(),
            }
            .into(),
            now,
        },
    )?;
    // The place is freed after the order is matched again (never to the same listing).
    // Places are taken and given back in shares other transactions do not hold (see
    // provider_hub_store::capacity), so two such changes each freeing the other's next
    // place wait for each other only when every share of a date is held; PostgreSQL then
    // ends the cycle and the answer runs again.
    placement::place_open(conn, actor, &order.id, settings, now)?;
    placement::release(conn, &order, &format!("a place freed: offer {to}"), now)?;
    Ok(())
}

/// The provider declines, with a reason.
pub fn decline(
    conn: &mut DbConn,
    actor: &Actor,
    provider_id: &str,
    id: &str,
    refusal: Refusal,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<OfferView, Error> {
    let reason = refusal.reason.trim().to_owned();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err(Error::invalid(
            "reason",
            "must be 1-2000 characters, not all spaces",
        ));
    }
    crate::retrying_transaction(conn, |conn| {
        let offer = own(conn, provider_id, id)?;
        pending(&offer, now)?;
        withdraw_and_rematch(
            conn,
            actor,
            &offer,
            OfferEvent::Decline,
            Some(&reason),
            settings,
            now,
        )?;
        let row = own(conn, provider_id, id)?;
        view(conn, row)
    })
}

/// Expires the offers whose time is up, each in its own transaction, and matches their
/// orders again. The expiry is a conditional change, so several server processes may
/// sweep at once and each offer expires exactly once. Returns how many expired.
pub fn expire_due(
    conn: &mut DbConn,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let actor = placement::system_actor();
    let mut expired = 0;
    for id in store::due(conn, naive(now), 500)? {
        let outcome = crate::retrying_transaction(conn, |conn| {
            let Some(offer) = store::find(conn, &id)? else {
                return Ok(false);
            };
            if !offer.status.is_pending() {
                return Ok(false);
            }
            withdraw_and_rematch(
                conn,
                &actor,
                &offer,
                OfferEvent::Expire,
                None,
                settings,
                now,
            )?;
            Ok(true)
        });
        match outcome {
            Ok(true) => expired += 1,
            Ok(false) => {}
            // Answered, or expired by another process, in the meantime: rolled back.
            Err(Error::Conflict { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(expired)
}

/// Withdraws an order's accepted offer, inside the change that takes the order back (its
/// provider hears of it by that change's event): refused by the offer's state machine
/// unless accepted, written only if it is still accepted (else 409), audited.
pub(crate) fn withdraw_accepted(
    tx: &mut Tx<'_>,
    actor: &Actor,
    offer: &OfferRow,
    why: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    offer.status.apply(OfferEvent::Withdraw)?;
    if !store::withdraw_accepted(tx, &offer.id, why, now.date_naive())? {
        return Err(Error::conflict(
            "the offer changed meanwhile; try again",
            None,
        ));
    }
    tx.audit(AuditEntry {
        actor,
        action: "offer.withdrawn",
        entity_type: "offer",
        entity_id: &offer.id,
        before: Some(serde_json::json!({ "status": "accepted" })),
        after: Some(serde_json::json!({ "status": "withdrawn", "reason": why })),
        at: naive(now),
    });
    Ok(())
}
