//! Health, the OpenAPI document and the docs.

use provider_hub_tests::{both_backends, TestApp};

both_backends!(
    health_probes_answer_without_a_token,
    |app: TestApp| async move {
        for path in ["/health/live", "/health/ready"] {
            let r = app.client.get(app.url(path)).send().await.expect("send");
            assert_eq!(r.status().as_u16(), 200, "{path}");
            let body: serde_json::Value = r.json().await.expect("json");
            assert_eq!(body["status"], "ok");
        }
    }
);

#[actix_web::test]
async fn the_served_and_committed_openapi_documents_equal_the_code() {
    let app = TestApp::spawn(provider_hub_tests::Backend::Sqlite).await;
    let served: serde_json::Value = app
        .client
        .get(app.url("/v1/openapi.json"))
        .send()
        .await
        .expect("send")
        .json()
        .await
        .expect("json");
    let generated: serde_json::Value = serde_json::from_str(
        &provider_hub_api::openapi()
            .to_pretty_json()
            .expect("render"),
    )
    .expect("json");
    assert_eq!(served, generated);
    assert!(served["openapi"]
        .as_str()
        .is_some_and(|v| v.starts_with("3.1")));

    let committed_path = concat!(env!("CARGO_MANIFEST_DIR"), "/../openapi/openapi.json");
    let committed: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(committed_path).expect("openapi/openapi.json is committed"),
    )
    .expect("committed document is JSON");
    assert!(
        committed == generated,
        "openapi/openapi.json is stale: run `cargo run -- openapi` and commit the result"
    );

    // Every operation documents its errors as problems, and every non-public one needs a
    // token. Public ones (an empty security requirement: no token) are only the published
    // awards.
    let mut public = Vec::new();
    for (path, item) in served["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("operations") {
            if !path.starts_with("/v1/") {
                continue;
            }
            let security = op["security"].as_array();
            assert!(security.is_some(), "{method} {path} declares its security");
            if security.is_some_and(|s| s.contains(&serde_json::json!({}))) {
                public.push(format!("{method} {path}"));
                continue;
            }
            assert!(
                op["responses"]["401"].is_object(),
                "{method} {path} documents 401"
            );
        }
    }
    assert_eq!(public, vec!["get /v1/awards"]);

    // Every schema a reference names is in the document (a client generator stops at the
    // first that is not).
    let text = served.to_string();
    let schemas = served["components"]["schemas"]
        .as_object()
        .expect("schemas");
    let dangling: Vec<&str> = text
        .split("\"#/components/schemas/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .filter(|name| !schemas.contains_key(*name))
        .collect();
    assert!(dangling.is_empty(), "references to no schema: {dangling:?}");
}

#[actix_web::test]
async fn the_docs_are_served_without_a_download() {
    let app = TestApp::spawn(provider_hub_tests::Backend::Sqlite).await;
    let r = app
        .client
        .get(app.url("/docs/"))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 200);
    let html = r.text().await.expect("html");
    assert!(html.contains("swagger"), "Swagger UI page");
    let r = app
        .client
        .get(app.url("/docs/swagger-ui.css"))
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 200, "vendored assets are served");
}

#[actix_web::test]
async fn every_response_carries_a_request_id() {
    let app = TestApp::spawn(provider_hub_tests::Backend::Sqlite).await;
    let id_of = |r: &reqwest::Response| {
        r.headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    // A new id for each request, on success and on errors alike.
    let a = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .expect("send");
    let b = app
        .client
        .get(app.url("/v1/nothing-here"))
        .send()
        .await
        .expect("send");
    assert_eq!(b.status().as_u16(), 404);
    let (a, b) = (
        id_of(&a).expect("an id"),
        id_of(&b).expect("an id on a 404"),
    );
    assert_eq!(a.len(), 32);
    assert_ne!(a, b);
    // The caller's own id is kept, a malformed one replaced.
    let r = app
        .client
        .get(app.url("/v1/areas"))
        .header("X-Request-Id", "trace-7f3a")
        .send()
        .await
        .expect("send");
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(id_of(&r).as_deref(), Some("trace-7f3a"));
    let r = app
        .client
        .get(app.url("/health/live"))
        .header("X-Request-Id", "x".repeat(200))
        .send()
        .await
        .expect("send");
    assert_eq!(id_of(&r).map(|i| i.len()), Some(32));
}
