//! Outcomes per person on both backends (issue 17): a person's outcome is graduated,
//! split across the providers of the orders started in their measurement period pro rata
//! to their prices, and paid once whatever is recorded twice, concurrently or replayed;
//! reoffending uploads as CSV record the good rows and refuse the bad ones by line.

use diesel::RunQueryDsl;
use provider_hub_tests::orders::{alcohol_provider, sentenced_to_both};
use provider_hub_tests::outcomes::{complete, period_over, record_reoffending};
use provider_hub_tests::{both_backends, json, manager_token, seed_market, upw_provider, TestApp};
use serde_json::Value;

/// A third order of the person, for the unpaid-work provider at £260.00, completed with
/// its other orders: a copy of the unpaid-work order as the store holds it (a second plan
/// through the API would take a second assessment and sentence).
fn third_order(app: &TestApp, upw: &str) -> String {
    let mut conn = app.db.connect();
    let id = format!("{upw}x");
    diesel::sql_query(format!(
        "INSERT INTO plan_items (id, plan_id, position, category, specification_code, requirement, needs, priority, required_by, lead_time_days, late, set_aside, set_aside_reason, not_before) \
         SELECT id || 'x', plan_id, position + 10, category, specification_code, requirement, needs, priority, required_by, lead_time_days, late, set_aside, set_aside_reason, not_before \
         FROM plan_items WHERE id = (SELECT plan_item_id FROM orders WHERE id = '{upw}')"
    ))
    .execute(&mut conn)
    .expect("plan item");
    diesel::sql_query(format!(
        "INSERT INTO orders (id, plan_id, plan_item_id, crn, area_code, category, specification_code, required_by, status, created_by, created_at, updated_at, listing_id, provider_id, price_pence, starts_on, actual_start) \
         SELECT '{id}', plan_id, plan_item_id || 'x', crn, area_code, category, specification_code, required_by, 'completed', created_by, created_at, updated_at, listing_id, provider_id, 26000, starts_on, actual_start \
         FROM orders WHERE id = '{upw}'"
    ))
    .execute(&mut conn)
    .expect("order");
    id
}

/// A Sheffield person with three completed orders from two providers: unpaid work at
/// £520.00 and a copy at £260.00 (one provider), alcohol treatment at £400.00 (another).
/// Returns the orders by price.
async fn three_orders(app: &TestApp, crn: &str) -> Vec<(String, String, i64)> {
    upw_provider(app, &format!("CH-{crn}"), 52_000, 3, 3, 80).await;
    alcohol_provider(app, &format!("ALC-{crn}")).await;
    let (upw, alcohol) = sentenced_to_both(app, crn).await;
    let (upw, p1) = complete(app, &upw).await;
    let (alcohol, p2) = complete(app, &alcohol).await;
    assert_ne!(p1, p2);
    let third = third_order(app, &upw);
    vec![
        (upw, p1.clone(), 52_000),
        (alcohol, p2, 40_000),
        (third, p1, 26_000),
    ]
}

fn amount_of(outcome: &Value, order: &str) -> i64 {
    outcome["outcome"]["attribution"]
        .as_array()
        .expect("attribution")
        .iter()
        .find(|a| a["order_id"] == order)
        .and_then(|a| a["amount_pence"].as_i64())
        .unwrap_or_else(|| panic!("{order} not attributed: {outcome}"))
}

