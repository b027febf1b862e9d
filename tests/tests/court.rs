//! The court's start dates (issue 16, part 6), on both backends: a court sees exactly the
//! orders of the sentences passed at it, each with its status and committed start date,
//! and is told by event when a date is committed or lost — nothing of other courts.

use provider_hub_tests::{
    assessment_body, both_backends, court_claims, json, manager_token, seed_market, sign_hs256,
    upw_provider, TestApp, TEST_SECRET,
};
use serde_json::Value;

fn court_token(court: &str) -> String {
    sign_hs256(&court_claims(court), TEST_SECRET)
}

/// A case in SY-SHF sentenced today at `court` (if any) to unpaid work; its plan approved,
/// which buys the order; returns the order.
async fn sentence(app: &TestApp, crn: &str, court: Option<&str>) -> Value {
    let ann = manager_token("SY-SHF", "om-ann");
    let bob = manager_token("SY-SHF", "om-bob");
    let (s, body) = app
        .post(
            "/v1/cases",
            &ann,
            &json!({"crn": crn, "sex": "male", "date_of_birth": "1990-04-01", "area": "SY-SHF"}),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    let mut assessment = assessment_body(&format!("OASYS-{crn}"), crn);
    assessment["sentence_date"] = json!(app.today().to_string());
    assessment["requirements"] = json!([{"type": "unpaid_work", "hours": 120}]);
    for need in assessment["needs"].as_array_mut().expect("needs") {
        need["linked_to_offending"] = json!(false);
    }
    if let Some(court) = court {
        assessment["court"] = json!(court);
    }
    let (s, a) = app.post("/v1/assessments", &ann, &assessment).await;
    assert_eq!(s, 201, "{a}");
    assert_eq!(a["court"], json!(court), "the assessment names its court");
    let id = a["id"].as_str().expect("id");
    app.post_empty(&format!("/v1/assessments/{id}/submit"), &ann)
        .await;
    let (s, body) = app
        .post_empty(&format!("/v1/assessments/{id}/approve"), &bob)
        .await;
    assert_eq!(s, 200, "{body}");
    let (_, plan) = app
        .get(&format!("/v1/assessments/{id}/sentence-plan"), &ann)
        .await;
    let plan = plan["id"].as_str().expect("plan");
    let (s, approval) = app
        .post_empty(&format!("/v1/sentence-plans/{plan}/approve"), &ann)
        .await;
    assert_eq!(s, 200, "{approval}");
    approval["orders"][0].clone()
}

async fn court_orders(app: &TestApp, court: &str) -> Vec<Value> {
    let (s, page) = app.get("/v1/court/orders", &court_token(court)).await;
    assert_eq!(s, 200, "{page}");
    page["items"].as_array().expect("items").clone()
}

async fn court_events(app: &TestApp, court: &str) -> Vec<Value> {
    let (s, page) = app.get("/v1/events?limit=500", &court_token(court)).await;
    assert_eq!(s, 200, "{page}");
    page["items"].as_array().expect("items").clone()
}

both_backends!(
    a_court_sees_its_own_sentences_start_dates_and_nothing_of_other_courts,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (provider, _) = upw_provider(&app, "CRT-1", 30_000, 5, 10, 80).await;
        let pt = app.provider_token(&provider);
        let ours = sentence(&app, "C000001", Some("SHF-MC")).await;
        let theirs = sentence(&app, "C000002", Some("ROT-MC")).await;
        let nobodys = sentence(&app, "C000003", None).await;
        for order in [&ours, &theirs, &nobodys] {
            assert_eq!(order["status"], "offered", "{order}");
        }

        // Offered: the court sees the order, but no start date is committed yet.
        let seen = court_orders(&app, "SHF-MC").await;
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert_eq!(seen[0]["order_id"], ours["id"]);
        assert_eq!(seen[0]["crn"], "C000001");
        assert_eq!(seen[0]["status"], "offered");
        assert_eq!(seen[0]["committed_start_date"], Value::Null);
        assert_eq!(
            seen[0]["requirement"],
            json!({"type": "unpaid_work", "hours": 120})
        );
        assert_eq!(seen[0]["sentence_date"], app.today().to_string());
        // Only what the view needs: no price, provider, needs or risk.
        let text = seen[0].to_string();
        for absent in [
            "price",
            "provider",
            "needs",
            "risk",
            "listing",
            "1990-04-01",
        ] {
            assert!(!text.contains(absent), "{absent} in {text}");
        }
        // No event yet tells the court anything: an offer is not a commitment.
        assert!(court_events(&app, "SHF-MC").await.is_empty());

        // The provider accepts: the start date is committed, and the court is told.
        for order in [&ours, &theirs] {
            let offer = order["offer"]["id"].as_str().expect("offer");
            let (s, body) = app
                .post_empty(&format!("/v1/offers/{offer}/accept"), &pt)
                .await;
            assert_eq!(s, 200, "{body}");
        }
        let start = (app.today() + chrono::Duration::days(10)).to_string();
        let seen = court_orders(&app, "SHF-MC").await;
        assert_eq!(seen[0]["status"], "accepted");
        assert_eq!(seen[0]["committed_start_date"], start);
        let events = court_events(&app, "SHF-MC").await;
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0]["type"], "offer.accepted");
        assert_eq!(events[0]["order_id"], ours["id"]);
        assert_eq!(events[0]["data"]["committed_start_date"], start);

        // The other court sees its own sentence only.
        let theirs_seen = court_orders(&app, "ROT-MC").await;
        assert_eq!(theirs_seen.len(), 1);
        assert_eq!(theirs_seen[0]["order_id"], theirs["id"]);
        let their_events = court_events(&app, "ROT-MC").await;
        assert_eq!(their_events.len(), 1);
        assert_eq!(their_events[0]["order_id"], theirs["id"]);
        // A court that sentenced nobody sees nothing.
        assert!(court_orders(&app, "DON-MC").await.is_empty());
        assert!(court_events(&app, "DON-MC").await.is_empty());

        // The offender manager cancels: the court is told the date is gone.
        let ann = manager_token("SY-SHF", "om-ann");
        let (s, body) = app
            .post(
                &format!("/v1/orders/{}/cancel", ours["id"].as_str().expect("id")),
                &ann,
                &json!({"reason": "Sentence varied on appeal"}),
            )
            .await;
        assert_eq!(s, 200, "{body}");
        let seen = court_orders(&app, "SHF-MC").await;
        assert_eq!(seen[0]["status"], "cancelled");
        assert_eq!(seen[0]["committed_start_date"], Value::Null);
        let events = court_events(&app, "SHF-MC").await;
        let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
        assert_eq!(kinds, ["offer.accepted", "order.cancelled"]);

        // Only a court reads this view.
        let (s, _) = app.get("/v1/court/orders", &ann).await;
        assert_eq!(s, 403);
    }
);

