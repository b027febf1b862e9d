//! The single-order engine: every listing checked, every candidate scored, the best kept.

use crate::explanation::no_candidate_reason;
use crate::rules::{score, Scored, Window, INDEX_MASK};
use crate::{Exclusion, Explanation, Listing, Market, Policy, Ranking, Request, Rule};

/// The policy's choice among `listings` for `request`, with its explanation and every
/// candidate ranked: what a placement keeps.
pub fn place<'a>(
    request: &Request,
    listings: impl IntoIterator<Item = &'a Listing>,
    market: &Market,
    policy: Policy,
) -> Explanation {
    choose(request, listings, market, policy, true)
}

/// The policy's choice and its explanation without the ranking of every candidate: for
/// costing a plan or checking whether an order could match, where nothing is kept.
pub fn quote<'a>(
    request: &Request,
    listings: impl IntoIterator<Item = &'a Listing>,
    market: &Market,
    policy: Policy,
) -> Explanation {
    choose(request, listings, market, policy, false)
}

fn choose<'a>(
    request: &Request,
    listings: impl IntoIterator<Item = &'a Listing>,
    market: &Market,
    policy: Policy,
    rank: bool,
) -> Explanation {
    let mut considered = 0u32;
    let mut excluded = [0u32; 8];
    let mut candidates = 0u32;
    let window = Window::of(request, market);
    let listings = listings.into_iter();
    let mut best: Option<Scored<'a>> = None;
    let mut second: Option<Scored<'a>> = None;
    // To rank every candidate: each one's rank key (its scores and index) and listing, a
    // few bytes each, sorted once at the end.
    let capacity = if rank { listings.size_hint().0 } else { 0 };
    let mut keys: Vec<u128> = Vec::with_capacity(capacity);
    let mut ranked: Vec<Scored<'a>> = Vec::with_capacity(capacity);
    for listing in listings {
        considered += 1;
        match score(request, listing, market, &window, policy) {
            Err(rule) => excluded[rule as usize] += 1,
            Ok(candidate) => {
                if rank {
                    keys.push(candidate.key() | u128::from(candidates & INDEX_MASK));
                    ranked.push(candidate);
                }
                candidates += 1;
                if best.as_ref().is_none_or(|b| candidate.better_than(b)) {
                    second = best.replace(candidate);
                } else if second.as_ref().is_none_or(|s| candidate.better_than(s)) {
                    second = Some(candidate);
                }
            }
        }
    }
    let (best, second) = (
        best.map(|b| b.candidate(request, policy)),
        second.map(|s| s.candidate(request, policy)),
    );
    let no_candidate_reason = best
        .is_none()
        .then(|| no_candidate_reason(request, considered, &excluded));
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
        chosen: best,
        runner_up: second,
        no_candidate_reason,
        ranking: if rank {
            Ranking::of(keys, &ranked, request, policy)
        } else {
            Ranking::default()
        },
        weights: match policy {
            Policy::BestPrice => None,
            Policy::BestValue(w) => Some(w),
        },
    }
}
