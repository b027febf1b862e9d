//! The continuity principle and the performance-adjusted quality score as the engine
//! applies them (SPEC.md §2): `best_value` ranks by the adjusted score and prefers, by the
//! area's continuity amount, a provider already working with the person in the same or a
//! related category; `best_price` stays price first, ties on the accreditation score.

use provider_hub_domain::performance::{adjusted_score, related};
use provider_hub_domain::Category;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Listing, Policy, Request};

/// An order of the person's that a provider is delivering or has delivered (accepted,
/// in delivery, paused or completed): what the continuity principle looks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Continuing {
    pub order_id: String,
    pub provider_id: String,
    pub category: Category,
}

/// Why a candidate was preferred for continuity: the provider already works with the
/// person on this order, and its cost was reduced by `pence`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Continuity {
    pub order_id: String,
    /// The earlier order's category (the same as the new one's, or a related one).
    pub category: Category,
    /// The reduction of the candidate's cost, in pence.
    pub pence: i64,
}

/// A borrowed [`Continuity`], as a ranking keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ContinuityRef<'a> {
    pub order_id: &'a str,
    pub category: Category,
    pub pence: i64,
}

impl ContinuityRef<'_> {
    pub fn to_owned(&self) -> Continuity {
        Continuity {
            order_id: self.order_id.to_owned(),
            category: self.category,
            pence: self.pence,
        }
    }
}

impl Continuity {
    /// In words, for an explanation.
    pub fn describe(&self) -> String {
        format!(
            "continuity: already working with this person (order {}) — preferred by {}",
            self.order_id,
            pounds(self.pence)
        )
    }
}

/// Pence as pounds: `£50`, `£12.50`.
pub fn pounds(pence: i64) -> String {
    let sign = if pence < 0 { "-" } else { "" };
    let p = pence.unsigned_abs();
    if p.is_multiple_of(100) {
        format!("{sign}£{}", p / 100)
    } else {
        format!("{sign}£{}.{:02}", p / 100, p % 100)
    }
}

/// How the policy judges one listing for one request, apart from price and start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Judged {
    /// The listing's provider's adjusted score for the category.
    pub(crate) adjusted: u8,
    /// The score the policy weighs and breaks ties on: adjusted for `best_value`, the
    /// accreditation score for `best_price`.
    pub(crate) ranking_score: u8,
    /// Index into `Request::continuing` of the order that earns the continuity reduction.
    pub(crate) continuing: Option<usize>,
    pub(crate) cost: i64,
}

/// The order of the person's that makes `listing` a continuity of care for `request`:
/// the provider's order in the same category first, else in a related one.
pub(crate) fn continuing_with(request: &Request, listing: &Listing) -> Option<usize> {
    let mine = || {
        request
            .continuing
            .iter()
            .enumerate()
            .filter(|(_, c)| c.provider_id == listing.provider_id)
    };
    mine()
        .find(|(_, c)| c.category == request.category)
        .or_else(|| mine().find(|(_, c)| related(c.category, request.category)))
        .map(|(i, _)| i)
}

/// Judges a listing with the provider's accreditation score on the start date.
#[inline]
pub(crate) fn judge(
    request: &Request,
    listing: &Listing,
    policy: Policy,
    accreditation_score: u8,
    price_pence: i64,
    days_to_start: u32,
) -> Judged {
    let adjusted = adjusted_score(accreditation_score, &listing.evidence);
    let ranking_score = match policy {
        Policy::BestPrice => accreditation_score,
        Policy::BestValue(_) => adjusted,
    };
    let reduction = policy.continuity_pence();
    let continuing = if reduction > 0 {
        continuing_with(request, listing)
    } else {
        None
    };
    let cost = policy.cost(price_pence, ranking_score, days_to_start);
    Judged {
        adjusted,
        ranking_score,
        continuing,
        cost: if continuing.is_some() {
            cost.saturating_sub(reduction)
        } else {
            cost
        },
    }
}

/// The continuity a judged candidate earned, for its explanation.
pub(crate) fn continuity_of(
    request: &Request,
    policy: Policy,
    judged: &Judged,
) -> Option<Continuity> {
    judged
        .continuing
        .and_then(|i| request.continuing.get(i))
        .map(|c| Continuity {
            order_id: c.order_id.clone(),
            category: c.category,
            pence: policy.continuity_pence(),
        })
}

#[cfg(test)]
mod tests;
