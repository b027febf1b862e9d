//! Enforcement on both backends (SPEC.md §2): a missed appointment or non-compliance waits
//! for the offender manager's decision; by the breach rule (HUB_BREACH_FAILURES within
//! HUB_BREACH_MONTHS, by default a second warning within 12 months) the order is flagged
//! for breach; proceedings pause it; their outcome resumes it (continue, varied) or ends it
//! (revoked). Each step is checked, visible to the provider where delivery needs it, and
//! payments already earned stay paid.

use provider_hub_domain::enforcement::BreachRule;
use provider_hub_tests::orders::{alcohol_provider, order, sentenced_to_both};
use provider_hub_tests::{
    both_backends, json, manager_token, purchase, seed_market, upw_provider, TestApp,
};
use serde_json::Value;

/// An unpaid-work order accepted and started by the provider it was placed with.
async fn in_delivery(app: &TestApp, crn: &str) -> (String, String) {
    upw_provider(app, &format!("CH-{crn}"), 52_000, 3, 3, 80).await;
    let o = purchase(app, "SY-SHF", crn).await;
    let p = o["provider_id"].as_str().expect("placed").to_owned();
    let offer = o["offer"]["id"].as_str().expect("offer");
    let (s, body) = app
        .post_empty(
            &format!("/v1/offers/{offer}/accept"),
            &app.provider_token(&p),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let id = o["id"].as_str().expect("order").to_owned();
    let (s, body) = report(app, &p, &id, json!({"type": "started"})).await;
    assert_eq!(s, 201, "{body}");
    (id, p)
}

async fn report(app: &TestApp, provider: &str, order: &str, body: Value) -> (u16, Value) {
    app.post(
        &format!("/v1/orders/{order}/delivery-events"),
        &app.provider_token(provider),
        &body,
    )
    .await
}

/// The provider reports a missed session; the id of the failure it makes.
async fn missed(app: &TestApp, provider: &str, id: &str) -> String {
    let (s, body) = report(app, provider, id, json!({"type": "missed"})).await;
    assert_eq!(s, 201, "{body}");
    let o = order(app, id).await;
    o["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .rev()
        .find(|f| f["delivery_event_id"] == body["event"]["id"])
        .and_then(|f| f["id"].as_str())
        .expect("the failure waits for a decision")
        .to_owned()
}

async fn decide(app: &TestApp, id: &str, failure: &str, body: Value) -> (u16, Value) {
    app.post(
        &format!("/v1/orders/{id}/failures/{failure}/decision"),
        &manager_token("SY-SHF", "om-ann"),
        &body,
    )
    .await
}

async fn event_types(app: &TestApp, token: &str, id: &str) -> Vec<String> {
    let (s, page) = app.get("/v1/events?limit=500", token).await;
    assert_eq!(s, 200, "{page}");
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["order_id"] == id)
        .filter_map(|e| e["type"].as_str().map(str::to_owned))
        .collect()
}

both_backends!(
    warnings_flag_a_breach_whose_outcome_resumes_or_ends_the_order,
    |app: TestApp| async move {
        seed_market(&app).await;
        let ann = manager_token("SY-SHF", "om-ann");
        let (id, p) = in_delivery(&app, "X820001").await;

        // A missed session waits for the offender manager's decision, in their area only.
        let first = missed(&app, &p, &id).await;
        let (s, page) = app.get("/v1/enforcement/failures", &ann).await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(page["items"][0]["id"], first.as_str(), "{page}");
        assert_eq!(page["items"][0]["type"], "missed");
        let (_, other) = app
            .get(
                "/v1/enforcement/failures",
                &manager_token("SY-ROT", "om-rob"),
            )
            .await;
        assert_eq!(
            other["items"],
            json!([]),
            "another area's failures are not seen"
        );
        let (s, _) = app
            .get("/v1/enforcement/failures", &app.provider_token(&p))
            .await;
        assert_eq!(s, 403);
        let (_, seen) = app
            .get(&format!("/v1/orders/{id}"), &app.provider_token(&p))
            .await;
        assert_eq!(
            seen["failures"],
            json!([]),
            "decisions are not the provider's"
        );

        // An acceptable absence counts for nothing; a decision is made once.
        let (s, problem) = decide(&app, &id, &first, json!({"decision": "maybe"})).await;
        assert_eq!(s, 422, "{problem}");
        let (s, problem) = app
            .post(
                &format!("/v1/orders/{id}/failures/{first}/decision"),
                &app.provider_token(&p),
                &json!({"decision": "acceptable"}),
            )
            .await;
        assert_eq!(s, 403, "{problem}");
        let (s, o) = decide(
            &app,
            &id,
            &first,
            json!({"decision": "acceptable", "note": "in hospital, letter seen"}),
        )
        .await;
        assert_eq!(s, 200, "{o}");
        assert_eq!(o["failures"][0]["decision"], "acceptable");
        assert_eq!(o["failures"][0]["decided_by"], "om-ann");
        let (s, problem) = decide(&app, &id, &first, json!({"decision": "warning"})).await;
        assert_eq!(
            (s, problem["current_state"].as_str()),
            (409, Some("acceptable")),
            "{problem}"
        );
        let (_, page) = app.get("/v1/enforcement/failures", &ann).await;
        assert_eq!(page["items"], json!([]), "nothing waits now");

        // No breach to act on yet.
        let (s, problem) = app
            .post_empty(&format!("/v1/orders/{id}/breach/proceedings"), &ann)
            .await;
        assert_eq!(
            (s, problem["current_state"].as_str()),
            (409, Some("in_delivery")),
            "{problem}"
        );

        // A first warning: no breach. A second within 12 months: flagged.
        let (s, body) = report(
            &app,
            &p,
            &id,
            json!({"type": "non_compliance", "details": "abusive to the supervisor"}),
        )
        .await;
        assert_eq!(s, 201, "{body}");
        let o = order(&app, &id).await;
        let nc = o["failures"][1]["id"].as_str().expect("failure").to_owned();
        assert_eq!(o["failures"][1]["details"], "abusive to the supervisor");
        let (s, o) = decide(&app, &id, &nc, json!({"decision": "warning"})).await;
        assert_eq!((s, &o["breach"]), (200, &Value::Null), "{o}");
        let second = missed(&app, &p, &id).await;
        let (s, o) = decide(&app, &id, &second, json!({"decision": "warning"})).await;
        assert_eq!(s, 200, "{o}");
        assert_eq!(o["breach"]["status"], "flagged", "{o}");
        assert_eq!(o["status"], "in_delivery");

        // Proceedings pause the order: no delivery is taken meanwhile.
        let (s, problem) = app
            .post(
                &format!("/v1/orders/{id}/breach/outcome"),
                &ann,
                &json!({"outcome": "continue"}),
            )
            .await;
        assert_eq!(
            (s, problem["current_state"].as_str()),
            (409, Some("flagged")),
            "{problem}"
        );
        let (s, o) = app
            .post_empty(&format!("/v1/orders/{id}/breach/proceedings"), &ann)
            .await;
        assert_eq!(s, 200, "{o}");
        assert_eq!(o["status"], "paused");
        assert_eq!(o["breach"]["status"], "in_proceedings");
        let (s, problem) = app
            .post_empty(&format!("/v1/orders/{id}/breach/proceedings"), &ann)
            .await;
        assert_eq!(
            (s, problem["current_state"].as_str()),
            (409, Some("in_proceedings"))
        );
        let (s, problem) = report(&app, &p, &id, json!({"type": "attended", "minutes": 60})).await;
        assert_eq!(
            (s, problem["current_state"].as_str()),
            (409, Some("paused"))
        );

        // Varied: it says what was varied, and the order resumes.
        let outcome = format!("/v1/orders/{id}/breach/outcome");
        let (s, problem) = app
            .post(&outcome, &ann, &json!({"outcome": "varied"}))
            .await;
        assert_eq!(
            (s, problem["errors"][0]["field"].as_str()),
            (422, Some("variation"))
        );
        let (s, problem) = app
            .post(
                &outcome,
                &ann,
                &json!({"outcome": "continue", "variation": "more hours"}),
            )
            .await;
        assert_eq!(
            (s, problem["errors"][0]["field"].as_str()),
            (422, Some("variation"))
        );
        let (s, o) = app
            .post(
                &outcome,
                &ann,
                &json!({"outcome": "varied", "variation": "20 more hours of unpaid work"}),
            )
            .await;
        assert_eq!(s, 200, "{o}");
        assert_eq!(o["status"], "in_delivery");
        assert_eq!(o["breach"]["status"], "decided");
        assert_eq!(o["breach"]["outcome"], "varied");
        assert_eq!(o["breach"]["variation"], "20 more hours of unpaid work");
        let (s, body) = report(&app, &p, &id, json!({"type": "attended", "minutes": 60})).await;
        assert_eq!(s, 201, "delivery goes on: {body}");

        // The provider hears of the pause and the resumption; the decisions stay with the
        // offender manager.
        let provider_saw = event_types(&app, &app.provider_token(&p), &id).await;
        assert!(
            provider_saw.contains(&"order.paused".to_owned()),
            "{provider_saw:?}"
        );
        assert!(
            provider_saw.contains(&"order.resumed".to_owned()),
            "{provider_saw:?}"
        );
        assert!(!provider_saw.contains(&"order.failure_decided".to_owned()));
        let area_saw = event_types(&app, &ann, &id).await;
        assert!(
            area_saw.contains(&"order.breach_flagged".to_owned()),
            "{area_saw:?}"
        );
        assert_eq!(
            area_saw
                .iter()
                .filter(|t| *t == "order.failure_decided")
                .count(),
            3
        );

        // Warnings answered by the breach count no more; two new ones flag it again, and
        // this time the order is revoked: ended for breach, with what was paid kept.
        app.clock.advance_days(1);
        let third = missed(&app, &p, &id).await;
        let (_, o) = decide(&app, &id, &third, json!({"decision": "warning"})).await;
        assert_eq!(o["breach"]["status"], "decided", "one new warning: {o}");
        let fourth = missed(&app, &p, &id).await;
        let (_, o) = decide(&app, &id, &fourth, json!({"decision": "warning"})).await;
        assert_eq!(o["breach"]["status"], "flagged", "{o}");
        let (s, o) = app
            .post_empty(&format!("/v1/orders/{id}/breach/proceedings"), &ann)
            .await;
        assert_eq!((s, o["status"].as_str()), (200, Some("paused")));
        let (s, o) = app
            .post(&outcome, &ann, &json!({"outcome": "revoked"}))
            .await;
        assert_eq!(s, 200, "{o}");
        assert_eq!(o["status"], "terminated");
        assert_eq!(o["ending"]["reason"], "breach");
        assert_eq!(o["breach"]["outcome"], "revoked");
        let (s, problem) = report(&app, &p, &id, json!({"type": "completed"})).await;
        assert_eq!(
            (s, problem["current_state"].as_str()),
            (409, Some("terminated"))
        );
        let (_, payments) = app.get("/v1/payments", &app.provider_token(&p)).await;
        let paid: Vec<&str> = payments["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|x| x["order_id"] == id.as_str())
            .filter_map(|x| x["milestone"].as_str())
            .collect();
        assert_eq!(paid, vec!["start"], "the start stays paid, nothing more");
        let provider_saw = event_types(&app, &app.provider_token(&p), &id).await;
        assert_eq!(
            provider_saw.last().map(String::as_str),
            Some("order.terminated")
        );
    }
);

both_backends!(
    the_operator_sets_the_breach_rule,
    adjust = |c: &mut provider_hub_tests::Config| {
        c.breach_rule = BreachRule::new(1, 6).expect("rule");
    },
    |app: TestApp| async move {
        seed_market(&app).await;
        let (id, p) = in_delivery(&app, "X820002").await;
        let first = missed(&app, &p, &id).await;
        let (s, o) = decide(&app, &id, &first, json!({"decision": "warning"})).await;
        assert_eq!(s, 200, "{o}");
        assert_eq!(
            o["breach"]["status"], "flagged",
            "one warning is a breach: {o}"
        );
    }
);

both_backends!(
    an_order_ended_in_breach_proceedings_leaves_no_breach_open,
    adjust = |c: &mut provider_hub_tests::Config| {
        c.breach_rule = BreachRule::new(1, 6).expect("rule");
    },
    |app: TestApp| async move {
        seed_market(&app).await;
        let (id, p) = in_delivery(&app, "X820003").await;
        let ann = manager_token("SY-SHF", "om-ann");
        let first = missed(&app, &p, &id).await;
        let (_, o) = decide(&app, &id, &first, json!({"decision": "warning"})).await;
        assert_eq!(o["breach"]["status"], "flagged", "{o}");
        let (s, o) = app
            .post_empty(&format!("/v1/orders/{id}/breach/proceedings"), &ann)
            .await;
        assert_eq!((s, o["status"].as_str()), (200, Some("paused")));
        // Remanded in custody before the court decides: the order ends, and with it the
        // proceedings — no outcome can be recorded on an order that is over.
        let (s, o) = app
            .post(
                &format!("/v1/orders/{id}/end"),
                &ann,
                &json!({"reason": "custody"}),
            )
            .await;
        assert_eq!(s, 200, "{o}");
        assert_eq!(o["status"], "terminated");
        assert_eq!(o["breach"]["status"], "closed", "{o}");
        let (s, problem) = app
            .post(
                &format!("/v1/orders/{id}/breach/outcome"),
                &ann,
                &json!({"outcome": "continue"}),
            )
            .await;
        assert_eq!(s, 409, "{problem}");
        let (s, o) = app
            .post_empty(&format!("/v1/orders/{id}/breach/proceedings"), &ann)
            .await;
        assert_eq!(s, 409, "{o}");
    }
);

both_backends!(
    warnings_on_two_orders_of_one_person_flag_the_case_for_breach,
    |app: TestApp| async move {
        // The rule counts the person's failures: one warning on their unpaid work and one
        // on their alcohol treatment make the second unacceptable failure within 12 months.
        seed_market(&app).await;
        upw_provider(&app, "CH-X820004", 52_000, 3, 3, 80).await;
        let alcohol_provider = alcohol_provider(&app, "ALC-X820004").await;
        let (upw, alcohol) = sentenced_to_both(&app, "X820004").await;
        let mut started = Vec::new();
        for o in [&upw, &alcohol] {
            let p = o["provider_id"].as_str().expect("placed").to_owned();
            let offer = o["offer"]["id"].as_str().expect("offer");
            let pt = app.provider_token(&p);
            let (s, body) = app
                .post_empty(&format!("/v1/offers/{offer}/accept"), &pt)
                .await;
            assert_eq!(s, 200, "{body}");
            let id = o["id"].as_str().expect("order").to_owned();
            let (s, body) = report(&app, &p, &id, json!({"type": "started"})).await;
            assert_eq!(s, 201, "{body}");
            started.push((id, p));
        }
        assert_eq!(started[1].1, alcohol_provider);
        let (first, p1) = &started[0];
        let (second, p2) = &started[1];
        let missed_first = missed(&app, p1, first).await;
        let (_, o) = decide(&app, first, &missed_first, json!({"decision": "warning"})).await;
        assert_eq!(o["breach"], Value::Null, "one warning is no breach: {o}");
        let missed_second = missed(&app, p2, second).await;
        let (s, o) = decide(&app, second, &missed_second, json!({"decision": "warning"})).await;
        assert_eq!(s, 200, "{o}");
        assert_eq!(
            o["breach"]["status"], "flagged",
            "the person's second warning: {o}"
        );
        // The person is flagged once: a further warning on the other order adds no breach.
        let again = missed(&app, p1, first).await;
        let (_, o) = decide(&app, first, &again, json!({"decision": "warning"})).await;
        assert_eq!(o["breach"], Value::Null, "{o}");
    }
);
