//! `Idempotency-Key` on creating POSTs: same key and body replays, another body is 422;
//! a key belongs to the caller's whole identity and never replays across scopes.

use provider_hub_tests::{
    assessment_body, both_backends, claims, json, manager_token, proposed_plan, purchase,
    seed_market, sign_hs256, specification_body, status_and_json, upw_provider, TestApp,
    TEST_SECRET,
};
use serde_json::Value;

/// POSTs `body` (none when null) with an `Idempotency-Key`: status, body, and whether
/// it was a replay.
async fn post_keyed(
    app: &TestApp,
    path: &str,
    token: &str,
    key: &str,
    body: &Value,
) -> (u16, Value, bool) {
    let mut request = app
        .client
        .post(app.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key);
    if !body.is_null() {
        request = request.json(body);
    }
    let r = request.send().await.expect("send");
    let replayed = r.headers().get("idempotent-replayed").is_some();
    let (status, value) = status_and_json(r).await;
    (status, value, replayed)
}

/// A provider token for `provider_id` whose subject is `sub`.
fn provider_token_as(provider_id: &str, sub: &str) -> String {
    let mut c = claims("provider", None, Some(provider_id));
    c.sub = sub.to_owned();
    sign_hs256(&c, TEST_SECRET)
}

async fn create(app: &TestApp, key: &str, body: &Value) -> (u16, Value, bool) {
    let r = app
        .client
        .post(app.url("/v1/specifications"))
        .bearer_auth(app.token("quality"))
        .header("Idempotency-Key", key)
        .json(body)
        .send()
        .await
        .expect("send");
    let replayed = r.headers().get("idempotent-replayed").is_some();
    let (status, value) = status_and_json(r).await;
    (status, value, replayed)
}

both_backends!(
    the_same_key_and_body_replays_the_first_answer,
    |app: TestApp| async move {
        let body = specification_body("IDEM");
        let (status, first, replayed) = create(&app, "key-1", &body).await;
        assert_eq!((status, replayed), (201, false), "{first}");
        let (status, second, replayed) = create(&app, "key-1", &body).await;
        assert_eq!((status, replayed), (201, true), "{second}");
        assert_eq!(
            first, second,
            "the replay is the first answer, created_at and all"
        );
        let (_, list) = app.get("/v1/specifications", &app.token("quality")).await;
        assert_eq!(
            list["items"].as_array().map(Vec::len),
            Some(1),
            "one specification, not two"
        );
        assert_eq!(app.audit_count(), 1);

        // The same key with another body is refused and changes nothing.
        let mut other = body.clone();
        other["title"] = json!("Something else");
        let (status, problem, _) = create(&app, "key-1", &other).await;
        assert_eq!(status, 422, "{problem}");
        assert!(problem["type"]
            .as_str()
            .is_some_and(|t| t.ends_with("idempotency-key-reused")));

        // A key is the caller's own: another caller's key does not collide.
        let (status, _, replayed) = create(&app, "key-2", &specification_body("IDEM2")).await;
        assert_eq!((status, replayed), (201, false));
    }
);

both_backends!(
    a_failed_request_is_not_remembered,
    |app: TestApp| async move {
        let mut bad = specification_body("FAIL");
        bad["price_cap_pence"] = json!(0);
        let (status, _, _) = create(&app, "retry-me", &bad).await;
        assert_eq!(status, 422);
        // Fixing the body and retrying with the same key goes through.
        let (status, _, replayed) = create(&app, "retry-me", &specification_body("FAIL")).await;
        assert_eq!((status, replayed), (201, false));
    }
);

both_backends!(
    concurrent_requests_with_one_key_create_once,
    |app: TestApp| async move {
        let body = specification_body("CONC");
        let attempts = (0..10).map(|_| create(&app, "same-key", &body));
        let results = futures_util::future::join_all(attempts).await;
        assert!(results.iter().all(|(s, _, _)| *s == 201), "{results:?}");
        assert_eq!(
            results.iter().filter(|(_, _, replayed)| !replayed).count(),
            1
        );
        let (_, list) = app.get("/v1/specifications", &app.token("quality")).await;
        assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    }
);

