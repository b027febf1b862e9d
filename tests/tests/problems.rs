//! A problem's `type` is the address of a page on the hub saying what it means and what
//! to do: a developer who meets one can follow it.

use provider_hub_tests::{both_backends, TestApp};
use serde_json::Value;

/// Follows a problem's `type` (a reference relative to the hub) and reads its page.
async fn follow(app: &TestApp, problem: &Value, accept: &str) -> (u16, String, String) {
    let uri = problem["type"].as_str().expect("type");
    assert!(uri.starts_with("/problems/"), "type {uri}");
    let res = app
        .client
        .get(app.url(uri))
        .header("accept", accept)
        .send()
        .await
        .expect("send");
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    (status, content_type, res.text().await.expect("body"))
}

both_backends!(
    every_problem_type_met_resolves_to_its_page,
    |app: TestApp| async move {
        let quality = app.token("quality");
        // Four different mistakes, four kinds of problem.
        let (status, unauthorized) = app.get("/v1/orders", "not-a-token").await;
        assert_eq!(status, 401);
        let (status, not_found) = app.get("/v1/specifications/NOPE", &quality).await;
        assert_eq!(status, 404);
        let (status, invalid) = app.get("/v1/orders?limit=0", &quality).await;
        assert_eq!(status, 422);
        let (status, forbidden) = app.get("/v1/orders", &app.token("analyst")).await;
        assert_eq!(status, 403);
        // A 403 says who may.
        assert_eq!(
            forbidden["detail"],
            "the analyst role may not do this: only the offender_manager, provider, quality and commissioner roles may"
        );
        let (status, refused) = app
            .post(
                "/v1/areas",
                &quality,
                &serde_json::json!({"code": "WY-LDS", "name": "Leeds", "region": "Yorkshire"}),
            )
            .await;
        assert_eq!(status, 403, "{refused}");
        assert_eq!(
            refused["detail"],
            "the quality role may not do this: only the admin role may"
        );

        for (problem, title) in [
            (&unauthorized, "Unauthorized"),
            (&not_found, "Not found"),
            (&invalid, "Validation failed"),
            (&forbidden, "Forbidden"),
        ] {
            assert_eq!(problem["title"], title);
            let (status, content_type, page) = follow(&app, problem, "text/html").await;
            assert_eq!(status, 200, "{problem}");
            assert!(content_type.starts_with("text/html"), "{content_type}");
            assert!(page.contains(&format!("<h1>{title}</h1>")), "{page}");
            assert!(page.contains("What to do"), "{page}");

            let (status, content_type, page) = follow(&app, problem, "application/json").await;
            assert_eq!(status, 200);
            assert!(
                content_type.starts_with("application/json"),
                "{content_type}"
            );
            let page: Value = serde_json::from_str(&page).expect("json page");
            assert_eq!(page["type"], problem["type"]);
            assert_eq!(page["title"], title);
            assert_eq!(page["status"], problem["status"]);
            assert!(!page["what_to_do"].as_str().expect("what to do").is_empty());
        }

        // The index lists every kind, each resolving; an unknown kind is a 404 problem.
        let index: Value = app
            .client
            .get(app.url("/problems"))
            .send()
            .await
            .expect("send")
            .json()
            .await
            .expect("json");
        let kinds = index.as_array().expect("list");
        assert!(kinds.len() >= 14, "{index}");
        for kind in kinds {
            let (status, _, _) = follow(&app, kind, "text/html").await;
            assert_eq!(status, 200, "{kind}");
        }
        let (status, _, body) = follow(
            &app,
            &serde_json::json!({"type": "/problems/no-such-kind"}),
            "application/json",
        )
        .await;
        assert_eq!(status, 404, "{body}");
    }
);
