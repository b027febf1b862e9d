//! Delivery and milestone payments on both backends: the lifecycle is enforced,
//! each milestone is paid once whatever is sent concurrently, and payments list as JSON
//! or CSV.

use provider_hub_tests::outcomes::{period_over, record_reoffending};
use provider_hub_tests::{
    accredit, attend, attend_in_full, both_backends, create_listing, json, listing_body,
    manager_token, purchase, register_provider, seed_market, specification_body, upw_provider,
    TestApp,
};
use serde_json::Value;

/// An accepted unpaid-work order at £520.00 (the seeded specification pays 20 % on start,
/// 50 % on completion, 30 % on outcome), and the provider it is placed with.
async fn accepted(app: &TestApp, crn: &str) -> (String, String) {
    upw_provider(app, &format!("CH-{crn}"), 52_000, 3, 3, 80).await;
    let o = purchase(app, "SY-SHF", crn).await;
    // Placed with whichever provider the policy chose.
    let p = o["provider_id"].as_str().expect("placed").to_owned();
    let offer = o["offer"]["id"].as_str().expect("offer");
    let (s, body) = app
        .post_empty(
            &format!("/v1/offers/{offer}/accept"),
            &app.provider_token(&p),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    (o["id"].as_str().expect("order").to_owned(), p)
}

async fn report(app: &TestApp, provider: &str, order: &str, body: Value) -> (u16, Value) {
    app.post(
        &format!("/v1/orders/{order}/delivery-events"),
        &app.provider_token(provider),
        &body,
    )
    .await
}

both_backends!(
    delivery_pays_each_milestone_of_the_model,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (order, p) = accepted(&app, "X800001").await;
        let today = app.today().to_string();

        // Illegal steps are refused and change nothing.
        let (s, problem) = report(&app, &p, &order, json!({"type": "completed"})).await;
        assert_eq!(
            (s, problem["current_state"].as_str()),
            (409, Some("accepted")),
            "{problem}"
        );
        let other = register_provider(&app, "CH-NOT-MINE").await;
        let (s, _) = report(&app, &other, &order, json!({"type": "started"})).await;
        assert_eq!(s, 404, "another provider's order does not exist for it");
        let tomorrow = (app.today() + chrono::Duration::days(1)).to_string();
        let (s, problem) =
            report(&app, &p, &order, json!({"type": "started", "on": tomorrow})).await;
        assert_eq!(
            (s, problem["errors"][0]["field"].as_str()),
            (422, Some("on"))
        );
        let (s, problem) =
            report(&app, &p, &order, json!({"type": "started", "mood": "good"})).await;
        assert_eq!(s, 422, "{problem}");

        let (s, started) = report(&app, &p, &order, json!({"type": "started", "on": today})).await;
        assert_eq!(s, 201, "{started}");
        assert_eq!(started["order"]["status"], "in_delivery");
        assert_eq!(started["order"]["actual_start"], today.as_str());
        assert_eq!(started["payment"]["milestone"], "start");
        assert_eq!(started["payment"]["amount_pence"], 10_400);

        let (s, attended) = report(
            &app,
            &p,
            &order,
            json!({"type": "attended", "minutes": 240}),
        )
        .await;
        assert_eq!((s, &attended["payment"]), (201, &Value::Null));
        assert_eq!(attended["event"]["minutes"], 240);
        let (s, problem) = report(&app, &p, &order, json!({"type": "non_compliance"})).await;
        assert_eq!(
            (s, problem["errors"][0]["field"].as_str()),
            (422, Some("details"))
        );
        let (s, nc) = report(
            &app,
            &p,
            &order,
            json!({"type": "non_compliance", "details": "missed two sessions without reason"}),
        )
        .await;
        assert_eq!(
            (s, nc["event"]["type"].as_str()),
            (201, Some("non_compliance"))
        );

        attend(&app, &p, &order, 9, 240).await;
        let (s, done) = report(&app, &p, &order, json!({"type": "completed"})).await;
        assert_eq!(s, 201, "{done}");
        assert_eq!(done["order"]["status"], "completed");
        assert_eq!(done["payment"]["amount_pence"], 26_000);
        let (s, problem) = report(&app, &p, &order, json!({"type": "failed"})).await;
        assert_eq!(
            (s, problem["current_state"].as_str()),
            (409, Some("completed"))
        );

        // The offender manager sees what was reported, non-compliance included.
        let (_, seen) = app
            .get(
                &format!("/v1/orders/{order}"),
                &manager_token("SY-SHF", "om-ann"),
            )
            .await;
        let reported: Vec<&str> = seen["delivery"]
            .as_array()
            .expect("delivery")
            .iter()
            .filter_map(|e| e["type"].as_str())
            .collect();
        let mut expected = vec!["started", "attended", "non_compliance"];
        expected.extend(["attended"; 9]);
        expected.push("completed");
        assert_eq!(reported, expected);
        assert_eq!(
            seen["delivery"][2]["details"],
            "missed two sessions without reason"
        );

        // The outcome is the person's, once their measurement period is over: no proven
        // reoffence pays the rest of the price (see tests/tests/outcomes.rs).
        period_over(&app);
        let (s, outcome) = record_reoffending(&app, "X800001", 0).await;
        assert_eq!(s, 200, "{outcome}");
        assert_eq!(outcome["payments"][0]["amount_pence"], 15_600);
        let commissioner = app.token("commissioner");

        // The parts sum to the locked price.
        let (s, page) = app.get("/v1/payments", &app.provider_token(&p)).await;
        assert_eq!(s, 200, "{page}");
        let amounts: Vec<i64> = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|x| x["amount_pence"].as_i64())
            .collect();
        assert_eq!(amounts.iter().sum::<i64>(), 52_000);
        assert_eq!(amounts.len(), 3);
        let (_, theirs) = app.get("/v1/payments", &app.provider_token(&other)).await;
        assert_eq!(theirs["items"], json!([]));
        let (s, _) = app
            .get("/v1/payments", &manager_token("SY-SHF", "om-ann"))
            .await;
        assert_eq!(s, 403);
        let (_, sheffield) = app
            .get(
                &format!("/v1/payments?area=SY-SHF&from={today}&to={today}"),
                &commissioner,
            )
            .await;
        assert_eq!(
            sheffield["items"].as_array().map(Vec::len),
            Some(2),
            "the outcome was paid a year later"
        );
        let (_, before) = app.get("/v1/payments?to=2020-01-01", &commissioner).await;
        assert_eq!(before["items"], json!([]));
        let (s, problem) = app.get("/v1/payments?from=yesterday", &commissioner).await;
        assert_eq!(
            (s, problem["errors"][0]["field"].as_str()),
            (422, Some("from"))
        );

        // The same as CSV for finance systems.
        let r = app
            .client
            .get(app.url("/v1/payments?limit=2"))
            .bearer_auth(&commissioner)
            .header("Accept", "text/csv")
            .send()
            .await
            .expect("csv");
        assert_eq!(r.status().as_u16(), 200);
        assert!(r
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .starts_with("text/csv"));
        assert!(r
            .headers()
            .get("link")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .contains("rel=\"next\""));
        let text = r.text().await.expect("body");
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "id,order_id,milestone,amount_pence,amount_pounds,area,provider_id,provider_name,listing_title,financial_year,created_at"
        );
        assert_eq!(lines.len(), 3);
        assert!(
            lines[1].contains(&order) && lines[1].contains(",start,10400,104.00,SY-SHF,"),
            "{text}"
        );
    }
);

