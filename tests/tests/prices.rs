//! Differentiated prices and the cherry-picking report on both backends (issue 17): a
//! specification's payment model multiplies the listing's price by the person's risk
//! tier and risk of serious harm; the costed plan, the order, the provider's offer and
//! the payments show it; matching compares the multiplied price; and the cherry-picking
//! report counts offers, declines and eligibility by tier.

use provider_hub_tests::{
    accredit, assessment_body, both_backends, create_listing, json, listing_body, manager_token,
    register_provider, seed_market, specification_body, TestApp,
};
use serde_json::Value;

/// UPW-TIER: unpaid work for every tier and risk, paying ×1.20 for tier 3, ×1.50 for
/// tier 4, ×1.10 for high and ×1.25 for very high risk of serious harm. Published.
async fn tiered_specification(app: &TestApp) {
    let q = app.token("quality");
    let mut spec = specification_body("UPW-TIER");
    spec["eligibility"]["tiers"] = json!([1, 2, 3, 4]);
    spec["eligibility"]["max_risk_of_harm"] = json!("very_high");
    spec["payment_model"]["multipliers"] = json!({
        "tier_bps": [10000, 10000, 12000, 15000],
        "risk_of_harm_bps": [10000, 10000, 11000, 12500]
    });
    let (s, body) = app.post("/v1/specifications", &q, &spec).await;
    assert_eq!(s, 201, "{body}");
    let (s, body) = app
        .post_empty("/v1/specifications/UPW-TIER/versions/1/publish", &q)
        .await;
    assert_eq!(s, 200, "{body}");
}

