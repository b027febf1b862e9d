//! The supply version, read in rounds by one reader of the process's own, so that a
//! search answered from memory does not take a connection and a blocking thread of its
//! own only to read one number.
//!
//! A search asks for the version and waits for the first round that *began after it
//! asked*: every change committed before the search arrived is in that round's reading,
//! as if the search had read the version itself. Searches arriving while a round is
//! being read share the next one, so under load one read answers many searches, and a
//! search waits at most two readings (on SQLite a few microseconds each, on PostgreSQL
//! one round trip). The reader sleeps while nobody asks and ends with the cache.
//!
//! On PostgreSQL the reader is a task on the event loop of the HTTP worker that first
//! asked, with a connection of `tokio-postgres`: a round is a write and a read on that
//! loop, where a thread of its own cost two switches a round (with PostgreSQL's side,
//! a fifth of the machine under searches). Two rounds may be in flight at once,
//! pipelined on the connection, so a search asking just after a round was sent has its
//! own round sent at once instead of after that round's answer. It is used where the
//! connection needs no TLS (`sslmode=disable`, or a server on this machine); otherwise,
//! and on SQLite, the reader is a thread with a connection like the pool's
//! (`bench/RESULTS.md`, "The supply version read on the HTTP workers' loops"). A reader
//! on a loop that cannot connect at first hands over to a thread for good: libpq reads
//! what `tokio-postgres` does not (`PGPASSWORD`, a password or service file).

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use diesel::r2d2::ManageConnection;
use provider_hub_store::db::HubConnectionManager;
use provider_hub_store::{DatabaseTarget, DbConn};
use tokio::sync::{watch, Notify};
use tokio_postgres::config::{Host, SslMode};

/// How long the reader on an event loop waits to connect or for a reading before it
/// gives up on the connection.
const READ_LIMIT: Duration = Duration::from_secs(10);

/// The rounds of one process.
#[derive(Debug)]
pub(super) struct Versions {
    shared: Arc<Shared>,
    /// Opens the reader's connection.
    opener: HubConnectionManager,
    /// The database to read on an event loop, when it is PostgreSQL needing no TLS.
    on_loop: Option<tokio_postgres::Config>,
    /// How long a search waits for its round, as it would for a pooled connection.
    patience: Duration,
}

#[derive(Debug)]
struct Shared {
    rounds: Mutex<Rounds>,
    /// Wakes a reader thread.
    asked: Condvar,
    /// Wakes a reader on an event loop.
    asked_on_loop: Notify,
    read: watch::Sender<Reading>,
}

impl Default for Shared {
    fn default() -> Self {
        Shared {
            rounds: Mutex::default(),
            asked: Condvar::new(),
            asked_on_loop: Notify::new(),
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
    /// The reader on an event loop could not connect (the pool's libpq may know what it
    /// does not: a password in the environment or a password file, a service file): a
    /// thread reads from then on.
    by_thread: bool,
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

    /// Wakes the reader, whichever kind it is.
    fn wake(&self) {
        self.asked.notify_one();
        self.asked_on_loop.notify_one();
    }
}

/// What a reader does next.
enum Next {
    /// Reads this round.
    Read(u64),
    /// Sleeps until asked.
    Sleep,
    /// Ends: the cache is gone.
    End,
}

impl Rounds {
    /// Begins a round if someone waits for one; marks the reader asleep otherwise.
    fn next(&mut self) -> Next {
        if self.closed {
            return Next::End;
        }
        if !self.waiting {
            self.asleep = true;
            return Next::Sleep;
        }
        self.asleep = false;
        self.waiting = false;
        self.begun += 1;
        Next::Read(self.begun)
    }
}

impl Versions {
    /// Rounds whose reader connects by `opener`; a search waits `patience` at most.
    pub(super) fn new(opener: HubConnectionManager, patience: Duration) -> Self {
        Versions {
            shared: Arc::default(),
            on_loop: on_loop(opener.target()),
            opener,
            patience,
        }
    }

    /// Starts the reader: a task on this event loop, or a thread.
    fn start_reader(&self, by_thread: bool) -> std::io::Result<()> {
        let (shared, opener) = (self.shared.clone(), self.opener.clone());
        match &self.on_loop {
            Some(config) if !by_thread => {
                actix_web::rt::spawn(read_rounds_on_loop(shared, config.clone(), opener));
                Ok(())
            }
            _ => spawn_thread(shared, opener),
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
                if let Err(e) = self.start_reader(rounds.by_thread) {
                    tracing::error!(error = %e, "the supply version reader could not start");
                    return None;
                }
                rounds.reading = true;
            }
            rounds.waiting = true;
            (rounds.begun + 1, std::mem::take(&mut rounds.asleep))
        };
        if wake {
            self.shared.wake();
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
        self.shared.wake();
    }
}

/// Starts a reader thread.
fn spawn_thread(shared: Arc<Shared>, opener: HubConnectionManager) -> std::io::Result<()> {
    std::thread::Builder::new()
        .name("supply-version".into())
        .spawn(move || read_rounds(&shared, &opener))
        .map(drop)
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
            loop {
                match rounds.next() {
                    Next::Read(round) => break round,
                    Next::End => return,
                    Next::Sleep => {
                        rounds = shared
                            .asked
                            .wait(rounds)
                            .unwrap_or_else(|poisoned| poisoned.into_inner());
                    }
                }
            }
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
        publish(shared, round, version);
    }
}

/// The PostgreSQL database to read on an event loop: one whose connection needs no TLS,
/// because it is refused (`sslmode=disable`) or the server is on this machine (loopback
/// or a Unix socket). `None` (a thread reads) for SQLite, for a URL `tokio-postgres` does
/// not read, and for a server elsewhere whose connection may or must use TLS.
fn on_loop(target: &DatabaseTarget) -> Option<tokio_postgres::Config> {
    let DatabaseTarget::Postgres(url) = target else {
        return None;
    };
    let config = url.parse::<tokio_postgres::Config>().ok()?;
    let here = config.get_hosts().iter().all(|host| match host {
        Host::Tcp(name) => {
            name == "localhost"
                || name
                    .trim_start_matches('[')
                    .trim_end_matches(']')
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback())
        }
        #[cfg(unix)]
        Host::Unix(_) => true,
    });
    match config.get_ssl_mode() {
        SslMode::Disable => Some(config),
        SslMode::Prefer if here => Some(config),
        _ => None,
    }
}

