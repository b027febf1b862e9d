//! Write transactions that behave the same on both backends, the unit of work a use case
//! writes through ([`Tx`]: its change, the audit rows and the events, committed
//! together), and the sealing that follows an audited transaction (see [`crate::seal`]).
//!
//! The audit trail and the events are plain tables to [`crate::audit`] and
//! [`crate::events`]; only this module writes them for a change, so neither depends on
//! how transactions run.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::{Connection, RunQueryDsl};

use crate::audit::{self, AuditEntry, NewAuditRow};
use crate::events::{self, NewEvent};
use crate::seal::{self, Sealed};
use crate::{DbConn, StoreError};

/// One change to record: its audit row and, when the change is one providers and
/// offender managers hear of, its event. Built whole, so neither is written without the
/// other where both are due.
pub struct Change<'a> {
    pub audit: AuditEntry<'a>,
    pub event: Option<NewEvent>,
}

/// A write transaction in progress: the connection it runs on, and the audit rows and
/// events recorded with its change so far, written just before it ends — with the change
/// or not at all. Derefs to the connection, so store functions take it as they take a
/// connection. Only [`write_transaction`] makes one.
pub struct Tx<'c> {
    conn: &'c mut DbConn,
    audit: Vec<NewAuditRow>,
    events: Vec<NewEvent>,
}

impl Tx<'_> {
    /// Records a change: its audit row, and its event when it has one.
    pub fn record(&mut self, change: Change<'_>) {
        self.audit(change.audit);
        if let Some(event) = change.event {
            self.events.push(event);
        }
    }

    /// Records a change several events report, one per object it touched, under its one
    /// audit row (a person's outcome over a period, heard of on each order it settles;
    /// the row names them).
    pub fn record_reported(&mut self, audit: AuditEntry<'_>, events: Vec<NewEvent>) {
        self.audit(audit);
        self.events.extend(events);
    }

    /// Records an audit row of a change no event reports (a budget set, a listing
    /// published, a webhook registered…).
    pub fn audit(&mut self, entry: AuditEntry<'_>) {
        self.audit.push(NewAuditRow::from(entry));
    }

    /// Runs `f` in a savepoint of this transaction: what it writes and records stays
    /// when it succeeds; when it fails both are undone — the savepoint rolled back (and
    /// with it any row lock taken in it), what it recorded dropped — and the transaction
    /// goes on. One savepoint, however many changes `f` records.
    pub fn savepoint<T, E>(&mut self, f: impl FnOnce(&mut Self) -> Result<T, E>) -> Result<T, E>
    where
        E: From<diesel::result::Error>,
    {
        let kept = (self.audit.len(), self.events.len());
        DbConn::begin_transaction(self.conn)?;
        match f(self) {
            Ok(value) => match DbConn::commit_transaction(self.conn) {
                Ok(()) => Ok(value),
                Err(e) => {
                    let _ = DbConn::rollback_transaction(self.conn);
                    self.forget_after(kept);
                    Err(e.into())
                }
            },
            Err(e) => {
                DbConn::rollback_transaction(self.conn)?;
                self.forget_after(kept);
                Err(e)
            }
        }
    }

    /// Drops what was recorded after the first `audit` rows and `events` events.
    fn forget_after(&mut self, (audit, events): (usize, usize)) {
        self.audit.truncate(audit);
        self.events.truncate(events);
    }

    /// Writes what was recorded, in the order it was recorded, into the transaction.
    fn write_recorded(&mut self) -> Result<(), StoreError> {
        audit::insert(self.conn, &std::mem::take(&mut self.audit))?;
        events::append(self.conn, &std::mem::take(&mut self.events))
    }
}

impl Deref for Tx<'_> {
    type Target = DbConn;

    fn deref(&self) -> &DbConn {
        self.conn
    }
}

impl DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut DbConn {
        self.conn
    }
}

/// Runs `f` with a [`Tx`] on `conn`, and writes what it recorded when it succeeds.
fn in_tx<T, E>(conn: &mut DbConn, f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    let mut tx = Tx {
        conn,
        audit: Vec::new(),
        events: Vec::new(),
    };
    let value = f(&mut tx)?;
    tx.write_recorded().map_err(|e| E::from(to_diesel(e)))?;
    Ok(value)
}

