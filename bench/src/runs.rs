//! A batch matching run through the hub (issue 19, target 3): `orders` open or unmatched
//! orders (half in Sheffield, half in Rotherham, every one a different person) over
//! `listings` published unpaid-work listings, and one `POST /v1/matching/runs` timed end
//! to end. Rotherham has a budget that covers only part of its orders, so the run has
//! places it must skip for budget and offer to the next best order. While the run goes,
//! another client writes (a new case every 20 ms) and its latencies are reported: a run
//! must not block other writes for its whole duration. Afterwards the bench checks that
//! no place was sold twice, that every placement is an offer and that Rotherham's budget
//! was not overspent.
//!
//! cargo build --release -p provider-hub-bench --bin runs-bench
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   target/release/runs-bench --backend postgres

use std::time::{Duration, Instant};

use clap::Parser;
use diesel::RunQueryDsl;
use provider_hub_tests::runs::copy_orders;
use provider_hub_tests::{
    accredit, create_listing, listing_body, purchase, register_provider, seed_market, Backend,
    TestApp,
};
use serde_json::{json, Value};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "postgres")]
    backend: String,
    /// Open and unmatched orders the run considers.
    #[arg(long, default_value_t = 10_000)]
    orders: usize,
    /// Published listings (ten per provider).
    #[arg(long, default_value_t = 500)]
    listings: usize,
}

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(app: &TestApp, sql: &str) -> Result<i64, String> {
    let mut conn = app.db.connect();
    diesel::sql_query(sql)
        .get_result::<Count>(&mut conn)
        .map(|c| c.n)
        .map_err(|e| format!("{e}: {sql}"))
}

/// `listings` published listings, ten per provider, with three start dates of six places
/// each: half serve Sheffield only, a quarter Rotherham only, a quarter both.
async fn supply(app: &TestApp, listings: usize) -> Result<(), String> {
    let start = |days: i64| (app.today() + chrono::Duration::days(days)).to_string();
    for p in 0..listings.div_ceil(10) {
        let provider = register_provider(app, &format!("RB-{p:04}")).await;
        accredit(app, &provider, "unpaid_work", 60 + (p * 7 % 36) as u8).await;
        let token = app.provider_token(&provider);
        for i in (p * 10)..((p + 1) * 10).min(listings) {
            let mut body = listing_body(20_000 + (i as i64 * 7_919) % 40_000);
            body["areas"] = match i % 4 {
                0 | 1 => json!(["SY-SHF"]),
                2 => json!(["SY-ROT"]),
                _ => json!(["SY-SHF", "SY-ROT"]),
            };
            let l = create_listing(app, &provider, &body).await;
            let slots: Vec<Value> = [2, 4, 6]
                .iter()
                .map(|d| json!({"starts_on": start(*d), "places": 6}))
                .collect();
            let (s, b) = app
                .put(
                    &format!("/v1/listings/{l}/capacity"),
                    &token,
                    &json!({ "slots": slots }),
                )
                .await;
            if s != 200 {
                return Err(format!("capacity: {s} {b}"));
            }
            let (s, b) = app
                .post_empty(&format!("/v1/listings/{l}/publish"), &token)
                .await;
            if s != 200 {
                return Err(format!("publish: {s} {b}"));
            }
        }
    }
    Ok(())
}

/// Writes a new case every 20 ms until `stop`, returning each write's latency; prints
/// the slowest, with when it began.
async fn other_writes(app: &TestApp, stop: tokio::sync::watch::Receiver<bool>) -> Vec<Duration> {
    let begun = Instant::now();
    let mut slowest = (Duration::ZERO, Duration::ZERO);
    let token = provider_hub_tests::manager_token("SY-SHF", "om-other");
    let mut took = Vec::new();
    for i in 0.. {
        if *stop.borrow() {
            break;
        }
        let started = Instant::now();
        let (s, _) = app
            .post(
                "/v1/cases",
                &token,
                &json!({"crn": format!("W{i:06}"), "sex": "female", "date_of_birth": "1988-02-03", "area": "SY-SHF"}),
            )
            .await;
        if s == 201 {
            took.push(started.elapsed());
            if started.elapsed() > slowest.1 {
                slowest = (started - begun, started.elapsed());
            }
        }
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "slowest other write: {:.0} ms, begun {:.0} ms after the first (the run begins 300 ms after it)",
        slowest.1.as_secs_f64() * 1e3,
        slowest.0.as_secs_f64() * 1e3
    );
    took
}

