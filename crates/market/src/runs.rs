//! Batch matching runs: a commissioner places the open and unmatched orders of an area
//! (or all areas) at once, at the least total cost, and sees the saving against placing
//! them one by one in arrival order.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::order::OrderStatus;
use provider_hub_domain::price::Priced;
use provider_hub_domain::Category;
use provider_hub_matching::batch::{self, Instance};
use provider_hub_matching::{place, Candidate, Request};
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::listings as listing_store;
use provider_hub_store::matching::{self as store, RunRow};
use provider_hub_store::offers as offer_store;
use provider_hub_store::orders::{self as order_store, OrderRow, Placement};
use provider_hub_store::{areas, plans, to_utc, write_transaction, DbConn, Tx};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::placement::{person_of, policy_of, Settings};
use crate::{naive, supply, Actor, Error};

/// What to run.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewRun {
    /// Only this area's orders; all areas when absent.
    #[serde(default)]
    #[schema(example = "SY-SHF")]
    pub area: Option<String>,
}

/// One order placed by a run.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RunPlacement {
    pub order_id: String,
    pub listing_id: String,
    pub provider_id: String,
    pub starts_on: NaiveDate,
    pub price_pence: i64,
    /// What the area's policy counts: the price plus its penalties.
    pub cost: i64,
    pub offer_id: String,
}

/// The same orders placed one by one in arrival order, for comparison.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Baseline {
    pub placed: u32,
    pub cost: i64,
}

/// A batch matching run.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RunView {
    pub id: String,
    /// The area run for; absent for all areas.
    pub area: Option<String>,
    /// Open and unmatched orders looked at.
    pub orders_considered: u32,
    pub placed: u32,
    /// The sum of the placed orders' costs (price plus the policy's penalties).
    pub total_cost: i64,
    /// Arrival-order placement of the same orders on the same market.
    pub one_by_one: Baseline,
    /// `one_by_one.cost − total_cost` when both place the same number of orders; when the
    /// batch places more, the extra orders' cost is in `total_cost` and this may be negative.
    pub saving: i64,
    pub placements: Vec<RunPlacement>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

fn view(row: RunRow) -> Result<RunView, Error> {
    let placements: Vec<RunPlacement> = serde_json::from_str(&row.placements)
        .map_err(|e| Error::corrupt("matching_runs.placements", e))?;
    let count = |n: i32| u32::try_from(n).map_err(|e| Error::corrupt("matching_runs counts", e));
    Ok(RunView {
        orders_considered: count(row.orders_considered)?,
        placed: count(row.placed)?,
        total_cost: row.total_cost_pence,
        one_by_one: Baseline {
            placed: count(row.greedy_placed)?,
            cost: row.greedy_cost_pence,
        },
        saving: row.greedy_cost_pence - row.total_cost_pence,
        placements,
        id: row.id,
        area: row.area_code,
        created_by: row.created_by,
        created_at: to_utc(row.created_at),
    })
}

pub fn get(conn: &mut DbConn, id: &str) -> Result<RunView, Error> {
    view(store::find_run(conn, id)?.ok_or_else(|| Error::NotFound(format!("matching run {id}")))?)
}

/// One category's orders, solved.
struct Solved {
    orders: Vec<OrderRow>,
    requests: Vec<(String, Request)>,
    instance: Instance,
    solution: batch::Solution,
    baseline: batch::Solution,
    listings: Vec<provider_hub_matching::Listing>,
    market: provider_hub_matching::Market,
    policies: BTreeMap<String, provider_hub_matching::Policy>,
}

