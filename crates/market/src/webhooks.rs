//! Providers' webhooks and the outbox behind them: a provider registers a URL and gets
//! a signing secret, once; every event concerning it is queued in the event's own
//! transaction and pushed by a dispatcher — at least once, in order per order, retried
//! with backoff and jitter, dead after the last try, re-driven by an admin.

use chrono::{DateTime, Duration, Utc};
use provider_hub_domain::event::{check_webhook_url, retry_delay_ms};
use provider_hub_domain::{Role, Scope};
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::cursor::Page;
use provider_hub_store::webhooks::{self as store, Attempt, Claimed, DeliveryFilter, WebhookRow};
use provider_hub_store::{
    providers as provider_store, to_utc, unaudited_transaction, write_transaction, DbConn,
};
use rand::Rng;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::access::{self, Caller, Objects};
use crate::secrets::{self, OpenError, SecretKey};
use crate::{naive, Actor, Error};

/// What a webhook's signing secret is sealed for (with the provider's id as its owner).
const SECRET_PURPOSE: &str = "webhook-secret";

/// How webhooks are registered and deliveries retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Accept `http://` webhook URLs (for development and tests); otherwise only https.
    pub allow_http: bool,
    /// Accept and deliver to internal addresses — loopback, private networks, cloud
    /// metadata — (for local testing); otherwise only public ones, at registration and
    /// again on every address a host resolves to when sending.
    pub allow_private: bool,
    /// Tries before a delivery is dead.
    pub max_attempts: u32,
    /// The first retry's delay; each further one doubles, up to `backoff_cap_ms`.
    pub backoff_base_ms: u64,
    pub backoff_cap_ms: u64,
    /// How long a claimed delivery is held by its dispatcher before another may take it.
    pub lease_ms: u64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            allow_http: false,
            allow_private: false,
            max_attempts: 12,
            backoff_base_ms: 5_000,
            backoff_cap_ms: 3_600_000,
            lease_ms: 60_000,
        }
    }
}

/// A webhook to register.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    /// Where events are POSTed: an absolute https URL.
    #[schema(
        example = "https://hooks.provider.example.org/provider-hub",
        pattern = "^https://[^\\s/?#@]+(/[^\\s#]*)?$",
        max_length = 2048
    )]
    pub url: String,
}

/// A webhook just registered, with its signing secret: shown this once and never again.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookRegistered {
    pub provider_id: String,
    pub url: String,
    /// Verify each delivery's `X-Hub-Signature-256` (`sha256=` + hex HMAC-SHA256 of the
    /// body) with it. Keep it: it is not shown again; registering again makes a new one.
    pub secret: String,
    pub updated_at: DateTime<Utc>,
}

/// A registered webhook (without its secret) and how its deliveries stand.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct WebhookView {
    pub provider_id: String,
    pub url: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Deliveries waiting to be sent or retried.
    pub pending: i64,
    /// Deliveries given up on after their last try, until an admin re-drives them.
    pub dead: i64,
}

/// One event's delivery to a webhook.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DeliveryView {
    pub id: String,
    pub event_id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub order_id: String,
    pub provider_id: String,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    pub attempts: i32,
    /// When a pending delivery is next tried.
    pub next_attempt_at: DateTime<Utc>,
    /// The receiver's HTTP status at the last try, if it answered.
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// What the delivery list may be narrowed to.
pub const DELIVERY_STATUSES: &[&str] = &["pending", "delivered", "dead"];

/// The provider the caller acts for, if it may manage `provider_id`'s webhook: only that
/// provider; another provider is told there is no such provider.
fn own_provider(
    conn: &mut DbConn,
    role: Role,
    scope: &Scope,
    provider_id: &str,
    reading: bool,
) -> Result<(), Error> {
    access::webhook_of(role, scope, provider_id, reading)?;
    provider_store::find(conn, provider_id)?
        .ok_or_else(|| Error::NotFound(format!("provider {provider_id}")))?;
    Ok(())
}

fn new_secret() -> String {
    let bytes: [u8; 32] = rand::rng().random();
    format!("whsec_{}", hex::encode(bytes))
}

/// Registers (or replaces) the provider's webhook with a new secret, stored sealed with
/// `key`.
pub fn put(
    conn: &mut DbConn,
    caller: &Caller,
    provider_id: &str,
    request: WebhookRequest,
    settings: Settings,
    key: &SecretKey,
) -> Result<WebhookRegistered, Error> {
    let (actor, role, scope, now) = (&caller.actor, caller.role, &caller.scope, caller.now);
    let url = check_webhook_url(
        request.url.trim(),
        settings.allow_http,
        settings.allow_private,
    )
    .map_err(|m| Error::invalid("url", m))?
    .to_string();
    let secret = new_secret();
    write_transaction(conn, |conn| {
        own_provider(conn, role, scope, provider_id, false)?;
        let before = store::find(conn, provider_id)?;
        let row = WebhookRow {
            provider_id: provider_id.to_owned(),
            url: url.clone(),
            secret: key.seal(SECRET_PURPOSE, provider_id, &secret),
            created_at: before.as_ref().map_or(naive(now), |b| b.created_at),
            updated_at: naive(now),
            updated_by: actor.sub.clone(),
        };
        store::put(conn, &row)?;
        conn.audit(AuditEntry {
            actor,
            action: "provider.webhook_set",
            entity_type: "provider",
            entity_id: provider_id,
            // The secret is never written to the audit trail.
            before: before.map(|b| serde_json::json!({ "webhook_url": b.url })),
            after: Some(serde_json::json!({ "webhook_url": row.url, "secret": "rotated" })),
            at: naive(now),
        });
        Ok(WebhookRegistered {
            provider_id: row.provider_id,
            url: row.url,
            secret,
            updated_at: to_utc(row.updated_at),
        })
    })
}

