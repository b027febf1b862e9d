//! Scaling out on PostgreSQL: starts 1, then 2, then 3 `provider-hub serve` processes on
//! one fresh PostgreSQL database each time, seeds a market, prepares sentence plans, and
//! drives a mixed workload at the processes with `wrk` (one instance per process, the
//! script `bench/scale/mixed.lua`): listing searches, plan approvals (matching and
//! offers), offer answers and delivery starts (payments). Reports throughput, p50/p99
//! latency and errors for each, pgbench's TPC-B transactions per second on the same
//! PostgreSQL as the ceiling, and after each run checks that no place was sold twice and
//! no payment made twice. With `--soak-seconds` it instead runs one process at steady
//! load and reports its resident memory over time.
//!
//!   cargo build --release -p provider-hub-server -p provider-hub-bench
//!   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres ./target/release/scale-bench
//!   TEST_DATABASE_URL=... ./target/release/scale-bench --soak-seconds 180
//!
//! Needs `wrk` (Debian: `apt-get install wrk`) and `pgbench` (PostgreSQL's own).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use clap::Parser;
use diesel::prelude::*;
use provider_hub_tests::{claims, sign_hs256, specification_body, Backend, TestDb, TEST_SECRET};
use serde_json::{json, Value};

#[derive(Parser)]
struct Args {
    /// The release binary to run.
    #[arg(long, default_value = "target/release/provider-hub")]
    hub: PathBuf,
    /// The wrk script.
    #[arg(long, default_value = "bench/scale/mixed.lua")]
    script: PathBuf,
    /// Process counts to run, in order.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3")]
    processes: Vec<usize>,
    /// Seconds of load per run.
    #[arg(long, default_value_t = 20)]
    seconds: u64,
    /// Connections in all (split between the processes' wrk instances).
    #[arg(long, default_value_t = 24)]
    connections: usize,
    /// Sentence plans prepared per run for the workload to approve.
    #[arg(long, default_value_t = 1_500)]
    plans: usize,
    /// Database connections in all, split between the processes (each gets this ÷ the
    /// number of processes, at least 2); 0: 16 per process whatever their number.
    #[arg(long, default_value_t = 0)]
    pool_total: usize,
    /// Instead of scaling runs: one process at steady load for this long, sampling memory.
    #[arg(long, default_value_t = 0)]
    soak_seconds: u64,
}

const AREAS: [&str; 4] = ["SY-SHF", "SY-ROT", "SY-DON", "SY-BAR"];
const PROVIDERS: usize = 20;
const SECTORS: [&str; 4] = ["public", "private", "voluntary", "social_enterprise"];

struct Hub {
    child: Child,
    base: String,
}

