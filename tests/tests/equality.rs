//! Equality monitoring on both backends: an offender manager records a person's ethnic
//! group and disability (with the case, or later, audited); providers see none of it —
//! not in orders, offers, referral packs nor events; the equality report counts it with
//! disclosure control (small counts and what would give them away are null, `[c]` in
//! CSV), for commissioners, the quality team and analysts only.

use chrono::Duration;
use provider_hub_tests::{both_backends, json, manager_token, purchase, upw_provider, TestApp};
use serde_json::Value;

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

async fn set(app: &TestApp, crn: &str, body: Value) -> (u16, Value) {
    app.put(
        &format!("/v1/cases/{crn}/equality"),
        &manager_token("SY-SHF", "om-ann"),
        &body,
    )
    .await
}

both_backends!(
    equality_is_recorded_changed_and_refused_as_it_should,
    |app: TestApp| async move {
        provider_hub_tests::seed_market(&app).await;
        let ann = manager_token("SY-SHF", "om-ann");
        let case = json!({"crn": "E100001", "sex": "female", "date_of_birth": "1985-02-03",
            "area": "SY-SHF", "ethnic_group": "mixed_white_and_asian", "disability": "yes"});
        let (s, body) = app.post("/v1/cases", &ann, &case).await;
        assert_eq!(s, 201, "{body}");
        let (s, seen) = app.get("/v1/cases/E100001/equality", &ann).await;
        assert_eq!(s, 200, "{seen}");
        assert_eq!(
            (&seen["ethnic_group"], &seen["disability"]),
            (&json!("mixed_white_and_asian"), &json!("yes"))
        );
        // A case registered without it: nothing recorded.
        let plain = json!({"crn": "E100002", "sex": "male", "date_of_birth": "1990-01-01",
            "area": "SY-SHF"});
        let (s, _) = app.post("/v1/cases", &ann, &plain).await;
        assert_eq!(s, 201);
        let (_, seen) = app.get("/v1/cases/E100002/equality", &ann).await;
        assert_eq!(seen["ethnic_group"], Value::Null, "{seen}");
        assert_eq!(seen["recorded_at"], Value::Null, "{seen}");
        // Recorded later, then changed: parts left out are not recorded.
        let (s, body) = set(
            &app,
            "E100002",
            json!({"ethnic_group": "prefer_not_to_say", "disability": "no"}),
        )
        .await;
        assert_eq!(s, 200, "{body}");
        let (s, body) = set(&app, "E100002", json!({"ethnic_group": "white_roma"})).await;
        assert_eq!(s, 200, "{body}");
        assert_eq!(body["ethnic_group"], "white_roma");
        assert_eq!(body["disability"], Value::Null);
        let (_, seen) = app
            .get("/v1/cases/E100002/equality", &app.token("quality"))
            .await;
        assert_eq!(
            seen["ethnic_group"], "white_roma",
            "the quality team reads it"
        );

        // Refusals change nothing.
        let before = app.snapshot().await;
        let (_, kept) = app.get("/v1/cases/E100002/equality", &ann).await;
        let (s, problem) = set(&app, "E100002", json!({"ethnic_group": "martian"})).await;
        assert_eq!(s, 422, "{problem}");
        assert!(problem.to_string().contains("ethnic_group"), "{problem}");
        let (s, _) = set(&app, "E100002", json!({"religion": "none"})).await;
        assert_eq!(s, 422);
        let (s, _) = set(&app, "E100009", json!({"disability": "no"})).await;
        assert_eq!(s, 404, "no such case");
        let rotherham = manager_token("SY-ROT", "om-rot");
        let (s, _) = app
            .put(
                "/v1/cases/E100002/equality",
                &rotherham,
                &json!({"disability": "no"}),
            )
            .await;
        assert_eq!(s, 404, "another area's case does not exist for them");
        for role in ["provider", "quality", "commissioner", "analyst", "admin"] {
            let (s, _) = app
                .put(
                    "/v1/cases/E100002/equality",
                    &app.token(role),
                    &json!({"disability": "no"}),
                )
                .await;
            assert_eq!(s, 403, "{role}");
        }
        let bad_case = json!({"crn": "E100003", "sex": "male", "date_of_birth": "1990-01-01",
            "area": "SY-SHF", "disability": "sometimes"});
        let (s, _) = app.post("/v1/cases", &ann, &bad_case).await;
        assert_eq!(s, 422);
        assert_eq!(app.snapshot().await, before);
        let (_, still) = app.get("/v1/cases/E100002/equality", &ann).await;
        assert_eq!(still, kept);
    }
);