/// Runs batch matching in one transaction: places are reserved, offers made and orders
/// moved exactly as single placements do, and the run is recorded.
pub fn run(
    conn: &mut DbConn,
    actor: &Actor,
    new: NewRun,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<RunView, Error> {
    let today = now.date_naive();
    write_transaction(conn, |conn| {
        if let Some(area) = &new.area {
            areas::find(conn, area)?.ok_or_else(|| Error::NotFound(format!("area {area}")))?;
        }
        // Open and unmatched orders, by category: a category is one market, shared by
        // every area (each order is priced by its own area's policy), in alphabetical order.
        let mut groups: BTreeMap<(&str, Category), Vec<OrderRow>> = BTreeMap::new();
        let mut considered = 0u32;
        for status in [OrderStatus::Open, OrderStatus::Unmatched] {
            for id in order_store::ids_in_status(conn, status, None, new.area.as_deref(), 100_000)?
            {
                let order = order_store::find(conn, &id)?
                    .ok_or_else(|| Error::corrupt("orders", "vanished inside the transaction"))?;
                considered += 1;
                groups
                    .entry((order.category.as_str(), order.category))
                    .or_default()
                    .push(order);
            }
        }
        let mut solved = Vec::new();
        for ((_, category), mut orders) in groups {
            orders.sort_by(|a, b| a.id.cmp(&b.id));
            let until = orders.iter().map(|o| o.required_by).max().unwrap_or(today);
            let listings = supply::load(conn, category, None, today, until)?;
            let market = supply::market(conn, today)?;
            let mut policies = BTreeMap::new();
            for order in &orders {
                if !policies.contains_key(&order.area_code) {
                    let policy = policy_of(conn, &order.area_code)?;
                    policies.insert(order.area_code.clone(), policy);
                }
            }
            let crns: Vec<String> = orders.iter().map(|o| o.crn.clone()).collect();
            let continuing = crate::placement::continuing_of(conn, &crns)?;
            let mut requests = Vec::with_capacity(orders.len());
            for order in &orders {
                let plan = plans::find(conn, &order.plan_id)?
                    .ok_or_else(|| Error::corrupt("orders.plan_id", "no such plan"))?;
                requests.push((
                    order.id.clone(),
                    Request {
                        category,
                        specification_code: order.specification_code.clone(),
                        area: order.area_code.clone(),
                        person: person_of(conn, &plan.assessment_id, &order.crn)?,
                        required_by: order.required_by,
                        not_before: crate::placement::not_before_of(conn, order)?,
                        excluded_listings: offer_store::refused_listings(conn, &order.id)?
                            .into_iter()
                            .collect(),
                        continuing: continuing.get(&order.crn).cloned().unwrap_or_default(),
                    },
                ));
            }
            let policy_of_area = |r: &Request| policies.get(&r.area).copied().unwrap_or_default();
            let instance = Instance::build(&requests, &listings, &market, policy_of_area);
            let solution = batch::solve(&instance);
            let baseline = batch::greedy(&instance);
            solved.push(Solved {
                orders,
                requests,
                instance,
                solution,
                baseline,
                listings,
                market,
                policies,
            });
        }
        let run_id = provider_hub_store::new_id("run");
        let mut placements = Vec::new();
        let (mut placed, mut cost, mut base_placed, mut base_cost) = (0u32, 0i64, 0u32, 0i64);
        for s in &solved {
            base_placed += u32::try_from(s.baseline.placed).unwrap_or(u32::MAX);
            base_cost += s.baseline.cost;
            for (o, order) in s.orders.iter().enumerate() {
                let Some(p) = s.solution.assignment[o] else {
                    continue;
                };
                let place_info = &s.instance.places[p];
                let priced = priced_place(s, o, place_info)?;
                let choice = s
                    .instance
                    .options(o)
                    .iter()
                    .find(|c| c.place == p)
                    .ok_or_else(|| {
                        Error::corrupt("batch", "an assignment outside the order's options")
                    })?;
                // An order its area's budget cannot cover stays where it is: a single
                // placement would hold it for a commissioner's approval.
                if order.budget_approved_by.is_none()
                    && crate::read_model::budgets::over_budget(
                        conn,
                        &order.area_code,
                        place_info.starts_on,
                        priced.price_pence,
                    )?
                {
                    continue;
                }
                if !listing_store::reserve_place(
                    conn,
                    &place_info.listing_id,
                    place_info.starts_on,
                )? {
                    return Err(Error::conflict(
                        "places were sold while the run was being solved; run it again",
                        None,
                    ));
                }
                let run = ThisRun {
                    actor,
                    run_id: &run_id,
                    settings,
                    now,
                };
                let offer_id = place_order(conn, &run, order, s, o, (place_info, priced), choice)?;
                placed += 1;
                cost += choice.cost;
                placements.push(RunPlacement {
                    order_id: order.id.clone(),
                    listing_id: place_info.listing_id.clone(),
                    provider_id: place_info.provider_id.clone(),
                    starts_on: place_info.starts_on,
                    price_pence: priced.price_pence,
                    cost: choice.cost,
                    offer_id,
                });
            }
        }
        let row = RunRow {
            id: run_id.clone(),
            area_code: new.area.clone(),
            orders_considered: i32::try_from(considered).map_err(|e| Error::corrupt("count", e))?,
            placed: i32::try_from(placed).map_err(|e| Error::corrupt("count", e))?,
            total_cost_pence: cost,
            greedy_cost_pence: base_cost,
            greedy_placed: i32::try_from(base_placed).map_err(|e| Error::corrupt("count", e))?,
            placements: serde_json::to_string(&placements)
                .map_err(|e| Error::corrupt("placements", e))?,
            created_by: actor.sub.clone(),
            created_at: naive(now),
        };
        store::insert_run(conn, &row)?;
        conn.audit(AuditEntry {
            actor,
            action: "matching_run.completed",
            entity_type: "matching_run",
            entity_id: &run_id,
            before: None,
            after: Some(serde_json::json!({
                "area": new.area, "orders_considered": considered, "placed": placed,
                "total_cost": cost, "one_by_one": {"placed": base_placed, "cost": base_cost}
            })),
            at: naive(now),
        });
        view(row)
    })
}

/// The run placing an order: who runs it, its id, the matching settings and its time.
#[derive(Clone, Copy)]
struct ThisRun<'a> {
    actor: &'a Actor,
    run_id: &'a str,
    settings: Settings,
    now: DateTime<Utc>,
}

