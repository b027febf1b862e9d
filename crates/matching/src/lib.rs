//! The matching engine (SPEC.md §4): which listings are candidates for an order, which one
//! the area's policy chooses, and why. Plain data in, a decision and its explanation out:
//! no SQL, no HTTP, no clock (today is an input), no state kept between calls.
//!
//! A listing is a candidate when every rule holds; each listing that fails is counted
//! against the first rule it fails, in the order of SPEC.md §4, so the explanation says
//! how many listings each rule excluded.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use provider_hub_domain::need::{RiskOfHarm, Sex};
use provider_hub_domain::performance::Evidence;
use provider_hub_domain::price::{multiplied, Multipliers, Priced, UNIT_BPS};
use provider_hub_domain::provider::{Accreditation, Standing};
use provider_hub_domain::specification::Admission;
use provider_hub_domain::Category;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub use continuity::{Continuing, Continuity, ContinuityRef};

/// The person an order is for, as far as eligibility needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub sex: Sex,
    pub date_of_birth: NaiveDate,
    pub risk_of_harm: RiskOfHarm,
    pub tier: u8,
}

/// What is to be placed: one order (or one plan item being costed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub category: Category,
    /// The specification the plan item names, if any (an accredited programme).
    pub specification_code: Option<String>,
    pub area: String,
    pub person: Person,
    /// The last day on which the intervention may start.
    pub required_by: NaiveDate,
    /// The first day on which it may start, when the plan sequences it after another
    /// item (it may not start before that one).
    pub not_before: Option<NaiveDate>,
    /// Listings that already declined or let expire an offer for this order (rule 8).
    pub excluded_listings: BTreeSet<String>,
    /// The person's orders that providers are delivering or have delivered (the
    /// continuity principle: `best_value` prefers those providers in the same or a
    /// related category).
    pub continuing: Vec<Continuing>,
}

impl Request {
    /// The first start date it may take: today, or later where the plan sequences it.
    pub fn earliest(&self, market: &Market) -> NaiveDate {
        self.not_before
            .map_or(market.today, |d| d.max(market.today))
    }
}

/// An area code packed into one integer (codes are at most 16 ASCII bytes), so checking
/// whether a listing serves an area compares integers rather than strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AreaKey(u128);

impl AreaKey {
    pub fn new(code: &str) -> Self {
        let bytes = code.as_bytes();
        if bytes.len() <= 16 {
            let mut packed = [0u8; 16];
            packed[..bytes.len()].copy_from_slice(bytes);
            AreaKey(u128::from_le_bytes(packed))
        } else {
            // Not a valid area code: folded (FNV-1a) into the half of the keys no code uses.
            let hash = bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
                (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
            });
            AreaKey((1u128 << 127) | u128::from(hash))
        }
    }
}

impl From<&str> for AreaKey {
    fn from(code: &str) -> Self {
        AreaKey::new(code)
    }
}

/// Free places on one start date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot {
    pub starts_on: NaiveDate,
    pub free: u32,
}

/// A listing with everything the rules read about it, its specification and its provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listing {
    pub id: String,
    pub provider_id: String,
    /// The listing is published.
    pub published: bool,
    /// Its specification version is published.
    pub specification_published: bool,
    pub category: Category,
    pub specification_code: String,
    /// The specification's eligibility as the listing narrows it.
    pub eligibility: Admission,
    /// Area codes served.
    pub areas: Vec<AreaKey>,
    /// The listing's own price; a person pays it × their multiplier.
    pub price_pence: i64,
    pub price_cap_pence: i64,
    /// Its specification's price multipliers (×1.00 where it sets none).
    pub multipliers: Multipliers,
    /// Start dates with free places, in any order.
    pub slots: Vec<Slot>,
    pub provider_standing: Standing,
    /// The provider's accreditations (only those for the listing's category count).
    pub accreditations: Vec<Accreditation>,
    /// What the provider's orders in the listing's category went on to do: with the
    /// accreditation score, its adjusted quality score.
    pub evidence: Evidence,
}

/// What the market says today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Market {
    pub today: NaiveDate,
    /// The quality threshold for membership.
    pub threshold: u8,
}

/// The rules of SPEC.md §4, in order.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// 1. The listing and its specification version are published.
    Published,
    /// 2. Its specification has the order's category (and code, where named).
    Specification,
    /// 3. Its provider is a member for the category on the start date.
    Membership,
    /// 4. It serves the case's area.
    Area,
    /// 5. The person meets its eligibility (sex, age on the start date, risk, tier).
    Eligibility,
    /// 6. It has a free place starting on or before the required-by date.
    FreePlace,
    /// 7. Its price is within the specification's price cap.
    PriceCap,
    /// 8. It has not already declined or let expire an offer for this order.
    NotDeclined,
}

impl Rule {
    pub const ALL: [Rule; 8] = [
        Rule::Published,
        Rule::Specification,
        Rule::Membership,
        Rule::Area,
        Rule::Eligibility,
        Rule::FreePlace,
        Rule::PriceCap,
        Rule::NotDeclined,
    ];

