//! Commissioning reports on both backends: a small market is built through the API
//! (orders accepted, declined, expired, delivered, failed, unmatched and over budget) and
//! each report's numbers are checked as a commissioner would check them, with the
//! filters, the CSV form and the refusals.

use chrono::Duration;
use provider_hub_domain::payment::financial_year;
use provider_hub_tests::{attend_in_full, both_backends, json, purchase, upw_provider, TestApp};
use serde_json::Value;

/// What the market holds once built; `t0` is the day the first plans were approved.
struct Market {
    t0: chrono::NaiveDate,
    a: String,
    b: String,
}

async fn accept(app: &TestApp, provider: &str, order: &Value) {
    let offer = order["offer"]["id"].as_str().expect("offer");
    let (s, body) = app
        .post_empty(
            &format!("/v1/offers/{offer}/accept"),
            &app.provider_token(provider),
        )
        .await;
    assert_eq!(s, 200, "{body}");
}

async fn report(app: &TestApp, provider: &str, order: &Value, body: Value) {
    let id = order["id"].as_str().expect("order");
    let (s, reply) = app
        .post(
            &format!("/v1/orders/{id}/delivery-events"),
            &app.provider_token(provider),
            &body,
        )
        .await;
    assert_eq!(s, 201, "{reply}");
}

async fn order(app: &TestApp, order: &Value) -> Value {
    let id = order["id"].as_str().expect("order");
    let (s, body) = app
        .get(&format!("/v1/orders/{id}"), &app.token("commissioner"))
        .await;
    assert_eq!(s, 200, "{body}");
    body
}

