//! Whole lists as one CSV answer (`limit=all`), streamed a page at a time: every row once,
//! the header line once, the same rows the JSON pages give; refusals still problems.

use diesel::RunQueryDsl;
use provider_hub_tests::{both_backends, manager_token, purchase, seed_market, upw_provider};
use provider_hub_tests::{TestApp, TestDb};

/// How many copies of the purchased order the store is given: more than two streamed
/// pages (500 rows each), so the export is read in three.
const COPIES: usize = 1_100;

/// `COPIES` copies of `order` (and of its plan item, which an order has its own of), as
/// the store holds them: purchasing a thousand orders through the API would take minutes.
fn copy_order(db: &TestDb, order: &str) {
    let mut conn = db.connect();
    let numbers = format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {COPIES})"
    );
    diesel::sql_query(format!(
        "INSERT INTO plan_items (id, plan_id, position, category, specification_code, requirement, needs, priority, required_by, lead_time_days, late, set_aside, set_aside_reason, not_before) \
         {numbers} SELECT p.id || 'c' || n.i, p.plan_id, p.position + 100 + n.i, p.category, p.specification_code, p.requirement, p.needs, p.priority, p.required_by, p.lead_time_days, p.late, p.set_aside, p.set_aside_reason, p.not_before \
         FROM plan_items p, n WHERE p.id = (SELECT plan_item_id FROM orders WHERE id = '{order}')"
    ))
    .execute(&mut conn)
    .expect("plan items");
    diesel::sql_query(format!(
        "INSERT INTO orders (id, plan_id, plan_item_id, crn, area_code, category, specification_code, required_by, status, created_by, created_at, updated_at, listing_id, provider_id, price_pence, starts_on) \
         {numbers} SELECT o.id || 'c' || n.i, o.plan_id, o.plan_item_id || 'c' || n.i, o.crn, o.area_code, o.category, o.specification_code, o.required_by, o.status, o.created_by, o.created_at, o.updated_at, o.listing_id, o.provider_id, o.price_pence, o.starts_on \
         FROM orders o, n WHERE o.id = '{order}'"
    ))
    .execute(&mut conn)
    .expect("orders");
}

/// GET as CSV: the status, whether the body came chunked (no length known up front), and
/// its lines.
async fn export(app: &TestApp, path: &str, token: &str) -> (u16, bool, Vec<String>) {
    let res = app
        .client
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .expect("send");
    let status = res.status().as_u16();
    let chunked = res
        .headers()
        .get("transfer-encoding")
        .is_some_and(|v| v.as_bytes() == b"chunked");
    let text = res.text().await.expect("body");
    let lines = text
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    (status, chunked, lines)
}

both_backends!(whole_lists_stream_as_one_csv, |app: TestApp| async move {
    seed_market(&app).await;
    upw_provider(&app, "REG-EXPORT", 40_050, 10, 3, 80).await;
    let first = purchase(&app, "SY-SHF", "X310001").await;
    let order = first["id"].as_str().expect("id").to_owned();
    copy_order(&app.db, &order);
    let c = app.token("commissioner");

    let (s, chunked, lines) = export(&app, "/v1/orders?format=csv&limit=all", &c).await;
    assert_eq!(s, 200, "{:?}", lines.first());
    assert!(chunked, "a whole list is sent as it is read");
    assert!(lines[0].starts_with("id,crn,area,"), "{}", lines[0]);
    let rows = &lines[1..];
    assert_eq!(rows.len(), COPIES + 1, "every order once, the header once");
    assert_eq!(lines.iter().filter(|l| l.starts_with("id,")).count(), 1);
    let mut ids: Vec<&str> = rows
        .iter()
        .map(|l| l.split(',').next().unwrap_or_default())
        .collect();
    assert!(rows
        .iter()
        .all(|l| l.contains("Provider REG-EXPORT") && l.contains(",40050,400.50,")));

    // The same orders as the JSON pages, page after page.
    let mut paged = Vec::new();
    let mut path = "/v1/orders?limit=500".to_owned();
    loop {
        let (s, page) = app.get(&path, &c).await;
        assert_eq!(s, 200, "{page}");
        paged.extend(provider_hub_tests::ids(&page));
        match page["next"].as_str() {
            Some(next) => path = format!("/v1/orders?limit=500&after={next}"),
            None => break,
        }
    }
    ids.sort_unstable();
    paged.sort_unstable();
    assert_eq!(ids, paged);

    // From a cursor on: what follows the first JSON page.
    let (_, page) = app.get("/v1/orders?limit=100", &c).await;
    let next = page["next"].as_str().expect("a next page");
    let (s, _, lines) = export(
        &app,
        &format!("/v1/orders?format=csv&limit=all&after={next}"),
        &c,
    )
    .await;
    assert_eq!((s, lines.len()), (200, COPIES + 1 - 100 + 1));

    // Filters apply to every page; a filter matching nothing is the header alone.
    let (s, _, lines) = export(&app, "/v1/orders?format=csv&limit=all&area=SY-ROT", &c).await;
    assert_eq!((s, lines.len()), (200, 1), "{lines:?}");

    // Refusals are problems, not a broken stream: another area's orders, a whole JSON
    // list, an unknown area.
    let om = manager_token("SY-ROT", "om-export");
    let (s, problem) = app
        .get("/v1/orders?format=csv&limit=all&area=SY-SHF", &om)
        .await;
    assert_eq!(s, 403, "{problem}");
    let (s, problem) = app.get("/v1/orders?limit=all", &c).await;
    assert_eq!(s, 422, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "limit");
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .is_some_and(|m| m.contains("CSV")),
        "{problem}"
    );
    let (s, problem) = app
        .get("/v1/orders?format=csv&limit=all&area=ZZ-NOPE", &c)
        .await;
    assert_eq!(
        (s, problem["errors"][0]["field"].as_str()),
        (422, Some("area"))
    );

    // Offers, listings and payments stream the same way.
    let (s, chunked, lines) = export(&app, "/v1/listings?format=csv&limit=all", &c).await;
    assert_eq!((s, chunked), (200, true));
    assert!(
        lines.len() >= 2 && lines[0].contains("provider_name"),
        "{lines:?}"
    );
    let (s, _, lines) = export(
        &app,
        "/v1/offers?format=csv&limit=all",
        &app.token("quality"),
    )
    .await;
    assert_eq!(s, 200);
    assert!(lines[0].starts_with("id,order_id,"), "{lines:?}");
    let (s, _, lines) = export(&app, "/v1/payments?format=csv&limit=all", &c).await;
    assert_eq!((s, lines.len()), (200, 1), "no payment yet: {lines:?}");
});
