//! The batch when every place costs the same to every kind that may take it — as when
//! one policy prices a market whose people pay list prices and have no continuing
//! provider: then only which places are filled matters, not by whom.
//!
//! The sets of place units that can be filled at once (each by a kind that may take it,
//! no kind beyond its number of orders) are the independent sets of a matroid, so the
//! greedy rule is exact: take the places cheapest first, each unit if the places taken
//! so far and it can still be filled together. That gives the most places filled and,
//! among such sets, the cheapest. Whether a unit fits is one search for an augmenting
//! path over the few hundred kinds, with kind sets as bit sets; kinds a failed search
//! saw are full for good and are never searched again.

/// No kind: the start of an augmenting path.
const NONE: u32 = u32::MAX;

/// Kinds as a bit set, one per place: which kinds may take it.
struct Sets {
    words: usize,
    bits: Vec<u64>,
}

impl Sets {
    fn of(&self, p: usize) -> &[u64] {
        &self.bits[p * self.words..(p + 1) * self.words]
    }
}

fn set(bits: &mut [u64], i: usize) {
    bits[i / 64] |= 1 << (i % 64);
}

fn clear(bits: &mut [u64], i: usize) {
    bits[i / 64] &= !(1 << (i % 64));
}

/// The lowest kind in `a` and not in `b`.
fn first_in(a: &[u64], b: &[u64]) -> Option<usize> {
    a.iter().zip(b).enumerate().find_map(|(w, (x, y))| {
        let left = x & !y;
        (left != 0).then(|| w * 64 + left.trailing_zeros() as usize)
    })
}

/// The lowest kind in both `a` and `b`.
fn first_of_both(a: &[u64], b: &[u64]) -> Option<usize> {
    a.iter().zip(b).enumerate().find_map(|(w, (x, y))| {
        let both = x & y;
        (both != 0).then(|| w * 64 + both.trailing_zeros() as usize)
    })
}

/// The flow on each option of each of `kinds` (`sizes[i]` orders of kind `kinds[i]`,
/// whose options are `options[i]`, sorted by place), or `None` when some place costs
/// two kinds differently and the greedy rule would not be exact.
pub(super) fn by_places(
    options: &[&[super::Choice]],
    sizes: &[usize],
    capacities: &[u32],
) -> Option<Vec<Vec<i64>>> {
    let k = options.len();
    let p = capacities.len();
    let words = k.div_ceil(64).max(1);
    let mut may = Sets {
        words,
        bits: vec![0; p * words],
    };
    let mut cost: Vec<Option<i64>> = vec![None; p];
    for (i, list) in options.iter().enumerate() {
        for o in list.iter() {
            match cost[o.place] {
                Some(c) if c != o.cost => return None,
                _ => cost[o.place] = Some(o.cost),
            }
            set(&mut may.bits[o.place * words..(o.place + 1) * words], i);
        }
    }
    let mut order: Vec<(i64, usize)> = (0..p)
        .filter(|j| capacities[*j] > 0)
        .filter_map(|j| cost[j].map(|c| (c, j)))
        .collect();
    order.sort_unstable();

    let mut spare: Vec<usize> = sizes.to_vec();
    let mut with_spare = vec![0u64; words];
    for (i, s) in spare.iter().enumerate() {
        if *s > 0 {
            set(&mut with_spare, i);
        }
    }
    let mut left: usize = sizes.iter().sum();
    let mut held: Vec<Vec<u32>> = vec![Vec::new(); k];
    let mut full_for_good = vec![0u64; words];
    let mut seen = vec![0u64; words];
    let mut came_from: Vec<(u32, u32)> = vec![(NONE, 0); k];
    let mut queue: Vec<u32> = Vec::new();
    'places: for (_, j) in order {
        for _ in 0..capacities[j] {
            if left == 0 {
                break 'places;
            }
            let takers = may.of(j);
            if first_in(takers, &full_for_good).is_none() {
                continue 'places;
            }
            // A kind with orders to spare takes it at once; otherwise search for kinds
            // that can hand a place on, ending at one with orders to spare.
            let found = match first_of_both(takers, &with_spare) {
                Some(i) => {
                    came_from[i] = (NONE, index(j));
                    Some(i)
                }
                None => {
                    seen.copy_from_slice(&full_for_good);
                    queue.clear();
                    for (w, (x, y)) in takers.iter().zip(&full_for_good).enumerate() {
                        let mut bits = x & !y;
                        while bits != 0 {
                            let i = w * 64 + bits.trailing_zeros() as usize;
                            bits &= bits - 1;
                            set(&mut seen, i);
                            came_from[i] = (NONE, index(j));
                            queue.push(index(i));
                        }
                    }
                    search(&may, &held, &spare, &mut seen, &mut came_from, &mut queue)
                }
            };
            let Some(end) = found else {
                // Every kind the search saw is full and can hand on only to each other.
                full_for_good.copy_from_slice(&seen);
                continue 'places;
            };
            let mut kind = end;
            loop {
                let (from, place) = came_from[kind];
                held[kind].push(place);
                if from == NONE {
                    break;
                }
                let list = &mut held[from as usize];
                if let Some(at) = list.iter().position(|q| *q == place) {
                    list.swap_remove(at);
                }
                kind = from as usize;
            }
            spare[end] -= 1;
            if spare[end] == 0 {
                clear(&mut with_spare, end);
            }
            left -= 1;
        }
    }
    Some(
        options
            .iter()
            .zip(&held)
            .map(|(list, places)| {
                let mut flow = vec![0i64; list.len()];
                for q in places {
                    if let Ok(at) = list.binary_search_by_key(&(*q as usize), |o| o.place) {
                        flow[at] += 1;
                    }
                }
                flow
            })
            .collect(),
    )
}

fn index(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(NONE)
}

/// Breadth-first from the queued kinds: a kind reaches another through a place it holds
/// that the other may take. The first kind reached with orders to spare, if any.
fn search(
    may: &Sets,
    held: &[Vec<u32>],
    spare: &[usize],
    seen: &mut [u64],
    came_from: &mut [(u32, u32)],
    queue: &mut Vec<u32>,
) -> Option<usize> {
    let mut at = 0;
    while at < queue.len() {
        let kind = queue[at] as usize;
        at += 1;
        for &place in &held[kind] {
            for (w, (x, y)) in may
                .of(place as usize)
                .iter()
                .zip(seen.iter_mut())
                .enumerate()
            {
                let mut bits = x & !*y;
                *y |= bits;
                while bits != 0 {
                    let i = w * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    came_from[i] = (index(kind), place);
                    if spare[i] > 0 {
                        return Some(i);
                    }
                    queue.push(index(i));
                }
            }
        }
    }
    None
}