    /// Why nothing is left once this rule has excluded the last listings.
    fn no_candidate_reason(self, request: &Request) -> String {
        let c = request.category;
        match self {
            Rule::Published => format!("no published {c} listing of a published specification"),
            Rule::Specification => match &request.specification_code {
                Some(code) => format!("no {c} listing delivers specification {code}"),
                None => format!("no listing is for the {c} category"),
            },
            Rule::Membership => format!(
                "no provider listing {c} is a member for it (accredited at or above the quality threshold, not suspended) between today and {}",
                request.required_by
            ),
            Rule::Area => format!("no member provider's {c} listing serves area {}", request.area),
            Rule::Eligibility => {
                "the person is outside the eligibility (sex, age, risk of harm or tier) of every listing serving the area".to_owned()
            }
            Rule::FreePlace => match request.not_before {
                Some(from) => format!(
                    "no free place starts between {from} and {}",
                    request.required_by
                ),
                None => format!("no free place starts on or before {}", request.required_by),
            },
            Rule::PriceCap => "every remaining listing is priced above its specification's cap".to_owned(),
            Rule::NotDeclined => {
                "every remaining listing has already declined or let expire an offer for this order".to_owned()
            }
        }
    }
}

/// Weights of the `best_value` policy: the cost of a placement is
/// `price_pence × price + quality × (100 − adjusted quality score) + days × days to start`,
/// less `continuity_pence` for a provider already working with the person in the same or
/// a related category; so `quality` and `days` are pence paid for one point of quality
/// and one day sooner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Weights {
    #[schema(minimum = 0, maximum = 100)]
    pub price: u32,
    #[schema(minimum = 0, maximum = 1000000)]
    pub quality: u32,
    #[schema(minimum = 0, maximum = 1000000)]
    pub days: u32,
    /// The continuity principle: pence off the cost of a provider already delivering or
    /// having delivered an order for the person in the same or a related category
    /// (0 turns it off; 5000, £50, when not given).
    #[serde(default = "default_continuity_pence")]
    #[schema(minimum = 0, maximum = 1000000, default = 5000)]
    pub continuity_pence: u32,
}

/// The continuity amount when a `best_value` policy does not give one: £50.
pub const DEFAULT_CONTINUITY_PENCE: u32 = 5_000;

fn default_continuity_pence() -> u32 {
    DEFAULT_CONTINUITY_PENCE
}

/// How an area chooses among candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// Lowest price; ties: higher accreditation score, then earliest start, then lowest
    /// listing id.
    #[default]
    BestPrice,
    /// Lowest weighted cost (by the adjusted quality score, less the continuity amount);
    /// ties: higher adjusted score, then earliest start, then lowest listing id.
    BestValue(Weights),
}

impl Policy {
    /// The cost this policy minimises, in pence (price plus the policy's penalties).
    #[inline]
    pub fn cost(self, price_pence: i64, quality_score: u8, days_to_start: u32) -> i64 {
        match self {
            Policy::BestPrice => price_pence,
            Policy::BestValue(w) => price_pence
                .saturating_mul(i64::from(w.price))
                .saturating_add(i64::from(w.quality) * i64::from(100 - quality_score.min(100)))
                .saturating_add(i64::from(w.days) * i64::from(days_to_start)),
        }
    }

    /// The continuity principle's reduction in pence (`best_value` only).
    pub fn continuity_pence(self) -> i64 {
        match self {
            Policy::BestPrice => 0,
            Policy::BestValue(w) => i64::from(w.continuity_pence),
        }
    }
}

/// What the person would pay for a listing: its price × their multiplier (by tier and
/// risk of serious harm, from its specification's payment model). Rule 7 compares the
/// listing's own price with the cap; the policy compares this one.
#[inline]
pub fn price_for(listing: &Listing, person: &Person) -> Priced {
    multiplied(
        listing.price_pence,
        person.tier,
        person.risk_of_harm,
        &listing.multipliers,
    )
}

fn unit_bps() -> u32 {
    UNIT_BPS
}

/// A candidate listing with the place it would take and how it scores.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Candidate {
    pub listing_id: String,
    pub provider_id: String,
    /// What the person would pay: the listing's price × their multiplier.
    pub price_pence: i64,
    /// The listing's own price (absent in explanations stored before multipliers).
    #[serde(default)]
    pub list_price_pence: Option<i64>,
    /// The person's multiplier in basis points (10000 = ×1.00).
    #[serde(default = "unit_bps")]
    pub multiplier_bps: u32,
    /// The provider's accreditation score for the category on the start date.
    pub quality_score: u8,
    /// The performance-adjusted quality score: the accreditation score blended with the
    /// provider's observed completion and outcome rates in the category (what
    /// `best_value` ranks by). Absent from explanations kept before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adjusted_score: Option<u8>,
    /// The evidence behind the adjusted score.
    #[serde(default)]
    pub evidence: Evidence,
    /// The earliest start date with a free place.
    pub starts_on: NaiveDate,
    pub days_to_start: u32,
    /// What the policy minimises, in pence.
    pub cost: i64,
    /// Set when the continuity principle reduced the cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuity: Option<Continuity>,
}

/// How many listings one rule excluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Exclusion {
    pub rule: Rule,
    pub excluded: u32,
}

mod engine;
mod explanation;
mod ranking;
mod rules;

pub use engine::{place, quote, rank, rank_of, TOP_CANDIDATES};
pub use explanation::Explanation;
pub use ranking::{RankedCandidate, Ranking};
pub use rules::{admits, candidate_on, evaluate};
pub(crate) use rules::{days_between, static_rules, usable_slot, Window};
pub mod batch;
mod continuity;
pub use continuity::pounds;

#[cfg(test)]
mod tests;
