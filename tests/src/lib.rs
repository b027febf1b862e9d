//! Test harness: a real hub on port 0 with its own database (a fresh SQLite file, or a
//! fresh PostgreSQL database from `TEST_DATABASE_URL`), and an HTTP client to call it.

use std::path::PathBuf;

pub mod orders;
pub mod outcomes;
pub mod runs;
pub mod web;

use chrono::Utc;
use diesel::{Connection, RunQueryDsl};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use provider_hub_api::auth::Claims;
use provider_hub_server::Application;
pub use provider_hub_server::Config;
use serde_json::Value;

pub use serde_json::json;

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs one async test body on both backends: `both_backends!(name, |app| async move { … })`.
/// The PostgreSQL variant is ignored (not passed) when TEST_DATABASE_URL was not set.
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        $crate::both_backends!($name, adjust = |_: &mut $crate::Config| {}, $body);
    };
    ($name:ident, adjust = $adjust:expr, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[actix_web::test]
            async fn sqlite() {
                let app = $crate::TestApp::spawn_with($crate::Backend::Sqlite, $adjust).await;
                ($body)(app).await;
            }

            #[actix_web::test]
            #[cfg_attr(
                not(hub_postgres),
                ignore = "set TEST_DATABASE_URL to run on PostgreSQL"
            )]
            async fn postgres() {
                let app = $crate::TestApp::spawn_with($crate::Backend::Postgres, $adjust).await;
                ($body)(app).await;
            }
        }
    };
}

/// A test's own database, removed when the test ends.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    dir: Option<PathBuf>,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub fn new(backend: Backend) -> Self {
        let name = format!("hub_test_{}", uuid::Uuid::new_v4().simple());
        match backend {
            Backend::Sqlite => {
                let dir = std::env::temp_dir().join(&name);
                std::fs::create_dir_all(&dir).expect("temp dir");
                TestDb {
                    url: format!("sqlite://{}", dir.join("hub.sqlite3").display()),
                    backend,
                    dir: Some(dir),
                    pg: None,
                }
            }
            Backend::Postgres => {
                let admin_url = std::env::var("TEST_DATABASE_URL")
                    .expect("TEST_DATABASE_URL must name a PostgreSQL server for PostgreSQL tests");
                let mut admin = diesel::PgConnection::establish(&admin_url).unwrap_or_else(|e| {
                    panic!("cannot reach PostgreSQL at TEST_DATABASE_URL: {e}")
                });
                diesel::sql_query(format!("CREATE DATABASE {name}"))
                    .execute(&mut admin)
                    .expect("create test database");
                // Loopback tests speak plain TCP: OpenSSL's exit-time cleanup races with
                // connection threads still alive when a test process exits.
                let mut url = with_database(&admin_url, &name);
                if !url.contains("sslmode=") {
                    url.push(if url.contains('?') { '&' } else { '?' });
                    url.push_str("sslmode=disable");
                }
                TestDb {
                    url,
                    backend,
                    dir: Some(std::env::temp_dir().join(&name)),
                    pg: Some((admin_url, name)),
                }
            }
        }
    }

    /// A direct connection, for checking what the API stored.
    pub fn connect(&self) -> provider_hub_store::DbConn {
        provider_hub_store::db::HubConnectionManager::new(
            provider_hub_store::DatabaseTarget::parse(&self.url).expect("test url"),
            std::time::Duration::from_secs(10),
        )
        .establish()
        .expect("connect to test database")
    }
}

/// The same server URL with another database name.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let server = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(q) => format!("{server}/{db}?{q}"),
        None => format!("{server}/{db}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.pg {
            if let Ok(mut admin) = diesel::PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
        if let Some(dir) = &self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}

/// The HS256 secret test hubs use unless a test configures other keys.
pub const TEST_SECRET: &str = "test-secret-0123456789abcdef0123456789abcdef";

/// The key test hubs seal webhook secrets with (base64 of 32 bytes), so separate
/// processes on one test database share it.
pub const TEST_SECRET_KEY: &str = "cHJvdmlkZXItaHViLXRlc3Qtc2VjcmV0LWtleS0zMmI=";

/// The hub's clock in tests: real time, moved forward by whatever tests add.
pub struct TestClock(std::sync::Mutex<chrono::Duration>);

