//! Candidates ranked in the policy's order, kept compactly.

use chrono::NaiveDate;
use provider_hub_domain::performance::Evidence;
use provider_hub_domain::Category;
use serde::{Deserialize, Serialize};

use crate::rules::{Scored, INDEX_BITS, INDEX_MASK};
use crate::{Candidate, ContinuityRef, Policy, Request};

/// Every candidate of a placement, best first. Kept compactly — all their ids in one
/// buffer — so ranking thousands of candidates costs a few allocations rather than two
/// per candidate; it reads and writes as a list of candidates.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ranking {
    /// Each candidate's listing id then provider id, one after another.
    ids: String,
    entries: Vec<Ranked>,
}

/// One candidate of a ranking; its ids (listing, provider, continuity order) end at
/// these offsets of the buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Ranked {
    listing_end: u32,
    provider_end: u32,
    continuity_end: u32,
    price_pence: i64,
    list_price_pence: Option<i64>,
    multiplier_bps: u32,
    quality_score: u8,
    adjusted_score: Option<u8>,
    evidence: Evidence,
    starts_on: NaiveDate,
    days_to_start: u32,
    cost: i64,
    /// The continuity order's category and the reduction, when one applied.
    continuity: Option<(Category, i64)>,
}

/// A candidate of a ranking, borrowed from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RankedCandidate<'a> {
    pub listing_id: &'a str,
    pub provider_id: &'a str,
    pub price_pence: i64,
    pub list_price_pence: Option<i64>,
    pub multiplier_bps: u32,
    pub quality_score: u8,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub adjusted_score: Option<u8>,
    pub evidence: Evidence,
    pub starts_on: NaiveDate,
    pub days_to_start: u32,
    pub cost: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub continuity: Option<ContinuityRef<'a>>,
}

impl RankedCandidate<'_> {
    pub fn to_owned(&self) -> Candidate {
        Candidate {
            listing_id: self.listing_id.to_owned(),
            provider_id: self.provider_id.to_owned(),
            price_pence: self.price_pence,
            list_price_pence: self.list_price_pence,
            multiplier_bps: self.multiplier_bps,
            quality_score: self.quality_score,
            adjusted_score: self.adjusted_score,
            evidence: self.evidence,
            starts_on: self.starts_on,
            days_to_start: self.days_to_start,
            cost: self.cost,
            continuity: self.continuity.map(|c| c.to_owned()),
        }
    }
}

