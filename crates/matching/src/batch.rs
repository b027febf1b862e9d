//! Batch matching (SPEC.md §4): many orders placed at once so that as many as possible
//! are placed and, among such placements, the total cost (price plus the policy's
//! penalties) is minimal under the capacity of every start date. Exact: a minimum-cost
//! maximum flow, by filling places cheapest first where every place costs the same to
//! every kind that may take it (a matroid, so greedy is exact: `places`), else by the
//! network simplex method (`simplex`).
//!
//! The market has structure a general solver does not use: orders with the same
//! candidate places at the same costs are interchangeable. They are one *kind*, found
//! from the orders' attributes (`kinds`) and carried by one supply node, so the flow
//! network has one node per kind rather than per order (480 kinds for 10,000 orders in
//! the benchmark), and one pivot can move many orders at once.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

mod flow;
mod kinds;
pub use kinds::options_alone;
mod places;
mod simplex;

/// One start date of one listing, with the places the batch may fill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub listing_id: String,
    pub provider_id: String,
    pub starts_on: NaiveDate,
    /// The listing's own price (each order pays it × its person's multiplier:
    /// `crate::price_for`).
    pub price_pence: i64,
    pub capacity: u32,
}

/// A place an order may take, and what it costs by the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Choice {
    /// Index into `Instance::places`.
    pub place: usize,
    pub cost: i64,
    /// The score the policy breaks ties on, higher first: the provider's adjusted score
    /// for `best_value`, its accreditation score for `best_price`, on the start date.
    pub quality: u8,
}

/// A batch to solve: the kinds of order with the places each may take, which kind each
/// order is, and the places. Orders of one kind have the same options at the same
/// costs, so the options are held once per kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// Order ids in arrival order (the order greedy placement follows).
    pub orders: Vec<String>,
    /// For each order, its kind (an index into `kinds`).
    pub kind_of: Vec<usize>,
    /// For each kind, the places its orders may take, sorted.
    pub kinds: Vec<Vec<Choice>>,
    pub places: Vec<Place>,
}

/// Where each order goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Solution {
    /// For each order (as in `Instance::orders`), the index of its place, if placed.
    pub assignment: Vec<Option<usize>>,
    pub placed: usize,
    /// The sum of the placed orders' costs.
    pub cost: i64,
}

impl Instance {
    /// The places the `o`-th order may take, sorted.
    pub fn options(&self, o: usize) -> &[Choice] {
        &self.kinds[self.kind_of[o]]
    }

    /// Takes the `o`-th order out of the batch: it keeps its place in `orders` but may
    /// take no place (a run withholds an order its area's budget cannot cover, so that
    /// the place it would have had goes to the next best order).
    pub fn withhold(&mut self, o: usize) {
        let none = match self.kinds.iter().position(Vec::is_empty) {
            Some(k) => k,
            None => {
                self.kinds.push(Vec::new());
                self.kinds.len() - 1
            }
        };
        if let Some(kind) = self.kind_of.get_mut(o) {
            *kind = none;
        }
    }

    /// The single-order rule's preference between two options: lower cost, higher
    /// quality, earlier start, lower listing id (SPEC.md §4).
    fn preference(&self, a: &Choice, b: &Choice) -> std::cmp::Ordering {
        let (pa, pb) = (&self.places[a.place], &self.places[b.place]);
        a.cost
            .cmp(&b.cost)
            .then_with(|| b.quality.cmp(&a.quality))
            .then_with(|| pa.starts_on.cmp(&pb.starts_on))
            .then_with(|| pa.listing_id.cmp(&pb.listing_id))
            .then_with(|| a.place.cmp(&b.place))
    }

    fn solution(&self, assignment: Vec<Option<usize>>) -> Solution {
        let mut cost = 0i64;
        let mut placed = 0;
        for (o, place) in assignment.iter().enumerate() {
            if let Some(p) = place {
                placed += 1;
                cost += self
                    .options(o)
                    .iter()
                    .find(|x| x.place == *p)
                    .map_or(0, |x| x.cost);
            }
        }
        Solution {
            assignment,
            placed,
            cost,
        }
    }
}