/// The provider's webhook, without its secret (the provider itself, or an admin).
pub fn get(conn: &mut DbConn, caller: &Caller, provider_id: &str) -> Result<WebhookView, Error> {
    let (role, scope) = (caller.role, &caller.scope);
    own_provider(conn, role, scope, provider_id, true)?;
    let row = store::find(conn, provider_id)?
        .ok_or_else(|| Error::NotFound(format!("webhook of provider {provider_id}")))?;
    let (pending, dead) = store::backlog(conn, Some(provider_id))?;
    Ok(WebhookView {
        provider_id: row.provider_id,
        url: row.url,
        created_at: to_utc(row.created_at),
        updated_at: to_utc(row.updated_at),
        pending,
        dead,
    })
}

/// Removes the provider's webhook. Events keep being queued for it only while one is
/// registered; what is pending waits for the next registration.
pub fn remove(conn: &mut DbConn, caller: &Caller, provider_id: &str) -> Result<(), Error> {
    let (actor, role, scope, now) = (&caller.actor, caller.role, &caller.scope, caller.now);
    write_transaction(conn, |conn| {
        own_provider(conn, role, scope, provider_id, false)?;
        let before = store::find(conn, provider_id)?
            .ok_or_else(|| Error::NotFound(format!("webhook of provider {provider_id}")))?;
        store::remove(conn, provider_id)?;
        conn.audit(AuditEntry {
            actor,
            action: "provider.webhook_removed",
            entity_type: "provider",
            entity_id: provider_id,
            before: Some(serde_json::json!({ "webhook_url": before.url })),
            after: None,
            at: naive(now),
        });
        Ok(())
    })
}

fn delivery_view(row: store::DeliveryRow, event_id: String, kind: String) -> DeliveryView {
    DeliveryView {
        id: row.id,
        event_id,
        kind,
        order_id: row.order_id,
        provider_id: row.provider_id,
        status: row.status,
        attempts: row.attempts,
        next_attempt_at: to_utc(row.next_attempt_at),
        last_status: row.last_status,
        last_error: row.last_error,
        delivered_at: row.delivered_at.map(to_utc),
        created_at: to_utc(row.created_at),
    }
}

/// Deliveries the caller may see: a provider its own, an admin all.
pub fn deliveries(
    conn: &mut DbConn,
    caller: &Caller,
    mut filter: DeliveryFilter,
    after: Option<String>,
    limit: usize,
) -> Result<Page<DeliveryView>, Error> {
    let (role, scope) = (caller.role, &caller.scope);
    if let Some(s) = &filter.status {
        if !DELIVERY_STATUSES.contains(&s.as_str()) {
            return Err(Error::invalid(
                "status",
                format!("must be one of {}", DELIVERY_STATUSES.join(", ")),
            ));
        }
    }
    let reach = access::reach(role, scope, Objects::WebhookDeliveries).ok_or_else(|| {
        access::not_a_reader(role, Objects::WebhookDeliveries, "webhook deliveries")
    })?;
    if let Some(provider) = reach.provider() {
        filter.provider_id = Some(provider);
    }
    Ok(store::list(conn, &filter, after, limit)?.map(|(d, e, k)| delivery_view(d, e, k)))
}

/// An admin puts a dead delivery back in the queue, due now, with its tries counted afresh.
pub fn redrive(
    conn: &mut DbConn,
    actor: &Actor,
    id: &str,
    now: DateTime<Utc>,
) -> Result<DeliveryView, Error> {
    write_transaction(conn, |conn| {
        let (row, _, _) = store::find_delivery(conn, id)?
            .ok_or_else(|| Error::NotFound(format!("webhook delivery {id}")))?;
        if row.status != "dead" || !store::redrive(conn, id, naive(now))? {
            return Err(Error::conflict(
                "only a dead delivery is re-driven",
                Some(&row.status),
            ));
        }
        conn.audit(AuditEntry {
            actor,
            action: "webhook_delivery.redriven",
            entity_type: "webhook_delivery",
            entity_id: id,
            before: Some(serde_json::json!({ "status": "dead", "attempts": row.attempts })),
            after: Some(serde_json::json!({ "status": "pending", "attempts": 0 })),
            at: naive(now),
        });
        let (row, event_id, kind) = store::find_delivery(conn, id)?
            .ok_or_else(|| Error::corrupt("webhook_deliveries", "re-driven delivery vanished"))?;
        Ok(delivery_view(row, event_id, kind))
    })
}

