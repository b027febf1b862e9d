//! Ending an order in delivery on both backends (SPEC.md §3): the offender manager ends
//! it with a reason; the place is freed, the provider told, milestones already earned stay
//! paid and nothing further is ever paid; the area's budget no longer counts the unpaid
//! rest of its price; and an ending racing with the provider's completion leaves one
//! final state with completion paid at most once.

use chrono::Datelike;
use provider_hub_tests::orders::{free_places, order};
use provider_hub_tests::outcomes::{period_over, record_reoffending};
use provider_hub_tests::{
    attend_in_full, both_backends, json, manager_token, purchase, seed_market, upw_provider,
    TestApp,
};
use serde_json::Value;

/// An unpaid-work order at £520.00 (20 % on start, 50 % on completion, 30 % on outcome)
/// accepted and started by the provider it was placed with (one with three places is
/// added); the order, the provider and the listing.
async fn in_delivery(app: &TestApp, crn: &str) -> (String, String, String) {
    upw_provider(app, &format!("CH-{crn}"), 52_000, 3, 3, 80).await;
    let o = purchase(app, "SY-SHF", crn).await;
    let p = o["provider_id"].as_str().expect("placed").to_owned();
    let l = o["listing_id"].as_str().expect("placed").to_owned();
    let pt = app.provider_token(&p);
    let offer = o["offer"]["id"].as_str().expect("offer");
    let (s, body) = app
        .post_empty(&format!("/v1/offers/{offer}/accept"), &pt)
        .await;
    assert_eq!(s, 200, "{body}");
    let id = o["id"].as_str().expect("order").to_owned();
    let (s, body) = report(app, &p, &id, json!({"type": "started"})).await;
    assert_eq!(s, 201, "{body}");
    (id, p, l)
}

async fn report(app: &TestApp, provider: &str, order: &str, body: Value) -> (u16, Value) {
    app.post(
        &format!("/v1/orders/{order}/delivery-events"),
        &app.provider_token(provider),
        &body,
    )
    .await
}

async fn end(app: &TestApp, token: &str, order: &str, body: Value) -> (u16, Value) {
    app.post(&format!("/v1/orders/{order}/end"), token, &body)
        .await
}

