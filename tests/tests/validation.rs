//! Bad input gets a clear 4xx problem — never a 500 — and changes nothing.

use provider_hub_tests::{both_backends, json, specification_body, status_and_json, TestApp};
use serde_json::Value;

/// Changes a valid body into an invalid one.
type Breaker = Box<dyn Fn(&mut Value)>;

async fn post_raw(
    app: &TestApp,
    path: &str,
    content_type: Option<&str>,
    body: Vec<u8>,
) -> (u16, Value) {
    let mut req = app
        .client
        .post(app.url(path))
        .bearer_auth(app.token("quality"))
        .body(body);
    if let Some(ct) = content_type {
        req = req.header("content-type", ct);
    }
    status_and_json(req.send().await.expect("send")).await
}

both_backends!(
    bad_bodies_get_4xx_problems_and_change_nothing,
    |app: TestApp| async move {
        let before = app.snapshot().await;
        let json_ct = Some("application/json");

        let (status, p) = post_raw(
            &app,
            "/v1/specifications",
            json_ct,
            b"{\"code\": \"X".to_vec(),
        )
        .await;
        assert_eq!(status, 400, "malformed JSON: {p}");

        let (status, p) = post_raw(
            &app,
            "/v1/specifications",
            Some("text/plain"),
            serde_json::to_vec(&specification_body("TXT")).expect("json"),
        )
        .await;
        assert_eq!(status, 415, "wrong media type: {p}");
        let (status, _) = post_raw(
            &app,
            "/v1/specifications",
            None,
            serde_json::to_vec(&specification_body("TXT")).expect("json"),
        )
        .await;
        assert_eq!(status, 415, "no media type");

        // An object is an object: a list of its fields in order is not one, whole or nested.
        let spec = specification_body("SEQ");
        let fields: Vec<Value> = spec
            .as_object()
            .expect("an object")
            .values()
            .cloned()
            .collect();
        let (status, p) = post_raw(
            &app,
            "/v1/specifications",
            json_ct,
            serde_json::to_vec(&fields).expect("json"),
        )
        .await;
        assert_eq!(status, 422, "a body as a list: {p}");
        assert!(
            p["detail"]
                .as_str()
                .is_some_and(|d| d.contains("must be an object")),
            "{p}"
        );
        let mut nested = spec.clone();
        nested["eligibility"] = json!([["female"], 18, 99, "high", [1, 2]]);
        let (status, p) = post_raw(
            &app,
            "/v1/specifications",
            json_ct,
            serde_json::to_vec(&nested).expect("json"),
        )
        .await;
        assert_eq!(status, 422, "eligibility as a list: {p}");
        assert_eq!(p["errors"][0]["field"], "eligibility", "{p}");

        let mut huge = specification_body("HUGE");
        huge["description"] = json!("x".repeat(300 * 1024));
        let (status, p) = post_raw(
            &app,
            "/v1/specifications",
            json_ct,
            serde_json::to_vec(&huge).expect("json"),
        )
        .await;
        assert_eq!(status, 413, "oversize: {p}");

        // Shape errors name the field.
        let cases: Vec<(&str, Breaker)> = vec![
            ("colour", Box::new(|b| b["colour"] = json!("blue"))),
            (
                "price_cap_pence",
                Box::new(|b| b["price_cap_pence"] = json!("lots")),
            ),
            (
                "price_cap_pence",
                Box::new(|b| b["price_cap_pence"] = json!(12.5)),
            ),
            ("category", Box::new(|b| b["category"] = json!("juggling"))),
            ("needs[0]", Box::new(|b| b["needs"] = json!(["gambling"]))),
            (
                "eligibility.max_risk_of_harm",
                Box::new(|b| b["eligibility"]["max_risk_of_harm"] = json!("extreme")),
            ),
            (
                "eligibility.min_age",
                Box::new(|b| b["eligibility"]["min_age"] = json!(-1)),
            ),
            (
                "eligibility.min_age",
                Box::new(|b| b["eligibility"]["min_age"] = json!(16)),
            ),
            (
                "eligibility.tiers",
                Box::new(|b| b["eligibility"]["tiers"] = json!([5])),
            ),
            ("code", Box::new(|b| b["code"] = json!("lower-case"))),
            (
                "payment_model.milestones",
                Box::new(|b| b["payment_model"]["milestones"][0]["percent"] = json!(10)),
            ),
            (
                "delivery_standard.format",
                Box::new(|b| b["delivery_standard"]["format"] = json!("telepathy")),
            ),
            ("title", Box::new(|b| b["title"] = json!(""))),
            (
                "unit_of_purchase",
                Box::new(|b| {
                    b.as_object_mut().map(|o| o.remove("unit_of_purchase"));
                }),
            ),
        ];
        for (field, break_it) in cases {
            let mut body = specification_body("BAD");
            break_it(&mut body);
            let (status, problem) = app
                .post("/v1/specifications", &app.token("quality"), &body)
                .await;
            assert_eq!(status, 422, "{field}: {problem}");
            let fields: Vec<&str> = problem["errors"]
                .as_array()
                .map(|e| e.iter().filter_map(|f| f["field"].as_str()).collect())
                .unwrap_or_default();
            assert!(
                fields.iter().any(|f| f.starts_with(field)),
                "{field} named in {problem}"
            );
            assert!(
                !problem.to_string().to_lowercase().contains("sql"),
                "no SQL in {problem}"
            );
        }

        // A JSON array where an object belongs, and an edit with a bad value.
        let (status, _) = app
            .post("/v1/specifications", &app.token("quality"), &json!([1, 2]))
            .await;
        assert_eq!(status, 422);
        let (status, _) = app
            .post(
                "/v1/areas",
                &app.token("admin"),
                &json!({"code": "sy shf", "name": "x", "region": "y"}),
            )
            .await;
        assert_eq!(status, 422);

        assert_eq!(app.snapshot().await, before, "nothing was stored");
    }
);

