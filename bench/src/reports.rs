//! Commissioning reports over a large history: seeds N orders (default 100,000) with
//! their offers, payments and explanations straight into a fresh database with bulk
//! INSERTs, runs ANALYZE, then times each report through the market functions the API
//! calls (median and max of several runs), on SQLite or PostgreSQL; then serves the same
//! database and times the commissioner's report pages and CSV downloads (`report_pages`).
//!
//! cargo run --release -p provider-hub-bench --bin reports-bench -- --backend sqlite
//! TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
//!   cargo run --release -p provider-hub-bench --bin reports-bench -- --backend postgres

mod report_pages;
mod web;

use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
use clap::Parser;
use diesel::connection::SimpleConnection;
use provider_hub_market::reports;
use provider_hub_store::reports::ReportFilter;
use provider_hub_store::{DbConn, PoolOptions};
use provider_hub_tests::{Backend, TestDb};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

#[derive(Parser)]
struct Args {
    #[arg(long, default_value = "sqlite")]
    backend: String,
    #[arg(long, default_value_t = 100_000)]
    orders: usize,
    #[arg(long, default_value_t = 40)]
    areas: usize,
    #[arg(long, default_value_t = 200)]
    providers: usize,
    /// Runs of each report (the first is counted too).
    #[arg(long, default_value_t = 7)]
    runs: usize,
    /// Keep the seeded database and print its URL (to study query plans).
    #[arg(long)]
    keep: bool,
}

const CATEGORIES: [&str; 13] = [
    "accredited_programme",
    "unpaid_work",
    "attendance_centre",
    "alcohol_treatment",
    "drug_rehabilitation",
    "mental_health_treatment",
    "restorative_justice",
    "accommodation",
    "education_training_employment",
    "finance_benefit_debt",
    "family_relationships",
    "womens_services",
    "thinking_behaviour",
];

const RULES: [&str; 8] = [
    "published",
    "specification",
    "membership",
    "area",
    "eligibility",
    "free_place",
    "price_cap",
    "not_declined",
];

const REASONS: [&str; 8] = [
    "no supervisor that week",
    "group full",
    "outside our travel area",
    "risk assessment needed first",
    "staff sickness",
    "venue unavailable",
    "person previously excluded",
    "caseload at capacity",
];

/// Rows for one table, written as multi-row INSERTs of `BATCH` rows.
struct Bulk<'c> {
    conn: &'c mut DbConn,
    head: String,
    rows: Vec<String>,
    written: usize,
}

const BATCH: usize = 500;

impl<'c> Bulk<'c> {
    fn new(conn: &'c mut DbConn, table: &str, columns: &str) -> Self {
        Bulk {
            conn,
            head: format!("INSERT INTO {table} ({columns}) VALUES "),
            rows: Vec::with_capacity(BATCH),
            written: 0,
        }
    }

    fn row(&mut self, values: String) -> Result<(), String> {
        self.rows.push(format!("({values})"));
        if self.rows.len() == BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), String> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let sql = format!("{}{}", self.head, self.rows.join(","));
        self.conn.batch_execute(&sql).map_err(|e| e.to_string())?;
        self.written += self.rows.len();
        self.rows.clear();
        Ok(())
    }

    fn finish(mut self) -> Result<usize, String> {
        self.flush()?;
        Ok(self.written)
    }
}

fn ts(t: NaiveDateTime) -> String {
    format!("'{}'", t.format("%Y-%m-%d %H:%M:%S"))
}

fn day(d: NaiveDate) -> String {
    format!("'{d}'")
}

fn opt<T>(v: Option<T>, f: impl Fn(T) -> String) -> String {
    v.map(f).unwrap_or_else(|| "NULL".into())
}

struct Listing {
    id: String,
    provider: usize,
    price: i64,
}

/// What was seeded, for the results.
#[derive(Default, Debug)]
struct Seeded {
    orders: usize,
    offers: usize,
    payments: usize,
    by_status: std::collections::BTreeMap<&'static str, usize>,
}