impl provider_hub_api::Clock for TestClock {
    fn now(&self) -> chrono::DateTime<Utc> {
        Utc::now() + *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl TestClock {
    pub fn advance_days(&self, days: i64) {
        let mut offset = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *offset += chrono::Duration::days(days);
    }
}

/// A running hub and a client for it.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub config: Config,
    pub clock: std::sync::Arc<TestClock>,
    handle: actix_web::dev::ServerHandle,
    worker: provider_hub_server::worker::Worker,
    dispatcher: provider_hub_server::dispatcher::Dispatcher,
    // Dropped last: the server must stop before its database goes.
    pub db: TestDb,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Spawns a hub whose configuration `adjust` may change (keys, issuer…).
    pub async fn spawn_with(backend: Backend, adjust: impl FnOnce(&mut Config)) -> Self {
        if std::env::var("TEST_LOG").is_ok() {
            let _ = tracing_subscriber_init();
        }
        let db = TestDb::new(backend);
        let mut config = Config::from_env_with(|_| None).expect("default config");
        config.database_url = db.url.clone();
        config.listen = "127.0.0.1:0".into();
        config.data_dir = db.dir.clone().unwrap_or_else(std::env::temp_dir);
        config.jwt_secret = Some(TEST_SECRET.into());
        config.secret_key = Some(TEST_SECRET_KEY.into());
        config.pool_size = 4;
        config.workers = Some(2);
        // The background worker (offer expiry, retries of unmatched orders) runs often,
        // so tests see its effects within a fraction of a second.
        config.worker_interval_ms = 100;
        // Webhooks to loopback receivers over plain http, retried quickly.
        config.webhooks.allow_http = true;
        config.webhooks.allow_private = true;
        config.webhooks.backoff_base_ms = 100;
        config.webhooks.backoff_cap_ms = 1_000;
        config.webhook_timeout_ms = 2_000;
        config.webhooks.lease_ms = 9_000;
        config.dispatch_interval_ms = 100;
        // Tests write as fast as they can from few tokens; the rate limit has its own test.
        config.rate_limit = None;
        adjust(&mut config);
        let clock = std::sync::Arc::new(TestClock(std::sync::Mutex::new(chrono::Duration::zero())));
        let app = Application::build_with_clock(&config, clock.clone()).expect("build app");
        let port = app.port();
        let handle = app.handle();
        let worker = app.worker();
        let dispatcher = app.dispatcher();
        actix_web::rt::spawn(app.run_until_stopped());
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            client: reqwest::Client::new(),
            config,
            clock,
            handle,
            worker,
            dispatcher,
            db,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A valid token for a role, signed with the test secret.
    /// A provider's token for provider `id`.
    pub fn provider_token(&self, id: &str) -> String {
        sign_hs256(&claims("provider", None, Some(id)), TEST_SECRET)
    }

    /// Today, by the hub's clock.
    pub fn today(&self) -> chrono::NaiveDate {
        provider_hub_api::Clock::now(&*self.clock).date_naive()
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let r = self
            .client
            .put(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("PUT");
        status_and_json(r).await
    }

    pub fn token(&self, role: &str) -> String {
        let claims = match role {
            "offender_manager" => claims(role, Some("SY-SHF"), None),
            "provider" => claims(role, None, Some("prv_test")),
            "court" => court_claims("SHF-MC"),
            _ => claims(role, None, None),
        };
        sign_hs256(&claims, TEST_SECRET)
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        let r = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET");
        status_and_json(r).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let r = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("POST");
        status_and_json(r).await
    }

    pub async fn post_empty(&self, path: &str, token: &str) -> (u16, Value) {
        let r = self
            .client
            .post(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("POST");
        status_and_json(r).await
    }

    pub async fn patch(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        let r = self
            .client
            .patch(self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .expect("PATCH");
        status_and_json(r).await
    }

    /// Stops this hub's webhook dispatcher (a test may run another in its place).
    pub fn stop_dispatcher(&self) {
        self.dispatcher.stop_and_join();
    }

    /// How many audit rows the hub has written.
    pub fn audit_count(&self) -> i64 {
        provider_hub_store::audit::count(&mut self.db.connect()).expect("count audit rows")
    }

    /// A summary of everything stored, to show that a refused request changed nothing.
    pub async fn snapshot(&self) -> Value {
        let admin = self.token("quality");
        let (_, specs) = self.get("/v1/specifications?limit=500", &admin).await;
        let (_, areas) = self.get("/v1/areas?limit=500", &admin).await;
        let events =
            provider_hub_store::events::count(&mut self.db.connect()).expect("count events");
        json!({
            "specifications": specs, "areas": areas, "audit_rows": self.audit_count(),
            "events": events
        })
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting at once and wait for the background worker's round to end; the
        // database is dropped (and connections forced off) next.
        let handle = self.handle.clone();
        actix_web::rt::spawn(async move { handle.stop(false).await });
        self.worker.stop_and_join();
        self.dispatcher.stop_and_join();
    }
}

pub async fn status_and_json(r: reqwest::Response) -> (u16, Value) {
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let text = r.text().await.expect("body");
    let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
    if status >= 400 {
        assert!(
            content_type.starts_with("application/problem+json"),
            "error {status} must be problem+json, was `{content_type}`: {value}"
        );
        assert_eq!(
            value["status"],
            json!(status),
            "problem status matches: {value}"
        );
        assert!(
            value["title"].is_string() && value["type"].is_string() && value["detail"].is_string()
        );
    }
    (status, value)
}

/// Claims valid for the test hub's issuer and audience, for an hour.
pub fn claims(role: &str, area: Option<&str>, provider_id: Option<&str>) -> Claims {
    let now = Utc::now().timestamp();
    Claims {
        sub: format!("test-{role}"),
        role: role.to_owned(),
        exp: now + 3600,
        iat: now,
        iss: provider_hub_server::config::DEFAULT_ISSUER.to_owned(),
        aud: provider_hub_server::config::DEFAULT_AUDIENCE.to_owned(),
        nbf: None,
        area: area.map(str::to_owned),
        provider_id: provider_id.map(str::to_owned),
        court: None,
    }
}

/// Claims of a court's staff at `court` (e.g. `SHF-MC`).
pub fn court_claims(court: &str) -> Claims {
    Claims {
        sub: format!("test-court-{court}"),
        court: Some(court.to_owned()),
        ..claims("court", None, None)
    }
}

pub fn sign_hs256(claims: &Claims, secret: &str) -> String {
    provider_hub_server::install_crypto();
    jsonwebtoken::encode(
        &Header::default(),
        claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )
    .expect("sign")
}

pub fn sign_with_pem(
    claims: &Claims,
    algorithm: Algorithm,
    private_pem: &[u8],
    kid: Option<&str>,
) -> String {
    provider_hub_server::install_crypto();
    let key = match algorithm {
        Algorithm::ES256 => EncodingKey::from_ec_pem(private_pem).expect("EC key"),
        _ => EncodingKey::from_rsa_pem(private_pem).expect("RSA key"),
    };
    let mut header = Header::new(algorithm);
    header.kid = kid.map(str::to_owned);
    jsonwebtoken::encode(&header, claims, &key).expect("sign")
}

pub fn fixture(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()))
}

/// A complete, valid specification body.
pub fn specification_body(code: &str) -> Value {
    json!({
        "code": code,
        "title": "Unpaid work, standard placement",
        "description": "Supervised unpaid work in the community.",
        "category": "unpaid_work",
        "needs": ["education_training_employment"],
        "delivery_standard": { "min_sessions": 10, "min_hours": 40, "format": "group" },
        "unit_of_purchase": "40 hours of supervised unpaid work",
        "price_cap_pence": 60000,
        "eligibility": {
            "sexes": ["female", "male"], "min_age": 18, "max_age": 80,
            "max_risk_of_harm": "high", "tiers": [1, 2, 3]
        },
        "payment_model": { "milestones": [
            { "milestone": "start", "percent": 20 },
            { "milestone": "completion", "percent": 50 },
            { "milestone": "outcome", "percent": 30 }
        ]}
    })
}

fn tracing_subscriber_init() -> Result<(), String> {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("debug"))
        .with_test_writer()
        .try_init()
        .map_err(|e| e.to_string())
}

/// A small market to build on: areas SY-SHF and SY-ROT, and specification UPW-STD
/// (unpaid work, cap 60000 pence) published.
pub async fn seed_market(app: &TestApp) {
    let admin = app.token("admin");
    let q = app.token("quality");
    for (code, name) in [("SY-SHF", "Sheffield"), ("SY-ROT", "Rotherham")] {
        let (s, body) = app
            .post(
                "/v1/areas",
                &admin,
                &json!({"code": code, "name": name, "region": "Yorkshire and the Humber"}),
            )
            .await;
        assert_eq!(s, 201, "{body}");
    }
    let (s, body) = app
        .post("/v1/specifications", &q, &specification_body("UPW-STD"))
        .await;
    assert_eq!(s, 201, "{body}");
    let (s, body) = app
        .post_empty("/v1/specifications/UPW-STD/versions/1/publish", &q)
        .await;
    assert_eq!(s, 200, "{body}");
}

/// Registers a provider and returns its id.
pub async fn register_provider(app: &TestApp, registration_number: &str) -> String {
    let (s, body) = app
        .post(
            "/v1/providers",
            &app.token("admin"),
            &json!({
                "name": format!("Provider {registration_number}"),
                "sector": "voluntary",
                "registration_number": registration_number,
                "contact": {"name": "Referrals", "email": "referrals@example.org"}
            }),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    body["id"].as_str().expect("provider id").to_owned()
}

/// Accredits a provider for a category with a score, for a year from today.
pub async fn accredit(app: &TestApp, provider_id: &str, category: &str, score: u8) -> Value {
    let today = app.today();
    let (s, body) = app
        .post(
            &format!("/v1/providers/{provider_id}/accreditations"),
            &app.token("quality"),
            &json!({
                "category": category,
                "score": score,
                "assessed_on": today.to_string(),
                "expires_on": (today + chrono::Duration::days(365)).to_string(),
            }),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    body
}

/// A listing body for UPW-STD serving Sheffield.
pub fn listing_body(price_pence: i64) -> Value {
    json!({
        "specification_code": "UPW-STD",
        "specification_version": 1,
        "title": "Community payback, Sheffield",
        "areas": ["SY-SHF"],
        "price_pence": price_pence,
        "delivery_format": "group",
        "delivery_mode": "in_person"
    })
}

/// Creates a listing as the provider and returns its id.
pub async fn create_listing(app: &TestApp, provider_id: &str, body: &Value) -> String {
    let (s, created) = app
        .post("/v1/listings", &app.provider_token(provider_id), body)
        .await;
    assert_eq!(s, 201, "{created}");
    created["id"].as_str().expect("listing id").to_owned()
}

/// The ids in a page of results.
pub fn ids(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

/// A complete assessment body for a case.
pub fn assessment_body(external_ref: &str, crn: &str) -> Value {
    let needs: Vec<Value> = [
        "accommodation", "education_training_employment", "finance", "relationships", "lifestyle",
        "drugs", "alcohol", "emotional_wellbeing", "thinking_behaviour", "attitudes",
    ]
    .iter()
    .map(|n| json!({"need": n, "severity": if *n == "alcohol" { "high" } else { "low" }, "linked_to_offending": *n == "alcohol"}))
    .collect();
    json!({
        "external_ref": external_ref,
        "crn": crn,
        "tier": 2,
        "risk_of_serious_harm": "medium",
        "reoffending_probability": 45,
        "needs": needs,
        "requirements": [{"type": "unpaid_work", "hours": 120}, {"type": "alcohol_treatment", "months": 6}],
        "sentence_date": "2026-11-02"
    })
}

/// A token for an offender manager of `area` named `sub`.
pub fn manager_token(area: &str, sub: &str) -> String {
    let mut c = claims("offender_manager", Some(area), None);
    c.sub = sub.to_owned();
    sign_hs256(&c, TEST_SECRET)
}

/// An unpaid-work provider with a listing at `price`, `places` places starting in
/// `days` days, published; accredited at `score`.
pub async fn upw_provider(
    app: &TestApp,
    registration: &str,
    price: i64,
    places: u32,
    days: i64,
    score: u8,
) -> (String, String) {
    let p = register_provider(app, registration).await;
    accredit(app, &p, "unpaid_work", score).await;
    let l = create_listing(app, &p, &listing_body(price)).await;
    let pt = app.provider_token(&p);
    let start = app.today() + chrono::Duration::days(days);
    let (s, body) = app
        .put(
            &format!("/v1/listings/{l}/capacity"),
            &pt,
            &json!({"slots": [{"starts_on": start.to_string(), "places": places}]}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = app
        .post_empty(&format!("/v1/listings/{l}/publish"), &pt)
        .await;
    assert_eq!(s, 200, "{body}");
    (p, l)
}

/// A case in `area` with an approved assessment that orders unpaid work only, sentenced
/// today; approves its plan (which matches the order) and returns the order.
pub async fn purchase(app: &TestApp, area: &str, crn: &str) -> Value {
    purchase_sentenced(app, area, crn, app.today()).await
}

/// A case in `area` with an approved assessment that orders unpaid work only, sentenced
/// on `sentence_date`; returns the assessment's and its proposed plan's ids.
pub async fn proposed_plan(
    app: &TestApp,
    area: &str,
    crn: &str,
    sentence_date: chrono::NaiveDate,
) -> (String, String) {
    let ann = manager_token(area, "om-ann");
    let bob = manager_token(area, "om-bob");
    let (s, body) = app
        .post(
            "/v1/cases",
            &ann,
            &json!({"crn": crn, "sex": "male", "date_of_birth": "1990-04-01", "area": area}),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    let mut assessment = assessment_body(&format!("OASYS-{crn}"), crn);
    assessment["sentence_date"] = json!(sentence_date.to_string());
    assessment["requirements"] = json!([{"type": "unpaid_work", "hours": 120}]);
    for need in assessment["needs"].as_array_mut().expect("needs") {
        need["linked_to_offending"] = json!(false);
    }
    let (s, a) = app.post("/v1/assessments", &ann, &assessment).await;
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_str().expect("id");
    app.post_empty(&format!("/v1/assessments/{id}/submit"), &ann)
        .await;
    let (s, body) = app
        .post_empty(&format!("/v1/assessments/{id}/approve"), &bob)
        .await;
    assert_eq!(s, 200, "{body}");
    let (s, plan) = app
        .get(&format!("/v1/assessments/{id}/sentence-plan"), &ann)
        .await;
    assert_eq!(s, 200, "{plan}");
    let plan = plan["id"].as_str().expect("plan").to_owned();
    (id.to_owned(), plan)
}

/// As [`purchase`], sentenced on `sentence_date` (so required by that date plus the
/// unpaid-work lead time).
pub async fn purchase_sentenced(
    app: &TestApp,
    area: &str,
    crn: &str,
    sentence_date: chrono::NaiveDate,
) -> Value {
    let (_, plan_id) = proposed_plan(app, area, crn, sentence_date).await;
    let ann = manager_token(area, "om-ann");
    let (s, approval) = app
        .post_empty(&format!("/v1/sentence-plans/{plan_id}/approve"), &ann)
        .await;
    assert_eq!(s, 200, "{approval}");
    let orders = approval["orders"].as_array().expect("orders");
    assert_eq!(orders.len(), 1, "{approval}");
    orders[0].clone()
}

/// Reports `sessions` attended sessions of `minutes` each on an order in delivery, as
/// its provider.
pub async fn attend(app: &TestApp, provider: &str, order: &str, sessions: u32, minutes: u32) {
    for _ in 0..sessions {
        let (s, body) = app
            .post(
                &format!("/v1/orders/{order}/delivery-events"),
                &app.provider_token(provider),
                &json!({"type": "attended", "minutes": minutes}),
            )
            .await;
        assert_eq!(s, 201, "{body}");
    }
}

/// Reports what UPW-STD's delivery standard asks for (10 sessions, 40 hours): ten
/// attended sessions of four hours, so the order may be completed.
pub async fn attend_in_full(app: &TestApp, provider: &str, order: &str) {
    attend(app, provider, order, 10, 240).await;
}

/// One request a [`Receiver`] got.
#[derive(Debug, Clone)]
pub struct Received {
    pub signature: Option<String>,
    pub event_id: Option<String>,
    pub attempt: Option<u32>,
    pub body: Vec<u8>,
    /// What the receiver answered.
    pub answered: u16,
}

impl Received {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON event")
    }

    /// Checks the signature independently of the hub's code: HMAC-SHA256 of the body.
    pub fn signed_with(&self, secret: &str) -> bool {
        use hmac::{Hmac, Mac};
        let Some(header) = &self.signature else {
            return false;
        };
        let Some(hex_sig) = header.strip_prefix("sha256=") else {
            return false;
        };
        let Ok(sig) = hex::decode(hex_sig) else {
            return false;
        };
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).expect("key");
        mac.update(&self.body);
        mac.verify_slice(&sig).is_ok()
    }
}

/// A webhook receiver on loopback that records every request and fails the first
/// `fail_first` of them (503), or all of them while `failing` is set.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    pub received: std::sync::Arc<std::sync::Mutex<Vec<Received>>>,
    pub fail_first: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    pub failing: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// How long it takes to answer (each request is logged when it arrives).
    pub delay_ms: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

impl Receiver {
    pub async fn start(fail_first: usize) -> Self {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        use std::sync::{Arc, Mutex};
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let fail = Arc::new(AtomicUsize::new(fail_first));
        let failing = Arc::new(AtomicBool::new(false));
        let delay = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let (r, f, g, d) = (
            received.clone(),
            fail.clone(),
            failing.clone(),
            delay.clone(),
        );
        let server = actix_web::HttpServer::new(move || {
            let (r, f, g, d) = (r.clone(), f.clone(), g.clone(), d.clone());
            actix_web::App::new().default_service(actix_web::web::to(
                move |req: actix_web::HttpRequest, body: actix_web::web::Bytes| {
                    let (r, f, g, d) = (r.clone(), f.clone(), g.clone(), d.clone());
                    async move {
                        let header = |name: &str| {
                            req.headers()
                                .get(name)
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned)
                        };
                        let fail_this = g.load(Ordering::SeqCst)
                            || f.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| {
                                n.checked_sub(1)
                            })
                            .is_ok();
                        let answered = if fail_this { 503 } else { 204 };
                        r.lock().expect("receiver log").push(Received {
                            signature: header("x-hub-signature-256"),
                            event_id: header("x-hub-event-id"),
                            attempt: header("x-hub-delivery-attempt").and_then(|a| a.parse().ok()),
                            body: body.to_vec(),
                            answered,
                        });
                        let wait = d.load(Ordering::SeqCst);
                        if wait > 0 {
                            tokio::time::sleep(std::time::Duration::from_millis(wait)).await;
                        }
                        actix_web::HttpResponse::build(
                            actix_web::http::StatusCode::from_u16(answered).expect("status"),
                        )
                        .finish()
                    }
                },
            ))
        })
        .workers(1)
        .bind(("127.0.0.1", 0))
        .expect("bind the receiver");
        let port = server.addrs()[0].port();
        actix_web::rt::spawn(server.run());
        Receiver {
            url: format!("http://127.0.0.1:{port}/hooks/provider-hub"),
            received,
            fail_first: fail,
            failing,
            delay_ms: delay,
        }
    }

    pub fn requests(&self) -> Vec<Received> {
        self.received.lock().expect("receiver log").clone()
    }

    /// Waits until `done` holds for what was received, or fails after `secs` seconds.
    pub async fn wait_for(&self, secs: u64, what: &str, done: impl Fn(&[Received]) -> bool) {
        let until = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            if done(&self.requests()) {
                return;
            }
            assert!(
                std::time::Instant::now() < until,
                "timed out waiting for {what}; received {:?}",
                self.requests()
                    .iter()
                    .map(|r| (r.event_id.clone(), r.answered))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// A `provider-hub serve` process (the `hub-peer` binary) on a test database, killed
/// when dropped.
pub struct Peer {
    pub child: std::process::Child,
    pub base: String,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Peer {
    /// Starts `bin serve` on `database_url` with the test secret and `env`, and waits
    /// until it is ready.
    pub async fn start(
        bin: &str,
        database_url: &str,
        data_dir: &std::path::Path,
        env: &[(&str, &str)],
    ) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut command = std::process::Command::new(bin);
        command
            .arg("serve")
            .env_clear()
            .env("HUB_DATABASE_URL", database_url)
            .env("HUB_DATA_DIR", data_dir)
            .env("HUB_LISTEN", format!("127.0.0.1:{port}"))
            .env("HUB_JWT_SECRET", TEST_SECRET)
            .env("HUB_SECRET_KEY", TEST_SECRET_KEY)
            .env("HUB_LOG", "warn")
            .env("HUB_RATE_LIMIT_PER_SECOND", "0")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit());
        for (k, v) in env {
            command.env(k, v);
        }
        let child = command.spawn().expect("start a hub process");
        let peer = Peer {
            child,
            base: format!("http://127.0.0.1:{port}"),
        };
        let client = reqwest::Client::new();
        let started = std::time::Instant::now();
        loop {
            let ready = client
                .get(format!("{}/health/ready", peer.base))
                .send()
                .await
                .map(|r| r.status().is_success())
                .unwrap_or(false);
            if ready {
                return peer;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(30),
                "the hub process never became ready"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
}
