//! The supply version, read in rounds by one thread of the process's own, so that a
//! search answered from memory does not take a connection and a blocking thread of its
//! own only to read one number.
//!
//! A search asks for the version and waits for the first round that *began after it
//! asked*: every change committed before the search arrived is in that round's reading,
//! as if the search had read the version itself. Searches arriving while a round is
//! being read share the next one, so under load one read answers many searches, and a
//! search waits at most two readings (on SQLite a few microseconds each, on PostgreSQL
//! one round trip). The thread sleeps while nobody asks and ends with the cache.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use diesel::r2d2::ManageConnection;
use provider_hub_store::db::HubConnectionManager;
use provider_hub_store::DbConn;
use tokio::sync::watch;

/// The rounds of one process.
#[derive(Debug)]
pub(super) struct Versions {
    shared: Arc<Shared>,
    /// Opens the reader's connection.
    opener: HubConnectionManager,
    /// How long a search waits for its round, as it would for a pooled connection.
    patience: Duration,
}

#[derive(Debug)]
struct Shared {
    rounds: Mutex<Rounds>,
    asked: Condvar,
    read: watch::Sender<Reading>,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            rounds: Mutex::default(),
            asked: Condvar::new(),
            read: watch::Sender::new(Reading::default()),
        }
    }
}

#[derive(Debug, Default)]
struct Rounds {
    /// Rounds begun so far.
    begun: u64,
    /// Someone waits for a round not yet begun.
    waiting: bool,
    /// A reader thread runs.
    reading: bool,
    /// The reader sleeps until asked.
    asleep: bool,
    /// The cache is gone: the reader ends.
    closed: bool,
}

/// The last round read: its number, and the version (none when it could not be read).
#[derive(Debug, Clone, Copy, Default)]
struct Reading {
    round: u64,
    version: Option<i64>,
}

impl Shared {
    fn rounds(&self) -> MutexGuard<'_, Rounds> {
        self.rounds
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Versions {
    /// Rounds whose reader connects by `opener`; a search waits `patience` at most.
    pub(super) fn new(opener: HubConnectionManager, patience: Duration) -> Self {
        Versions {
            shared: Arc::default(),
            opener,
            patience,
        }
    }

    /// The supply version as a read begun after this call saw it; `None` when the
    /// database could not be read (the reader has logged why) or not within `patience`
    /// (a database that does not answer).
    pub(super) async fn current(&self) -> Option<i64> {
        let mut readings = self.shared.read.subscribe();
        let (wanted, wake) = {
            let mut rounds = self.shared.rounds();
            if !rounds.reading {
                let (shared, opener) = (self.shared.clone(), self.opener.clone());
                let spawned = std::thread::Builder::new()
                    .name("supply-version".into())
                    .spawn(move || read_rounds(&shared, &opener));
                if let Err(e) = spawned {
                    tracing::error!(error = %e, "the supply version reader could not start");
                    return None;
                }
                rounds.reading = true;
            }
            rounds.waiting = true;
            (rounds.begun + 1, std::mem::take(&mut rounds.asleep))
        };
        if wake {
            self.shared.asked.notify_one();
        }
        let reading = readings.wait_for(|r| r.round >= wanted);
        let version = match actix_web::rt::time::timeout(self.patience, reading).await {
            Ok(Ok(reading)) => reading.version,
            Ok(Err(_)) => None,
            Err(_) => {
                tracing::warn!(patience = ?self.patience, "no supply version read in time");
                None
            }
        };
        version
    }
}

impl Drop for Versions {
    fn drop(&mut self) {
        self.shared.rounds().closed = true;
        self.shared.asked.notify_one();
    }
}

/// Reads a round whenever someone waits, until the cache is gone, on a connection of its
/// own beside the pool's (so it never takes one a request needs), opened afresh when a
/// read fails.
fn read_rounds(shared: &Shared, opener: &HubConnectionManager) {
    let _ending = Ending(shared);
    let mut kept: Option<DbConn> = None;
    loop {
        let round = {
            let mut rounds = shared.rounds();
            while !rounds.waiting && !rounds.closed {
                rounds.asleep = true;
                rounds = shared
                    .asked
                    .wait(rounds)
                    .unwrap_or_else(|poisoned| poisoned.into_inner());
            }
            rounds.asleep = false;
            if rounds.closed {
                return;
            }
            rounds.waiting = false;
            rounds.begun += 1;
            rounds.begun
        };
        // The connection may have been closed meanwhile (a database restarted): a failed
        // read is tried once more on a fresh one.
        let mut version = None;
        for _ in 0..2 {
            let mut conn = match kept.take().map_or_else(|| opener.connect(), Ok) {
                Ok(conn) => conn,
                Err(e) => {
                    tracing::warn!(error = %e, "cannot connect to read the supply version");
                    break;
                }
            };
            match provider_hub_store::supply::version(&mut conn) {
                Ok(v) => {
                    (version, kept) = (Some(v), Some(conn));
                    break;
                }
                Err(e) => tracing::warn!(error = %e, "the supply version could not be read"),
            }
        }
        shared.read.send_replace(Reading { round, version });
    }
}

/// A reader's end, however it ends: the searches waiting are answered with no version,
/// and the next search starts another reader.
struct Ending<'a>(&'a Shared);

impl Drop for Ending<'_> {
    fn drop(&mut self) {
        let round = {
            let mut rounds = self.0.rounds();
            rounds.reading = false;
            rounds.begun += 1;
            rounds.begun
        };
        self.0.read.send_replace(Reading {
            round,
            version: None,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use provider_hub_store::DatabaseTarget;

    /// A database that takes the connection and never answers: the search gives up after
    /// its patience (and is answered 503) rather than waiting on the reader.
    #[actix_web::test]
    async fn a_database_that_never_answers_is_given_up_on_in_time() {
        let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let port = silent.local_addr().expect("its address").port();
        let versions = Versions::new(
            HubConnectionManager::new(
                DatabaseTarget::Postgres(format!("postgres://postgres@127.0.0.1:{port}/hub")),
                Duration::from_secs(60),
            ),
            Duration::from_millis(300),
        );
        let asked = std::time::Instant::now();
        assert_eq!(versions.current().await, None);
        let waited = asked.elapsed();
        assert!(
            waited >= Duration::from_millis(300) && waited < Duration::from_secs(5),
            "{waited:?}"
        );
    }
}