/// Places the orders one by one in arrival order, each taking its own best option among
/// the places left: what the hub does at the point of need.
pub fn greedy(instance: &Instance) -> Solution {
    greedy_with(instance, |_, _| true)
}

/// [`greedy`], where an order may be refused the place it would take (`admit(order,
/// place)` false: its budget cannot pay for it): it is then left without a place, as a
/// single placement holds such an order for approval, and the place stays for the orders
/// after it.
pub fn greedy_with(instance: &Instance, mut admit: impl FnMut(usize, usize) -> bool) -> Solution {
    let mut left: Vec<u32> = instance.places.iter().map(|p| p.capacity).collect();
    let mut assignment = Vec::with_capacity(instance.orders.len());
    for o in 0..instance.orders.len() {
        let options = instance.options(o);
        let best = options
            .iter()
            .filter(|c| left[c.place] > 0)
            .min_by(|a, b| instance.preference(a, b));
        match best {
            Some(c) if admit(o, c.place) => {
                left[c.place] -= 1;
                assignment.push(Some(c.place));
            }
            _ => assignment.push(None),
        }
    }
    instance.solution(assignment)
}

/// How the flow is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// Places cheapest first when every place costs the same to every kind that may
    /// take it (exact then, and fastest), else the network simplex method.
    Auto,
    /// The network simplex method.
    NetworkSimplex,
    /// Cost scaling (the solver before it; kept to compare with in the benchmark).
    CostScaling,
    #[cfg(test)]
    SuccessiveShortestPaths,
}

/// The exact batch: the most orders placed, and among such placements the least total
/// cost. Deterministic: the same instance gives the same assignment.
pub fn solve(instance: &Instance) -> Solution {
    solve_with(instance, Algorithm::Auto)
}

/// `solve` by a chosen algorithm: each gives a maximum placement of least cost, though
/// where several placements tie they may choose differently.
pub fn solve_with(instance: &Instance, algorithm: Algorithm) -> Solution {
    // The orders of each kind, in arrival order.
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); instance.kinds.len()];
    for (o, kind) in instance.kind_of.iter().enumerate() {
        members[*kind].push(o);
    }
    let kinds: Vec<usize> = (0..instance.kinds.len())
        .filter(|k| !instance.kinds[*k].is_empty() && !members[*k].is_empty())
        .collect();
    // A continuity reduction can take a cost below zero: every option is raised by the
    // same amount, which adds the same to every maximum placement and so leaves the
    // cheapest one where it was (and keeps every cost non-negative for the solvers).
    let lift = kinds
        .iter()
        .flat_map(|k| &instance.kinds[*k])
        .map(|o| o.cost)
        .min()
        .map_or(0, |least| least.min(0).saturating_neg());
    let flows = match algorithm {
        Algorithm::Auto => {
            let options: Vec<&[Choice]> = kinds
                .iter()
                .map(|k| instance.kinds[*k].as_slice())
                .collect();
            let sizes: Vec<usize> = kinds.iter().map(|k| members[*k].len()).collect();
            let capacities: Vec<u32> = instance.places.iter().map(|p| p.capacity).collect();
            places::by_places(&options, &sizes, &capacities)
                .unwrap_or_else(|| by_simplex(instance, &kinds, &members, lift))
        }
        Algorithm::NetworkSimplex => by_simplex(instance, &kinds, &members, lift),
        _ => by_residual_network(instance, &kinds, &members, lift, algorithm),
    };

    // Hand each kind's places to its orders, the kind's best places to its earliest orders.
    let mut assignment = vec![None; instance.orders.len()];
    for (k, flows) in kinds.iter().zip(flows) {
        let mut given: Vec<(Choice, i64)> = instance.kinds[*k]
            .iter()
            .copied()
            .zip(flows)
            .filter(|(_, flow)| *flow > 0)
            .collect();
        given.sort_by(|a, b| instance.preference(&a.0, &b.0));
        let mut orders = members[*k].iter();
        for (option, flow) in given {
            for _ in 0..flow {
                if let Some(o) = orders.next() {
                    assignment[*o] = Some(option.place);
                }
            }
        }
    }
    instance.solution(assignment)
}

