//! The single-order engine: every listing checked, every candidate scored, the best kept.
//!
//! Each candidate's place in the policy's order is one integer (`Scored::key`: cost,
//! quality, days to start) with the listing id breaking ties, so keeping the best few is
//! one comparison per candidate against the worst kept, and ranking every candidate is
//! one sort of integers.

use chrono::NaiveDate;

use crate::explanation::no_candidate_reason;
use crate::rules::{score, Scored, Window, INDEX_MASK};
use crate::{Exclusion, Explanation, Listing, Market, Policy, Ranking, Request, Rule};

/// How many of the best candidates a kept explanation stores, best first. Ten shows an
/// offender manager the field the choice was made from, and places a batch run's choice
/// (nearly always among the first few) without storing thousands of candidates per order;
/// the whole ranking is recomputed on demand ([`rank`]).
pub const TOP_CANDIDATES: usize = 10;

/// What a pass over the listings keeps besides the counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// The choice and the runner-up.
    Choice,
    /// The best [`TOP_CANDIDATES`].
    Top,
    /// Every candidate, ranked.
    All,
}

/// The policy's choice among `listings` for `request`, with its explanation and the best
/// [`TOP_CANDIDATES`] candidates ranked: what a placement keeps. Every candidate is
/// scored; `candidates` counts them and `earliest_start` is the earliest of them all.
pub fn place<'a>(
    request: &Request,
    listings: impl IntoIterator<Item = &'a Listing>,
    market: &Market,
    policy: Policy,
) -> Explanation {
    choose(request, listings, market, policy, Keep::Top)
}

/// The policy's choice and its explanation without a ranking: for costing a plan or
/// checking whether an order could match, where nothing is kept.
pub fn quote<'a>(
    request: &Request,
    listings: impl IntoIterator<Item = &'a Listing>,
    market: &Market,
    policy: Policy,
) -> Explanation {
    choose(request, listings, market, policy, Keep::Choice)
}

/// As [`place`], with every candidate ranked: the whole ranking, as the listings given
/// stand, for an offender manager or commissioner who asks for it.
pub fn rank<'a>(
    request: &Request,
    listings: impl IntoIterator<Item = &'a Listing>,
    market: &Market,
    policy: Policy,
) -> Explanation {
    choose(request, listings, market, policy, Keep::All)
}

/// The rank (1 for the policy's choice) `listing_id` takes among the candidates of
/// `listings` for `request`, by its earliest start as [`place`] ranks it; `None` when it
/// is not a candidate. For a batch run, whose choice may not be the single-order one.
pub fn rank_of<'a>(
    request: &Request,
    listings: impl IntoIterator<Item = &'a Listing> + Clone,
    market: &Market,
    policy: Policy,
    listing_id: &str,
) -> Option<u32> {
    let window = Window::of(request, market);
    let own = listings
        .clone()
        .into_iter()
        .find(|l| l.id == listing_id)
        .and_then(|l| score(request, l, market, &window, policy).ok())?;
    let better = listings
        .into_iter()
        .filter_map(|l| score(request, l, market, &window, policy).ok())
        .filter(|s| s.better_than(&own))
        .count();
    u32::try_from(better).ok().map(|b| b.saturating_add(1))
}

/// The best candidates seen so far, best first, at most `keep` of them.
struct Best<'a> {
    keep: usize,
    kept: Vec<(u128, Scored<'a>)>,
}

impl<'a> Best<'a> {
    fn new(keep: usize) -> Self {
        Best {
            keep,
            kept: Vec::with_capacity(keep + 1),
        }
    }

    /// Keeps `s` if it is among the best `keep` so far (by reference: most are not, and
    /// are not copied).
    #[inline]
    fn offer(&mut self, s: &Scored<'a>) {
        let key = s.key();
        let before = |(k, x): &(u128, Scored<'a>)| {
            *k < key || (*k == key && x.listing.id.as_str() < s.listing.id.as_str())
        };
        if self.kept.len() == self.keep && self.kept.last().is_none_or(before) {
            return;
        }
        let at = self.kept.partition_point(before);
        self.kept.insert(at, (key, *s));
        self.kept.truncate(self.keep);
    }
}

fn choose<'a>(
    request: &Request,
    listings: impl IntoIterator<Item = &'a Listing>,
    market: &Market,
    policy: Policy,
    keep: Keep,
) -> Explanation {
    let mut considered = 0u32;
    let mut excluded = [0u32; 8];
    let mut candidates = 0u32;
    let mut earliest_start: Option<NaiveDate> = None;
    let window = Window::of(request, market);
    let listings = listings.into_iter();
    let mut best = Best::new(match keep {
        Keep::Choice => 2,
        Keep::Top | Keep::All => TOP_CANDIDATES,
    });
    // To rank every candidate: each one's rank key (its scores and index) and listing,
    // sorted once at the end.
    let capacity = if keep == Keep::All {
        listings.size_hint().0
    } else {
        0
    };
    let mut keys: Vec<u128> = Vec::with_capacity(capacity);
    let mut ranked: Vec<Scored<'a>> = Vec::with_capacity(capacity);
    for listing in listings {
        considered += 1;
        match score(request, listing, market, &window, policy) {
            Err(rule) => excluded[rule as usize] += 1,
            Ok(candidate) => {
                if keep == Keep::All {
                    keys.push(candidate.key() | u128::from(candidates & INDEX_MASK));
                    ranked.push(candidate);
                }
                candidates += 1;
                earliest_start = Some(
                    earliest_start.map_or(candidate.starts_on, |e| e.min(candidate.starts_on)),
                );
                best.offer(&candidate);
            }
        }
    }
    let kept = &best.kept;
    let chosen = kept.first().map(|(_, b)| b.candidate(request, policy));
    let runner_up = kept.get(1).map(|(_, s)| s.candidate(request, policy));
    let no_candidate_reason = chosen
        .is_none()
        .then(|| no_candidate_reason(request, considered, &excluded));
    let ranking = match keep {
        Keep::Choice => Ranking::default(),
        Keep::Top => {
            let mut top = Ranking::default();
            for (_, s) in kept {
                top.push(s.ranked(request, policy));
            }
            top
        }
        Keep::All => Ranking::of(keys, &ranked, request, policy),
    };
    Explanation {
        policy: match policy {
            Policy::BestPrice => "best_price",
            Policy::BestValue(_) => "best_value",
        }
        .to_owned(),
        considered,
        excluded: Rule::ALL
            .iter()
            .map(|rule| Exclusion {
                rule: *rule,
                excluded: excluded[*rule as usize],
            })
            .collect(),
        candidates,
        chosen,
        runner_up,
        no_candidate_reason,
        ranking,
        chosen_rank: None,
        earliest_start,
        weights: match policy {
            Policy::BestPrice => None,
            Policy::BestValue(w) => Some(w),
        },
    }
}
