//! Minimum-cost maximum flow on a residual network: cost scaling (the solver before the
//! network simplex, kept to compare with it) and successive shortest paths (the
//! reference the tests check both against).

#[cfg(test)]
use std::cmp::Reverse;
#[cfg(test)]
use std::collections::BinaryHeap;

pub(super) struct Edge {
    pub(super) to: usize,
    pub(super) cap: i64,
    pub(super) cost: i64,
}

/// A flow network in edge-pair form: edge `e` and its residual twin `e ^ 1`.
pub(super) struct Network {
    pub(super) edges: Vec<Edge>,
    out: Vec<Vec<usize>>,
}

impl Network {
    pub(super) fn new(nodes: usize) -> Self {
        Network {
            edges: Vec::new(),
            out: vec![Vec::new(); nodes],
        }
    }

    pub(super) fn add(&mut self, from: usize, to: usize, cap: i64, cost: i64) -> usize {
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
    pub(super) fn cost_scaling(&mut self, s: usize, t: usize, supply: i64) {
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
    pub(super) fn successive_shortest_paths(&mut self, s: usize, t: usize) {
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
