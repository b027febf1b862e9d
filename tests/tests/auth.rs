//! Authentication and role checks: every bad token is 401, every wrong role 403, and
//! neither changes anything.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use provider_hub_tests::{
    both_backends, claims, fixture, sign_hs256, sign_with_pem, specification_body, Backend,
    TestApp, TEST_SECRET,
};

/// Tries to create a specification with `token`; returns the status.
async fn try_create(app: &TestApp, token: &str) -> u16 {
    app.post("/v1/specifications", token, &specification_body("AUTH"))
        .await
        .0
}

fn alg_none(c: &provider_hub_api::auth::Claims) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(c).expect("claims"));
    format!("{header}.{body}.")
}

both_backends!(
    bad_tokens_are_401_and_change_nothing,
    |app: TestApp| async move {
        let now = chrono::Utc::now().timestamp();
        let good = claims("quality", None, None);
        let mut expired = good.clone();
        expired.exp = now - 3600;
        expired.iat = now - 7200;
        let mut wrong_aud = good.clone();
        wrong_aud.aud = "another-service".into();
        let mut wrong_iss = good.clone();
        wrong_iss.iss = "https://evil.example".into();
        let mut not_yet = good.clone();
        not_yet.nbf = Some(now + 3600);
        let mut unknown_role = good.clone();
        unknown_role.role = "superuser".into();
        let quality_with_provider = claims("quality", None, Some("prv_1"));
        let both_scopes = claims("provider", Some("SY-SHF"), Some("prv_1"));
        let manager_without_area = claims("offender_manager", None, None);
        let mut empty_sub = good.clone();
        empty_sub.sub = " ".into();
        let court_without_court = claims("court", None, None);
        let court_with_area = provider_hub_api::auth::Claims {
            area: Some("SY-SHF".into()),
            ..provider_hub_tests::court_claims("SHF-MC")
        };
        let manager_with_court = provider_hub_api::auth::Claims {
            court: Some("SHF-MC".into()),
            ..claims("offender_manager", Some("SY-SHF"), None)
        };
        let court_badly_coded = provider_hub_tests::court_claims("shf mc");
        let analyst_with_area = claims("analyst", Some("SY-SHF"), None);

        let cases: Vec<(&str, Option<String>)> = vec![
            ("missing", None),
            ("not a jwt", Some("Bearer not-a-jwt".into())),
            (
                "wrong scheme",
                Some(format!("Basic {}", sign_hs256(&good, TEST_SECRET))),
            ),
            ("empty bearer", Some("Bearer ".into())),
            (
                "expired",
                Some(format!("Bearer {}", sign_hs256(&expired, TEST_SECRET))),
            ),
            (
                "wrong audience",
                Some(format!("Bearer {}", sign_hs256(&wrong_aud, TEST_SECRET))),
            ),
            (
                "wrong issuer",
                Some(format!("Bearer {}", sign_hs256(&wrong_iss, TEST_SECRET))),
            ),
            (
                "nbf in the future",
                Some(format!("Bearer {}", sign_hs256(&not_yet, TEST_SECRET))),
            ),
            ("alg none", Some(format!("Bearer {}", alg_none(&good)))),
            (
                "wrong key",
                Some(format!(
                    "Bearer {}",
                    sign_hs256(&good, "another-secret-0123456789abcdef0123456789")
                )),
            ),
            (
                "RS256 instead of HS256",
                Some(format!(
                    "Bearer {}",
                    sign_with_pem(&good, Algorithm::RS256, &fixture("rsa-private.pem"), None)
                )),
            ),
            (
                "unknown role",
                Some(format!("Bearer {}", sign_hs256(&unknown_role, TEST_SECRET))),
            ),
            (
                "quality claiming a provider",
                Some(format!(
                    "Bearer {}",
                    sign_hs256(&quality_with_provider, TEST_SECRET)
                )),
            ),
            (
                "area and provider_id",
                Some(format!("Bearer {}", sign_hs256(&both_scopes, TEST_SECRET))),
            ),
            (
                "manager without area",
                Some(format!(
                    "Bearer {}",
                    sign_hs256(&manager_without_area, TEST_SECRET)
                )),
            ),
            (
                "empty subject",
                Some(format!("Bearer {}", sign_hs256(&empty_sub, TEST_SECRET))),
            ),
            (
                "court without court",
                Some(format!(
                    "Bearer {}",
                    sign_hs256(&court_without_court, TEST_SECRET)
                )),
            ),
            (
                "court with an area",
                Some(format!(
                    "Bearer {}",
                    sign_hs256(&court_with_area, TEST_SECRET)
                )),
            ),
            (
                "manager claiming a court",
                Some(format!(
                    "Bearer {}",
                    sign_hs256(&manager_with_court, TEST_SECRET)
                )),
            ),
            (
                "court code malformed",
                Some(format!(
                    "Bearer {}",
                    sign_hs256(&court_badly_coded, TEST_SECRET)
                )),
            ),
            (
                "analyst claiming an area",
                Some(format!(
                    "Bearer {}",
                    sign_hs256(&analyst_with_area, TEST_SECRET)
                )),
            ),
        ];
        let before = app.snapshot().await;
        for (name, header) in cases {
            let mut req = app
                .client
                .post(app.url("/v1/specifications"))
                .json(&specification_body("AUTH"));
            if let Some(h) = header {
                req = req.header("authorization", h);
            }
            let response = req.send().await.expect("send");
            let has_challenge = response.headers().contains_key("www-authenticate");
            let (status, problem) = provider_hub_tests::status_and_json(response).await;
            assert_eq!(status, 401, "{name}: {problem}");
            assert!(has_challenge, "{name}: 401 carries WWW-Authenticate");
            // Reads are refused too.
            let (status, _) = app.get("/v1/specifications", "garbage").await;
            assert_eq!(status, 401);
        }
        assert_eq!(app.snapshot().await, before);
        // The same request with a good token works, so the refusals were the token's doing.
        assert_eq!(try_create(&app, &sign_hs256(&good, TEST_SECRET)).await, 201);
    }
);

