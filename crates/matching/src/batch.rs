//! Batch matching (SPEC.md §4): many orders placed at once so that as many as possible
//! are placed and, among such placements, the total cost (price plus the policy's
//! penalties) is minimal under the capacity of every start date. Exact, not greedy:
//! a minimum-cost maximum flow by cost scaling.
//!
//! The market has structure a general solver does not use: orders with the same
//! candidate places at the same costs are interchangeable. They become one supply node
//! carrying all of them, so the flow network has one node per *kind* of order rather
//! than per order (480 kinds for 10,000 orders in the benchmark), and one push can
//! place many orders at once.

#[cfg(test)]
use std::cmp::Reverse;
use std::collections::BTreeMap;
#[cfg(test)]
use std::collections::BinaryHeap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::continuity::judge;
use crate::{days_between, static_rules, usable_slot, Listing, Market, Policy, Request, Window};

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

/// A batch to solve: each order's options, and the places.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Instance {
    /// Order ids in arrival order (the order greedy placement follows).
    pub orders: Vec<String>,
    /// For each order, the places it may take.
    pub options: Vec<Vec<Choice>>,
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
    /// Builds the batch from orders and the market: every place each order may take by
    /// the rules of SPEC.md §4, priced by the policy of the order's area (`policy_of`).
    pub fn build(
        requests: &[(String, Request)],
        listings: &[Listing],
        market: &Market,
        policy_of: impl Fn(&Request) -> Policy,
    ) -> Self {
        let mut places = Vec::new();
        // For each listing, the index of its first place; its places follow in slot order.
        let mut first = Vec::with_capacity(listings.len());
        for listing in listings {
            first.push(places.len());
            for slot in &listing.slots {
                places.push(Place {
                    listing_id: listing.id.clone(),
                    provider_id: listing.provider_id.clone(),
                    starts_on: slot.starts_on,
                    price_pence: listing.price_pence,
                    capacity: slot.free,
                });
            }
        }
        let mut orders = Vec::with_capacity(requests.len());
        let mut all_options = Vec::with_capacity(requests.len());
        for (id, request) in requests {
            let policy = policy_of(request);
            let window = Window::of(request, market);
            let mut options = Vec::new();
            for (l, listing) in listings.iter().enumerate() {
                if static_rules(request, listing, market, &window).is_err()
                    || listing.price_pence > listing.price_cap_pence
                    || window.excludes(&listing.id)
                {
                    continue;
                }
                for (k, slot) in listing.slots.iter().enumerate() {
                    if let Some(quality) = usable_slot(request, listing, market, &window, slot) {
                        // The continuity reduction is per order and provider: orders
                        // it applies to have options of their own costs, so they form
                        // kinds of their own and the flow stays exact.
                        let judged = judge(
                            request,
                            listing,
                            policy,
                            quality,
                            crate::price_for(listing, &request.person).price_pence,
                            days_between(market.today, slot.starts_on),
                        );
                        options.push(Choice {
                            place: first[l] + k,
                            cost: judged.cost,
                            quality: judged.ranking_score,
                        });
                    }
                }
            }
            options.sort();
            orders.push(id.clone());
            all_options.push(options);
        }
        Instance {
            orders,
            options: all_options,
            places,
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
                cost += self.options[o]
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
    let mut left: Vec<u32> = instance.places.iter().map(|p| p.capacity).collect();
    let mut assignment = Vec::with_capacity(instance.orders.len());
    for options in &instance.options {
        let best = options
            .iter()
            .filter(|o| left[o.place] > 0)
            .min_by(|a, b| instance.preference(a, b));
        match best {
            Some(o) => {
                left[o.place] -= 1;
                assignment.push(Some(o.place));
            }
            None => assignment.push(None),
        }
    }
    instance.solution(assignment)
}

struct Edge {
    to: usize,
    cap: i64,
    cost: i64,
}

/// A flow network in edge-pair form: edge `e` and its residual twin `e ^ 1`.
struct Network {
    edges: Vec<Edge>,
    out: Vec<Vec<usize>>,
}

impl Network {
    fn new(nodes: usize) -> Self {
        Network {
            edges: Vec::new(),
            out: vec![Vec::new(); nodes],
        }
    }

    fn add(&mut self, from: usize, to: usize, cap: i64, cost: i64) -> usize {
        let e = self.edges.len();
        self.edges.push(Edge { to, cap, cost });
        self.edges.push(Edge {
            to: from,
            cap: 0,
            cost: -cost,
        });
        self.out[from].push(e);
        self.out[to].push(e + 1);
        e
    }

    /// Minimum-cost maximum flow from `s` to `t` by cost scaling (Goldberg and Tarjan's
    /// push-relabel refinement of ε-optimal flows). `supply` bounds the flow (the total
    /// capacity out of `s`). An uncapacitated bypass `s → t` dearer than any path makes
    /// every supply feasible, so the cheapest flow uses the bypass only for what no path
    /// can carry: the real flow is maximum, and the cheapest such.
    fn cost_scaling(&mut self, s: usize, t: usize, supply: i64) {
        let n = self.out.len();
        let max_cost = self.edges.iter().map(|e| e.cost.abs()).max().unwrap_or(0);
        // Any simple s–t path costs less than this.
        let bypass_cost = max_cost.saturating_mul(n as i64).saturating_add(1);
        let bypass = self.add(s, t, supply, bypass_cost);
        // With costs scaled by n + 1, a 1-optimal flow is optimal for the integer costs.
        let scale = n as i64 + 1;
        for e in &mut self.edges {
            e.cost *= scale;
        }
        let mut excess = vec![0i64; n];
        excess[s] = supply;
        excess[t] = -supply;
        let mut price = vec![0i64; n];
        let mut current = vec![0usize; n];
        let mut epsilon = bypass_cost.saturating_mul(scale);
        let mut queue = std::collections::VecDeque::new();
        let mut queued = vec![false; n];
        loop {
            epsilon = (epsilon / 16).max(1);
            // Make the flow ε-optimal at once: saturate every arc of negative reduced cost.
            for v in 0..n {
                for &e in &self.out[v] {
                    let edge = &self.edges[e];
                    if edge.cap > 0 && edge.cost + price[v] - price[edge.to] < 0 {
                        let (to, cap) = (edge.to, edge.cap);
                        self.edges[e].cap = 0;
                        self.edges[e ^ 1].cap += cap;
                        excess[v] -= cap;
                        excess[to] += cap;
                    }
                }
            }
            queue.clear();
            queued.iter_mut().for_each(|q| *q = false);
            for v in 0..n {
                current[v] = 0;
                if excess[v] > 0 {
                    queue.push_back(v);
                    queued[v] = true;
                }
            }
            // Discharge active nodes: push along admissible arcs (reduced cost < 0),
            // relabelling a node when it has none.
            while let Some(v) = queue.pop_front() {
                queued[v] = false;
                while excess[v] > 0 {
                    if current[v] == self.out[v].len() {
                        let mut best = i64::MIN;
                        for &e in &self.out[v] {
                            let edge = &self.edges[e];
                            if edge.cap > 0 {
                                best = best.max(price[edge.to] - edge.cost);
                            }
                        }
                        if best == i64::MIN {
                            break;
                        }
                        price[v] = best - epsilon;
                        current[v] = 0;
                        continue;
                    }
                    let e = self.out[v][current[v]];
                    let edge = &self.edges[e];
                    if edge.cap > 0 && edge.cost + price[v] - price[edge.to] < 0 {
                        let to = edge.to;
                        let delta = excess[v].min(edge.cap);
                        self.edges[e].cap -= delta;
                        self.edges[e ^ 1].cap += delta;
                        excess[v] -= delta;
                        excess[to] += delta;
                        if excess[to] > 0 && !queued[to] {
                            queue.push_back(to);
                            queued[to] = true;
                        }
                    } else {
                        current[v] += 1;
                    }
                }
            }
            if epsilon == 1 {
                break;
            }
        }
        for e in &mut self.edges {
            e.cost /= scale;
        }
        // The bypass carried what could not be placed; it is not part of the answer.
        let _ = bypass;
    }

    /// Minimum-cost maximum flow from `s` to `t` by successive shortest paths (Dijkstra on
    /// reduced costs; all costs start non-negative, so zero potentials are valid). Slower
    /// than cost scaling when augmentations are many; kept as the reference the tests
    /// check it against.
    #[cfg(test)]
    fn successive_shortest_paths(&mut self, s: usize, t: usize) {
        let n = self.out.len();
        let mut potential = vec![0i64; n];
        let mut dist = vec![i64::MAX; n];
        let mut via = vec![usize::MAX; n];
        let mut done = vec![false; n];
        let mut heap = BinaryHeap::new();
        loop {
            dist.iter_mut().for_each(|d| *d = i64::MAX);
            done.iter_mut().for_each(|d| *d = false);
            dist[s] = 0;
            heap.clear();
            heap.push(Reverse((0i64, s)));
            while let Some(Reverse((d, v))) = heap.pop() {
                if done[v] {
                    continue;
                }
                done[v] = true;
                if v == t {
                    break;
                }
                for &e in &self.out[v] {
                    let edge = &self.edges[e];
                    if edge.cap == 0 || done[edge.to] {
                        continue;
                    }
                    let nd = d + edge.cost + potential[v] - potential[edge.to];
                    if nd < dist[edge.to] {
                        dist[edge.to] = nd;
                        via[edge.to] = e;
                        heap.push(Reverse((nd, edge.to)));
                    }
                }
            }
            if !done[t] {
                return;
            }
            // Nodes settled before the sink move by their distance, the rest by the
            // sink's: reduced costs stay non-negative.
            let dt = dist[t];
            for v in 0..n {
                potential[v] += if done[v] { dist[v] } else { dt };
            }
            let mut push = i64::MAX;
            let mut v = t;
            while v != s {
                let e = via[v];
                push = push.min(self.edges[e].cap);
                v = self.edges[e ^ 1].to;
            }
            let mut v = t;
            while v != s {
                let e = via[v];
                self.edges[e].cap -= push;
                self.edges[e ^ 1].cap += push;
                v = self.edges[e ^ 1].to;
            }
        }
    }
}

/// How the flow is computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Algorithm {
    CostScaling,
    #[cfg(test)]
    SuccessiveShortestPaths,
}

