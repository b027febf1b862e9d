//! `provider-hub demo` on both backends, run as the real binary: the first run seeds a
//! market of every sector and buys — most orders offered, some unmatched — and names the
//! providers and prices; a second run changes no table's row count, says nothing was
//! added and reports the same orders; a hub started on the seeded database serves them.

use std::collections::BTreeMap;
use std::path::Path;

use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl};
use provider_hub_tests::{claims, sign_hs256, Backend, Peer, TestDb, TEST_SECRET};
use serde_json::Value;

/// Runs `provider-hub demo` on the test database: (succeeded, stdout, stderr).
fn demo(db: &TestDb, data_dir: &Path) -> (bool, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hub-peer"))
        .arg("demo")
        .env_clear()
        .env("HUB_DATABASE_URL", &db.url)
        .env("HUB_DATA_DIR", data_dir)
        .output()
        .expect("run provider-hub demo");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[derive(QueryableByName)]
struct TableName {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct RowCount {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// The row count of every table in the database (the migrations' bookkeeping aside).
fn row_counts(db: &TestDb) -> BTreeMap<String, i64> {
    fn count_all<C>(conn: &mut C, tables: &str) -> BTreeMap<String, i64>
    where
        C: Connection,
        diesel::query_builder::SqlQuery: for<'a> diesel::query_dsl::LoadQuery<'a, C, TableName>
            + for<'a> diesel::query_dsl::LoadQuery<'a, C, RowCount>,
    {
        let names: Vec<TableName> = diesel::sql_query(tables).load(conn).expect("tables");
        names
            .into_iter()
            .map(|t| {
                let counted: Vec<RowCount> =
                    diesel::sql_query(format!("SELECT COUNT(*) AS n FROM \"{}\"", t.name))
                        .load(conn)
                        .expect("count");
                (t.name, counted.first().map(|c| c.n).unwrap_or(-1))
            })
            .collect()
    }
    match db.backend {
        Backend::Sqlite => {
            let path = db.url.trim_start_matches("sqlite://");
            let mut conn = diesel::SqliteConnection::establish(path).expect("sqlite");
            count_all(
                &mut conn,
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name <> '__diesel_schema_migrations'",
            )
        }
        Backend::Postgres => {
            let mut conn = diesel::PgConnection::establish(&db.url).expect("postgres");
            count_all(
                &mut conn,
                "SELECT tablename::text AS name FROM pg_tables WHERE schemaname = 'public' \
                 AND tablename <> '__diesel_schema_migrations'",
            )
        }
    }
}

fn pounds(pence: i64) -> String {
    let whole = (pence / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("£{grouped}.{:02}", pence % 100)
}

async fn get(base: &str, path: &str, token: &str) -> Value {
    let r = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 200, "GET {path}");
    r.json().await.expect("json")
}

async fn seeds_buys_and_adds_nothing_the_second_time(backend: Backend) {
    let db = TestDb::new(backend);
    let data_dir = std::env::temp_dir().join(format!(
        "hub-demo-{}",
        db.url.rsplit('/').next().unwrap_or("db").replace('?', "-")
    ));
    std::fs::create_dir_all(&data_dir).expect("data dir");

    let (ok, first, err) = demo(&db, &data_dir);
    assert!(ok, "the first run failed: {err}\n{first}");
    assert!(first.contains("Added: 4 areas"), "{first}");
    let after_first = row_counts(&db);
    assert!(after_first["audit_log"] > 0 && after_first["events"] > 0);
    assert!(after_first.len() >= 20, "{after_first:?}");
    assert!(after_first["providers"] >= 20, "{after_first:?}");
    assert!(after_first["orders"] >= 40, "{after_first:?}");

    let (ok, second, err) = demo(&db, &data_dir);
    assert!(ok, "the second run failed: {err}\n{second}");
    assert!(second.contains("Nothing new was added"), "{second}");
    assert!(!second.contains("Added:"), "{second}");
    assert_eq!(
        row_counts(&db),
        after_first,
        "a second run changed a table's row count"
    );
    // The same report, read back from the database: only the "added" line differs.
    let without_added = |s: &str| -> Vec<String> {
        s.lines()
            .filter(|l| !l.starts_with("Added:") && !l.starts_with("Nothing new was added"))
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(without_added(&first), without_added(&second));

    // A hub started on the seeded database serves what was bought.
    let peer = Peer::start(env!("CARGO_BIN_EXE_hub-peer"), &db.url, &data_dir, &[]).await;
    let commissioner = sign_hs256(&claims("commissioner", None, None), TEST_SECRET);
    let providers = get(&peer.base, "/v1/providers?limit=500", &commissioner).await;
    let providers = providers["items"].as_array().expect("providers").clone();
    assert!(providers.len() >= 20, "{} providers", providers.len());
    for sector in ["public", "private", "voluntary", "social_enterprise"] {
        assert!(
            providers.iter().any(|p| p["sector"] == sector),
            "no {sector} provider"
        );
    }
    assert!(
        providers.iter().any(|p| p["status"] == "applicant"),
        "no provider below the threshold"
    );
    let names: BTreeMap<String, String> = providers
        .iter()
        .map(|p| {
            (
                p["id"].as_str().unwrap_or_default().to_owned(),
                p["name"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let specs = get(
        &peer.base,
        "/v1/specifications?status=published&limit=500",
        &commissioner,
    )
    .await;
    assert!(
        specs["items"].as_array().map_or(0, Vec::len) >= 7,
        "{specs}"
    );

    let orders = get(&peer.base, "/v1/orders?limit=500", &commissioner).await;
    let orders = orders["items"].as_array().expect("orders").clone();
    assert_eq!(orders.len() as i64, after_first["orders"]);
    let count = |status: &str| orders.iter().filter(|o| o["status"] == status).count();
    let (offered, unmatched) = (count("offered"), count("unmatched"));
    assert!(
        offered * 4 >= orders.len() * 3,
        "most orders are offered: {offered} of {}",
        orders.len()
    );
    assert!(unmatched >= 3, "some orders are unmatched: {unmatched}");
    assert!(
        count("awaiting_approval") >= 1,
        "some wait for budget approval"
    );
    // Unmatched for different reasons, each with its explanation.
    let reasons: std::collections::BTreeSet<String> = orders
        .iter()
        .filter(|o| o["status"] == "unmatched")
        .map(|o| {
            let reason = o["explanation"]["no_candidate_reason"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            assert!(
                !reason.is_empty(),
                "an unmatched order without a reason: {o}"
            );
            reason
        })
        .collect();
    assert!(reasons.len() >= 4, "{reasons:?}");

    // Every order is in the report with its status; an offered one with its provider,
    // price and start date, an unmatched one with its reason.
    for o in &orders {
        let crn = o["crn"].as_str().expect("crn");
        let category = o["category"].as_str().expect("category");
        let status = o["status"].as_str().expect("status");
        let line = first
            .lines()
            .find(|l| {
                l.starts_with(crn) && l.contains(&format!(" {category} ")) && l.contains(status)
            })
            .unwrap_or_else(|| panic!("no report line for {crn} {category} {status}:\n{first}"));
        if status == "offered" {
            let provider = &names[o["provider_id"].as_str().expect("provider")];
            let price = pounds(o["price_pence"].as_i64().expect("price"));
            let starts = o["starts_on"].as_str().expect("start");
            assert!(
                line.contains(provider.as_str()) && line.contains(&price) && line.contains(starts),
                "{line} should name {provider} at {price} from {starts}"
            );
        }
        if status == "unmatched" {
            let reason = o["explanation"]["no_candidate_reason"]
                .as_str()
                .unwrap_or("?");
            assert!(first.contains(&format!("why: {reason}")), "{reason}");
        }
    }
    drop(peer);
    let _ = std::fs::remove_dir_all(&data_dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_on_sqlite() {
    seeds_buys_and_adds_nothing_the_second_time(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(
    not(hub_postgres),
    ignore = "set TEST_DATABASE_URL to run on PostgreSQL"
)]
async fn demo_on_postgres() {
    seeds_buys_and_adds_nothing_the_second_time(Backend::Postgres).await;
}
