//! Intake end to end over HTTP: for each of N people, register the case, record the
//! assessment, submit it, countersign it (a second manager), read the costed sentence
//! plan and approve it (which creates the orders). Reports assessments per second and
//! the latency of each step, on SQLite or PostgreSQL.
//!
//! cargo run --release -p provider-hub-bench --bin intake-bench -- --backend sqlite
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo run --release -p provider-hub-bench --bin intake-bench -- --backend postgres

use std::time::{Duration, Instant};

use clap::Parser;
use provider_hub_tests::{
    accredit, create_listing, listing_body, manager_token, register_provider, seed_market,
    specification_body, Backend, TestApp,
};
use serde_json::{json, Value};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "sqlite")]
    backend: String,
    /// People taken through intake.
    #[arg(long, default_value_t = 1_000)]
    assessments: usize,
    /// Concurrent offender managers.
    #[arg(long, default_value_t = 8)]
    concurrency: usize,
    /// Providers listing unpaid work and alcohol treatment (the plan's two categories).
    #[arg(long, default_value_t = 40)]
    providers: usize,
}

const STEPS: [&str; 6] = [
    "case",
    "assessment",
    "submit",
    "countersign",
    "plan",
    "approve plan",
];

/// A market to cost against: unpaid work (UPW-STD) and alcohol treatment (ALC-TRT) from
/// `providers` accredited providers, each with places every week for a year.
async fn supply(app: &TestApp, providers: usize) -> Result<(), String> {
    seed_market(app).await;
    let q = app.token("quality");
    let mut alcohol = specification_body("ALC-TRT");
    alcohol["category"] = json!("alcohol_treatment");
    alcohol["needs"] = json!(["alcohol"]);
    alcohol["delivery_standard"]["format"] = json!("either");
    let (s, body) = app.post("/v1/specifications", &q, &alcohol).await;
    expect(s, 201, &body)?;
    let (s, body) = app
        .post_empty("/v1/specifications/ALC-TRT/versions/1/publish", &q)
        .await;
    expect(s, 200, &body)?;
    let weeks: Vec<Value> = (1..=52)
        .map(|w| json!({"starts_on": (app.today() + chrono::Duration::days(7 * w - 4)).to_string(), "places": 50}))
        .collect();
    for p in 0..providers {
        let id = register_provider(app, &format!("BENCH-{p:03}")).await;
        let token = app.provider_token(&id);
        for (category, code) in [("unpaid_work", "UPW-STD"), ("alcohol_treatment", "ALC-TRT")] {
            accredit(app, &id, category, 60 + (p % 40) as u8).await;
            let mut body = listing_body(30_000 + (p as i64 * 613) % 25_000);
            body["specification_code"] = json!(code);
            body["areas"] = json!(["SY-SHF", "SY-ROT"]);
            let listing = create_listing(app, &id, &body).await;
            let (s, body) = app
                .put(
                    &format!("/v1/listings/{listing}/capacity"),
                    &token,
                    &json!({ "slots": weeks }),
                )
                .await;
            expect(s, 200, &body)?;
            let (s, body) = app
                .post_empty(&format!("/v1/listings/{listing}/publish"), &token)
                .await;
            expect(s, 200, &body)?;
        }
    }
    Ok(())
}

fn expect(got: u16, want: u16, body: &Value) -> Result<(), String> {
    if got == want {
        Ok(())
    } else {
        Err(format!("expected {want}, got {got}: {body}"))
    }
}

async fn send(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<&Value>,
) -> Result<(u16, Value), String> {
    let mut req = client.request(method, url).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(b);
    }
    let r = req.send().await.map_err(|e| e.to_string())?;
    let status = r.status().as_u16();
    let body = r.json().await.unwrap_or(Value::Null);
    Ok((status, body))
}

