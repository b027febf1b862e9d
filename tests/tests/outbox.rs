//! No event is lost when a server process dies: a real `provider-hub serve` process is
//! killed with `kill -9` while its deliveries to a failing receiver are still pending;
//! once another process runs on the same database, every event reaches the receiver,
//! signed, and the events of each order in the order they happened.

use std::collections::{BTreeSet, HashMap};

use provider_hub_tests::{
    both_backends, json, manager_token, purchase, seed_market, upw_provider, Peer, Receiver,
    TestApp,
};

/// The dispatcher as the peer processes run it: quick retries, short leases.
const PEER_ENV: &[(&str, &str)] = &[
    ("HUB_WEBHOOK_ALLOW_HTTP", "true"),
    ("HUB_WEBHOOK_ALLOW_PRIVATE", "true"),
    ("HUB_DISPATCH_INTERVAL_MS", "100"),
    ("HUB_WEBHOOK_BACKOFF_MS", "200"),
    ("HUB_WEBHOOK_BACKOFF_CAP_MS", "400"),
    ("HUB_WEBHOOK_TIMEOUT_MS", "1000"),
    ("HUB_WEBHOOK_MAX_ATTEMPTS", "50"),
    // Only the dispatcher is under test: the worker's expiry sweeps stay out of the way.
    ("HUB_WORKER_INTERVAL_MS", "3600000"),
];

fn pending(app: &TestApp) -> i64 {
    use diesel::prelude::*;
    use provider_hub_store::schema::webhook_deliveries as d;
    d::table
        .filter(d::status.eq("pending"))
        .count()
        .get_result(&mut app.db.connect())
        .expect("count pending deliveries")
}

both_backends!(
    events_pending_when_a_process_is_killed_are_delivered_after_restart,
    // The in-process hub only sets up the market: its own dispatcher and worker idle.
    adjust = |c: &mut provider_hub_tests::Config| {
        c.worker_interval_ms = 3_600_000;
        c.dispatch_interval_ms = 3_600_000;
    },
    |app: TestApp| async move {
        seed_market(&app).await;
        let receiver = Receiver::start(0).await;
        receiver
            .failing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let (provider, _) = upw_provider(&app, "CRASH-1", 30_000, 10, 3, 80).await;
        let (s, hook) = app
            .put(
                &format!("/v1/providers/{provider}/webhook"),
                &app.provider_token(&provider),
                &json!({ "url": receiver.url }),
            )
            .await;
        assert_eq!(s, 200, "{hook}");
        let secret = hook["secret"].as_str().expect("secret").to_owned();
        let pt = app.provider_token(&provider);
        let mut orders = Vec::new();
        for n in 0..4 {
            orders.push(purchase(&app, "SY-SHF", &format!("K{n:06}")).await);
        }
        for order in &orders[..2] {
            let offer = order["offer"]["id"].as_str().expect("offer");
            let (s, body) = app
                .post_empty(&format!("/v1/offers/{offer}/accept"), &pt)
                .await;
            assert_eq!(s, 200, "{body}");
        }

        let dir = std::env::temp_dir().join(format!(
            "hub-outbox-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).expect("data dir");
        let bin = env!("CARGO_BIN_EXE_hub-peer");
        let mut first = Peer::start(bin, &app.db.url, &dir, PEER_ENV).await;
        receiver
            .wait_for(20, "failed tries from the first process", |got| {
                got.len() >= 5
            })
            .await;
        first.child.kill().expect("kill -9 the first process");
        let status = first.child.wait().expect("reaped");
        assert!(!status.success(), "killed, not stopped: {status:?}");
        drop(first);
        assert!(
            pending(&app) > 0,
            "deliveries were still pending at the kill"
        );
        let tried_before = receiver.requests().len();

        // While no process dispatches, more happens: an order is cancelled.
        let cancelled = orders[3]["id"].as_str().expect("order");
        let (s, body) = app
            .post(
                &format!("/v1/orders/{cancelled}/cancel"),
                &manager_token("SY-SHF", "om-ann"),
                &json!({"reason": "sentence varied on appeal"}),
            )
            .await;
        assert_eq!(s, 200, "{body}");

        // The receiver recovers (after two more failures); another process takes over.
        receiver
            .fail_first
            .store(2, std::sync::atomic::Ordering::SeqCst);
        receiver
            .failing
            .store(false, std::sync::atomic::Ordering::SeqCst);
        let _second = Peer::start(bin, &app.db.url, &dir, PEER_ENV).await;
        let events = {
            let (s, page) = app.get("/v1/events?limit=500", &pt).await;
            assert_eq!(s, 200, "{page}");
            page["items"].as_array().expect("items").clone()
        };
        // 4 offers made, 2 accepted, 1 withdrawn with its order cancelled.
        assert_eq!(events.len(), 8, "{events:?}");
        let expected: BTreeSet<String> = events
            .iter()
            .map(|e| e["id"].as_str().expect("id").to_owned())
            .collect();
        receiver
            .wait_for(30, "every event delivered after the restart", |got| {
                got.iter()
                    .filter(|r| r.answered < 300)
                    .filter_map(|r| r.event_id.clone())
                    .collect::<BTreeSet<_>>()
                    == expected
            })
            .await;
        assert!(receiver.requests().len() > tried_before + expected.len() - 1);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while pending(&app) > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "deliveries left pending"
            );
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }

        let position: HashMap<&str, usize> = events
            .iter()
            .enumerate()
            .map(|(i, e)| (e["id"].as_str().expect("id"), i))
            .collect();
        let mut last_of_order: HashMap<String, usize> = HashMap::new();
        for r in receiver.requests() {
            assert!(r.signed_with(&secret), "bad signature on {:?}", r.event_id);
            let body = r.json();
            assert_eq!(body["id"].as_str(), r.event_id.as_deref());
            let at = position[r.event_id.as_deref().expect("id")];
            let order = body["order_id"].as_str().expect("order").to_owned();
            let last = last_of_order.entry(order.clone()).or_insert(at);
            assert!(
                at >= *last,
                "order {order}: an earlier event arrived after a later one"
            );
            *last = at;
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
);
