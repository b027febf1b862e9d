//! Transfers between areas on both backends: a case moved from Sheffield to Rotherham
//! keeps the orders whose provider serves Rotherham, re-places the others there, moves
//! the budget commitment with them while what Sheffield paid stays Sheffield's spend, and
//! both areas' offender managers see the transfer. Bad requests change nothing; a second
//! transfer racing the first, or a delivery report racing one, leaves budgets and orders
//! adding up.

use chrono::Datelike;
use provider_hub_tests::orders::free_places;
use provider_hub_tests::{
    accredit, both_backends, create_listing, json, listing_body, manager_token, purchase,
    register_provider, seed_market, TestApp,
};
use serde_json::Value;

/// The financial year (April–March) of places starting three days from today.
fn year(app: &TestApp) -> i32 {
    let d = app.today() + chrono::Duration::days(3);
    if d.month() >= 4 {
        d.year()
    } else {
        d.year() - 1
    }
}

fn shf() -> String {
    manager_token("SY-SHF", "om-ann")
}

fn rot() -> String {
    manager_token("SY-ROT", "om-rose")
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

/// An unpaid-work provider with a published listing serving `areas` at `price`, with
/// `places` places starting in three days. Returns (provider, listing).
async fn provider_serving(
    app: &TestApp,
    registration: &str,
    price: i64,
    places: u32,
    areas: &[&str],
) -> (String, String) {
    let p = register_provider(app, registration).await;
    accredit(app, &p, "unpaid_work", 80).await;
    let mut body = listing_body(price);
    body["areas"] = json!(areas);
    body["title"] = json!(format!("Community payback, {}", areas.join(" and ")));
    let l = create_listing(app, &p, &body).await;
    let pt = app.provider_token(&p);
    let start = app.today() + chrono::Duration::days(3);
    let (s, body) = app
        .put(
            &format!("/v1/listings/{l}/capacity"),
            &pt,
            &json!({"slots": [{"starts_on": start.to_string(), "places": places}]}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = app
        .post_empty(&format!("/v1/listings/{l}/publish"), &pt)
        .await;
    assert_eq!(s, 200, "{body}");
    (p, l)
}

/// Both areas get a budget of £10,000 for the year.
async fn budgets(app: &TestApp) {
    for area in ["SY-SHF", "SY-ROT"] {
        let (s, body) = app
            .put(
                &format!("/v1/budgets/{area}/{}", year(app)),
                &app.token("commissioner"),
                &json!({"allocated_pence": 1_000_000}),
            )
            .await;
        assert!(s == 200 || s == 201, "{body}");
    }
}

async fn budget(app: &TestApp, area: &str) -> Value {
    let (s, body) = app
        .get(
            &format!("/v1/budgets/{area}/{}", year(app)),
            &app.token("commissioner"),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    body
}

/// What an area's budget counts against its allocation: allocated − remaining.
async fn counted(app: &TestApp, area: &str) -> i64 {
    let b = budget(app, area).await;
    b["allocated_pence"].as_i64().expect("allocated") - b["remaining_pence"].as_i64().expect("r")
}

async fn accept(app: &TestApp, order: &Value) {
    let p = order["provider_id"].as_str().expect("placed");
    let offer = order["offer"]["id"].as_str().expect("offer");
    let (s, body) = app
        .post_empty(
            &format!("/v1/offers/{offer}/accept"),
            &app.provider_token(p),
        )
        .await;
    assert_eq!(s, 200, "{body}");
}

async fn deliver(app: &TestApp, provider: &str, order: &str, kind: &str) -> (u16, Value) {
    app.post(
        &format!("/v1/orders/{order}/delivery-events"),
        &app.provider_token(provider),
        &json!({"type": kind}),
    )
    .await
}

async fn transfer(app: &TestApp, crn: &str, to: &str) -> (u16, Value) {
    app.post(
        &format!("/v1/cases/{crn}/transfers"),
        &shf(),
        &json!({"to_area": to, "reason": "moved in with family"}),
    )
    .await
}

async fn read_order(app: &TestApp, token: &str, order: &str) -> (u16, Value) {
    app.get(&format!("/v1/orders/{order}"), token).await
}

both_backends!(
    an_order_whose_provider_serves_the_new_area_continues_and_its_commitment_moves,
    |app: TestApp| async move {
        seed_market(&app).await;
        budgets(&app).await;
        let (p, l) = provider_serving(&app, "TR-BOTH", 52_000, 3, &["SY-SHF", "SY-ROT"]).await;
        let order = purchase(&app, "SY-SHF", "X910001").await;
        assert_eq!(order["listing_id"], l.as_str(), "{order}");
        accept(&app, &order).await;
        let (s, body) = deliver(&app, &p, &id(&order), "started").await;
        assert_eq!(s, 201, "{body}");
        // Sheffield has paid the start milestone (20 %) and is committed to the price.
        assert_eq!(counted(&app, "SY-SHF").await, 52_000);
        assert_eq!(counted(&app, "SY-ROT").await, 0);

        let (s, t) = transfer(&app, "X910001", "SY-ROT").await;
        assert_eq!(s, 201, "{t}");
        assert_eq!(
            (t["from_area"].as_str(), t["to_area"].as_str()),
            (Some("SY-SHF"), Some("SY-ROT"))
        );
        assert_eq!(t["orders"][0]["action"], "continue", "{t}");
        assert_eq!(t["orders"][0]["status_after"], "in_delivery", "{t}");
        assert_eq!(t["orders"][0]["area"], "SY-ROT", "{t}");

        // The case and its order are Rotherham's now; Sheffield no longer reads them.
        let (s, case) = app.get("/v1/cases/X910001", &rot()).await;
        assert_eq!((s, case["area"].as_str()), (200, Some("SY-ROT")), "{case}");
        assert_eq!(app.get("/v1/cases/X910001", &shf()).await.0, 404);
        let (s, o) = read_order(&app, &rot(), &id(&order)).await;
        assert_eq!((s, o["status"].as_str()), (200, Some("in_delivery")), "{o}");
        assert_eq!(read_order(&app, &shf(), &id(&order)).await.0, 404);

        // Sheffield keeps what it paid (its spend); Rotherham is committed to the rest;
        // together they count the price once.
        let (sheffield, rotherham) = (budget(&app, "SY-SHF").await, budget(&app, "SY-ROT").await);
        assert_eq!(sheffield["spent_pence"], 10_400, "{sheffield}");
        assert_eq!(sheffield["committed_pence"], 0, "{sheffield}");
        assert_eq!(rotherham["committed_pence"], 41_600, "{rotherham}");
        assert_eq!(rotherham["spent_pence"], 0, "{rotherham}");
        assert_eq!(
            counted(&app, "SY-SHF").await + counted(&app, "SY-ROT").await,
            52_000
        );

        // Completed in Rotherham: Rotherham pays the completion milestone; still once.
        provider_hub_tests::attend_in_full(&app, &p, &id(&order)).await;
        let (s, body) = deliver(&app, &p, &id(&order), "completed").await;
        assert_eq!(s, 201, "{body}");
        let rotherham = budget(&app, "SY-ROT").await;
        assert_eq!(rotherham["spent_pence"], 26_000, "{rotherham}");
        assert_eq!(budget(&app, "SY-SHF").await["spent_pence"], 10_400);

        // The spend report attributes each payment to the area that paid it.
        let (s, report) = app
            .get("/v1/reports/spend", &app.token("commissioner"))
            .await;
        assert_eq!(s, 200, "{report}");
        let rows = report["rows"]
            .as_array()
            .or(report["items"].as_array())
            .cloned()
            .unwrap_or_default();
        let of = |area: &str, field: &str| -> i64 {
            rows.iter()
                .filter(|r| r["area"] == area)
                .filter_map(|r| r[field].as_i64())
                .sum()
        };
        assert_eq!(
            (of("SY-SHF", "paid_pence"), of("SY-ROT", "paid_pence")),
            (10_400, 26_000),
            "{report}"
        );
        assert_eq!(
            of("SY-SHF", "committed_pence") + of("SY-ROT", "committed_pence"),
            52_000,
            "{report}"
        );

        // The provider heard that its order moved area.
        let (s, events) = app
            .get(
                &format!("/v1/events?order_id={}&type=order.transferred", id(&order)),
                &app.provider_token(&p),
            )
            .await;
        assert_eq!(s, 200, "{events}");
        assert_eq!(events["items"][0]["data"]["to_area"], "SY-ROT", "{events}");
    }
);

both_backends!(
    an_order_not_started_whose_provider_does_not_serve_the_new_area_is_placed_there,
    |app: TestApp| async move {
        seed_market(&app).await;
        budgets(&app).await;
        let (p1, l1) = provider_serving(&app, "TR-SHF", 30_000, 1, &["SY-SHF"]).await;
        let (_p2, l2) = provider_serving(&app, "TR-ROT", 35_000, 1, &["SY-ROT"]).await;
        let accepted = purchase(&app, "SY-SHF", "X910011").await;
        assert_eq!(accepted["listing_id"], l1.as_str(), "{accepted}");
        accept(&app, &accepted).await;
        assert_eq!(free_places(&app, &p1, &l1).await, vec![0]);
        assert_eq!(budget(&app, "SY-SHF").await["committed_pence"], 30_000);

        let (s, t) = transfer(&app, "X910011", "SY-ROT").await;
        assert_eq!(s, 201, "{t}");
        assert_eq!(t["orders"][0]["action"], "rematch", "{t}");
        assert_eq!(t["orders"][0]["status_before"], "accepted", "{t}");
        assert_eq!(t["orders"][0]["status_after"], "offered", "{t}");
        let (s, o) = read_order(&app, &rot(), &id(&accepted)).await;
        assert_eq!(s, 200, "{o}");
        assert_eq!(
            (o["status"].as_str(), o["listing_id"].as_str()),
            (Some("offered"), Some(l2.as_str())),
            "{o}"
        );
        // Sheffield's provider got its place back and heard the order was withdrawn.
        assert_eq!(free_places(&app, &p1, &l1).await, vec![1]);
        let (s, events) = app
            .get(
                &format!("/v1/events?order_id={}&type=offer.withdrawn", id(&accepted)),
                &app.provider_token(&p1),
            )
            .await;
        assert_eq!(s, 200, "{events}");
        assert_eq!(
            events["items"].as_array().map(Vec::len),
            Some(1),
            "{events}"
        );
        // Nothing is held in Sheffield any more; Rotherham holds the new offer.
        let (sheffield, rotherham) = (budget(&app, "SY-SHF").await, budget(&app, "SY-ROT").await);
        assert_eq!(
            (
                sheffield["committed_pence"].as_i64(),
                sheffield["offered_pence"].as_i64()
            ),
            (Some(0), Some(0))
        );
        assert_eq!(rotherham["offered_pence"], 35_000, "{rotherham}");
    }
);

both_backends!(
    an_order_in_delivery_whose_provider_does_not_serve_the_new_area_is_ended_and_bought_anew,
    |app: TestApp| async move {
        seed_market(&app).await;
        budgets(&app).await;
        let (p1, l1) = provider_serving(&app, "TR-END-SHF", 40_000, 1, &["SY-SHF"]).await;
        let (p2, l2) = provider_serving(&app, "TR-END-ROT", 45_000, 1, &["SY-ROT"]).await;
        let order = purchase(&app, "SY-SHF", "X910051").await;
        assert_eq!(order["listing_id"], l1.as_str(), "{order}");
        accept(&app, &order).await;
        assert_eq!(deliver(&app, &p1, &id(&order), "started").await.0, 201);

        let (s, t) = transfer(&app, "X910051", "SY-ROT").await;
        assert_eq!(s, 201, "{t}");
        let moved = &t["orders"][0];
        assert_eq!(moved["action"], "end_and_replace", "{t}");
        assert_eq!(
            (moved["status_after"].as_str(), moved["area"].as_str()),
            (Some("terminated"), Some("SY-SHF")),
            "{t}"
        );
        let replacement = moved["replaced_by"]
            .as_str()
            .expect("bought anew")
            .to_owned();

        // The ended order stays Sheffield's history, with the start it paid; its provider
        // was told and has its place back.
        let (s, ended) = read_order(&app, &shf(), &id(&order)).await;
        assert_eq!(
            (s, ended["status"].as_str()),
            (200, Some("terminated")),
            "{ended}"
        );
        assert_eq!(free_places(&app, &p1, &l1).await, vec![1]);
        let (s, events) = app
            .get(
                &format!("/v1/events?order_id={}&type=order.terminated", id(&order)),
                &app.provider_token(&p1),
            )
            .await;
        assert_eq!(
            (s, events["items"].as_array().map(Vec::len)),
            (200, Some(1)),
            "{events}"
        );
        // The intervention is bought anew in Rotherham, from Rotherham's provider.
        let (s, new) = read_order(&app, &rot(), &replacement).await;
        assert_eq!(s, 200, "{new}");
        assert_eq!(
            (new["status"].as_str(), new["listing_id"].as_str()),
            (Some("offered"), Some(l2.as_str())),
            "{new}"
        );
        assert_eq!(new["category"], order["category"]);
        assert_eq!(read_order(&app, &shf(), &replacement).await.0, 404);
        assert_eq!(free_places(&app, &p2, &l2).await, vec![0]);
        // Sheffield spent the start (20 % of £400); nothing else is held there. Rotherham
        // holds the new offer; the ended order's price is not counted anywhere.
        let (sheffield, rotherham) = (budget(&app, "SY-SHF").await, budget(&app, "SY-ROT").await);
        assert_eq!(counted(&app, "SY-SHF").await, 8_000, "{sheffield}");
        assert_eq!(rotherham["offered_pence"], 45_000, "{rotherham}");
        assert_eq!(counted(&app, "SY-ROT").await, 45_000, "{rotherham}");
    }
);

both_backends!(
    both_areas_see_the_transfer_and_other_areas_do_not,
    |app: TestApp| async move {
        seed_market(&app).await;
        provider_serving(&app, "TR-SEE", 30_000, 2, &["SY-SHF", "SY-ROT"]).await;
        purchase(&app, "SY-SHF", "X910021").await;
        let (s, t) = transfer(&app, "X910021", "SY-ROT").await;
        assert_eq!(s, 201, "{t}");
        for token in [
            shf(),
            rot(),
            app.token("quality"),
            app.token("commissioner"),
        ] {
            let (s, page) = app.get("/v1/transfers", &token).await;
            assert_eq!(s, 200, "{page}");
            assert_eq!(page["items"][0]["id"], t["id"], "{page}");
            let (s, one) = app.get(&format!("/v1/transfers/{}", id(&t)), &token).await;
            assert_eq!((s, one["crn"].as_str()), (200, Some("X910021")), "{one}");
        }
        let (s, page) = app.get("/v1/transfers?crn=X910021", &rot()).await;
        assert_eq!(
            (s, page["items"].as_array().map(Vec::len)),
            (200, Some(1)),
            "{page}"
        );
        // A third area's offender manager sees none of it; a provider may not list them.
        let don = manager_token("SY-DON", "om-don");
        let (s, page) = app.get("/v1/transfers", &don).await;
        assert_eq!(
            (s, page["items"].as_array().map(Vec::len)),
            (200, Some(0)),
            "{page}"
        );
        assert_eq!(
            app.get(&format!("/v1/transfers/{}", id(&t)), &don).await.0,
            404
        );
        assert_eq!(
            app.get("/v1/transfers", &app.provider_token("prv_x"))
                .await
                .0,
            403
        );
    }
);

both_backends!(
    bad_transfers_are_refused_and_change_nothing,
    |app: TestApp| async move {
        seed_market(&app).await;
        provider_serving(&app, "TR-BAD", 30_000, 2, &["SY-SHF"]).await;
        let order = purchase(&app, "SY-SHF", "X910031").await;
        let audit = app.audit_count();
        for (body, field) in [
            (json!({"to_area": "SY-SHF", "reason": "moved"}), "to_area"),
            (json!({"to_area": "SY-XXX", "reason": "moved"}), "to_area"),
            (
                json!({"to_area": "sheffield", "reason": "moved"}),
                "to_area",
            ),
            (json!({"to_area": "SY-ROT", "reason": "  "}), "reason"),
        ] {
            let (s, problem) = app.post("/v1/cases/X910031/transfers", &shf(), &body).await;
            assert_eq!(
                (s, problem["errors"][0]["field"].as_str()),
                (422, Some(field)),
                "{body} {problem}"
            );
        }
        let body = json!({"to_area": "SY-ROT", "reason": "moved"});
        assert_eq!(
            app.post("/v1/cases/X910031/transfers", &rot(), &body)
                .await
                .0,
            404
        );
        assert_eq!(
            app.post("/v1/cases/X999999/transfers", &shf(), &body)
                .await
                .0,
            404
        );
        assert_eq!(
            app.post(
                "/v1/cases/X910031/transfers",
                &app.token("commissioner"),
                &body
            )
            .await
            .0,
            403
        );
        assert_eq!(app.audit_count(), audit, "nothing was written");
        let (s, o) = read_order(&app, &shf(), &id(&order)).await;
        assert_eq!((s, o["status"].as_str()), (200, Some("offered")), "{o}");
        // Once moved, the sending area is told so, not that the case does not exist.
        assert_eq!(transfer(&app, "X910031", "SY-ROT").await.0, 201);
        let (s, problem) = transfer(&app, "X910031", "SY-ROT").await;
        assert_eq!(s, 409, "{problem}");
    }
);

both_backends!(
    two_transfers_of_one_case_at_once_one_wins,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (s, body) = app
            .post(
                "/v1/areas",
                &app.token("admin"),
                &json!({"code": "SY-DON", "name": "Doncaster", "region": "Yorkshire and the Humber"}),
            )
            .await;
        assert_eq!(s, 201, "{body}");
        let (p, l) = provider_serving(&app, "TR-RACE", 30_000, 1, &["SY-SHF"]).await;
        let order = purchase(&app, "SY-SHF", "X910041").await;
        let (a, b) = futures_util::future::join(
            transfer(&app, "X910041", "SY-ROT"),
            transfer(&app, "X910041", "SY-DON"),
        )
        .await;
        let mut codes = [a.0, b.0];
        codes.sort();
        assert_eq!(codes, [201, 409], "{a:?} {b:?}");
        let won = if a.0 == 201 { &a.1 } else { &b.1 };
        let to = won["to_area"].as_str().expect("to");
        let (s, case) = app
            .get("/v1/cases/X910041", &manager_token(to, "om-x"))
            .await;
        assert_eq!((s, case["area"].as_str()), (200, Some(to)), "{case}");
        let (s, page) = app
            .get("/v1/transfers?crn=X910041", &app.token("quality"))
            .await;
        assert_eq!(
            (s, page["items"].as_array().map(Vec::len)),
            (200, Some(1)),
            "{page}"
        );
        // The old place went back once, whichever won.
        assert_eq!(free_places(&app, &p, &l).await, vec![1]);
        let (s, o) = read_order(&app, &manager_token(to, "om-x"), &id(&order)).await;
        assert_eq!(s, 200, "{o}");
    }
);

/// A transfer racing a delivery report on an accepted order, several times: whichever
/// wins, the order sits in one area, its place is held once, and the two budgets together
/// count its price once.
async fn race_with_delivery(app: &TestApp, areas: &[&str], kind_after_start: Option<&str>) {
    seed_market(app).await;
    budgets(app).await;
    let (p, l) = provider_serving(app, "TR-DLV", 40_000, 20, areas).await;
    // Rotherham's own provider, for orders matched again there.
    provider_serving(app, "TR-DLV-ROT", 45_000, 20, &["SY-ROT"]).await;
    let mut orders = Vec::new();
    for n in 0..4 {
        let crn = format!("X92{n:04}");
        let order = purchase(app, "SY-SHF", &crn).await;
        assert_eq!(order["listing_id"], l.as_str(), "{order}");
        accept(app, &order).await;
        let oid = id(&order);
        let ((t, tb), (d, db)) = if let Some(kind) = kind_after_start {
            assert_eq!(deliver(app, &p, &oid, "started").await.0, 201);
            provider_hub_tests::attend_in_full(app, &p, &oid).await;
            futures_util::future::join(transfer(app, &crn, "SY-ROT"), deliver(app, &p, &oid, kind))
                .await
        } else {
            futures_util::future::join(
                transfer(app, &crn, "SY-ROT"),
                deliver(app, &p, &oid, "started"),
            )
            .await
        };
        // The delivery report loses only to an order taken from its provider (404 or 409).
        assert!(
            matches!(t, 201 | 409) && matches!(d, 201 | 404 | 409),
            "{tb} {db}"
        );
        assert!(t == 201 || d == 201, "one of them goes through: {tb} {db}");
        orders.push(oid);
        // An order ended by the transfer is bought anew in Rotherham.
        if let Some(moved) = tb["orders"].as_array() {
            orders.extend(
                moved
                    .iter()
                    .filter_map(|o| o["replaced_by"].as_str().map(str::to_owned)),
            );
        }
    }
    // Every order is read by exactly one area, and what the two areas count against their
    // budgets adds up to each order once: the price of one held (offered, accepted, in
    // delivery), the milestones paid (20 % on start, 50 % on completion) of one finished
    // or ended.
    let mut expected = 0;
    for oid in &orders {
        let mut seen = Vec::new();
        for token in [shf(), rot()] {
            let (s, o) = read_order(app, &token, oid).await;
            if s == 200 {
                seen.push(o);
            }
        }
        assert_eq!(seen.len(), 1, "{seen:?}");
        let o = &seen[0];
        let price = o["price_pence"].as_i64().unwrap_or(0);
        expected += match o["status"].as_str() {
            Some("offered" | "accepted" | "in_delivery") => price,
            Some("completed") => price * 70 / 100,
            // Ended in delivery by the transfer: only its start milestone was paid.
            Some("terminated") => price * 20 / 100,
            Some("unmatched" | "awaiting_approval") => 0,
            other => panic!("unexpected status {other:?}: {o}"),
        };
    }
    assert_eq!(
        counted(app, "SY-SHF").await + counted(app, "SY-ROT").await,
        expected
    );
}

both_backends!(
    a_transfer_racing_a_start_leaves_budgets_and_orders_consistent_when_the_order_continues,
    |app: TestApp| async move {
        race_with_delivery(&app, &["SY-SHF", "SY-ROT"], None).await;
    }
);

both_backends!(
    a_transfer_racing_a_start_leaves_budgets_and_orders_consistent_when_it_is_placed_again,
    |app: TestApp| async move {
        race_with_delivery(&app, &["SY-SHF"], None).await;
    }
);

both_backends!(
    a_transfer_racing_a_completion_leaves_budgets_and_orders_consistent,
    |app: TestApp| async move {
        race_with_delivery(&app, &["SY-SHF", "SY-ROT"], Some("completed")).await;
    }
);
