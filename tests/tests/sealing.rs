//! Sealing the trail after commit: audit rows and events are written unsealed by the
//! change's transaction and sealed once it has committed. An event committed after one
//! with a higher id is still read after the cursor of that one; what a writer killed
//! between its commit and its seal left is sealed by the next seal and verifies; writers
//! in two processes, one of them killed with SIGKILL mid-way, leave one intact chain
//! holding every acknowledged write.

use diesel::connection::{Connection, TransactionManager};
use diesel::prelude::*;
use provider_hub_store::audit::{self, Actor, AuditEntry};
use provider_hub_store::events::{self as store_events, NewEvent};
use provider_hub_store::schema::{audit_log, events};
use provider_hub_store::DbConn;
use provider_hub_tests::{
    both_backends, json, manager_token, purchase, seed_market, upw_provider, Backend, Peer,
    TestApp, TestDb, TEST_SECRET,
};
use serde_json::Value;

/// Runs `provider-hub audit verify` on a database: (succeeded, what it said).
fn verify(url: &str) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hub-peer"))
        .args(["audit", "verify"])
        .env_clear()
        .env("HUB_DATABASE_URL", url)
        .env("HUB_DATA_DIR", std::env::temp_dir())
        .output()
        .expect("run audit verify");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

/// An event about `order` as the hub stores it (the payload is what readers get).
fn event_about(order: &Value, kind: &str) -> NewEvent {
    let id = provider_hub_store::new_id("evt");
    use chrono::Timelike;
    let at = chrono::Utc::now().naive_utc();
    let at = at
        .with_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(at);
    let order_id = order["id"].as_str().expect("order id").to_owned();
    let payload = json!({
        "id": id, "type": kind, "occurred_at": provider_hub_store::to_utc(at),
        "order_id": order_id, "offer_id": null, "area": "SY-SHF", "provider_id": null,
        "data": {"status": "unmatched", "reason": "written by the test"}
    });
    NewEvent {
        id,
        kind: kind.to_owned(),
        order_id,
        offer_id: None,
        area_code: "SY-SHF".into(),
        provider_id: None,
        occurred_at: at,
        payload: payload.to_string(),
    }
}

/// Commits an audit row and an event in a plain transaction, without sealing them: what
/// a hub process killed between its commit and its seal leaves behind.
fn commit_unsealed(conn: &mut DbConn, order: &Value) -> String {
    let event = event_about(order, "order.unmatched");
    type Manager = <DbConn as Connection>::TransactionManager;
    Manager::begin_transaction(conn).expect("begin");
    audit::record(
        conn,
        AuditEntry {
            actor: &Actor {
                sub: "killed-writer".into(),
                role: "admin".into(),
            },
            action: "test.committed",
            entity_type: "test",
            entity_id: &event.id,
            before: None,
            after: Some(json!({"id": event.id})),
            at: chrono::Utc::now().naive_utc(),
        },
    )
    .expect("record");
    store_events::append(conn, std::slice::from_ref(&event)).expect("append");
    Manager::commit_transaction(conn).expect("commit");
    event.id
}

async fn page_after(app: &TestApp, token: &str, after: &str) -> Vec<Value> {
    let (s, page) = app.get(&format!("/v1/events?after={after}"), token).await;
    assert_eq!(s, 200, "{page}");
    page["items"].as_array().expect("items").clone()
}

both_backends!(
    rows_a_writer_left_unsealed_are_sealed_by_the_next_seal_and_verify,
    // Nothing in the hub seals meanwhile: its worker and dispatcher (each of whose rounds
    // seals leftovers) run once at start, then not for an hour.
    adjust = |c: &mut provider_hub_tests::Config| {
        c.worker_interval_ms = 3_600_000;
        c.dispatch_interval_ms = 3_600_000;
    },
    |app: TestApp| async move {
        seed_market(&app).await;
        upw_provider(&app, "SEAL-1", 30_000, 1, 3, 80).await;
        let ann = manager_token("SY-SHF", "om-ann");
        let order = purchase(&app, "SY-SHF", "S000001").await;
        let (_, page) = app.get("/v1/events", &ann).await;
        let items = page["items"].as_array().expect("items");
        let last = items.last().expect("an event")["cursor"]
            .as_str()
            .expect("cursor")
            .to_owned();
        let mut conn = app.db.connect();
        let left = commit_unsealed(&mut conn, &order);
        assert_eq!(audit::unsealed(&mut conn).expect("unsealed"), 1);
        // Committed but not sealed: not listed yet, and not part of the chain yet.
        assert!(page_after(&app, &ann, &last).await.is_empty());
        let sealed_rows = app.audit_count() - 1;
        let (ok, said) = verify(&app.db.url);
        // Verifying seals what is left first, then checks every row.
        assert!(ok, "{said}");
        assert!(
            said.contains(&format!("intact: {} rows", sealed_rows + 1)),
            "{said}"
        );
        assert_eq!(audit::unsealed(&mut conn).expect("unsealed"), 0);
        let listed = page_after(&app, &ann, &last).await;
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(listed[0]["id"], left.as_str());
    }
);