both_backends!(
    a_person_with_three_orders_recorded_twice_is_paid_one_graduated_outcome,
    |app: TestApp| async move {
        seed_market(&app).await;
        let orders = three_orders(&app, "X830001").await;
        let commissioner = app.token("commissioner");

        // The period is not over yet: refused in words, nothing recorded.
        let (s, problem) = record_reoffending(&app, "X830001", 1).await;
        assert_eq!(
            (s, problem["errors"][0]["field"].as_str()),
            (422, Some("period_start")),
            "{problem}"
        );
        assert!(problem["errors"][0]["message"]
            .as_str()
            .unwrap_or("")
            .contains("once it is over"));
        period_over(&app);

        // Bad records are refused and change nothing.
        for (body, status) in [
            (json!({"crn": "X830001", "proven_reoffences": -1}), 422),
            (json!({"crn": "X999999", "proven_reoffences": 0}), 404),
            (
                json!({"crn": "X830001", "period_start": "2020-01-01", "proven_reoffences": 0}),
                422,
            ),
            (
                json!({"crn": "X830001", "proven_reoffences": 0, "mood": "good"}),
                422,
            ),
        ] {
            let (s, problem) = app.post("/v1/reoffending", &commissioner, &body).await;
            assert_eq!(s, status, "{body}: {problem}");
        }
        let (s, _) = app
            .post(
                "/v1/reoffending",
                &manager_token("SY-SHF", "om-ann"),
                &json!({"crn": "X830001", "proven_reoffences": 0}),
            )
            .await;
        assert_eq!(s, 403);

        // One proven reoffence of 1.575 predicted (45 % × 3.5): no binary part; the
        // frequency part is half the pot × 0.575 / 1.575. The pot is the orders' outcome
        // milestones (30 %): 15,600 + 12,000 + 7,800 = 35,400.
        let (s, first) = record_reoffending(&app, "X830001", 1).await;
        assert_eq!(s, 200, "{first}");
        let o = &first["outcome"];
        assert_eq!(o["pot_pence"], 35_400);
        assert_eq!(o["predicted_reoffences"], "1.575");
        assert_eq!(o["binary_pence"], 0);
        assert_eq!(o["frequency_pence"], 6_461);
        assert_eq!(o["amount_pence"], 6_461);
        // Pro rata 52 : 40 : 26, the penny left to the largest remainder (the third order).
        let amounts: Vec<i64> = orders
            .iter()
            .map(|(id, _, _)| amount_of(&first, id))
            .collect();
        assert_eq!(amounts, vec![2_847, 2_190, 1_424]);
        let paid: i64 = first["payments"]
            .as_array()
            .expect("payments")
            .iter()
            .filter_map(|p| p["amount_pence"].as_i64())
            .sum();
        assert_eq!(paid, 6_461);

        // Recorded again: the same answer, and nothing paid twice.
        let (s, again) = record_reoffending(&app, "X830001", 1).await;
        assert_eq!(s, 200, "{again}");
        assert_eq!(again, first);
        let start = o["period_start"].as_str().expect("start");
        let (s, again) = app
            .post(
                "/v1/reoffending",
                &commissioner,
                &json!({"crn": "X830001", "period_start": start, "proven_reoffences": 1}),
            )
            .await;
        assert_eq!((s, &again), (200, &first));
        // Another count for the same period is a conflict.
        let (s, problem) = app
            .post(
                "/v1/reoffending",
                &commissioner,
                &json!({"crn": "X830001", "period_start": start, "proven_reoffences": 0}),
            )
            .await;
        assert_eq!(s, 409, "{problem}");

        // Each provider sees its outcome payments; they sum to what was earned.
        let mut total = 0;
        for p in [&orders[0].1, &orders[1].1] {
            let (_, page) = app.get("/v1/payments", &app.provider_token(p)).await;
            total += page["items"]
                .as_array()
                .expect("items")
                .iter()
                .filter(|x| x["milestone"] == "outcome")
                .filter_map(|x| x["amount_pence"].as_i64())
                .sum::<i64>();
        }
        assert_eq!(total, 6_461);
        // The orders carry the outcome; the list shows the person-period once.
        let (_, order) = app
            .get(&format!("/v1/orders/{}", orders[0].0), &commissioner)
            .await;
        assert_eq!(order["outcome"], "proven_reoffence_12m");
        let (s, list) = app.get("/v1/outcomes?crn=X830001", &commissioner).await;
        assert_eq!(s, 200, "{list}");
        assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
        let (_, other) = app.get("/v1/outcomes?area=SY-ROT", &commissioner).await;
        assert_eq!(other["items"], json!([]));
    }
);

both_backends!(
    concurrent_recordings_of_one_person_period_pay_once,
    |app: TestApp| async move {
        seed_market(&app).await;
        upw_provider(&app, "CH-X830002", 52_000, 3, 3, 80).await;
        let order = provider_hub_tests::purchase(&app, "SY-SHF", "X830002").await;
        let (id, p) = complete(&app, &order).await;
        period_over(&app);
        let token = app.token("commissioner");
        let sends = (0..20).map(|_| {
            let (app, token) = (&app, token.clone());
            async move {
                app.post(
                    "/v1/reoffending",
                    &token,
                    &json!({"crn": "X830002", "proven_reoffences": 0}),
                )
                .await
            }
        });
        let answers = futures_util::future::join_all(sends).await;
        for (s, body) in &answers {
            assert_eq!(*s, 200, "{body}");
            assert_eq!(body, &answers[0].1, "every answer is the first result");
        }
        // No reoffence: the whole outcome milestone (30 % of £520.00).
        assert_eq!(answers[0].1["outcome"]["amount_pence"], 15_600);
        let (_, page) = app.get("/v1/payments", &app.provider_token(&p)).await;
        let outcome: Vec<&Value> = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter(|x| x["milestone"] == "outcome")
            .collect();
        assert_eq!(outcome.len(), 1, "{page}");
        assert_eq!(outcome[0]["order_id"], id.as_str());
        // Replays with one Idempotency-Key answer the same.
        let r = app
            .client
            .post(app.url("/v1/reoffending"))
            .bearer_auth(&token)
            .header("Idempotency-Key", "reoffending-1")
            .json(&json!({"crn": "X830002", "proven_reoffences": 0}))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status().as_u16(), 200);
        // Another count for the recorded period is a conflict.
        let (s, problem) = record_reoffending(&app, "X830002", 3).await;
        assert_eq!(s, 409, "{problem}");
    }
);

