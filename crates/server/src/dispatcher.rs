//! The webhook dispatcher: claims due deliveries from the outbox (leased, so any number
//! of server processes share the work and a process killed mid-send only delays its
//! deliveries until the lease runs out), POSTs each signed event, and records the try.
//! Deliveries of one order go one at a time, in order; different orders go in parallel.
//! Every send goes only to a public address (see [`crate::egress`]) unless the operator
//! allows internal ones; a refused send is a failed try with its reason.

use std::sync::Arc;
use std::time::Duration;

use provider_hub_domain::event::{sign, SIGNATURE_HEADER};
use provider_hub_market::clock::Clock;
use provider_hub_market::secrets::SecretKey;
use provider_hub_market::webhooks::{self, Sent, Settings};
use provider_hub_market::Error;
use provider_hub_store::webhooks::Claimed;
use provider_hub_store::Pool;
use tokio_util::sync::CancellationToken;

use crate::background::{blocking, pause, Task};

/// Deliveries claimed per round.
const BATCH: i64 = 32;

/// A running dispatcher. Cloning gives another handle to the same dispatcher.
#[derive(Clone)]
pub struct Dispatcher(Task);

impl Dispatcher {
    /// Stops after the round in flight (its sends finish or time out), hands back the
    /// deliveries still leased to this process, and waits for it.
    pub fn stop_and_join(&self) {
        self.0.stop_and_join();
    }
}

/// How the dispatcher runs.
#[derive(Debug, Clone)]
pub struct DispatchOptions {
    pub settings: Settings,
    /// Opens the webhooks' sealed signing secrets.
    pub key: Arc<SecretKey>,
    /// How long one POST may take before it counts as failed.
    pub timeout: Duration,
    /// How long to sleep when nothing is due.
    pub every: Duration,
}

async fn send(client: &reqwest::Client, claimed: &Claimed, options: &DispatchOptions) -> Sent {
    if let Some(refused) =
        crate::egress::refused_literal(&claimed.url, options.settings.allow_private)
    {
        return Sent::Failed(None, refused.to_string());
    }
    let secret = match webhooks::signing_secret(&options.key, claimed) {
        Ok(secret) => secret,
        Err(why) => return Sent::Failed(None, why),
    };
    let body = claimed.payload.clone().into_bytes();
    let signature = sign(&secret, &body);
    let attempt = claimed.delivery.attempts + 1;
    let response = client
        .post(&claimed.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(SIGNATURE_HEADER, signature)
        .header("X-Hub-Event-Id", &claimed.event_id)
        .header("X-Hub-Event-Type", &claimed.kind)
        .header("X-Hub-Delivery-Id", &claimed.delivery.id)
        .header("X-Hub-Delivery-Attempt", attempt.to_string())
        .body(body)
        .send()
        .await;
    match response {
        Ok(r) if r.status().is_success() => Sent::Ok(r.status().as_u16()),
        Ok(r) => Sent::Failed(
            Some(r.status().as_u16()),
            format!("the receiver answered {}", r.status()),
        ),
        Err(e) if e.is_timeout() => Sent::Failed(None, "no answer before the timeout".into()),
        Err(e) => match crate::egress::refusal_in(&e) {
            Some(refused) => Sent::Failed(None, refused.to_string()),
            None => Sent::Failed(None, format!("could not deliver: {e}")),
        },
    }
}

/// One round: claim what is due, send it, record every try. Returns how many were sent.
pub async fn run_once(
    pool: &Pool,
    clock: &Arc<dyn Clock>,
    client: &reqwest::Client,
    owner: &str,
    options: &DispatchOptions,
) -> Result<usize, Error> {
    let claimed = {
        let (pool, clock, owner, settings) = (
            pool.clone(),
            clock.clone(),
            owner.to_owned(),
            options.settings,
        );
        blocking(move || {
            let mut conn = pool.get().map_err(|_| Error::Unavailable)?;
            webhooks::claim(&mut conn, &owner, settings, BATCH, clock.now())
        })
        .await?
    };
    if claimed.is_empty() {
        return Ok(0);
    }
    // No connection is held while waiting on receivers.
    let results =
        futures_util::future::join_all(claimed.iter().map(|c| send(client, c, options))).await;
    let sent = claimed.len();
    let (pool, clock, owner, settings) = (
        pool.clone(),
        clock.clone(),
        owner.to_owned(),
        options.settings,
    );
    blocking(move || {
        let mut conn = pool.get().map_err(|_| Error::Unavailable)?;
        for (claimed, sent) in claimed.iter().zip(&results) {
            let kept = webhooks::record(&mut conn, claimed, &owner, sent, settings, clock.now())?;
            match sent {
                Sent::Ok(_) => {
                    tracing::debug!(delivery = %claimed.delivery.id, event = %claimed.event_id, "webhook delivered")
                }
                Sent::Failed(status, error) => tracing::info!(
                    delivery = %claimed.delivery.id,
                    event = %claimed.event_id,
                    attempt = claimed.delivery.attempts + 1,
                    status,
                    error,
                    "webhook delivery failed"
                ),
            }
            if !kept {
                tracing::warn!(delivery = %claimed.delivery.id, "lease lost while sending; another dispatcher has the delivery");
            }
        }
        Ok(())
    })
    .await?;
    Ok(sent)
}

/// Starts the dispatcher; it runs until stopped.
pub fn spawn(pool: Pool, clock: Arc<dyn Clock>, options: DispatchOptions) -> Dispatcher {
    spawn_until(pool, clock, options, &CancellationToken::new())
}

/// Starts the dispatcher, which also stops when `stop` is cancelled.
pub fn spawn_until(
    pool: Pool,
    clock: Arc<dyn Clock>,
    options: DispatchOptions,
    stop: &CancellationToken,
) -> Dispatcher {
    Dispatcher(Task::spawn(
        "hub-dispatcher",
        stop,
        move |stop| async move {
            let client =
                match crate::egress::client(options.timeout, options.settings.allow_private) {
                    Ok(c) => c,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot build the webhook client");
                        return;
                    }
                };
            let owner = provider_hub_store::new_id("dispatcher");
            while !stop.is_cancelled() {
                let sent = match run_once(&pool, &clock, &client, &owner, &options).await {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::warn!(error = %e, "dispatcher round failed; retrying next round");
                        0
                    }
                };
                // More may be due at once (the next events of the orders just sent): no pause.
                if sent == 0 && !pause(&stop, options.every).await {
                    break;
                }
            }
            // Hand back what this process still holds, for another to send at once.
            let released = blocking(move || {
                let mut conn = pool.get().map_err(|_| Error::Unavailable)?;
                webhooks::release(&mut conn, &owner)
            })
            .await;
            match released {
                Ok(0) => {}
                Ok(n) => tracing::info!(released = n, "dispatcher handed back its deliveries"),
                Err(e) => {
                    tracing::warn!(error = %e, "could not hand back deliveries; their leases will run out")
                }
            }
        },
    ))
}