#[actix_web::test]
#[cfg_attr(
    not(hub_postgres),
    ignore = "set TEST_DATABASE_URL to run on PostgreSQL"
)]
async fn an_event_committed_late_with_a_smaller_id_is_read_after_the_cursor() {
    let app = TestApp::spawn(Backend::Postgres).await;
    seed_market(&app).await;
    let (provider, _) = upw_provider(&app, "SEAL-2", 30_000, 1, 3, 80).await;
    let ann = manager_token("SY-SHF", "om-ann");
    let order = purchase(&app, "SY-SHF", "S000002").await;
    let (_, page) = app.get("/v1/events", &ann).await;
    let items = page["items"].as_array().expect("items");
    let first = items.last().expect("an event")["cursor"]
        .as_str()
        .expect("cursor")
        .to_owned();

    // A writer takes its event's id now and commits it only later.
    let mut slow = app.db.connect();
    type Manager = <DbConn as Connection>::TransactionManager;
    Manager::begin_transaction(&mut slow).expect("begin");
    let late = event_about(&order, "order.unmatched");
    store_events::append(&mut slow, std::slice::from_ref(&late)).expect("append");

    // Meanwhile another change commits its event, with a higher id, and is read.
    let offer = order["offer"]["id"].as_str().expect("offered");
    let (s, body) = app
        .post_empty(
            &format!("/v1/offers/{offer}/accept"),
            &app.provider_token(&provider),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let read = page_after(&app, &ann, &first).await;
    assert_eq!(read.len(), 1, "{read:?}");
    assert_eq!(read[0]["type"], "offer.accepted");
    let cursor = read[0]["cursor"].as_str().expect("cursor").to_owned();

    // The slow writer commits: its event, though numbered lower, comes after the cursor.
    Manager::commit_transaction(&mut slow).expect("commit");
    let mut conn = app.db.connect();
    let seq_of = |conn: &mut DbConn, id: &str| -> i64 {
        events::table
            .filter(events::id.eq(id))
            .select(events::seq)
            .first(conn)
            .expect("event")
    };
    let accepted = read[0]["id"].as_str().expect("id");
    assert!(seq_of(&mut conn, &late.id) < seq_of(&mut conn, accepted));
    provider_hub_store::seal_pending(&mut conn).expect("seal");
    let after = page_after(&app, &ann, &cursor).await;
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["id"], late.id.as_str());
    // Read from the start, the events come in the order they were sealed in.
    let (_, all) = app.get("/v1/events", &ann).await;
    let ids: Vec<&str> = all["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids[ids.len() - 2..], [accepted, late.id.as_str()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(hub_postgres),
    ignore = "set TEST_DATABASE_URL to run on PostgreSQL"
)]
async fn two_processes_one_killed_mid_way_leave_one_intact_chain_with_every_acknowledged_write() {
    let db = TestDb::new(Backend::Postgres);
    let dir = std::env::temp_dir().join(format!(
        "hub-seal-{}-{}",
        std::process::id(),
        uuid::Uuid::new_v4().simple()
    ));
    std::fs::create_dir_all(&dir).expect("data dir");
    let env = [("HUB_DB_POOL_SIZE", "8"), ("HUB_WORKERS", "2")];
    let a = Peer::start(env!("CARGO_BIN_EXE_hub-peer"), &db.url, &dir, &env).await;
    let mut b = Peer::start(env!("CARGO_BIN_EXE_hub-peer"), &db.url, &dir, &env).await;
    let client = reqwest::Client::new();
    let admin = provider_hub_tests::sign_hs256(
        &provider_hub_tests::claims("admin", None, None),
        TEST_SECRET,
    );
    // 120 audited writes at once, alternating between the processes; one process is
    // killed with SIGKILL while they run.
    let creates = (0..120).map(|i| {
        let base = if i % 2 == 0 {
            a.base.clone()
        } else {
            b.base.clone()
        };
        let (client, admin) = (client.clone(), admin.clone());
        async move {
            let code = format!("KL-{i:03}");
            let sent = client
                .post(format!("{base}/v1/areas"))
                .bearer_auth(&admin)
                .json(&json!({"code": code, "name": format!("Area {i}"), "region": "Test"}))
                .send()
                .await;
            (code, sent.map(|r| r.status().as_u16()).unwrap_or(0))
        }
    });
    let writes = tokio::spawn(futures_util::future::join_all(creates));
    tokio::time::sleep(std::time::Duration::from_millis(150)).await;
    b.child.kill().expect("SIGKILL the second process");
    let _ = b.child.wait();
    let answers = writes.await.expect("writes");
    let acknowledged: Vec<&String> = answers
        .iter()
        .filter(|(_, s)| *s == 201)
        .map(|(code, _)| code)
        .collect();
    assert!(acknowledged.len() >= 60, "{answers:?}");

    let (ok, said) = verify(&db.url);
    assert!(ok, "{said}");
    let mut conn = db.connect();
    let rows: i64 = audit_log::table
        .count()
        .get_result(&mut conn)
        .expect("count");
    assert!(said.contains(&format!("intact: {rows} rows")), "{said}");
    // One chain: places 1..=rows, each once.
    let places: Vec<Option<i64>> = audit_log::table
        .select(audit_log::chain_pos)
        .order(audit_log::chain_pos.asc())
        .load(&mut conn)
        .expect("places");
    assert_eq!(places, (1..=rows).map(Some).collect::<Vec<_>>());
    // Every acknowledged write is there, with its audit row.
    for code in acknowledged {
        let n: i64 = audit_log::table
            .filter(audit_log::entity_type.eq("area"))
            .filter(audit_log::entity_id.eq(code))
            .count()
            .get_result(&mut conn)
            .expect("audit rows");
        assert_eq!(n, 1, "area {code} was acknowledged but has no audit row");
    }
    drop(a);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Writers to two databases from one process, at once: every audited write answers only
/// once its own audit row is sealed in its own database, never because a seal of the
/// other database ran meanwhile.
#[test]
#[cfg_attr(
    not(hub_postgres),
    ignore = "set TEST_DATABASE_URL to run on PostgreSQL"
)]
fn each_database_seals_its_own_writers() {
    let dbs = [
        TestDb::new(Backend::Postgres),
        TestDb::new(Backend::Postgres),
    ];
    for db in &dbs {
        provider_hub_store::run_migrations(&mut db.connect()).expect("migrate");
    }
    let writers: Vec<_> = dbs
        .iter()
        .flat_map(|db| (0..3).map(move |_| db.connect()))
        .enumerate()
        .map(|(w, mut conn)| {
            std::thread::spawn(move || {
                let actor = Actor {
                    sub: format!("writer-{w}"),
                    role: "admin".into(),
                };
                for i in 0..60 {
                    let id = format!("w{w}-{i}");
                    provider_hub_store::write_transaction(&mut conn, |tx| {
                        tx.audit(AuditEntry {
                            actor: &actor,
                            action: "test.written",
                            entity_type: "test",
                            entity_id: &id,
                            before: None,
                            after: None,
                            at: chrono::Utc::now().naive_utc(),
                        });
                        Ok::<(), diesel::result::Error>(())
                    })
                    .expect("write");
                    let sealed: Option<i64> = audit_log::table
                        .filter(audit_log::entity_id.eq(&id))
                        .select(audit_log::chain_pos)
                        .first(&mut conn)
                        .expect("read");
                    assert!(sealed.is_some(), "{id} answered before it was sealed");
                }
            })
        })
        .collect();
    for w in writers {
        w.join().expect("writer");
    }
    for db in &dbs {
        let (ok, said) = verify(&db.url);
        assert!(ok, "{said}");
    }
}
