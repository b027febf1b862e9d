//! `Idempotency-Key` on creating POSTs: same key and body replays, another body is 422.

use provider_hub_tests::{both_backends, json, specification_body, status_and_json, TestApp};
use serde_json::Value;

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
