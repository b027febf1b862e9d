//! The engine's kept candidates against a reference: every listing checked on its own
//! (`evaluate`) and every candidate sorted by the policy's order, field by field.

use std::cmp::Reverse;

use chrono::Duration;
use proptest::prelude::*;
use provider_hub_domain::performance::Evidence;
use provider_hub_domain::price::Multipliers;

use super::*;

/// A listing drawn from few prices, scores and dates, so that ties are common; some with
/// accreditations starting or ending within the window, non-unit multipliers, evidence,
/// no free place, or other areas.
fn any_listing() -> impl Strategy<Value = Listing> {
    (
        (0u32..1000, 0usize..4, 0i64..3, 0u8..8, 0u8..10),
        (0usize..8, 0i64..30, 0i64..40, 0u32..3, 0u8..10),
        (0u8..4, 0u32..3, 0u32..3, 0u8..16, 0u8..12),
    )
        .prop_map(
            |(
                (id, provider, price, elsewhere, unpublished),
                (score, assessed, expires, free, slots),
                (multiplied, completed, failed, min_age, narrowing),
            )| {
                let today = market().today;
                let mut l = listing(&format!("l{id}"), 10_000 + 5_000 * price);
                l.provider_id = format!("prv_{provider}");
                l.published = unpublished > 0;
                if elsewhere == 0 {
                    l.areas = vec!["SY-ROT".into()];
                }
                let mut a = accreditation([55, 60, 80, 95, 80, 95, 60, 80][score]);
                // Mostly held all through the window; sometimes assessed or expiring in it.
                a.assessed_on = if assessed < 25 {
                    d("2026-01-01")
                } else {
                    today + Duration::days(assessed - 20)
                };
                a.expires_on = if expires < 30 {
                    d("2027-01-01")
                } else {
                    today + Duration::days(expires - 25)
                };
                l.accreditations = vec![a];
                l.slots = (0..1 + slots % 3)
                    .map(|i| Slot {
                        starts_on: today + Duration::days(i64::from(slots) + i64::from(i) * 3),
                        free: u32::from(free > 0 || i > 0),
                    })
                    .collect();
                if multiplied == 0 {
                    l.multipliers = Multipliers {
                        tier_bps: [10_000, 12_500, 15_000, 17_500],
                        risk_of_harm_bps: [10_000, 11_000, 12_000, 13_000],
                    };
                }
                l.evidence = Evidence {
                    completed,
                    failed,
                    positive_outcomes: completed / 2,
                    negative_outcomes: failed,
                };
                if narrowing == 0 {
                    l.price_cap_pence = 15_000;
                }
                l.eligibility = narrowed(|e| e.min_age = if min_age == 0 { 19 } else { 18 });
                l
            },
        )
}

fn any_policy() -> impl Strategy<Value = Policy> {
    prop_oneof![
        Just(Policy::BestPrice),
        (0u32..3, 0u32..300, 0u32..400, 0u32..6000).prop_map(|(price, quality, days, c)| {
            Policy::BestValue(Weights {
                price,
                quality,
                days,
                continuity_pence: c,
            })
        }),
    ]
}