/// A provider accredited for unpaid work with a published listing of `spec` in
/// Sheffield at `price`, five places a week from today.
async fn provider(app: &TestApp, registration: &str, spec: &str, price: i64) -> (String, String) {
    let p = register_provider(app, registration).await;
    accredit(app, &p, "unpaid_work", 80).await;
    let mut body = listing_body(price);
    body["specification_code"] = json!(spec);
    let l = create_listing(app, &p, &body).await;
    let pt = app.provider_token(&p);
    let start = app.today() + chrono::Duration::days(7);
    let (s, body) = app
        .put(
            &format!("/v1/listings/{l}/capacity"),
            &pt,
            &json!({"slots": [{"starts_on": start.to_string(), "places": 5}]}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = app
        .post_empty(&format!("/v1/listings/{l}/publish"), &pt)
        .await;
    assert_eq!(s, 200, "{body}");
    (p, l)
}

/// A Sheffield case of this tier and risk of serious harm needing unpaid work: its
/// costed plan's one item, then the order approving the plan made.
async fn purchase(app: &TestApp, crn: &str, tier: u8, risk: &str) -> (Value, Value) {
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
    assessment["tier"] = json!(tier);
    assessment["risk_of_serious_harm"] = json!(risk);
    assessment["sentence_date"] = json!(app.today().to_string());
    assessment["requirements"] = json!([{"type": "unpaid_work", "hours": 120}]);
    for need in assessment["needs"].as_array_mut().expect("needs") {
        need["linked_to_offending"] = json!(false);
    }
    let (s, a) = app.post("/v1/assessments", &ann, &assessment).await;
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_str().expect("id");
    app.post_empty(&format!("/v1/assessments/{id}/submit"), &ann)
        .await;
    let (s, body) = app
        .post_empty(&format!("/v1/assessments/{id}/approve"), &bob)
        .await;
    assert_eq!(s, 200, "{body}");
    let (s, plan) = app
        .get(&format!("/v1/assessments/{id}/sentence-plan"), &ann)
        .await;
    assert_eq!(s, 200, "{plan}");
    let item = plan["items"][0].clone();
    let plan_id = plan["id"].as_str().expect("plan");
    let (s, approval) = app
        .post_empty(&format!("/v1/sentence-plans/{plan_id}/approve"), &ann)
        .await;
    assert_eq!(s, 200, "{approval}");
    (item, approval["orders"][0].clone())
}

fn pricing(v: &Value) -> (Option<i64>, Option<i64>, Option<i64>) {
    (
        v["price_pence"].as_i64(),
        v["list_price_pence"].as_i64(),
        v["multiplier_bps"].as_i64(),
    )
}

both_backends!(
    plans_orders_offers_and_payments_show_the_multiplied_price,
    |app: TestApp| async move {
        seed_market(&app).await;
        tiered_specification(&app).await;
        let (p, l) = provider(&app, "PR-A", "UPW-TIER", 50_000).await;

        // Tier 1, low risk: the listing's price.
        let (item, order) = purchase(&app, "X710001", 1, "low").await;
        assert_eq!(
            pricing(&item["quote"]),
            (Some(50_000), Some(50_000), Some(10_000))
        );
        assert_eq!(pricing(&order), (Some(50_000), Some(50_000), Some(10_000)));

        // Tier 4, very high risk: ×1.50 × 1.25 = ×1.875 for the same listing.
        let (item, order) = purchase(&app, "X710004", 4, "very_high").await;
        assert_eq!(item["quote"]["listing_id"], l.as_str());
        assert_eq!(
            pricing(&item["quote"]),
            (Some(93_750), Some(50_000), Some(18_750))
        );
        assert_eq!(order["listing_id"], l.as_str());
        assert_eq!(pricing(&order), (Some(93_750), Some(50_000), Some(18_750)));
        assert_eq!(order["explanation"]["chosen"]["multiplier_bps"], 18_750);

        // The provider's offer carries the multiplied price and the multiplier.
        let pt = app.provider_token(&p);
        let (s, offers) = app.get("/v1/offers?status=pending", &pt).await;
        assert_eq!(s, 200, "{offers}");
        let offer = offers["items"]
            .as_array()
            .and_then(|a| a.iter().find(|o| o["order_id"] == order["id"]))
            .cloned()
            .expect("the tier-4 offer");
        assert_eq!(pricing(&offer), (Some(93_750), Some(50_000), Some(18_750)));
        let order_id = order["id"].as_str().expect("order");
        let (s, own) = app.get(&format!("/v1/orders/{order_id}"), &pt).await;
        assert_eq!(s, 200, "{own}");
        assert_eq!(own["placement"]["chosen"]["price_pence"], 93_750);

        // Accepted and started: 20 % of the multiplied price, with the multiplier shown.
        let offer_id = offer["id"].as_str().expect("offer");
        let (s, body) = app
            .post_empty(&format!("/v1/offers/{offer_id}/accept"), &pt)
            .await;
        assert_eq!(s, 200, "{body}");
        let (s, started) = app
            .post(
                &format!("/v1/orders/{order_id}/delivery-events"),
                &pt,
                &json!({"type": "started"}),
            )
            .await;
        assert_eq!(s, 201, "{started}");
        assert_eq!(started["payment"]["amount_pence"], 18_750);
        assert_eq!(started["payment"]["multiplier_bps"], 18_750);
        let (s, payments) = app.get("/v1/payments", &pt).await;
        assert_eq!(s, 200, "{payments}");
        let paid = &payments["items"][0];
        assert_eq!(
            (
                paid["amount_pence"].as_i64(),
                paid["order_price_pence"].as_i64(),
                paid["list_price_pence"].as_i64(),
                paid["multiplier_bps"].as_i64()
            ),
            (Some(18_750), Some(93_750), Some(50_000), Some(18_750))
        );
    }
);

both_backends!(
    multipliers_are_validated_and_default_to_one,
    |app: TestApp| async move {
        seed_market(&app).await;
        let q = app.token("quality");
        let (s, spec) = app.get("/v1/specifications/UPW-STD", &q).await;
        assert_eq!(s, 200, "{spec}");
        let model = &spec["versions"][0]["content"]["payment_model"];
        let model = if model.is_null() {
            &spec["versions"][0]["payment_model"]
        } else {
            model
        };
        assert_eq!(
            model["multipliers"],
            json!({"tier_bps": [10000, 10000, 10000, 10000],
                   "risk_of_harm_bps": [10000, 10000, 10000, 10000]}),
            "{spec}"
        );
        let before = app.snapshot().await;
        let mut bad = specification_body("UPW-BAD");
        bad["payment_model"]["multipliers"] = json!({"tier_bps": [10000, 10000, 4999, 30001]});
        let (s, problem) = app.post("/v1/specifications", &q, &bad).await;
        assert_eq!(s, 422, "{problem}");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .map(|a| a.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(
            fields,
            [
                "payment_model.multipliers.tier_bps[2]",
                "payment_model.multipliers.tier_bps[3]"
            ]
        );
        bad["payment_model"]["multipliers"] = json!({"tiers": {"1": 1.0}});
        let (s, problem) = app.post("/v1/specifications", &q, &bad).await;
        assert_eq!(s, 422, "{problem}");
        assert_eq!(app.snapshot().await, before, "nothing changed");
    }
);

both_backends!(
    a_multiplier_changes_which_listing_wins,
    |app: TestApp| async move {
        seed_market(&app).await;
        tiered_specification(&app).await;
        let (tiered, _) = provider(&app, "PR-TIER", "UPW-TIER", 50_000).await;
        let (flat, _) = provider(&app, "PR-FLAT", "UPW-STD", 55_000).await;
        // Tier 1: £500.00 beats £550.00.
        let (_, order) = purchase(&app, "X720001", 1, "low").await;
        assert_eq!(order["provider_id"], tiered.as_str());
        // Tier 3, high risk: £500.00 × 1.32 = £660.00, so the flat £550.00 wins.
        let (item, order) = purchase(&app, "X720003", 3, "high").await;
        assert_eq!(item["quote"]["provider_id"], flat.as_str());
        assert_eq!(order["provider_id"], flat.as_str());
        assert_eq!(pricing(&order), (Some(55_000), Some(55_000), Some(10_000)));
        assert_eq!(order["explanation"]["runner_up"]["price_pence"], 66_000);
    }
);

both_backends!(
    the_cherry_picking_report_compares_each_provider_with_the_market,
    |app: TestApp| async move {
        seed_market(&app).await;
        tiered_specification(&app).await;
        // A takes every tier at £500 (multiplied); B takes tiers 1–3 up to high risk at a
        // flat £550.
        let (a, _) = provider(&app, "PR-A", "UPW-TIER", 50_000).await;
        let (b, _) = provider(&app, "PR-B", "UPW-STD", 55_000).await;
        let mut orders = Vec::new();
        for (crn, tier, risk) in [
            ("X730001", 1, "low"),
            ("X730002", 2, "medium"),
            ("X730003", 3, "high"),
            ("X730004", 4, "very_high"),
        ] {
            orders.push(purchase(&app, crn, tier, risk).await.1);
        }
        let providers: Vec<&str> = orders
            .iter()
            .filter_map(|o| o["provider_id"].as_str())
            .collect();
        assert_eq!(providers, [a.as_str(), a.as_str(), b.as_str(), a.as_str()]);
        // B declines the tier-3 offer; A is offered it next.
        let offer = orders[2]["offer"]["id"].as_str().expect("offer");
        let (s, body) = app
            .post(
                &format!("/v1/offers/{offer}/decline"),
                &app.provider_token(&b),
                &json!({"reason": "no supervisor for high risk"}),
            )
            .await;
        assert_eq!(s, 200, "{body}");

        let c = app.token("commissioner");
        let (s, report) = app
            .get("/v1/reports/cherry-picking?category=unpaid_work", &c)
            .await;
        assert_eq!(s, 200, "{report}");
        assert_eq!(report["report"], "cherry_picking");
        let row = |p: &str| -> Value {
            report["rows"]
                .as_array()
                .and_then(|rows| rows.iter().find(|r| r["provider_id"] == p))
                .cloned()
                .unwrap_or_else(|| panic!("a row for {p}: {report}"))
        };
        let (ra, rb) = (row(&a), row(&b));
        // A: four offers (tiers 1–4), two high-tier; B: one (tier 3), declined. The
        // market: five offers, three high-tier.
        assert_eq!(
            (ra["offers_made"].as_i64(), ra["high_tier_offers"].as_i64()),
            (Some(4), Some(2))
        );
        assert_eq!(ra["high_tier_share"], 0.5);
        assert_eq!(ra["market_high_tier_share"], 0.6);
        assert_eq!(rb["high_tier_share"], 1.0);
        assert_eq!(ra["flagged"], false, "too few offers to judge");
        let tier3 = &rb["declines_by_tier"][2];
        assert_eq!(
            (
                tier3["tier"].as_i64(),
                tier3["offers"].as_i64(),
                tier3["declined"].as_i64()
            ),
            (Some(3), Some(1), Some(1))
        );
        assert_eq!(tier3["decline_rate"], 1.0);
        assert_eq!(tier3["market_decline_rate"], 0.5);
        assert_eq!(ra["declines_by_tier"][2]["decline_rate"], 0.0);
        // Narrowing: four Sheffield orders; B's eligibility excludes the tier-4 person
        // (1 of 4), A's nobody; the market pooled 1 of 8, so B's index is 2.00.
        assert_eq!(
            (
                rb["orders_in_areas_served"].as_i64(),
                rb["excluded_by_eligibility"].as_i64()
            ),
            (Some(4), Some(1))
        );
        assert_eq!(rb["excluded_share"], 0.25);
        assert_eq!(rb["market_excluded_share"], 0.125);
        assert_eq!(rb["narrowing_index"], 2.0);
        assert_eq!(ra["narrowing_index"], 0.0);

        // One provider only, and as CSV.
        let (s, only) = app
            .get(&format!("/v1/reports/cherry-picking?provider_id={b}"), &c)
            .await;
        assert_eq!(s, 200, "{only}");
        assert_eq!(only["rows"].as_array().map(Vec::len), Some(1), "{only}");
        assert_eq!(only["rows"][0]["market_high_tier_share"], 0.6);
        let csv = reqwest::Client::new()
            .get(app.url("/v1/reports/cherry-picking?category=unpaid_work"))
            .bearer_auth(&c)
            .header("accept", "text/csv")
            .send()
            .await
            .expect("csv");
        assert_eq!(csv.status(), 200);
        let text = csv.text().await.expect("text");
        let mut lines = text.lines();
        assert!(
            lines
                .next()
                .is_some_and(|h| h.starts_with("provider_id,provider_name,category,offers_made")),
            "{text}"
        );
        assert_eq!(lines.count(), 2, "{text}");

        // Refusals.
        let (s, _) = app
            .get(
                "/v1/reports/cherry-picking",
                &manager_token("SY-SHF", "om-ann"),
            )
            .await;
        assert_eq!(s, 403);
        let (s, problem) = app
            .get("/v1/reports/cherry-picking?from=yesterday", &c)
            .await;
        assert_eq!(
            (s, problem["errors"][0]["field"].as_str()),
            (422, Some("from"))
        );
        let (s, _) = app
            .get("/v1/reports/cherry-picking?category=juggling", &c)
            .await;
        assert_eq!(s, 422);
    }
);
