//! How the background worker and the webhook dispatcher run: each as a tokio task on a
//! runtime of its own thread, stopped through a cancellation token. The token is only
//! looked at between rounds, so a round in flight (an expiry, a send) always finishes;
//! a sleep between rounds ends at once. Their database work is synchronous diesel, run
//! on the runtime's blocking threads.
//!
//! A thread of their own, rather than the HTTP server's runtime: the server's runtime
//! runs one thread per CPU for requests, and the tests and the server stop these
//! synchronously (`stop_and_join`), which would wait forever on a task of the runtime
//! the caller is blocking.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// A running background task. Cloning gives another handle to the same task.
#[derive(Clone)]
pub struct Task {
    stop: CancellationToken,
    thread: Arc<Mutex<Option<JoinHandle<()>>>>,
}

impl Task {
    /// Starts `run` on a thread named `name`, with its own runtime; `run` gets the token
    /// that tells it to stop (a child of `stop`, so cancelling `stop` stops it too).
    pub fn spawn<F, Fut>(name: &str, stop: &CancellationToken, run: F) -> Self
    where
        F: FnOnce(CancellationToken) -> Fut + Send + 'static,
        Fut: Future<Output = ()>,
    {
        let stop = stop.child_token();
        let token = stop.clone();
        let what = name.to_owned();
        let spawned = std::thread::Builder::new()
            .name(name.into())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(e) => {
                        tracing::error!(error = %e, task = %what, "cannot start a background task");
                        return;
                    }
                };
                runtime.block_on(run(token));
            });
        let thread = match spawned {
            Ok(handle) => Some(handle),
            Err(e) => {
                tracing::error!(error = %e, task = name, "cannot start a background task");
                None
            }
        };
        Task {
            stop,
            thread: Arc::new(Mutex::new(thread)),
        }
    }

    /// Asks the task to stop after its current round.
    pub fn stop(&self) {
        self.stop.cancel();
    }

    /// Stops the task and waits for its current round to finish.
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

/// Waits `every`, or less when stopped: true when the task should go on.
pub async fn pause(stop: &CancellationToken, every: Duration) -> bool {
    tokio::select! {
        () = stop.cancelled() => false,
        () = tokio::time::sleep(every) => true,
    }
}

/// Runs synchronous database work on the runtime's blocking threads.
pub async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, provider_hub_market::Error> + Send + 'static,
) -> Result<T, provider_hub_market::Error> {
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "a background round did not finish");
        Err(provider_hub_market::Error::Unavailable)
    })
}