both_backends!(
    a_sentencing_court_code_is_checked_and_changes_nothing_when_bad,
    |app: TestApp| async move {
        seed_market(&app).await;
        let ann = manager_token("SY-SHF", "om-ann");
        let (s, body) = app
            .post(
                "/v1/cases",
                &ann,
                &json!({"crn": "C000010", "sex": "female", "date_of_birth": "1991-02-03", "area": "SY-SHF"}),
            )
            .await;
        assert_eq!(s, 201, "{body}");
        let before = app.snapshot().await;
        let mut assessment = assessment_body("OASYS-C000010", "C000010");
        assessment["court"] = json!("sheffield magistrates");
        let (s, problem) = app.post("/v1/assessments", &ann, &assessment).await;
        assert_eq!(s, 422, "{problem}");
        assert!(problem.to_string().contains("court"), "{problem}");
        assert_eq!(app.snapshot().await, before);
    }
);

fn quote_body(area: &str) -> Value {
    json!({
        "area": area,
        "sex": "male",
        "age": 34,
        "risk_of_serious_harm": "medium",
        "tier": 2,
        "requirements": [
            {"category": "unpaid_work"},
            {"category": "accommodation"}
        ]
    })
}

both_backends!(
    an_availability_quote_answers_what_placement_would_choose_now_and_holds_nothing,
    |app: TestApp| async move {
        seed_market(&app).await;
        // Unpaid work is due within 14 days of a sentence passed today.
        let (soon, _) = upw_provider(&app, "QTE-1", 30_000, 1, 5, 80).await;
        let (cheap, cheap_listing) = upw_provider(&app, "QTE-2", 25_000, 1, 10, 80).await;
        let (_late, _) = upw_provider(&app, "QTE-3", 20_000, 1, 20, 80).await;
        let ann = manager_token("SY-SHF", "om-ann");
        let before = app.snapshot().await;

        let (s, quote) = app
            .post("/v1/availability-quotes", &ann, &quote_body("SY-SHF"))
            .await;
        assert_eq!(s, 200, "{quote}");
        assert_eq!(quote["policy"], "best_price");
        let upw = &quote["requirements"][0];
        // Best price among the listings with a place in time: the cheaper, later one.
        assert_eq!(upw["available"], true, "{upw}");
        assert_eq!(upw["price_pence"], 25_000);
        assert_eq!(upw["provider_id"], json!(cheap));
        assert_eq!(upw["listing_id"], json!(cheap_listing));
        assert!(upw["provider_name"].is_string(), "{upw}");
        let day = |n: i64| (app.today() + chrono::Duration::days(n)).to_string();
        assert_eq!(upw["starts_on"], day(10));
        assert_eq!(upw["earliest_start_date"], day(5), "{soon} starts sooner");
        assert_eq!(upw["required_by"], day(14));
        assert_eq!(upw["considered"], 3);
        // The accommodation requirement has nobody to deliver it.
        let acc = &quote["requirements"][1];
        assert_eq!(acc["available"], false, "{acc}");
        assert_eq!(acc["price_pence"], Value::Null);
        assert!(acc["no_availability_reason"].is_string(), "{acc}");

        // Another area: the listings do not serve it, counted under the area rule.
        let court = court_token("ROT-MC");
        let (s, quote) = app
            .post("/v1/availability-quotes", &court, &quote_body("SY-ROT"))
            .await;
        assert_eq!(s, 200, "{quote}");
        let upw = &quote["requirements"][0];
        assert_eq!(upw["available"], false, "{upw}");
        let area_rule = upw["excluded"]
            .as_array()
            .expect("excluded")
            .iter()
            .find(|x| x["rule"] == "area")
            .cloned()
            .unwrap_or_default();
        assert_eq!(area_rule["excluded"], 3, "{upw}");

        // Nothing was held or written.
        assert_eq!(app.snapshot().await, before);
        let order = sentence(&app, "Q000001", None).await;
        assert_eq!(order["status"], "offered", "{order}");
        assert_eq!(
            order["listing_id"],
            json!(cheap_listing),
            "the quoted place is still free"
        );

        // Bad requests change nothing and say which field is wrong.
        let mut both = quote_body("SY-SHF");
        both["date_of_birth"] = json!("1990-01-01");
        let (s, problem) = app.post("/v1/availability-quotes", &ann, &both).await;
        assert_eq!(s, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "age", "{problem}");
        let (s, problem) = app
            .post("/v1/availability-quotes", &ann, &quote_body("SY-XXX"))
            .await;
        assert_eq!(s, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "area", "{problem}");
        // A provider does not ask for quotes.
        let (s, _) = app
            .post(
                "/v1/availability-quotes",
                &app.provider_token(&cheap),
                &quote_body("SY-SHF"),
            )
            .await;
        assert_eq!(s, 403);
    }
);
