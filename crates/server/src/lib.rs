//! The Provider Hub server: configuration, start-up and the command-line tools.

pub mod background;
pub mod cli;
pub mod config;
pub mod dispatcher;
pub mod egress;
pub mod settings;
pub mod token;
pub mod worker;

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::{web, HttpServer};
use provider_hub_api::auth::{Authenticator, JwksCache, KeySource};
use provider_hub_api::AppState;
use provider_hub_market::clock::{Clock, SystemClock};
use provider_hub_store::db::HubConnectionManager;
use provider_hub_store::{DatabaseTarget, Pool, PoolOptions};

pub use crate::config::Config;
pub use provider_hub_web::OidcSettings;

/// Uses the RustCrypto backend for JWT signatures; safe to call more than once.
pub fn install_crypto() {
    let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
}

/// Builds the token verifier the configuration asks for.
pub fn authenticator(config: &Config) -> Result<Authenticator, String> {
    install_crypto();
    let keys = if let Some(url) = &config.jwks_url {
        KeySource::Jwks(JwksCache::new(url.clone())?)
    } else if let Some(pem) = config.public_key_pem()? {
        KeySource::from_public_key_pem(&pem)?
    } else {
        KeySource::Secret(config.shared_secret()?)
    };
    Ok(Authenticator::new(
        keys,
        config.jwt_issuer.clone(),
        config.jwt_audience.clone(),
    ))
}

/// Opens the database and applies migrations.
pub fn open_database(config: &Config) -> Result<Pool, String> {
    provider_hub_store::connect(
        &config.database_url,
        &PoolOptions {
            max_size: config.pool_size,
            connection_timeout: std::time::Duration::from_millis(config.db_timeout_ms),
            lock_timeout: std::time::Duration::from_millis(config.db_timeout_ms),
        },
    )
    .map_err(|e| e.to_string())
}

/// The key webhook signing secrets are sealed with, checked against the secrets already
/// stored (a hub given another key refuses to start); secrets still in clear are sealed.
pub fn seal_webhook_secrets(
    config: &Config,
    pool: &Pool,
) -> Result<provider_hub_market::secrets::SecretKey, String> {
    let key = config.secret_key()?;
    if config.secret_key.is_none() && !config.database_url.starts_with("sqlite") {
        tracing::warn!(
            data_dir = %config.data_dir.display(),
            "HUB_SECRET_KEY is not set: webhook secrets are sealed with a key kept in the data \
             directory; every process sharing this database needs the same key"
        );
    }
    let mut conn = pool
        .get()
        .map_err(|e| format!("cannot reach the database: {e}"))?;
    let sealed = provider_hub_market::webhooks::seal_stored_secrets(&mut conn, &key)?;
    if sealed > 0 {
        tracing::info!(
            sealed,
            "webhook signing secrets kept in clear are now sealed"
        );
    }
    Ok(key)
}

/// A built, bound, not yet running hub.
pub struct Application {
    server: actix_web::dev::Server,
    port: u16,
    worker: worker::Worker,
    dispatcher: dispatcher::Dispatcher,
    /// Stops the background worker and the dispatcher when the server stops.
    background: tokio_util::sync::CancellationToken,
}

impl Application {
    /// Binds `config.listen` (port 0 picks a free port) and prepares the server.
    pub fn build(config: &Config) -> Result<Self, String> {
        Self::build_with_clock(config, Arc::new(SystemClock))
    }

    pub fn build_with_clock(config: &Config, clock: Arc<dyn Clock>) -> Result<Self, String> {
        let pool = open_database(config)?;
        let secret_key = Arc::new(seal_webhook_secrets(config, &pool)?);
        let auth = Arc::new(authenticator(config)?);
        let matching = provider_hub_market::placement::Settings {
            offer_working_days: config.offer_working_days,
            plan_review_months: config.plan_review_months,
            breach_rule: config.breach_rule,
        };
        let state = web::Data::new(AppState {
            pool: pool.clone(),
            auth,
            clock: clock.clone(),
            matching,
            webhooks: config.webhooks,
            secret_key: secret_key.clone(),
            metrics: Default::default(),
            rate_limiter: config
                .rate_limit
                .map(|limit| Arc::new(provider_hub_api::rate_limit::RateLimiter::new(limit))),
            started_at: chrono::Utc::now(),
            awards: provider_hub_market::awards::Publication {
                ocid_prefix: config.ocid_prefix.clone(),
                publisher_name: config.publisher_name.clone(),
            },
            listing_searches: Arc::new(provider_hub_api::listings::SearchCache::new(
                HubConnectionManager::new(
                    DatabaseTarget::parse(&config.database_url).map_err(|e| e.to_string())?,
                    std::time::Duration::from_millis(config.db_timeout_ms),
                ),
                std::time::Duration::from_millis(config.db_timeout_ms),
            )),
        });
        let now_clock = clock.clone();
        let web_state = web::Data::new(provider_hub_web::WebState::new(
            pool.clone(),
            Arc::new(move || now_clock.now()),
            matching,
            config.web_settings()?,
            secret_key.clone(),
        )?);
        let listener = TcpListener::bind(&config.listen)
            .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
        let port = listener.local_addr().map_err(|e| e.to_string())?.port();
        let mut server = HttpServer::new(move || {
            let web_state = web_state.clone();
            provider_hub_api::app_with(state.clone(), move |cfg| {
                provider_hub_web::configure(cfg, web_state)
            })
        })
        .shutdown_timeout(30);
        if let Some(workers) = config.workers {
            server = server.workers(workers);
        }
        let server = server
            .listen(listener)
            .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?
            .run();
        let background = tokio_util::sync::CancellationToken::new();
        let worker = worker::spawn_until(
            pool.clone(),
            clock.clone(),
            matching,
            std::time::Duration::from_millis(config.worker_interval_ms),
            &background,
        );
        let dispatcher = dispatcher::spawn_until(
            pool,
            clock,
            dispatcher::DispatchOptions {
                settings: config.webhooks,
                key: secret_key,
                timeout: std::time::Duration::from_millis(config.webhook_timeout_ms),
                every: std::time::Duration::from_millis(config.dispatch_interval_ms),
            },
            &background,
        );
        Ok(Self {
            server,
            port,
            worker,
            dispatcher,
            background,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// The background worker, to stop it with the server.
    pub fn worker(&self) -> worker::Worker {
        self.worker.clone()
    }

    /// The webhook dispatcher, to stop it with the server.
    pub fn dispatcher(&self) -> dispatcher::Dispatcher {
        self.dispatcher.clone()
    }

    /// Serves until stopped (SIGTERM or SIGINT: the server finishes the requests in
    /// flight); then the background worker and the dispatcher are cancelled, finish their
    /// round (the dispatcher handing back the deliveries it holds) and are waited for.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        self.background.cancel();
        self.worker.stop_and_join();
        self.dispatcher.stop_and_join();
        result
    }
}
