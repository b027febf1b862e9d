//! Minimum-cost flow by the primal network simplex method, with block search pricing.
//!
//! The batch network is a transportation problem — a few hundred kinds of order with
//! large supplies, thousands of places with capacity 0–2 — on which the simplex
//! method needs far fewer and cheaper steps than cost scaling: each pivot prices a
//! small block of arcs and moves flow round one cycle of the spanning tree, and no
//! ε-phases repeat the work. Only each kind's cheapest places are priced at first;
//! the rest come in, cheapest first, when those stop improving the flow.
//!
//! The basis is a spanning tree rooted at an artificial node joined to every node. A
//! node's arc to the root carries its supply at cost 0 when it supplies and its demand
//! at `artificial_cost` when it demands: what ends on those arcs is supply no path could
//! carry, so an artificial cost dearer than any path makes the flow found maximal first
//! and cheapest second. The artificial arcs are priced like the rest, since a supply
//! node's arc may have to take back what is not placed after it left the tree. The
//! tree is kept strongly feasible (the leaving arc is the last blocking arc of the
//! cycle), which rules out cycling on degenerate pivots.

/// The pricing block is √(arcs priced) / this. Where places cost kinds differently
/// (tiered prices) the polishing takes far fewer pivots with larger blocks: on the tiered
/// 6,000-order benchmark √m/50 made 259,000 pivots (96 % degenerate) pricing 44 million
/// arcs, √m/10 170,000, √m/3 103,000 pricing 34 million; √m/5 between them, without
/// slowing the batches without tiers much (RESULTS.md).
const BLOCK_DIVISOR: usize = 5;
/// How many arcs from one node a pricing round brings in at first.
const FIRST_QUOTA: u32 = 4;

/// No node: the root's parent, a list's end.
const NONE: u32 = u32::MAX;
/// The capacity of the artificial arcs: unbounded for any supply here.
const UNBOUNDED: i64 = i64::MAX / 4;

/// An arc's state: in the tree, or out of it at its lower or upper bound. The sign of a
/// non-tree arc's state times its reduced cost is negative when it may enter.
const LOWER: i8 = 1;
const TREE: i8 = 0;
const UPPER: i8 = -1;

/// The network and its spanning-tree basis. The problem's arcs come first; the rest
/// join each node to the root.
struct Simplex {
    from: Vec<u32>,
    to: Vec<u32>,
    cap: Vec<i64>,
    cost: Vec<i64>,
    flow: Vec<i64>,
    state: Vec<i8>,
    /// The tree: each node's parent, the arc to it, whether that arc points up (from
    /// the node to its parent), the depth, and the potential.
    parent: Vec<u32>,
    pred: Vec<u32>,
    up: Vec<bool>,
    depth: Vec<u32>,
    potential: Vec<i64>,
    /// Children as doubly linked lists, so a subtree can be moved and walked.
    first_child: Vec<u32>,
    next_sibling: Vec<u32>,
    prev_sibling: Vec<u32>,
}

/// One arc of the problem: from, to, capacity, cost.
pub(super) type Arc = (usize, usize, i64, i64);

/// The flow on each arc of a minimum-cost flow from the nodes with positive `supply` to
/// those with negative supply (the supplies sum to zero), where flow a path cannot carry
/// is left at its source at `artificial_cost` a unit. Arcs with `first[e]` false are
/// priced only once the others no longer improve the flow (partial pricing: most of a
/// kind's dear places never matter). Deterministic.
pub(super) fn min_cost_flow(
    supply: &[i64],
    arcs: &[Arc],
    artificial_cost: i64,
    first: &[bool],
) -> Vec<i64> {
    let mut s = Simplex::new(supply, arcs, artificial_cost);
    s.run(first);
    s.flow.truncate(arcs.len());
    s.flow
}

fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(NONE)
}