impl Ranking {
    /// Ranks candidates in the policy's order, from their keys (`Scored::key` with the
    /// candidate's index in `scored` in the low bits).
    pub(crate) fn of(
        mut keys: Vec<u128>,
        scored: &[Scored<'_>],
        request: &Request,
        policy: Policy,
    ) -> Self {
        // Sorting plain integers is several times faster than sorting the candidates field
        // by field.
        keys.sort_unstable();
        let candidate = |key: &u128| &scored[(*key as u32 & INDEX_MASK) as usize];
        // Equal cost, quality and start: the lower listing id first.
        for run in keys.chunk_by_mut(|a, b| (a ^ b) >> INDEX_BITS == 0) {
            if run.len() > 1 {
                run.sort_unstable_by(|a, b| candidate(a).listing.id.cmp(&candidate(b).listing.id));
            }
        }
        let mut ranking = Ranking {
            ids: String::with_capacity(
                scored
                    .iter()
                    .map(|s| s.listing.id.len() + s.listing.provider_id.len())
                    .sum(),
            ),
            entries: Vec::with_capacity(keys.len()),
        };
        for key in &keys {
            ranking.push(candidate(key).ranked(request, policy));
        }
        ranking
    }

    pub(crate) fn push(&mut self, c: RankedCandidate<'_>) {
        self.ids.push_str(c.listing_id);
        let listing_end = self.ids.len() as u32;
        self.ids.push_str(c.provider_id);
        let provider_end = self.ids.len() as u32;
        if let Some(continuity) = &c.continuity {
            self.ids.push_str(continuity.order_id);
        }
        self.entries.push(Ranked {
            listing_end,
            provider_end,
            continuity_end: self.ids.len() as u32,
            price_pence: c.price_pence,
            list_price_pence: c.list_price_pence,
            multiplier_bps: c.multiplier_bps,
            quality_score: c.quality_score,
            adjusted_score: c.adjusted_score,
            evidence: c.evidence,
            starts_on: c.starts_on,
            days_to_start: c.days_to_start,
            cost: c.cost,
            continuity: c.continuity.map(|x| (x.category, x.pence)),
        });
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The candidate ranked `i`-th (0: the policy's choice).
    pub fn get(&self, i: usize) -> Option<RankedCandidate<'_>> {
        let e = self.entries.get(i)?;
        let start = match i.checked_sub(1) {
            Some(before) => self.entries[before].continuity_end as usize,
            None => 0,
        };
        let (listing_end, provider_end) = (e.listing_end as usize, e.provider_end as usize);
        let continuity = match e.continuity {
            Some((category, pence)) => Some(ContinuityRef {
                order_id: self.ids.get(provider_end..e.continuity_end as usize)?,
                category,
                pence,
            }),
            None => None,
        };
        Some(RankedCandidate {
            listing_id: self.ids.get(start..listing_end)?,
            provider_id: self.ids.get(listing_end..provider_end)?,
            price_pence: e.price_pence,
            list_price_pence: e.list_price_pence,
            multiplier_bps: e.multiplier_bps,
            quality_score: e.quality_score,
            adjusted_score: e.adjusted_score,
            evidence: e.evidence,
            starts_on: e.starts_on,
            days_to_start: e.days_to_start,
            cost: e.cost,
            continuity,
        })
    }

    /// Every candidate, best first.
    pub fn iter(&self) -> impl Iterator<Item = RankedCandidate<'_>> + '_ {
        (0..self.entries.len()).filter_map(|i| self.get(i))
    }
}

impl Scored<'_> {
    /// The candidate as a ranking keeps it.
    pub(crate) fn ranked<'s>(
        &'s self,
        request: &'s Request,
        policy: Policy,
    ) -> RankedCandidate<'s> {
        RankedCandidate {
            listing_id: &self.listing.id,
            provider_id: &self.listing.provider_id,
            price_pence: self.priced.price_pence,
            list_price_pence: Some(self.priced.list_price_pence),
            multiplier_bps: self.priced.multiplier_bps,
            quality_score: self.quality_score,
            adjusted_score: Some(self.judged.adjusted),
            evidence: self.listing.evidence,
            starts_on: self.starts_on,
            days_to_start: self.days_to_start,
            cost: self.judged.cost,
            continuity: self
                .judged
                .continuing
                .and_then(|i| request.continuing.get(i))
                .map(|c| ContinuityRef {
                    order_id: &c.order_id,
                    category: c.category,
                    pence: policy.continuity_pence(),
                }),
        }
    }
}

impl<'c> FromIterator<&'c Candidate> for Ranking {
    fn from_iter<I: IntoIterator<Item = &'c Candidate>>(candidates: I) -> Self {
        let mut ranking = Ranking::default();
        for c in candidates {
            ranking.push(RankedCandidate {
                listing_id: &c.listing_id,
                provider_id: &c.provider_id,
                price_pence: c.price_pence,
                list_price_pence: c.list_price_pence,
                multiplier_bps: c.multiplier_bps,
                quality_score: c.quality_score,
                adjusted_score: c.adjusted_score,
                evidence: c.evidence,
                starts_on: c.starts_on,
                days_to_start: c.days_to_start,
                cost: c.cost,
                continuity: c.continuity.as_ref().map(|x| ContinuityRef {
                    order_id: &x.order_id,
                    category: x.category,
                    pence: x.pence,
                }),
            });
        }
        ranking
    }
}

impl Serialize for Ranking {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Ranking {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(Vec::<Candidate>::deserialize(deserializer)?
            .iter()
            .collect())
    }
}
