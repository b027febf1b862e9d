//! Running the hub: Prometheus metrics, the per-client write limit, database waits that
//! end in 503 rather than a hang, and a graceful stop on SIGTERM that hands the outbox
//! back.

use std::time::{Duration, Instant};

use provider_hub_tests::{
    both_backends, json, purchase, seed_market, upw_provider, Backend, Peer, Receiver, TestApp,
};

async fn metrics_text(app: &TestApp) -> String {
    let r = app
        .client
        .get(app.url("/metrics"))
        .send()
        .await
        .expect("scrape");
    assert_eq!(r.status().as_u16(), 200);
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    r.text().await.expect("text")
}

/// The value of one sample line (`name{labels} value`), if present.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

both_backends!(
    metrics_count_requests_by_route_and_show_orders_offers_outbox_and_matching,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (provider, _) = upw_provider(&app, "MET-1", 30_000, 1, 3, 80).await;
        let order = purchase(&app, "SY-SHF", "M000001").await;
        purchase(&app, "SY-SHF", "M000002").await;
        let id = order["id"].as_str().expect("order");
        let token = app.token("quality");
        for _ in 0..3 {
            let (s, _) = app.get(&format!("/v1/orders/{id}"), &token).await;
            assert_eq!(s, 200);
        }
        let (s, _) = app.get("/v1/orders/ord_nothing", &token).await;
        assert_eq!(s, 404);
        let text = metrics_text(&app).await;
        // Counted under the route template, by status; ids make no series of their own.
        assert_eq!(
            sample(
                &text,
                r#"hub_http_requests_total{method="GET",route="/v1/orders/{id}",status="200"}"#
            ),
            Some(3.0),
            "{text}"
        );
        assert_eq!(
            sample(
                &text,
                r#"hub_http_requests_total{method="GET",route="/v1/orders/{id}",status="404"}"#
            ),
            Some(1.0)
        );
        assert!(!text.contains(id), "no series per order id");
        assert_eq!(
            sample(
                &text,
                r#"hub_http_request_duration_seconds_count{method="GET",route="/v1/orders/{id}",status="200"}"#
            ),
            Some(3.0)
        );
        assert!(text.contains(
            r#"hub_http_request_duration_seconds_bucket{method="GET",route="/v1/orders/{id}",status="200",le="+Inf"} 3"#
        ));
        // One place: one order offered, the other unmatched.
        assert_eq!(sample(&text, r#"hub_orders{status="offered"}"#), Some(1.0));
        assert_eq!(
            sample(&text, r#"hub_orders{status="unmatched"}"#),
            Some(1.0)
        );
        assert_eq!(sample(&text, "hub_offers_pending"), Some(1.0));
        assert_eq!(
            sample(&text, r#"hub_outbox_deliveries{status="pending"}"#),
            Some(0.0)
        );
        assert!(sample(&text, "hub_matching_duration_seconds_count").unwrap_or(0.0) >= 2.0);
        assert_eq!(sample(&text, "hub_db_pool_max_connections"), Some(4.0));
        assert_eq!(sample(&text, "hub_database_up"), Some(1.0));
        assert!(sample(&text, "process_resident_memory_bytes").unwrap_or(0.0) > 1e6);
        // The outbox backlog shows a provider's undelivered events.
        let receiver = Receiver::start(0).await;
        receiver
            .failing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        app.put(
            &format!("/v1/providers/{provider}/webhook"),
            &app.provider_token(&provider),
            &json!({"url": receiver.url}),
        )
        .await;
        let offer = order["offer"]["id"].as_str().expect("offer");
        app.post_empty(
            &format!("/v1/offers/{offer}/accept"),
            &app.provider_token(&provider),
        )
        .await;
        let text = metrics_text(&app).await;
        assert_eq!(
            sample(&text, r#"hub_outbox_deliveries{status="pending"}"#),
            Some(1.0)
        );
        assert_eq!(sample(&text, "hub_offers_pending"), Some(0.0));
    }
);

both_backends!(
    a_client_writing_too_fast_gets_429_with_retry_after_and_nothing_changes,
    adjust = |c: &mut provider_hub_tests::Config| {
        c.rate_limit = Some(provider_hub_api::rate_limit::RateLimit {
            per_second: 0.5,
            burst: 3.0,
        })
    },
    |app: TestApp| async move {
        let admin = app.token("admin");
        for n in 0..3 {
            let (s, body) = app
                .post(
                    "/v1/areas",
                    &admin,
                    &json!({"code": format!("RL-{n}"), "name": "Area", "region": "North"}),
                )
                .await;
            assert_eq!(s, 201, "{body}");
        }
        let r = app
            .client
            .post(app.url("/v1/areas"))
            .bearer_auth(&admin)
            .json(&json!({"code": "RL-9", "name": "Area", "region": "North"}))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status().as_u16(), 429);
        let retry: u64 = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .expect("Retry-After in seconds");
        assert!((1..=2).contains(&retry), "{retry}");
        assert_eq!(
            r.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/problem+json")
        );
        let problem: serde_json::Value = r.json().await.expect("problem");
        assert_eq!(problem["status"], 429);
        // Nothing was created; reads are not limited; other clients have their own limit.
        let (s, _) = app.get("/v1/areas/RL-9", &admin).await;
        assert_eq!(s, 404);
        for _ in 0..5 {
            let (s, _) = app.get("/v1/areas", &admin).await;
            assert_eq!(s, 200);
        }
        let (s, body) = app
            .put(
                "/v1/quality/threshold",
                &app.token("quality"),
                &json!({"threshold": 65}),
            )
            .await;
        assert_eq!(s, 200, "{body}");
        // After the wait it may write again.
        actix_web::rt::time::sleep(Duration::from_secs(retry)).await;
        let (s, body) = app
            .post(
                "/v1/areas",
                &admin,
                &json!({"code": "RL-9", "name": "Area", "region": "North"}),
            )
            .await;
        assert_eq!(s, 201, "{body}");
    }
);

both_backends!(
    forged_tokens_share_their_address_s_limit_and_a_verified_caller_keeps_its_own,
    adjust = |c: &mut provider_hub_tests::Config| {
        c.rate_limit = Some(provider_hub_api::rate_limit::RateLimit {
            per_second: 0.5,
            burst: 3.0,
        })
    },
    |app: TestApp| async move {
        let area = json!({"code": "RL-F", "name": "Area", "region": "North"});
        // Each forged token claims a new subject; none is verified, so all count against
        // the one address they come from.
        let mut statuses = Vec::new();
        for n in 0..5 {
            let mut forged = provider_hub_tests::claims("admin", None, None);
            forged.sub = format!("attacker-{n}-{}", uuid::Uuid::new_v4());
            let token =
                provider_hub_tests::sign_hs256(&forged, "not-the-hub-secret-at-all-0123456789");
            let (s, _) = app.post("/v1/areas", &token, &area).await;
            statuses.push(s);
        }
        assert_eq!(statuses, [401, 401, 401, 429, 429]);
        // Without any token: the same address, the same limit.
        let r = app
            .client
            .post(app.url("/v1/areas"))
            .json(&area)
            .send()
            .await
            .expect("send");
        assert_eq!(r.status().as_u16(), 429);
        assert!(r.headers().get("retry-after").is_some());
        // A verified caller from that address has its own bucket.
        let (s, body) = app.post("/v1/areas", &app.token("admin"), &area).await;
        assert_eq!(s, 201, "{body}");
    }
);

both_backends!(
    a_request_that_cannot_get_the_database_in_time_is_503_not_a_hang,
    adjust = |c: &mut provider_hub_tests::Config| c.db_timeout_ms = 300,
    |app: TestApp| async move {
        use diesel::connection::SimpleConnection;
        let admin = app.token("admin");
        let area = json!({"code": "DB-1", "name": "Area", "region": "North"});
        // Another session holds the lock the write needs.
        let mut holder = app.db.connect();
        match app.db.backend {
            Backend::Sqlite => holder.batch_execute("BEGIN IMMEDIATE"),
            Backend::Postgres => holder.batch_execute("BEGIN; LOCK TABLE areas IN EXCLUSIVE MODE"),
        }
        .expect("hold the lock");
        let started = Instant::now();
        let r = app
            .client
            .post(app.url("/v1/areas"))
            .bearer_auth(&admin)
            .json(&area)
            .send()
            .await
            .expect("send");
        assert!(r.headers().get("retry-after").is_some());
        let (s, problem) = provider_hub_tests::status_and_json(r).await;
        assert_eq!(s, 503, "{problem}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(problem["status"], 503);
        holder.batch_execute("ROLLBACK").expect("release");
        let (s, body) = app.post("/v1/areas", &admin, &area).await;
        assert_eq!(s, 201, "{body}");
    }
);

/// Makes the test database's sessions speak another language than English, when the
/// PostgreSQL server has one of these locales; true when it took.
fn speak_another_language(database_url: &str) -> bool {
    use diesel::connection::SimpleConnection;
    use diesel::Connection;
    if !database_url.starts_with("postgres") {
        return false;
    }
    let mut conn = diesel::PgConnection::establish(database_url).expect("connect");
    [
        "de_DE.UTF-8",
        "de_DE.utf8",
        "fr_FR.UTF-8",
        "es_ES.UTF-8",
        "sv_SE.UTF-8",
    ]
    .iter()
    .any(|locale| {
        conn.batch_execute(&format!(
            "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET lc_messages = %L', \
                 current_database(), '{locale}'); END $$"
        ))
        .is_ok()
    })
}

both_backends!(
    a_row_lock_held_past_the_lock_timeout_is_503_in_any_server_language,
    adjust = |c: &mut provider_hub_tests::Config| {
        c.db_timeout_ms = 300;
        let localized = speak_another_language(&c.database_url);
        eprintln!("PostgreSQL messages in another language: {localized}");
    },
    |app: TestApp| async move {
        use diesel::connection::SimpleConnection;
        let quality = app.token("quality");
        let threshold = json!({"threshold": 70});
        // Another session holds the row the change must update.
        let mut holder = app.db.connect();
        match app.db.backend {
            Backend::Sqlite => holder.batch_execute("BEGIN IMMEDIATE"),
            Backend::Postgres => {
                holder.batch_execute("BEGIN; SELECT * FROM quality_threshold FOR UPDATE")
            }
        }
        .expect("hold the lock");
        let r = app
            .client
            .put(app.url("/v1/quality/threshold"))
            .bearer_auth(&quality)
            .json(&threshold)
            .send()
            .await
            .expect("send");
        let retry = r
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok());
        let (s, problem) = provider_hub_tests::status_and_json(r).await;
        assert_eq!(s, 503, "{problem}");
        assert_eq!(problem["status"], 503);
        assert!(retry.is_some_and(|r| r >= 1), "{retry:?}");
        holder.batch_execute("ROLLBACK").expect("release");
        let (s, body) = app.put("/v1/quality/threshold", &quality, &threshold).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(body["threshold"], 70, "{body}");
    }
);

both_backends!(
    sigterm_finishes_the_send_in_flight_and_hands_back_the_outbox,
    adjust = |c: &mut provider_hub_tests::Config| {
        c.worker_interval_ms = 3_600_000;
        c.dispatch_interval_ms = 3_600_000;
    },
    |app: TestApp| async move {
        seed_market(&app).await;
        let receiver = Receiver::start(0).await;
        receiver
            .delay_ms
            .store(1_500, std::sync::atomic::Ordering::SeqCst);
        let (provider, _) = upw_provider(&app, "TERM-1", 30_000, 5, 3, 80).await;
        let (s, hook) = app
            .put(
                &format!("/v1/providers/{provider}/webhook"),
                &app.provider_token(&provider),
                &json!({"url": receiver.url}),
            )
            .await;
        assert_eq!(s, 200, "{hook}");
        purchase(&app, "SY-SHF", "T000001").await;
        let dir = std::env::temp_dir().join(format!(
            "hub-term-{}-{}",
            std::process::id(),
            chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
        ));
        std::fs::create_dir_all(&dir).expect("data dir");
        let mut peer = Peer::start(
            env!("CARGO_BIN_EXE_hub-peer"),
            &app.db.url,
            &dir,
            &[
                ("HUB_WEBHOOK_ALLOW_HTTP", "true"),
                ("HUB_WEBHOOK_ALLOW_PRIVATE", "true"),
                ("HUB_DISPATCH_INTERVAL_MS", "100"),
                ("HUB_WORKER_INTERVAL_MS", "3600000"),
            ],
        )
        .await;
        receiver
            .wait_for(10, "the delivery to arrive", |got| !got.is_empty())
            .await;
        let term = std::process::Command::new("kill")
            .args(["-TERM", &peer.child.id().to_string()])
            .status()
            .expect("send SIGTERM");
        assert!(term.success());
        let started = Instant::now();
        let status = loop {
            if let Some(status) = peer.child.try_wait().expect("wait") {
                break status;
            }
            assert!(started.elapsed() < Duration::from_secs(30), "did not stop");
            actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        };
        assert!(status.success(), "a graceful stop exits 0: {status:?}");
        // The send in flight was waited for and recorded; nothing is left leased.
        let (s, page) = app.get("/v1/webhook-deliveries", &app.token("admin")).await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(page["items"][0]["status"], "delivered", "{page}");
        use diesel::prelude::*;
        use provider_hub_store::schema::webhook_deliveries as d;
        let leased: i64 = d::table
            .filter(d::lease_owner.is_not_null())
            .count()
            .get_result(&mut app.db.connect())
            .expect("count leases");
        assert_eq!(leased, 0);
        // It no longer accepts connections.
        assert!(reqwest::get(format!("{}/health/live", peer.base))
            .await
            .is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
);

both_backends!(
    purchases_declines_and_acceptances_at_once_all_succeed,
    adjust = |c: &mut provider_hub_tests::Config| {
        c.pool_size = 16;
        c.workers = Some(4);
    },
    |app: TestApp| async move {
        seed_market(&app).await;
        let (first, _) = upw_provider(&app, "LOCK-1", 30_000, 100, 3, 80).await;
        let (second, _) = upw_provider(&app, "LOCK-2", 35_000, 100, 3, 80).await;
        let mut offered = Vec::new();
        for n in 0..30 {
            let order = purchase(&app, "SY-SHF", &format!("L{n:06}")).await;
            offered.push(order["offer"]["id"].as_str().expect("offer").to_owned());
        }
        // Declines release places on the first listing and take places on the second,
        // while purchases take places on the first: rows locked in opposite orders, all
        // appending to the audit chain.
        let pt = app.provider_token(&first);
        let mut calls = Vec::new();
        for (i, offer) in offered.iter().enumerate() {
            let (app, pt, offer) = (&app, pt.clone(), offer.clone());
            calls.push(Box::pin(async move {
                if i % 2 == 0 {
                    app.post(
                        &format!("/v1/offers/{offer}/decline"),
                        &pt,
                        &json!({"reason": "no supervisor free"}),
                    )
                    .await
                } else {
                    app.post_empty(&format!("/v1/offers/{offer}/accept"), &pt)
                        .await
                }
            })
                as std::pin::Pin<
                    Box<dyn std::future::Future<Output = (u16, serde_json::Value)>>,
                >);
        }
        for n in 30..60 {
            let app = &app;
            calls.push(Box::pin(async move {
                let order = purchase(app, "SY-SHF", &format!("L{n:06}")).await;
                (200, order)
            }));
        }
        for (status, body) in futures_util::future::join_all(calls).await {
            assert_eq!(status, 200, "{body}");
        }
        let (s, page) = app
            .get(
                "/v1/offers?status=pending&limit=100",
                &app.provider_token(&second),
            )
            .await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(
            page["items"].as_array().expect("items").len(),
            15,
            "the fifteen declined moved to the second listing"
        );
    }
);

/// A real timeout from each backend maps to its code: what `is_busy` and so the 503 of
/// a busy database rest on.
fn timeouts_map_to_their_codes(backend: Backend) {
    use diesel::connection::SimpleConnection;
    use provider_hub_store::busy;
    let db = provider_hub_tests::TestDb::new(backend);
    let (mut holder, mut waiter) = (db.connect(), db.connect());
    let failure = |result: Result<(), diesel::result::Error>| match result {
        Err(e) => e,
        Ok(()) => panic!("the statement should have timed out"),
    };
    match backend {
        Backend::Sqlite => {
            holder.batch_execute("BEGIN IMMEDIATE").expect("hold");
            waiter
                .batch_execute("PRAGMA busy_timeout = 50")
                .expect("timeout");
            let e = failure(waiter.batch_execute("BEGIN IMMEDIATE"));
            assert_eq!(busy::code_of(&e), Some(busy::SQLITE_BUSY), "{e}");
        }
        Backend::Postgres => {
            // What the pool does when it opens: learn this server's messages.
            busy::learn_postgres(&mut holder, &mut waiter).expect("learn");
            holder
                .batch_execute("CREATE TABLE held (x INTEGER)")
                .expect("create");
            holder
                .batch_execute("BEGIN; LOCK TABLE held IN EXCLUSIVE MODE")
                .expect("hold");
            waiter
                .batch_execute("SET lock_timeout = '50ms'")
                .expect("timeout");
            let e = failure(waiter.batch_execute("INSERT INTO held VALUES (1)"));
            assert_eq!(busy::code_of(&e), Some(busy::LOCK_NOT_AVAILABLE), "{e}");
            holder.batch_execute("ROLLBACK").expect("release");
            waiter
                .batch_execute("SET statement_timeout = '20ms'")
                .expect("timeout");
            let e = failure(waiter.batch_execute("SELECT pg_sleep(2)"));
            assert_eq!(busy::code_of(&e), Some(busy::QUERY_CANCELED), "{e}");
        }
    }
    let e = failure(waiter.batch_execute("SELECT * FROM no_such_table"));
    assert_eq!(busy::code_of(&e), None, "{e}");
}

#[test]
fn timeouts_map_to_their_codes_on_sqlite() {
    timeouts_map_to_their_codes(Backend::Sqlite);
}

#[test]
#[cfg_attr(
    not(hub_postgres),
    ignore = "set TEST_DATABASE_URL to run on PostgreSQL"
)]
fn timeouts_map_to_their_codes_on_postgres() {
    timeouts_map_to_their_codes(Backend::Postgres);
}