/// Runs `f` in a write transaction; the audit rows and events it records are sealed with
/// it (SQLite) or right after it commits (PostgreSQL).
///
/// On SQLite a plain `BEGIN` takes the write lock only at the first write, and two
/// such transactions can deadlock (one gets SQLITE_BUSY at once, whatever the busy
/// timeout); `BEGIN IMMEDIATE` queues writers behind the busy timeout instead. SQLite
/// writes one transaction at a time, so the rows are sealed just before the commit, in
/// commit order.
///
/// On PostgreSQL the transaction takes no lock for its audit rows and events: they are
/// inserted unsealed and commit with the change or not at all, and audited writes of
/// every process commit side by side. Once it has committed, the caller waits for a seal
/// of its process that began after the commit (running it when none is running): that
/// seal takes in what is committed and unsealed, its rows and those of every transaction
/// that committed meanwhile, or finds that another process sealed them, so a change is
/// acknowledged with its events already readable. A seal that fails (its lock not granted in time) leaves the
/// rows for the next one, and the change stays committed.
///
/// `f` records the change's audit rows and events on its [`Tx`]; they are written in
/// the transaction once `f` has succeeded.
///
/// Inside another write transaction this is a savepoint of it: what it recorded is
/// rolled back with it.
pub fn write_transaction<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut Tx<'_>) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    transaction(conn, true, |conn| in_tx(conn, f))
}

/// A write transaction that records no audit row or event, so has nothing to seal: the
/// webhook outbox's claims and attempts, which only touch outbox rows.
pub fn unaudited_transaction<T, E>(
    conn: &mut DbConn,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    transaction(conn, false, f)
}

/// Seals what is committed and not yet sealed, in a transaction of its own: what a
/// process killed between a commit and its seal left, or rows written outside a hub.
/// Costs two index probes when there is nothing to seal.
pub fn seal_pending(conn: &mut DbConn) -> Result<Sealed, StoreError> {
    if !seal::pending(conn)? {
        return Ok(Sealed::default());
    }
    transaction(conn, false, seal::seal_in)
}

/// A process's seals of one PostgreSQL database, numbered: how many began and how many
/// ended well, and whether one is running now.
#[derive(Default)]
struct Rounds {
    started: u64,
    finished: u64,
    running: bool,
}

type Seals = Arc<(Mutex<Rounds>, Condvar)>;

#[derive(diesel::QueryableByName)]
struct DatabaseName {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// The seals of the database `conn` is connected to (a process may use several: the
/// tests do), found by its name, server address and port.
fn seals_of(conn: &mut DbConn) -> Result<Seals, StoreError> {
    static SEALS: OnceLock<Mutex<HashMap<String, Seals>>> = OnceLock::new();
    let name = diesel::sql_query(format!("SELECT {} AS name", crate::db::PG_DATABASE_NAME))
        .get_result::<DatabaseName>(conn)?
        .name;
    let mut seals = SEALS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    Ok(seals.entry(name).or_default().clone())
}

/// Longest a writer waits for a seal run by another before looking again.
const SEAL_WAIT: Duration = Duration::from_secs(5);

/// Waits, after an audited transaction committed on PostgreSQL, for a seal of the same
/// database by this process that began after the commit: it takes in the transaction's
/// rows with whatever else is committed (or finds them sealed by another process).
/// Writers that commit while a seal runs wait for the next one, which the first of them
/// to find none running runs for all; so one seal serves every writer that committed
/// meanwhile, and a writer asks the database only which database it is, not whether its
/// rows are sealed.
fn seal_after_commit(conn: &mut DbConn) -> Result<(), StoreError> {
    let seals = seals_of(conn)?;
    let (rounds, turn) = &*seals;
    let mut now = rounds.lock().unwrap_or_else(|e| e.into_inner());
    let after_commit = now.started + 1;
    loop {
        if now.finished >= after_commit {
            return Ok(());
        }
        if now.running {
            now = turn
                .wait_timeout(now, SEAL_WAIT)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|e| e.into_inner().0);
            continue;
        }
        now.running = true;
        now.started += 1;
        let round = now.started;
        drop(now);
        // Whatever happens to this seal (even a panic), the next writer may run one.
        let sealed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            transaction(conn, false, seal::seal_in)
        }));
        now = rounds.lock().unwrap_or_else(|e| e.into_inner());
        now.running = false;
        if matches!(sealed, Ok(Ok(_))) {
            now.finished = round;
        }
        turn.notify_all();
        drop(now);
        return match sealed {
            Ok(sealed) => sealed.map(|_| ()),
            Err(panic) => std::panic::resume_unwind(panic),
        };
    }
}

#[derive(diesel::QueryableByName)]
struct DatabaseFile {
    #[diesel(sql_type = diesel::sql_types::Text)]
    file: String,
}

