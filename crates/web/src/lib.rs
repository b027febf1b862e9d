//! Provider Hub's web front end: server-rendered GOV.UK Design System pages for each
//! role's journey, calling the same `market` use cases as the API.
//!
//! Layout: `session` (who is signed in, idle timeout, CSRF), `security` (headers),
//! `assets` (the embedded govuk-frontend files), `page` (layout, errors, formatting),
//! `form` (CSRF-checked forms, field errors, refusals in the API's words), `all` (whole
//! lists), `sign_in` (start page, local sign-in, sign out) and `oidc` (OpenID Connect),
//! then one module per journey: `om` (offender managers), `provider` (providers),
//! `quality` (the quality team), `commissioner` (commissioners; its charts' geometry is
//! `chart`), `admin` (administrators), `court` (courts), `analyst` (the commissioners' data
//! team, who read the commissioner's report pages). Templates live in `templates/`, one folder per
//! journey.

pub mod admin;
pub mod all;
pub mod analyst;
pub mod assets;
pub mod chart;
pub mod commissioner;
pub mod court;
pub mod form;
pub mod oidc;
pub mod om;
pub mod page;
pub mod provider;
pub mod quality;
pub mod quote;
pub mod security;
pub mod session;
pub mod sign_in;

use std::sync::Arc;
use std::time::Duration;

use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_session::storage::CookieSessionStore;
use actix_session::SessionMiddleware;
use actix_web::cookie::{Key, SameSite};
use actix_web::web;
use chrono::{DateTime, Utc};
use provider_hub_store::{DbConn, Pool};

pub use crate::oidc::OidcSettings;
use crate::page::WebError;

/// How the web front end runs, from the `HUB_*` settings.
#[derive(Clone)]
pub struct Settings {
    /// At least 32 bytes; the cookie keys (encryption and signing) are derived from it.
    pub session_secret: Vec<u8>,
    /// Cookies are marked `Secure` (the hub's public URL is https).
    pub secure_cookies: bool,
    /// A session unused for this long is signed out.
    pub idle_timeout: Duration,
    /// Sign-in through an identity provider; `None`: the local sign-in page, if allowed.
    pub oidc: Option<OidcSettings>,
    /// The local sign-in page (anyone may sign in as anyone) is on: only without an
    /// identity provider, and by default only for a hub listening on loopback.
    pub local_sign_in: bool,
    /// How providers' webhooks are registered (the API's settings).
    pub webhooks: provider_hub_market::webhooks::Settings,
}

/// What every page handler shares.
pub struct WebState {
    pub pool: Pool,
    /// The time, as the API's clock tells it (tests move it).
    pub now: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
    pub matching: provider_hub_market::placement::Settings,
    pub settings: Settings,
    pub oidc: Option<oidc::Client>,
    /// Seals providers' webhook signing secrets (the API's key).
    pub secret_key: Arc<provider_hub_market::secrets::SecretKey>,
}

impl WebState {
    pub fn new(
        pool: Pool,
        now: Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>,
        matching: provider_hub_market::placement::Settings,
        settings: Settings,
        secret_key: Arc<provider_hub_market::secrets::SecretKey>,
    ) -> Result<Self, String> {
        if settings.session_secret.len() < 32 {
            return Err("the session secret must be at least 32 bytes".into());
        }
        let oidc = settings.oidc.clone().map(oidc::Client::new).transpose()?;
        Ok(Self {
            pool,
            now,
            matching,
            settings,
            oidc,
            secret_key,
        })
    }

    pub fn now(&self) -> DateTime<Utc> {
        (self.now)()
    }

    /// Runs `f` with a pooled connection off the async executor.
    pub async fn db<T, F>(&self, f: F) -> Result<T, WebError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, provider_hub_market::Error> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get().map_err(|e| {
                tracing::warn!(error = %e, "no database connection available");
                provider_hub_market::Error::Unavailable
            })?;
            f(&mut conn)
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "blocking database task failed");
            WebError::Internal
        })?
        .map_err(WebError::from)
    }
}

/// The session cookie: encrypted and signed, HttpOnly, SameSite=Lax, Secure behind https,
/// gone when the browser closes; the idle timeout is checked on every request.
fn session_middleware(settings: &Settings) -> SessionMiddleware<CookieSessionStore> {
    use sha2::Digest;
    let key = Key::from(&sha2::Sha512::digest(&settings.session_secret)[..]);
    SessionMiddleware::builder(CookieSessionStore::default(), key)
        .cookie_name(session::COOKIE_NAME.to_owned())
        .cookie_secure(settings.secure_cookies)
        .cookie_http_only(true)
        .cookie_same_site(SameSite::Lax)
        .cookie_content_security(CookieContentSecurity::Private)
        .session_lifecycle(BrowserSession::default())
        .build()
}

/// A scope of pages: security headers and the session on every one of them.
macro_rules! pages {
    ($path:expr, $settings:expr) => {
        web::scope($path)
            .wrap(actix_web::middleware::from_fn(security::headers))
            .wrap(session_middleware($settings))
            .default_service(web::to(page::not_found))
    };
}

/// Mounts the web front end at `/` beside the API (which keeps `/v1`, `/docs`, `/health`
/// and `/metrics`).
pub fn configure(cfg: &mut web::ServiceConfig, state: web::Data<WebState>) {
    let settings = state.settings.clone();
    cfg.app_data(state)
        .service(
            web::scope("/assets")
                .wrap(actix_web::middleware::from_fn(security::headers))
                .configure(assets::configure),
        )
        .service(
            web::resource("/")
                .wrap(actix_web::middleware::from_fn(security::headers))
                .wrap(session_middleware(&settings))
                .get(sign_in::start),
        )
        .service(pages!("/sign-in", &settings).configure(sign_in::configure))
        .service(pages!("/sign-out", &settings).configure(sign_in::configure_sign_out))
        .service(pages!("/om", &settings).configure(om::configure))
        .service(pages!("/provider", &settings).configure(provider::configure))
        .service(pages!("/quality", &settings).configure(quality::configure))
        .service(pages!("/admin", &settings).configure(admin::configure))
        .service(pages!("/commissioner", &settings).configure(commissioner::configure))
        .service(pages!("/court", &settings).configure(court::configure))
        .service(pages!("/analyst", &settings).configure(analyst::configure))
        .service(pages!("/home", &settings).configure(sign_in::configure_home));
}