both_backends!(
    unknown_routes_and_methods_are_problems,
    |app: TestApp| async move {
        let (status, _) = app.get("/v1/nothing-here", &app.token("quality")).await;
        assert_eq!(status, 404);
        let r = app
            .client
            .delete(app.url("/v1/specifications"))
            .bearer_auth(app.token("quality"))
            .send()
            .await
            .expect("send");
        let allow = r
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let (status, _) = status_and_json(r).await;
        assert_eq!(status, 405);
        assert_eq!(allow.as_deref(), Some("GET, POST"));
        let r = app
            .client
            .put(app.url("/v1/specifications/UPW-STD/versions/1/publish"))
            .send()
            .await
            .expect("send");
        assert_eq!(
            r.headers().get("allow").and_then(|v| v.to_str().ok()),
            Some("POST")
        );
        assert_eq!(status_and_json(r).await.0, 405);
    }
);

both_backends!(
    a_query_parameter_the_route_does_not_take_is_refused_by_name,
    |app: TestApp| async move {
        let quality = app.token("quality");
        // A filter the route does not have answers 422 naming it, never the whole list.
        let (status, p) = app
            .get("/v1/orders?region=Yorkshire&status=open", &quality)
            .await;
        assert_eq!(status, 422, "{p}");
        assert_eq!(p["errors"][0]["field"], "region", "{p}");
        let message = p["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains("GET /v1/orders takes"), "{p}");
        assert!(message.contains("status"), "{p}");
        assert_eq!(p["errors"].as_array().map(Vec::len), Some(1), "{p}");
        // A misspelt one likewise, each named once; a route without parameters says so.
        let (status, p) = app
            .get("/v1/specifications?stauts=x&stauts=y&limt=2", &quality)
            .await;
        assert_eq!(status, 422, "{p}");
        let fields: Vec<&str> = p["errors"]
            .as_array()
            .map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(fields, ["stauts", "limt"], "{p}");
        let commissioner = app.token("commissioner");
        let (status, p) = app.get("/v1/lead-times?x=1", &commissioner).await;
        assert_eq!(status, 422, "{p}");
        assert!(
            p["detail"]
                .as_str()
                .unwrap_or_default()
                .contains("takes no query parameters"),
            "{p}"
        );
        // What the route declares is taken as before.
        let (status, p) = app.get("/v1/orders?status=open&limit=5", &quality).await;
        assert_eq!(status, 200, "{p}");
    }
);

both_backends!(
    every_mistake_of_a_body_is_named_at_once_in_words,
    |app: TestApp| async move {
        let admin = app.token("admin");
        let (s, body) = app
            .post(
                "/v1/areas",
                &admin,
                &json!({"code": "SY-SHF", "name": "Sheffield", "region": "Yorkshire"}),
            )
            .await;
        assert_eq!(s, 201, "{body}");
        let before = app.snapshot().await;
        let ann = provider_hub_tests::manager_token("SY-SHF", "om-ann");
        let (status, problem) = app
            .post(
                "/v1/cases",
                &ann,
                &json!({"crn": "x12", "sex": "robot", "date_of_birth": "yesterday", "area": "SY-SHF", "colour": "blue"}),
            )
            .await;
        assert_eq!(status, 422, "{problem}");
        let mut fields: Vec<&str> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().expect("field"))
            .collect();
        fields.sort();
        assert_eq!(
            fields,
            ["colour", "crn", "date_of_birth", "sex"],
            "{problem}"
        );
        let text = problem.to_string();
        for rust in [
            "unknown variant",
            "unknown field",
            "expected i64",
            "invalid type",
            "deserialize",
            "JSON error",
            "`",
        ] {
            assert!(!text.contains(rust), "{rust} in {problem}");
        }
        assert!(text.contains("must be one of female, male"), "{problem}");
        assert!(text.contains("must be a date, YYYY-MM-DD"), "{problem}");

        // Malformed JSON and a path of the wrong kind are told in words too.
        let res = app
            .client
            .post(app.url("/v1/cases"))
            .bearer_auth(&ann)
            .header("content-type", "application/json")
            .body("{\"crn\": ")
            .send()
            .await
            .expect("send");
        let (status, problem) = status_and_json(res).await;
        assert_eq!(status, 400);
        assert!(
            problem["detail"]
                .as_str()
                .is_some_and(|d| d.contains("ends too early") && !d.contains("EOF")),
            "{problem}"
        );
        let (status, problem) = app
            .get("/v1/budgets/SY-SHF/next-year", &app.token("commissioner"))
            .await;
        assert_eq!(status, 404, "{problem}");
        assert!(!problem.to_string().contains("deserialize"), "{problem}");
        assert_eq!(app.snapshot().await, before, "nothing changed");
    }
);