both_backends!(
    a_provider_sees_nothing_of_a_persons_equality_monitoring,
    |app: TestApp| async move {
        provider_hub_tests::seed_market(&app).await;
        let (p, _) = upw_provider(&app, "CH-EQ", 50_000, 3, 3, 80).await;
        let order = purchase(&app, "SY-SHF", "E200001").await;
        let (s, _) = set(
            &app,
            "E200001",
            json!({"ethnic_group": "black_caribbean", "disability": "prefer_not_to_say"}),
        )
        .await;
        assert_eq!(s, 200);
        accept(&app, &p, &order).await;
        let id = order["id"].as_str().expect("order");
        let pt = app.provider_token(&p);
        let mut seen = Vec::new();
        for path in [
            format!("/v1/orders/{id}"),
            "/v1/orders".to_owned(),
            "/v1/offers".to_owned(),
            format!("/v1/orders/{id}/referral-pack"),
            "/v1/events?limit=500".to_owned(),
        ] {
            let (s, body) = app.get(&path, &pt).await;
            assert!(s == 200 || s == 404, "{path}: {s} {body}");
            seen.push(body.to_string());
        }
        let (s, events) = app.get("/v1/events?limit=500", &pt).await;
        assert_eq!(s, 200);
        assert!(
            !events["items"].as_array().expect("items").is_empty(),
            "the provider has events to read"
        );
        let text = seen.join("\n");
        for absent in [
            "ethnic",
            "disab",
            "black_caribbean",
            "prefer_not_to_say",
            "Caribbean",
        ] {
            assert!(
                !text.contains(absent),
                "{absent} shown to a provider: {text}"
            );
        }
        // Nor does any event (what webhooks deliver) carry it, whoever reads them.
        let (_, all) = app.get("/v1/events?limit=500", &app.token("quality")).await;
        let all = all.to_string();
        assert!(
            !all.contains("black_caribbean") && !all.contains("ethnic"),
            "{all}"
        );
        // Providers do not read it directly either.
        let (s, _) = app.get("/v1/cases/E200001/equality", &pt).await;
        assert_eq!(s, 403);
    }
);

async fn report(app: &TestApp, token: &str, query: &str) -> Value {
    let (s, body) = app
        .get(&format!("/v1/reports/equality{query}"), token)
        .await;
    assert_eq!(s, 200, "{body}");
    body
}

fn group<'a>(line: &'a Value, dimension: &str, group: &str) -> &'a Value {
    line["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .find(|g| g["dimension"] == dimension && g["group"] == group)
        .unwrap_or_else(|| panic!("{dimension} {group} in {line}"))
}

