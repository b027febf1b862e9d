//! Transfers between areas (SPEC.md §2, "Transfer"): an offender manager of the sending
//! area moves a case to another area. In one transaction the case, its assessments and
//! plans move; each unfinished order moves by the domain's rule
//! ([`provider_hub_domain::transfer::transfer_action`]): it continues with its provider
//! (its listing serves the new area), or it is matched again in the new area (its place
//! freed, a pending or accepted offer withdrawn), or — in delivery with a provider that
//! does not serve the new area — it is ended (reason `transfer`, milestones paid stay paid)
//! and bought anew there: a new order for a copy of its plan item, matched in the new area.
//!
//! Where money is counted: an order's area (`orders.area_code`) is the area whose budget
//! holds its commitment, and a payment's area (`payments.area_code`) is the area that paid
//! it, written when paid and never moved. A transfer moves the unfinished orders, so their
//! commitment (less what the sending area already paid, which stays its spend) moves to
//! the receiving area; finished orders stay with the sending area as its history.

use chrono::{DateTime, Utc};
use provider_hub_domain::area::AreaCode;
use provider_hub_domain::event::EventKind;
use provider_hub_domain::offer::OfferEvent;
use provider_hub_domain::order::{EndReason, OrderEvent, OrderStatus};
use provider_hub_domain::transfer::{transfer_action, Moving, TransferAction};
use provider_hub_domain::Role;
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::cursor::Page;
use provider_hub_store::offers as offer_store;
use provider_hub_store::orders::{self as order_store, OrderRow};
use provider_hub_store::plans::{self, PlanItemRow};
use provider_hub_store::transfers::{self as store, TransferRow};
use provider_hub_store::{areas, cases, listings, to_utc, DbConn, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::{self, Caller, Objects};
use crate::change::{self, OrderChange};
use crate::ending::end_in;
use crate::event_data::{OrderReopened, OrderTransferred};
use crate::offers::withdraw_and_rematch;
use crate::placement::{self, Settings};
use crate::{naive, Actor, Error};

/// A transfer asked for: the area the case moves to, and why.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewTransfer {
    #[schema(
        example = "SY-ROT",
        pattern = "^[A-Z0-9]+(-[A-Z0-9]+)*$",
        min_length = 2,
        max_length = 16
    )]
    pub to_area: String,
    #[schema(min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
}

/// What a transfer did to one order of the case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct TransferredOrder {
    pub order_id: String,
    pub action: TransferAction,
    pub status_before: OrderStatus,
    /// Its status once the transfer was made: matched again, it may be `offered`,
    /// `unmatched` or `awaiting_approval` in the new area.
    pub status_after: OrderStatus,
    /// The area whose budget now holds the order: the receiving area, or the sending area
    /// for an order that finished there.
    pub area: String,
    /// The order bought anew in the receiving area, for one ended by the transfer.
    #[schema(required = true)]
    pub replaced_by: Option<String>,
}

/// A case's move from one area to another, as both areas' offender managers read it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TransferView {
    pub id: String,
    pub crn: String,
    pub from_area: String,
    pub to_area: String,
    pub reason: String,
    pub orders: Vec<TransferredOrder>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

impl TransferView {
    fn from_row(row: TransferRow) -> Result<Self, Error> {
        let orders: Vec<TransferredOrder> =
            serde_json::from_str(&row.orders).map_err(|e| Error::corrupt("transfers.orders", e))?;
        Ok(TransferView {
            id: row.id,
            crn: row.crn,
            from_area: row.from_area,
            to_area: row.to_area,
            reason: row.reason,
            orders,
            created_by: row.created_by,
            created_at: to_utc(row.created_at),
        })
    }
}