both_backends!(
    a_valid_token_with_the_wrong_role_is_403,
    |app: TestApp| async move {
        let before = app.snapshot().await;
        for role in [
            "offender_manager",
            "provider",
            "commissioner",
            "admin",
            "analyst",
        ] {
            assert_eq!(try_create(&app, &app.token(role)).await, 403, "{role}");
        }
        let (status, _) = app
        .post("/v1/areas", &app.token("quality"), &provider_hub_tests::json!({"code":"SY-SHF","name":"Sheffield","region":"Yorkshire"}))
        .await;
        assert_eq!(status, 403);
        assert_eq!(app.snapshot().await, before);
    }
);

#[actix_web::test]
async fn rs256_and_es256_public_keys_verify_and_refuse_key_confusion() {
    for (algorithm, private, public) in [
        (Algorithm::RS256, "rsa-private.pem", "rsa-public.pem"),
        (Algorithm::ES256, "ec-private.pem", "ec-public.pem"),
    ] {
        let public_pem = String::from_utf8(fixture(public)).expect("pem");
        let app = TestApp::spawn_with(Backend::Sqlite, |c| {
            c.jwt_secret = None;
            c.jwt_public_key_pem = Some(public_pem.clone());
        })
        .await;
        let good = claims("quality", None, None);
        let token = sign_with_pem(&good, algorithm, &fixture(private), None);
        assert_eq!(
            try_create(&app, &token).await,
            201,
            "{algorithm:?} token accepted"
        );

        // Signed by another key.
        let other = sign_with_pem(
            &good,
            Algorithm::RS256,
            &fixture("rsa-other-private.pem"),
            None,
        );
        assert_eq!(
            try_create(&app, &other).await,
            401,
            "{algorithm:?}: other key"
        );
        // Key confusion: HS256 with the public key's bytes as the secret.
        provider_hub_server::install_crypto();
        let confused = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &good,
            &EncodingKey::from_secret(public_pem.as_bytes()),
        )
        .expect("sign");
        assert_eq!(
            try_create(&app, &confused).await,
            401,
            "{algorithm:?}: HS256 with the public key"
        );
        // HS256 with the test secret is not accepted either once a public key is configured.
        assert_eq!(try_create(&app, &sign_hs256(&good, TEST_SECRET)).await, 401);
        assert_eq!(try_create(&app, &alg_none(&good)).await, 401);
    }
}

