//! Listing search under load: loads a market of N listings across P providers and A
//! areas into a fresh database (SQLite or PostgreSQL), starts the hub, and drives
//! concurrent searches at it for a fixed time, reporting throughput and latency.
//!
//! cargo run --release -p provider-hub-bench --bin search-bench -- --backend sqlite
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo run --release -p provider-hub-bench --bin search-bench -- --backend postgres

/// The hub runs in this process: the allocator is the `provider-hub` binary's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::time::{Duration, Instant};

use chrono::Utc;
use clap::Parser;
use provider_hub_domain::category::Category;
use provider_hub_domain::listing::{DeliveryMode, ListingFormat, ListingStatus, NewListing};
use provider_hub_domain::provider::{Contact, NewAccreditation, NewProvider, Sector};
use provider_hub_domain::AreaCode;
use provider_hub_market::{areas, listings, providers, specifications, Actor};
use provider_hub_tests::{specification_body, Backend, TestApp};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "sqlite")]
    backend: String,
    #[arg(long, default_value_t = 10_000)]
    listings: usize,
    #[arg(long, default_value_t = 200)]
    providers: usize,
    #[arg(long, default_value_t = 40)]
    areas: usize,
    /// Concurrent clients.
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Seconds of load after a warm-up.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Drive the load with `wrk` (Debian: `apt-get install wrk`) instead of in-process
    /// clients: first the trivial route `/health/live`, then the searches
    /// (`bench/search/search.lua`), each for `seconds`, and report the ratio of their rates.
    #[arg(long)]
    wrk: bool,
    /// With `--wrk`: how many times to run the pair (the trivial route, then the
    /// searches), one after the other; the last line gives each pair's ratio and their
    /// median, since the trivial route's rate moves between runs on a shared machine.
    #[arg(long, default_value_t = 1)]
    pairs: usize,
}

