//! A CSV upload of reoffending data, end to end over HTTP: N people each with a started
//! and completed unpaid-work order whose measurement period is over, and an upload of
//! `rows` rows (`crn,period_start,proven_reoffences`; every 50th row refused on purpose:
//! an unknown person, a negative count or a formula). Measures the time from the POST to
//! the upload's `done`, polling its progress, on SQLite or PostgreSQL.
//!
//! cargo run --release -p provider-hub-bench --bin outcomes-bench -- --backend sqlite
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo run --release -p provider-hub-bench --bin outcomes-bench -- --backend postgres

use std::time::{Duration, Instant};

use clap::Parser;
use diesel::RunQueryDsl;
use provider_hub_tests::outcomes::complete;
use provider_hub_tests::{purchase, seed_market, upw_provider, Backend, TestApp};
use serde_json::Value;

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "sqlite")]
    backend: String,
    /// Rows uploaded (one a person).
    #[arg(long, default_value_t = 100_000)]
    rows: usize,
}

/// The template person, delivered through the API.
const TEMPLATE: &str = "X000000";

/// Copies the template person's case, plan item and completed order `n` times (people
/// B1…Bn), with a start long ago so their periods are over.
fn people(mut conn: provider_hub_store::DbConn, backend: Backend, n: usize) -> Result<(), String> {
    let series =
        format!("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})");
    // Each copy is written once, started long ago (not written and then updated: the
    // update would leave every page of `orders` fuller than the hub's own writes do).
    let started = match backend {
        Backend::Postgres => "DATE '2024-01-02'",
        Backend::Sqlite => "'2024-01-02'",
    };
    let statements = [
        format!(
            "INSERT INTO cases (crn, sex, date_of_birth, area_code, created_at, created_by) \
             {series} SELECT 'B' || n.i, sex, date_of_birth, area_code, created_at, created_by \
             FROM cases, n WHERE crn = '{TEMPLATE}'"
        ),
        format!(
            "INSERT INTO plan_items (id, plan_id, position, category, specification_code, requirement, needs, priority, required_by, lead_time_days, late, set_aside, set_aside_reason, not_before) \
             {series} SELECT id || '-' || n.i, plan_id, position + n.i, category, specification_code, requirement, needs, priority, required_by, lead_time_days, late, set_aside, set_aside_reason, not_before \
             FROM plan_items, n WHERE id = (SELECT plan_item_id FROM orders WHERE crn = '{TEMPLATE}')"
        ),
        format!(
            "INSERT INTO orders (id, plan_id, plan_item_id, crn, area_code, category, specification_code, required_by, status, created_by, created_at, updated_at, listing_id, provider_id, price_pence, starts_on, actual_start) \
             {series} SELECT id || '-' || n.i, plan_id, plan_item_id || '-' || n.i, 'B' || n.i, area_code, category, specification_code, required_by, status, created_by, created_at, updated_at, listing_id, provider_id, price_pence, starts_on, {started} \
             FROM orders, n WHERE crn = '{TEMPLATE}'"
        ),
        format!("UPDATE orders SET actual_start = {started} WHERE crn = '{TEMPLATE}'"),
    ];
    for sql in statements {
        diesel::sql_query(&sql)
            .execute(&mut conn)
            .map_err(|e| format!("{e}: {sql}"))?;
    }
    if backend == Backend::Postgres {
        diesel::sql_query("ANALYZE")
            .execute(&mut conn)
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

fn csv(rows: usize) -> String {
    let mut body = String::from("crn,period_start,proven_reoffences\n");
    for i in 1..=rows {
        let line = match i % 150 {
            50 => "NOBODY,,0".to_owned(),
            100 => format!("B{i},,-1"),
            0 => format!("B{i},,=1+1"),
            _ => format!("B{i},2024-01-02,{}", i % 4),
        };
        body.push_str(&line);
        body.push('\n');
    }
    body
}

async fn run(args: Args) -> Result<(), String> {
    let backend = match args.backend.as_str() {
        "sqlite" => Backend::Sqlite,
        "postgres" => Backend::Postgres,
        other => return Err(format!("unknown backend {other}")),
    };
    let app = TestApp::spawn_with(backend, |c| {
        c.pool_size = 8;
        c.worker_interval_ms = 200;
    })
    .await;
    seed_market(&app).await;
    upw_provider(&app, "CH-BENCH", 52_000, 3, 3, 80).await;
    let order = purchase(&app, "SY-SHF", TEMPLATE).await;
    complete(&app, &order).await;
    let seeding = Instant::now();
    // Off the runtime's thread, so the client's idle connections to the hub stay live
    // (a blocked runtime misses the hub closing them, and the upload would reuse one).
    let (conn, backend, rows) = (app.db.connect(), app.db.backend, args.rows);
    actix_web::rt::task::spawn_blocking(move || people(conn, backend, rows))
        .await
        .map_err(|e| e.to_string())??;
    println!(
        "seeded {} people in {:.1} s",
        args.rows,
        seeding.elapsed().as_secs_f64()
    );
    let body = csv(args.rows);
    let token = app.token("commissioner");
    let started = Instant::now();
    let r = app
        .client
        .post(app.url("/v1/reoffending/uploads"))
        .bearer_auth(&token)
        .header("Content-Type", "text/csv")
        .body(body.clone())
        .send()
        .await
        .map_err(|e| format!("{e:?}"))?;
    let (s, accepted) = provider_hub_tests::status_and_json(r).await;
    if s != 202 {
        return Err(format!("upload refused: {s} {accepted}"));
    }
    let accepted_in = started.elapsed();
    let id = accepted["id"].as_str().unwrap_or_default().to_owned();
    let mut last = 0;
    let done: Value = loop {
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
        let (_, upload) = app
            .get(&format!("/v1/reoffending/uploads/{id}"), &token)
            .await;
        let processed = upload["rows_processed"].as_u64().unwrap_or(0);
        if processed != last {
            println!(
                "{:>6.1} s  {processed} rows processed",
                started.elapsed().as_secs_f64()
            );
            last = processed;
        }
        if upload["status"] == "done" {
            break upload;
        }
        if started.elapsed() > Duration::from_secs(600) {
            return Err("not done in 10 minutes".into());
        }
    };
    let total = started.elapsed();
    println!(
        "{}: {} rows ({} bytes) accepted in {:.2} s, done in {:.1} s ({:.0} rows/s): {} recorded, {} refused",
        args.backend,
        args.rows,
        body.len(),
        accepted_in.as_secs_f64(),
        total.as_secs_f64(),
        args.rows as f64 / total.as_secs_f64(),
        done["rows_recorded"],
        done["rows_refused"],
    );
    // Recorded again: every row answers as before and nothing more is paid.
    let payments_before = count(
        &app,
        "SELECT COUNT(*) AS n FROM payments WHERE milestone = 'outcome'",
    )?;
    let again = Instant::now();
    let r = app
        .client
        .post(app.url("/v1/reoffending/uploads"))
        .bearer_auth(&token)
        .header("Content-Type", "text/csv")
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let (_, accepted) = provider_hub_tests::status_and_json(r).await;
    let id = accepted["id"].as_str().unwrap_or_default().to_owned();
    loop {
        actix_web::rt::time::sleep(Duration::from_millis(500)).await;
        let (_, upload) = app
            .get(&format!("/v1/reoffending/uploads/{id}"), &token)
            .await;
        if upload["status"] == "done" {
            break;
        }
    }
    let payments_after = count(
        &app,
        "SELECT COUNT(*) AS n FROM payments WHERE milestone = 'outcome'",
    )?;
    println!(
        "the same upload again: done in {:.1} s; outcome payments {payments_before} before, {payments_after} after",
        again.elapsed().as_secs_f64()
    );
    Ok(())
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
        .map_err(|e| e.to_string())
}

fn main() -> Result<(), String> {
    let args = Args::parse();
    actix_web::rt::System::new().block_on(run(args))
}