both_backends!(bad_keys_are_refused, |app: TestApp| async move {
    let r = app
        .client
        .post(app.url("/v1/specifications"))
        .bearer_auth(app.token("quality"))
        .header("Idempotency-Key", "x".repeat(300))
        .json(&specification_body("LONG"))
        .send()
        .await
        .expect("send");
    let (status, problem) = status_and_json(r).await;
    assert_eq!(status, 422);
    assert_eq!(problem["errors"][0]["field"], "Idempotency-Key");
});

both_backends!(
    a_provider_sending_another_providers_key_under_the_same_subject_gets_no_replay,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (first, _) = upw_provider(&app, "IDEM-A", 30_000, 2, 3, 80).await;
        let (second, _) = upw_provider(&app, "IDEM-B", 50_000, 2, 3, 80).await;
        let order = purchase(&app, "SY-SHF", "K000001").await;
        let id = order["id"].as_str().expect("order");
        let (first, second) = if order["provider_id"] == first.as_str() {
            (first, second)
        } else {
            (second, first)
        };
        let offer = order["offer"]["id"].as_str().expect("offer");
        // Both providers' systems were given tokens under one subject.
        let a = provider_token_as(&first, "local-provider");
        let b = provider_token_as(&second, "local-provider");
        let (s, body) = app
            .post_empty(&format!("/v1/offers/{offer}/accept"), &a)
            .await;
        assert_eq!(s, 200, "{body}");
        let path = format!("/v1/orders/{id}/delivery-events");
        let started = json!({"type": "started", "on": app.today().to_string()});
        let (s, body, replayed) = post_keyed(&app, &path, &a, "start-1", &started).await;
        assert_eq!((s, replayed), (201, false), "{body}");
        // What the second provider gets without a key...
        let (without, problem) = app.post(&path, &b, &started).await;
        assert_eq!(without, 404, "{problem}");
        // ...it gets with the first provider's key: never the first provider's answer.
        let (s, body, replayed) = post_keyed(&app, &path, &b, "start-1", &started).await;
        assert_eq!((s, replayed), (404, false), "{body}");
        assert!(!body.to_string().contains("K000001"), "{body}");
        // The first provider still gets its own answer replayed.
        let (s, _, replayed) = post_keyed(&app, &path, &a, "start-1", &started).await;
        assert_eq!((s, replayed), (201, true));
    }
);

both_backends!(
    an_offender_manager_of_another_area_under_the_same_subject_gets_no_replay,
    |app: TestApp| async move {
        seed_market(&app).await;
        upw_provider(&app, "IDEM-C", 30_000, 5, 3, 80).await;
        let (_, plan) = proposed_plan(&app, "SY-SHF", "K000002", app.today()).await;
        let (other_assessment, other_plan) =
            proposed_plan(&app, "SY-SHF", "K000003", app.today()).await;
        let sheffield = manager_token("SY-SHF", "om-shared");
        let rotherham = manager_token("SY-ROT", "om-shared");
        let path = format!("/v1/sentence-plans/{plan}/approve");
        let (s, approval, replayed) =
            post_keyed(&app, &path, &sheffield, "approve-1", &Value::Null).await;
        assert_eq!((s, replayed), (200, false), "{approval}");
        assert_eq!(approval["orders"].as_array().map(Vec::len), Some(1));
        // Rotherham's manager cannot see the plan: 404 with the key, as without it.
        let (without, _) = app.post_empty(&path, &rotherham).await;
        assert_eq!(without, 404);
        let (s, body, replayed) =
            post_keyed(&app, &path, &rotherham, "approve-1", &Value::Null).await;
        assert_eq!((s, replayed), (404, false), "{body}");
        assert!(!body.to_string().contains("K000002"), "{body}");
        // The key stands for one plan's approval: on another plan it is a reuse, and that
        // plan stays proposed.
        let (s, problem, _) = post_keyed(
            &app,
            &format!("/v1/sentence-plans/{other_plan}/approve"),
            &sheffield,
            "approve-1",
            &Value::Null,
        )
        .await;
        assert_eq!(s, 422, "{problem}");
        let (s, other) = app
            .get(
                &format!("/v1/assessments/{other_assessment}/sentence-plan"),
                &sheffield,
            )
            .await;
        assert_eq!(s, 200, "{other}");
        assert_eq!(other["status"], "proposed", "{other}");
        // Its own caller gets the answer again.
        let (s, again, replayed) =
            post_keyed(&app, &path, &sheffield, "approve-1", &Value::Null).await;
        assert_eq!((s, replayed), (200, true));
        assert_eq!(again, approval);
    }
);