async fn run(args: Args) -> Result<(), String> {
    let backend = match args.backend.as_str() {
        "sqlite" => Backend::Sqlite,
        "postgres" => Backend::Postgres,
        other => return Err(format!("unknown backend {other}")),
    };
    // The worker stays idle so the unmatched orders wait for the run.
    let app = TestApp::spawn_with(backend, |c| {
        c.pool_size = 8;
        c.worker_interval_ms = 3_600_000;
    })
    .await;
    seed_market(&app).await;
    let shf = purchase(&app, "SY-SHF", "T000001").await;
    let rot = purchase(&app, "SY-ROT", "T000002").await;
    if shf["status"] != "unmatched" || rot["status"] != "unmatched" {
        return Err(format!("templates not unmatched: {shf} {rot}"));
    }
    let seeding = Instant::now();
    let (mut conn, half) = (app.db.connect(), args.orders / 2);
    actix_web::rt::task::spawn_blocking(move || {
        copy_orders(&mut conn, "T000001", "S", half - 1)?;
        copy_orders(&mut conn, "T000002", "R", half - 1)
    })
    .await
    .map_err(|e| e.to_string())??;
    supply(&app, args.listings).await?;
    // Rotherham's budget covers about a third of its orders at the average price.
    let year =
        provider_hub_domain::payment::financial_year(app.today() + chrono::Duration::days(4));
    let commissioner = app.token("commissioner");
    let allocated = half as i64 * 40_000 / 3;
    let (s, b) = app
        .put(
            &format!("/v1/budgets/SY-ROT/{year}"),
            &commissioner,
            &json!({ "allocated_pence": allocated }),
        )
        .await;
    if s != 200 && s != 201 {
        return Err(format!("budget: {s} {b}"));
    }
    if backend == Backend::Postgres {
        diesel::sql_query("ANALYZE")
            .execute(&mut app.db.connect())
            .map_err(|e| e.to_string())?;
    }
    println!(
        "seeded {} orders and {} listings in {:.1} s",
        args.orders,
        args.listings,
        seeding.elapsed().as_secs_f64()
    );

    let (stop, stopped) = tokio::sync::watch::channel(false);
    let timed = async {
        actix_web::rt::time::sleep(Duration::from_millis(300)).await;
        let started = Instant::now();
        let r = app
            .client
            .post(app.url("/v1/matching/runs"))
            .bearer_auth(&commissioner)
            .json(&json!({}))
            .timeout(Duration::from_secs(900))
            .send()
            .await;
        let answer = match r {
            Ok(r) => Ok(provider_hub_tests::status_and_json(r).await),
            Err(e) => Err(format!("{e:?}")),
        };
        let took = started.elapsed();
        let _ = stop.send(true);
        answer.map(|a| (a, took))
    };
    let (answer, mut writes) = futures_util::future::join(timed, other_writes(&app, stopped)).await;
    let ((s, ran), took) = answer?;
    if s != 201 {
        return Err(format!("run refused: {s} {ran}"));
    }
    writes.sort();
    let pct = |p: f64| {
        writes
            .get(((writes.len() as f64 * p) as usize).min(writes.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    println!(
        "{}: run over {} orders in {:.2} s: {} placed, total cost {}, one by one {}; \
         other writes meanwhile: {} (p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms)",
        args.backend,
        ran["orders_considered"],
        took.as_secs_f64(),
        ran["placed"],
        ran["total_cost"],
        ran["one_by_one"],
        writes.len(),
        pct(0.5),
        pct(0.99),
        writes.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
    );
    println!(
        "held for budget {}, changed meanwhile {}, completed at {}",
        ran["held_for_budget"], ran["changed_meanwhile"], ran["completed_at"]
    );
    let oversold = count(
        &app,
        "SELECT COUNT(*) AS n FROM capacity_slots WHERE places_taken > places",
    )?;
    let offered = count(
        &app,
        "SELECT COUNT(*) AS n FROM orders WHERE status = 'offered'",
    )?;
    let (_, budget) = app
        .get(&format!("/v1/budgets/SY-ROT/{year}"), &commissioner)
        .await;
    println!(
        "checks: slots oversold {oversold}; orders offered {offered} (run placed {}); \
         Rotherham's budget remaining {} of {allocated}",
        ran["placed"], budget["remaining_pence"]
    );
    if oversold != 0 || Some(offered) != ran["placed"].as_i64() {
        return Err("a consistency check failed".into());
    }
    if budget["remaining_pence"].as_i64().unwrap_or(-1) < 0 {
        return Err("Rotherham's budget was overspent".into());
    }
    Ok(())
}

fn main() -> Result<(), String> {
    let args = Args::parse();
    actix_web::rt::System::new().block_on(run(args))
}
