//! Batch matching runs over HTTP, on both backends: the exact placement places orders
//! that arrival order leaves out, and the run is applied as offers and recorded.

use provider_hub_tests::{
    accredit, both_backends, create_listing, json, listing_body, manager_token, purchase,
    register_provider, seed_market, TestApp,
};
use serde_json::Value;

/// A published unpaid-work listing serving `areas`, one place in three days.
async fn listing(app: &TestApp, registration: &str, price: i64, areas: Value) -> String {
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
            &json!({"slots": [{"starts_on": start, "places": 1}]}),
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