both_backends!(
    a_failed_delivery_gets_no_completion_or_outcome_payment,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (order, p) = accepted(&app, "X800002").await;
        let (s, _) = report(&app, &p, &order, json!({"type": "started"})).await;
        assert_eq!(s, 201);
        let (s, failed) = report(
            &app,
            &p,
            &order,
            json!({"type": "failed", "details": "moved out of area"}),
        )
        .await;
        assert_eq!(
            (s, failed["order"]["status"].as_str()),
            (201, Some("failed"))
        );
        assert_eq!(failed["payment"], Value::Null);
        // A failed order earns no outcome: the person-period is recorded, nothing paid.
        period_over(&app);
        let (s, outcome) = record_reoffending(&app, "X800002", 0).await;
        assert_eq!(s, 200, "{outcome}");
        assert_eq!(outcome["outcome"]["attribution"], json!([]));
        assert_eq!(outcome["payments"], json!([]));
        let (_, page) = app.get("/v1/payments", &app.provider_token(&p)).await;
        let milestones: Vec<&str> = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|x| x["milestone"].as_str())
            .collect();
        assert_eq!(milestones, vec!["start"]);
        // A cancelled order takes no report at all.
        let (order2, p2) = accepted(&app, "X800003").await;
        let (s, _) = app
            .post(
                &format!("/v1/orders/{order2}/cancel"),
                &manager_token("SY-SHF", "om-ann"),
                &json!({"reason": "sentence revoked"}),
            )
            .await;
        assert_eq!(s, 200);
        let (s, problem) = report(&app, &p2, &order2, json!({"type": "started"})).await;
        assert_eq!(
            s, 404,
            "a cancelled order is no longer placed with the provider: {problem}"
        );
    }
);

