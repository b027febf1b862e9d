//! The authorization matrix: every route of the OpenAPI document, who may call it, and
//! proof, on both backends, that everyone else is refused and changes nothing.
//!
//! A route added to the API without a row here fails `every_documented_route_is_in_the_matrix`.
//! Routes on tenant-owned objects (a provider's listings, an area's cases) add rows that
//! also call them as another tenant and expect 404.

use std::collections::BTreeSet;

use provider_hub_tests::{both_backends, json, specification_body, status_and_json, TestApp};
use serde_json::Value;

const ROLES: [&str; 5] = [
    "offender_manager",
    "provider",
    "quality",
    "commissioner",
    "admin",
];

/// Who may call a route.
#[derive(Clone, Copy)]
enum Access {
    /// No token needed.
    Public,
    /// Any authenticated role.
    AnyRole,
    /// Only these roles; every other role gets 403.
    Only(&'static [&'static str]),
}

struct Rule {
    method: &'static str,
    /// The route template, as in the OpenAPI document.
    template: &'static str,
    /// A concrete path against the seeded data.
    path: &'static str,
    access: Access,
    body: fn() -> Option<Value>,
}

fn no_body() -> Option<Value> {
    None
}

const MATRIX: &[Rule] = &[
    Rule {
        method: "GET",
        template: "/health/live",
        path: "/health/live",
        access: Access::Public,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/health/ready",
        path: "/health/ready",
        access: Access::Public,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/areas",
        path: "/v1/areas",
        access: Access::AnyRole,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/areas",
        path: "/v1/areas",
        access: Access::Only(&["admin"]),
        body: || {
            Some(
                json!({"code": "SY-DON", "name": "Doncaster", "region": "Yorkshire and the Humber"}),
            )
        },
    },
    Rule {
        method: "GET",
        template: "/v1/areas/{code}",
        path: "/v1/areas/SY-SHF",
        access: Access::AnyRole,
        body: no_body,
    },
    Rule {
        method: "GET",
        template: "/v1/specifications",
        path: "/v1/specifications",
        access: Access::AnyRole,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/specifications",
        path: "/v1/specifications",
        access: Access::Only(&["quality"]),
        body: || Some(specification_body("NEW-SPEC")),
    },
    Rule {
        method: "GET",
        template: "/v1/specifications/{code}",
        path: "/v1/specifications/UPW-STD",
        access: Access::AnyRole,
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/specifications/{code}/versions",
        path: "/v1/specifications/UPW-STD/versions",
        access: Access::Only(&["quality"]),
        body: || Some(json!({"price_cap_pence": 61000})),
    },
    Rule {
        method: "GET",
        template: "/v1/specifications/{code}/versions/{version}",
        path: "/v1/specifications/UPW-STD/versions/1",
        access: Access::AnyRole,
        body: no_body,
    },
    Rule {
        method: "PATCH",
        template: "/v1/specifications/{code}/versions/{version}",
        path: "/v1/specifications/DRAFT-ONE/versions/1",
        access: Access::Only(&["quality"]),
        body: || Some(json!({"title": "Edited"})),
    },
    Rule {
        method: "POST",
        template: "/v1/specifications/{code}/versions/{version}/publish",
        path: "/v1/specifications/DRAFT-ONE/versions/1/publish",
        access: Access::Only(&["quality"]),
        body: no_body,
    },
    Rule {
        method: "POST",
        template: "/v1/specifications/{code}/versions/{version}/retire",
        path: "/v1/specifications/UPW-STD/versions/1/retire",
        access: Access::Only(&["quality"]),
        body: no_body,
    },
];

#[test]
fn every_documented_route_is_in_the_matrix() {
    let doc = serde_json::to_value(provider_hub_api::openapi()).expect("document");
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("operations").keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let listed: BTreeSet<(String, String)> = MATRIX
        .iter()
        .map(|r| (r.method.to_owned(), r.template.to_owned()))
        .collect();
    let missing: Vec<_> = documented.difference(&listed).collect();
    let stale: Vec<_> = listed.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "routes with no row in the authorization matrix: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "matrix rows for routes that no longer exist: {stale:?}"
    );
    assert_eq!(MATRIX.len(), listed.len(), "one row per route");
}

async fn call(app: &TestApp, rule: &Rule, token: Option<&str>) -> (u16, Value) {
    let method = reqwest::Method::from_bytes(rule.method.as_bytes()).expect("method");
    let mut req = app.client.request(method, app.url(rule.path));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(body) = (rule.body)() {
        req = req.json(&body);
    }
    status_and_json(req.send().await.expect("send")).await
}

async fn seed(app: &TestApp) {
    let admin = app.token("admin");
    let q = app.token("quality");
    let (s, _) = app
        .post(
            "/v1/areas",
            &admin,
            &json!({"code": "SY-SHF", "name": "Sheffield", "region": "Y"}),
        )
        .await;
    assert_eq!(s, 201);
    assert_eq!(
        app.post("/v1/specifications", &q, &specification_body("UPW-STD"))
            .await
            .0,
        201
    );
    assert_eq!(
        app.post_empty("/v1/specifications/UPW-STD/versions/1/publish", &q)
            .await
            .0,
        200
    );
    assert_eq!(
        app.post("/v1/specifications", &q, &specification_body("DRAFT-ONE"))
            .await
            .0,
        201
    );
}

both_backends!(
    every_route_answers_every_caller_as_documented,
    |app: TestApp| async move {
        seed(&app).await;
        for rule in MATRIX {
            let route = format!("{} {}", rule.method, rule.template);
            // Refusals first: each must leave everything as it was.
            let before = app.snapshot().await;
            let (status, _) = call(&app, rule, None).await;
            match rule.access {
                Access::Public => assert_eq!(status, 200, "{route} without a token"),
                _ => assert_eq!(status, 401, "{route} without a token"),
            }
            let (status, _) = call(&app, rule, Some("not-a-token")).await;
            if !matches!(rule.access, Access::Public) {
                assert_eq!(status, 401, "{route} with a bad token");
            }
            if let Access::Only(allowed) = rule.access {
                for role in ROLES.iter().filter(|r| !allowed.contains(r)) {
                    let (status, problem) = call(&app, rule, Some(&app.token(role))).await;
                    assert_eq!(status, 403, "{route} as {role}: {problem}");
                }
            }
            assert_eq!(
                app.snapshot().await,
                before,
                "{route}: refused calls changed nothing"
            );

            // Then every role that may call it is let through.
            let allowed: Vec<&str> = match rule.access {
                Access::Public | Access::AnyRole => ROLES.to_vec(),
                Access::Only(allowed) => allowed.to_vec(),
            };
            for role in allowed {
                let (status, body) = call(&app, rule, Some(&app.token(role))).await;
                assert!(
                    (200..300).contains(&status),
                    "{route} as {role} should succeed on the seeded data, got {status}: {body}"
                );
            }
        }
    }
);
