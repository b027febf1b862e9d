//! Placing an order at the point of need (SPEC.md §4): the engine chooses a listing by
//! the area's policy, one place is reserved with a conditional update in the same
//! transaction that creates the offer, and the order keeps the explanation. With no
//! candidate the order is `unmatched`, and is retried when the market changes
//! ([`crate::rematch`]).

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::offer::OfferStatus;
use provider_hub_domain::order::{
    offer_expiry, OrderEvent, OrderStatus, DEFAULT_OFFER_WORKING_DAYS,
};
use provider_hub_domain::Category;
use provider_hub_matching::{place, Continuing, Explanation, Person, Policy, Request};
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::listings as listing_store;
use provider_hub_store::matching as store;
use provider_hub_store::offers::{self as offer_store, OfferRow};
use provider_hub_store::orders::{self as order_store, OrderRow, Placement};
use provider_hub_store::{assessments, cases, plans, DbConn, Tx};

pub use crate::rematch::retry_unmatched;

use crate::change::{self, OrderChange};
use crate::event_data::{OfferCreated, OrderParked};
use crate::{naive, supply, Actor, Error};
use provider_hub_domain::event::EventKind;

/// How the hub runs matching and enforcement; set by the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Working days an offer waits for the provider's answer.
    pub offer_working_days: u32,
    /// Months from a plan's approval to its review.
    pub plan_review_months: u32,
    /// When an order is flagged for breach (HUB_BREACH_FAILURES within HUB_BREACH_MONTHS).
    pub breach_rule: provider_hub_domain::enforcement::BreachRule,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            offer_working_days: DEFAULT_OFFER_WORKING_DAYS,
            plan_review_months: provider_hub_domain::revision::DEFAULT_REVIEW_MONTHS,
            breach_rule: Default::default(),
        }
    }
}

/// The hub itself, as the actor of what its workers do.
pub fn system_actor() -> Actor {
    Actor {
        sub: "provider-hub".into(),
        role: "system".into(),
    }
}

pub use crate::supply::policy_of;

/// The person a plan is for, as eligibility needs them: the case's sex and date of
/// birth, the assessment's risk of harm and tier.
pub(crate) fn person_of(
    conn: &mut DbConn,
    assessment_id: &str,
    crn: &str,
) -> Result<Person, Error> {
    let assessment = assessments::find(conn, assessment_id)?
        .ok_or_else(|| Error::corrupt("sentence_plans.assessment_id", "no such assessment"))?;
    let case = cases::find(conn, crn)?.ok_or_else(|| Error::corrupt("crn", "no such case"))?;
    Ok(Person {
        sex: case.sex,
        date_of_birth: case.date_of_birth,
        risk_of_harm: assessment.risk_of_serious_harm,
        tier: u8::try_from(assessment.tier).map_err(|e| Error::corrupt("assessments.tier", e))?,
    })
}

/// Places one open order, in the caller's transaction: an offer and a reserved place,
/// or `unmatched` with the explanation. Returns the order's new status.
/// Everything the engine needs to place one order, read from the store.
pub(crate) struct Prepared {
    pub(crate) request: Request,
    /// Listings of the category in other areas, not loaded.
    pub(crate) elsewhere: u32,
    pub(crate) market: provider_hub_matching::Market,
    pub(crate) policy: Policy,
    pub(crate) listings: Vec<provider_hub_matching::Listing>,
}

/// The first day an order may start, where its plan sequences its item after another.
pub(crate) fn not_before_of(
    conn: &mut DbConn,
    order: &OrderRow,
) -> Result<Option<NaiveDate>, Error> {
    Ok(plans::item(conn, &order.plan_item_id)?.and_then(|item| item.not_before))
}

/// The order as the engine sees it.
pub(crate) fn request_of(conn: &mut DbConn, order: &OrderRow) -> Result<Request, Error> {
    let plan = plans::find(conn, &order.plan_id)?
        .ok_or_else(|| Error::corrupt("orders.plan_id", "no such plan"))?;
    Ok(Request {
        category: order.category,
        specification_code: order.specification_code.clone(),
        area: order.area_code.clone(),
        person: person_of(conn, &plan.assessment_id, &order.crn)?,
        required_by: order.required_by,
        not_before: not_before_of(conn, order)?,
        excluded_listings: offer_store::refused_listings(conn, &order.id)?
            .into_iter()
            .collect(),
        continuing: continuing_of(conn, std::slice::from_ref(&order.crn))?
            .remove(&order.crn)
            .unwrap_or_default(),
    })
}

