//! What a placement keeps: the counts, the choice and the best candidates.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::{Candidate, Exclusion, Ranking, Request, Rule, Weights};

/// Why a placement came out as it did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Explanation {
    /// `best_price` or `best_value`.
    pub policy: String,
    /// Listings looked at.
    pub considered: u32,
    /// Listings excluded by each rule (each counted once, against the first rule it fails).
    pub excluded: Vec<Exclusion>,
    /// Listings that met every rule.
    pub candidates: u32,
    pub chosen: Option<Candidate>,
    pub runner_up: Option<Candidate>,
    /// With no candidate: the rule that excluded the last listings, in words.
    pub no_candidate_reason: Option<String>,
    /// The best candidates, best first in the policy's order: the first ten of them all
    /// (`candidates` says how many there were). Explanations stored by earlier versions
    /// kept every candidate here, and those stored before candidates were kept read as
    /// empty. Every candidate ranked, as the market stands now rather than as at
    /// placement, is at `GET /v1/orders/{id}/ranking`.
    #[serde(default)]
    #[schema(value_type = Vec<Candidate>)]
    pub ranking: Ranking,
    /// The chosen candidate's rank among all candidates (1 = best), recorded when it is
    /// not in `ranking`: a batch run may choose beyond the best ten for the least total
    /// cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chosen_rank: Option<u32>,
    /// The earliest start date any candidate had (what an availability quote reports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub earliest_start: Option<NaiveDate>,
    /// The `best_value` policy's weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weights: Option<Weights>,
}

/// In words, the rule that excluded the last listings.
pub(crate) fn no_candidate_reason(
    request: &Request,
    considered: u32,
    excluded: &[u32; 8],
) -> String {
    let mut remaining = considered;
    Rule::ALL
        .iter()
        .find(|rule| {
            remaining -= excluded[**rule as usize];
            remaining == 0 && excluded[**rule as usize] > 0
        })
        .map(|rule| rule.no_candidate_reason(request))
        .unwrap_or_else(|| format!("no {} listing is on the market", request.category))
}

impl Explanation {
    /// The rank (1 = best) of `listing_id` among the candidates: the chosen one's
    /// recorded rank, else its place in `ranking`; `None` when neither says.
    pub fn rank_of(&self, listing_id: &str) -> Option<u32> {
        let chosen = self
            .chosen
            .as_ref()
            .is_some_and(|c| c.listing_id == listing_id);
        match self.chosen_rank {
            Some(rank) if chosen => Some(rank),
            _ => self
                .ranking
                .iter()
                .zip(1u32..)
                .find(|(c, _)| c.listing_id == listing_id)
                .map(|(_, rank)| rank),
        }
    }

    /// Counts `n` more listings of the category that do not serve the order's area and
    /// were not loaded (a placement loads only its area's listings): they are counted
    /// under the area rule without being checked further.
    pub fn with_elsewhere(mut self, n: u32, request: &Request) -> Self {
        if n == 0 {
            return self;
        }
        self.considered += n;
        let mut excluded = [0u32; 8];
        for x in &mut self.excluded {
            if x.rule == Rule::Area {
                x.excluded += n;
            }
            excluded[x.rule as usize] = x.excluded;
        }
        if self.chosen.is_none() {
            self.no_candidate_reason =
                Some(no_candidate_reason(request, self.considered, &excluded));
        }
        self
    }
}
