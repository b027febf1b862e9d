//! Intervention orders as read back: one per approved plan item, with where it is
//! placed, its latest offer, its delivery and how it was placed, as the reader may see it.

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::order::{EndReason, OrderStatus, OutcomeKind};
use provider_hub_domain::{Category, Role, Scope};
use provider_hub_matching::{Candidate, Explanation};
use provider_hub_store::cursor::Page;
use provider_hub_store::offers as offer_store;
use provider_hub_store::orders::{self as store, OrderFilter, OrderRow};
use provider_hub_store::plans;
use provider_hub_store::{to_utc, DbConn};
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::{self, Caller, Objects};
use crate::read_model::delivery::{self, DeliveryEventView};
use crate::read_model::enforcement::{breach_view, failure_view, BreachView, FailureView};
use crate::read_model::names::SpecificationRef;
use crate::read_model::plans::PlanItem;
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
    /// The listing it is placed with, while it holds a place.
    pub listing_id: Option<String>,
    /// The listing's title, beside its id.
    pub listing_title: Option<String>,
    pub provider_id: Option<String>,
    /// The provider's name, beside its id.
    pub provider_name: Option<String>,
    /// The specification version its listing delivers to (the court may have named the
    /// code, `specification_code`); null while it holds no place.
    pub specification: Option<SpecificationRef>,
    /// The price locked when it was placed; a later price change never alters it. The
    /// listing's price × the person's multiplier (`list_price_pence`, `multiplier_bps`).
    pub price_pence: Option<i64>,
    /// The listing's own price when it was placed (absent for orders placed before
    /// price multipliers).
    pub list_price_pence: Option<i64>,
    /// The person's price multiplier when it was placed, in basis points (10000 = ×1.00).
    pub multiplier_bps: Option<u32>,
    /// The start date of the place it holds.
    pub starts_on: Option<NaiveDate>,
    /// The start date the provider committed to by accepting: what the court is told.
    pub committed_start_date: Option<NaiveDate>,
    /// The offer waiting for (or given) the provider's answer, latest first.
    pub offer: Option<OfferSummary>,
    /// Why the engine placed it as it did, or could not place it: every rule's exclusions,
    /// the chosen listing, the runner-up and the best ten candidates ranked (every
    /// candidate, as the market stands now: `GET /v1/orders/{id}/ranking`). For offender
    /// managers, the quality team and commissioners; always null for a provider, who reads
    /// `placement`.
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
    /// Why, by whom and when it was ended in delivery; null unless terminated.
    pub ending: Option<EndingView>,
    /// Enforcement: the missed appointments and non-compliance reported, each with the
    /// offender manager's decision (null while it waits for one), oldest first. Empty for
    /// a provider, whose own reports are in `delivery`.
    pub failures: Vec<FailureView>,
    /// The order's latest breach: flagged by the breach rule, in proceedings (the order
    /// paused), or decided with its outcome. Null when never flagged, and for a provider.
    pub breach: Option<BreachView>,
    /// What the provider reported, oldest first (non-compliance included, for the
    /// offender manager to decide on enforcement).
    pub delivery: Vec<DeliveryEventView>,
    /// The offender manager whose approval of the plan created it.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// How an order in delivery came to end.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EndingView {
    pub reason: EndReason,
    pub detail: Option<String>,
    /// The offender manager who ended it.
    pub ended_by: String,
    pub ended_at: DateTime<Utc>,
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

/// Who reads orders of which area: see [`access::reach`].
pub(crate) fn may_read(role: Role, scope: &Scope, order: &OrderRow) -> bool {
    access::may_read(
        role,
        scope,
        Objects::Orders,
        &order.area_code,
        order.provider_id.as_deref(),
    )
}