/// Claims up to `limit` due deliveries for `owner`, leased for `settings.lease_ms`.
pub fn claim(
    conn: &mut DbConn,
    owner: &str,
    settings: Settings,
    limit: i64,
    now: DateTime<Utc>,
) -> Result<Vec<Claimed>, Error> {
    let lease_until = naive(now) + Duration::milliseconds(settings.lease_ms as i64);
    // Events committed but not sealed (their writer was killed before sealing them) are
    // sealed first, so they are listed and delivered.
    provider_hub_store::seal_pending(conn)?;
    Ok(unaudited_transaction(conn, |conn| {
        store::claim(conn, naive(now), lease_until, owner, limit)
    })?)
}

/// The secret a claimed delivery is signed with, opened with `key`. A secret still in
/// clear (written by a hub from before secrets were sealed, until the next start seals
/// it) is used as it is.
pub fn signing_secret(key: &SecretKey, claimed: &Claimed) -> Result<String, String> {
    match key.open(
        SECRET_PURPOSE,
        &claimed.delivery.provider_id,
        &claimed.secret,
    ) {
        Ok(secret) => Ok(secret),
        Err(OpenError::NotSealed) => Ok(claimed.secret.clone()),
        Err(e) => Err(format!(
            "the webhook's signing secret cannot be opened with this hub's key ({e}); \
             the provider must register its webhook again"
        )),
    }
}

/// At start-up: checks that `key` opens the webhook secrets already sealed (one of
/// them), then seals any still kept in clear. Returns how many it sealed; refuses, in
/// plain words, when the key is not the one the stored secrets were sealed with.
pub fn seal_stored_secrets(conn: &mut DbConn, key: &SecretKey) -> Result<usize, String> {
    let stored = store::secrets(conn).map_err(|e| format!("cannot read webhook secrets: {e}"))?;
    if let Some((provider_id, sealed)) = stored.iter().find(|(_, s)| secrets::is_sealed(s)) {
        if let Err(e) = key.open(SECRET_PURPOSE, provider_id, sealed) {
            return Err(format!(
                "the secret key does not open the webhook signing secrets already stored \
                 (provider {provider_id}: {e}); start the hub with the key they were sealed \
                 with (HUB_SECRET_KEY, or the secret-key file in the data directory)"
            ));
        }
    }
    let mut sealed = 0;
    for (provider_id, clear) in stored.iter().filter(|(_, s)| !secrets::is_sealed(s)) {
        let replaced = unaudited_transaction(conn, |conn| {
            store::replace_secret(
                conn,
                provider_id,
                clear,
                &key.seal(SECRET_PURPOSE, provider_id, clear),
            )
        })
        .map_err(|e| format!("cannot seal the webhook secret of {provider_id}: {e}"))?;
        sealed += usize::from(replaced);
    }
    Ok(sealed)
}

/// What sending one delivery came to.
#[derive(Debug, Clone)]
pub enum Sent {
    /// The receiver answered with this 2xx status.
    Ok(u16),
    /// It answered with another status, or not at all (`None`), with what went wrong.
    Failed(Option<u16>, String),
}

/// Records a try of a claimed delivery: delivered, retried later (exponential backoff
/// with jitter), or dead after the last try. False when the lease was lost meanwhile.
pub fn record(
    conn: &mut DbConn,
    claimed: &Claimed,
    owner: &str,
    sent: &Sent,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let attempts = u32::try_from(claimed.delivery.attempts).unwrap_or(0) + 1;
    let attempt = match sent {
        Sent::Ok(status) => Attempt::Delivered {
            status: i32::from(*status),
        },
        Sent::Failed(status, error) => {
            let retry_at = (attempts < settings.max_attempts).then(|| {
                let unit: f64 = rand::rng().random();
                let delay = retry_delay_ms(
                    attempts,
                    settings.backoff_base_ms,
                    settings.backoff_cap_ms,
                    unit,
                );
                naive(now) + Duration::milliseconds(delay as i64)
            });
            Attempt::Failed {
                status: status.map(i32::from),
                error: error.chars().take(500).collect(),
                retry_at,
            }
        }
    };
    Ok(unaudited_transaction(conn, |conn| {
        store::record_attempt(conn, &claimed.delivery.id, owner, &attempt, naive(now))
    })?)
}

/// Hands back the deliveries `owner` still holds, for another process to send at once.
pub fn release(conn: &mut DbConn, owner: &str) -> Result<usize, Error> {
    Ok(unaudited_transaction(conn, |conn| {
        store::release_leases(conn, owner)
    })?)
}

/// Deliveries waiting (pending) and given up (dead), hub-wide.
pub fn backlog(conn: &mut DbConn) -> Result<(i64, i64), Error> {
    Ok(store::backlog(conn, None)?)
}
