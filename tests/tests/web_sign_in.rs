//! Web sign-in through OpenID Connect, end to end against an identity provider served by
//! the test on loopback (discovery, JWKS, an authorization endpoint that sends the browser
//! back with a code, a token endpoint issuing RS256 ID tokens, checking PKCE and refusing
//! a used code). The full flow signs in; a wrong state, a replayed code, an expired ID
//! token and one for another audience are each refused with nothing signed in.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use provider_hub_tests::{fixture, Backend, TestApp};
use serde_json::json;
use sha2::Digest;

const CLIENT_ID: &str = "provider-hub-web";
const CLIENT_SECRET: &str = "a-client-secret-for-tests";

/// What the identity provider puts in the next ID tokens it issues.
#[derive(Clone, Copy, PartialEq)]
enum Issue {
    Good,
    Expired,
    OtherAudience,
}

struct Grant {
    nonce: String,
    challenge: String,
}

struct Idp {
    base: String,
    issue: Mutex<Issue>,
    codes: Mutex<HashMap<String, Grant>>,
    key: EncodingKey,
    jwks: String,
}

async fn discovery(idp: web::Data<Idp>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "issuer": idp.base,
        "authorization_endpoint": format!("{}/authorize", idp.base),
        "token_endpoint": format!("{}/token", idp.base),
        "jwks_uri": format!("{}/jwks", idp.base),
        "response_types_supported": ["code"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "code_challenge_methods_supported": ["S256"],
    }))
}

async fn jwks(idp: web::Data<Idp>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(idp.jwks.clone())
}

/// Signs the person in at once and sends the browser back with a code.
async fn authorize(
    idp: web::Data<Idp>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let q = query.into_inner();
    assert_eq!(q.get("client_id").map(String::as_str), Some(CLIENT_ID));
    assert_eq!(
        q.get("code_challenge_method").map(String::as_str),
        Some("S256"),
        "PKCE"
    );
    let code = format!("code-{}", uuid::Uuid::new_v4());
    idp.codes.lock().expect("codes").insert(
        code.clone(),
        Grant {
            nonce: q.get("nonce").cloned().expect("a nonce"),
            challenge: q.get("code_challenge").cloned().expect("a PKCE challenge"),
        },
    );
    let back = format!(
        "{}?code={code}&state={}",
        q.get("redirect_uri").expect("redirect_uri"),
        q.get("state").expect("state")
    );
    HttpResponse::Found()
        .insert_header(("location", back))
        .finish()
}

/// Exchanges a code once, checking the PKCE verifier; issues the ID token.
async fn token(
    idp: web::Data<Idp>,
    req: HttpRequest,
    form: web::Form<HashMap<String, String>>,
) -> HttpResponse {
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"))
    );
    let authorized = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == basic);
    if !authorized {
        return HttpResponse::Unauthorized().json(json!({"error": "invalid_client"}));
    }
    let code = form.get("code").cloned().unwrap_or_default();
    let Some(grant) = idp.codes.lock().expect("codes").remove(&code) else {
        return HttpResponse::BadRequest().json(json!({"error": "invalid_grant", "error_description": "the code is unknown or already used"}));
    };
    let verifier = form.get("code_verifier").cloned().unwrap_or_default();
    if URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier.as_bytes())) != grant.challenge {
        return HttpResponse::BadRequest()
            .json(json!({"error": "invalid_grant", "error_description": "PKCE"}));
    }
    let now = chrono::Utc::now().timestamp();
    let issue = *idp.issue.lock().expect("issue");
    let claims = json!({
        "iss": idp.base,
        "sub": "oidc-om-ann",
        "aud": if issue == Issue::OtherAudience { "another-client" } else { CLIENT_ID },
        "iat": now - 60,
        "exp": if issue == Issue::Expired { now - 600 } else { now + 300 },
        "nonce": grant.nonce,
        "name": "Ann Hughes",
        "hub_role": "offender_manager",
        "hub_area": "SY-SHF",
    });
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("idp-1".into());
    let id_token = jsonwebtoken::encode(&header, &claims, &idp.key).expect("sign");
    HttpResponse::Ok().json(json!({
        "access_token": "an-access-token",
        "token_type": "Bearer",
        "expires_in": 300,
        "id_token": id_token,
    }))
}

async fn serve_idp() -> (Arc<Idp>, actix_web::dev::ServerHandle) {
    provider_hub_server::install_crypto();
    let key = EncodingKey::from_rsa_pem(&fixture("rsa-private.pem")).expect("key");
    let mut jwk = Jwk::from_encoding_key(&key, Algorithm::RS256).expect("jwk");
    jwk.common.key_id = Some("idp-1".into());
    jwk.common.key_algorithm = Some(KeyAlgorithm::RS256);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let idp = Arc::new(Idp {
        base: format!("http://127.0.0.1:{port}"),
        issue: Mutex::new(Issue::Good),
        codes: Mutex::new(HashMap::new()),
        key,
        jwks: serde_json::to_string(&JwkSet { keys: vec![jwk] }).expect("jwks"),
    });
    let data = web::Data::from(idp.clone());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .route(
                "/.well-known/openid-configuration",
                web::get().to(discovery),
            )
            .route("/jwks", web::get().to(jwks))
            .route("/authorize", web::get().to(authorize))
            .route("/token", web::post().to(token))
    })
    .workers(1)
    .listen(listener)
    .expect("listen")
    .run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (idp, handle)
}

/// A browser that follows nothing by itself and keeps the hub's session cookie.
struct Browser {
    http: reqwest::Client,
    cookie: Option<String>,
}

