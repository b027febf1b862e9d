//! A run's placements applied a few hundred orders per transaction, so no other write
//! waits for the whole run: each transaction locks its orders (and leaves any that
//! changed since the run read them), checks their areas' budgets under the budgets'
//! locks, takes their places a slot at a time, writes their offers with the audit rows
//! and events a single placement writes, and adds itself to the run's record.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use provider_hub_domain::order::{OrderEvent, OrderStatus};
use provider_hub_domain::payment::financial_year;
use provider_hub_domain::price::Priced;
use provider_hub_matching::batch::{Choice, Place};
use provider_hub_matching::{place, Candidate, Explanation};
use provider_hub_store::budgets as budget_store;
use provider_hub_store::capacity;
use provider_hub_store::offers::{self as offer_store, OfferRow};
use provider_hub_store::orders::{self as order_store, OrderRow, Placement};
use provider_hub_store::runs::{self as store, Progress};
use provider_hub_store::{DbConn, Tx};

use super::solve::Solved;
use super::RunPlacement;
use crate::change;
use crate::placement::Settings;
use crate::{naive, Actor, Error};

/// Orders a transaction of the run applies.
pub(super) const CHUNK: usize = 200;

/// The run applying its placements: who runs it, its id, the matching settings and its time.
#[derive(Clone, Copy)]
pub(super) struct ThisRun<'a> {
    pub actor: &'a Actor,
    pub run_id: &'a str,
    pub settings: Settings,
    pub now: DateTime<Utc>,
}

/// One order the run places, with its place and explanation worked out before its
/// transaction begins.
pub(super) struct Planned<'s> {
    pub order: &'s OrderRow,
    pub place: &'s Place,
    pub priced: Priced,
    pub choice: Choice,
    pub explanation: Explanation,
    /// The explanation as the order keeps it.
    pub explained: String,
}

/// The `o`-th order of `s` with the place the run chose for it, explained.
pub(super) fn plan<'s>(
    s: &'s Solved,
    o: usize,
    p: usize,
    run: &ThisRun,
) -> Result<Planned<'s>, Error> {
    let place_info = &s.instance.places[p];
    let priced = s.priced(o, place_info)?;
    let choice = *s
        .instance
        .options(o)
        .iter()
        .find(|c| c.place == p)
        .ok_or_else(|| Error::corrupt("batch", "an assignment outside the order's options"))?;
    let explanation = explain(s, o, place_info, priced, &choice, run);
    let explained =
        serde_json::to_string(&explanation).map_err(|e| Error::corrupt("explanation", e))?;
    Ok(Planned {
        order: &s.orders[o],
        place: place_info,
        priced,
        choice,
        explanation,
        explained,
    })
}

/// The explanation: the single-order engine's counts, with the run's choice as chosen
/// and what the order would have had alone as the runner-up.
fn explain(
    s: &Solved,
    o: usize,
    place_info: &Place,
    priced: Priced,
    choice: &Choice,
    run: &ThisRun,
) -> Explanation {
    let request = &s.requests[o].1;
    let policy = s.policies.get(&request.area).copied().unwrap_or_default();
    let mut explanation = place(request, &s.listings, &s.market, policy);
    let alone = explanation.chosen.take();
    // The run's choice as the single-order engine scores it on that start date (both
    // quality scores, the evidence and any continuity).
    let scored = s
        .listings
        .iter()
        .find(|l| l.id == place_info.listing_id)
        .and_then(|l| {
            provider_hub_matching::candidate_on(request, l, &s.market, policy, place_info.starts_on)
        })
        .filter(|c| c.cost == choice.cost);
    explanation.chosen =
        Some(
            scored.unwrap_or_else(|| Candidate {
                listing_id: place_info.listing_id.clone(),
                provider_id: place_info.provider_id.clone(),
                price_pence: priced.price_pence,
                list_price_pence: Some(priced.list_price_pence),
                multiplier_bps: priced.multiplier_bps,
                quality_score: choice.quality,
                adjusted_score: None,
                evidence: Default::default(),
                starts_on: place_info.starts_on,
                days_to_start: u32::try_from(
                    (place_info.starts_on - run.now.date_naive()).num_days(),
                )
                .unwrap_or(0),
                cost: choice.cost,
                continuity: None,
            }),
        );
    // The award publishes the chosen listing's rank: kept with the explanation when the
    // run chose beyond the engine's best candidates.
    explanation.chosen_rank = None;
    if explanation.rank_of(&place_info.listing_id).is_none() {
        explanation.chosen_rank = provider_hub_matching::rank_of(
            request,
            &s.listings,
            &s.market,
            policy,
            &place_info.listing_id,
        );
    }
    explanation.runner_up = alone;
    explanation.no_candidate_reason = None;
    explanation.policy = format!("{} (batch run {})", explanation.policy, run.run_id);
    explanation
}