fn seed(conn: &mut DbConn, args: &Args, today: NaiveDate) -> Result<Seeded, String> {
    let mut rng = StdRng::seed_from_u64(20261124);
    let now = today.and_hms_opt(9, 0, 0).ok_or("time")?;
    let q = |s: &str| format!("'{s}'");
    conn.batch_execute("BEGIN").map_err(|e| e.to_string())?;

    let mut b = Bulk::new(conn, "areas", "code, name, region, created_at");
    for a in 0..args.areas {
        b.row(format!(
            "'AR-{a:02}', 'Area {a}', 'Bench', {}",
            ts(now - chrono::Duration::days(800))
        ))?;
    }
    b.finish()?;

    // One published specification per category, caps £300–£900.
    let caps: Vec<i64> = (0..CATEGORIES.len())
        .map(|_| rng.random_range(30..=90) * 1_000)
        .collect();
    let mut b = Bulk::new(
        conn,
        "specifications",
        "id, code, version, status, title, description, category, needs, delivery_standard, \
         unit_of_purchase, price_cap_pence, eligibility, payment_model, created_at, updated_at, \
         published_at, retired_at",
    );
    for (i, category) in CATEGORIES.iter().enumerate() {
        let t = ts(now - chrono::Duration::days(800));
        b.row(format!(
            "'spec_{i:02}', 'SPEC-{i:02}', 1, 'published', 'Specification {i}', '', '{category}', '[]', \
             '{{\"min_sessions\":1,\"min_hours\":1,\"format\":\"either\"}}', 'one order', {}, \
             '{{\"sexes\":[\"female\",\"male\"],\"min_age\":18,\"max_age\":80,\"max_risk_of_harm\":\"very_high\",\"tiers\":[1,2,3,4]}}', \
             '{{\"milestones\":[{{\"milestone\":\"start\",\"percent\":20}},{{\"milestone\":\"completion\",\"percent\":50}},{{\"milestone\":\"outcome\",\"percent\":30}}]}}', \
             {t}, {t}, {t}, NULL",
            caps[i]
        ))?;
    }
    b.finish()?;

    let mut b = Bulk::new(
        conn,
        "providers",
        "id, name, sector, registration_number, contact_name, contact_email, contact_phone, \
         standing, standing_reason, created_at, updated_at",
    );
    let sectors = ["public", "private", "voluntary", "social_enterprise"];
    for p in 0..args.providers {
        let t = ts(now - chrono::Duration::days(800));
        b.row(format!(
            "'prv_{p:04}', 'Provider {p:04}', '{}', 'BENCH-{p:04}', 'Desk', 'desk@example.org', NULL, \
             'active', NULL, {t}, {t}",
            sectors[p % 4]
        ))?;
    }
    b.finish()?;

    // Ten listings per provider, in random categories, priced up to the cap.
    let mut listings: Vec<Vec<Listing>> = (0..CATEGORIES.len()).map(|_| Vec::new()).collect();
    let mut b = Bulk::new(
        conn,
        "listings",
        "id, provider_id, specification_id, specification_code, specification_version, category, \
         title, description, price_pence, delivery_format, delivery_mode, eligibility, status, \
         created_at, updated_at, published_at, withdrawn_at",
    );
    for p in 0..args.providers {
        for k in 0..10 {
            let c = rng.random_range(0..CATEGORIES.len());
            let price = caps[c] * rng.random_range(60..=100) / 100;
            let id = format!("lst_{p:04}_{k}");
            let t = ts(now - chrono::Duration::days(700));
            b.row(format!(
                "'{id}', 'prv_{p:04}', 'spec_{c:02}', 'SPEC-{c:02}', 1, '{}', 'Listing', '', {price}, \
                 'either', 'in_person', '{{}}', 'published', {t}, {t}, {t}, NULL",
                CATEGORIES[c]
            ))?;
            listings[c].push(Listing {
                id,
                provider: p,
                price,
            });
        }
    }
    b.finish()?;

    // Five orders per plan; one case, assessment and plan per five orders.
    let plans = args.orders.div_ceil(5);
    let mut plan_area = Vec::with_capacity(plans);
    let mut plan_time = Vec::with_capacity(plans);
    for _ in 0..plans {
        plan_area.push(rng.random_range(0..args.areas));
        // Approved over the last year, more of them recently.
        let back = (rng.random_range(0.0f64..1.0).powf(1.3) * 365.0 * 86_400.0) as i64;
        plan_time.push(now - chrono::Duration::seconds(back));
    }
    let mut b = Bulk::new(
        conn,
        "cases",
        "crn, sex, date_of_birth, area_code, created_at, created_by",
    );
    for (i, (area, t)) in plan_area.iter().zip(&plan_time).enumerate() {
        b.row(format!(
            "'B{i:06}', '{}', '1990-01-01', 'AR-{area:02}', {}, 'bench'",
            if i % 4 == 0 { "female" } else { "male" },
            ts(*t - chrono::Duration::days(30))
        ))?;
    }
    b.finish()?;
    let mut b = Bulk::new(
        conn,
        "assessments",
        "id, external_ref, crn, area_code, status, tier, risk_of_serious_harm, \
         reoffending_probability, needs, requirements, sentence_date, content_hash, author_sub, \
         decided_by, decision_reason, created_at, updated_at, submitted_at, decided_at",
    );
    for (i, (area, t)) in plan_area.iter().zip(&plan_time).enumerate() {
        let t = ts(*t);
        b.row(format!(
            "'asm_{i:06}', 'BENCH-{i:06}', 'B{i:06}', 'AR-{area:02}', 'approved', 2, 'medium', 40, \
             '[]', '[]', {}, 'hash', 'om-a', 'om-b', NULL, {t}, {t}, {t}, {t}",
            day(plan_time[i].date())
        ))?;
    }
    b.finish()?;
    let mut b = Bulk::new(
        conn,
        "sentence_plans",
        "id, assessment_id, crn, area_code, status, created_at, approved_at, approved_by",
    );
    for (i, (area, t)) in plan_area.iter().zip(&plan_time).enumerate() {
        let t = ts(*t);
        b.row(format!(
            "'pln_{i:06}', 'asm_{i:06}', 'B{i:06}', 'AR-{area:02}', 'approved', {t}, {t}, 'om-a'"
        ))?;
    }
    b.finish()?;

    // The orders, each with its plan item, offers, payments and explanation.
    struct Order {
        id: String,
        plan: usize,
        category: usize,
        status: &'static str,
        created: NaiveDateTime,
        listing: Option<usize>,
        starts_on: Option<NaiveDate>,
        actual_start: Option<NaiveDate>,
        outcome: Option<&'static str>,
        explanation: String,
        /// Offers before the last: (listing index, declined or expired, reason).
        refused: Vec<(usize, &'static str, Option<&'static str>)>,
    }
    let mut seeded = Seeded::default();
    let mut orders = Vec::with_capacity(args.orders);
    for n in 0..args.orders {
        let plan = n / 5;
        let created = plan_time[plan];
        let age_days = (now - created).num_days();
        // Some categories are thinly supplied: more unmatched there.
        let category = rng.random_range(0..CATEGORIES.len());
        let roll = rng.random_range(0..100);
        let status: &'static str = if category % 5 == 4 && roll < 30 {
            "unmatched"
        } else {
            match roll {
                0..=5 => "unmatched",
                6..=8 => "awaiting_approval",
                9..=14 => "cancelled",
                15..=19 if age_days <= 14 => "offered",
                15..=24 if age_days <= 30 => "accepted",
                25..=29 if age_days > 30 => "failed",
                _ if age_days < 120 => "in_delivery",
                _ => "completed",
            }
        };
        let placed = matches!(
            status,
            "offered" | "accepted" | "in_delivery" | "completed" | "failed"
        );
        let choices = &listings[category];
        let listing = (placed && !choices.is_empty()).then(|| rng.random_range(0..choices.len()));
        let status = if placed && listing.is_none() {
            "unmatched"
        } else {
            status
        };
        let starts_on =
            listing.map(|_| created.date() + chrono::Duration::days(rng.random_range(3..45)));
        let actual_start = match status {
            "in_delivery" | "completed" | "failed" => {
                starts_on.map(|s| (s + chrono::Duration::days(rng.random_range(0..6))).min(today))
            }
            _ => None,
        };
        let outcome = (status == "completed" && rng.random_range(0..10) < 6).then(|| {
            if rng.random_range(0..10) < 7 {
                "no_proven_reoffence_12m"
            } else {
                "proven_reoffence_12m"
            }
        });
        let mut refused = Vec::new();
        if listing.is_some() {
            for _ in 0..rng.random_range(0..3) {
                if rng.random_range(0..2) == 0 {
                    refused.push((
                        rng.random_range(0..choices.len()),
                        "declined",
                        Some(REASONS[rng.random_range(0..REASONS.len())]),
                    ));
                } else {
                    refused.push((rng.random_range(0..choices.len()), "expired", None));
                }
            }
        }
        let considered = rng.random_range(10..200u32);
        let mut counts = [0u32; RULES.len()];
        let mut left = considered;
        for count in counts.iter_mut() {
            *count = rng.random_range(0..=left / 3);
            left -= *count;
        }
        if status == "unmatched" {
            // The rule that left nothing: membership, area, eligibility or a free place.
            counts[2 + category % 4] += left;
            left = 0;
        }
        let excluded: Vec<String> = RULES
            .iter()
            .zip(counts)
            .map(|(rule, x)| format!("{{\"rule\":\"{rule}\",\"excluded\":{x}}}"))
            .collect();
        let explanation = format!(
            "{{\"policy\":\"best_price\",\"considered\":{considered},\"excluded\":[{}],\"candidates\":{left},\"chosen\":null,\"runner_up\":null,\"no_candidate_reason\":null}}",
            excluded.join(",")
        );
        *seeded.by_status.entry(status).or_default() += 1;
        orders.push(Order {
            id: format!("ord_{n:06}"),
            plan,
            category,
            status,
            created,
            listing,
            starts_on,
            actual_start,
            outcome,
            explanation,
            refused,
        });
    }

    let mut b = Bulk::new(
        conn,
        "plan_items",
        "id, plan_id, position, category, specification_code, requirement, needs, priority, \
         required_by, lead_time_days, late",
    );
    for (n, o) in orders.iter().enumerate() {
        b.row(format!(
            "'itm_{n:06}', 'pln_{:06}', {}, '{}', NULL, NULL, '[]', 2, {}, 28, FALSE",
            o.plan,
            n % 5 + 1,
            CATEGORIES[o.category],
            day(o.created.date() + chrono::Duration::days(28))
        ))?;
    }
    b.finish()?;

    let mut b = Bulk::new(
        conn,
        "orders",
        "id, plan_id, plan_item_id, crn, area_code, category, specification_code, required_by, \
         status, created_by, created_at, updated_at, listing_id, provider_id, price_pence, \
         starts_on, explanation, cancel_reason, actual_start, outcome, budget_approved_by",
    );
    for (n, o) in orders.iter().enumerate() {
        let l = o.listing.map(|i| &listings[o.category][i]);
        b.row(format!(
            "'{}', 'pln_{:06}', 'itm_{n:06}', 'B{:06}', 'AR-{:02}', '{}', NULL, {}, '{}', 'om-a', {}, {}, \
             {}, {}, {}, {}, '{}', {}, {}, {}, NULL",
            o.id,
            o.plan,
            o.plan,
            plan_area[o.plan],
            CATEGORIES[o.category],
            day(o.created.date() + chrono::Duration::days(28)),
            o.status,
            ts(o.created),
            ts(o.created),
            opt(l, |l| q(&l.id)),
            opt(l, |l| format!("'prv_{:04}'", l.provider)),
            opt(l, |l| l.price.to_string()),
            opt(o.starts_on, day),
            o.explanation,
            if o.status == "cancelled" {
                "'no longer needed'"
            } else {
                "NULL"
            },
            opt(o.actual_start, day),
            opt(o.outcome, q),
        ))?;
    }
    seeded.orders = b.finish()?;

    let mut b = Bulk::new(
        conn,
        "offers",
        "id, order_id, listing_id, provider_id, starts_on, price_pence, status, expires_at, \
         created_at, answered_at, reason",
    );
    let mut offer = 0usize;
    for o in &orders {
        let (Some(l), Some(starts_on)) = (o.listing, o.starts_on) else {
            continue;
        };
        let choices = &listings[o.category];
        let mut at = o.created;
        for (i, to, reason) in &o.refused {
            let r = &choices[*i];
            let answered = at + chrono::Duration::hours(rng.random_range(1..48));
            b.row(format!(
                "'off_{offer:07}', '{}', '{}', 'prv_{:04}', {}, {}, '{to}', {}, {}, {}, {}",
                o.id,
                r.id,
                r.provider,
                day(starts_on),
                r.price,
                ts(at + chrono::Duration::days(2)),
                ts(at),
                ts(answered),
                opt(*reason, q)
            ))?;
            offer += 1;
            at = answered;
        }
        let r = &choices[l];
        let (status, answered) = match o.status {
            "offered" => ("pending", None),
            _ => (
                "accepted",
                Some(at + chrono::Duration::hours(rng.random_range(1..48))),
            ),
        };
        b.row(format!(
            "'off_{offer:07}', '{}', '{}', 'prv_{:04}', {}, {}, '{status}', {}, {}, {}, NULL",
            o.id,
            r.id,
            r.provider,
            day(starts_on),
            r.price,
            ts(at + chrono::Duration::days(2)),
            ts(at),
            opt(answered, ts)
        ))?;
        offer += 1;
    }
    seeded.offers = b.finish()?;

    let mut b = Bulk::new(
        conn,
        "payments",
        "id, order_id, milestone, amount_pence, area_code, provider_id, financial_year, created_at",
    );
    let mut payment = 0usize;
    for o in &orders {
        let (Some(l), Some(started)) = (o.listing, o.actual_start) else {
            continue;
        };
        let r = &listings[o.category][l];
        let mut milestones = vec![("start", 20, started)];
        if o.status == "completed" {
            let done = (started + chrono::Duration::days(rng.random_range(20..90))).min(today);
            milestones.push(("completion", 50, done));
            if o.outcome == Some("no_proven_reoffence_12m") {
                milestones.push(("outcome", 30, done.min(today)));
            }
        }
        for (milestone, percent, on) in milestones {
            let year = provider_hub_domain::payment::financial_year(on);
            b.row(format!(
                "'pay_{payment:07}', '{}', '{milestone}', {}, 'AR-{:02}', 'prv_{:04}', {year}, {}",
                o.id,
                r.price * percent / 100,
                plan_area[o.plan],
                r.provider,
                ts(on.and_hms_opt(12, 0, 0).ok_or("time")?)
            ))?;
            payment += 1;
        }
    }
    seeded.payments = b.finish()?;
    conn.batch_execute("COMMIT").map_err(|e| e.to_string())?;
    conn.batch_execute("ANALYZE").map_err(|e| e.to_string())?;
    Ok(seeded)
}