/// An offender manager of the case's area moves it to `new.to_area`: one transaction, so a
/// second transfer of the same case racing this one finds the case gone from its area (409),
/// and a delivery report racing it either comes first (the order moves as it then is) or
/// finds the order as the transfer left it.
pub fn transfer(
    conn: &mut DbConn,
    caller: &Caller,
    crn: &str,
    new: NewTransfer,
    settings: Settings,
) -> Result<TransferView, Error> {
    caller.require(&[Role::OffenderManager])?;
    let reason = new.reason.trim().to_owned();
    let mut errors = provider_hub_domain::ValidationErrors::new();
    if reason.is_empty() || reason.chars().count() > 2000 {
        errors.add("reason", "must be 1-2000 characters, not all spaces");
    }
    let to = match AreaCode::parse(new.to_area.trim()) {
        Ok(to) => Some(to),
        Err(e) => {
            errors.add("to_area", e.to_string());
            None
        }
    };
    let Some(to) = to.filter(|_| errors.is_empty()) else {
        return Err(Error::Validation(errors));
    };
    crate::retrying_transaction(conn, |tx| {
        let Some(case) = cases::find(tx, crn)?.filter(|c| {
            access::may_read(
                caller.role,
                &caller.scope,
                Objects::Cases,
                &c.area_code,
                None,
            )
        }) else {
            return Err(moved_away(tx, caller, crn)?);
        };
        let from = case.area_code.clone();
        if from == to.as_str() {
            return Err(Error::invalid(
                "to_area",
                format!("the case is already in {from}"),
            ));
        }
        if areas::find(tx, to.as_str())?.is_none() {
            return Err(Error::invalid("to_area", format!("there is no area {to}")));
        }
        // The case's row is the transfer's lock: a second transfer waits here and then
        // finds the case gone from the area it read.
        if !store::move_case(tx, crn, &from, to.as_str())? {
            return Err(Error::conflict(
                format!("case {crn} was moved meanwhile; read it again"),
                None,
            ));
        }
        store::move_records(tx, crn, &from, to.as_str())?;
        let id = provider_hub_store::new_id("trf");
        let moving = Move {
            actor: &caller.actor,
            transfer_id: &id,
            from: &from,
            to: to.as_str(),
            reason: &reason,
            settings,
            now: caller.now,
        };
        let mut orders = Vec::new();
        for order_id in store::orders_of_case(tx, crn, &from)? {
            orders.push(moving.order(tx, &order_id)?);
        }
        let row = TransferRow {
            id: id.clone(),
            crn: crn.to_owned(),
            from_area: from.clone(),
            to_area: to.as_str().to_owned(),
            reason: reason.clone(),
            orders: serde_json::to_string(&orders)
                .map_err(|e| Error::corrupt("transfers.orders", e))?,
            created_by: caller.actor.sub.clone(),
            created_at: naive(caller.now),
        };
        store::insert(tx, &row)?;
        tx.audit(AuditEntry {
            actor: &caller.actor,
            action: "case.transferred",
            entity_type: "case",
            entity_id: crn,
            before: Some(serde_json::json!({ "area": from })),
            after: Some(serde_json::json!({
                "area": to.as_str(), "transfer_id": id, "reason": reason, "orders": orders
            })),
            at: naive(caller.now),
        });
        TransferView::from_row(row)
    })
}

/// Why a case the caller cannot read is not transferred: moved away from the caller's area
/// by a transfer (a conflict: it was there, as a second transfer racing the first read
/// it), or not there at all.
fn moved_away(tx: &mut Tx<'_>, caller: &Caller, crn: &str) -> Result<Error, Error> {
    let own = access::reach(caller.role, &caller.scope, Objects::Transfers).and_then(|r| r.area());
    let moved = match own {
        Some(own) => store::list(tx, Some(&own), Some(crn), None, crate::MAX_PAGE)?
            .items
            .into_iter()
            .find(|t| t.from_area == own),
        None => None,
    };
    Ok(match moved {
        Some(t) => Error::conflict(
            format!(
                "case {crn} was transferred from {} to {}",
                t.from_area, t.to_area
            ),
            None,
        ),
        None => Error::NotFound(format!("case {crn}")),
    })
}