/// Applies `planned` in one transaction and adds what it placed and left to the run's
/// record; on PostgreSQL, run again when rolled back to break a deadlock with a
/// concurrent change.
pub(super) fn apply(conn: &mut DbConn, run: &ThisRun, planned: &[Planned]) -> Result<(), Error> {
    crate::retrying_transaction(conn, |tx| {
        let mut progress = Progress::default();
        // The budgets first, in key order, as a single placement takes its budget's
        // lock before its order's: the two never wait for each other in a cycle.
        let mut budgets: BTreeMap<(&str, i32), Option<i64>> = BTreeMap::new();
        for p in planned
            .iter()
            .filter(|p| p.order.budget_approved_by.is_none())
        {
            budgets.insert(
                (&p.order.area_code, financial_year(p.place.starts_on)),
                None,
            );
        }
        for ((area, year), left) in budgets.iter_mut() {
            if budget_store::lock(tx, area, *year)? {
                *left = crate::read_model::budgets::remaining(tx, area, *year)?;
            }
        }
        // The orders, locked: those that changed since the run read them stay as they are.
        let ids: Vec<&str> = planned.iter().map(|p| p.order.id.as_str()).collect();
        let now: BTreeMap<String, _> = store::lock_orders(tx, &ids)?
            .into_iter()
            .map(|(id, status, at)| (id, (status, at)))
            .collect();
        let mut kept = Vec::with_capacity(planned.len());
        for p in planned {
            if now.get(&p.order.id) != Some(&(p.order.status, p.order.updated_at)) {
                progress.changed_meanwhile += 1;
                continue;
            }
            if p.order.budget_approved_by.is_none() {
                let key = (
                    p.order.area_code.as_str(),
                    financial_year(p.place.starts_on),
                );
                if let Some(Some(left)) = budgets.get_mut(&key) {
                    if p.priced.price_pence > *left {
                        progress.held_for_budget += 1;
                        continue;
                    }
                    *left -= p.priced.price_pence;
                }
            }
            kept.push(p);
        }
        // The places, every slot's at once, locked in key order: all of a slot's orders,
        // or as many as are free when others took some meanwhile.
        let mut by_slot: BTreeMap<(&str, chrono::NaiveDate), Vec<&Planned>> = BTreeMap::new();
        for p in kept {
            by_slot
                .entry((&p.place.listing_id, p.place.starts_on))
                .or_default()
                .push(p);
        }
        let wanted = by_slot
            .iter()
            .map(|((listing, starts_on), orders)| {
                let all = i32::try_from(orders.len()).map_err(|e| Error::corrupt("count", e))?;
                Ok((*listing, *starts_on, all))
            })
            .collect::<Result<Vec<_>, Error>>()?;
        let taken = capacity::reserve_each(tx, &wanted)?;
        let mut placed = Vec::new();
        for (orders, taken) in by_slot.into_values().zip(taken) {
            let taken = usize::try_from(taken).map_err(|e| Error::corrupt("count", e))?;
            progress.changed_meanwhile += i32::try_from(orders.len() - taken).unwrap_or(0);
            placed.extend(orders.into_iter().take(taken));
        }
        placed.sort_by(|a, b| a.order.id.cmp(&b.order.id));
        let mut offers = Vec::with_capacity(placed.len());
        let mut placements = Vec::with_capacity(placed.len());
        for p in placed {
            let offer = offer(tx, run, p)?;
            progress.placed += 1;
            progress.cost_pence += p.choice.cost;
            placements.push(RunPlacement {
                order_id: p.order.id.clone(),
                listing_id: p.place.listing_id.clone(),
                provider_id: p.place.provider_id.clone(),
                starts_on: p.place.starts_on,
                price_pence: p.priced.price_pence,
                cost: p.choice.cost,
                offer_id: offer.id.clone(),
            });
            offers.push(offer);
        }
        offer_store::insert_many(tx, &offers)?;
        progress.placements =
            serde_json::to_string(&placements).map_err(|e| Error::corrupt("placements", e))?;
        Ok(store::add_progress(tx, run.run_id, &progress)?)
    })
}

/// Offers one order its place as a single placement does (the order `offered` with its
/// placement and explanation, `offer.created` and `order.offered` audited, the offer's
/// event), returning the offer for the caller to write with the others.
fn offer(tx: &mut Tx<'_>, run: &ThisRun, p: &Planned) -> Result<OfferRow, Error> {
    let (actor, now) = (run.actor, run.now);
    let order = p.order;
    // An unmatched order is open again for the run, then offered, in one update.
    let from = match order.status {
        OrderStatus::Unmatched => OrderStatus::Unmatched.apply(OrderEvent::Reopen)?,
        other => other,
    };
    let to = from.apply(OrderEvent::Offer)?;
    let placement = Placement {
        listing_id: p.place.listing_id.clone(),
        provider_id: p.place.provider_id.clone(),
        price_pence: p.priced.price_pence,
        list_price_pence: p.priced.list_price_pence,
        multiplier_bps: p.priced.multiplier_bps,
        starts_on: p.place.starts_on,
    };
    let offer = crate::placement::new_offer(order, &placement, run.settings, now);
    if !order_store::place_from(
        tx,
        &order.id,
        order.status,
        &placement,
        &p.explained,
        naive(now),
    )? {
        return Err(Error::corrupt("orders", "changed under the run's lock"));
    }
    crate::placement::audit_offer(tx, actor, &offer, now);
    let change = crate::placement::offered(
        actor,
        order,
        &offer,
        &placement,
        &p.explanation,
        (from, to),
        now,
    );
    change::record(tx, order, change)?;
    Ok(offer)
}