/// One person through intake; the time of each step.
async fn intake(
    client: &reqwest::Client,
    base: &str,
    n: usize,
    author: &str,
    approver: &str,
) -> Result<[Duration; 6], String> {
    use reqwest::Method;
    let crn = format!("B{n:06}");
    let mut times = [Duration::ZERO; 6];
    let mut step = |i: usize, t: Instant| times[i] = t.elapsed();

    let t = Instant::now();
    let case = json!({"crn": crn, "sex": if n.is_multiple_of(3) { "female" } else { "male" }, "date_of_birth": "1988-06-15", "area": "SY-SHF"});
    let (s, body) = send(
        client,
        Method::POST,
        format!("{base}/v1/cases"),
        author,
        Some(&case),
    )
    .await?;
    expect(s, 201, &body)?;
    step(0, t);

    let t = Instant::now();
    let mut assessment = provider_hub_tests::assessment_body(&format!("BENCH-{n}"), &crn);
    assessment["sentence_date"] = json!(chrono::Utc::now().date_naive().to_string());
    let (s, body) = send(
        client,
        Method::POST,
        format!("{base}/v1/assessments"),
        author,
        Some(&assessment),
    )
    .await?;
    expect(s, 201, &body)?;
    let id = body["id"].as_str().ok_or("no assessment id")?.to_owned();
    step(1, t);

    let t = Instant::now();
    let (s, body) = send(
        client,
        Method::POST,
        format!("{base}/v1/assessments/{id}/submit"),
        author,
        None,
    )
    .await?;
    expect(s, 200, &body)?;
    step(2, t);

    let t = Instant::now();
    let (s, body) = send(
        client,
        Method::POST,
        format!("{base}/v1/assessments/{id}/approve"),
        approver,
        None,
    )
    .await?;
    expect(s, 200, &body)?;
    step(3, t);

    let t = Instant::now();
    let (s, plan) = send(
        client,
        Method::GET,
        format!("{base}/v1/assessments/{id}/sentence-plan"),
        author,
        None,
    )
    .await?;
    expect(s, 200, &plan)?;
    if plan["unpriced_items"] != json!(0) {
        return Err(format!("the plan should be fully costed: {plan}"));
    }
    let plan_id = plan["id"].as_str().ok_or("no plan id")?.to_owned();
    step(4, t);

    let t = Instant::now();
    let (s, approval) = send(
        client,
        Method::POST,
        format!("{base}/v1/sentence-plans/{plan_id}/approve"),
        author,
        None,
    )
    .await?;
    expect(s, 200, &approval)?;
    if approval["orders"].as_array().map(Vec::len) != Some(2) {
        return Err(format!("two orders expected: {approval}"));
    }
    step(5, t);
    Ok(times)
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
        supply(&app, args.providers).await?;
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(args.concurrency)
            .build()
            .map_err(|e| e.to_string())?;
        let started = Instant::now();
        let mut tasks = Vec::new();
        for worker in 0..args.concurrency {
            let (client, base) = (client.clone(), app.base.clone());
            let (total, concurrency) = (args.assessments, args.concurrency);
            tasks.push(actix_web::rt::spawn(async move {
                let author = manager_token("SY-SHF", &format!("om-author-{worker}"));
                let approver = manager_token("SY-SHF", &format!("om-approver-{worker}"));
                let mut times = Vec::new();
                for n in (worker..total).step_by(concurrency) {
                    times.push(intake(&client, &base, n, &author, &approver).await?);
                }
                Ok::<_, String>(times)
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await.map_err(|e| e.to_string())??);
        }
        let elapsed = started.elapsed();
        println!(
            "backend={} assessments={} concurrency={} providers={} elapsed={:.1}s assessments_per_s={:.1}",
            args.backend,
            all.len(),
            args.concurrency,
            args.providers,
            elapsed.as_secs_f64(),
            all.len() as f64 / elapsed.as_secs_f64(),
        );
        for (i, name) in STEPS.iter().enumerate() {
            let mut step: Vec<Duration> = all.iter().map(|t| t[i]).collect();
            step.sort();
            println!(
                "  {name:<13} p50={:.2}ms p90={:.2}ms p99={:.2}ms max={:.2}ms",
                percentile(&step, 0.5).as_secs_f64() * 1e3,
                percentile(&step, 0.9).as_secs_f64() * 1e3,
                percentile(&step, 0.99).as_secs_f64() * 1e3,
                step.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
            );
        }
        Ok(())
    })
}
