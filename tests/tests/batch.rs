//! Batch matching runs over HTTP, on both backends: the exact placement places orders
//! that arrival order leaves out, and the run is applied as offers and recorded.

use diesel::RunQueryDsl;
use provider_hub_tests::orders::{free_places, order};
use provider_hub_tests::runs::copy_orders;
use provider_hub_tests::{
    accredit, both_backends, create_listing, json, listing_body, manager_token, purchase,
    register_provider, seed_market, TestApp,
};
use serde_json::Value;

/// A published unpaid-work listing serving `areas`, one place in three days.
async fn listing(app: &TestApp, registration: &str, price: i64, areas: Value) -> String {
    listing_with(app, registration, price, areas, 1).await
}

/// A published unpaid-work listing serving `areas`, `places` places in three days.
async fn listing_with(
    app: &TestApp,
    registration: &str,
    price: i64,
    areas: Value,
    places: u32,
) -> String {
    let p = register_provider(app, registration).await;
    accredit(app, &p, "unpaid_work", 80).await;
    let mut body = listing_body(price);
    body["areas"] = areas;
    let l = create_listing(app, &p, &body).await;
    let pt = app.provider_token(&p);
    let start = (app.today() + chrono::Duration::days(3)).to_string();
    let (s, _) = app
        .put(
            &format!("/v1/listings/{l}/capacity"),
            &pt,
            &json!({"slots": [{"starts_on": start, "places": places}]}),
        )
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .post_empty(&format!("/v1/listings/{l}/publish"), &pt)
        .await;
    assert_eq!(s, 200);
    l
}