/// Provider A lists unpaid work in Sheffield at £500 (two places starting on day 3),
/// provider B at £550 (five places starting on day 10); the cap is £600. Day 0: four
/// Sheffield orders — o1 (A, accepted), o2 (A declines "no supervisor that week", then B
/// accepts), o3 (B accepts), o4 (A lets the offer expire, then B accepts) — and two
/// Rotherham orders nobody serves (unmatched). Day 7: Sheffield's budget is set to nil
/// and o5 waits for approval. Day 12: o1 started on day 3, completed and its outcome
/// recorded (no proven reoffence); o3 started on day 10 and failed; o2 started today.
async fn build(app: &TestApp) -> Market {
    provider_hub_tests::seed_market(app).await;
    let t0 = app.today();
    let (a, _) = upw_provider(app, "CH-A", 50_000, 2, 3, 80).await;
    let (b, _) = upw_provider(app, "CH-B", 55_000, 5, 10, 70).await;

    let o1 = purchase(app, "SY-SHF", "X100001").await;
    let o2 = purchase(app, "SY-SHF", "X100002").await;
    let o3 = purchase(app, "SY-SHF", "X100003").await;
    assert_eq!(
        [&o1, &o2, &o3].map(|o| o["provider_id"].as_str()),
        [Some(a.as_str()), Some(a.as_str()), Some(b.as_str())],
        "A's two places first, then B"
    );
    accept(app, &a, &o1).await;
    let offer = o2["offer"]["id"].as_str().expect("offer");
    let (s, body) = app
        .post(
            &format!("/v1/offers/{offer}/decline"),
            &app.provider_token(&a),
            &json!({"reason": "no supervisor that week"}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let o2 = order(app, &o2).await;
    assert_eq!(o2["provider_id"].as_str(), Some(b.as_str()), "{o2}");
    accept(app, &b, &o2).await;
    accept(app, &b, &o3).await;
    let o4 = purchase(app, "SY-SHF", "X100004").await;
    assert_eq!(o4["provider_id"].as_str(), Some(a.as_str()), "{o4}");
    for crn in ["X200001", "X200002"] {
        let r = purchase(app, "SY-ROT", crn).await;
        assert_eq!(r["status"], "unmatched", "{r}");
        let area = r["explanation"]["excluded"]
            .as_array()
            .expect("exclusions")
            .iter()
            .find(|x| x["rule"] == "area")
            .cloned();
        assert_eq!(area, Some(json!({"rule": "area", "excluded": 2})), "{r}");
    }

    // A lets o4's offer expire; it goes to B, who accepts.
    app.clock.advance_days(7);
    let mut o4_now = order(app, &o4).await;
    for _ in 0..100 {
        if o4_now["provider_id"].as_str() == Some(b.as_str()) && o4_now["status"] == "offered" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        o4_now = order(app, &o4).await;
    }
    assert_eq!(o4_now["provider_id"].as_str(), Some(b.as_str()), "{o4_now}");
    accept(app, &b, &o4_now).await;

    // A nil budget: the next Sheffield order waits for a commissioner.
    let year = financial_year(t0 + Duration::days(10));
    let (s, body) = app
        .put(
            &format!("/v1/budgets/SY-SHF/{year}"),
            &app.token("commissioner"),
            &json!({"allocated_pence": 0}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let o5 = purchase(app, "SY-SHF", "X100005").await;
    assert_eq!(o5["status"], "awaiting_approval", "{o5}");

    app.clock.advance_days(5);
    let day = |n: i64| (t0 + Duration::days(n)).to_string();
    report(app, &a, &o1, json!({"type": "started", "on": day(3)})).await;
    attend_in_full(app, &a, o1["id"].as_str().expect("o1")).await;
    report(app, &a, &o1, json!({"type": "completed"})).await;
    let id = o1["id"].as_str().expect("o1");
    // Its outcome paid today (a person's measurement period takes 12 months).
    provider_hub_tests::outcomes::outcome_paid_now(app, id, "no_proven_reoffence_12m");
    report(app, &b, &o3, json!({"type": "started", "on": day(10)})).await;
    report(
        app,
        &b,
        &o3,
        json!({"type": "failed", "details": "moved out of area"}),
    )
    .await;
    report(app, &b, &o2, json!({"type": "started"})).await;
    Market { t0, a, b }
}

impl Market {
    fn day(&self, n: i64) -> String {
        (self.t0 + Duration::days(n)).to_string()
    }
}

async fn read(app: &TestApp, path: &str) -> Value {
    let (s, body) = app.get(path, &app.token("commissioner")).await;
    assert_eq!(s, 200, "{path}: {body}");
    body
}

async fn csv(app: &TestApp, path: &str) -> String {
    let r = app
        .client
        .get(app.url(path))
        .bearer_auth(app.token("commissioner"))
        .header("Accept", "text/csv")
        .send()
        .await
        .expect("csv");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(
        r.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    r.text().await.expect("body")
}

both_backends!(
    reports_show_what_the_market_did,
    |app: TestApp| async move {
        let m = build(&app).await;
        let (a, b) = (m.a.as_str(), m.b.as_str());

        // Spend: £500 committed and paid in full to A; three £550 orders committed to B,
        // two of them started (20% each).
        let spend = read(&app, "/v1/reports/spend").await;
        assert_eq!(spend["report"], "spend");
        assert_eq!((&spend["from"], &spend["to"]), (&Value::Null, &Value::Null));
        assert_eq!(
            spend["rows"],
            json!([
                {"area": "SY-SHF", "category": "unpaid_work", "provider_id": a,
                 "provider_name": "Provider CH-A", "committed_orders": 1,
                 "committed_pence": 50_000, "paid_pence": 50_000},
                {"area": "SY-SHF", "category": "unpaid_work", "provider_id": b,
                 "provider_name": "Provider CH-B", "committed_orders": 3,
                 "committed_pence": 165_000, "paid_pence": 22_000},
            ])
        );
        assert_eq!(
            spend["totals"],
            json!({"committed_orders": 4, "committed_pence": 215_000, "paid_pence": 72_000})
        );
        let widest = read(&app, "/v1/reports/spend?from=0001-01-01&to=9999-12-31").await;
        assert_eq!(
            widest["totals"], spend["totals"],
            "the widest period is everything"
        );
        // Committed counts starts in the period, paid counts payments made in it (day 12).
        let later = read(
            &app,
            &format!("/v1/reports/spend?from={}&to={}", m.day(5), m.day(30)),
        )
        .await;
        assert_eq!(
            (&later["from"], &later["to"]),
            (&json!(m.day(5)), &json!(m.day(30)))
        );
        let pairs: Vec<(i64, i64)> = later["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| {
                (
                    r["committed_pence"].as_i64().unwrap_or(-1),
                    r["paid_pence"].as_i64().unwrap_or(-1),
                )
            })
            .collect();
        assert_eq!(pairs, vec![(0, 50_000), (165_000, 22_000)]);
        let before_payments = read(&app, &format!("/v1/reports/spend?to={}", m.day(11))).await;
        assert_eq!(
            before_payments["totals"],
            json!({"committed_orders": 4, "committed_pence": 215_000, "paid_pence": 0})
        );
        let only_b = read(&app, &format!("/v1/reports/spend?provider_id={b}")).await;
        assert_eq!(only_b["rows"].as_array().map(Vec::len), Some(1));
        assert_eq!(only_b["totals"]["committed_pence"], 165_000);
        let rotherham = read(&app, "/v1/reports/spend?area=SY-ROT").await;
        assert_eq!(rotherham["rows"], json!([]));
        assert_eq!(rotherham["totals"]["paid_pence"], 0);
        let text = csv(&app, "/v1/reports/spend").await;
        assert_eq!(
            text,
            format!(
                "area,category,provider_id,provider_name,committed_orders,committed_pence,committed_pounds,paid_pence,paid_pounds\r\n\
                 SY-SHF,unpaid_work,{a},Provider CH-A,1,50000,500.00,50000,500.00\r\n\
                 SY-SHF,unpaid_work,{b},Provider CH-B,3,165000,1650.00,22000,220.00\r\n\
                 TOTAL,,,,4,215000,2150.00,72000,720.00\r\n"
            )
        );

        // Unmet demand: Rotherham has no provider (twelve days waiting; every listing
        // excluded by the area rule); Sheffield's fifth order waits for budget approval
        // (five days), A excluded for lack of a free place.
        let unmet = read(&app, "/v1/reports/unmet-demand").await;
        assert_eq!(
            unmet["rows"],
            json!([
                {"area": "SY-ROT", "category": "unpaid_work", "unmatched": 2,
                 "awaiting_approval": 0, "average_days_waiting": 12.0,
                 "longest_days_waiting": 12, "top_rule": "area", "top_rule_excluded": 4},
                {"area": "SY-SHF", "category": "unpaid_work", "unmatched": 0,
                 "awaiting_approval": 1, "average_days_waiting": 5.0,
                 "longest_days_waiting": 5, "top_rule": "free_place", "top_rule_excluded": 1},
            ])
        );
        assert_eq!(
            unmet["totals"],
            json!({"unmatched": 2, "awaiting_approval": 1, "average_days_waiting": 9.7,
                   "longest_days_waiting": 12, "top_rule": "area", "top_rule_excluded": 4})
        );
        let recent = read(&app, &format!("/v1/reports/unmet-demand?from={}", m.day(1))).await;
        assert_eq!(recent["rows"].as_array().map(Vec::len), Some(1));
        assert_eq!(recent["rows"][0]["area"], "SY-SHF");
        let sheffield = read(&app, "/v1/reports/unmet-demand?area=SY-SHF").await;
        assert_eq!(sheffield["totals"]["top_rule"], "free_place");
        assert_eq!(sheffield["totals"]["unmatched"], 0);
        let text = csv(&app, "/v1/reports/unmet-demand").await;
        assert_eq!(
            text,
            "area,category,unmatched,awaiting_approval,average_days_waiting,longest_days_waiting,top_rule,top_rule_excluded\r\n\
             SY-ROT,unpaid_work,2,0,12.0,12,area,4\r\n\
             SY-SHF,unpaid_work,0,1,5.0,5,free_place,1\r\n"
        );

        // Waiting times: committed starts 3, 10, 10 and 10 days after approval; actual
        // starts 3, 10 and 12 days after.
        let waits = read(&app, "/v1/reports/waiting-times").await;
        let sheffield = json!({
            "area": "SY-SHF", "category": "unpaid_work", "orders_approved": 5,
            "committed_orders": 4, "committed_p50_days": 10, "committed_p90_days": 10,
            "committed_average_days": 8.3,
            "started_orders": 3, "started_p50_days": 10, "started_p90_days": 12,
            "started_average_days": 8.3,
        });
        assert_eq!(
            waits["rows"],
            json!([
                {"area": "SY-ROT", "category": "unpaid_work", "orders_approved": 2,
                 "committed_orders": 0, "committed_p50_days": null, "committed_p90_days": null,
                 "committed_average_days": null,
                 "started_orders": 0, "started_p50_days": null, "started_p90_days": null,
                 "started_average_days": null},
                sheffield,
            ])
        );
        let mut totals = sheffield.clone();
        let totals = totals.as_object_mut().expect("object");
        totals.remove("area");
        totals.remove("category");
        totals.insert("orders_approved".into(), json!(7));
        assert_eq!(waits["totals"], json!(totals));
        let none = read(&app, "/v1/reports/waiting-times?category=accommodation").await;
        assert_eq!(none["rows"], json!([]));
        assert_eq!(
            (
                &none["totals"]["orders_approved"],
                &none["totals"]["committed_p50_days"]
            ),
            (&json!(0), &Value::Null)
        );
        let text = csv(&app, "/v1/reports/waiting-times?area=SY-SHF").await;
        assert_eq!(
            text.lines().nth(1),
            Some("SY-SHF,unpaid_work,5,4,10,10,8.3,3,10,12,8.3")
        );

        // Providers: A made three offers (accepted, declined, expired), delivered its one
        // order to a positive outcome; B accepted all three of its offers, one order failed.
        let providers = read(&app, "/v1/reports/providers").await;
        assert_eq!(
            providers["rows"],
            json!([
                {"provider_id": a, "provider_name": "Provider CH-A",
                 "offers_made": 3, "accepted": 1, "declined": 1, "expired": 1,
                 "acceptance_rate": 0.3333,
                 "orders": 1, "completed": 1, "failed": 0, "completion_rate": 1.0,
                 "outcomes_recorded": 1, "no_proven_reoffence": 1, "outcome_rate": 1.0,
                 "average_accepted_price_pence": 50_000, "average_price_cap_pence": 60_000,
                 "price_to_cap": 0.8333,
                 "decline_reasons": [{"reason": "no supervisor that week", "declines": 1}]},
                {"provider_id": b, "provider_name": "Provider CH-B",
                 "offers_made": 3, "accepted": 3, "declined": 0, "expired": 0,
                 "acceptance_rate": 1.0,
                 "orders": 3, "completed": 0, "failed": 1, "completion_rate": 0.0,
                 "outcomes_recorded": 0, "no_proven_reoffence": 0, "outcome_rate": null,
                 "average_accepted_price_pence": 55_000, "average_price_cap_pence": 60_000,
                 "price_to_cap": 0.9167, "decline_reasons": []},
            ])
        );
        assert_eq!(
            providers["totals"],
            json!({"offers_made": 6, "accepted": 4, "declined": 1, "expired": 1,
                   "acceptance_rate": 0.6667, "orders": 4, "completed": 1, "failed": 1,
                   "completion_rate": 0.5, "outcomes_recorded": 1, "no_proven_reoffence": 1,
                   "outcome_rate": 1.0, "average_accepted_price_pence": 53_750,
                   "average_price_cap_pence": 60_000, "price_to_cap": 0.8958})
        );
        let sheffield = read(
            &app,
            "/v1/reports/providers?area=SY-SHF&category=unpaid_work",
        )
        .await;
        assert_eq!(
            sheffield["rows"], providers["rows"],
            "every offer was Sheffield's"
        );
        let rotherham = read(&app, "/v1/reports/providers?area=SY-ROT").await;
        assert_eq!(rotherham["rows"], json!([]));
        // Only the offer made after day 0 (B's, for o4); orders by committed start.
        let later = read(&app, &format!("/v1/reports/providers?from={}", m.day(1))).await;
        let offers: Vec<(i64, i64)> = later["rows"]
            .as_array()
            .expect("rows")
            .iter()
            .map(|r| {
                (
                    r["offers_made"].as_i64().unwrap_or(-1),
                    r["orders"].as_i64().unwrap_or(-1),
                )
            })
            .collect();
        assert_eq!(offers, vec![(0, 1), (1, 3)]);
        let only_a = read(&app, &format!("/v1/reports/providers?provider_id={a}")).await;
        assert_eq!(only_a["rows"].as_array().map(Vec::len), Some(1));
        assert_eq!(only_a["provider_id"].as_str(), Some(a));
        let text = csv(&app, &format!("/v1/reports/providers?provider_id={a}")).await;
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with("provider_id,provider_name,offers_made,"));
        assert_eq!(
            lines[1],
            format!(
                "{a},Provider CH-A,3,1,1,1,0.3333,1,1,0,1,1,1,1,50000,60000,0.8333,no supervisor that week (1)"
            )
        );

        // The quality team reads them too.
        let (s, _) = app
            .get("/v1/reports/providers", &app.token("quality"))
            .await;
        assert_eq!(s, 200);
    }
);

both_backends!(
    report_filters_are_checked_and_other_roles_refused,
    |app: TestApp| async move {
        provider_hub_tests::seed_market(&app).await;
        let commissioner = app.token("commissioner");
        for report in ["spend", "unmet-demand", "waiting-times", "providers"] {
            let path = format!("/v1/reports/{report}");
            let (s, empty) = app.get(&path, &commissioner).await;
            assert_eq!(s, 200, "{empty}");
            assert_eq!(
                (&empty["report"], &empty["rows"]),
                (&json!(report), &json!([]))
            );
            for (query, field) in [
                ("from=2026-12-01&to=2026-11-30", "from"),
                ("from=yesterday", "from"),
                ("to=2026-02-30", "to"),
                ("category=unpaid-work", "category"),
                ("area=", "area"),
                ("area=SY%00SHF", "area"),
                ("area=WY-LDS", "area"),
            ] {
                let (s, problem) = app.get(&format!("{path}?{query}"), &commissioner).await;
                assert_eq!(
                    (s, problem["errors"][0]["field"].as_str()),
                    (422, Some(field)),
                    "{path}?{query}: {problem}"
                );
            }
            // Every field at fault at once.
            let (s, problem) = app
                .get(
                    &format!("{path}?from=yesterday&to=2026-02-30&category=juggling"),
                    &commissioner,
                )
                .await;
            assert_eq!(s, 422, "{problem}");
            let fields: Vec<&str> = problem["errors"]
                .as_array()
                .expect("errors")
                .iter()
                .map(|e| e["field"].as_str().expect("field"))
                .collect();
            assert_eq!(fields, ["category", "from", "to"], "{problem}");
            let (s, one_day) = app
                .get(
                    &format!("{path}?from=2026-11-30&to=2026-11-30"),
                    &commissioner,
                )
                .await;
            assert_eq!(s, 200, "a one-day period: {one_day}");
            let (s, widest) = app
                .get(
                    &format!("{path}?from=0001-01-01&to=9999-12-31"),
                    &commissioner,
                )
                .await;
            assert_eq!(s, 200, "the widest period: {widest}");
            for role in ["offender_manager", "provider", "admin"] {
                let (s, _) = app.get(&path, &app.token(role)).await;
                assert_eq!(s, 403, "{path} as {role}");
            }
        }
    }
);