/// The flow on each option of each of `kinds`, by the network simplex method over the
/// transportation network: kinds (supply: their orders) → places → one sink.
fn by_simplex(
    instance: &Instance,
    kinds: &[usize],
    members: &[Vec<usize>],
    lift: i64,
) -> Vec<Vec<i64>> {
    let k = kinds.len();
    let p = instance.places.len();
    let sink = k + p;
    let mut supply = vec![0i64; k + p + 1];
    // Each kind's arcs cheapest first, so that pricing rounds bring in cheap arcs first.
    let mut arcs = Vec::new();
    let mut slot: Vec<Vec<usize>> = Vec::with_capacity(k);
    let mut first = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        let size = members[*kind].len();
        supply[i] = size as i64;
        supply[sink] -= size as i64;
        let options = &instance.kinds[*kind];
        let mut by_cost: Vec<usize> = (0..options.len()).collect();
        by_cost.sort_by_key(|j| (options[*j].cost, *j));
        let mut at = vec![0; options.len()];
        for (rank, j) in by_cost.into_iter().enumerate() {
            at[j] = arcs.len();
            let o = &options[j];
            arcs.push((i, k + o.place, size as i64, o.cost.saturating_add(lift)));
            // At first only as many of a kind's cheapest places as it has orders, and a
            // few more; the rest are priced when these no longer improve the flow.
            first.push(rank < size + EXTRA_PLACES);
        }
        slot.push(at);
    }
    for (j, place) in instance.places.iter().enumerate() {
        if place.capacity > 0 {
            arcs.push((k + j, sink, i64::from(place.capacity), 0));
            first.push(true);
        }
    }
    // Leaving an order out must cost more than any rearrangement could save.
    let dearest = arcs.iter().map(|a| a.3).max().unwrap_or(0);
    let nodes = i64::try_from(supply.len()).unwrap_or(i64::MAX);
    let unplaced = dearest.saturating_mul(nodes).saturating_add(1);
    let flow = simplex::min_cost_flow(&supply, &arcs, unplaced, &first);
    slot.iter()
        .map(|at| at.iter().map(|a| flow[*a]).collect())
        .collect()
}

/// Places beyond its number of orders that a kind's arcs are first priced for.
const EXTRA_PLACES: usize = 4;

/// The same by a residual-network algorithm: source → kinds → places → sink.
fn by_residual_network(
    instance: &Instance,
    kinds: &[usize],
    members: &[Vec<usize>],
    lift: i64,
    algorithm: Algorithm,
) -> Vec<Vec<i64>> {
    let k = kinds.len();
    let p = instance.places.len();
    let (source, sink) = (0, k + p + 1);
    let mut net = flow::Network::new(k + p + 2);
    let mut kind_edges: Vec<Vec<usize>> = Vec::with_capacity(k);
    let mut supply = 0;
    for (i, kind) in kinds.iter().enumerate() {
        let size = members[*kind].len() as i64;
        supply += size;
        net.add(source, 1 + i, size, 0);
        kind_edges.push(
            instance.kinds[*kind]
                .iter()
                .map(|o| net.add(1 + i, 1 + k + o.place, size, o.cost.saturating_add(lift)))
                .collect(),
        );
    }
    for (j, place) in instance.places.iter().enumerate() {
        if place.capacity > 0 {
            net.add(1 + k + j, sink, i64::from(place.capacity), 0);
        }
    }
    match algorithm {
        #[cfg(test)]
        Algorithm::SuccessiveShortestPaths => net.successive_shortest_paths(source, sink),
        _ => net.cost_scaling(source, sink, supply),
    }
    kind_edges
        .iter()
        .map(|edges| edges.iter().map(|e| net.edges[e ^ 1].cap).collect())
        .collect()
}

#[cfg(test)]
mod tests;
