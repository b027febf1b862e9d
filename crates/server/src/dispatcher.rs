//! The webhook dispatcher: claims due deliveries from the outbox (leased, so any number
//! of server processes share the work and a process killed mid-send only delays its
//! deliveries until the lease runs out), POSTs each signed event, and records the try.
//! Deliveries of one order go one at a time, in order; different orders go in parallel.
//! Every send goes only to a public address (see [`crate::egress`]) unless the operator
//! allows internal ones; a refused send is a failed try with its reason.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use provider_hub_domain::event::{sign, SIGNATURE_HEADER};
use provider_hub_market::clock::Clock;
use provider_hub_market::secrets::SecretKey;
use provider_hub_market::webhooks::{self, Sent, Settings};
use provider_hub_market::Error;
use provider_hub_store::webhooks::Claimed;
use provider_hub_store::Pool;

/// Deliveries claimed per round.
const BATCH: i64 = 32;

/// A running dispatcher thread. Cloning gives another handle to the same thread.
#[derive(Clone)]
pub struct Dispatcher {
    stop: Arc<AtomicBool>,
    thread: Arc<std::sync::Mutex<Option<std::thread::JoinHandle<()>>>>,
}

impl Dispatcher {
    /// Stops after the round in flight (its sends finish or time out), hands back the
    /// deliveries still leased to this process, and waits for the thread.
    pub fn stop_and_join(&self) {
        self.stop.store(true, Ordering::SeqCst);
        let handle = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(handle) = handle {
            if handle.thread().id() != std::thread::current().id() {
                let _ = handle.join();
            }
        }
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
pub fn run_once(
    pool: &Pool,
    clock: &dyn Clock,
    runtime: &tokio::runtime::Runtime,
    client: &reqwest::Client,
    owner: &str,
    options: &DispatchOptions,
) -> Result<usize, Error> {
    let mut conn = pool.get().map_err(|_| Error::Unavailable)?;
    let claimed = webhooks::claim(&mut conn, owner, options.settings, BATCH, clock.now())?;
    if claimed.is_empty() {
        return Ok(0);
    }
    // Give the connection back while waiting on receivers.
    drop(conn);
    let results = runtime.block_on(futures_util::future::join_all(
        claimed.iter().map(|c| send(client, c, options)),
    ));
    let mut conn = pool.get().map_err(|_| Error::Unavailable)?;
    for (claimed, sent) in claimed.iter().zip(&results) {
        let kept = webhooks::record(
            &mut conn,
            claimed,
            owner,
            sent,
            options.settings,
            clock.now(),
        )?;
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
    Ok(claimed.len())
}

/// Starts the dispatcher on a thread of its own.
pub fn spawn(pool: Pool, clock: Arc<dyn Clock>, options: DispatchOptions) -> Dispatcher {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let spawned = std::thread::Builder::new()
        .name("hub-dispatcher".into())
        .spawn(move || {
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => {
                    tracing::error!(error = %e, "cannot start the webhook dispatcher");
                    return;
                }
            };
            let client = match crate::egress::client(options.timeout, options.settings.allow_private) {
                Ok(c) => c,
                Err(e) => {
                    tracing::error!(error = %e, "cannot build the webhook client");
                    return;
                }
            };
            let owner = provider_hub_store::new_id("dispatcher");
            while !flag.load(Ordering::SeqCst) {
                let sent = match run_once(&pool, clock.as_ref(), &runtime, &client, &owner, &options) {
                    Ok(n) => n,
                    Err(e) => {
                        tracing::warn!(error = %e, "dispatcher round failed; retrying next round");
                        0
                    }
                };
                if sent > 0 {
                    // More may be due at once: the next events of the orders just sent.
                    continue;
                }
                let mut slept = Duration::ZERO;
                while slept < options.every && !flag.load(Ordering::SeqCst) {
                    let step = Duration::from_millis(50).min(options.every - slept);
                    std::thread::sleep(step);
                    slept += step;
                }
            }
            // Hand back what this process still holds, for another to send at once.
            match pool.get() {
                Ok(mut conn) => match webhooks::release(&mut conn, &owner) {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(released = n, "dispatcher handed back its deliveries"),
                    Err(e) => tracing::warn!(error = %e, "could not hand back deliveries; their leases will run out"),
                },
                Err(e) => tracing::warn!(error = %e, "could not hand back deliveries; their leases will run out"),
            }
        });
    let thread = match spawned {
        Ok(handle) => Some(handle),
        Err(e) => {
            tracing::error!(error = %e, "cannot start the webhook dispatcher");
            None
        }
    };
    Dispatcher {
        stop,
        thread: Arc::new(std::sync::Mutex::new(thread)),
    }
}
