//! The background worker: expires offers whose time is up and retries unmatched orders
//! after the market changed. Every step is a conditional change in its own transaction,
//! so any number of server processes may run workers against one database.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use provider_hub_market::clock::Clock;
use provider_hub_market::placement::{retry_unmatched, Settings};
use provider_hub_market::{offers, Error};
use provider_hub_store::Pool;

/// A running worker thread. Cloning gives another handle to the same thread.
#[derive(Clone)]
pub struct Worker {
    stop: Arc<AtomicBool>,
    thread: Arc<std::sync::Mutex<Option<std::thread::JoinHandle<()>>>>,
}

impl Worker {
    /// Asks the worker to stop after its current round.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::SeqCst);
    }

    /// Stops the worker and waits for its current round to finish.
    pub fn stop_and_join(&self) {
        self.stop();
        let handle = self.thread.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(handle) = handle {
            if handle.thread().id() != std::thread::current().id() {
                let _ = handle.join();
            }
        }
    }
}

/// One round: expire due offers, then retry unmatched orders.
pub fn run_once(
    pool: &Pool,
    clock: &dyn Clock,
    settings: Settings,
) -> Result<(usize, usize), Error> {
    let mut conn = pool.get().map_err(|_| Error::Unavailable)?;
    let expired = offers::expire_due(&mut conn, settings, clock.now())?;
    let placed = retry_unmatched(&mut conn, settings, clock.now())?;
    Ok((expired, placed))
}

/// Starts the worker on a thread of its own (the work is synchronous database work).
pub fn spawn(pool: Pool, clock: Arc<dyn Clock>, settings: Settings, every: Duration) -> Worker {
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    let spawned = std::thread::Builder::new()
        .name("hub-worker".into())
        .spawn(move || {
            while !flag.load(Ordering::SeqCst) {
                match run_once(&pool, clock.as_ref(), settings) {
                    Ok((0, 0)) => {}
                    Ok((expired, placed)) => {
                        tracing::info!(
                            expired,
                            placed,
                            "worker: offers expired, unmatched orders placed"
                        )
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "worker round failed; retrying next round")
                    }
                }
                // Sleep in short steps so a stop is noticed quickly.
                let mut slept = Duration::ZERO;
                while slept < every && !flag.load(Ordering::SeqCst) {
                    let step = Duration::from_millis(50).min(every - slept);
                    std::thread::sleep(step);
                    slept += step;
                }
            }
        });
    let thread = match spawned {
        Ok(handle) => Some(handle),
        Err(e) => {
            tracing::error!(error = %e, "cannot start the background worker");
            None
        }
    };
    Worker {
        stop,
        thread: Arc::new(std::sync::Mutex::new(thread)),
    }
}