/// CPU time this process has used, from /proc (user + system, in clock ticks of 10 ms):
/// on SQLite the queries run in this process, so it is their cost whatever else the
/// machine is doing.
fn cpu_time() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

fn median_and_max(mut times: Vec<Duration>) -> (Duration, Duration) {
    times.sort();
    (times[times.len() / 2], times[times.len() - 1])
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn main() -> Result<(), String> {
    let args = Args::parse();
    let backend = match args.backend.as_str() {
        "postgres" => Backend::Postgres,
        _ => Backend::Sqlite,
    };
    let db = TestDb::new(backend);
    provider_hub_store::connect(&db.url, &PoolOptions::default()).map_err(|e| e.to_string())?;
    let mut conn = db.connect();
    if args.keep {
        println!("database kept: {}", db.url);
    }
    let today = Utc::now().date_naive();
    let t = Instant::now();
    let seeded = seed(&mut conn, &args, today)?;
    println!(
        "seeded {} orders, {} offers, {} payments in {:.1} s (ANALYZE included); by status: {:?}",
        seeded.orders,
        seeded.offers,
        seeded.payments,
        t.elapsed().as_secs_f64(),
        seeded.by_status
    );
    let now = Utc.from_utc_datetime(&today.and_hms_opt(12, 0, 0).ok_or("time")?);
    let year = ReportFilter::default();
    let quarter = ReportFilter {
        area: Some("AR-07".into()),
        from: Some(today - chrono::Duration::days(90)),
        to: Some(today),
        ..ReportFilter::default()
    };
    let scopes = [("everything", &year), ("one area, 90 days", &quarter)];
    println!("| report | scope | rows | median | max | CPU in process, median |");
    println!("|---|---|---|---|---|---|");
    type Run = fn(&mut DbConn, &ReportFilter, chrono::DateTime<Utc>) -> Result<usize, String>;
    let reports: [(&str, Run); 4] = [
        ("spend", |c, f, now| {
            reports::spend(c, f, now)
                .map(|r| r.rows.len())
                .map_err(|e| e.to_string())
        }),
        ("unmet-demand", |c, f, now| {
            reports::unmet_demand(c, f, now)
                .map(|r| r.rows.len())
                .map_err(|e| e.to_string())
        }),
        ("waiting-times", |c, f, now| {
            reports::waiting_times(c, f, now)
                .map(|r| r.rows.len())
                .map_err(|e| e.to_string())
        }),
        ("providers", |c, f, now| {
            reports::providers(c, f, now)
                .map(|r| r.rows.len())
                .map_err(|e| e.to_string())
        }),
    ];
    for (name, run) in reports {
        for (scope, filter) in scopes {
            let mut times = Vec::with_capacity(args.runs);
            let mut cpu = Vec::with_capacity(args.runs);
            let mut rows = 0;
            for _ in 0..args.runs {
                let (t, c) = (Instant::now(), cpu_time());
                rows = run(&mut conn, filter, now)?;
                times.push(t.elapsed());
                if let (Some(before), Some(after)) = (c, cpu_time()) {
                    cpu.push(after.saturating_sub(before));
                }
            }
            let (median, max) = median_and_max(times);
            let cpu = if backend == Backend::Sqlite && !cpu.is_empty() {
                format!("{:.0} ms", median_and_max(cpu).0.as_secs_f64() * 1000.0)
            } else {
                "—".into()
            };
            println!(
                "| {name} | {scope} | {rows} | {} | {} | {cpu} |",
                ms(median),
                ms(max)
            );
        }
    }
    drop(conn);
    report_pages::time(backend, &db.url, &args.backend);
    if args.keep {
        std::mem::forget(db);
    }
    Ok(())
}
