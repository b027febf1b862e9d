//! Building a batch: the kinds of order and their options, found from the orders'
//! attributes rather than by enumerating every order against every listing.
//!
//! Two orders have the same options at the same costs when everything the rules and the
//! policy read about them is the same: category, specification, area, sex, risk of harm,
//! tier (eligibility and the person's multiplier), age band over the window, the window
//! itself, the declined listings, the policy, and — where the policy rewards
//! continuity — the providers already working with the person. Such orders share one
//! computation of options; orders whose options come out equal anyway share one kind.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use chrono::NaiveDate;
use provider_hub_domain::case::age_on;
use provider_hub_domain::need::{RiskOfHarm, Sex};
use provider_hub_domain::Category;

use super::{Choice, Instance, Place};
use crate::continuity::judge;
use crate::{
    days_between, static_rules, usable_slot, AreaKey, Listing, Market, Policy, Request, Window,
};

/// A quick hash for the build's own maps (keys made here, not by users): the default
/// SipHash took a fifth of the build hashing option lists.
#[derive(Default)]
struct Quick(u64);

impl Hasher for Quick {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
        for b in chunks.remainder() {
            self.write_u64(u64::from(*b));
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

type QuickMap<K, V> = HashMap<K, V, BuildHasherDefault<Quick>>;

/// How each listing treats a tier and risk of harm: admits them, at what multiplier.
type Treatment = Vec<(bool, u32)>;

/// Everything about an order that its options and their costs depend on.
#[derive(PartialEq, Eq, Hash)]
struct Profile<'r> {
    category: Category,
    specification_code: Option<&'r str>,
    area: &'r str,
    sex: Sex,
    /// The tier and risk of harm, or the first pair every listing treats alike.
    tier_and_risk: (u8, RiskOfHarm),
    /// The age band (between the listings' age limits) today and on the window's last
    /// day; the date of birth too when they differ, since a start date's rule then
    /// depends on the birthday. Ages in one band pass and fail the same age rules.
    age: (usize, usize, Option<NaiveDate>),
    earliest: NaiveDate,
    required_by: NaiveDate,
    excluded: Vec<&'r str>,
    /// The policy's weights (`Policy` itself has no hash).
    policy: (bool, u32, u32, u32, u32),
    /// Providers and categories of the person's continuing orders, when the policy
    /// rewards continuity (the reduction depends on them alone).
    continuing: Vec<(&'r str, Category)>,
}

impl<'r> Profile<'r> {
    fn of(
        request: &'r Request,
        market: &Market,
        policy: Policy,
        tier_and_risk: (u8, RiskOfHarm),
        age_limits: &[u32],
    ) -> Self {
        let end = request.required_by.max(market.today);
        let band = |day| {
            let age = age_on(request.person.date_of_birth, day);
            age_limits.partition_point(|limit| *limit <= age)
        };
        let (today, last) = (band(market.today), band(end));
        Profile {
            category: request.category,
            specification_code: request.specification_code.as_deref(),
            area: &request.area,
            sex: request.person.sex,
            tier_and_risk,
            age: (
                today,
                last,
                (today != last).then_some(request.person.date_of_birth),
            ),
            earliest: request.earliest(market),
            required_by: request.required_by,
            excluded: request
                .excluded_listings
                .iter()
                .map(String::as_str)
                .collect(),
            policy: match policy {
                Policy::BestPrice => (false, 0, 0, 0, 0),
                Policy::BestValue(w) => (true, w.price, w.quality, w.days, w.continuity_pence),
            },
            continuing: if policy.continuity_pence() > 0 {
                request
                    .continuing
                    .iter()
                    .map(|c| (c.provider_id.as_str(), c.category))
                    .collect()
            } else {
                Vec::new()
            },
        }
    }
}

/// The places of the listings (each listing's start dates in slot order), and for each
/// listing the index of its first place.
pub(super) fn places_of(listings: &[Listing]) -> (Vec<Place>, Vec<usize>) {
    let mut places = Vec::new();
    let mut first = Vec::with_capacity(listings.len());
    for listing in listings {
        first.push(places.len());
        for slot in &listing.slots {
            places.push(Place {
                listing_id: listing.id.clone(),
                provider_id: listing.provider_id.clone(),
                starts_on: slot.starts_on,
                price_pence: listing.price_pence,
                capacity: slot.free,
            });
        }
    }
    (places, first)
}

/// Every place one order may take among `candidates` (indices into `listings`) by the
/// rules of SPEC.md §4, priced by `policy`, sorted.
pub(super) fn options_of(
    request: &Request,
    candidates: impl Iterator<Item = usize>,
    listings: &[Listing],
    first: &[usize],
    market: &Market,
    policy: Policy,
) -> Vec<Choice> {
    let window = Window::of(request, market);
    let mut options = Vec::new();
    for l in candidates {
        let listing = &listings[l];
        if static_rules(request, listing, market, &window).is_err()
            || listing.price_pence > listing.price_cap_pence
            || window.excludes(&listing.id)
        {
            continue;
        }
        for (k, slot) in listing.slots.iter().enumerate() {
            if let Some(quality) = usable_slot(request, listing, market, &window, slot) {
                let judged = judge(
                    request,
                    listing,
                    policy,
                    quality,
                    crate::price_for(listing, &request.person).price_pence,
                    days_between(market.today, slot.starts_on),
                );
                options.push(Choice {
                    place: first[l] + k,
                    cost: judged.cost,
                    quality: judged.ranking_score,
                });
            }
        }
    }
    options.sort();
    options
}

impl Instance {
    /// Builds the batch from orders and the market: every place each order may take by
    /// the rules of SPEC.md §4, priced by the policy of the order's area (`policy_of`).
    /// Options are worked out once per profile of order, and only against the listings
    /// serving its area (the area rule excludes the rest whatever else holds).
    pub fn build(
        requests: &[(String, Request)],
        listings: &[Listing],
        market: &Market,
        policy_of: impl Fn(&Request) -> Policy,
    ) -> Self {
        let (places, first) = places_of(listings);
        let mut serving: QuickMap<AreaKey, Vec<usize>> = QuickMap::default();
        for (l, listing) in listings.iter().enumerate() {
            for area in &listing.areas {
                let list = serving.entry(*area).or_default();
                // An area named twice by one listing still gives its places once.
                if list.last() != Some(&l) {
                    list.push(l);
                }
            }
        }
        // Tier and risk of harm reach the rules only through admission and the price
        // multiplier: pairs that every listing admits and prices alike are one in the key
        // (in a market without tiered prices or eligibility, every tier is one).
        let mut alike: QuickMap<(u8, RiskOfHarm), (u8, RiskOfHarm)> = QuickMap::default();
        let mut treatments: Vec<((u8, RiskOfHarm), Treatment)> = Vec::new();
        // The ages at which some listing's eligibility starts or stops admitting.
        let mut age_limits: Vec<u32> = listings
            .iter()
            .flat_map(|l| {
                [
                    u32::from(l.eligibility.min_age),
                    u32::from(l.eligibility.max_age) + 1,
                ]
            })
            .collect();
        age_limits.sort_unstable();
        age_limits.dedup();
        let mut profiles: QuickMap<Profile, usize> = QuickMap::default();
        let mut kind_by_options: QuickMap<Vec<Choice>, usize> = QuickMap::default();
        let mut kinds = Vec::new();
        let mut kind_of = Vec::with_capacity(requests.len());
        for (_, request) in requests {
            let policy = policy_of(request);
            let pair = (request.person.tier, request.person.risk_of_harm);
            let tier_and_risk = *alike.entry(pair).or_insert_with(|| {
                let treatment: Treatment = listings
                    .iter()
                    .map(|l| {
                        (
                            l.eligibility.admits_risk(pair.1, pair.0),
                            l.multipliers.combined_bps(pair.0, pair.1),
                        )
                    })
                    .collect();
                match treatments.iter().find(|(_, t)| *t == treatment) {
                    Some((first, _)) => *first,
                    None => {
                        treatments.push((pair, treatment));
                        pair
                    }
                }
            });
            let profile = Profile::of(request, market, policy, tier_and_risk, &age_limits);
            let kind = match profiles.get(&profile) {
                Some(kind) => *kind,
                None => {
                    let candidates = serving
                        .get(&AreaKey::new(&request.area))
                        .map_or(&[][..], Vec::as_slice);
                    let options = options_of(
                        request,
                        candidates.iter().copied(),
                        listings,
                        &first,
                        market,
                        policy,
                    );
                    let next = kinds.len();
                    let kind = *kind_by_options
                        .entry(options)
                        .or_insert_with_key(|options| {
                            kinds.push(options.clone());
                            next
                        });
                    profiles.insert(profile, kind);
                    kind
                }
            };
            kind_of.push(kind);
        }
        Instance {
            orders: requests.iter().map(|(id, _)| id.clone()).collect(),
            kind_of,
            kinds,
            places,
        }
    }

    /// An instance from each order's options as given (sorted here), orders with equal
    /// options sharing a kind.
    pub fn from_options(
        orders: Vec<String>,
        options: Vec<Vec<Choice>>,
        places: Vec<Place>,
    ) -> Self {
        let mut kind_by_options: QuickMap<Vec<Choice>, usize> = QuickMap::default();
        let mut kinds = Vec::new();
        let mut kind_of = Vec::with_capacity(options.len());
        for mut list in options {
            list.sort();
            let next = kinds.len();
            let kind = *kind_by_options.entry(list).or_insert_with_key(|list| {
                kinds.push(list.clone());
                next
            });
            kind_of.push(kind);
        }
        Instance {
            orders,
            kind_of,
            kinds,
            places,
        }
    }
}

/// Each order's options enumerated against every listing, one order at a time: what the
/// kinds must agree with. The benchmark hands these to OR-Tools, which groups them
/// itself, so its network does not rest on how `Instance::build` finds the kinds.
pub fn options_alone(
    requests: &[(String, Request)],
    listings: &[Listing],
    market: &Market,
    policy_of: impl Fn(&Request) -> Policy,
) -> Vec<Vec<Choice>> {
    let (_, first) = places_of(listings);
    requests
        .iter()
        .map(|(_, request)| {
            options_of(
                request,
                0..listings.len(),
                listings,
                &first,
                market,
                policy_of(request),
            )
        })
        .collect()
}