/// Runs wrk for `seconds` at `url` (with a script and its arguments), after a 2 s
/// warm-up run; its report, and its requests per second.
fn wrk(
    url: &str,
    concurrency: usize,
    seconds: u64,
    script: &[String],
) -> Result<(String, f64), String> {
    let run = |secs: u64| -> Result<String, String> {
        let mut command = std::process::Command::new("wrk");
        command.args([
            "-t",
            "2",
            "-c",
            &concurrency.to_string(),
            "-d",
            &format!("{secs}s"),
            "--latency",
        ]);
        if let Some((path, args)) = script.split_first() {
            command.args(["-s", path]).arg(url).arg("--").args(args);
        } else {
            command.arg(url);
        }
        let out = command
            .output()
            .map_err(|e| format!("cannot run wrk: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).into_owned());
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    };
    run(2)?;
    let report = run(seconds)?;
    let rate = report
        .lines()
        .find_map(|l| l.strip_prefix("Requests/sec:"))
        .and_then(|v| v.trim().parse::<f64>().ok())
        .ok_or_else(|| format!("no rate in wrk's report: {report}"))?;
    Ok((report, rate))
}

const CATEGORIES: [(&str, &str, &str); 5] = [
    ("UPW-STD", "unpaid_work", "education_training_employment"),
    ("ALC-TRT", "alcohol_treatment", "alcohol"),
    ("DRG-REH", "drug_rehabilitation", "drugs"),
    ("ACC-SUP", "accommodation", "accommodation"),
    (
        "ETE-EMP",
        "education_training_employment",
        "education_training_employment",
    ),
];

fn area_code(i: usize) -> String {
    format!("AR-{i:02}")
}

fn load_market(app: &TestApp, args: &Args) -> Result<(), String> {
    let mut rng = StdRng::seed_from_u64(20261123);
    let mut conn = app.db.connect();
    let actor = Actor {
        sub: "bench".into(),
        role: "admin".into(),
    };
    let now = Utc::now();
    let e = |e: provider_hub_market::Error| e;
    let result = provider_hub_store::write_transaction(
        &mut conn,
        |conn| -> Result<(), provider_hub_market::Error> {
            for i in 0..args.areas {
                let new: areas::NewArea = serde_json::from_value(serde_json::json!({
                    "code": area_code(i), "name": format!("Area {i}"), "region": "Bench"
                }))
                .map_err(bad)?;
                areas::create(conn, &actor, new, now).map_err(e)?;
            }
            for (code, category, need) in CATEGORIES {
                let mut body = specification_body(code);
                body["category"] = serde_json::json!(category);
                body["needs"] = serde_json::json!([need]);
                body["delivery_standard"]["format"] = serde_json::json!("either");
                let new = serde_json::from_value(body).map_err(bad)?;
                specifications::create(conn, &actor, new, now).map_err(e)?;
                specifications::publish(conn, &actor, code, 1, now).map_err(e)?;
            }
            let per_provider = args.listings.div_ceil(args.providers);
            let mut made = 0;
            for p in 0..args.providers {
                let provider = providers::register(
                    conn,
                    &actor,
                    NewProvider {
                        name: format!("Provider {p}"),
                        sector: [
                            Sector::Public,
                            Sector::Private,
                            Sector::Voluntary,
                            Sector::SocialEnterprise,
                        ][p % 4],
                        registration_number: format!("BENCH-{p:04}"),
                        contact: Contact {
                            name: "Desk".into(),
                            email: "desk@example.org".into(),
                            phone: None,
                        },
                    },
                    now,
                )
                .map_err(e)?;
                // Four in five providers are members for the categories they list in.
                let member = rng.random_range(0..5) != 0;
                for (_, category, _) in CATEGORIES {
                    let score = if member {
                        rng.random_range(60..=100)
                    } else {
                        rng.random_range(20..60)
                    };
                    providers::accredit(
                        conn,
                        &actor,
                        &provider.id,
                        NewAccreditation {
                            category: category.parse::<Category>().map_err(bad)?,
                            score,
                            assessed_on: now.date_naive(),
                            expires_on: now.date_naive() + chrono::Duration::days(365),
                            notes: String::new(),
                        },
                        now,
                    )
                    .map_err(e)?;
                }
                let provider_actor = Actor {
                    sub: format!("bench-{p}"),
                    role: "provider".into(),
                };
                for _ in 0..per_provider {
                    if made == args.listings {
                        break;
                    }
                    made += 1;
                    let (code, _, _) = CATEGORIES[rng.random_range(0..CATEGORIES.len())];
                    let served = rng.random_range(3..=8);
                    let mut codes: Vec<AreaCode> = (0..served)
                        .map(|_| AreaCode::parse(&area_code(rng.random_range(0..args.areas))))
                        .collect::<Result<_, _>>()
                        .map_err(bad)?;
                    codes.sort();
                    codes.dedup();
                    let listing = listings::create(
                        conn,
                        &provider_actor,
                        &provider.id,
                        NewListing {
                            specification_code: code.into(),
                            specification_version: 1,
                            title: format!("{code} by provider {p}"),
                            description: String::new(),
                            areas: codes,
                            price_pence: rng.random_range(20_000..=60_000),
                            delivery_format: ListingFormat::Group,
                            delivery_mode: DeliveryMode::InPerson,
                            eligibility: Default::default(),
                        },
                        now,
                    )
                    .map_err(e)?;
                    // Most listings are published; non-members' stay drafts (publishing is refused).
                    if member && rng.random_range(0..10) != 0 {
                        listings::transition(
                            conn,
                            &provider_actor,
                            &provider.id,
                            &listing.listing.id,
                            ListingStatus::publish,
                            "listing.published",
                            now,
                        )
                        .map_err(e)?;
                    }
                }
            }
            Ok(())
        },
    );
    result.map_err(|e| e.to_string())?;
    // Fresh statistics, as a running database has them (autovacuum's analyze on
    // PostgreSQL): without them the planner guesses one row everywhere after a bulk load.
    diesel::connection::SimpleConnection::batch_execute(&mut conn, "ANALYZE")
        .map_err(|e| e.to_string())
}

fn bad(e: impl ToString) -> provider_hub_market::Error {
    provider_hub_market::Error::invalid("bench", e.to_string())
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

fn main() -> Result<(), String> {
    let args = Args::parse();
    let backend = match args.backend.as_str() {
        "sqlite" => Backend::Sqlite,
        "postgres" => Backend::Postgres,
        other => return Err(format!("unknown backend {other}")),
    };
    actix_web::rt::System::new().block_on(async move {
        let app = TestApp::spawn_with(backend, |c| {
            c.pool_size = 16;
            c.workers = Some(2);
        })
        .await;
        let started = Instant::now();
        load_market(&app, &args)?;
        let load_time = started.elapsed();

        let om = app.token("offender_manager");
        let quality = app.token("quality");
        // The first search after the load reads the supply (`Supply`) and makes its
        // answer; the next, another search, makes its answer from the supply read.
        let (first, next) = {
            let client = reqwest::Client::new();
            let mut took = Vec::new();
            for query in ["?area=AR-00", "?area=AR-01&category=unpaid_work"] {
                let t = Instant::now();
                let response = client
                    .get(format!("{}/v1/listings{query}", app.base))
                    .bearer_auth(&om)
                    .send()
                    .await
                    .map_err(|e| e.to_string())?;
                if !response.status().is_success() {
                    return Err(format!("search {query}: {}", response.status()));
                }
                response.bytes().await.map_err(|e| e.to_string())?;
                took.push(t.elapsed().as_secs_f64() * 1e3);
            }
            (took[0], took[1])
        };
        if args.wrk {
            let base = app.base.clone();
            let script = concat!(env!("CARGO_MANIFEST_DIR"), "/search/search.lua").to_owned();
            let (concurrency, seconds, areas) = (args.concurrency, args.seconds, args.areas);
            // wrk blocks: off the runtime's thread, so the hub (on its own workers) serves it.
            let pairs = args.pairs.max(1);
            let runs = actix_web::rt::task::spawn_blocking(move || -> Result<_, String> {
                let mut runs = Vec::new();
                for _ in 0..pairs {
                    let live = wrk(&format!("{base}/health/live"), concurrency, seconds, &[])?;
                    let search = wrk(
                        &base,
                        concurrency,
                        seconds,
                        &[script.clone(), om.clone(), quality.clone(), areas.to_string()],
                    )?;
                    runs.push((live, search));
                }
                Ok(runs)
            })
            .await
            .map_err(|e| e.to_string())??;
            let mut ratios = Vec::new();
            for (n, (live, search)) in runs.iter().enumerate() {
                println!("== pair {} /health/live\n{}\n== pair {} /v1/listings\n{}", n + 1, live.0, n + 1, search.0);
                ratios.push(search.1 / live.1);
            }
            let (live, search) = &runs[runs.len() - 1];
            let mut sorted = ratios.clone();
            sorted.sort_by(f64::total_cmp);
            let median = sorted[sorted.len() / 2];
            let each: Vec<String> = ratios.iter().map(|r| format!("{r:.3}")).collect();
            println!(
                "backend={} listings={} load={:.1}s first_search={first:.1}ms next_new_search={next:.1}ms concurrency={} trivial_rps={:.0} search_rps={:.0} ratios={} ratio={:.3}",
                args.backend,
                args.listings,
                load_time.as_secs_f64(),
                args.concurrency,
                live.1,
                search.1,
                each.join(","),
                median,
            );
            return Ok(());
        }
        let client = reqwest::Client::builder().pool_max_idle_per_host(args.concurrency).build().map_err(|e| e.to_string())?;
        let warmup = Duration::from_secs(2);
        let run = Duration::from_secs(args.seconds);
        let mut tasks = Vec::new();
        for worker in 0..args.concurrency {
            let (client, base, om, quality) = (client.clone(), app.base.clone(), om.clone(), quality.clone());
            let areas = args.areas;
            tasks.push(actix_web::rt::spawn(async move {
                let mut rng = StdRng::seed_from_u64(worker as u64);
                let mut latencies = Vec::new();
                let mut errors = 0u64;
                let mut results = 0u64;
                let start = Instant::now();
                while start.elapsed() < warmup + run {
                    let (code, category, _) = CATEGORIES[rng.random_range(0..CATEGORIES.len())];
                    let area = area_code(rng.random_range(0..areas));
                    let query = match rng.random_range(0..4) {
                        0 => format!("?area={area}&category={category}"),
                        1 => format!("?area={area}"),
                        2 => format!("?category={category}&limit=100"),
                        _ => format!("?code={code}&area={area}"),
                    };
                    // Nine in ten searches are offender managers' (members only, the costly rule).
                    let token = if rng.random_range(0..10) == 0 { &quality } else { &om };
                    let t = Instant::now();
                    let response = client.get(format!("{base}/v1/listings{query}")).bearer_auth(token).send().await;
                    let ok = match response {
                        Ok(r) if r.status().is_success() => r
                            .json::<serde_json::Value>()
                            .await
                            .map(|v| results += v["items"].as_array().map_or(0, |a| a.len() as u64))
                            .is_ok(),
                        _ => false,
                    };
                    if start.elapsed() > warmup {
                        latencies.push(t.elapsed());
                        if !ok {
                            errors += 1;
                        }
                    }
                }
                (latencies, errors, results)
            }));
        }
        let mut latencies = Vec::new();
        let (mut errors, mut results) = (0, 0);
        for t in tasks {
            let (l, e, r) = t.await.map_err(|e| e.to_string())?;
            latencies.extend(l);
            errors += e;
            results += r;
        }
        latencies.sort();
        let n = latencies.len();
        println!(
            "backend={} listings={} providers={} areas={} load={:.1}s first_search={first:.1}ms next_new_search={next:.1}ms concurrency={} requests={} errors={} rps={:.0} p50={:.2}ms p90={:.2}ms p99={:.2}ms max={:.2}ms mean_items={:.1}",
            args.backend,
            args.listings,
            args.providers,
            args.areas,
            load_time.as_secs_f64(),
            args.concurrency,
            n,
            errors,
            n as f64 / run.as_secs_f64(),
            percentile(&latencies, 0.50).as_secs_f64() * 1e3,
            percentile(&latencies, 0.90).as_secs_f64() * 1e3,
            percentile(&latencies, 0.99).as_secs_f64() * 1e3,
            latencies.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
            results as f64 / n.max(1) as f64,
        );
        Ok(())
    })
}