both_backends!(
    the_equality_report_counts_and_suppresses_small_numbers,
    |app: TestApp| async move {
        provider_hub_tests::seed_market(&app).await;
        let t0 = app.today();
        let (p, _) = upw_provider(&app, "CH-EQR", 50_000, 20, 3, 80).await;
        // Twelve placements in Sheffield: six White, one Black, five not recorded.
        let mut orders = Vec::new();
        for n in 0..12 {
            let crn = format!("E3000{n:02}");
            let order = purchase(&app, "SY-SHF", &crn).await;
            accept(&app, &p, &order).await;
            let group = match n {
                0..=5 => Some("white_irish"),
                6 => Some("black_african"),
                _ => None,
            };
            if let Some(g) = group {
                let (s, _) = set(&app, &crn, json!({"ethnic_group": g})).await;
                assert_eq!(s, 200);
            }
            orders.push(order);
        }
        // Five White placements start 3 days after their order was created.
        app.clock.advance_days(5);
        let on = (t0 + Duration::days(3)).to_string();
        for order in &orders[..5] {
            let id = order["id"].as_str().expect("order");
            let (s, body) = app
                .post(
                    &format!("/v1/orders/{id}/delivery-events"),
                    &app.provider_token(&p),
                    &json!({"type": "started", "on": on}),
                )
                .await;
            assert_eq!(s, 201, "{body}");
        }

        let analyst = app.token("analyst");
        let r = report(&app, &analyst, "").await;
        assert_eq!(r["report"], "equality");
        assert_eq!(r["threshold"], 5);
        let rows = r["rows"].as_array().expect("rows");
        assert_eq!(rows.len(), 1, "{r}");
        let line = &rows[0];
        assert_eq!(
            (&line["area"], &line["category"]),
            (&json!("SY-SHF"), &json!("unpaid_work"))
        );
        assert_eq!(
            line["total"],
            json!({"placements": 12, "median_wait_days": 3, "completions": 0,
                   "positive_outcomes": 0})
        );
        // Sex and age: everyone male, born 1990 — published whole.
        assert_eq!(group(line, "sex", "male")["placements"], 12);
        assert_eq!(group(line, "sex", "female")["placements"], 0);
        let ages: Vec<&Value> = ["18-24", "25-34", "35-49", "50+"]
            .iter()
            .map(|a| &group(line, "age_band", a)["placements"])
            .collect();
        assert_eq!(
            ages.iter().filter(|p| **p == &json!(12)).count(),
            1,
            "{line}"
        );
        // Ethnic group: Black (1) suppressed, and the next-smallest, not recorded (5), so
        // that Black cannot be worked out from the total; White (6) published, with its
        // median of five started orders.
        let white = group(line, "ethnic_group", "white");
        assert_eq!(white["placements"], 6);
        assert_eq!(white["median_wait_days"], 3);
        for hidden in ["black", "not_recorded"] {
            let g = group(line, "ethnic_group", hidden);
            assert_eq!(g["placements"], Value::Null, "{hidden}: {g}");
            assert_eq!(g["median_wait_days"], Value::Null, "{hidden}: {g}");
        }
        for zero in ["asian", "mixed", "other", "prefer_not_to_say"] {
            assert_eq!(group(line, "ethnic_group", zero)["placements"], 0, "{zero}");
        }
        // No published figure is 1 to 4, anywhere.
        let text = r.to_string();
        for g in line["groups"].as_array().expect("groups") {
            for m in ["placements", "completions", "positive_outcomes"] {
                if let Some(n) = g[m].as_u64() {
                    assert!(n == 0 || n >= 5, "{m} {n} published in {text}");
                }
            }
        }

        // The CSV marks suppression with [c].
        let csv = app
            .client
            .get(app.url("/v1/reports/equality"))
            .bearer_auth(&analyst)
            .header("Accept", "text/csv")
            .send()
            .await
            .expect("csv")
            .text()
            .await
            .expect("body");
        let mut lines = csv.lines();
        assert_eq!(
            lines.next(),
            Some("area,category,dimension,group,placements,median_wait_days,completions,positive_outcomes")
        );
        assert!(csv.contains("SY-SHF,unpaid_work,all,all,12,3,0,0"), "{csv}");
        assert!(
            csv.contains("SY-SHF,unpaid_work,ethnic_group,black,[c],[c],0,0"),
            "{csv}"
        );
        assert!(
            csv.contains("SY-SHF,unpaid_work,ethnic_group,white,6,3,0,0"),
            "{csv}"
        );

        // Filters: another area, a later period: nothing. Commissioners and the quality
        // team read it too; nobody else.
        let later = (t0 + Duration::days(1)).to_string();
        for query in ["?area=SY-ROT".to_owned(), format!("?from={later}")] {
            let r = report(&app, &app.token("commissioner"), &query).await;
            assert_eq!(r["rows"], json!([]), "{query}");
        }
        report(&app, &app.token("quality"), "?category=unpaid_work").await;
        for role in ["offender_manager", "provider", "admin", "court"] {
            let (s, _) = app.get("/v1/reports/equality", &app.token(role)).await;
            assert_eq!(s, 403, "{role}");
        }
        let (s, problem) = app
            .get("/v1/reports/equality?from=2026-13-01", &analyst)
            .await;
        assert_eq!(s, 422, "{problem}");
    }
);
