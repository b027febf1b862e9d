//! The background worker: expires offers whose time is up and retries unmatched orders
//! after the market changed; and, on a task of its own, processes uploads of reoffending
//! data chunk by chunk (an unfinished upload is resumed after a restart). Every step is
//! a conditional change in its own transaction, so any number of server processes may
//! run workers against one database.

use std::sync::Arc;
use std::time::Duration;

use provider_hub_market::clock::Clock;
use provider_hub_market::placement::Settings;
use provider_hub_market::rematch::retry_unmatched;
use provider_hub_market::{offers, reoffending, Error};
use provider_hub_store::Pool;
use tokio_util::sync::CancellationToken;

use crate::background::{blocking, pause, Task};

/// A running worker. Cloning gives another handle to the same worker.
#[derive(Clone)]
pub struct Worker {
    rounds: Task,
    uploads: Task,
}

impl Worker {
    /// Asks the worker to stop after its current round.
    pub fn stop(&self) {
        self.rounds.stop();
        self.uploads.stop();
    }

    /// Stops the worker and waits for its current round to finish.
    pub fn stop_and_join(&self) {
        self.stop();
        self.rounds.stop_and_join();
        self.uploads.stop_and_join();
    }
}

/// Processes the oldest unfinished upload of reoffending data, chunk by chunk, until it
/// is done or `go_on` says stop: the rows processed, or None when there was none.
pub fn process_uploads(
    pool: &Pool,
    clock: &dyn Clock,
    go_on: &dyn Fn() -> bool,
) -> Result<Option<usize>, Error> {
    let mut conn = pool.get().map_err(|_| Error::Unavailable)?;
    reoffending::process_next(&mut conn, &|| clock.now(), go_on)
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

/// Starts the worker; it runs a round every `every` until stopped.
pub fn spawn(pool: Pool, clock: Arc<dyn Clock>, settings: Settings, every: Duration) -> Worker {
    spawn_until(pool, clock, settings, every, &CancellationToken::new())
}

/// Starts the worker, which also stops when `stop` is cancelled.
pub fn spawn_until(
    pool: Pool,
    clock: Arc<dyn Clock>,
    settings: Settings,
    every: Duration,
    stop: &CancellationToken,
) -> Worker {
    let uploads = {
        let (pool, clock) = (pool.clone(), clock.clone());
        Task::spawn("hub-uploads", stop, move |stop| async move {
            while !stop.is_cancelled() {
                let (pool, clock, token) = (pool.clone(), clock.clone(), stop.clone());
                let round = blocking(move || {
                    process_uploads(&pool, clock.as_ref(), &|| !token.is_cancelled())
                })
                .await;
                match round {
                    // Another may be waiting: look again at once.
                    Ok(Some(rows)) if rows > 0 => {
                        tracing::info!(rows, "worker: reoffending rows processed");
                        continue;
                    }
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "upload processing failed; retrying"),
                }
                if !pause(&stop, every).await {
                    break;
                }
            }
        })
    };
    let rounds = Task::spawn("hub-worker", stop, move |stop| async move {
        while !stop.is_cancelled() {
            let (pool, clock) = (pool.clone(), clock.clone());
            match blocking(move || run_once(&pool, clock.as_ref(), settings)).await {
                Ok((0, 0)) => {}
                Ok((expired, placed)) => {
                    tracing::info!(
                        expired,
                        placed,
                        "worker: offers expired, unmatched orders placed"
                    )
                }
                Err(e) => tracing::warn!(error = %e, "worker round failed; retrying next round"),
            }
            if !pause(&stop, every).await {
                break;
            }
        }
    });
    Worker { rounds, uploads }
}