/// One transfer's context, as each of the case's orders is moved.
struct Move<'a> {
    actor: &'a Actor,
    transfer_id: &'a str,
    from: &'a str,
    to: &'a str,
    reason: &'a str,
    settings: Settings,
    now: DateTime<Utc>,
}

impl Move<'_> {
    /// Moves one order of the case as the domain's rule says, and tells who must know.
    fn order(&self, tx: &mut Tx<'_>, order_id: &str) -> Result<TransferredOrder, Error> {
        let order = order_store::find(tx, order_id)?
            .ok_or_else(|| Error::corrupt("orders", format!("no order {order_id}")))?;
        let listing_areas = match &order.listing_id {
            Some(listing) => listings::areas_of(tx, std::slice::from_ref(listing))?
                .into_iter()
                .filter_map(|(_, area)| AreaCode::parse(&area).ok())
                .collect(),
            None => Vec::new(),
        };
        let to = AreaCode::parse(self.to).map_err(|e| Error::corrupt("areas.code", e))?;
        let status_before = order.status;
        let action = transfer_action(
            &Moving {
                status: status_before,
                listing_areas: &listing_areas,
            },
            &to,
        );
        if action == TransferAction::EndAndReplace {
            // Ended where it was delivered: it stays the sending area's, with what it paid.
            let detail = format!("the case moved to {}: {}", self.to, self.reason);
            end_in(
                tx,
                self.actor,
                &order,
                EndReason::Transfer,
                Some(&detail),
                self.now,
            )?;
            let replacement = self.replace(tx, &order)?;
            let ended = order_store::find(tx, &order.id)?
                .ok_or_else(|| Error::corrupt("orders", format!("no order {order_id}")))?;
            return Ok(self.outcome(&ended, action, status_before, Some(replacement)));
        }
        if status_before.is_final() {
            // Finished where it was: it stays the sending area's history.
            return Ok(self.outcome(&order, action, status_before, None));
        }
        if !store::move_order(
            tx,
            &order.id,
            status_before.as_str(),
            self.from,
            self.to,
            naive(self.now),
        )? {
            let now = order_store::find(tx, &order.id)?.map(|o| o.status);
            return Err(Error::conflict(
                format!(
                    "order {} changed while the case was being transferred; try again",
                    order.id
                ),
                now.map(OrderStatus::as_str),
            ));
        }
        let moved = order_store::find(tx, &order.id)?
            .ok_or_else(|| Error::corrupt("orders", format!("no order {order_id}")))?;
        // The provider hears of the move of an order it keeps; one that loses it hears
        // of that from the withdrawal of its offer.
        let keeps = (action == TransferAction::Continue)
            .then_some(moved.provider_id.as_deref())
            .flatten();
        change::record(
            tx,
            &moved,
            OrderChange {
                actor: self.actor,
                action: "order.transferred".into(),
                before: Some(serde_json::json!({ "status": status_before, "area": self.from })),
                after: serde_json::json!({
                    "status": status_before, "area": self.to, "action": action,
                    "transfer_id": self.transfer_id
                }),
                kind: EventKind::OrderTransferred,
                offer_id: None,
                provider_id: keeps,
                data: OrderTransferred {
                    status: status_before,
                    action,
                    from_area: self.from.to_owned(),
                    to_area: self.to.to_owned(),
                    transfer_id: self.transfer_id.to_owned(),
                }
                .into(),
                now: self.now,
            },
        )?;
        if action == TransferAction::Rematch {
            self.rematch(tx, &moved)?;
        }
        let after = order_store::find(tx, &order.id)?
            .ok_or_else(|| Error::corrupt("orders", format!("no order {order_id}")))?;
        Ok(self.outcome(&after, action, status_before, None))
    }

    /// Buys anew in the receiving area the intervention of an order the transfer ended:
    /// a new order for a copy of its plan item (one order per plan item, ever), required
    /// by the item's date or, when that is too soon, its lead time from today; matched at
    /// once there. Returns the new order's id.
    fn replace(&self, tx: &mut Tx<'_>, ended: &OrderRow) -> Result<String, Error> {
        let item = plans::items_by_id(tx, std::slice::from_ref(&ended.plan_item_id))?
            .into_iter()
            .next()
            .ok_or_else(|| Error::corrupt("orders.plan_item_id", "no such plan item"))?;
        let position = plans::items(tx, &ended.plan_id)?
            .iter()
            .map(|i| i.position)
            .max()
            .unwrap_or(0)
            + 1;
        let today = self.now.date_naive();
        let soonest = today + chrono::Duration::days(i64::from(item.lead_time_days));
        let required_by = item.required_by.max(soonest);
        let copy = PlanItemRow {
            id: provider_hub_store::new_id("item"),
            position,
            required_by,
            late: item.late || required_by > item.required_by,
            ..item
        };
        store::insert_plan_item(tx, &copy)?;
        let at = naive(self.now);
        let order = OrderRow {
            id: provider_hub_store::new_id("ord"),
            plan_item_id: copy.id.clone(),
            area_code: self.to.to_owned(),
            required_by,
            status: OrderStatus::Open,
            created_by: self.actor.sub.clone(),
            created_at: at,
            updated_at: at,
            listing_id: None,
            provider_id: None,
            price_pence: None,
            starts_on: None,
            explanation: None,
            cancel_reason: None,
            actual_start: None,
            outcome: None,
            budget_approved_by: None,
            list_price_pence: None,
            multiplier_bps: None,
            ..ended.clone()
        };
        order_store::insert(tx, &order)?;
        tx.audit(AuditEntry {
            actor: self.actor,
            action: "order.created",
            entity_type: "order",
            entity_id: &order.id,
            before: None,
            after: serde_json::to_value(&order).ok(),
            at,
        });
        change::record(
            tx,
            &order,
            OrderChange {
                actor: self.actor,
                action: "order.transferred".into(),
                before: None,
                after: serde_json::json!({
                    "status": order.status, "area": self.to, "replaces": ended.id,
                    "transfer_id": self.transfer_id
                }),
                kind: EventKind::OrderTransferred,
                offer_id: None,
                provider_id: None,
                data: OrderTransferred {
                    status: order.status,
                    action: TransferAction::EndAndReplace,
                    from_area: self.from.to_owned(),
                    to_area: self.to.to_owned(),
                    transfer_id: self.transfer_id.to_owned(),
                }
                .into(),
                now: self.now,
            },
        )?;
        placement::place_open(tx, self.actor, &order.id, self.settings, self.now)?;
        Ok(order.id)
    }

    fn outcome(
        &self,
        order: &OrderRow,
        action: TransferAction,
        status_before: OrderStatus,
        replaced_by: Option<String>,
    ) -> TransferredOrder {
        TransferredOrder {
            order_id: order.id.clone(),
            action,
            status_before,
            status_after: order.status,
            area: order.area_code.clone(),
            replaced_by,
        }
    }

    /// Matches an order not yet started again in the receiving area (its area already
    /// moved): a pending offer is withdrawn and an accepted one taken back, the place
    /// freed once the new one is taken; an unmatched order is tried there at once; one
    /// waiting for budget approval waits on, now against the receiving area's budget.
    fn rematch(&self, tx: &mut Tx<'_>, order: &OrderRow) -> Result<(), Error> {
        let why = format!("the case moved to {}: {}", self.to, self.reason);
        match order.status {
            OrderStatus::Offered => {
                let offer = offer_store::pending_of(tx, &order.id)?
                    .ok_or_else(|| Error::corrupt("offers", "an offered order has no offer"))?;
                withdraw_and_rematch(
                    tx,
                    self.actor,
                    &offer,
                    OfferEvent::Withdraw,
                    Some(&why),
                    self.settings,
                    self.now,
                )
            }
            OrderStatus::Accepted => self.take_back(tx, order, &why),
            OrderStatus::Unmatched => self.reopen(tx, order),
            OrderStatus::Open => {
                placement::place_open(tx, self.actor, &order.id, self.settings, self.now)
                    .map(|_| ())
            }
            _ => Ok(()),
        }
    }

    /// Takes an accepted order from a provider that does not serve the receiving area: the
    /// accepted offer withdrawn (its provider is told), the order open and matched again,
    /// the old place freed after the new one is taken.
    fn take_back(&self, tx: &mut Tx<'_>, order: &OrderRow, why: &str) -> Result<(), Error> {
        let offer = offer_store::accepted_of(tx, &order.id)?;
        let (actor, now) = (self.actor, self.now);
        change::transition(
            tx,
            order,
            OrderEvent::Withdraw,
            |tx, from, to| {
                if let Some(offer) = &offer {
                    crate::offers::withdraw_accepted(tx, actor, offer, why, now)?;
                }
                Ok(order_store::unplace(
                    tx,
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
                kind: EventKind::OfferWithdrawn,
                offer_id: offer.as_ref().map(|o| o.id.as_str()),
                provider_id: order.provider_id.as_deref(),
                data: crate::event_data::OfferAnswered {
                    status: provider_hub_domain::offer::OfferStatus::Withdrawn,
                    reason: Some(why.to_owned()),
                    listing_id: order.listing_id.clone().unwrap_or_default(),
                }
                .into(),
                now,
            },
        )?;
        placement::place_open(tx, actor, &order.id, self.settings, now)?;
        placement::release(tx, order, "a place freed: case transferred", now)
    }

    /// Reopens an unmatched order and tries it in the receiving area at once.
    fn reopen(&self, tx: &mut Tx<'_>, order: &OrderRow) -> Result<(), Error> {
        let (actor, now) = (self.actor, self.now);
        change::transition(
            tx,
            order,
            OrderEvent::Reopen,
            |tx, from, to| {
                Ok(order_store::set_status(
                    tx,
                    &order.id,
                    from,
                    to,
                    naive(now),
                )?)
            },
            |from, to| OrderChange {
                actor,
                action: "order.reopened".into(),
                before: Some(serde_json::json!({ "status": from })),
                after: serde_json::json!({ "status": to }),
                kind: EventKind::OrderReopened,
                offer_id: None,
                provider_id: None,
                data: OrderReopened {
                    status: to,
                    previous_status: from,
                    because: "the case moved area".into(),
                }
                .into(),
                now,
            },
        )?;
        placement::place_open(tx, actor, &order.id, self.settings, now).map(|_| ())
    }
}

/// Transfers the caller may read, newest first: an offender manager those from or to its
/// area (the sending area keeps reading the record), the quality team and commissioners
/// all; optionally of one case.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    crn: Option<&str>,
    after: Option<String>,
    limit: usize,
) -> Result<Page<TransferView>, Error> {
    let reach = access::reach(caller.role, &caller.scope, Objects::Transfers)
        .ok_or_else(|| access::not_a_reader(caller.role, Objects::Transfers, "transfers"))?;
    let area = reach.area();
    store::list(conn, area.as_deref(), crn, after, limit)?.try_map(TransferView::from_row)
}

/// One transfer the caller may read, or 404.
pub fn get(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<TransferView, Error> {
    let reach = access::reach(caller.role, &caller.scope, Objects::Transfers);
    store::find(conn, id)?
        .filter(|t| {
            reach
                .as_ref()
                .is_some_and(|r| r.admits(&t.from_area, None) || r.admits(&t.to_area, None))
        })
        .ok_or_else(|| Error::NotFound(format!("transfer {id}")))
        .and_then(TransferView::from_row)
}
