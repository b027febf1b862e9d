//! Web page render times on the demo market: seeds `provider-hub demo`'s market into a
//! fresh database, starts the hub, signs in locally as an offender manager in Sheffield
//! and times each page of the offender manager's journey, one request at a time over
//! loopback (so the time is the server's: routing, the use cases' queries, rendering),
//! reporting p50, p99 and max per page.
//!
//! cargo run --release -p provider-hub-bench --bin pages-bench -- --backend sqlite
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo run --release -p provider-hub-bench --bin pages-bench -- --backend postgres

mod web;

use clap::Parser;
use provider_hub_tests::{Backend, TestApp};
use web::{ms, percentile, Browser};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "sqlite")]
    backend: String,
    /// Timed requests per page (after 20 untimed).
    #[arg(long, default_value_t = 300)]
    requests: usize,
}

/// The first `href="{prefix}…"` of a page.
fn first_link(body: &str, prefix: &str) -> String {
    let at = body
        .find(&format!("href=\"{prefix}"))
        .unwrap_or_else(|| panic!("a link to {prefix}"));
    let rest = &body[at + 6..];
    rest[..rest.find('"').expect("closing quote")].to_owned()
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
            breach_rule: Default::default(),
            ..Default::default()
        };
        provider_hub_demo::run(&mut conn, settings, chrono::Utc::now()).expect("demo");
    }
    let browser = Browser::sign_in(&app, "om:SY-SHF:1").await;
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
        let (times, _) = browser.time(&app.url(&path), 20, args.requests).await;
        println!(
            "| {name} | {} | {} | {} |",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.99)),
            ms(times[times.len() - 1])
        );
    }
}
