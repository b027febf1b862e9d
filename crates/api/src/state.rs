//! Shared state of the running hub and the bridge from async handlers to the
//! synchronous database (diesel runs on actix's blocking thread pool).

use std::sync::Arc;

use actix_web::web;
use chrono::{DateTime, Utc};
use provider_hub_market::clock::Clock;
use provider_hub_store::{DbConn, Pool};

use crate::auth::Authenticator;
use crate::error::ApiError;

pub struct AppState {
    pub pool: Pool,
    pub auth: Arc<Authenticator>,
    pub clock: Arc<dyn Clock>,
    /// How matching runs (offer expiry).
    pub matching: provider_hub_market::placement::Settings,
    /// How webhooks are registered and their deliveries retried.
    pub webhooks: provider_hub_market::webhooks::Settings,
    /// Seals webhook signing secrets before they are stored.
    pub secret_key: Arc<provider_hub_market::secrets::SecretKey>,
    /// Requests answered, for `/metrics`.
    pub metrics: crate::metrics::Metrics,
    /// Writes per client, when limited.
    pub rate_limiter: Option<Arc<crate::rate_limit::RateLimiter>>,
    pub started_at: DateTime<Utc>,
    /// Who publishes awards, under which ocid prefix.
    pub awards: provider_hub_market::awards::Publication,
    /// Listing search answers kept for the supply version they were made at.
    pub listing_searches: Arc<crate::listings::SearchCache>,
}

impl AppState {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Runs `f` with a pooled connection off the async executor.
    pub async fn db<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut DbConn) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let pool = self.pool.clone();
        web::block(move || {
            let mut conn = pool.get().map_err(|e| {
                tracing::warn!(error = %e, "no database connection available");
                ApiError::unavailable()
            })?;
            f(&mut conn)
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "blocking database task failed");
            ApiError::internal()
        })?
    }
}