both_backends!(
    the_same_milestone_sent_fifty_times_at_once_is_paid_once,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (order, p) = accepted(&app, "X800004").await;
        let token = app.provider_token(&p);
        let sends = (0..50).map(|_| {
            let (app, token, order) = (&app, token.clone(), order.clone());
            async move {
                app.post(
                    &format!("/v1/orders/{order}/delivery-events"),
                    &token,
                    &json!({"type": "started"}),
                )
                .await
                .0
            }
        });
        let statuses = futures_util::future::join_all(sends).await;
        assert_eq!(
            statuses.iter().filter(|s| **s == 201).count(),
            1,
            "{statuses:?}"
        );
        assert!(
            statuses.iter().all(|s| *s == 201 || *s == 409),
            "{statuses:?}"
        );
        let (_, page) = app.get("/v1/payments", &token).await;
        assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
        attend_in_full(&app, &p, &order).await;
        // The same with one Idempotency-Key: replays, never a second event.
        let sends = (0..10).map(|_| {
            let (app, token, order) = (&app, token.clone(), order.clone());
            async move {
                app.client
                    .post(app.url(&format!("/v1/orders/{order}/delivery-events")))
                    .bearer_auth(token)
                    .header("Idempotency-Key", "complete-1")
                    .json(&json!({"type": "completed"}))
                    .send()
                    .await
                    .expect("send")
                    .status()
                    .as_u16()
            }
        });
        let statuses = futures_util::future::join_all(sends).await;
        assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
        let (_, page) = app.get("/v1/payments", &token).await;
        assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
    }
);