/// For each person, the orders providers are delivering or have delivered for them (the
/// continuity principle), read in one query.
pub(crate) fn continuing_of(
    conn: &mut DbConn,
    crns: &[String],
) -> Result<std::collections::BTreeMap<String, Vec<Continuing>>, Error> {
    let mut by_person: std::collections::BTreeMap<String, Vec<Continuing>> = Default::default();
    for c in provider_hub_store::performance::continuing(conn, crns)? {
        by_person.entry(c.crn).or_default().push(Continuing {
            order_id: c.order_id,
            provider_id: c.provider_id,
            category: c.category,
        });
    }
    Ok(by_person)
}

pub(crate) fn prepare(
    conn: &mut DbConn,
    order: &OrderRow,
    now: DateTime<Utc>,
) -> Result<Prepared, Error> {
    let today = now.date_naive();
    let request = request_of(conn, order)?;
    Ok(Prepared {
        market: supply::market(conn, today)?,
        policy: policy_of(conn, &order.area_code)?,
        listings: supply::load(
            conn,
            request.category,
            Some(&order.area_code),
            today,
            order.required_by,
        )?,
        elsewhere: supply::elsewhere(conn, request.category, &order.area_code)?,
        request,
    })
}

/// [`prepare`] for a new order of an approval, whose request the approval has in hand
/// (it knows the person and the plan's items, and no provider has refused the order),
/// with the supply as [`supply::in_area`] reads it: an approval's transaction changes
/// nothing of the supply.
pub(crate) fn prepare_approved(
    conn: &mut DbConn,
    order: &OrderRow,
    request: Request,
    now: DateTime<Utc>,
) -> Result<Prepared, Error> {
    let today = now.date_naive();
    let supply = supply::in_area(
        conn,
        request.category,
        &order.area_code,
        today,
        order.required_by,
    )?;
    Ok(Prepared {
        market: supply.market,
        policy: supply.policy,
        listings: supply.listings,
        elsewhere: supply.elsewhere,
        request,
    })
}