/// Every candidate by `evaluate`, sorted in the policy's order; and the counts per rule.
fn reference(
    request: &Request,
    listings: &[Listing],
    policy: Policy,
) -> (Vec<Candidate>, [u32; 8]) {
    let mut excluded = [0u32; 8];
    let mut all = Vec::new();
    for l in listings {
        match evaluate(request, l, &market(), policy) {
            Ok(c) => all.push(c),
            Err(rule) => excluded[rule as usize] += 1,
        }
    }
    let ranking_score = |c: &Candidate| match policy {
        Policy::BestPrice => c.quality_score,
        Policy::BestValue(_) => c.adjusted_score.unwrap_or(0),
    };
    all.sort_by(|a, b| {
        (
            a.cost,
            Reverse(ranking_score(a)),
            a.starts_on,
            &a.listing_id,
        )
            .cmp(&(
                b.cost,
                Reverse(ranking_score(b)),
                b.starts_on,
                &b.listing_id,
            ))
    });
    (all, excluded)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    /// The chosen, the runner-up, the kept best, the whole ranking on demand, each
    /// candidate's rank and the earliest start are exactly what a full sort gives.
    #[test]
    fn the_kept_candidates_are_the_first_of_the_full_ranking(
        listings in proptest::collection::vec(any_listing(), 0..60),
        policy in any_policy(),
        born in 0i64..3,
        excluded in proptest::collection::vec(0u32..1000, 0..4),
        continuing in proptest::collection::vec((0usize..4, any::<bool>()), 0..3),
    ) {
        let mut listings = listings;
        listings.sort_by(|a, b| a.id.cmp(&b.id));
        listings.dedup_by(|a, b| a.id == b.id);
        // Shuffled out of id order, so the id tie-break is tested.
        listings.sort_by_key(|l| (l.price_pence, l.id.len()));
        let mut request = request();
        // 18 before, during or after the window: age changes within it.
        request.person.date_of_birth = market().today - Duration::days(365 * 18 + 4 - born * 6);
        request.excluded_listings = excluded.iter().map(|i| format!("l{i}")).collect();
        request.continuing = continuing
            .iter()
            .enumerate()
            .map(|(i, (p, same))| Continuing {
                order_id: format!("ord_{i}"),
                provider_id: format!("prv_{p}"),
                category: if *same { Category::UnpaidWork } else { Category::Accommodation },
            })
            .collect();
        let (all, excluded) = reference(&request, &listings, policy);

        let e = place(&request, &listings, &market(), policy);
        prop_assert_eq!(e.candidates as usize, all.len());
        prop_assert_eq!(e.considered as usize, listings.len());
        for x in &e.excluded {
            prop_assert_eq!(x.excluded, excluded[x.rule as usize]);
        }
        prop_assert_eq!(e.chosen.as_ref(), all.first());
        prop_assert_eq!(e.runner_up.as_ref(), all.get(1));
        let kept: Vec<Candidate> = e.ranking.iter().map(|c| c.to_owned()).collect();
        prop_assert_eq!(&kept[..], &all[..all.len().min(TOP_CANDIDATES)]);
        prop_assert_eq!(e.earliest_start, all.iter().map(|c| c.starts_on).min());
        prop_assert_eq!(e.chosen_rank, None);

        let q = quote(&request, &listings, &market(), policy);
        prop_assert_eq!((q.chosen, q.runner_up), (e.chosen.clone(), e.runner_up.clone()));

        let whole = rank(&request, &listings, &market(), policy);
        let ranked: Vec<Candidate> = whole.ranking.iter().map(|c| c.to_owned()).collect();
        prop_assert_eq!(&ranked, &all);
        for (i, c) in all.iter().enumerate() {
            let at = u32::try_from(i + 1).ok();
            prop_assert_eq!(rank_of(&request, &listings, &market(), policy, &c.listing_id), at);
            if i < TOP_CANDIDATES {
                prop_assert_eq!(e.rank_of(&c.listing_id), at);
            }
        }
    }
}

#[test]
fn a_kept_explanation_stays_small_and_old_whole_rankings_still_read() {
    let listings: Vec<Listing> = (0..2_000)
        .map(|i| listing(&format!("lst_{i:05}"), 10_000 + (i * 7_919) % 40_000))
        .collect();
    let kept = place(&request(), &listings, &market(), Policy::BestPrice);
    assert_eq!(kept.candidates, 2_000);
    assert_eq!(kept.ranking.len(), TOP_CANDIDATES);
    let json = serde_json::to_string(&kept).expect("json");
    assert!(json.len() < 8_000, "{} bytes", json.len());

    // Stored before issue 19: every candidate in `ranking`, no earliest start nor rank.
    let whole = rank(&request(), &listings, &market(), Policy::BestPrice);
    let mut old = serde_json::to_value(&whole).expect("json");
    let fields = old.as_object_mut().expect("object");
    fields.remove("earliest_start");
    assert!(fields.get("chosen_rank").is_none());
    let old: Explanation = serde_json::from_value(old).expect("an old explanation reads");
    assert_eq!(old.ranking.len(), 2_000);
    let last = old.ranking.get(1_999).map(|c| c.listing_id.to_owned());
    assert_eq!(last.and_then(|id| old.rank_of(&id)), Some(2_000));
    assert_eq!(old.chosen, kept.chosen);
    assert_eq!(old.earliest_start, None);

    // A batch run's choice beyond the kept ten is found by its recorded rank.
    let mut batch = kept.clone();
    let far = whole.ranking.get(500).map(|c| c.to_owned()).expect("500th");
    batch.chosen = Some(far.clone());
    assert_eq!(batch.rank_of(&far.listing_id), None);
    batch.chosen_rank = rank_of(
        &request(),
        &listings,
        &market(),
        Policy::BestPrice,
        &far.listing_id,
    );
    assert_eq!(batch.rank_of(&far.listing_id), Some(501));
}