/// Rounds a reader on an event loop has in flight at most: the next round is sent on the
/// same connection while the one before is being answered, so that a search that asks
/// just after a round was sent waits about one round trip, not two.
const ROUNDS_IN_FLIGHT: usize = 2;

/// A connection of a reader on an event loop, and its prepared statement.
type LoopConnection = (tokio_postgres::Client, tokio_postgres::Statement);

/// A reader on an event loop: it begins rounds; each round is read by a task of its own.
struct LoopReader {
    shared: Arc<Shared>,
    config: tokio_postgres::Config,
    /// The connection rounds are sent on, opened when first needed and again after a
    /// read fails.
    connection: RefCell<Option<Rc<LoopConnection>>>,
    in_flight: Cell<usize>,
    /// A round was answered (a place for another is free).
    answered: Notify,
}

/// Reads rounds on this event loop (see the module's documentation).
/// If it cannot connect at first, a thread reading with `opener` takes over, for good.
async fn read_rounds_on_loop(
    shared: Arc<Shared>,
    config: tokio_postgres::Config,
    opener: HubConnectionManager,
) {
    let first = match open(&config).await {
        Ok(first) => first,
        Err(e) => {
            tracing::warn!(error = %e, "the supply version is read by a thread from now on");
            shared.rounds().by_thread = true;
            if let Err(e) = spawn_thread(shared.clone(), opener) {
                tracing::error!(error = %e, "the supply version reader could not start");
                drop(Ending(&shared));
            }
            return;
        }
    };
    let _ending = Ending(&shared);
    let reader = Rc::new(LoopReader {
        shared: shared.clone(),
        config,
        connection: RefCell::new(Some(Rc::new(first))),
        in_flight: Cell::new(0),
        answered: Notify::new(),
    });
    loop {
        if reader.in_flight.get() >= ROUNDS_IN_FLIGHT {
            reader.answered.notified().await;
            continue;
        }
        // Bound to a statement: the guard is gone before any wait.
        let next = shared.rounds().next();
        match next {
            Next::End => return,
            Next::Sleep => shared.asked_on_loop.notified().await,
            Next::Read(round) => match reader.connection().await {
                Some(connection) => {
                    reader.in_flight.set(reader.in_flight.get() + 1);
                    actix_web::rt::spawn(reader.clone().read(round, connection));
                }
                None => publish(&shared, round, None),
            },
        }
    }
}

impl LoopReader {
    /// The connection rounds are sent on, opened if there is none (`None`, logged, when
    /// it cannot be).
    async fn connection(&self) -> Option<Rc<LoopConnection>> {
        let kept = self.connection.borrow().clone();
        if kept.is_some() {
            return kept;
        }
        match open(&self.config).await {
            Ok(opened) => {
                let opened = Rc::new(opened);
                *self.connection.borrow_mut() = Some(opened.clone());
                Some(opened)
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot connect to read the supply version");
                None
            }
        }
    }

    /// Drops a connection a read failed on, unless another has replaced it already.
    fn forget(&self, failed: Rc<LoopConnection>) {
        let mut kept = self.connection.borrow_mut();
        if kept.as_ref().is_some_and(|k| Rc::ptr_eq(k, &failed)) {
            *kept = None;
        }
    }