/// The exact batch: the most orders placed, and among such placements the least total
/// cost. Deterministic: the same instance gives the same assignment.
pub fn solve(instance: &Instance) -> Solution {
    solve_with(instance, Algorithm::CostScaling)
}

fn solve_with(instance: &Instance, algorithm: Algorithm) -> Solution {
    // Orders with identical options are one kind; BTreeMap keeps the kinds in a fixed order.
    let mut kinds: BTreeMap<&[Choice], Vec<usize>> = BTreeMap::new();
    for (o, options) in instance.options.iter().enumerate() {
        if !options.is_empty() {
            kinds.entry(options.as_slice()).or_default().push(o);
        }
    }
    let kinds: Vec<(&[Choice], Vec<usize>)> = kinds.into_iter().collect();
    let k = kinds.len();
    let p = instance.places.len();
    let (source, sink) = (0, k + p + 1);
    let mut net = Network::new(k + p + 2);
    let mut kind_edges: Vec<Vec<(usize, Choice)>> = Vec::with_capacity(k);
    // A continuity reduction can take a cost below zero: every option is raised by the
    // same amount, which adds the same to every maximum placement and so leaves the
    // cheapest one where it was (and keeps every cost non-negative for the solvers).
    let lift = instance
        .options
        .iter()
        .flatten()
        .map(|o| o.cost)
        .min()
        .map_or(0, |least| least.min(0).saturating_neg());
    for (i, (options, members)) in kinds.iter().enumerate() {
        let size = members.len() as i64;
        net.add(source, 1 + i, size, 0);
        kind_edges.push(
            options
                .iter()
                .map(|o| {
                    (
                        net.add(1 + i, 1 + k + o.place, size, o.cost.saturating_add(lift)),
                        *o,
                    )
                })
                .collect(),
        );
    }
    for (j, place) in instance.places.iter().enumerate() {
        if place.capacity > 0 {
            net.add(1 + k + j, sink, i64::from(place.capacity), 0);
        }
    }
    match algorithm {
        Algorithm::CostScaling => {
            let supply = kinds.iter().map(|(_, m)| m.len() as i64).sum();
            net.cost_scaling(source, sink, supply);
        }
        #[cfg(test)]
        Algorithm::SuccessiveShortestPaths => net.successive_shortest_paths(source, sink),
    }

    // Hand each kind's places to its orders, the kind's best places to its earliest orders.
    let mut assignment = vec![None; instance.orders.len()];
    for ((_, members), edges) in kinds.iter().zip(&kind_edges) {
        let mut given: Vec<(Choice, i64)> = edges
            .iter()
            .map(|(e, o)| (*o, net.edges[e ^ 1].cap))
            .filter(|(_, flow)| *flow > 0)
            .collect();
        given.sort_by(|a, b| instance.preference(&a.0, &b.0));
        let mut members = members.iter();
        for (option, flow) in given {
            for _ in 0..flow {
                if let Some(o) = members.next() {
                    assignment[*o] = Some(option.place);
                }
            }
        }
    }
    instance.solution(assignment)
}

#[cfg(test)]
mod tests;