impl Simplex {
    fn new(supply: &[i64], arcs: &[Arc], artificial_cost: i64) -> Self {
        let n = supply.len();
        let root = n;
        let all = arcs.len() + n;
        let mut s = Simplex {
            from: Vec::with_capacity(all),
            to: Vec::with_capacity(all),
            cap: Vec::with_capacity(all),
            cost: Vec::with_capacity(all),
            flow: vec![0; all],
            state: vec![LOWER; all],
            parent: vec![index(root); n + 1],
            pred: vec![NONE; n + 1],
            up: vec![true; n + 1],
            depth: vec![1; n + 1],
            potential: vec![0; n + 1],
            first_child: vec![NONE; n + 1],
            next_sibling: vec![NONE; n + 1],
            prev_sibling: vec![NONE; n + 1],
        };
        for &(from, to, cap, cost) in arcs {
            s.from.push(index(from));
            s.to.push(index(to));
            s.cap.push(cap);
            s.cost.push(cost);
        }
        for (u, &b) in supply.iter().enumerate() {
            let e = s.from.len();
            s.pred[u] = index(e);
            s.state[e] = TREE;
            s.cap.push(UNBOUNDED);
            if b >= 0 {
                // Zero-flow tree arcs point to the root: the tree starts strongly feasible.
                s.from.push(index(u));
                s.to.push(index(root));
                s.cost.push(0);
                s.flow[e] = b;
            } else {
                s.from.push(index(root));
                s.to.push(index(u));
                s.cost.push(artificial_cost);
                s.flow[e] = -b;
                s.up[u] = false;
                s.potential[u] = artificial_cost;
            }
            s.next_sibling[u] = if u + 1 < n { index(u + 1) } else { NONE };
            s.prev_sibling[u] = if u > 0 { index(u - 1) } else { NONE };
        }
        s.parent[root] = NONE;
        s.depth[root] = 0;
        if n > 0 {
            s.first_child[root] = 0;
        }
        s
    }

    fn reduced(&self, e: usize) -> i64 {
        let (u, v) = (self.from[e] as usize, self.to[e] as usize);
        i64::from(self.state[e]) * (self.cost[e] + self.potential[u] - self.potential[v])
    }

    fn run(&mut self, first: &[bool]) {
        let m = self.from.len();
        let mut priced: Vec<u32> = (0..m)
            .filter(|e| first.get(*e).copied().unwrap_or(true))
            .map(index)
            .collect();
        let mut is_priced = vec![false; m];
        for e in &priced {
            is_priced[*e as usize] = true;
        }
        let mut next = 0;
        let mut stem = Vec::new();
        let mut stack = Vec::new();
        let mut rounds = 0u32;
        loop {
            let n = priced.len();
            // Blocks of about a hundred arcs on a tiered batch: smaller ones pick poor arcs,
            // larger ones scan more than the pivots they save (RESULTS.md).
            let block = ((n as f64).sqrt() as usize / BLOCK_DIVISOR).max(1);
            // Block search: the best entering arc of the first block holding one.
            let (mut best, mut entering) = (0i64, usize::MAX);
            let mut i = next;
            let mut left = block;
            for _ in 0..n {
                let e = priced[i] as usize;
                let c = self.reduced(e);
                if c < best {
                    best = c;
                    entering = e;
                }
                i = if i + 1 == n { 0 } else { i + 1 };
                left -= 1;
                if left == 0 {
                    if best < 0 {
                        break;
                    }
                    left = block;
                }
            }
            if best >= 0 {
                // Optimal over the arcs priced so far: bring in other arcs that would
                // improve the flow, or stop when none would.
                rounds += 1;
                let before = priced.len();
                // Each node's cheapest few first (arcs come cheapest first from each
                // node), twice as many each round.
                let quota: u32 = FIRST_QUOTA << rounds.min(20);
                let mut taken = vec![0u32; self.parent.len()];
                for (e, in_pricing) in is_priced.iter_mut().enumerate() {
                    if !*in_pricing && self.reduced(e) < 0 {
                        let from = self.from[e] as usize;
                        if taken[from] < quota {
                            taken[from] += 1;
                            *in_pricing = true;
                            priced.push(index(e));
                        }
                    }
                }
                if priced.len() == before {
                    return;
                }
                next = before;
                continue;
            }
            next = i;
            self.pivot(entering, &mut stem, &mut stack);
        }
    }