    /// Reads one round and answers it. The connection may have been closed meanwhile (a
    /// database restarted): a failed read is tried once more on a fresh connection.
    async fn read(self: Rc<Self>, round: u64, connection: Rc<LoopConnection>) {
        let version = match read_version(&connection).await {
            Ok(version) => Some(version),
            Err(e) => {
                tracing::warn!(error = %e, "the supply version could not be read");
                self.forget(connection);
                match self.connection().await {
                    Some(fresh) => read_version(&fresh)
                        .await
                        .inspect_err(|e| {
                            tracing::warn!(error = %e, "the supply version could not be read");
                        })
                        .ok(),
                    None => None,
                }
            }
        };
        publish(&self.shared, round, version);
        self.in_flight.set(self.in_flight.get() - 1);
        self.answered.notify_one();
    }
}

/// The supply version, on a reader's connection.
async fn read_version((client, statement): &LoopConnection) -> Result<i64, String> {
    match actix_web::rt::time::timeout(READ_LIMIT, client.query_one(statement, &[])).await {
        Ok(Ok(row)) => row.try_get::<_, i64>(0).map_err(|e| e.to_string()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("not read within {READ_LIMIT:?}")),
    }
}

/// Answers a round, unless a later one was answered already (rounds read at once may be
/// answered out of order; a later round's reading is as fresh as any earlier one's).
fn publish(shared: &Shared, round: u64, version: Option<i64>) {
    shared.read.send_if_modified(|reading| {
        let later = round > reading.round;
        if later {
            *reading = Reading { round, version };
        }
        later
    });
}

/// A connection for [`read_rounds_on_loop`], driven by a task of this event loop until
/// its client is dropped, and its statement; an error (said as a log line says it) when
/// it cannot be opened within [`READ_LIMIT`].
async fn open(config: &tokio_postgres::Config) -> Result<LoopConnection, String> {
    let opening = async {
        let (client, connection) = config.connect(tokio_postgres::NoTls).await?;
        actix_web::rt::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "the supply version reader's connection ended");
            }
        });
        let statement = client
            .prepare(provider_hub_store::supply::VERSION_SQL)
            .await?;
        Ok::<_, tokio_postgres::Error>((client, statement))
    };
    match actix_web::rt::time::timeout(READ_LIMIT, opening).await {
        Ok(opened) => opened.map_err(|e| e.to_string()),
        Err(_) => Err(format!("no connection within {READ_LIMIT:?}")),
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

    /// A PostgreSQL server the reader on an event loop cannot reach where the pool's
    /// libpq can (here: a port nobody listens on, for a SQLite database the thread
    /// reads): the first search is answered through a thread, and so are the next.
    #[actix_web::test]
    async fn a_reader_that_cannot_connect_hands_over_to_a_thread() {
        let file = std::env::temp_dir().join(format!(
            "hub-versions-{}-{:?}.sqlite3",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        let opener =
            HubConnectionManager::new(DatabaseTarget::Sqlite(file.clone()), Duration::from_secs(5));
        let mut conn = opener.connect().expect("a SQLite database");
        provider_hub_store::run_migrations(&mut conn).expect("migrated");
        let version = provider_hub_store::supply::version(&mut conn).expect("its version");
        let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a port");
        let port = closed.local_addr().expect("its address").port();
        drop(closed);
        let mut versions = Versions::new(opener, Duration::from_secs(5));
        versions.on_loop = Some(
            format!("postgres://postgres@127.0.0.1:{port}/hub?sslmode=disable")
                .parse()
                .expect("a URL"),
        );
        assert_eq!(versions.current().await, Some(version));
        assert!(versions.shared.rounds().by_thread);
        assert_eq!(versions.current().await, Some(version));
        drop(versions);
        let _ = std::fs::remove_file(&file);
    }

    /// The reader on an event loop only where no TLS is lost: TLS refused, or a server on
    /// this machine; never for SQLite, a server elsewhere, or TLS required.
    #[test]
    fn the_reader_is_on_a_loop_only_where_the_connection_needs_no_tls() {
        let on_loop_for = |url: &str| on_loop(&DatabaseTarget::Postgres(url.to_owned())).is_some();
        assert!(on_loop_for("postgres://postgres@127.0.0.1:5432/hub"));
        assert!(on_loop_for(
            "postgres://postgres@localhost/hub?sslmode=prefer"
        ));
        assert!(on_loop_for("postgres://postgres@[::1]:5432/hub"));
        assert!(on_loop_for("postgres://db.example.org/hub?sslmode=disable"));
        assert!(!on_loop_for("postgres://db.example.org/hub"));
        assert!(!on_loop_for("postgres://127.0.0.1/hub?sslmode=require"));
        assert!(!on_loop_for("postgres://10.0.0.5,127.0.0.1/hub"));
        assert!(on_loop(&DatabaseTarget::Sqlite("hub.sqlite3".into())).is_none());
    }
}
