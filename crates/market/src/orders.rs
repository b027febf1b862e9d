//! Intervention orders: one per approved plan item. Read by the offender managers of the
//! case's area, and by the quality team and commissioners across areas.

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::offer::OfferStatus;
use provider_hub_domain::order::{OrderEvent, OrderStatus, OutcomeKind};
use provider_hub_domain::{Category, Role, Scope};
use provider_hub_matching::{Candidate, Explanation};
use provider_hub_store::cursor::Page;
use provider_hub_store::offers as offer_store;
use provider_hub_store::orders::{self as store, OrderFilter, OrderRow};
use provider_hub_store::plans;
use provider_hub_store::{to_utc, write_transaction, DbConn};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::change::{self, OrderChange};
use crate::event_data::{OfferCancelled, OrderParked};
use crate::plans::PlanItem;
use crate::{naive, Actor, Error};
use provider_hub_domain::event::EventKind;

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
    /// The listing it is placed with, while it holds a place.
    pub listing_id: Option<String>,
    pub provider_id: Option<String>,
    /// The price locked when it was placed; a later price change never alters it.
    pub price_pence: Option<i64>,
    /// The start date of the place it holds.
    pub starts_on: Option<NaiveDate>,
    /// The start date the provider committed to by accepting: what the court is told.
    pub committed_start_date: Option<NaiveDate>,
    /// The offer waiting for (or given) the provider's answer, latest first.
    pub offer: Option<OfferSummary>,
    /// Why the engine placed it as it did, or could not place it: every rule's exclusions,
    /// the chosen listing, the runner-up and the whole ranking. For offender managers, the
    /// quality team and commissioners; always null for a provider, who reads `placement`.
    pub explanation: Option<Explanation>,
    /// For the provider the order is placed with, and only for it: its own placement —
    /// how many listings were looked at and how many met every rule, the area's policy,
    /// and its own listing as chosen. Never another provider's listing, price, score or
    /// cost. Null for every other reader.
    pub placement: Option<OwnPlacement>,
    /// The id of the award published for it (`GET /v1/awards`, where the ocid is the
    /// prefix and this id) once its offer is accepted: random, unrelated to the order id.
    pub award_id: Option<String>,
    pub cancel_reason: Option<String>,
    /// The start date the provider reported.
    pub actual_start: Option<NaiveDate>,
    /// The outcome a commissioner recorded.
    pub outcome: Option<OutcomeKind>,
    /// What the provider reported, oldest first (non-compliance included, for the
    /// offender manager to decide on enforcement).
    pub delivery: Vec<crate::delivery::DeliveryEventView>,
    /// The offender manager whose approval of the plan created it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// What a provider learns of how its order was placed: the counts, the policy and its own
/// listing as chosen; never the ranking of its competitors (SPEC.md §4).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnPlacement {
    /// `best_price` or `best_value` (and whether a batch run placed it).
    pub policy: String,
    /// Listings looked at.
    pub considered: u32,
    /// Listings that met every rule, this provider's included.
    pub candidates: u32,
    /// The provider's own listing as the engine chose it: the place, the price, its
    /// quality score and cost under the policy.
    pub chosen: Option<Candidate>,
}

impl OwnPlacement {
    /// The provider's own part of an explanation; its listing only if it was the one chosen.
    pub fn of(explanation: &Explanation, provider_id: &str) -> Self {
        OwnPlacement {
            policy: explanation.policy.clone(),
            considered: explanation.considered,
            candidates: explanation.candidates,
            chosen: explanation
                .chosen
                .clone()
                .filter(|c| c.provider_id == provider_id),
        }
    }
}

/// The order's latest offer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OfferSummary {
    pub id: String,
    /// `pending`, `accepted`, `declined`, `expired` or `cancelled`.
    pub status: String,
    pub expires_at: DateTime<Utc>,
}

/// A cancellation, with its reason.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Cancellation {
    #[schema(min_length = 1, max_length = 2000)]
    pub reason: String,
}

/// Who reads orders of which area.
fn may_read(role: Role, scope: &Scope, order: &OrderRow) -> bool {
    match (role, scope) {
        (Role::Quality | Role::Commissioner, _) => true,
        (Role::OffenderManager, Scope::Area(own)) => own.as_str() == order.area_code,
        // A provider sees the orders placed with it (offered, accepted, delivered).
        (Role::Provider, Scope::Provider(own)) => {
            order.provider_id.as_deref() == Some(own.as_str())
        }
        _ => false,
    }
}

