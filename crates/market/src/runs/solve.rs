//! A run's read and solve: the orders and everything the engine needs of them read in a
//! handful of queries outside any write transaction, each category's batch solved, and
//! solved again without the orders their area's budget cannot cover until every
//! placement left fits, so a place the budget rules out goes to the next best order.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use provider_hub_domain::order::OrderStatus;
use provider_hub_domain::payment::financial_year;
use provider_hub_domain::price::Priced;
use provider_hub_domain::Category;
use provider_hub_matching::batch::{self, Instance};
use provider_hub_matching::{Listing, Market, Person, Policy, Request};
use provider_hub_store::orders::OrderRow;
use provider_hub_store::runs as store;
use provider_hub_store::DbConn;

use crate::placement::{continuing_of, policy_of};
use crate::{supply, Error};

/// The most times a category is solved again for budgets; each round withholds at least
/// one more order, and what is still over budget after the last is held when applied.
const BUDGET_ROUNDS: usize = 8;

/// One category's orders, solved.
pub(super) struct Solved {
    pub orders: Vec<OrderRow>,
    pub requests: Vec<(String, Request)>,
    pub instance: Instance,
    pub solution: batch::Solution,
    /// The same orders placed one by one in arrival order, each held when its budget
    /// cannot pay for its place (which stays for the orders after it).
    pub baseline: batch::Solution,
    pub listings: Vec<Listing>,
    pub market: Market,
    pub policies: BTreeMap<String, Policy>,
    /// Orders withheld because their area's budget could not cover them.
    pub withheld: usize,
}

impl Solved {
    /// What the `o`-th order's person pays for a place: its listing's price × their
    /// multiplier (`provider_hub_matching::price_for`).
    pub fn priced(&self, o: usize, place: &batch::Place) -> Result<Priced, Error> {
        // Loaded in id order: found by halving, else by looking at each.
        let listing = self
            .listings
            .binary_search_by(|l| l.id.as_str().cmp(&place.listing_id))
            .ok()
            .and_then(|i| self.listings.get(i))
            .or_else(|| self.listings.iter().find(|l| l.id == place.listing_id))
            .ok_or_else(|| Error::corrupt("batch", "a place of no listing loaded"))?;
        Ok(provider_hub_matching::price_for(
            listing,
            &self.requests[o].1.person,
        ))
    }
}

/// What the run reads: the open and unmatched orders (of `area`, or all), by category.
pub(super) struct Considered {
    pub count: u32,
    pub by_category: BTreeMap<Category, Vec<(OrderRow, Request)>>,
}

/// Reads the orders a run considers and builds each one's request, in five queries
/// whatever their number.
pub(super) fn considered(conn: &mut DbConn, area: Option<&str>) -> Result<Considered, Error> {
    let statuses = [OrderStatus::Open, OrderStatus::Unmatched];
    let rows = store::orders(conn, &statuses, area)?;
    let mut refused: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (order, listing) in store::refused(conn, &statuses, area)? {
        refused.entry(order).or_default().insert(listing);
    }
    let crns: Vec<String> = rows
        .iter()
        .map(|r| r.order.crn.clone())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // A few thousand people a query: under SQLite's limit of bound parameters.
    let mut continuing = BTreeMap::new();
    for some in crns.chunks(5_000) {
        continuing.append(&mut continuing_of(conn, some)?);
    }
    let mut by_category: BTreeMap<Category, Vec<(OrderRow, Request)>> = BTreeMap::new();
    let count = u32::try_from(rows.len()).map_err(|e| Error::corrupt("orders", e))?;
    for row in rows {
        let order = row.order;
        let request = Request {
            category: order.category,
            specification_code: order.specification_code.clone(),
            area: order.area_code.clone(),
            person: Person {
                sex: row.sex,
                date_of_birth: row.date_of_birth,
                risk_of_harm: row.risk_of_harm,
                tier: u8::try_from(row.tier).map_err(|e| Error::corrupt("assessments.tier", e))?,
            },
            required_by: order.required_by,
            not_before: row.not_before,
            excluded_listings: refused.remove(&order.id).unwrap_or_default(),
            continuing: continuing.get(&order.crn).cloned().unwrap_or_default(),
        };
        by_category
            .entry(order.category)
            .or_default()
            .push((order, request));
    }
    Ok(Considered { count, by_category })
}

