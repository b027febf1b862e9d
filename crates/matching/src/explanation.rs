//! What a placement keeps: the counts, the choice and the best candidates.

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
    /// Every candidate, best first in the policy's order (explanations stored before
    /// candidates were kept read as empty).
    #[serde(default)]
    #[schema(value_type = Vec<Candidate>)]
    pub ranking: Ranking,
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