    /// Sends flow round the cycle `entering` closes in the tree and swaps it for the
    /// cycle's last blocking arc.
    fn pivot(&mut self, entering: usize, stem: &mut Vec<u32>, stack: &mut Vec<u32>) {
        let (first, second) = if self.state[entering] == LOWER {
            (self.from[entering], self.to[entering])
        } else {
            (self.to[entering], self.from[entering])
        };
        let join = self.join(first, second);
        // The cycle runs join → first → second → join; the last arc to block it leaves.
        let mut delta = self.cap[entering];
        let mut side = 0;
        let mut leaving = NONE;
        let mut u = first;
        while u != join {
            let e = self.pred[u as usize] as usize;
            let room = if self.up[u as usize] {
                self.flow[e]
            } else {
                self.cap[e] - self.flow[e]
            };
            if room < delta {
                (delta, leaving, side) = (room, u, 1);
            }
            u = self.parent[u as usize];
        }
        let mut u = second;
        while u != join {
            let e = self.pred[u as usize] as usize;
            let room = if self.up[u as usize] {
                self.cap[e] - self.flow[e]
            } else {
                self.flow[e]
            };
            if room <= delta {
                (delta, leaving, side) = (room, u, 2);
            }
            u = self.parent[u as usize];
        }

        if delta > 0 {
            let change = i64::from(self.state[entering]) * delta;
            self.flow[entering] += change;
            let mut u = self.from[entering];
            while u != join {
                let e = self.pred[u as usize] as usize;
                self.flow[e] -= if self.up[u as usize] { change } else { -change };
                u = self.parent[u as usize];
            }
            let mut u = self.to[entering];
            while u != join {
                let e = self.pred[u as usize] as usize;
                self.flow[e] += if self.up[u as usize] { change } else { -change };
                u = self.parent[u as usize];
            }
        }
        if side == 0 {
            // The entering arc blocks itself: it moves to its other bound.
            self.state[entering] = -self.state[entering];
            return;
        }
        let (u_in, v_in) = if side == 1 {
            (first, second)
        } else {
            (second, first)
        };
        let out = self.pred[leaving as usize] as usize;
        self.state[entering] = TREE;
        self.state[out] = if self.flow[out] == 0 { LOWER } else { UPPER };
        self.reroot(entering, u_in, v_in, leaving, stem);
        self.shift(entering, u_in, v_in, stack);
    }

    /// The deepest common ancestor of two nodes.
    fn join(&self, mut a: u32, mut b: u32) -> u32 {
        while a != b {
            let (da, db) = (self.depth[a as usize], self.depth[b as usize]);
            if da >= db {
                a = self.parent[a as usize];
            }
            if db >= da {
                b = self.parent[b as usize];
            }
        }
        a
    }

    fn detach(&mut self, u: u32) {
        let (prev, next) = (self.prev_sibling[u as usize], self.next_sibling[u as usize]);
        if prev == NONE {
            self.first_child[self.parent[u as usize] as usize] = next;
        } else {
            self.next_sibling[prev as usize] = next;
        }
        if next != NONE {
            self.prev_sibling[next as usize] = prev;
        }
    }

    fn attach(&mut self, u: u32, parent: u32) {
        let head = self.first_child[parent as usize];
        self.parent[u as usize] = parent;
        self.next_sibling[u as usize] = head;
        self.prev_sibling[u as usize] = NONE;
        if head != NONE {
            self.prev_sibling[head as usize] = u;
        }
        self.first_child[parent as usize] = u;
    }

    /// Hangs the subtree cut off at `leaving` from `v_in` by the entering arc: the
    /// path from `u_in` up to `leaving` (the stem) turns over.
    fn reroot(&mut self, entering: usize, u_in: u32, v_in: u32, leaving: u32, stem: &mut Vec<u32>) {
        stem.clear();
        let mut u = u_in;
        loop {
            stem.push(u);
            if u == leaving {
                break;
            }
            u = self.parent[u as usize];
        }
        for &w in stem.iter() {
            self.detach(w);
        }
        // Each stem node's arc to its old parent becomes that parent's arc to it.
        for i in (0..stem.len() - 1).rev() {
            let (child, parent) = (stem[i] as usize, stem[i + 1] as usize);
            self.pred[parent] = self.pred[child];
            self.up[parent] = !self.up[child];
            self.attach(stem[i + 1], stem[i]);
        }
        self.pred[u_in as usize] = index(entering);
        self.up[u_in as usize] = self.from[entering] == u_in;
        self.attach(u_in, v_in);
    }

    /// Moves the potentials of the subtree now under `u_in` so that the entering arc has
    /// reduced cost zero, and sets its depths.
    fn shift(&mut self, entering: usize, u_in: u32, v_in: u32, stack: &mut Vec<u32>) {
        let cost = self.cost[entering];
        let target = if self.up[u_in as usize] {
            self.potential[v_in as usize] - cost
        } else {
            self.potential[v_in as usize] + cost
        };
        let sigma = target - self.potential[u_in as usize];
        stack.clear();
        stack.push(u_in);
        while let Some(u) = stack.pop() {
            let u = u as usize;
            self.potential[u] += sigma;
            self.depth[u] = self.depth[self.parent[u] as usize] + 1;
            let mut c = self.first_child[u];
            while c != NONE {
                stack.push(c);
                c = self.next_sibling[c as usize];
            }
        }
    }
}