impl Browser {
    fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookie: None,
        }
    }

    /// GET `url`: (status, Location, body).
    async fn get(&mut self, url: &str) -> (u16, String, String) {
        let mut request = self.http.get(url);
        if let Some(c) = &self.cookie {
            request = request.header("cookie", c.clone());
        }
        let response = request.send().await.expect("request");
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().expect("cookie");
            if let Some(pair) = text.split(';').next() {
                if pair.starts_with("hub_session=") {
                    self.cookie = Some(pair.to_owned());
                }
            }
        }
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        (status, location, response.text().await.unwrap_or_default())
    }

    /// Goes to the hub's sign-in and on to the identity provider: the callback URL the
    /// identity provider sends the browser back to.
    async fn round_trip_through_the_identity_provider(&mut self, app: &TestApp) -> String {
        let (status, to_idp, _) = self.get(&app.url("/sign-in")).await;
        assert_eq!(status, 303, "sign-in leaves for the identity provider");
        assert!(to_idp.contains("code_challenge="), "PKCE: {to_idp}");
        assert!(to_idp.contains("nonce="), "a nonce: {to_idp}");
        let (status, back, _) = self.get(&to_idp).await;
        assert_eq!(status, 302);
        assert!(back.starts_with(&app.url("/sign-in/callback?")), "{back}");
        back
    }

    /// True when the hub shows this browser an offender manager's page.
    async fn signed_in(&mut self, app: &TestApp) -> bool {
        let (status, _, body) = self.get(&app.url("/om")).await;
        status == 200 && body.contains("Signed in as")
    }
}

fn refused(status: u16, body: &str) -> bool {
    status == 403 && body.contains("You could not be signed in")
}

async fn sign_in_through_openid_connect(backend: Backend) {
    let (idp, idp_handle) = serve_idp().await;
    // The redirect URL names the hub's own address: a free port, chosen first.
    let app = {
        let base = idp.base.clone();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        drop(listener);
        TestApp::spawn_with(backend, move |c| {
            c.listen = format!("127.0.0.1:{port}");
            c.oidc = Some(provider_hub_server::OidcSettings {
                issuer: base,
                client_id: CLIENT_ID.into(),
                client_secret: CLIENT_SECRET.into(),
                redirect_url: format!("http://127.0.0.1:{port}/sign-in/callback"),
                role_claim: "hub_role".into(),
                area_claim: "hub_area".into(),
                provider_claim: "hub_provider".into(),
            });
        })
        .await
    };

    // The local sign-in page is off.
    let mut stranger = Browser::new();
    let (status, _, _) = stranger.get(&app.url("/sign-in")).await;
    assert_eq!(status, 303);

    // The full flow signs in, with the role and area from the configured claims.
    let mut ann = Browser::new();
    let callback = ann.round_trip_through_the_identity_provider(&app).await;
    let (status, home, _) = ann.get(&callback).await;
    assert_eq!(status, 303, "signed in");
    assert_eq!(home, "/om");
    assert!(ann.signed_in(&app).await);
    let (_, _, page) = ann.get(&app.url("/om")).await;
    assert!(page.contains("Ann Hughes"), "the header names the person");

    // The same callback again (the code is used, the state consumed): refused.
    let mut replayer = Browser::new();
    let (status, _, body) = replayer.get(&callback).await;
    assert!(refused(status, &body), "a replayed callback: {status}");
    assert!(!replayer.signed_in(&app).await);

    // A used code with a fresh, matching state: the identity provider refuses it.
    let mut mallory = Browser::new();
    let fresh = mallory.round_trip_through_the_identity_provider(&app).await;
    let state = fresh.split("state=").nth(1).expect("state").to_owned();
    let used_code = callback
        .split("code=")
        .nth(1)
        .and_then(|c| c.split('&').next())
        .expect("code")
        .to_owned();
    let replayed = app.url(&format!("/sign-in/callback?code={used_code}&state={state}"));
    let (status, _, body) = mallory.get(&replayed).await;
    assert!(refused(status, &body), "a replayed code: {status}");
    assert!(!mallory.signed_in(&app).await);

    // A wrong state: refused, and the code it came with is not used.
    let mut eve = Browser::new();
    let back = eve.round_trip_through_the_identity_provider(&app).await;
    let (code_part, _) = back.split_once("&state=").expect("state");
    let (status, _, body) = eve.get(&format!("{code_part}&state=not-the-state")).await;
    assert!(refused(status, &body), "a wrong state: {status}");
    assert!(!eve.signed_in(&app).await);

    // An expired ID token, and one for another audience: refused.
    for (issue, what) in [
        (Issue::Expired, "expired"),
        (Issue::OtherAudience, "another audience"),
    ] {
        *idp.issue.lock().expect("issue") = issue;
        let mut browser = Browser::new();
        let back = browser.round_trip_through_the_identity_provider(&app).await;
        let (status, _, body) = browser.get(&back).await;
        assert!(
            refused(status, &body),
            "an ID token {what}: {status} {body}"
        );
        assert!(body.contains("ID token is not valid"), "{what}: {body}");
        assert!(!browser.signed_in(&app).await, "{what}");
    }
    idp_handle.stop(true).await;
}

#[actix_web::test]
async fn sign_in_through_openid_connect_sqlite() {
    sign_in_through_openid_connect(Backend::Sqlite).await;
}

#[actix_web::test]
#[cfg_attr(
    not(hub_postgres),
    ignore = "set TEST_DATABASE_URL to run on PostgreSQL"
)]
async fn sign_in_through_openid_connect_postgres() {
    sign_in_through_openid_connect(Backend::Postgres).await;
}
