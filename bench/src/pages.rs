//! Web page render times on the demo market: seeds `provider-hub demo`'s market into a
//! fresh database, starts the hub, signs in locally as an offender manager in Sheffield
//! and times each page of the offender manager's journey, one request at a time over
//! loopback (so the time is the server's: routing, the use cases' queries, rendering),
//! reporting p50, p99 and max per page.
//!
//! cargo run --release -p provider-hub-bench --bin pages-bench -- --backend sqlite
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo run --release -p provider-hub-bench --bin pages-bench -- --backend postgres

use std::time::{Duration, Instant};

use clap::Parser;
use provider_hub_tests::{Backend, TestApp};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "sqlite")]
    backend: String,
    /// Timed requests per page (after 20 untimed).
    #[arg(long, default_value_t = 300)]
    requests: usize,
}

struct Browser {
    http: reqwest::Client,
    cookie: String,
}

impl Browser {
    async fn get(&self, url: &str) -> (u16, String) {
        let response = self
            .http
            .get(url)
            .header("cookie", &self.cookie)
            .send()
            .await
            .expect("request");
        let status = response.status().as_u16();
        (status, response.text().await.expect("body"))
    }
}

/// The first `href="{prefix}…"` of a page.
fn first_link(body: &str, prefix: &str) -> String {
    let at = body
        .find(&format!("href=\"{prefix}"))
        .unwrap_or_else(|| panic!("a link to {prefix}"));
    let rest = &body[at + 6..];
    rest[..rest.find('"').expect("closing quote")].to_owned()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i]
}

#[actix_web::main]
async fn main() {
    let args = Args::parse();
    let backend = match args.backend.as_str() {
        "postgres" => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    let app = TestApp::spawn(backend).await;
    {
        let mut conn = app.db.connect();
        let settings = provider_hub_market::placement::Settings {
            offer_working_days: 2,
        };
        provider_hub_demo::run(&mut conn, settings, chrono::Utc::now()).expect("demo");
    }
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    // Sign in locally: the sign-in page's CSRF token, then the form.
    let page = http.get(app.url("/sign-in")).send().await.expect("sign-in");
    let cookie = |r: &reqwest::Response| {
        r.headers()
            .get_all("set-cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .find(|p| p.starts_with("hub_session="))
            .map(str::to_owned)
    };
    let first = cookie(&page).expect("a session");
    let body = page.text().await.expect("page");
    let token = body
        .split("name=\"csrf_token\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("token")
        .to_owned();
    let signed = http
        .post(app.url("/sign-in"))
        .header("cookie", &first)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("csrf_token={token}&person=om%3ASY-SHF%3A1"))
        .send()
        .await
        .expect("sign in");
    assert_eq!(signed.status().as_u16(), 303);
    let browser = Browser {
        http,
        cookie: cookie(&signed).expect("signed-in session"),
    };
    // The journey's pages, found as a person would: by following links.
    let (_, caseload) = browser.get(&app.url("/om")).await;
    let case = first_link(&caseload, "/om/cases/S");
    let assessment = first_link(&caseload, "/om/assessments/");
    let (_, case_page) = browser.get(&app.url(&case)).await;
    let order = first_link(&case_page, "/om/orders/");
    let pages = [
        ("caseload", "/om".to_owned()),
        ("case", case),
        ("assessment", assessment.clone()),
        ("costed plan", format!("{assessment}/plan")),
        ("what was bought", format!("{assessment}/plan/bought")),
        ("order", order),
        ("countersign list", "/om/countersign".to_owned()),
        (
            "record an assessment (form)",
            "/om/cases/S100001/assessments/new".to_owned(),
        ),
        ("local sign-in page", "/sign-in".to_owned()),
    ];
    println!(
        "backend: {}; {} timed requests per page, one at a time",
        args.backend, args.requests
    );
    println!();
    println!("| page | p50 | p99 | max |");
    println!("|---|---|---|---|");
    for (name, path) in pages {
        let url = app.url(&path);
        for _ in 0..20 {
            let (status, _) = browser.get(&url).await;
            assert_eq!(status, 200, "{name}: {path}");
        }
        let mut times = Vec::with_capacity(args.requests);
        for _ in 0..args.requests {
            let started = Instant::now();
            let (status, _) = browser.get(&url).await;
            times.push(started.elapsed());
            assert_eq!(status, 200, "{name}: {path}");
        }
        times.sort();
        let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
        println!(
            "| {name} | {} | {} | {} |",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            ms(times[times.len() - 1])
        );
    }
}