/// Places one open order in the caller's transaction: an offer with a reserved place, or
/// parked with the explanation.
fn place_order(
    conn: &mut Tx<'_>,
    actor: &Actor,
    order: &OrderRow,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<OrderStatus, Error> {
    let started = std::time::Instant::now();
    let placed = place_order_timed(conn, actor, order, settings, now);
    crate::metrics::matching_took(started.elapsed().as_secs_f64());
    placed.map(|p| p.status)
}

/// How placing an order ended: its new status, and the start date of the place it was
/// offered, if it was.
pub(crate) struct Placed {
    pub(crate) status: OrderStatus,
    pub(crate) starts_on: Option<NaiveDate>,
}

/// Places one open order in the caller's transaction, with what the engine needs read
/// beforehand: a plan's orders are all prepared before the first takes a place, so no
/// place is held while they are read.
pub(crate) fn place_order_prepared(
    conn: &mut Tx<'_>,
    actor: &Actor,
    order: &OrderRow,
    prepared: Prepared,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<Placed, Error> {
    let started = std::time::Instant::now();
    let placed = place_prepared(conn, actor, order, prepared, settings, now);
    crate::metrics::matching_took(started.elapsed().as_secs_f64());
    placed
}

fn place_order_timed(
    conn: &mut Tx<'_>,
    actor: &Actor,
    order: &OrderRow,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<Placed, Error> {
    let prepared = prepare(conn, order, now)?;
    place_prepared(conn, actor, order, prepared, settings, now)
}

fn place_prepared(
    conn: &mut Tx<'_>,
    actor: &Actor,
    order: &OrderRow,
    prepared: Prepared,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<Placed, Error> {
    let Prepared {
        request,
        elsewhere,
        market,
        policy,
        mut listings,
    } = prepared;
    loop {
        let explanation =
            place(&request, &listings, &market, policy).with_elsewhere(elsewhere, &request);
        let Some(chosen) = explanation.chosen.clone() else {
            return park(
                conn,
                actor,
                order,
                &explanation,
                OrderEvent::NoCandidate,
                now,
            )
            .map(Placed::parked);
        };
        if order.budget_approved_by.is_none()
            && crate::read_model::budgets::over_budget(
                conn,
                &order.area_code,
                chosen.starts_on,
                chosen.price_pence,
            )?
        {
            return park(
                conn,
                actor,
                order,
                &explanation,
                OrderEvent::OverBudget,
                now,
            )
            .map(Placed::parked);
        }
        let placement = Placement {
            listing_id: chosen.listing_id.clone(),
            provider_id: chosen.provider_id.clone(),
            price_pence: chosen.price_pence,
            list_price_pence: chosen.list_price_pence.unwrap_or(chosen.price_pence),
            multiplier_bps: chosen.multiplier_bps,
            starts_on: chosen.starts_on,
        };
        // The offer (with its audit rows and event) is written first and the place taken
        // last, in a savepoint: the slot's row stays locked from its reservation to the
        // commit, so nothing that can be done before it is done while others queue for
        // the same place.
        let attempt = conn.savepoint(|tx| {
            offer(tx, actor, order, &placement, &explanation, settings, now)
                .map_err(Attempt::Failed)?;
            match listing_store::take_place(tx, &chosen.listing_id, chosen.starts_on) {
                Ok(true) => Ok(()),
                Ok(false) => Err(Attempt::Full),
                Err(e) => Err(Attempt::Failed(e.into())),
            }
        });
        match attempt {
            Ok(()) => {
                return Ok(Placed {
                    status: OrderStatus::Offered,
                    starts_on: Some(chosen.starts_on),
                })
            }
            Err(Attempt::Failed(e)) => return Err(e),
            Err(Attempt::Full) => {
                // Sold meanwhile by another transaction: that date is full; the offer
                // is rolled back with the savepoint, and the engine chooses again.
                if let Some(listing) = listings.iter_mut().find(|l| l.id == chosen.listing_id) {
                    for slot in listing
                        .slots
                        .iter_mut()
                        .filter(|s| s.starts_on == chosen.starts_on)
                    {
                        slot.free = 0;
                    }
                }
            }
        }
    }
}

impl Placed {
    fn parked(status: OrderStatus) -> Self {
        Self {
            status,
            starts_on: None,
        }
    }
}

/// How one attempt to place an order on its chosen date ended, when not placed.
enum Attempt {
    /// The date was full by the time its place was taken.
    Full,
    Failed(Error),
}

impl From<diesel::result::Error> for Attempt {
    fn from(e: diesel::result::Error) -> Self {
        Attempt::Failed(e.into())
    }
}

/// Offers an open order the place reserved for it: the order becomes `offered` with
/// its placement and explanation, the offer waits for the provider's answer until it
/// expires, and both are audited. Returns the offer's id.
pub(crate) fn offer(
    conn: &mut Tx<'_>,
    actor: &Actor,
    order: &OrderRow,
    placement: &Placement,
    explanation: &Explanation,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<String, Error> {
    let explained =
        serde_json::to_string(explanation).map_err(|e| Error::corrupt("explanation", e))?;
    let offer = new_offer(order, placement, settings, now);
    change::transition(
        conn,
        order,
        OrderEvent::Offer,
        |conn, _, _| {
            if !order_store::place(conn, &order.id, placement, &explained, naive(now))? {
                return Ok(false);
            }
            offer_store::insert(conn, &offer)?;
            audit_offer(conn, actor, &offer, now);
            Ok(true)
        },
        |from, to| {
            offered(
                actor,
                order,
                &offer,
                placement,
                explanation,
                (from, to),
                now,
            )
        },
    )?;
    Ok(offer.id)
}

/// The offer of an order's placement to its provider, waiting for the answer until it
/// expires (`settings.offer_working_days` working days from `now`).
pub(crate) fn new_offer(
    order: &OrderRow,
    placement: &Placement,
    settings: Settings,
    now: DateTime<Utc>,
) -> OfferRow {
    OfferRow {
        id: provider_hub_store::new_id("offer"),
        order_id: order.id.clone(),
        listing_id: placement.listing_id.clone(),
        provider_id: placement.provider_id.clone(),
        starts_on: placement.starts_on,
        price_pence: placement.price_pence,
        status: OfferStatus::Pending,
        expires_at: naive(offer_expiry(now, settings.offer_working_days)),
        created_at: naive(now),
        answered_at: None,
        reason: None,
    }
}

/// The offer's own audit row, `offer.created`.
pub(crate) fn audit_offer(tx: &mut Tx<'_>, actor: &Actor, offer: &OfferRow, now: DateTime<Utc>) {
    tx.audit(AuditEntry {
        actor,
        action: "offer.created",
        entity_type: "offer",
        entity_id: &offer.id,
        before: None,
        after: serde_json::to_value(offer).ok(),
        at: naive(now),
    });
}

/// The change of an order offered a place (`from` → `to`): its audit row
/// `order.offered`, with the placement and the explanation, and the offer's event.
pub(crate) fn offered<'a>(
    actor: &'a Actor,
    order: &OrderRow,
    offer: &'a OfferRow,
    placement: &Placement,
    explanation: &Explanation,
    (from, to): (OrderStatus, OrderStatus),
    now: DateTime<Utc>,
) -> OrderChange<'a> {
    OrderChange {
        actor,
        action: "order.offered".into(),
        before: Some(serde_json::json!({ "status": from })),
        after: serde_json::json!({
            "status": to,
            "offer_id": offer.id,
            "listing_id": placement.listing_id,
            "price_pence": placement.price_pence,
            "list_price_pence": placement.list_price_pence,
            "multiplier_bps": placement.multiplier_bps,
            "starts_on": placement.starts_on,
            "explanation": explanation,
        }),
        kind: EventKind::OfferCreated,
        offer_id: Some(&offer.id),
        provider_id: Some(&offer.provider_id),
        data: OfferCreated {
            status: to,
            listing_id: offer.listing_id.clone(),
            category: order.category,
            specification_code: order.specification_code.clone(),
            price_pence: offer.price_pence,
            starts_on: offer.starts_on,
            required_by: order.required_by,
            expires_at: provider_hub_store::to_utc(offer.expires_at),
        }
        .into(),
        now,
    }
}

/// Leaves an open order without a place, with the explanation: `unmatched` (no
/// candidate) or `awaiting_approval` (its price would take its area over budget).
fn park(
    conn: &mut Tx<'_>,
    actor: &Actor,
    order: &OrderRow,
    explanation: &Explanation,
    event: OrderEvent,
    now: DateTime<Utc>,
) -> Result<OrderStatus, Error> {
    let explained =
        serde_json::to_string(explanation).map_err(|e| Error::corrupt("explanation", e))?;
    change::transition(
        conn,
        order,
        event,
        |conn, _, to| {
            Ok(order_store::park(
                conn,
                &order.id,
                to,
                &explained,
                naive(now),
            )?)
        },
        |from, to| {
            let (action, kind, reason) = match to {
                OrderStatus::AwaitingApproval => (
                    "order.awaiting_budget_approval",
                    EventKind::OrderAwaitingBudgetApproval,
                    Some("its price would take the area over its budget for the year".to_owned()),
                ),
                _ => (
                    "order.unmatched",
                    EventKind::OrderUnmatched,
                    explanation.no_candidate_reason.clone(),
                ),
            };
            OrderChange {
                actor,
                action: action.into(),
                before: Some(serde_json::json!({ "status": from })),
                after: serde_json::json!({ "status": to, "explanation": explanation }),
                kind,
                offer_id: None,
                provider_id: None,
                data: OrderParked {
                    status: to,
                    previous_status: from,
                    reason,
                }
                .into(),
                now,
            }
        },
    )
}

/// Places an order that is open now (read inside the caller's transaction).
pub(crate) fn place_open(
    conn: &mut Tx<'_>,
    actor: &Actor,
    order_id: &str,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<OrderStatus, Error> {
    let order = order_store::find(conn, order_id)?
        .ok_or_else(|| Error::NotFound(format!("order {order_id}")))?;
    if order.status != OrderStatus::Open {
        return Ok(order.status);
    }
    place_order(conn, actor, &order, settings, now)
}

/// Gives back the place an offered or accepted order holds, and asks the worker to offer
/// it to the unmatched orders of the category (in this transaction: the request commits
/// with the freed place or not at all).
pub(crate) fn release(
    conn: &mut DbConn,
    order: &OrderRow,
    because: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    if let (Some(listing), Some(starts_on)) = (&order.listing_id, order.starts_on) {
        if !listing_store::release_place(conn, listing, starts_on)? {
            return Err(Error::corrupt(
                "capacity_shares",
                format!("no place taken on {starts_on} for listing {listing}"),
            ));
        }
        market_changed(conn, Some(order.category), because, now)?;
    }
    Ok(())
}

/// Records, in the caller's transaction, that the market changed so unmatched orders of
/// `category` (all when None) should be tried again.
pub(crate) fn market_changed(
    conn: &mut DbConn,
    category: Option<Category>,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    store::request_rematch(conn, category.map(Category::as_str), reason, naive(now))?;
    Ok(())
}
