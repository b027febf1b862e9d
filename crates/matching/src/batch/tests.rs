use std::collections::BTreeSet;

use chrono::NaiveDate;
use proptest::prelude::*;
use provider_hub_domain::need::{RiskOfHarm, Sex};
use provider_hub_domain::provider::{Accreditation, Standing};
use provider_hub_domain::specification::Eligibility;
use provider_hub_domain::Category;

use super::*;
use crate::{evaluate, place, Continuing, Listing, Market, Person, Policy, Request, Slot, Weights};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

/// A small abstract instance: `capacities[p]` places; each order's options as
/// (place, cost).
fn instance(capacities: &[u32], orders: &[Vec<(usize, i64)>]) -> Instance {
    Instance::from_options(
        (0..orders.len()).map(|i| format!("ord_{i:03}")).collect(),
        orders
            .iter()
            .map(|o| {
                let mut options: Vec<Choice> = o
                    .iter()
                    .map(|(place, cost)| Choice {
                        place: *place,
                        cost: *cost,
                        quality: 80,
                    })
                    .collect();
                options.sort();
                options.dedup_by_key(|c| c.place);
                options
            })
            .collect(),
        capacities
            .iter()
            .enumerate()
            .map(|(i, c)| Place {
                listing_id: format!("lst_{i:03}"),
                provider_id: format!("prv_{i:03}"),
                starts_on: d("2026-12-01"),
                price_pence: 0,
                capacity: *c,
            })
            .collect(),
    )
}

/// Every assignment by exhaustive search: the most orders placed, then the least cost.
fn brute_force(instance: &Instance) -> (usize, i64) {
    fn go(
        i: &Instance,
        o: usize,
        left: &mut Vec<u32>,
        placed: usize,
        cost: i64,
        best: &mut (usize, i64),
    ) {
        if o == i.orders.len() {
            if placed > best.0 || (placed == best.0 && cost < best.1) {
                *best = (placed, cost);
            }
            return;
        }
        go(i, o + 1, left, placed, cost, best);
        for c in i.options(o) {
            if left[c.place] > 0 {
                left[c.place] -= 1;
                go(i, o + 1, left, placed + 1, cost + c.cost, best);
                left[c.place] += 1;
            }
        }
    }
    let mut left: Vec<u32> = instance.places.iter().map(|p| p.capacity).collect();
    let mut best = (0, i64::MAX);
    go(instance, 0, &mut left, 0, 0, &mut best);
    if best.0 == 0 {
        best.1 = 0;
    }
    best
}

/// Each order is placed only where it may go, and no place is over-filled.
fn feasible(instance: &Instance, solution: &Solution) -> bool {
    let mut used = vec![0u32; instance.places.len()];
    for (o, p) in solution.assignment.iter().enumerate() {
        if let Some(p) = p {
            if !instance.options(o).iter().any(|c| c.place == *p) {
                return false;
            }
            used[*p] += 1;
        }
    }
    used.iter()
        .zip(&instance.places)
        .all(|(u, p)| *u <= p.capacity)
        && solution.placed == solution.assignment.iter().flatten().count()
}