/// What the `o`-th order's person pays for a place: its listing's price × their
/// multiplier (`provider_hub_matching::price_for`).
fn priced_place(s: &Solved, o: usize, place: &batch::Place) -> Result<Priced, Error> {
    // Loaded in id order: found by halving, else by looking at each.
    let listing = s
        .listings
        .binary_search_by(|l| l.id.as_str().cmp(&place.listing_id))
        .ok()
        .and_then(|i| s.listings.get(i))
        .or_else(|| s.listings.iter().find(|l| l.id == place.listing_id))
        .ok_or_else(|| Error::corrupt("batch", "a place of no listing loaded"))?;
    Ok(provider_hub_matching::price_for(
        listing,
        &s.requests[o].1.person,
    ))
}

/// Offers one order the place the run chose, as a single placement would.
fn place_order(
    conn: &mut Tx<'_>,
    run: &ThisRun,
    order: &OrderRow,
    s: &Solved,
    o: usize,
    (place_info, priced): (&batch::Place, Priced),
    choice: &batch::Choice,
) -> Result<String, Error> {
    let ThisRun {
        actor,
        run_id,
        settings,
        now,
    } = *run;
    if order.status == OrderStatus::Unmatched
        && !order_store::set_status(
            conn,
            &order.id,
            OrderStatus::Unmatched,
            OrderStatus::Open,
            naive(now),
        )?
    {
        return Err(Error::conflict(
            "an order changed during the run; run it again",
            None,
        ));
    }
    // The explanation: the single-order engine's counts, with the run's choice as chosen
    // and what the order would have had alone as the runner-up.
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
    explanation.chosen = Some(scored.unwrap_or_else(|| Candidate {
        listing_id: place_info.listing_id.clone(),
        provider_id: place_info.provider_id.clone(),
        price_pence: priced.price_pence,
        list_price_pence: Some(priced.list_price_pence),
        multiplier_bps: priced.multiplier_bps,
        quality_score: choice.quality,
        adjusted_score: None,
        evidence: Default::default(),
        starts_on: place_info.starts_on,
        days_to_start:
            u32::try_from((place_info.starts_on - now.date_naive()).num_days()).unwrap_or(0),
        cost: choice.cost,
        continuity: None,
    }));
    explanation.runner_up = alone;
    explanation.no_candidate_reason = None;
    explanation.policy = format!("{} (batch run {run_id})", explanation.policy);
    let placement = Placement {
        listing_id: place_info.listing_id.clone(),
        provider_id: place_info.provider_id.clone(),
        price_pence: priced.price_pence,
        list_price_pence: priced.list_price_pence,
        multiplier_bps: priced.multiplier_bps,
        starts_on: place_info.starts_on,
    };
    // The order is open again (if it was unmatched): it is offered as a single placement is.
    let order = OrderRow {
        status: OrderStatus::Open,
        ..order.clone()
    };
    crate::placement::offer(conn, actor, &order, &placement, &explanation, settings, now)
}