/// The orders as `reader` may see them: a provider sees its own placement, not the
/// explanation's ranking.
fn views(conn: &mut DbConn, reader: &Scope, rows: Vec<OrderRow>) -> Result<Vec<OrderView>, Error> {
    let order_ids: Vec<String> = rows.iter().map(|o| o.id.clone()).collect();
    let mut award_ids: std::collections::HashMap<String, String> =
        provider_hub_store::awards::ids_of_orders(conn, &order_ids)?
            .into_iter()
            .collect();
    let mut offers: std::collections::HashMap<String, OfferSummary> =
        offer_store::latest_of(conn, &order_ids)?
            .into_iter()
            .map(|o| {
                (
                    o.order_id,
                    OfferSummary {
                        id: o.id,
                        status: o.status.as_str().to_owned(),
                        expires_at: to_utc(o.expires_at),
                    },
                )
            })
            .collect();
    let mut delivery: std::collections::HashMap<String, Vec<crate::delivery::DeliveryEventView>> =
        std::collections::HashMap::new();
    for row in provider_hub_store::payments::events_of_orders(conn, &order_ids)? {
        delivery
            .entry(row.order_id.clone())
            .or_default()
            .push(crate::delivery::event_view(row)?);
    }
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
            let status = row.status;
            let committed = matches!(
                status,
                OrderStatus::Accepted
                    | OrderStatus::InDelivery
                    | OrderStatus::Completed
                    | OrderStatus::Failed
            );
            let explanation: Option<Explanation> = row
                .explanation
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| corrupt("explanation", &e))?;
            let (explanation, placement) = match reader {
                Scope::Provider(own) => (None, explanation.map(|e| OwnPlacement::of(&e, own))),
                _ => (explanation, None),
            };
            Ok(OrderView {
                offer: offers.remove(&row.id),
                delivery: delivery.remove(&row.id).unwrap_or_default(),
                award_id: award_ids.remove(&row.id),
                explanation,
                placement,
                committed_start_date: row.starts_on.filter(|_| committed),
                listing_id: row.listing_id,
                provider_id: row.provider_id,
                price_pence: row.price_pence,
                starts_on: row.starts_on,
                cancel_reason: row.cancel_reason,
                actual_start: row.actual_start,
                outcome: row.outcome,
                status,
                plan_item: items
                    .remove(&row.plan_item_id)
                    .ok_or_else(|| corrupt("plan_item_id", &"no such plan item"))?,
                category: row.category,
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
    views(conn, &Scope::Hub, rows)
}

pub fn get(conn: &mut DbConn, role: Role, scope: &Scope, id: &str) -> Result<OrderView, Error> {
    let row = store::find(conn, id)?
        .filter(|o| may_read(role, scope, o))
        .ok_or_else(|| Error::NotFound(format!("order {id}")))?;
    views(conn, scope, vec![row])?
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
        (Role::Provider, Scope::Provider(id)) => filter.provider_id = Some(id.clone()),
        (Role::Quality | Role::Commissioner, _) => {}
        _ => {
            return Err(Error::Forbidden(format!(
                "the {role} role does not see intervention orders"
            )))
        }
    }
    let page = store::list(conn, &filter, after, limit)?;
    let next = page.next.clone();
    let items = views(conn, scope, page.items)?;
    Ok(Page { items, next })
}

/// Cancels an order not yet in delivery (an offender manager of the case's area); the
/// place it holds, if any, is released and a pending offer is withdrawn.
pub fn cancel(
    conn: &mut DbConn,
    actor: &Actor,
    role: Role,
    scope: &Scope,
    id: &str,
    cancellation: Cancellation,
    now: DateTime<Utc>,
) -> Result<OrderView, Error> {
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
            .filter(|o| may_read(role, scope, o))
            .ok_or_else(|| Error::NotFound(format!("order {id}")))?;
        let pending = offer_store::pending_of(conn, id)?;
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
            &order,
            OrderEvent::Cancel,
            |conn, from, to| {
                if let Some(offer_id) = withdrawn(from) {
                    if !offer_store::answer(conn, offer_id, "cancelled", Some(&reason), naive(now))?
                    {
                        return Err(Error::conflict(
                            "the offer was answered meanwhile; read the order again",
                            None,
                        ));
                    }
                    change::record_about(
                        conn,
                        &order,
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
                                reason: reason.clone(),
                            }
                            .into(),
                            now,
                        },
                    )?;
                }
                if matches!(from, OrderStatus::Offered | OrderStatus::Accepted) {
                    crate::placement::release(conn, &order, "a place freed: order cancelled", now)?;
                    Ok(store::unplace(
                        conn,
                        id,
                        from,
                        to,
                        Some(&reason),
                        naive(now),
                    )?)
                } else {
                    Ok(store::cancel_unplaced(conn, id, from, &reason, naive(now))?)
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
                    reason: Some(reason.clone()),
                }
                .into(),
                now,
            },
        )?;
        get(conn, role, scope, id)
    })
}
