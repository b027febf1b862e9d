//! Batch matching at scale: generates a market of listings with capacities and a batch
//! of orders, builds the instance with the matching rules (the kinds of order and their
//! options) and solves it exactly (ours), timing the two together as the hub runs them;
//! then the previous solver (cost scaling) on the same kinds, and arrival order (greedy).
//! Writes each order's options, enumerated one order at a time rather than through the
//! kinds, as JSON so `bench/batch_ortools.py` can solve the same problem with Google
//! OR-Tools, on the general network and on the kinds network it groups for itself.
//!
//! cargo run --release -p provider-hub-batch-bench -- --out /tmp/batch.json

use std::collections::BTreeSet;
use std::time::Instant;

use chrono::{Duration, NaiveDate};
use clap::Parser;
use provider_hub_domain::need::{RiskOfHarm, Sex};
use provider_hub_domain::price::Multipliers;
use provider_hub_domain::provider::{Accreditation, Standing};
use provider_hub_domain::specification::Eligibility;
use provider_hub_domain::Category;
use provider_hub_matching::batch::{greedy, options_alone, solve, solve_with, Algorithm, Instance};
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
    /// Build and solve this many times and report the fastest.
    #[arg(long, default_value_t = 3)]
    repeat: usize,
    /// Half the listings price by tier (×1.00 to ×1.50), so that a place costs orders of
    /// different tiers differently and the general solver (network simplex) runs.
    #[arg(long)]
    tiered: bool,
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
                multipliers: Multipliers {
                    tier_bps: if args.tiered && rng.random_range(0..2) == 0 {
                        [10_000, 11_000, 12_500, 15_000]
                    } else {
                        [10_000; 4]
                    },
                    ..Default::default()
                },
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

    let policy_of = |_: &Request| policy;

    // Ours as the hub runs it: the kinds built from the orders and listings, then solved.
    let (mut build, mut solve_time, mut total) = (f64::MAX, f64::MAX, f64::MAX);
    let mut solved = None;
    for _ in 0..args.repeat.max(1) {
        let t = Instant::now();
        let instance = Instance::build(&requests, &listings, &market, policy_of);
        let built = t.elapsed().as_secs_f64();
        let solution = solve(&instance);
        let all = t.elapsed().as_secs_f64();
        build = build.min(built);
        solve_time = solve_time.min(all - built);
        total = total.min(all);
        solved = Some((instance, solution));
    }
    let (instance, solution) = solved.ok_or("no solution")?;
    let options: usize = (0..instance.orders.len())
        .map(|o| instance.options(o).len())
        .sum();
    let capacity: u32 = instance.places.iter().map(|p| p.capacity).sum();
    // The general solvers on the same kinds, for comparison.
    let mut others = Vec::new();
    for (name, algorithm) in [
        ("network simplex", Algorithm::NetworkSimplex),
        ("cost scaling (before)", Algorithm::CostScaling),
    ] {
        let mut time = f64::MAX;
        let mut other = None;
        for _ in 0..args.repeat.max(1) {
            let t = Instant::now();
            let s = solve_with(&instance, algorithm);
            time = time.min(t.elapsed().as_secs_f64());
            other = Some(s);
        }
        others.push((name, other.ok_or("no solution")?, time));
    }
    let t = Instant::now();
    let baseline = greedy(&instance);
    let greedy_time = t.elapsed();

    println!(
        "orders={} listings={} places={} capacity={} options={} kinds={}",
        args.orders,
        args.listings,
        instance.places.len(),
        capacity,
        options,
        instance.kinds.iter().filter(|k| !k.is_empty()).count(),
    );
    println!(
        "ours: placed={} cost={} build+solve={:.4}s (build {:.4}s, solve {:.4}s; fastest of {})",
        solution.placed,
        solution.cost,
        total,
        build,
        solve_time,
        args.repeat.max(1)
    );
    for (name, other, time) in &others {
        println!(
            "ours by {name} alone: placed={} cost={} solve={time:.4}s",
            other.placed, other.cost
        );
    }
    println!(
        "arrival order: placed={} cost={} time={:.4}s",
        baseline.placed,
        baseline.cost,
        greedy_time.as_secs_f64()
    );
    if others
        .iter()
        .any(|(_, other, _)| (other.placed, other.cost) != (solution.placed, solution.cost))
    {
        return Err("the solvers disagree".into());
    }
    if let Some(out) = &args.out {
        // Enumerated order by order, independently of the kinds; they must agree.
        let alone = options_alone(&requests, &listings, &market, policy_of);
        let agree = alone
            .iter()
            .enumerate()
            .all(|(o, options)| options.as_slice() == instance.options(o));
        println!(
            "kinds agree with the options enumerated order by order: {}",
            if agree { "yes" } else { "NO" }
        );
        let mut json = String::with_capacity(options * 16);
        json.push_str("{\"capacities\":");
        json.push_str(
            &serde_json::to_string(
                &instance
                    .places
                    .iter()
                    .map(|p| p.capacity)
                    .collect::<Vec<_>>(),
            )
            .map_err(|e| e.to_string())?,
        );
        json.push_str(",\"options\":[");
        for (o, options) in alone.iter().enumerate() {
            json.push_str(if o == 0 { "[" } else { ",[" });
            for (i, c) in options.iter().enumerate() {
                if i > 0 {
                    json.push(',');
                }
                json.push_str(&format!("[{},{}]", c.place, c.cost));
            }
            json.push(']');
        }
        json.push_str("],\"ours\":");
        json.push_str(
            &serde_json::json!({
                "placed": solution.placed, "cost": solution.cost, "seconds": total,
                "build_seconds": build, "solve_seconds": solve_time,
            })
            .to_string(),
        );
        json.push('}');
        std::fs::write(out, json).map_err(|e| e.to_string())?;
        println!("instance written to {}", out.display());
        if !agree {
            return Err("the kinds differ from the per-order options".into());
        }
    }
    Ok(())
}