both_backends!(
    an_assessment_sent_again_with_its_key_is_replayed_and_another_body_is_422,
    |app: TestApp| async move {
        seed_market(&app).await;
        let ann = manager_token("SY-SHF", "om-ann");
        let (s, body) = app
            .post(
                "/v1/cases",
                &ann,
                &json!({"crn": "K000004", "sex": "male", "date_of_birth": "1990-04-01", "area": "SY-SHF"}),
            )
            .await;
        assert_eq!(s, 201, "{body}");
        let body = assessment_body("OASYS-K4", "K000004");
        let (s, first, replayed) =
            post_keyed(&app, "/v1/assessments", &ann, "assess-1", &body).await;
        assert_eq!((s, replayed), (201, false), "{first}");
        let (s, second, replayed) =
            post_keyed(&app, "/v1/assessments", &ann, "assess-1", &body).await;
        assert_eq!((s, replayed), (201, true), "{second}");
        assert_eq!(first, second);
        let other = assessment_body("OASYS-K4-OTHER", "K000004");
        let (s, problem, _) = post_keyed(&app, "/v1/assessments", &ann, "assess-1", &other).await;
        assert_eq!(s, 422, "{problem}");
        assert!(problem["type"]
            .as_str()
            .is_some_and(|t| t.ends_with("idempotency-key-reused")));
        let (s, page) = app.get("/v1/assessments?crn=K000004", &ann).await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(
            page["items"].as_array().map(Vec::len),
            Some(1),
            "one assessment: {page}"
        );
    }
);

both_backends!(
    every_creating_or_purchasing_post_declares_idempotency_key,
    |app: TestApp| async move {
        let r = app
            .client
            .get(app.url("/v1/openapi.json"))
            .send()
            .await
            .expect("document");
        let doc: Value = r.json().await.expect("json");
        let purchasing = [
            "/v1/sentence-plans/{id}/approve",
            "/v1/orders/{id}/approve-budget",
            "/v1/orders/{id}/delivery-events",
            "/v1/reoffending",
        ];
        let mut checked = 0;
        for (path, item) in doc["paths"].as_object().expect("paths") {
            let Some(post) = item.get("post") else {
                continue;
            };
            let creates = post["responses"].get("201").is_some();
            if !creates && !purchasing.contains(&path.as_str()) {
                continue;
            }
            checked += 1;
            let declared = post["parameters"].as_array().is_some_and(|ps| {
                ps.iter()
                    .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header")
            });
            assert!(declared, "POST {path} does not declare Idempotency-Key");
        }
        assert!(checked >= 13, "{checked}");
    }
);

both_backends!(
    a_batch_run_with_a_key_runs_once_and_one_without_runs_each_time,
    adjust = |c: &mut provider_hub_tests::Config| c.worker_interval_ms = 3_600_000,
    |app: TestApp| async move {
        seed_market(&app).await;
        let waiting = purchase(&app, "SY-SHF", "X990001").await;
        assert_eq!(waiting["status"], "unmatched", "{waiting}");
        upw_provider(&app, "CH-RUN-KEY", 30_000, 1, 3, 80).await;
        let commissioner = app.token("commissioner");
        let body = json!({"area": "SY-SHF"});
        let (s, first, replayed) =
            post_keyed(&app, "/v1/matching/runs", &commissioner, "run-1", &body).await;
        assert_eq!((s, replayed), (201, false), "{first}");
        assert_eq!(first["placed"], 1, "{first}");
        // The same key and body: the first answer again, and no second run.
        let (s, again, replayed) =
            post_keyed(&app, "/v1/matching/runs", &commissioner, "run-1", &body).await;
        assert_eq!((s, replayed), (201, true), "{again}");
        assert_eq!(again["id"], first["id"]);
        // Without a key each request is a run of its own: this one finds nothing to place.
        let (s, other) = app.post("/v1/matching/runs", &commissioner, &body).await;
        assert_eq!(s, 201, "{other}");
        assert_ne!(other["id"], first["id"]);
        assert_eq!(
            (
                other["orders_considered"].as_u64(),
                other["placed"].as_u64()
            ),
            (Some(0), Some(0)),
            "{other}"
        );
        assert!(other["completed_at"].is_string(), "{other}");
    }
);