/// A provider with the only unpaid-work listing, for a specification asking for at least
/// 12 sessions and 36 hours, and an order it accepted today.
async fn accepted_twelve_sessions(app: &TestApp, crn: &str) -> (String, String) {
    let q = app.token("quality");
    let mut spec = specification_body("UPW-TWELVE");
    spec["delivery_standard"] = json!({"min_sessions": 12, "min_hours": 36, "format": "group"});
    let (s, body) = app.post("/v1/specifications", &q, &spec).await;
    assert_eq!(s, 201, "{body}");
    let (s, body) = app
        .post_empty("/v1/specifications/UPW-TWELVE/versions/1/publish", &q)
        .await;
    assert_eq!(s, 200, "{body}");
    let p = register_provider(app, "CH-TWELVE").await;
    accredit(app, &p, "unpaid_work", 80).await;
    let mut listing = listing_body(48_000);
    listing["specification_code"] = json!("UPW-TWELVE");
    let l = create_listing(app, &p, &listing).await;
    let pt = app.provider_token(&p);
    let start = (app.today() + chrono::Duration::days(2)).to_string();
    let (s, body) = app
        .put(
            &format!("/v1/listings/{l}/capacity"),
            &pt,
            &json!({"slots": [{"starts_on": start, "places": 2}]}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = app
        .post_empty(&format!("/v1/listings/{l}/publish"), &pt)
        .await;
    assert_eq!(s, 200, "{body}");
    let o = purchase(app, "SY-SHF", crn).await;
    assert_eq!(o["listing_id"], l.as_str(), "{o}");
    let offer = o["offer"]["id"].as_str().expect("offer");
    let (s, body) = app
        .post_empty(&format!("/v1/offers/{offer}/accept"), &pt)
        .await;
    assert_eq!(s, 200, "{body}");
    (o["id"].as_str().expect("order").to_owned(), p)
}

async fn milestones(app: &TestApp, provider: &str) -> Vec<String> {
    let (s, page) = app.get("/v1/payments", &app.provider_token(provider)).await;
    assert_eq!(s, 200, "{page}");
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|x| x["milestone"].as_str().map(str::to_owned))
        .collect()
}

both_backends!(
    completion_waits_for_the_sessions_and_hours_of_the_delivery_standard,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (order, p) = accepted_twelve_sessions(&app, "X800010").await;
        let (s, body) = report(&app, &p, &order, json!({"type": "started"})).await;
        assert_eq!(s, 201, "{body}");
        let (s, body) = report(
            &app,
            &p,
            &order,
            json!({"type": "attended", "minutes": 120}),
        )
        .await;
        assert_eq!(s, 201, "{body}");

        // One session of twelve: completion is refused, naming what is still owed.
        let (s, problem) = report(&app, &p, &order, json!({"type": "completed"})).await;
        assert_eq!(s, 409, "{problem}");
        assert_eq!(problem["current_state"], "in_delivery");
        let detail = problem["detail"].as_str().expect("detail");
        assert!(
            detail.contains("still owed: 11 sessions and 34 hours"),
            "{detail}"
        );
        assert!(detail.contains("12 sessions and 36 hours"), "{detail}");
        assert_eq!(milestones(&app, &p).await, vec!["start"], "nothing paid");

        // An attended session says how long it was; nothing else carries minutes.
        for (body, field) in [
            (json!({"type": "attended"}), "minutes"),
            (json!({"type": "attended", "minutes": 0}), "minutes"),
            (json!({"type": "attended", "minutes": 1441}), "minutes"),
            (json!({"type": "missed", "minutes": 60}), "minutes"),
        ] {
            let (s, problem) = report(&app, &p, &order, body.clone()).await;
            assert_eq!(
                (s, problem["errors"][0]["field"].as_str()),
                (422, Some(field)),
                "{body}: {problem}"
            );
        }
        let (s, _) = report(&app, &p, &order, json!({"type": "missed"})).await;
        assert_eq!(s, 201, "a missed session counts for nothing");

        // Twelve sessions, but 35 hours: an hour is still owed.
        attend(&app, &p, &order, 11, 180).await;
        let (s, problem) = report(&app, &p, &order, json!({"type": "completed"})).await;
        assert_eq!(s, 409, "{problem}");
        let detail = problem["detail"].as_str().expect("detail");
        assert!(detail.ends_with("still owed: 1 hour"), "{detail}");

        // The standard met: completed, and the completion milestone paid once.
        attend(&app, &p, &order, 1, 60).await;
        let (s, done) = report(&app, &p, &order, json!({"type": "completed"})).await;
        assert_eq!(s, 201, "{done}");
        assert_eq!(done["order"]["status"], "completed");
        assert_eq!(done["payment"]["milestone"], "completion");
        assert_eq!(done["payment"]["amount_pence"], 24_000);
        let (s, _) = report(&app, &p, &order, json!({"type": "completed"})).await;
        assert_eq!(s, 409, "completed once");
        assert_eq!(milestones(&app, &p).await, vec!["start", "completion"]);

        // The offender manager sees each session's minutes.
        let (_, seen) = app
            .get(
                &format!("/v1/orders/{order}"),
                &manager_token("SY-SHF", "om-ann"),
            )
            .await;
        let minutes: i64 = seen["delivery"]
            .as_array()
            .expect("delivery")
            .iter()
            .filter_map(|e| e["minutes"].as_i64())
            .sum();
        assert_eq!(minutes, 36 * 60);
    }
);

both_backends!(
    delivery_is_never_dated_before_the_offer_was_accepted,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (order, p) = accepted(&app, "X800011").await;
        let today = app.today();
        let yesterday = (today - chrono::Duration::days(1)).to_string();
        let (s, problem) = report(
            &app,
            &p,
            &order,
            json!({"type": "started", "on": yesterday}),
        )
        .await;
        assert_eq!(
            (s, problem["errors"][0]["field"].as_str()),
            (422, Some("on")),
            "{problem}"
        );
        let message = problem["errors"][0]["message"].as_str().expect("message");
        assert!(
            message.contains(&format!("accepted on {today}")),
            "{message}"
        );
        assert_eq!(milestones(&app, &p).await, Vec::<String>::new());
        let (_, seen) = app
            .get(&format!("/v1/orders/{order}"), &app.provider_token(&p))
            .await;
        assert_eq!(seen["status"], "accepted", "nothing changed");

        let (s, body) = report(
            &app,
            &p,
            &order,
            json!({"type": "started", "on": today.to_string()}),
        )
        .await;
        assert_eq!(s, 201, "{body}");
        // A session before the start is refused too.
        let (s, problem) = report(
            &app,
            &p,
            &order,
            json!({"type": "attended", "minutes": 60, "on": yesterday}),
        )
        .await;
        assert_eq!(
            (s, problem["errors"][0]["field"].as_str()),
            (422, Some("on")),
            "{problem}"
        );
    }
);
