//! Pooled budgets on both backends: over-budget orders wait for a commissioner, the
//! budget shows what is held against it, and concurrent purchases never overcommit.

use chrono::Datelike;
use provider_hub_tests::{
    both_backends, json, manager_token, purchase, seed_market, upw_provider, TestApp,
};

/// The financial year (April–March) of places starting three days from today.
fn year(app: &TestApp) -> i32 {
    let d = app.today() + chrono::Duration::days(3);
    if d.month() >= 4 {
        d.year()
    } else {
        d.year() - 1
    }
}

both_backends!(
    an_order_over_budget_waits_for_a_commissioner,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (p, _) = upw_provider(&app, "CH-B1", 52_000, 10, 3, 80).await;
        let commissioner = app.token("commissioner");
        let path = format!("/v1/budgets/SY-SHF/{}", year(&app));
        let (s, _) = app.get(&path, &commissioner).await;
        assert_eq!(s, 404, "no budget yet");
        let (s, problem) = app
            .put(&path, &commissioner, &json!({"allocated_pence": -1}))
            .await;
        assert_eq!(
            (s, problem["errors"][0]["field"].as_str()),
            (422, Some("allocated_pence"))
        );
        let (s, _) = app
            .put(
                &path,
                &manager_token("SY-SHF", "om-ann"),
                &json!({"allocated_pence": 100_000}),
            )
            .await;
        assert_eq!(s, 403);
        let (s, budget) = app
            .put(&path, &commissioner, &json!({"allocated_pence": 100_000}))
            .await;
        assert_eq!(s, 200, "{budget}");
        assert_eq!(budget["remaining_pence"], 100_000);

        let first = purchase(&app, "SY-SHF", "X900001").await;
        assert_eq!(first["status"], "offered");
        let (_, budget) = app.get(&path, &commissioner).await;
        assert_eq!(
            (
                budget["offered_pence"].as_i64(),
                budget["remaining_pence"].as_i64()
            ),
            (Some(52_000), Some(48_000))
        );

        // £520 more would take the area over its allocation: the order waits.
        let second = purchase(&app, "SY-SHF", "X900002").await;
        assert_eq!(second["status"], "awaiting_approval", "{second}");
        assert_eq!(
            second["listing_id"],
            serde_json::Value::Null,
            "no place is held"
        );
        let id = second["id"].as_str().expect("id");
        let (s, _) = app
            .post_empty(
                &format!("/v1/orders/{id}/approve-budget"),
                &manager_token("SY-SHF", "om-ann"),
            )
            .await;
        assert_eq!(s, 403);
        let (s, approved) = app
            .post_empty(&format!("/v1/orders/{id}/approve-budget"), &commissioner)
            .await;
        assert_eq!(s, 200, "{approved}");
        assert_eq!(approved["status"], "offered");
        let (s, again) = app
            .post_empty(&format!("/v1/orders/{id}/approve-budget"), &commissioner)
            .await;
        assert_eq!((s, again["current_state"].as_str()), (409, Some("offered")));
        let (_, budget) = app.get(&path, &commissioner).await;
        assert_eq!(budget["remaining_pence"], 100_000 - 2 * 52_000);

        // Accepted and started: committed is what remains to pay, spent what was paid.
        let offer = first["offer"]["id"].as_str().expect("offer");
        let pt = app.provider_token(&p);
        let (s, _) = app
            .post_empty(&format!("/v1/offers/{offer}/accept"), &pt)
            .await;
        assert_eq!(s, 200);
        let order = first["id"].as_str().expect("order");
        let (s, _) = app
            .post(
                &format!("/v1/orders/{order}/delivery-events"),
                &pt,
                &json!({"type": "started"}),
            )
            .await;
        assert_eq!(s, 201);
        let (_, budget) = app.get(&path, &app.token("quality")).await;
        assert_eq!(
            (
                budget["committed_pence"].as_i64(),
                budget["spent_pence"].as_i64(),
                budget["offered_pence"].as_i64()
            ),
            (Some(52_000), Some(10_400), Some(52_000))
        );
        assert_eq!(
            budget["remaining_pence"],
            100_000 - 2 * 52_000,
            "the start payment is part of the committed price"
        );
        let (_, all) = app.get("/v1/budgets", &commissioner).await;
        assert_eq!(all["items"].as_array().map(Vec::len), Some(1), "{all}");
        assert_eq!(
            all["items"][0]["remaining_pence"],
            budget["remaining_pence"]
        );
        assert_eq!(all["next"], serde_json::Value::Null);

        // An order waiting for approval can be cancelled by its manager.
        let third = purchase(&app, "SY-SHF", "X900003").await;
        assert_eq!(third["status"], "awaiting_approval");
        let id = third["id"].as_str().expect("id");
        let (s, cancelled) = app
            .post(
                &format!("/v1/orders/{id}/cancel"),
                &manager_token("SY-SHF", "om-ann"),
                &json!({"reason": "not needed"}),
            )
            .await;
        assert_eq!((s, cancelled["status"].as_str()), (200, Some("cancelled")));
    }
);

both_backends!(
    concurrent_purchases_never_overcommit_a_budget,
    |app: TestApp| async move {
        seed_market(&app).await;
        upw_provider(&app, "CH-B2", 30_000, 20, 3, 80).await;
        let commissioner = app.token("commissioner");
        let path = format!("/v1/budgets/SY-SHF/{}", year(&app));
        let (s, _) = app
            .put(&path, &commissioner, &json!({"allocated_pence": 100_000}))
            .await;
        assert_eq!(s, 200);
        let purchases = (0..10).map(|i| {
            let app = &app;
            async move { purchase(app, "SY-SHF", &format!("X91{i:04}")).await }
        });
        let orders = futures_util::future::join_all(purchases).await;
        let offered = orders.iter().filter(|o| o["status"] == "offered").count();
        let waiting = orders
            .iter()
            .filter(|o| o["status"] == "awaiting_approval")
            .count();
        assert_eq!(
            (offered, waiting),
            (3, 7),
            "three £300 orders fit in £1,000"
        );
        let (_, budget) = app.get(&path, &commissioner).await;
        assert_eq!(budget["remaining_pence"], 10_000);
    }
);
