//! The matching engine (SPEC.md §4): which listings are candidates for an order, which one
//! the area's policy chooses, and why. Plain data in, a decision and its explanation out:
//! no SQL, no HTTP, no clock (today is an input), no state kept between calls.
//!
//! A listing is a candidate when every rule holds; each listing that fails is counted
//! against the first rule it fails, in the order of SPEC.md §4, so the explanation says
//! how many listings each rule excluded.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate};
use provider_hub_domain::case::age_on;
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
    fn of(mut keys: Vec<u128>, scored: &[Scored<'_>], request: &Request, policy: Policy) -> Self {
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
            let s = candidate(key);
            ranking.push(RankedCandidate {
                listing_id: &s.listing.id,
                provider_id: &s.listing.provider_id,
                price_pence: s.priced.price_pence,
                list_price_pence: Some(s.priced.list_price_pence),
                multiplier_bps: s.priced.multiplier_bps,
                quality_score: s.quality_score,
                adjusted_score: Some(s.judged.adjusted),
                evidence: s.listing.evidence,
                starts_on: s.starts_on,
                days_to_start: s.days_to_start,
                cost: s.judged.cost,
                continuity: s
                    .judged
                    .continuing
                    .and_then(|i| request.continuing.get(i))
                    .map(|c| ContinuityRef {
                        order_id: &c.order_id,
                        category: c.category,
                        pence: policy.continuity_pence(),
                    }),
            });
        }
        ranking
    }

    fn push(&mut self, c: RankedCandidate<'_>) {
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

/// What one request's checks need, worked out once per request rather than per listing.
#[derive(Debug, Clone)]
pub(crate) struct Window<'r> {
    /// The last day membership and age are judged on: the required-by date, or today if
    /// that has passed.
    end: NaiveDate,
    age_today: u32,
    age_at_end: u32,
    area: AreaKey,
    /// Today as days from the common era, to count days to a start quickly.
    today_days: i32,
    /// Listings excluded by rule 8, with their lengths and last eight bytes to compare
    /// first.
    excluded: Vec<(usize, u64, &'r str)>,
}

/// The last eight bytes of an id (ids share prefixes; their ends differ).
fn tail(id: &str) -> u64 {
    let bytes = id.as_bytes();
    match bytes
        .len()
        .checked_sub(8)
        .and_then(|from| bytes[from..].try_into().ok())
    {
        Some(last) => u64::from_le_bytes(last),
        None => bytes.iter().fold(0, |t, b| (t << 8) | u64::from(*b)),
    }
}

impl<'r> Window<'r> {
    pub(crate) fn of(request: &'r Request, market: &Market) -> Self {
        let end = request.required_by.max(market.today);
        Window {
            end,
            age_today: age_on(request.person.date_of_birth, market.today),
            age_at_end: age_on(request.person.date_of_birth, end),
            area: AreaKey::new(&request.area),
            today_days: market.today.num_days_from_ce(),
            excluded: request
                .excluded_listings
                .iter()
                .map(|id| (id.len(), tail(id), id.as_str()))
                .collect(),
        }
    }

    /// Has this listing already declined or let expire an offer for the order (rule 8)?
    pub(crate) fn excludes(&self, id: &str) -> bool {
        !self.excluded.is_empty() && {
            let (len, end) = (id.len(), tail(id));
            self.excluded
                .iter()
                .any(|(l, t, x)| *l == len && *t == end && *x == id)
        }
    }

    /// The person's age on a day of the window.
    fn age_on(&self, request: &Request, day: NaiveDate) -> u32 {
        if self.age_today == self.age_at_end {
            self.age_today
        } else {
            age_on(request.person.date_of_birth, day)
        }
    }
}

/// Rule 5 for one day: does the person meet the eligibility — sex, age on `on`, risk of
/// serious harm and tier? The listing search asks it for today; the engine asks the same
/// parts over the order's window and again for each start date.
pub fn admits(eligibility: &Admission, person: &Person, on: NaiveDate) -> bool {
    admits_apart_from_age(eligibility, person)
        && eligibility.admits_person(person.sex, age_on(person.date_of_birth, on))
}

/// Rule 5 but the age: sex, risk of serious harm and tier.
fn admits_apart_from_age(eligibility: &Admission, person: &Person) -> bool {
    eligibility.admits_sex(person.sex) && eligibility.admits_risk(person.risk_of_harm, person.tier)
}

/// Rules 1–5: everything that does not depend on which place is taken.
pub(crate) fn static_rules(
    request: &Request,
    listing: &Listing,
    market: &Market,
    window: &Window,
) -> Result<(), Rule> {
    if !(listing.published && listing.specification_published) {
        return Err(Rule::Published);
    }
    if listing.category != request.category
        || request
            .specification_code
            .as_ref()
            .is_some_and(|code| *code != listing.specification_code)
    {
        return Err(Rule::Specification);
    }
    let today = market.today;
    // Membership and age are judged over [today, required_by]; a required-by date already
    // past leaves no free place, and rule 6 says so.
    let window_end = window.end;
    // A member at some time in the window [today, required_by].
    let member_in_window = listing.provider_standing == Standing::Active
        && listing.accreditations.iter().any(|a| {
            a.category == request.category
                && !a.superseded
                && a.score >= market.threshold
                && a.assessed_on <= window_end
                && a.expires_on > today
        });
    if !member_in_window {
        return Err(Rule::Membership);
    }
    if !listing.areas.contains(&window.area) {
        return Err(Rule::Area);
    }
    let person = &request.person;
    let eligibility = &listing.eligibility;
    // Age ranges are contiguous, so the person is of age on some day of the window
    // exactly when not too old today and not too young on the last day.
    let of_age_in_window = window.age_today <= u32::from(eligibility.max_age)
        && window.age_at_end >= u32::from(eligibility.min_age);
    if !(admits_apart_from_age(eligibility, person) && of_age_in_window) {
        return Err(Rule::Eligibility);
    }
    Ok(())
}

/// Rule 6 for one start date: free, within `[today, required_by]`, the person of age on
/// it and the provider a member on it. The provider's quality score that day, if so.
pub(crate) fn usable_slot(
    request: &Request,
    listing: &Listing,
    market: &Market,
    window: &Window,
    slot: &Slot,
) -> Option<u8> {
    if slot.free == 0
        || slot.starts_on < request.earliest(market)
        || slot.starts_on > request.required_by
    {
        return None;
    }
    let person = &request.person;
    if !listing
        .eligibility
        .admits_person(person.sex, window.age_on(request, slot.starts_on))
    {
        return None;
    }
    listing
        .accreditations
        .iter()
        .filter(|a| a.category == request.category && a.qualifies(market.threshold, slot.starts_on))
        .map(|a| a.score)
        .max()
}

/// When nothing rule 6 checks per start date changes within the window — the person's
/// age, and which of the provider's accreditations count — the quality score that holds
/// on every day of it (`Some(None)`: none counts on any day). `None` when it may change.
fn steady_score(
    request: &Request,
    listing: &Listing,
    market: &Market,
    window: &Window,
) -> Option<Option<u8>> {
    if window.age_today != window.age_at_end {
        return None;
    }
    let mut score = None;
    for a in &listing.accreditations {
        if a.category != request.category || a.superseded || a.score < market.threshold {
            continue;
        }
        let whole = a.assessed_on <= market.today && a.expires_on > window.end;
        let none = a.expires_on <= market.today || a.assessed_on > window.end;
        if whole {
            score = score.max(Some(a.score));
        } else if !none {
            return None;
        }
    }
    Some(score)
}

/// Days from today to a start date.
fn days_between(today: NaiveDate, starts_on: NaiveDate) -> u32 {
    u32::try_from(starts_on.num_days_from_ce() - today.num_days_from_ce()).unwrap_or(u32::MAX)
}

/// Low bits of a rank key that hold the candidate's index (so at most 2^24 candidates).
const INDEX_BITS: u32 = 24;
const INDEX_MASK: u32 = (1 << INDEX_BITS) - 1;

/// A candidate as the engine compares it: no allocation until one is chosen.
#[derive(Debug, Clone, Copy)]
struct Scored<'a> {
    listing: &'a Listing,
    /// The person's price for it.
    priced: Priced,
    /// The accreditation score on the start date.
    quality_score: u8,
    starts_on: NaiveDate,
    days_to_start: u32,
    /// The adjusted score, the policy's cost and any continuity.
    judged: continuity::Judged,
}

