//! Several server processes sharing one PostgreSQL database: 200 concurrent purchases
//! at a listing with 10 places, half through each process, sell exactly 10 of them; the
//! places freed when orders are cancelled through both go to waiting orders, each once.

use diesel::prelude::*;
use provider_hub_tests::{
    json, manager_token, specification_body, Backend, Peer, TestDb, TEST_SECRET,
};
use serde_json::Value;

async fn start(db: &TestDb, data_dir: &std::path::Path) -> Peer {
    Peer::start(
        env!("CARGO_BIN_EXE_hub-peer"),
        &db.url,
        data_dir,
        // 200 purchases arrive at once and audited writes queue on one chain: let them
        // wait rather than answer 503 after the default 5 s.
        &[
            ("HUB_DB_POOL_SIZE", "16"),
            ("HUB_WORKERS", "2"),
            ("HUB_DB_TIMEOUT_MS", "60000"),
            // Both background workers retry unmatched orders often.
            ("HUB_WORKER_INTERVAL_MS", "200"),
        ],
    )
    .await
}

async fn call(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = client.request(method, url).bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.expect("request");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn token(role: &str, area: Option<&str>, provider: Option<&str>) -> String {
    provider_hub_tests::sign_hs256(
        &provider_hub_tests::claims(role, area, provider),
        TEST_SECRET,
    )
}

/// A published unpaid-work listing with `places` places starting in three days.
async fn listing(
    client: &reqwest::Client,
    base: &str,
    reg: &str,
    price: i64,
    places: u32,
) -> (String, String) {
    use reqwest::Method;
    let admin = token("admin", None, None);
    let (s, p) = call(
        client,
        Method::POST,
        format!("{base}/v1/providers"),
        &admin,
        Some(json!({
            "name": format!("Provider {reg}"), "sector": "voluntary", "registration_number": reg,
            "contact": {"name": "Desk", "email": "desk@example.org"}
        })),
    )
    .await;
    assert_eq!(s, 201, "{p}");
    let id = p["id"].as_str().expect("provider").to_owned();
    let today = chrono::Utc::now().date_naive();
    let (s, body) = call(
        client,
        Method::POST,
        format!("{base}/v1/providers/{id}/accreditations"),
        &token("quality", None, None),
        Some(json!({
            "category": "unpaid_work", "score": 80, "assessed_on": today.to_string(),
            "expires_on": (today + chrono::Duration::days(365)).to_string()
        })),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    let pt = token("provider", None, Some(&id));
    let mut l = provider_hub_tests::listing_body(price);
    l["areas"] = json!(["SY-SHF"]);
    let (s, made) = call(
        client,
        Method::POST,
        format!("{base}/v1/listings"),
        &pt,
        Some(l),
    )
    .await;
    assert_eq!(s, 201, "{made}");
    let lid = made["id"].as_str().expect("listing").to_owned();
    let start = (today + chrono::Duration::days(3)).to_string();
    let (s, body) = call(
        client,
        Method::PUT,
        format!("{base}/v1/listings/{lid}/capacity"),
        &pt,
        Some(json!({"slots": [{"starts_on": start, "places": places}]})),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = call(
        client,
        Method::POST,
        format!("{base}/v1/listings/{lid}/publish"),
        &pt,
        None,
    )
    .await;
    assert_eq!(s, 200, "{body}");
    (id, lid)
}

/// Takes one person up to an approved assessment and returns the sentence plan's id.
async fn proposed_plan(client: &reqwest::Client, base: &str, n: usize) -> String {
    use reqwest::Method;
    let (ann, bob) = (
        manager_token("SY-SHF", "om-ann"),
        manager_token("SY-SHF", "om-bob"),
    );
    let crn = format!("P{n:06}");
    let (s, body) = call(
        client,
        Method::POST,
        format!("{base}/v1/cases"),
        &ann,
        Some(json!({
            "crn": crn, "sex": "male", "date_of_birth": "1990-04-01", "area": "SY-SHF"
        })),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    let mut a = provider_hub_tests::assessment_body(&format!("OASYS-P{n}"), &crn);
    a["sentence_date"] = json!(chrono::Utc::now().date_naive().to_string());
    a["requirements"] = json!([{"type": "unpaid_work", "hours": 60}]);
    for need in a["needs"].as_array_mut().expect("needs") {
        need["linked_to_offending"] = json!(false);
    }
    let (s, made) = call(
        client,
        Method::POST,
        format!("{base}/v1/assessments"),
        &ann,
        Some(a),
    )
    .await;
    assert_eq!(s, 201, "{made}");
    let id = made["id"].as_str().expect("assessment").to_owned();
    let (s, _) = call(
        client,
        Method::POST,
        format!("{base}/v1/assessments/{id}/submit"),
        &ann,
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = call(
        client,
        Method::POST,
        format!("{base}/v1/assessments/{id}/approve"),
        &bob,
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (s, plan) = call(
        client,
        Method::GET,
        format!("{base}/v1/assessments/{id}/sentence-plan"),
        &ann,
        None,
    )
    .await;
    assert_eq!(s, 200, "{plan}");
    plan["id"].as_str().expect("plan").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(hub_postgres),
    ignore = "set TEST_DATABASE_URL to run on PostgreSQL"
)]
async fn two_processes_sell_each_place_once() {
    let db = TestDb::new(Backend::Postgres);
    let dir = std::env::temp_dir().join(format!("hub-peers-{}", uuid_like()));
    std::fs::create_dir_all(&dir).expect("data dir");
    let (a, b) = (start(&db, &dir).await, start(&db, &dir).await);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .expect("client");
    let admin = token("admin", None, None);
    let q = token("quality", None, None);
    let (s, body) = call(
        &client,
        reqwest::Method::POST,
        format!("{}/v1/areas", a.base),
        &admin,
        Some(json!({"code": "SY-SHF", "name": "Sheffield", "region": "Yorkshire"})),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    let (s, body) = call(
        &client,
        reqwest::Method::POST,
        format!("{}/v1/specifications", b.base),
        &q,
        Some(specification_body("UPW-STD")),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    let (s, body) = call(
        &client,
        reqwest::Method::POST,
        format!("{}/v1/specifications/UPW-STD/versions/1/publish", a.base),
        &q,
        None,
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let (_, small) = listing(&client, &a.base, "SMALL", 20_000, 10).await;
    let (_, big) = listing(&client, &b.base, "BIG", 40_000, 150).await;

    // 200 people up to an approved assessment, 20 at a time.
    let mut plans = Vec::new();
    for chunk in (0..200).collect::<Vec<_>>().chunks(20) {
        let made = futures_util::future::join_all(chunk.iter().map(|n| {
            let base = if n % 2 == 0 { &a.base } else { &b.base };
            proposed_plan(&client, base, *n)
        }))
        .await;
        plans.extend(made);
    }

    // All 200 purchases at once, alternating between the two processes.
    let ann = manager_token("SY-SHF", "om-ann");
    let approvals = plans.iter().enumerate().map(|(i, plan)| {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        call(
            &client,
            reqwest::Method::POST,
            format!("{base}/v1/sentence-plans/{plan}/approve"),
            &ann,
            None,
        )
    });
    let answers = futures_util::future::join_all(approvals).await;
    let mut on_small = 0;
    let mut on_big = 0;
    let mut unmatched = 0;
    for (status, body) in &answers {
        assert_eq!(*status, 200, "{body}");
        let order = &body["orders"][0];
        match (order["status"].as_str(), order["listing_id"].as_str()) {
            (Some("offered"), Some(l)) if l == small => on_small += 1,
            (Some("offered"), Some(l)) if l == big => on_big += 1,
            (Some("unmatched"), None) => unmatched += 1,
            other => panic!("unexpected placement {other:?}: {order}"),
        }
    }
    assert_eq!((on_small, on_big, unmatched), (10, 150, 40));

    // The stored capacity agrees: every place taken once, no more.
    use provider_hub_store::schema::offers;
    let mut conn = db.connect();
    assert_eq!(
        [held(&mut conn, &small), held(&mut conn, &big)],
        [(10, 10), (150, 150)]
    );
    let pending: i64 = offers::table
        .filter(offers::status.eq("pending"))
        .count()
        .get_result(&mut conn)
        .expect("offers");
    assert_eq!(pending, 160, "one offer per placed order");

    // 16 placed orders are cancelled, through both processes at once: both workers offer
    // the freed places to the 40 waiting orders, and each place is sold once again.
    let placed: Vec<String> = answers
        .iter()
        .map(|(_, body)| &body["orders"][0])
        .filter(|o| o["status"] == "offered")
        .take(16)
        .map(|o| o["id"].as_str().expect("order id").to_owned())
        .collect();
    let cancels = placed.iter().enumerate().map(|(i, id)| {
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        call(
            &client,
            reqwest::Method::POST,
            format!("{base}/v1/orders/{id}/cancel"),
            &ann,
            Some(json!({"reason": "sentence varied on appeal"})),
        )
    });
    for (status, body) in futures_util::future::join_all(cancels).await {
        assert_eq!(status, 200, "{body}");
    }
    use provider_hub_store::schema::orders;
    let count = |conn: &mut provider_hub_store::DbConn, status: &str| -> i64 {
        orders::table
            .filter(orders::status.eq(status))
            .count()
            .get_result(conn)
            .expect("orders")
    };
    let started = std::time::Instant::now();
    while count(&mut conn, "unmatched") > 24 {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(30),
            "the freed places never reached the waiting orders"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        (
            count(&mut conn, "offered"),
            count(&mut conn, "unmatched"),
            count(&mut conn, "cancelled")
        ),
        (160, 24, 16)
    );
    let pending: i64 = offers::table
        .filter(offers::status.eq("pending"))
        .count()
        .get_result(&mut conn)
        .expect("offers");
    assert_eq!(pending, 160, "one pending offer per offered order");
    assert_eq!(
        [held(&mut conn, &small), held(&mut conn, &big)],
        [(10, 10), (150, 150)],
        "no place sold twice"
    );
    drop((a, b));
    let _ = std::fs::remove_dir_all(&dir);
}

/// A listing's places and places taken, over all its start dates, as stored.
fn held(conn: &mut provider_hub_store::DbConn, listing: &str) -> (u32, u32) {
    let slots = provider_hub_store::capacity::capacity(conn, listing).expect("capacity");
    (
        slots.iter().map(|s| s.places).sum(),
        slots.iter().map(|s| s.taken).sum(),
    )
}

fn uuid_like() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or(0)
    )
}

/// Each process keeps listing search answers for the supply version they were made at:
/// a change made through one process (a listing renamed, a provider suspended) is in the
/// very next search through the other, whose answer was kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(hub_postgres),
    ignore = "set TEST_DATABASE_URL to run on PostgreSQL"
)]
async fn a_search_through_one_process_sees_a_change_made_through_another() {
    use reqwest::Method;
    let db = TestDb::new(Backend::Postgres);
    let dir = std::env::temp_dir().join(format!("hub-peers-{}", uuid_like()));
    std::fs::create_dir_all(&dir).expect("data dir");
    let (a, b) = (start(&db, &dir).await, start(&db, &dir).await);
    let client = reqwest::Client::new();
    let (admin, q) = (token("admin", None, None), token("quality", None, None));
    let om = manager_token("SY-SHF", "om-ann");
    for (path, who, body) in [
        (
            "/v1/areas".to_owned(),
            &admin,
            Some(json!({"code": "SY-SHF", "name": "Sheffield", "region": "Yorkshire"})),
        ),
        (
            "/v1/specifications".to_owned(),
            &q,
            Some(specification_body("UPW-STD")),
        ),
        (
            "/v1/specifications/UPW-STD/versions/1/publish".to_owned(),
            &q,
            None,
        ),
    ] {
        let (s, made) = call(
            &client,
            Method::POST,
            format!("{}{path}", a.base),
            who,
            body,
        )
        .await;
        assert!(s == 200 || s == 201, "{path}: {made}");
    }
    let (provider, listing_id) = listing(&client, &a.base, "KEPT", 20_000, 5).await;
    let search = format!("{}/v1/listings?area=SY-SHF", a.base);
    let titles = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|l| l["title"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    // Asked twice through A: the second answer is A's kept one.
    for _ in 0..2 {
        let (s, page) = call(&client, Method::GET, search.clone(), &om, None).await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(provider_hub_tests::ids(&page), vec![listing_id.clone()]);
    }
    let pt = token("provider", None, Some(&provider));
    let (s, body) = call(
        &client,
        Method::PATCH,
        format!("{}/v1/listings/{listing_id}", b.base),
        &pt,
        Some(json!({"title": "Renamed through B"})),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let (_, page) = call(&client, Method::GET, search.clone(), &om, None).await;
    assert_eq!(titles(&page), vec!["Renamed through B".to_owned()]);

    let (s, body) = call(
        &client,
        Method::POST,
        format!("{}/v1/providers/{provider}/suspend", b.base),
        &q,
        Some(json!({"reason": "Safeguarding concern under review"})),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let (_, page) = call(&client, Method::GET, search.clone(), &om, None).await;
    assert!(
        provider_hub_tests::ids(&page).is_empty(),
        "a suspended provider's listing left search through A at once: {page}"
    );
    drop((a, b));
    let _ = std::fs::remove_dir_all(&dir);
}
