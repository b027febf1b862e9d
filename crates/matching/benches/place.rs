//! One order against 5,000 candidate listings: the single-order engine's cost per
//! placement decision (target: at most 100 µs), as a placement that is kept (`place`:
//! every candidate scored, the best ten kept for the explanation) and as a quote
//! (`quote`: the choice only, for costing plans), that explanation written as JSON
//! (target: at most 100 µs), and every candidate ranked on demand (`rank`); and the same
//! against 50 listings, an area's market of realistic size.
//! `cargo bench -p provider-hub-matching --bench place`.

use std::collections::BTreeSet;

use chrono::{Duration, NaiveDate};
use criterion::{criterion_group, criterion_main, Criterion};
use provider_hub_domain::need::{RiskOfHarm, Sex};
use provider_hub_domain::provider::{Accreditation, Standing};
use provider_hub_domain::specification::Eligibility;
use provider_hub_domain::Category;
use provider_hub_matching::{
    place, quote, rank, Listing, Market, Person, Policy, Request, Slot, Weights,
};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

/// 5,000 published unpaid-work listings serving the order's area, with weekly places,
/// varied prices and scores: every one is a candidate, the engine's worst case.
fn market(n: usize) -> Vec<Listing> {
    let today = d("2026-11-23");
    (0..n)
        .map(|i| Listing {
            id: format!("lst_{i:05}"),
            provider_id: format!("prv_{:04}", i % 700),
            published: true,
            specification_published: true,
            category: Category::UnpaidWork,
            specification_code: "UPW-STD".into(),
            eligibility: (&Eligibility {
                sexes: vec![Sex::Female, Sex::Male],
                min_age: 18,
                max_age: 80,
                max_risk_of_harm: RiskOfHarm::High,
                tiers: vec![1, 2, 3, 4],
            })
                .into(),
            areas: vec!["SY-SHF".into(), format!("AR-{:02}", i % 40).as_str().into()],
            price_pence: 20_000 + ((i * 7919) % 40_000) as i64,
            price_cap_pence: 60_000,
            multipliers: Default::default(),
            slots: (0..4)
                .map(|w| Slot {
                    starts_on: today + Duration::days(3 + 7 * w),
                    free: ((i + w as usize) % 5) as u32,
                })
                .collect(),
            provider_standing: Standing::Active,
            accreditations: vec![Accreditation {
                category: Category::UnpaidWork,
                score: 60 + (i % 41) as u8,
                assessed_on: d("2026-01-01"),
                expires_on: d("2027-01-01"),
                superseded: false,
            }],
            evidence: Default::default(),
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let request = Request {
        category: Category::UnpaidWork,
        specification_code: None,
        area: "SY-SHF".into(),
        person: Person {
            sex: Sex::Male,
            date_of_birth: d("1990-04-01"),
            risk_of_harm: RiskOfHarm::Medium,
            tier: 2,
        },
        required_by: d("2026-12-21"),
        not_before: None,
        excluded_listings: BTreeSet::from(["lst_00042".to_owned()]),
        continuing: Vec::new(),
    };
    let today = Market {
        today: d("2026-11-23"),
        threshold: 60,
    };
    let value = Policy::BestValue(Weights {
        price: 1,
        quality: 150,
        days: 300,
        continuity_pence: 0,
    });
    for (n, group) in [
        (5_000, "one order, 5,000 candidate listings"),
        (50, "one order, 50 candidate listings"),
    ] {
        let listings = market(n);
        let mut group = c.benchmark_group(group);
        group.bench_function("best_price", |b| {
            b.iter(|| place(&request, &listings, &today, Policy::BestPrice))
        });
        group.bench_function("best_value", |b| {
            b.iter(|| place(&request, &listings, &today, value))
        });
        group.bench_function("best_price, choice only", |b| {
            b.iter(|| quote(&request, &listings, &today, Policy::BestPrice))
        });
        group.bench_function("best_value, choice only", |b| {
            b.iter(|| quote(&request, &listings, &today, value))
        });
        // What storing a kept placement's explanation then costs on top (as orders keep it).
        group.bench_function("best_price, explanation as JSON", |b| {
            b.iter(|| serde_json::to_string(&place(&request, &listings, &today, Policy::BestPrice)))
        });
        // The explanation's write alone, and its size.
        let kept = place(&request, &listings, &today, value);
        let json = serde_json::to_string(&kept).expect("json");
        println!(
            "{n} listings: a kept best_value explanation is {} bytes of JSON",
            json.len()
        );
        group.bench_function("best_value, explanation written as JSON", |b| {
            b.iter(|| serde_json::to_string(&kept))
        });
        // Every candidate ranked, as `GET /v1/orders/{id}/ranking` recomputes it.
        group.bench_function("best_value, every candidate ranked", |b| {
            b.iter(|| rank(&request, &listings, &today, value))
        });
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