impl Scored<'_> {
    /// The policy's order: lower cost, then higher quality, earlier start, lower id.
    #[inline]
    fn better_than(&self, other: &Scored<'_>) -> bool {
        self.judged
            .cost
            .cmp(&other.judged.cost)
            .then_with(|| other.judged.ranking_score.cmp(&self.judged.ranking_score))
            .then_with(|| self.starts_on.cmp(&other.starts_on))
            .then_with(|| self.listing.id.cmp(&other.listing.id))
            == std::cmp::Ordering::Less
    }

    /// The policy's order (lower cost, then higher quality, earlier start, lower listing
    /// id) but for the listing id, packed in one integer above `INDEX_BITS` free bits:
    /// cost offset by 2^63 (so it orders as unsigned), 255 − quality, days to start.
    #[inline]
    fn key(&self) -> u128 {
        (u128::from((self.judged.cost as u64) ^ (1 << 63)) << 64)
            | (u128::from(u8::MAX - self.judged.ranking_score) << 56)
            | (u128::from(self.days_to_start) << INDEX_BITS)
    }

    fn candidate(&self, request: &Request, policy: Policy) -> Candidate {
        Candidate {
            listing_id: self.listing.id.clone(),
            provider_id: self.listing.provider_id.clone(),
            price_pence: self.priced.price_pence,
            list_price_pence: Some(self.priced.list_price_pence),
            multiplier_bps: self.priced.multiplier_bps,
            quality_score: self.quality_score,
            adjusted_score: Some(self.judged.adjusted),
            evidence: self.listing.evidence,
            starts_on: self.starts_on,
            days_to_start: self.days_to_start,
            cost: self.judged.cost,
            continuity: continuity::continuity_of(request, policy, &self.judged),
        }
    }
}