impl Drop for Hub {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16, String> {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

async fn start_hub(hub: &Path, url: &str, dir: &Path, pool: usize) -> Result<Hub, String> {
    let port = free_port()?;
    let child = Command::new(hub)
        .arg("serve")
        .env_clear()
        .env("HUB_DATABASE_URL", url)
        .env("HUB_DATA_DIR", dir)
        .env("HUB_LISTEN", format!("127.0.0.1:{port}"))
        .env("HUB_JWT_SECRET", TEST_SECRET)
        .env("HUB_DB_POOL_SIZE", pool.to_string())
        .env("HUB_WORKERS", "2")
        .env("HUB_RATE_LIMIT_PER_SECOND", "0")
        .env("HUB_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", hub.display()))?;
    let hub = Hub {
        child,
        base: format!("http://127.0.0.1:{port}"),
    };
    let client = reqwest::Client::new();
    let started = Instant::now();
    loop {
        if let Ok(r) = client
            .get(format!("{}/health/ready", hub.base))
            .send()
            .await
        {
            if r.status().is_success() {
                return Ok(hub);
            }
        }
        if started.elapsed() > Duration::from_secs(60) {
            return Err("a hub process never became ready".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn token(role: &str, area: Option<&str>, provider: Option<&str>, sub: &str) -> String {
    let mut c = claims(role, area, provider);
    c.sub = sub.to_owned();
    c.exp += 6 * 3600;
    sign_hs256(&c, TEST_SECRET)
}

async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> Result<(u16, Value), String> {
    let mut req = client.request(method, url).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.map_err(|e| e.to_string())?;
    let status = r.status().as_u16();
    Ok((status, r.json().await.unwrap_or(Value::Null)))
}

async fn expect(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
    want: u16,
) -> Result<Value, String> {
    let (s, body) = send(client, method, url.clone(), token, body).await?;
    if s == want {
        Ok(body)
    } else {
        Err(format!("{url}: expected {want}, got {s}: {body}"))
    }
}

/// Areas, unpaid work, and 20 accredited providers each serving two areas with eight
/// weekly start dates of 40 places. Returns the providers' ids.
async fn seed(client: &reqwest::Client, base: &str) -> Result<Vec<String>, String> {
    use reqwest::Method;
    let admin = token("admin", None, None, "bench-admin");
    let quality = token("quality", None, None, "bench-quality");
    for area in AREAS {
        expect(
            client,
            Method::POST,
            format!("{base}/v1/areas"),
            &admin,
            Some(json!({"code": area, "name": area, "region": "South Yorkshire"})),
            201,
        )
        .await?;
    }
    expect(
        client,
        Method::POST,
        format!("{base}/v1/specifications"),
        &quality,
        Some(specification_body("UPW-STD")),
        201,
    )
    .await?;
    expect(
        client,
        Method::POST,
        format!("{base}/v1/specifications/UPW-STD/versions/1/publish"),
        &quality,
        None,
        200,
    )
    .await?;
    let today = chrono::Utc::now().date_naive();
    let slots: Vec<Value> = (0..8)
        .map(|w| json!({"starts_on": (today + chrono::Duration::days(3 + 7 * w)).to_string(), "places": 40}))
        .collect();
    let mut ids = Vec::new();
    for p in 0..PROVIDERS {
        let made = expect(
            client,
            Method::POST,
            format!("{base}/v1/providers"),
            &admin,
            Some(json!({
                "name": format!("Provider {p:02}"),
                "sector": SECTORS[p % 4],
                "registration_number": format!("SCALE-{p:03}"),
                "contact": {"name": "Desk", "email": "desk@example.org"}
            })),
            201,
        )
        .await?;
        let id = made["id"].as_str().ok_or("no provider id")?.to_owned();
        expect(
            client,
            Method::POST,
            format!("{base}/v1/providers/{id}/accreditations"),
            &quality,
            Some(json!({
                "category": "unpaid_work", "score": 60 + (p * 7) % 40,
                "assessed_on": today.to_string(),
                "expires_on": (today + chrono::Duration::days(365)).to_string()
            })),
            201,
        )
        .await?;
        let pt = token("provider", None, Some(&id), &format!("bench-{id}"));
        let mut listing = provider_hub_tests::listing_body(25_000 + (p as i64 * 977) % 20_000);
        listing["areas"] = json!([AREAS[p % 4], AREAS[(p + 1) % 4]]);
        let made = expect(
            client,
            Method::POST,
            format!("{base}/v1/listings"),
            &pt,
            Some(listing),
            201,
        )
        .await?;
        let lid = made["id"].as_str().ok_or("no listing id")?.to_owned();
        expect(
            client,
            Method::PUT,
            format!("{base}/v1/listings/{lid}/capacity"),
            &pt,
            Some(json!({"slots": slots})),
            200,
        )
        .await?;
        expect(
            client,
            Method::POST,
            format!("{base}/v1/listings/{lid}/publish"),
            &pt,
            None,
            200,
        )
        .await?;
        ids.push(id);
    }
    Ok(ids)
}

/// One person taken to a proposed (costed, not yet approved) sentence plan.
async fn proposed_plan(
    client: &reqwest::Client,
    base: &str,
    n: usize,
) -> Result<(String, &'static str), String> {
    use reqwest::Method;
    let area = AREAS[n % AREAS.len()];
    let author = token(
        "offender_manager",
        Some(area),
        None,
        &format!("om-author-{area}"),
    );
    let approver = token(
        "offender_manager",
        Some(area),
        None,
        &format!("om-approver-{area}"),
    );
    let crn = format!("S{n:06}");
    expect(
        client,
        Method::POST,
        format!("{base}/v1/cases"),
        &author,
        Some(json!({
            "crn": crn, "sex": if n.is_multiple_of(3) { "female" } else { "male" },
            "date_of_birth": "1988-06-15", "area": area
        })),
        201,
    )
    .await?;
    let mut a = provider_hub_tests::assessment_body(&format!("SCALE-{n}"), &crn);
    a["sentence_date"] = json!(chrono::Utc::now().date_naive().to_string());
    a["requirements"] = json!([{"type": "unpaid_work", "hours": 80}]);
    for need in a["needs"].as_array_mut().ok_or("needs")? {
        need["linked_to_offending"] = json!(false);
    }
    let made = expect(
        client,
        Method::POST,
        format!("{base}/v1/assessments"),
        &author,
        Some(a),
        201,
    )
    .await?;
    let id = made["id"].as_str().ok_or("no assessment id")?.to_owned();
    expect(
        client,
        Method::POST,
        format!("{base}/v1/assessments/{id}/submit"),
        &author,
        None,
        200,
    )
    .await?;
    expect(
        client,
        Method::POST,
        format!("{base}/v1/assessments/{id}/approve"),
        &approver,
        None,
        200,
    )
    .await?;
    let plan = expect(
        client,
        Method::GET,
        format!("{base}/v1/assessments/{id}/sentence-plan"),
        &author,
        None,
        200,
    )
    .await?;
    Ok((plan["id"].as_str().ok_or("no plan id")?.to_owned(), area))
}

async fn prepare_plans(
    client: &reqwest::Client,
    bases: &[String],
    count: usize,
) -> Result<Vec<(String, &'static str)>, String> {
    use futures_util::stream::{self, StreamExt};
    let results: Vec<Result<(String, &'static str), String>> = stream::iter(0..count)
        .map(|n| {
            let base = bases[n % bases.len()].clone();
            async move { proposed_plan(client, &base, n).await }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    results.into_iter().collect()
}

fn write_data(path: &Path, providers: &[String], plans: &[(String, &str)]) -> Result<(), String> {
    let mut text = String::new();
    for area in AREAS {
        text.push_str(&format!(
            "om {area} {}\n",
            token(
                "offender_manager",
                Some(area),
                None,
                &format!("om-author-{area}")
            )
        ));
    }
    for id in providers {
        text.push_str(&format!(
            "provider {id} {}\n",
            token("provider", None, Some(id), &format!("bench-{id}"))
        ));
    }
    for (id, area) in plans {
        text.push_str(&format!("plan {id} {area}\n"));
    }
    std::fs::write(path, text).map_err(|e| e.to_string())
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
struct WrkResult {
    requests: u64,
    duration_us: u64,
    status_errors: u64,
    socket_errors: u64,
    timeouts: u64,
    p50_us: u64,
    p90_us: u64,
    p99_us: u64,
    max_us: u64,
}

fn spawn_wrk(
    script: &Path,
    base: &str,
    data: &Path,
    instance: usize,
    instances: usize,
    threads: usize,
    seconds: u64,
) -> Result<Child, String> {
    Command::new("wrk")
        .args([
            "-t",
            &threads.to_string(),
            "-c",
            &threads.to_string(),
            "-d",
            &format!("{seconds}s"),
            "--timeout",
            "10s",
            "--latency",
            "-s",
        ])
        .arg(script)
        .arg(base)
        .arg("--")
        .arg(data)
        .args([
            instance.to_string(),
            instances.to_string(),
            threads.to_string(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|e| format!("cannot run wrk (apt-get install wrk): {e}"))
}

fn wrk_result(child: Child) -> Result<WrkResult, String> {
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("SCALE_RESULT "))
        .ok_or_else(|| format!("wrk printed no result: {text}"))?;
    serde_json::from_str(line).map_err(|e| format!("{e}: {line}"))
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(conn: &mut PgConnection, sql: &str) -> Result<i64, String> {
    diesel::sql_query(sql)
        .get_result::<Count>(conn)
        .map(|c| c.n)
        .map_err(|e| format!("{sql}: {e}"))
}

/// What the run left in the database, and the two invariants.
fn audit_run(url: &str) -> Result<Value, String> {
    let mut conn = PgConnection::establish(url).map_err(|e| e.to_string())?;
    let oversold = count(
        &mut conn,
        "SELECT count(*) AS n FROM capacity_slots WHERE places_taken > places",
    )?;
    let mismatched = count(&mut conn,
        "SELECT count(*) AS n FROM capacity_slots s WHERE s.places_taken <> (SELECT count(*) FROM orders o \
         WHERE o.listing_id = s.listing_id AND o.starts_on = s.starts_on \
         AND o.status IN ('offered', 'accepted', 'in_delivery', 'completed', 'failed'))")?;
    let double_paid = count(&mut conn,
        "SELECT count(*) AS n FROM (SELECT order_id, milestone FROM payments GROUP BY order_id, milestone HAVING count(*) > 1) d")?;
    let started = count(
        &mut conn,
        "SELECT count(*) AS n FROM orders WHERE actual_start IS NOT NULL",
    )?;
    let start_payments = count(
        &mut conn,
        "SELECT count(*) AS n FROM payments WHERE milestone = 'start'",
    )?;
    let orders = count(&mut conn, "SELECT count(*) AS n FROM orders")?;
    let offered = count(
        &mut conn,
        "SELECT count(*) AS n FROM orders WHERE status = 'offered'",
    )?;
    let accepted = count(
        &mut conn,
        "SELECT count(*) AS n FROM orders WHERE status IN ('accepted', 'in_delivery')",
    )?;
    let unmatched = count(
        &mut conn,
        "SELECT count(*) AS n FROM orders WHERE status = 'unmatched'",
    )?;
    let held = count(
        &mut conn,
        "SELECT COALESCE(sum(places_taken), 0)::bigint AS n FROM capacity_slots",
    )?;
    if oversold != 0 || mismatched != 0 || double_paid != 0 || started != start_payments {
        return Err(format!(
            "invariant broken: {oversold} slots oversold, {mismatched} slots whose places taken differ from their orders, \
             {double_paid} milestones paid twice, {started} orders started but {start_payments} start payments"
        ));
    }
    Ok(json!({
        "orders": orders, "offered": offered, "accepted_or_started": accepted, "unmatched": unmatched,
        "started": started, "start_payments": start_payments, "places_held": held,
        "slots_oversold": oversold, "milestones_paid_twice": double_paid
    }))
}

fn pgbench(seconds: u64, clients: usize) -> Result<f64, String> {
    let db = TestDb::new(Backend::Postgres);
    let url = db.url.clone();
    let init = Command::new("pgbench")
        .args(["-i", "-s", "10", "-q", &url])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("cannot run pgbench: {e}"))?;
    if !init.success() {
        return Err("pgbench -i failed".into());
    }
    let out = Command::new("pgbench")
        .args([
            "-c",
            &clients.to_string(),
            "-j",
            "2",
            "-T",
            &seconds.to_string(),
            &url,
        ])
        .output()
        .map_err(|e| format!("cannot run pgbench: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines()
        .find_map(|l| {
            l.strip_prefix("tps = ")?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .ok_or_else(|| format!("pgbench printed no tps: {text}"))
}

fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

async fn run(
    args: &Args,
    processes: usize,
    seconds: u64,
    sample_memory: bool,
) -> Result<Value, String> {
    let db = TestDb::new(Backend::Postgres);
    let dir = std::env::temp_dir().join(format!("hub-scale-{}-{processes}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let mut hubs = Vec::new();
    let pool = match args.pool_total {
        0 => 16,
        total => (total / processes).max(2),
    };
    for _ in 0..processes {
        hubs.push(start_hub(&args.hub, &db.url, &dir, pool).await?);
    }
    let bases: Vec<String> = hubs.iter().map(|h| h.base.clone()).collect();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(32)
        .build()
        .map_err(|e| e.to_string())?;
    let providers = seed(&client, &bases[0]).await?;
    let prep = Instant::now();
    let plans = prepare_plans(&client, &bases, args.plans).await?;
    eprintln!(
        "  {processes} process(es): {} plans prepared in {:.0?}",
        plans.len(),
        prep.elapsed()
    );
    let data = dir.join("data.txt");
    write_data(&data, &providers, &plans)?;
    let threads = (args.connections / processes).max(1);
    let wrks = bases
        .iter()
        .enumerate()
        .map(|(i, base)| spawn_wrk(&args.script, base, &data, i, processes, threads, seconds))
        .collect::<Result<Vec<_>, _>>()?;
    let mut memory = Vec::new();
    if sample_memory {
        let pid = hubs[0].child.id();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(seconds) {
            if let Some(kib) = rss_kib(pid) {
                memory.push(json!({"at_s": started.elapsed().as_secs(), "rss_kib": kib}));
            }
            tokio::time::sleep(Duration::from_secs(10).min(
                Duration::from_secs(seconds) - started.elapsed().min(Duration::from_secs(seconds)),
            ))
            .await;
        }
        if let Some(kib) = rss_kib(pid) {
            memory.push(json!({"at_s": started.elapsed().as_secs(), "rss_kib": kib}));
        }
    }
    let results = wrks
        .into_iter()
        .map(wrk_result)
        .collect::<Result<Vec<_>, _>>()?;
    for hub in &hubs {
        let _ = Command::new("kill")
            .args(["-TERM", &hub.child.id().to_string()])
            .status();
    }
    for mut hub in hubs {
        let _ = hub.child.wait();
    }
    let checks = audit_run(&db.url)?;
    let requests: u64 = results.iter().map(|r| r.requests).sum();
    let secs = results.iter().map(|r| r.duration_us).max().unwrap_or(1) as f64 / 1e6;
    let errors: u64 = results
        .iter()
        .map(|r| r.status_errors + r.socket_errors + r.timeouts)
        .sum();
    let _ = std::fs::remove_dir_all(&dir);
    Ok(json!({
        "processes": processes,
        "pool_per_process": pool,
        "connections": threads * processes,
        "requests": requests,
        "requests_per_second": (requests as f64 / secs).round(),
        "errors": errors,
        "p50_ms": results.iter().map(|r| r.p50_us).max().unwrap_or(0) as f64 / 1e3,
        "p90_ms": results.iter().map(|r| r.p90_us).max().unwrap_or(0) as f64 / 1e3,
        "p99_ms": results.iter().map(|r| r.p99_us).max().unwrap_or(0) as f64 / 1e3,
        "max_ms": results.iter().map(|r| r.max_us).max().unwrap_or(0) as f64 / 1e3,
        "per_process": results.iter().map(|r| json!({
            "requests": r.requests, "p50_ms": r.p50_us as f64 / 1e3, "p99_ms": r.p99_us as f64 / 1e3,
            "status_errors": r.status_errors, "socket_errors": r.socket_errors, "timeouts": r.timeouts
        })).collect::<Vec<_>>(),
        "database": checks,
        "memory": memory,
    }))
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let args = Args::parse();
    if std::env::var("TEST_DATABASE_URL").is_err() {
        return Err(
            "set TEST_DATABASE_URL to a PostgreSQL server (a fresh database is made per run)"
                .into(),
        );
    }
    if args.soak_seconds > 0 {
        let result = run(&args, 1, args.soak_seconds, true).await?;
        println!(
            "{}",
            serde_json::to_string_pretty(&result).map_err(|e| e.to_string())?
        );
        return Ok(());
    }
    let mut rows = Vec::new();
    for &n in &args.processes {
        let result = run(&args, n, args.seconds, false).await?;
        eprintln!("  {n} process(es): {result}");
        rows.push(result);
    }
    let tps = pgbench(args.seconds, args.connections)?;
    println!("| processes | requests/s | p50 ms | p99 ms (worst process) | errors | orders | offered | accepted/started | starts paid |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for r in &rows {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            r["processes"],
            r["requests_per_second"],
            r["p50_ms"],
            r["p99_ms"],
            r["errors"],
            r["database"]["orders"],
            r["database"]["offered"],
            r["database"]["accepted_or_started"],
            r["database"]["start_payments"]
        );
    }
    println!(
        "\npgbench TPC-B (scale 10, {} clients, {} s) on the same PostgreSQL: {tps:.0} tps",
        args.connections, args.seconds
    );
    println!(
        "{}",
        serde_json::to_string(&json!({"runs": rows, "pgbench_tps": tps}))
            .map_err(|e| e.to_string())?
    );
    Ok(())
}