/// SQLite: the queue of this process's write transactions on the connection's database
/// file. SQLite lets a writer that finds the database locked sleep and try again, at
/// growing intervals; a writer that commits and begins again at once (a batch run's next
/// transaction, an upload's next chunk) can then keep the lock for seconds while others
/// sleep through its short gaps. Queued here first (`parking_lot`'s mutex, which hands
/// itself to a waiter rather than letting its last holder take it straight back), a
/// waiting writer is woken when the lock is let go and goes next. Other processes'
/// writers still meet SQLite's own wait.
fn sqlite_writers(conn: &mut DbConn) -> Result<Arc<parking_lot::Mutex<()>>, diesel::result::Error> {
    static WRITERS: OnceLock<Mutex<HashMap<String, Arc<parking_lot::Mutex<()>>>>> = OnceLock::new();
    let file = diesel::sql_query(format!(
        "SELECT {} AS file",
        crate::db::SQLITE_DATABASE_FILE
    ))
    .get_result::<DatabaseFile>(conn)?
    .file;
    let mut writers = WRITERS
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    Ok(writers.entry(file).or_default().clone())
}

/// True when `conn` is inside a transaction.
pub fn in_transaction(conn: &mut DbConn) -> Result<bool, StoreError> {
    Ok(DbConn::transaction_manager_status_mut(conn)
        .transaction_depth()?
        .is_some())
}

fn transaction<T, E>(
    conn: &mut DbConn,
    audited: bool,
    f: impl FnOnce(&mut DbConn) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<diesel::result::Error>,
{
    if DbConn::transaction_manager_status_mut(conn)
        .transaction_depth()?
        .is_some()
    {
        return conn.transaction(f);
    }
    let sqlite = matches!(conn, DbConn::Sqlite(_));
    // SQLite: this process's writers of the database queue here, in turn, before they
    // take its write lock (held until this function returns).
    let writers = if sqlite {
        Some(sqlite_writers(conn)?)
    } else {
        None
    };
    // A turn not had within 10 s (a writer stuck ahead) is gone without: SQLite's own
    // wait then applies, as it does between processes.
    let _turn = writers
        .as_ref()
        .and_then(|w| w.try_lock_for(std::time::Duration::from_secs(10)));
    match conn {
        DbConn::Sqlite(c) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        DbConn::Pg(c) => AnsiTransactionManager::begin_transaction(c)?,
    }
    let changes_before = if audited && sqlite {
        match seal::changes(conn) {
            Ok(n) => Some(n),
            Err(e) => {
                let _ = DbConn::rollback_transaction(conn);
                return Err(to_diesel(e).into());
            }
        }
    } else {
        None
    };
    // A transaction whose code panics is rolled back before the panic goes on, so the
    // pooled connection is not left inside it.
    let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(conn)));
    let ran = match ran {
        Ok(ran) => ran,
        Err(panic) => {
            let _ = DbConn::rollback_transaction(conn);
            std::panic::resume_unwind(panic);
        }
    };
    let result = ran.and_then(|value| {
        if let Some(before) = changes_before {
            let sealed = seal::changes(conn).and_then(|after| match after == before {
                true => Ok(Sealed::default()),
                false => seal::seal_in(conn),
            });
            sealed.map_err(|e| E::from(to_diesel(e)))?;
        }
        Ok(value)
    });
    match result {
        Ok(value) => {
            if let Err(commit_error) = DbConn::commit_transaction(conn) {
                // A failed commit leaves the transaction open on some backends.
                let _ = DbConn::rollback_transaction(conn);
                return Err(commit_error.into());
            }
            if audited && !sqlite {
                if let Err(e) = seal_after_commit(conn) {
                    tracing::warn!(error = %e, "committed, but not sealed yet: the next seal takes it");
                }
            }
            Ok(value)
        }
        Err(e) => {
            DbConn::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

fn to_diesel(e: StoreError) -> diesel::result::Error {
    match e {
        StoreError::Db(e) => e,
        other => diesel::result::Error::QueryBuilderError(other.to_string().into()),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use diesel::connection::SimpleConnection;

    use super::*;
    use crate::db::{DatabaseTarget, HubConnectionManager};

    #[test]
    fn a_writer_that_cannot_get_the_lock_is_reported_busy() {
        let dir = std::env::temp_dir().join(format!("hub-busy-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let path = dir.join("busy.sqlite3");
        let manager =
            HubConnectionManager::new(DatabaseTarget::Sqlite(path), Duration::from_millis(200));
        let mut holder = manager.establish().expect("first connection");
        let mut waiter = manager.establish().expect("second connection");
        holder
            .batch_execute("BEGIN IMMEDIATE")
            .expect("take the write lock");
        let started = std::time::Instant::now();
        let refused = write_transaction(&mut waiter, |_| Ok::<(), StoreError>(()));
        assert!(
            refused.as_ref().is_err_and(StoreError::is_busy),
            "{refused:?}"
        );
        // It waited for the lock as long as it was told to, not forever.
        assert!(started.elapsed() >= Duration::from_millis(200));
        assert!(started.elapsed() < Duration::from_secs(5));
        holder.batch_execute("ROLLBACK").expect("release");
        assert!(write_transaction(&mut waiter, |_| Ok::<(), StoreError>(())).is_ok());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