both_backends!(
    a_batch_run_places_what_arrival_order_cannot,
    // The worker stays idle so the unmatched orders wait for the run.
    adjust = |c: &mut provider_hub_tests::Config| c.worker_interval_ms = 3_600_000,
    |app: TestApp| async move {
        seed_market(&app).await;
        // Both orders arrive before there is any supply: unmatched.
        let sheffield = purchase(&app, "SY-SHF", "X700001").await;
        let rotherham = purchase(&app, "SY-ROT", "X700002").await;
        assert_eq!(
            (sheffield["status"].as_str(), rotherham["status"].as_str()),
            (Some("unmatched"), Some("unmatched"))
        );
        // The cheap listing serves both areas, the dear one Sheffield only; one place each.
        let both = listing(&app, "CH-BOTH", 30_000, json!(["SY-SHF", "SY-ROT"])).await;
        let shf_only = listing(&app, "CH-SHF", 40_000, json!(["SY-SHF"])).await;

        let commissioner = app.token("commissioner");
        let (s, problem) = app
            .post(
                "/v1/matching/runs",
                &commissioner,
                &json!({"area": "XX-NONE"}),
            )
            .await;
        assert_eq!(s, 404, "{problem}");
        let (s, problem) = app
            .post(
                "/v1/matching/runs",
                &commissioner,
                &json!({"areas": ["SY-SHF"]}),
            )
            .await;
        assert_eq!(
            (s, problem["errors"][0]["field"].as_str()),
            (422, Some("areas"))
        );
        let (s, _) = app
            .post(
                "/v1/matching/runs",
                &manager_token("SY-SHF", "om-ann"),
                &json!({}),
            )
            .await;
        assert_eq!(s, 403);

        let (s, run) = app
            .post("/v1/matching/runs", &commissioner, &json!({}))
            .await;
        assert_eq!(s, 201, "{run}");
        assert_eq!(run["orders_considered"], 2);
        // One by one, Sheffield's order (first) takes the cheap place and Rotherham's has none.
        assert_eq!(run["one_by_one"], json!({"placed": 1, "cost": 30_000}));
        assert_eq!(
            (run["placed"].as_u64(), run["total_cost"].as_i64()),
            (Some(2), Some(70_000))
        );
        let placed: Vec<(String, String)> = run["placements"]
            .as_array()
            .expect("placements")
            .iter()
            .map(|p| {
                (
                    p["order_id"].as_str().unwrap_or("").to_owned(),
                    p["listing_id"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect();
        let id = |o: &Value| o["id"].as_str().unwrap_or("").to_owned();
        assert!(
            placed.contains(&(id(&sheffield), shf_only.clone())),
            "{run}"
        );
        assert!(placed.contains(&(id(&rotherham), both.clone())), "{run}");

        // The run is applied: both orders are offered, with the run in their explanation.
        let (_, o) = app
            .get(
                &format!("/v1/orders/{}", id(&rotherham)),
                &manager_token("SY-ROT", "om-r"),
            )
            .await;
        assert_eq!(o["status"], "offered", "{o}");
        assert_eq!(o["listing_id"], both.as_str());
        assert!(
            o["explanation"]["policy"]
                .as_str()
                .unwrap_or("")
                .contains("batch run"),
            "{o}"
        );
        let (s, again) = app
            .get(
                &format!("/v1/matching/runs/{}", run["id"].as_str().unwrap_or("")),
                &app.token("quality"),
            )
            .await;
        assert_eq!((s, &again["placements"]), (200, &run["placements"]));

        // A later Rotherham order: the listing serving Rotherham is full, the other one is
        // counted under the area rule without being loaded.
        let late = purchase(&app, "SY-ROT", "X700003").await;
        assert_eq!(late["status"], "unmatched", "{late}");
        assert_eq!(late["explanation"]["considered"], 2);
        let excluded = |rule: &str| {
            late["explanation"]["excluded"]
                .as_array()
                .and_then(|a| a.iter().find(|x| x["rule"] == rule))
                .and_then(|x| x["excluded"].as_u64())
        };
        assert_eq!(
            (excluded("area"), excluded("free_place")),
            (Some(1), Some(1))
        );

        // A run for Sheffield considers nothing (its orders are placed); one for every
        // area considers the Rotherham order and has no place for it.
        let (s, second) = app
            .post(
                "/v1/matching/runs",
                &commissioner,
                &json!({"area": "SY-SHF"}),
            )
            .await;
        assert_eq!(s, 201);
        assert_eq!(
            (
                second["orders_considered"].as_u64(),
                second["placed"].as_u64()
            ),
            (Some(0), Some(0))
        );
        let (_, third) = app
            .post("/v1/matching/runs", &commissioner, &json!({}))
            .await;
        assert_eq!(
            (
                third["orders_considered"].as_u64(),
                third["placed"].as_u64()
            ),
            (Some(1), Some(0))
        );
    }
);

/// The financial year (April to March) of a start three days from today.
fn year(app: &TestApp) -> i32 {
    provider_hub_domain::payment::financial_year(app.today() + chrono::Duration::days(3))
}

both_backends!(
    a_place_the_budget_rules_out_goes_to_the_next_best_order,
    adjust = |c: &mut provider_hub_tests::Config| c.worker_interval_ms = 3_600_000,
    |app: TestApp| async move {
        seed_market(&app).await;
        let sheffield = purchase(&app, "SY-SHF", "X710001").await;
        let rotherham = purchase(&app, "SY-ROT", "X710002").await;
        // The cheap place serves both areas; the dear one Sheffield only. Placing both
        // orders needs Rotherham's in the cheap place and Sheffield's in the dear one.
        let cheap = listing(&app, "CH-CHEAP", 30_000, json!(["SY-SHF", "SY-ROT"])).await;
        let dear = listing(&app, "CH-DEAR", 50_000, json!(["SY-SHF"])).await;
        // Rotherham's budget cannot pay for any place.
        let commissioner = app.token("commissioner");
        let (s, budget) = app
            .put(
                &format!("/v1/budgets/SY-ROT/{}", year(&app)),
                &commissioner,
                &json!({"allocated_pence": 10_000}),
            )
            .await;
        assert!(s == 200 || s == 201, "{budget}");

        let (s, run) = app
            .post("/v1/matching/runs", &commissioner, &json!({}))
            .await;
        assert_eq!(s, 201, "{run}");
        // Rotherham's order is held for its budget, and the place it would have had goes
        // to Sheffield's order instead of the dear one.
        assert_eq!(
            (
                run["placed"].as_u64(),
                run["total_cost"].as_i64(),
                run["held_for_budget"].as_u64(),
                run["changed_meanwhile"].as_u64()
            ),
            (Some(1), Some(30_000), Some(1), Some(0)),
            "{run}"
        );
        assert!(run["completed_at"].is_string(), "{run}");
        let id = |o: &Value| o["id"].as_str().unwrap_or("").to_owned();
        assert_eq!(run["placements"][0]["order_id"], id(&sheffield).as_str());
        assert_eq!(run["placements"][0]["listing_id"], cheap.as_str());
        let placed = order(&app, &id(&sheffield)).await;
        assert_eq!(
            (placed["status"].as_str(), placed["listing_id"].as_str()),
            (Some("offered"), Some(cheap.as_str()))
        );
        let (_, held) = app
            .get(
                &format!("/v1/orders/{}", id(&rotherham)),
                &manager_token("SY-ROT", "om-r"),
            )
            .await;
        assert_eq!(held["status"], "unmatched", "{held}");
        let (_, dear_listing) = app
            .get(&format!("/v1/listings/{dear}"), &commissioner)
            .await;
        let provider = dear_listing["provider_id"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        assert_eq!(free_places(&app, &provider, &dear).await, vec![1]);
        let (_, budget) = app
            .get(&format!("/v1/budgets/SY-ROT/{}", year(&app)), &commissioner)
            .await;
        assert_eq!(budget["offered_pence"], 0, "{budget}");
    }
);

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

fn count(app: &TestApp, sql: &str) -> i64 {
    diesel::sql_query(sql)
        .get_result::<Count>(&mut app.db.connect())
        .map(|c| c.n)
        .unwrap_or_else(|e| panic!("{e}: {sql}"))
}

both_backends!(
    a_run_of_many_orders_is_applied_whole_over_several_transactions,
    adjust = |c: &mut provider_hub_tests::Config| c.worker_interval_ms = 3_600_000,
    |app: TestApp| async move {
        seed_market(&app).await;
        let first = purchase(&app, "SY-SHF", "X720000").await;
        assert_eq!(first["status"], "unmatched");
        // 450 people with the same order, and 300 places over three listings: more
        // placements than one of the run's transactions applies.
        copy_orders(&mut app.db.connect(), "X720000", "M", 449).expect("copies");
        for (i, price) in [30_000, 35_000, 40_000].into_iter().enumerate() {
            listing_with(&app, &format!("CH-MANY-{i}"), price, json!(["SY-SHF"]), 100).await;
        }
        let (s, run) = app
            .post("/v1/matching/runs", &app.token("commissioner"), &json!({}))
            .await;
        assert_eq!(s, 201, "{run}");
        assert_eq!(
            (
                run["orders_considered"].as_u64(),
                run["placed"].as_u64(),
                run["total_cost"].as_i64(),
                run["changed_meanwhile"].as_u64()
            ),
            (
                Some(450),
                Some(300),
                Some(100 * (30_000 + 35_000 + 40_000)),
                Some(0)
            ),
        );
        assert_eq!(run["placements"].as_array().map(Vec::len), Some(300));
        // Every placement is an offered order with its pending offer, audited, and no
        // place was sold twice.
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) AS n FROM orders WHERE status = 'offered'"
            ),
            300
        );
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) AS n FROM offers WHERE status = 'pending'"
            ),
            300
        );
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) AS n FROM audit_log WHERE action = 'order.offered'"
            ),
            300
        );
        assert_eq!(
            count(
                &app,
                "SELECT COUNT(*) AS n FROM capacity_slots WHERE places_taken <> places"
            ),
            0
        );
        let offered: Vec<String> = run["placements"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| p["order_id"].as_str().map(str::to_owned))
            .collect();
        let unique: std::collections::BTreeSet<&String> = offered.iter().collect();
        assert_eq!(unique.len(), 300);
        let (_, again) = app
            .get(
                &format!("/v1/matching/runs/{}", run["id"].as_str().unwrap_or("")),
                &app.token("quality"),
            )
            .await;
        assert_eq!(again["placements"], run["placements"]);
    }
);