/// Waits until the worker has processed an upload.
async fn processed(app: &TestApp, id: &str) -> Value {
    let token = app.token("commissioner");
    for _ in 0..300 {
        let (s, upload) = app
            .get(&format!("/v1/reoffending/uploads/{id}"), &token)
            .await;
        assert_eq!(s, 200, "{upload}");
        if upload["status"] == "done" {
            return upload;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("upload {id} not processed");
}

async fn upload(app: &TestApp, token: &str, csv: &str) -> (u16, Value) {
    let r = app
        .client
        .post(app.url("/v1/reoffending/uploads"))
        .bearer_auth(token)
        .header("Content-Type", "text/csv")
        .body(csv.to_owned())
        .send()
        .await
        .expect("send");
    provider_hub_tests::status_and_json(r).await
}

both_backends!(
    an_upload_records_the_good_rows_and_refuses_the_bad_by_line,
    |app: TestApp| async move {
        seed_market(&app).await;
        upw_provider(&app, "CH-X830003", 52_000, 6, 3, 80).await;
        for crn in ["X830003", "X830004"] {
            let order = provider_hub_tests::purchase(&app, "SY-SHF", crn).await;
            complete(&app, &order).await;
        }
        let token = app.token("commissioner");
        // Refused whole: not CSV, no header.
        let (s, problem) = upload(&app, &token, "X830003,,0\n").await;
        assert_eq!(s, 422, "{problem}");
        let r = app
            .client
            .post(app.url("/v1/reoffending/uploads"))
            .bearer_auth(&token)
            .json(&json!({"crn": "X830003"}))
            .send()
            .await
            .expect("send");
        assert_eq!(r.status().as_u16(), 415);
        let (s, _) = upload(
            &app,
            &app.provider_token("prv_x"),
            "crn,period_start,proven_reoffences\n",
        )
        .await;
        assert_eq!(s, 403);

        // The period not over: refused by line, and the other rows go on.
        let csv = "crn,period_start,proven_reoffences\nX830003,,0\nX999999,,0\n";
        let (s, accepted) = upload(&app, &token, csv).await;
        assert_eq!(s, 202, "{accepted}");
        let done = processed(&app, accepted["id"].as_str().expect("id")).await;
        assert_eq!(
            (
                done["rows_recorded"].as_u64(),
                done["rows_refused"].as_u64()
            ),
            (Some(0), Some(2))
        );
        assert!(
            done["refused"][0]["reason"]
                .as_str()
                .unwrap_or("")
                .contains("once it is over"),
            "{done}"
        );

        period_over(&app);
        let csv = "crn,period_start,proven_reoffences\n\
                   X830003,,0\n\
                   X999999,,0\n\
                   X830004,,-2\n\
                   X830004,,=1+1\n\
                   X830004,yesterday,1\n\
                   X830004,,2\n\
                   X830003,,1\n";
        let (s, accepted) = upload(&app, &token, csv).await;
        assert_eq!(s, 202, "{accepted}");
        assert_eq!(accepted["rows_total"], 7);
        let done = processed(&app, accepted["id"].as_str().expect("id")).await;
        assert_eq!(done["rows_processed"], 7, "{done}");
        assert_eq!(done["rows_recorded"], 2, "{done}");
        assert_eq!(done["rows_refused"], 5, "{done}");
        let lines: Vec<u64> = done["refused"]
            .as_array()
            .expect("refused")
            .iter()
            .filter_map(|r| r["line"].as_u64())
            .collect();
        // X999999 unknown; a negative count; a formula; not a date; and X830003 again
        // with another count for its recorded period.
        assert_eq!(lines, vec![3, 4, 5, 6, 8], "{done}");
        let (_, list) = app.get("/v1/outcomes", &token).await;
        assert_eq!(list["items"].as_array().map(Vec::len), Some(2), "{list}");
        // The refused rows as CSV.
        let r = app
            .client
            .get(app.url(&format!(
                "/v1/reoffending/uploads/{}",
                done["id"].as_str().expect("id")
            )))
            .bearer_auth(&token)
            .header("Accept", "text/csv")
            .send()
            .await
            .expect("csv");
        let text = r.text().await.expect("text");
        assert!(text.starts_with("line,crn,reason"), "{text}");
        assert_eq!(text.lines().count(), 6, "{text}");
    }
);