/// The orders as `reader` may see them: a provider sees its own placement, not the
/// explanation's ranking.
fn views(conn: &mut DbConn, reader: &Scope, rows: Vec<OrderRow>) -> Result<Vec<OrderView>, Error> {
    let order_ids: Vec<String> = rows.iter().map(|o| o.id.clone()).collect();
    let of_orders = offer_store::latest_with_awards(conn, &order_ids)?;
    let mut award_ids: std::collections::HashMap<String, String> =
        of_orders.awards.into_iter().collect();
    let mut offers: std::collections::HashMap<String, OfferSummary> = of_orders
        .latest
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
    // Delivery is reported, and failures and breaches follow from its reports, only once
    // an order has started (its actual start is set then, and never cleared): the orders
    // not started yet have none to read.
    let started: Vec<String> = rows
        .iter()
        .filter(|o| o.actual_start.is_some())
        .map(|o| o.id.clone())
        .collect();
    let mut delivery: std::collections::HashMap<String, Vec<DeliveryEventView>> =
        std::collections::HashMap::new();
    let reported = match started.is_empty() {
        true => Vec::new(),
        false => provider_hub_store::payments::events_of_orders(conn, &started)?,
    };
    for row in reported {
        delivery
            .entry(row.order_id.clone())
            .or_default()
            .push(delivery::event_view(row)?);
    }
    let mut endings: std::collections::HashMap<String, EndingView> =
        store::endings_of(conn, &order_ids)?
            .into_iter()
            .map(|e| {
                (
                    e.order_id,
                    EndingView {
                        reason: e.reason,
                        detail: e.detail,
                        ended_by: e.ended_by,
                        ended_at: to_utc(e.ended_at),
                    },
                )
            })
            .collect();
    // Enforcement is the offender manager's business: a provider reads only its reports.
    let (mut failures, mut breaches) = if matches!(reader, Scope::Provider(_)) || started.is_empty()
    {
        Default::default()
    } else {
        enforcement_of(conn, &started)?
    };
    let listing_ids: Vec<String> = rows.iter().filter_map(|o| o.listing_id.clone()).collect();
    let names = provider_hub_store::names::of_listings(conn, &listing_ids)?;
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
                    | OrderStatus::Paused
                    | OrderStatus::Completed
                    | OrderStatus::Failed
                    | OrderStatus::Terminated
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
            let named = row.listing_id.as_ref().and_then(|id| names.get(id));
            Ok(OrderView {
                listing_title: named.map(|n| n.listing_title.clone()),
                provider_name: named.map(|n| n.provider_name.clone()),
                specification: named.map(SpecificationRef::of),
                offer: offers.remove(&row.id),
                delivery: delivery.remove(&row.id).unwrap_or_default(),
                award_id: award_ids.remove(&row.id),
                explanation,
                placement,
                committed_start_date: row.starts_on.filter(|_| committed),
                listing_id: row.listing_id,
                provider_id: row.provider_id,
                price_pence: row.price_pence,
                list_price_pence: row.list_price_pence,
                multiplier_bps: row.multiplier_bps.and_then(|m| u32::try_from(m).ok()),
                starts_on: row.starts_on,
                cancel_reason: row.cancel_reason,
                actual_start: row.actual_start,
                outcome: row.outcome,
                ending: endings.remove(&row.id),
                failures: failures.remove(&row.id).unwrap_or_default(),
                breach: breaches.remove(&row.id),
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

type ByOrder<T> = std::collections::HashMap<String, T>;

/// The failures (oldest first) and the latest breach of each order among `ids`.
fn enforcement_of(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<(ByOrder<Vec<FailureView>>, ByOrder<BreachView>), Error> {
    use provider_hub_store::enforcement as store;
    let mut failures: ByOrder<Vec<FailureView>> = ByOrder::new();
    for row in store::failures_of(conn, ids)? {
        failures
            .entry(row.order_id.clone())
            .or_default()
            .push(failure_view(row));
    }
    // Oldest first: the latest of each order is the one kept.
    let breaches = store::breaches_of(conn, ids)?
        .into_iter()
        .map(|row| (row.order_id.clone(), breach_view(row)))
        .collect();
    Ok((failures, breaches))
}

/// The orders a plan created, in creation order.
pub(crate) fn of_plan(conn: &mut DbConn, plan_id: &str) -> Result<Vec<OrderView>, Error> {
    let rows = store::of_plan(conn, plan_id)?;
    views(conn, &Scope::Hub, rows)
}

/// The order as `role` in `scope` sees it, if it may: the use cases' own reading of an
/// order they just changed.
pub(crate) fn get_as(
    conn: &mut DbConn,
    role: Role,
    scope: &Scope,
    id: &str,
) -> Result<OrderView, Error> {
    let row = store::find(conn, id)?
        .filter(|o| may_read(role, scope, o))
        .ok_or_else(|| Error::NotFound(format!("order {id}")))?;
    views(conn, scope, vec![row])?
        .pop()
        .ok_or_else(|| Error::NotFound(format!("order {id}")))
}

/// An order the caller may read; to anyone else it does not exist.
pub fn get(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<OrderView, Error> {
    get_as(conn, caller.role, &caller.scope, id)
}

/// Orders the caller may read: an offender manager's area, a provider's own; every area
/// for the quality team and commissioners.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    mut filter: OrderFilter,
    after: Option<String>,
    limit: usize,
) -> Result<Page<OrderView>, Error> {
    let Caller { role, scope, .. } = caller;
    let reach = access::reach(*role, scope, Objects::Orders)
        .ok_or_else(|| access::not_a_reader(*role, Objects::Orders, "intervention orders"))?;
    if let Some(area) = reach.area() {
        if filter.area.as_ref().is_some_and(|asked| *asked != area) {
            return Err(Error::Forbidden(format!(
                "an offender manager reads the orders of their own area, {area}"
            )));
        }
        filter.area = Some(area);
    }
    if let Some(provider) = reach.provider() {
        if filter
            .provider_id
            .as_ref()
            .is_some_and(|asked| *asked != provider)
        {
            return Err(Error::Forbidden(
                "a provider reads the orders placed with it, not another provider's".into(),
            ));
        }
        filter.provider_id = Some(provider);
    }
    let page = store::list(conn, &filter, after, limit)?;
    let next = page.next.clone();
    let items = views(conn, scope, page.items)?;
    Ok(Page { items, next })
}