#[actix_web::test]
async fn keys_are_fetched_from_a_jwks_url() {
    use actix_web::{web, App, HttpResponse, HttpServer};
    provider_hub_server::install_crypto();
    let key = EncodingKey::from_rsa_pem(&fixture("rsa-private.pem")).expect("key");
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).expect("jwk");
    jwk.common.key_id = Some("key-1".into());
    jwk.common.key_algorithm = Some(KeyAlgorithm::RS256);
    let set = JwkSet { keys: vec![jwk] };
    let body = serde_json::to_string(&set).expect("jwks");
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let server = HttpServer::new(move || {
        let body = body.clone();
        App::new().route(
            "/jwks.json",
            web::get().to(move || {
                let body = body.clone();
                async move {
                    HttpResponse::Ok()
                        .content_type("application/json")
                        .body(body)
                }
            }),
        )
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    let idp = server.handle();
    actix_web::rt::spawn(server);

    let app = TestApp::spawn_with(Backend::Sqlite, |c| {
        c.jwt_secret = None;
        c.jwks_url = Some(format!("http://127.0.0.1:{port}/jwks.json"));
    })
    .await;
    let good = claims("quality", None, None);
    let token = sign_with_pem(
        &good,
        Algorithm::RS256,
        &fixture("rsa-private.pem"),
        Some("key-1"),
    );
    assert_eq!(
        try_create(&app, &token).await,
        201,
        "token signed by the JWKS key is accepted"
    );
    let unknown_kid = sign_with_pem(
        &good,
        Algorithm::RS256,
        &fixture("rsa-private.pem"),
        Some("key-2"),
    );
    assert_eq!(try_create(&app, &unknown_kid).await, 401, "unknown key id");
    let other = sign_with_pem(
        &good,
        Algorithm::RS256,
        &fixture("rsa-other-private.pem"),
        Some("key-1"),
    );
    assert_eq!(try_create(&app, &other).await, 401, "right kid, wrong key");
    assert_eq!(
        try_create(&app, &sign_hs256(&good, TEST_SECRET)).await,
        401,
        "HS256 refused with JWKS"
    );
    idp.stop(false).await;
}

both_backends!(
    an_unreachable_jwks_url_is_503_with_retry_after_not_401,
    adjust = |c: &mut provider_hub_tests::Config| {
        // A loopback port nothing listens on: the identity provider is down.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        c.jwt_secret = None;
        c.jwks_url = Some(format!("http://127.0.0.1:{port}/jwks.json"));
    },
    |app: TestApp| async move {
        provider_hub_server::install_crypto();
        let token = sign_with_pem(
            &claims("quality", None, None),
            Algorithm::RS256,
            &fixture("rsa-private.pem"),
            Some("key-1"),
        );
        // Twice: the first fetch fails, the second is within the refetch pause.
        for _ in 0..2 {
            let r = app
                .client
                .post(app.url("/v1/specifications"))
                .bearer_auth(&token)
                .json(&specification_body("JWKS"))
                .send()
                .await
                .expect("send");
            assert_eq!(r.status().as_u16(), 503);
            let retry: u64 = r
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
                .expect("Retry-After in seconds");
            assert!(retry >= 1, "{retry}");
            assert_eq!(
                r.headers()
                    .get("content-type")
                    .and_then(|v| v.to_str().ok()),
                Some("application/problem+json")
            );
            let problem: serde_json::Value = r.json().await.expect("problem");
            assert_eq!(problem["status"], 503, "{problem}");
        }
        // Nothing was created.
        assert_eq!(app.audit_count(), 0);
    }
);