/// The milestones paid on an order, with their amounts, as its provider reads them.
async fn milestones(app: &TestApp, provider: &str, order: &str) -> Vec<(String, i64)> {
    let (s, page) = app.get("/v1/payments", &app.provider_token(provider)).await;
    assert_eq!(s, 200, "{page}");
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|x| x["order_id"] == order)
        .map(|x| {
            (
                x["milestone"].as_str().unwrap_or_default().to_owned(),
                x["amount_pence"].as_i64().unwrap_or_default(),
            )
        })
        .collect()
}

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
    an_order_ended_in_delivery_frees_its_place_and_pays_nothing_more,
    |app: TestApp| async move {
        seed_market(&app).await;
        let commissioner = app.token("commissioner");
        let budget = format!("/v1/budgets/SY-SHF/{}", year(&app));
        let (s, body) = app
            .put(&budget, &commissioner, &json!({"allocated_pence": 200_000}))
            .await;
        assert_eq!(s, 200, "{body}");
        let ann = manager_token("SY-SHF", "om-ann");

        // Not yet in delivery: accepted orders are cancelled, not ended.
        upw_provider(&app, "CH-END-0", 52_000, 3, 3, 80).await;
        let o = purchase(&app, "SY-SHF", "X810000").await;
        let waiting = o["id"].as_str().expect("order");
        let (s, problem) = end(&app, &ann, waiting, json!({"reason": "custody"})).await;
        assert_eq!(
            (s, problem["current_state"].as_str()),
            (409, Some("offered")),
            "{problem}"
        );

        let (id, p, l) = in_delivery(&app, "X810001").await;
        let free_before: u64 = free_places(&app, &p, &l).await.iter().sum();
        let paid_before = milestones(&app, &p, &id).await;
        assert!(
            paid_before.contains(&("start".into(), 10_400)),
            "{paid_before:?}"
        );
        let (_, before) = app.get(&budget, &commissioner).await;
        assert_eq!(before["committed_pence"], 52_000, "{before}");

        // Only an offender manager of the case's area ends it, with a known reason.
        let (s, _) = end(
            &app,
            &app.provider_token(&p),
            &id,
            json!({"reason": "custody"}),
        )
        .await;
        assert_eq!(s, 403);
        let (s, _) = end(&app, &commissioner, &id, json!({"reason": "custody"})).await;
        assert_eq!(s, 403);
        let rotherham = manager_token("SY-ROT", "om-rob");
        let (s, _) = end(&app, &rotherham, &id, json!({"reason": "custody"})).await;
        assert_eq!(s, 404, "another area's order does not exist for it");
        let (s, problem) = end(&app, &ann, &id, json!({"reason": "holiday"})).await;
        assert_eq!(s, 422, "{problem}");
        let (s, problem) = end(
            &app,
            &ann,
            &id,
            json!({"reason": "custody", "detail": "x".repeat(2001)}),
        )
        .await;
        assert_eq!(
            (s, problem["errors"][0]["field"].as_str()),
            (422, Some("detail")),
            "{problem}"
        );
        assert_eq!(
            order(&app, &id).await["status"],
            "in_delivery",
            "nothing changed"
        );

        let (s, ended) = end(
            &app,
            &ann,
            &id,
            json!({"reason": "custody", "detail": "remanded at Sheffield Crown Court"}),
        )
        .await;
        assert_eq!(s, 200, "{ended}");
        assert_eq!(ended["status"], "terminated");
        assert_eq!(ended["ending"]["reason"], "custody");
        assert_eq!(
            ended["ending"]["detail"],
            "remanded at Sheffield Crown Court"
        );
        assert_eq!(ended["ending"]["ended_by"], "om-ann");

        // The place is free again.
        let free_after: u64 = free_places(&app, &p, &l).await.iter().sum();
        assert_eq!(free_after, free_before + 1);

        // Nothing further is paid: every delivery report and the outcome are refused.
        for body in [
            json!({"type": "attended", "minutes": 240}),
            json!({"type": "completed"}),
            json!({"type": "failed"}),
        ] {
            let (s, problem) = report(&app, &p, &id, body.clone()).await;
            assert_eq!(
                (s, problem["current_state"].as_str()),
                (409, Some("terminated")),
                "{body}: {problem}"
            );
        }
        // What was earned stays paid.
        assert_eq!(milestones(&app, &p, &id).await, paid_before);

        // The budget counts what was paid, not the unpaid rest of the price.
        let (_, after) = app.get(&budget, &commissioner).await;
        assert_eq!(after["committed_pence"], 0, "{after}");
        assert_eq!(after["spent_pence"], 10_400, "{after}");
        assert_eq!(
            after["remaining_pence"].as_i64(),
            Some(200_000 - 52_000 - 10_400),
            "the other order's offer and the start payment: {after}"
        );

        // Ending is once.
        let (s, problem) = end(&app, &ann, &id, json!({"reason": "death"})).await;
        assert_eq!(
            (s, problem["current_state"].as_str()),
            (409, Some("terminated"))
        );

        // The provider is told, with the reason.
        let (s, events) = app.get("/v1/events", &app.provider_token(&p)).await;
        assert_eq!(s, 200, "{events}");
        let terminated: Vec<&Value> = events["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|e| e["type"] == "order.terminated" && e["order_id"] == id.as_str())
            .collect();
        assert_eq!(terminated.len(), 1, "{events}");
        assert_eq!(terminated[0]["data"]["end_reason"], "custody");
        assert_eq!(terminated[0]["data"]["previous_status"], "in_delivery");

        // A terminated order earns no outcome: the person's period is recorded, nothing
        // is paid on it.
        period_over(&app);
        let (s, outcome) = record_reoffending(&app, "X810001", 0).await;
        assert_eq!(s, 200, "{outcome}");
        assert_eq!(outcome["outcome"]["attribution"], json!([]));
        assert_eq!(milestones(&app, &p, &id).await, paid_before);
    }
);

both_backends!(
    ending_racing_with_completion_pays_completion_at_most_once,
    |app: TestApp| async move {
        seed_market(&app).await;
        let ann = manager_token("SY-SHF", "om-ann");
        for n in 0..4 {
            let (id, p, _) = in_delivery(&app, &format!("X81010{n}")).await;
            attend_in_full(&app, &p, &id).await;
            let completing = report(&app, &p, &id, json!({"type": "completed"}));
            let ending = end(&app, &ann, &id, json!({"reason": "moved_away"}));
            let ((cs, cbody), (es, ebody)) = futures_util::future::join(completing, ending).await;
            let final_status = order(&app, &id).await["status"].clone();
            let completions = milestones(&app, &p, &id)
                .await
                .iter()
                .filter(|(m, _)| m == "completion")
                .count();
            match (cs, es) {
                (201, 409) => {
                    assert_eq!(final_status, "completed");
                    assert_eq!(ebody["current_state"], "completed", "{ebody}");
                    assert_eq!(completions, 1);
                }
                (409, 200) => {
                    assert_eq!(final_status, "terminated");
                    assert_eq!(cbody["current_state"], "terminated", "{cbody}");
                    assert_eq!(completions, 0, "nothing paid after the ending");
                }
                other => panic!("one and only one wins: {other:?} {cbody} {ebody}"),
            }
        }
    }
);