#[inline]
fn score<'a>(
    request: &Request,
    listing: &'a Listing,
    market: &Market,
    window: &Window,
    policy: Policy,
) -> Result<Scored<'a>, Rule> {
    static_rules(request, listing, market, window)?;
    let start = match steady_score(request, listing, market, window) {
        // The common case: the person's age and the provider's membership do not change
        // within the window, so the earliest free place in it is the start.
        Some(steady) => listing
            .slots
            .iter()
            .filter(|s| {
                s.free > 0
                    && s.starts_on >= request.earliest(market)
                    && s.starts_on <= request.required_by
            })
            .map(|s| s.starts_on)
            .min()
            .and_then(|on| steady.map(|score| (on, score))),
        None => listing
            .slots
            .iter()
            .filter_map(|s| {
                usable_slot(request, listing, market, window, s).map(|score| (s.starts_on, score))
            })
            .min_by_key(|(on, _)| *on),
    };
    let Some((starts_on, quality_score)) = start else {
        return Err(Rule::FreePlace);
    };
    if listing.price_pence > listing.price_cap_pence {
        return Err(Rule::PriceCap);
    }
    if window.excludes(&listing.id) {
        return Err(Rule::NotDeclined);
    }
    let days_to_start =
        u32::try_from(starts_on.num_days_from_ce() - window.today_days).unwrap_or(u32::MAX);
    let priced = price_for(listing, &request.person);
    Ok(Scored {
        listing,
        priced,
        quality_score,
        starts_on,
        days_to_start,
        judged: continuity::judge(
            request,
            listing,
            policy,
            quality_score,
            priced.price_pence,
            days_to_start,
        ),
    })
}

/// Checks every rule for one listing; the candidate it makes, or the first rule it fails.
pub fn evaluate(
    request: &Request,
    listing: &Listing,
    market: &Market,
    policy: Policy,
) -> Result<Candidate, Rule> {
    score(
        request,
        listing,
        market,
        &Window::of(request, market),
        policy,
    )
    .map(|s| s.candidate(request, policy))
}

/// The candidate `listing` makes for `request` starting on `starts_on` (a batch run may
/// choose a later start than the earliest); `None` when it is not one on that date.
pub fn candidate_on(
    request: &Request,
    listing: &Listing,
    market: &Market,
    policy: Policy,
    starts_on: NaiveDate,
) -> Option<Candidate> {
    let mut only = listing.clone();
    only.slots.retain(|s| s.starts_on == starts_on);
    evaluate(request, &only, market, policy).ok()
}

/// In words, the rule that excluded the last listings.
fn no_candidate_reason(request: &Request, considered: u32, excluded: &[u32; 8]) -> String {
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

pub mod batch;
mod continuity;
pub use continuity::pounds;

#[cfg(test)]
mod tests;
