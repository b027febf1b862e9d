//! The rules of SPEC.md §4 checked for one listing, and how a candidate scores.

use chrono::{Datelike, NaiveDate};
use provider_hub_domain::case::age_on;
use provider_hub_domain::price::Priced;
use provider_hub_domain::provider::Standing;
use provider_hub_domain::specification::Admission;

use crate::{
    continuity, price_for, AreaKey, Candidate, Listing, Market, Person, Policy, Request, Rule, Slot,
};

/// What one request's checks need, worked out once per request rather than per listing.
#[derive(Debug, Clone)]
pub(crate) struct Window<'r> {
    /// The last day membership and age are judged on: the required-by date, or today if
    /// that has passed.
    end: NaiveDate,
    /// The first start date the order may take (`Request::earliest`).
    earliest: NaiveDate,
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
            earliest: request.earliest(market),
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
#[inline]
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
    if slot.free == 0 || slot.starts_on < window.earliest || slot.starts_on > request.required_by {
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
#[inline]
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
pub(crate) fn days_between(today: NaiveDate, starts_on: NaiveDate) -> u32 {
    u32::try_from(starts_on.num_days_from_ce() - today.num_days_from_ce()).unwrap_or(u32::MAX)
}

/// Low bits of a rank key that hold the candidate's index (so at most 2^24 candidates).
pub(crate) const INDEX_BITS: u32 = 24;
pub(crate) const INDEX_MASK: u32 = (1 << INDEX_BITS) - 1;

/// A candidate as the engine compares it: no allocation until one is chosen.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scored<'a> {
    pub(crate) listing: &'a Listing,
    /// The person's price for it.
    pub(crate) priced: Priced,
    /// The accreditation score on the start date.
    pub(crate) quality_score: u8,
    pub(crate) starts_on: NaiveDate,
    pub(crate) days_to_start: u32,
    /// The adjusted score, the policy's cost and any continuity.
    pub(crate) judged: continuity::Judged,
}

impl Scored<'_> {
    /// The policy's order: lower cost, then higher quality, earlier start, lower id.
    #[inline]
    pub(crate) fn better_than(&self, other: &Scored<'_>) -> bool {
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
    pub(crate) fn key(&self) -> u128 {
        (u128::from((self.judged.cost as u64) ^ (1 << 63)) << 64)
            | (u128::from(u8::MAX - self.judged.ranking_score) << 56)
            | (u128::from(self.days_to_start) << INDEX_BITS)
    }

    pub(crate) fn candidate(&self, request: &Request, policy: Policy) -> Candidate {
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
pub(crate) fn score<'a>(
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
                s.free > 0 && s.starts_on >= window.earliest && s.starts_on <= request.required_by
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