fn small_instance() -> impl Strategy<Value = Instance> {
    (1usize..=4)
        .prop_flat_map(|places| {
            (
                proptest::collection::vec(0u32..=2, places),
                proptest::collection::vec(
                    proptest::collection::vec((0..places, 0i64..100), 0..=3),
                    1..=6,
                ),
            )
        })
        .prop_map(|(capacities, orders)| instance(&capacities, &orders))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn the_batch_is_the_exhaustive_optimum_and_never_worse_than_greedy(i in small_instance()) {
        let batch = solve(&i);
        let greedy = greedy(&i);
        prop_assert!(feasible(&i, &batch));
        prop_assert!(feasible(&i, &greedy));
        prop_assert_eq!((batch.placed, batch.cost), brute_force(&i));
        prop_assert!(batch.placed >= greedy.placed);
        if batch.placed == greedy.placed {
            prop_assert!(batch.cost <= greedy.cost);
        }
        prop_assert_eq!(solve(&i), batch.clone(), "deterministic");
        for algorithm in [
            Algorithm::SuccessiveShortestPaths,
            Algorithm::CostScaling,
            Algorithm::NetworkSimplex,
        ] {
            let other = solve_with(&i, algorithm);
            prop_assert!(feasible(&i, &other));
            prop_assert_eq!((other.placed, other.cost), (batch.placed, batch.cost));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// An order withheld takes no place, and the batch is then the optimum of the others:
    /// the exhaustive optimum of the same instance with that order given no options.
    #[test]
    fn a_withheld_order_takes_no_place_and_the_rest_are_optimal(
        i in small_instance(), pick in 0usize..6
    ) {
        let o = pick % i.orders.len();
        let mut withheld = i.clone();
        withheld.withhold(o);
        prop_assert!(withheld.options(o).is_empty());
        let batch = solve(&withheld);
        prop_assert!(feasible(&withheld, &batch));
        prop_assert_eq!(batch.assignment[o], None);
        prop_assert_eq!((batch.placed, batch.cost), brute_force(&withheld));
        // Withholding a second order reuses the kind with no options.
        let kinds = withheld.kinds.len();
        withheld.withhold((o + 1) % i.orders.len());
        prop_assert!(withheld.kinds.len() <= kinds.max(i.kinds.len() + 1));
        prop_assert_eq!(greedy(&withheld).assignment[o], None);
    }

    /// One by one with an order refused its place is one by one without that order: the
    /// place stays for the orders after it.
    #[test]
    fn an_order_refused_one_by_one_leaves_its_place_to_the_next(
        i in small_instance(), pick in 0usize..6
    ) {
        let o = pick % i.orders.len();
        let refused = greedy_with(&i, |order, _| order != o);
        let mut withheld = i.clone();
        withheld.withhold(o);
        prop_assert_eq!(refused, greedy(&withheld));
        prop_assert_eq!(greedy_with(&i, |_, _| true), greedy(&i));
    }
}

/// Larger instances than brute force can check: many orders of few kinds over places of
/// capacity 0–2, some costs below zero (as a continuity reduction can make them).
fn larger_instance() -> impl Strategy<Value = Instance> {
    (2usize..=12, 1usize..=6)
        .prop_flat_map(|(places, kinds)| {
            (
                proptest::collection::vec(0u32..=2, places),
                proptest::collection::vec(
                    proptest::collection::vec((0..places, -50i64..200), 0..=places),
                    kinds,
                ),
                proptest::collection::vec(0..kinds, 1..=30),
            )
        })
        .prop_map(|(capacities, kinds, orders)| {
            let orders: Vec<_> = orders.iter().map(|k| kinds[*k].clone()).collect();
            instance(&capacities, &orders)
        })
}

/// The same where each place costs every kind the same (so the batch fills places
/// cheapest first), with ties in cost.
fn uniform_instance() -> impl Strategy<Value = Instance> {
    (2usize..=12, 1usize..=6)
        .prop_flat_map(|(places, kinds)| {
            (
                proptest::collection::vec((0u32..=2, -5i64..20), places),
                proptest::collection::vec(proptest::collection::vec(0..places, 0..=places), kinds),
                proptest::collection::vec(0..kinds, 1..=30),
            )
        })
        .prop_map(|(places, kinds, orders)| {
            let capacities: Vec<u32> = places.iter().map(|p| p.0).collect();
            let orders: Vec<Vec<(usize, i64)>> = orders
                .iter()
                .map(|k| kinds[*k].iter().map(|p| (*p, places[*p].1)).collect())
                .collect();
            instance(&capacities, &orders)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_solver_agrees_with_the_reference_on_larger_batches(
        i in prop_oneof![larger_instance(), uniform_instance()],
    ) {
        let batch = solve(&i);
        prop_assert!(feasible(&i, &batch));
        let reference = solve_with(&i, Algorithm::SuccessiveShortestPaths);
        prop_assert_eq!((batch.placed, batch.cost), (reference.placed, reference.cost));
        for algorithm in [Algorithm::CostScaling, Algorithm::NetworkSimplex] {
            let other = solve_with(&i, algorithm);
            prop_assert!(feasible(&i, &other));
            prop_assert_eq!((batch.placed, batch.cost), (other.placed, other.cost));
        }
        // Orders of one kind take its places best first, in arrival order.
        for k in 0..i.kinds.len() {
            let given: Vec<Choice> = (0..i.orders.len())
                .filter(|o| i.kind_of[*o] == k)
                .filter_map(|o| batch.assignment[o])
                .map(|p| *i.kinds[k].iter().find(|c| c.place == p).expect("an option"))
                .collect();
            prop_assert!(given.windows(2).all(|w| i.preference(&w[0], &w[1]).is_le()));
        }
    }
}

#[test]
fn the_batch_beats_arrival_order_where_greedy_blocks_a_later_order() {
    // Order 0 may go to A (cost 10) or B (cost 12); order 1 only to A (cost 10). Greedy
    // gives A to order 0 and leaves order 1 out; the batch places both.
    let i = instance(&[1, 1], &[vec![(0, 10), (1, 12)], vec![(0, 10)]]);
    let g = greedy(&i);
    assert_eq!((g.placed, g.cost), (1, 10));
    let b = solve(&i);
    assert_eq!(b.assignment, vec![Some(1), Some(0)]);
    assert_eq!((b.placed, b.cost), (2, 22));
    // Same count, lower cost: order 0 prefers A by 1p, order 1 saves 50p there.
    let i = instance(&[1, 1], &[vec![(0, 10), (1, 11)], vec![(0, 10), (1, 60)]]);
    assert_eq!((greedy(&i).placed, greedy(&i).cost), (2, 70));
    assert_eq!((solve(&i).placed, solve(&i).cost), (2, 21));
}

#[test]
fn interchangeable_orders_share_places_in_arrival_order() {
    // Five orders of one kind, two cheap places and two dear: the first two orders get
    // the cheap ones; one order is left out.
    let options = vec![(0, 100), (1, 300)];
    let i = instance(&[2, 2], &vec![options; 5]);
    let b = solve(&i);
    assert_eq!(b.assignment, vec![Some(0), Some(0), Some(1), Some(1), None]);
    assert_eq!((b.placed, b.cost), (4, 800));
}

// Instances built from the rules: every option the batch may use is one the single-order
// engine accepts, and greedy over the options is the single-order engine in sequence.

fn market() -> Market {
    Market {
        today: d("2026-11-23"),
        threshold: 60,
    }
}

fn arb_listing(i: usize) -> impl Strategy<Value = Listing> {
    (
        any::<bool>(),
        0usize..3,
        prop_oneof![Just(vec![Sex::Male, Sex::Female]), Just(vec![Sex::Female])],
        40u8..=100,
        proptest::collection::vec((0i64..30, 0u32..3), 1..3),
        20_000i64..70_000,
        any::<bool>(),
        (0u32..40, 0u32..40, 0u32..40, 0u32..40),
    )
        .prop_map(
            move |(published, area, sexes, score, slots, price, suspended, evidence)| Listing {
                id: format!("lst_{i:03}"),
                provider_id: format!("prv_{i:03}"),
                published: published || i.is_multiple_of(2),
                specification_published: true,
                category: Category::UnpaidWork,
                specification_code: "UPW".into(),
                eligibility: (&Eligibility {
                    sexes,
                    min_age: 18,
                    max_age: 65,
                    max_risk_of_harm: RiskOfHarm::High,
                    tiers: vec![1, 2, 3],
                })
                    .into(),
                areas: vec![["SY-SHF", "SY-ROT", "WY-LDS"][area].into()],
                price_pence: price,
                price_cap_pence: 60_000,
                multipliers: Default::default(),
                slots: slots
                    .into_iter()
                    .map(|(day, free)| Slot {
                        starts_on: d("2026-11-23") + chrono::Duration::days(day),
                        free,
                    })
                    .collect(),
                provider_standing: if suspended && i.is_multiple_of(3) {
                    Standing::Suspended
                } else {
                    Standing::Active
                },
                accreditations: vec![Accreditation {
                    category: Category::UnpaidWork,
                    score,
                    assessed_on: d("2026-01-01"),
                    expires_on: d("2026-12-10"),
                    superseded: false,
                }],
                evidence: provider_hub_domain::performance::Evidence {
                    completed: evidence.0,
                    failed: evidence.1,
                    positive_outcomes: evidence.2,
                    negative_outcomes: evidence.3,
                },
            },
        )
}

fn arb_request(i: usize) -> impl Strategy<Value = (String, Request)> {
    (
        0usize..3,
        any::<bool>(),
        1u8..=4,
        5i64..30,
        0usize..3,
        proptest::option::of((0usize..6, any::<bool>())),
    )
        .prop_map(move |(area, female, tier, days, declined, continuing)| {
            (
                format!("ord_{i:03}"),
                Request {
                    category: Category::UnpaidWork,
                    specification_code: None,
                    area: ["SY-SHF", "SY-ROT", "WY-LDS"][area].to_owned(),
                    person: Person {
                        sex: if female { Sex::Female } else { Sex::Male },
                        date_of_birth: d("1990-01-01"),
                        risk_of_harm: RiskOfHarm::Medium,
                        tier,
                    },
                    required_by: d("2026-11-23") + chrono::Duration::days(days),
                    not_before: None,
                    excluded_listings: BTreeSet::from([format!("lst_{declined:03}")]),
                    // Sometimes the person already has an order with a provider, in
                    // the same or a related category (one not listed here).
                    continuing: continuing
                        .map(|(provider, same)| Continuing {
                            order_id: format!("ord_prior_{i:03}"),
                            provider_id: format!("prv_{provider:03}"),
                            category: if same {
                                Category::UnpaidWork
                            } else {
                                Category::AttendanceCentre
                            },
                        })
                        .into_iter()
                        .collect(),
                },
            )
        })
}

fn arb_market() -> impl Strategy<Value = (Vec<(String, Request)>, Vec<Listing>, Policy)> {
    (1usize..=6, 1usize..=8, any::<bool>(), 0u32..30_000).prop_flat_map(
        |(listings, orders, value, continuity)| {
            (
                (0..orders).map(arb_request).collect::<Vec<_>>(),
                (0..listings).map(arb_listing).collect::<Vec<_>>(),
                Just(if value {
                    Policy::BestValue(Weights {
                        price: 1,
                        quality: 150,
                        days: 300,
                        continuity_pence: continuity,
                    })
                } else {
                    Policy::BestPrice
                }),
            )
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn every_option_satisfies_every_rule((requests, listings, policy) in arb_market()) {
        let i = Instance::build(&requests, &listings, &market(), |_| policy);
        for (o, (_, request)) in requests.iter().enumerate() {
            for c in i.options(o) {
                let place = &i.places[c.place];
                let listing = listings.iter().find(|l| l.id == place.listing_id).expect("listing");
                // The listing with only this start date left is a candidate starting then.
                let mut only = listing.clone();
                only.slots.retain(|s| s.starts_on == place.starts_on);
                let candidate = evaluate(request, &only, &market(), policy);
                prop_assert!(candidate.is_ok(), "{:?}", candidate);
                let candidate = candidate.expect("checked");
                prop_assert_eq!(candidate.starts_on, place.starts_on);
                prop_assert_eq!(candidate.cost, c.cost);
            }
        }
        // The batch respects capacity and is never worse than arrival order.
        let batch = solve(&i);
        let arrival = greedy(&i);
        prop_assert!(feasible(&i, &batch));
        prop_assert!(batch.placed >= arrival.placed);
        if batch.placed == arrival.placed {
            prop_assert!(batch.cost <= arrival.cost);
        }
        if i.orders.len() <= 6 {
            prop_assert_eq!((batch.placed, batch.cost), brute_force(&i));
        }
    }

    #[test]
    fn greedy_is_the_single_order_engine_in_sequence((requests, listings, policy) in arb_market()) {
        let i = Instance::build(&requests, &listings, &market(), |_| policy);
        let g = greedy(&i);
        let mut market_now = listings.clone();
        for (o, (_, request)) in requests.iter().enumerate() {
            let chosen = place(request, &market_now, &market(), policy).chosen;
            let expected = g.assignment[o].map(|p| (i.places[p].listing_id.clone(), i.places[p].starts_on));
            prop_assert_eq!(chosen.as_ref().map(|c| (c.listing_id.clone(), c.starts_on)), expected);
            if let Some(c) = chosen {
                let listing = market_now.iter_mut().find(|l| l.id == c.listing_id).expect("listing");
                let slot = listing.slots.iter_mut().find(|s| s.starts_on == c.starts_on && s.free > 0).expect("slot");
                slot.free -= 1;
            }
        }
    }
}

/// An order whose every attribute the rules read varies, each over few values so that
/// orders alike but for one attribute are common: a birthday that may fall in the
/// window (turning 18, or 66 past the listings' upper age) or two ages the same rules
/// treat alike, a tier and risk of harm that
/// change eligibility and the multiplier, a first start date, a declined listing and a
/// continuing provider.
fn arb_varied_request(i: usize) -> impl Strategy<Value = (String, Request)> {
    (
        (0usize..4, any::<bool>(), 0usize..5, 1u8..=4, 0usize..3),
        (
            any::<bool>(),
            any::<bool>(),
            proptest::option::weighted(0.3, 0usize..2),
        ),
        proptest::option::weighted(0.3, (0usize..2, any::<bool>())),
    )
        .prop_map(
            move |((area, female, born, tier, risk), (late, after, declined), continuing)| {
                let (id, mut request) = (
                    format!("ord_{i:03}"),
                    Request {
                        category: Category::UnpaidWork,
                        specification_code: None,
                        // No listing serves SY-DON, priced like SY-ROT.
                        area: ["SY-SHF", "SY-ROT", "WY-LDS", "SY-DON"][area].to_owned(),
                        person: Person {
                            sex: if female { Sex::Female } else { Sex::Male },
                            date_of_birth: d([
                                "1990-01-01",
                                "1985-03-03",
                                "2008-12-01",
                                "2008-11-28",
                                "1960-12-05",
                            ][born]),
                            risk_of_harm: [RiskOfHarm::Low, RiskOfHarm::Medium, RiskOfHarm::High]
                                [risk],
                            tier,
                        },
                        required_by: d("2026-11-23")
                            + chrono::Duration::days(if late { 14 } else { 8 }),
                        not_before: after.then(|| d("2026-12-01")),
                        excluded_listings: declined
                            .map(|l| format!("lst_{l:03}"))
                            .into_iter()
                            .collect(),
                        continuing: Vec::new(),
                    },
                );
                if let Some((provider, same)) = continuing {
                    request.continuing.push(Continuing {
                        order_id: format!("ord_prior_{i:03}"),
                        provider_id: format!("prv_{provider:03}"),
                        category: if same {
                            Category::UnpaidWork
                        } else {
                            Category::AttendanceCentre
                        },
                    });
                }
                (id, request)
            },
        )
}

/// Each area its own policy: best price, best value with continuity, best value without.
fn policy_of_area(request: &Request) -> Policy {
    let weights = Weights {
        price: 1,
        quality: 150,
        days: 300,
        continuity_pence: 5_000,
    };
    match request.area.as_str() {
        "SY-SHF" => Policy::BestPrice,
        "SY-ROT" | "SY-DON" => Policy::BestValue(weights),
        _ => Policy::BestValue(Weights {
            continuity_pence: 0,
            ..weights
        }),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn kinds_give_each_order_the_options_it_has_alone(
        requests in (1usize..=48).prop_flat_map(|n| (0..n).map(arb_varied_request).collect::<Vec<_>>()),
        listings in (1usize..=4).prop_flat_map(|n| (0..n).map(arb_listing).collect::<Vec<_>>()),
    ) {
        // Some listings price by tier and risk of harm, alike for some of them (tiers 1
        // and 2), so that some tiers are one in the key. Start dates within the first 16 days, where the orders' windows differ, and
        // every listing open to someone.
        let mut listings = listings;
        // Tiers 3 and 4, and medium and high risk, differ only in admission.
        for (n, l) in listings.iter_mut().enumerate() {
            if n % 2 == 0 {
                l.multipliers.tier_bps = [10_000, 10_000, 12_000, 12_000];
                l.multipliers.risk_of_harm_bps = [10_000, 11_000, 11_000, 12_500];
            } else {
                l.eligibility.max_risk_of_harm = RiskOfHarm::Medium;
            }
        }
        for l in listings.iter_mut() {
            l.published = true;
            l.provider_standing = Standing::Active;
            for a in &mut l.accreditations {
                a.score = a.score.max(60);
                a.expires_on = d("2027-06-01");
            }
        }
        for slot in listings.iter_mut().flat_map(|l| l.slots.iter_mut()) {
            let day = (slot.starts_on - market().today).num_days();
            slot.starts_on = market().today + chrono::Duration::days(day % 16);
        }
        let i = Instance::build(&requests, &listings, &market(), policy_of_area);
        let (places, first) = kinds::places_of(&listings);
        prop_assert_eq!(&i.places, &places);
        prop_assert_eq!(i.orders.len(), requests.len());
        for (o, (id, request)) in requests.iter().enumerate() {
            prop_assert_eq!(&i.orders[o], id);
            let alone = kinds::options_of(
                request,
                0..listings.len(),
                &listings,
                &first,
                &market(),
                policy_of_area(request),
            );
            prop_assert_eq!(i.options(o), alone.as_slice(), "order {}", o);
        }
        // No two kinds have the same options, so the network has no needless node.
        let distinct: BTreeSet<&Vec<Choice>> = i.kinds.iter().collect();
        prop_assert_eq!(distinct.len(), i.kinds.len());
    }
}
