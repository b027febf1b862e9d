//! Batch matching at scale: generates a market of listings with capacities and a batch
//! of orders, builds the instance with the matching rules, and solves it exactly (ours)
//! and by arrival order (greedy), timing each. Writes the instance as JSON so
//! `bench/batch_ortools.py` can solve the same min-cost flow with Google OR-Tools.
//!
//! cargo run --release -p provider-hub-bench --bin batch-bench -- --out /tmp/batch.json

use std::collections::BTreeSet;
use std::time::Instant;

use chrono::{Duration, NaiveDate};
use clap::Parser;
use provider_hub_domain::need::{RiskOfHarm, Sex};
use provider_hub_domain::provider::{Accreditation, Standing};
use provider_hub_domain::specification::Eligibility;
use provider_hub_domain::Category;
use provider_hub_matching::batch::{greedy, solve, Instance};
use provider_hub_matching::{Listing, Market, Person, Policy, Request, Slot, Weights};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value_t = 10_000)]
    orders: usize,
    #[arg(long, default_value_t = 2_000)]
    listings: usize,
    #[arg(long, default_value_t = 40)]
    areas: usize,
    #[arg(long, default_value_t = 20261123)]
    seed: u64,
    /// Where to write the instance for OR-Tools.
    #[arg(long)]
    out: Option<std::path::PathBuf>,
    /// Solve this many times and report the fastest (the instance is built once).
    #[arg(long, default_value_t = 3)]
    repeat: usize,
}

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap_or(NaiveDate::MIN)
}

fn area(i: usize) -> String {
    format!("AR-{i:02}")
}

fn main() -> Result<(), String> {
    let args = Args::parse();
    let mut rng = StdRng::seed_from_u64(args.seed);
    let today = d("2026-11-23");
    let listings: Vec<Listing> = (0..args.listings)
        .map(|i| {
            let served: BTreeSet<String> = (0..rng.random_range(3..=8))
                .map(|_| area(rng.random_range(0..args.areas)))
                .collect();
            let women_only = rng.random_range(0..10) == 0;
            Listing {
                id: format!("lst_{i:05}"),
                provider_id: format!("prv_{:04}", i % 400),
                published: true,
                specification_published: true,
                category: Category::UnpaidWork,
                specification_code: "UPW-STD".into(),
                eligibility: (&Eligibility {
                    sexes: if women_only {
                        vec![Sex::Female]
                    } else {
                        vec![Sex::Female, Sex::Male]
                    },
                    min_age: 18,
                    max_age: 80,
                    max_risk_of_harm: if rng.random_range(0..4) == 0 {
                        RiskOfHarm::Medium
                    } else {
                        RiskOfHarm::High
                    },
                    tiers: vec![1, 2, 3, 4],
                })
                    .into(),
                areas: served.iter().map(|a| a.as_str().into()).collect(),
                price_pence: rng.random_range(20_000..=60_000),
                price_cap_pence: 60_000,
                slots: (0..4)
                    .map(|w| Slot {
                        starts_on: today + Duration::days(3 + 7 * w),
                        free: rng.random_range(0..=2),
                    })
                    .collect(),
                provider_standing: Standing::Active,
                accreditations: vec![Accreditation {
                    category: Category::UnpaidWork,
                    score: rng.random_range(60..=100),
                    assessed_on: d("2026-01-01"),
                    expires_on: d("2027-06-01"),
                    superseded: false,
                }],
                evidence: Default::default(),
                multipliers: Default::default(),
            }
        })
        .collect();
    let requests: Vec<(String, Request)> = (0..args.orders)
        .map(|i| {
            (
                format!("ord_{i:06}"),
                Request {
                    category: Category::UnpaidWork,
                    specification_code: None,
                    area: area(rng.random_range(0..args.areas)),
                    person: Person {
                        sex: if rng.random_range(0..5) == 0 {
                            Sex::Female
                        } else {
                            Sex::Male
                        },
                        date_of_birth: d("1990-04-01"),
                        risk_of_harm: if rng.random_range(0..3) == 0 {
                            RiskOfHarm::High
                        } else {
                            RiskOfHarm::Medium
                        },
                        tier: rng.random_range(1..=4),
                    },
                    required_by: today + Duration::days([14, 21, 28][rng.random_range(0..3)]),
                    not_before: None,
                    excluded_listings: BTreeSet::new(),
                    continuing: Vec::new(),
                },
            )
        })
        .collect();
    let market = Market {
        today,
        threshold: 60,
    };
    let policy = Policy::BestValue(Weights {
        price: 1,
        quality: 150,
        days: 300,
        continuity_pence: 0,
    });

    let t = Instant::now();
    let instance = Instance::build(&requests, &listings, &market, |_| policy);
    let build = t.elapsed();
    let arcs: usize = instance.options.iter().map(Vec::len).sum();
    let kinds: BTreeSet<_> = instance.options.iter().filter(|o| !o.is_empty()).collect();
    let capacity: u32 = instance.places.iter().map(|p| p.capacity).sum();

    let mut best = None;
    let mut solution = None;
    for _ in 0..args.repeat.max(1) {
        let t = Instant::now();
        let s = solve(&instance);
        let e = t.elapsed();
        best = Some(best.map_or(e, |b: std::time::Duration| b.min(e)));
        solution = Some(s);
    }
    let solution = solution.ok_or("no solution")?;
    let t = Instant::now();
    let baseline = greedy(&instance);
    let greedy_time = t.elapsed();

    println!(
        "orders={} listings={} places={} capacity={} arcs={} kinds={} build={:.3}s",
        args.orders,
        args.listings,
        instance.places.len(),
        capacity,
        arcs,
        kinds.len(),
        build.as_secs_f64()
    );
    println!(
        "ours: placed={} cost={} solve={:.4}s (fastest of {})",
        solution.placed,
        solution.cost,
        best.unwrap_or_default().as_secs_f64(),
        args.repeat.max(1)
    );
    println!(
        "arrival order: placed={} cost={} time={:.4}s",
        baseline.placed,
        baseline.cost,
        greedy_time.as_secs_f64()
    );
    if let Some(out) = &args.out {
        let json = serde_json::json!({
            "capacities": instance.places.iter().map(|p| p.capacity).collect::<Vec<_>>(),
            "options": instance.options.iter()
                .map(|o| o.iter().map(|c| [c.place as i64, c.cost]).collect::<Vec<_>>())
                .collect::<Vec<_>>(),
            "ours": {"placed": solution.placed, "cost": solution.cost,
                     "solve_seconds": best.unwrap_or_default().as_secs_f64()},
        });
        std::fs::write(out, json.to_string()).map_err(|e| e.to_string())?;
        println!("instance written to {}", out.display());
    }
    Ok(())
}