/// Solves one category's orders on today's market, then again without the orders their
/// area's budget cannot cover (walked in arrival order, each taking its price from what
/// its area's budget for the start's financial year has left), until every placement
/// left fits.
pub(super) fn solve(
    conn: &mut DbConn,
    category: Category,
    orders: Vec<(OrderRow, Request)>,
    today: NaiveDate,
) -> Result<Solved, Error> {
    let until = orders
        .iter()
        .map(|(o, _)| o.required_by)
        .max()
        .unwrap_or(today);
    let listings = supply::load(conn, category, None, today, until)?;
    let market = supply::market(conn, today)?;
    let mut policies = BTreeMap::new();
    for (order, _) in &orders {
        if !policies.contains_key(&order.area_code) {
            let policy = policy_of(conn, &order.area_code)?;
            policies.insert(order.area_code.clone(), policy);
        }
    }
    let (orders, requests): (Vec<OrderRow>, Vec<(String, Request)>) = orders
        .into_iter()
        .map(|(o, r)| {
            let id = o.id.clone();
            (o, (id, r))
        })
        .unzip();
    let policy_of_area = |r: &Request| policies.get(&r.area).copied().unwrap_or_default();
    let mut instance = Instance::build(&requests, &listings, &market, policy_of_area);
    // What each (area, financial year) budget the orders may spend from has left; None
    // for one that does not exist (not limited).
    let years: BTreeSet<i32> = instance
        .places
        .iter()
        .map(|p| financial_year(p.starts_on))
        .collect();
    let areas: BTreeSet<&str> = orders.iter().map(|o| o.area_code.as_str()).collect();
    let mut budgets = Budgets::new();
    for area in areas {
        for year in &years {
            let left = crate::read_model::budgets::remaining(conn, area, *year)?;
            budgets.insert((area.to_owned(), *year), left);
        }
    }
    let mut solved = Solved {
        solution: batch::solve(&instance),
        baseline: batch::Solution {
            assignment: Vec::new(),
            placed: 0,
            cost: 0,
        },
        orders,
        requests,
        instance: instance.clone(),
        listings,
        market,
        policies,
        withheld: 0,
    };
    // One by one, an order its budget cannot pay for is held and leaves its place free.
    let mut left = budgets.clone();
    solved.baseline = batch::greedy_with(&instance, |o, p| {
        solved
            .priced(o, &instance.places[p])
            .map(|priced| spend(&mut left, &solved.orders[o], &instance.places[p], priced))
            .unwrap_or(false)
    });
    for _ in 0..BUDGET_ROUNDS {
        let over = over_budget(&solved, &budgets)?;
        if over.is_empty() {
            break;
        }
        for o in over {
            instance.withhold(o);
            solved.withheld += 1;
        }
        solved.solution = batch::solve(&instance);
        solved.instance = instance.clone();
    }
    Ok(solved)
}

/// What each (area, financial year) budget has left; None: no budget, not limited.
type Budgets = BTreeMap<(String, i32), Option<i64>>;

/// Spends an order's price from its area's budget for the start's year, if it fits (an
/// order a commissioner approved over budget, or of an area without a budget, always does).
fn spend(left: &mut Budgets, order: &OrderRow, place: &batch::Place, priced: Priced) -> bool {
    if order.budget_approved_by.is_some() {
        return true;
    }
    let key = (order.area_code.clone(), financial_year(place.starts_on));
    match left.get_mut(&key) {
        Some(Some(budget)) if priced.price_pence > *budget => false,
        Some(Some(budget)) => {
            *budget -= priced.price_pence;
            true
        }
        _ => true,
    }
}

/// The orders of a solution, in arrival order, that their area's budget cannot cover
/// after the orders before them (each spending from what `budgets` has left as it goes).
fn over_budget(solved: &Solved, budgets: &Budgets) -> Result<Vec<usize>, Error> {
    let mut left = budgets.clone();
    let mut over = Vec::new();
    for (o, order) in solved.orders.iter().enumerate() {
        let Some(p) = solved.solution.assignment[o] else {
            continue;
        };
        let place = &solved.instance.places[p];
        if !spend(&mut left, order, place, solved.priced(o, place)?) {
            over.push(o);
        }
    }
    Ok(over)
}
