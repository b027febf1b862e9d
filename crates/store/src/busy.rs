//! Telling "the database gave up waiting" from other errors by its code (a PostgreSQL
//! SQLSTATE, a SQLite result code), whatever language the server speaks.
//!
//! diesel 2.3 names a PostgreSQL error's kind for a few SQLSTATEs only (not 55P03
//! lock_not_available nor 57014 query_canceled) and exposes no SQLSTATE: what it gives is
//! the primary message, in the language of the server's `lc_messages`. So the hub learns,
//! when it opens a PostgreSQL pool, the exact message that server gives for each of those
//! SQLSTATEs by causing each once (`learn_postgres`), and maps messages back to their
//! SQLSTATE. SQLite has no translations: its message for a result code is fixed.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use diesel::connection::SimpleConnection;
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use crate::DbConn;

/// PostgreSQL: a lock was not granted in time (`lock_timeout`, `NOWAIT`).
pub const LOCK_NOT_AVAILABLE: &str = "55P03";
/// PostgreSQL: the statement was cancelled (`statement_timeout`).
pub const QUERY_CANCELED: &str = "57014";
/// SQLite: another connection holds the database (after `busy_timeout`).
pub const SQLITE_BUSY: &str = "SQLITE_BUSY";
/// SQLite: a table or the schema is locked by this connection's other statement.
pub const SQLITE_LOCKED: &str = "SQLITE_LOCKED";

/// PostgreSQL: the transaction was rolled back to break a deadlock.
pub const DEADLOCK_DETECTED: &str = "40P01";
/// PostgreSQL: the transaction could not be serialized with a concurrent one.
pub const SERIALIZATION_FAILURE: &str = "40001";

/// True for the codes that mean the transaction was rolled back only because of a
/// concurrent one: running it again, whole, is safe and will in all likelihood succeed.
pub fn is_retryable_code(code: &str) -> bool {
    matches!(code, DEADLOCK_DETECTED | SERIALIZATION_FAILURE)
}

/// True for the codes that mean the database gave up waiting: the request may be retried.
pub fn is_busy_code(code: &str) -> bool {
    matches!(
        code,
        LOCK_NOT_AVAILABLE | QUERY_CANCELED | SQLITE_BUSY | SQLITE_LOCKED
    )
}

/// Messages learned from PostgreSQL servers, mapped to their SQLSTATE; seeded with the
/// server's own untranslated texts.
fn learned() -> &'static Mutex<HashMap<String, &'static str>> {
    static LEARNED: OnceLock<Mutex<HashMap<String, &'static str>>> = OnceLock::new();
    LEARNED.get_or_init(|| {
        Mutex::new(HashMap::from([
            (
                "canceling statement due to lock timeout".to_owned(),
                LOCK_NOT_AVAILABLE,
            ),
            (
                "canceling statement due to statement timeout".to_owned(),
                QUERY_CANCELED,
            ),
            // Not learned (causing a deadlock costs the server's deadlock_timeout): a
            // server speaking another language reports it as an error, as before.
            ("deadlock detected".to_owned(), DEADLOCK_DETECTED),
        ]))
    })
}

/// Records that a PostgreSQL server says `message` for `sqlstate`.
pub fn learn(message: &str, sqlstate: &'static str) {
    learned()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(message.to_owned(), sqlstate);
}

/// The code of a database error, when it is one the hub tells apart.
pub fn code_of(error: &DieselError) -> Option<&'static str> {
    let info = match error {
        DieselError::DatabaseError(DatabaseErrorKind::SerializationFailure, _) => {
            return Some(SERIALIZATION_FAILURE)
        }
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, info) => info,
        _ => return None,
    };
    let message = info.message();
    // SQLite's fixed texts for SQLITE_BUSY and SQLITE_LOCKED (and its extended codes).
    if message.starts_with("database is locked") {
        return Some(SQLITE_BUSY);
    }
    if message.starts_with("database table is locked")
        || message.starts_with("database schema is locked")
    {
        return Some(SQLITE_LOCKED);
    }
    learned()
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .get(message)
        .copied()
}

/// The message of a statement that failed, if it failed at the database.
fn message_of(result: Result<(), DieselError>) -> Option<String> {
    match result {
        Err(DieselError::DatabaseError(_, info)) => Some(info.message().to_owned()),
        _ => None,
    }
}

/// Learns the messages a PostgreSQL server gives for 55P03 and 57014 by causing each
/// once: `holder` takes an advisory lock that `waiter` then waits for with a 1 ms lock
/// timeout, and `waiter` sleeps past a 1 ms statement timeout. Both are plain sessions
/// of the hub's role and database, so they speak the language the pool's will.
pub fn learn_postgres(holder: &mut DbConn, waiter: &mut DbConn) -> Result<(), String> {
    let (DbConn::Pg(holder), DbConn::Pg(waiter)) = (holder, waiter) else {
        return Ok(());
    };
    let key = i64::from_le_bytes(
        uuid::Uuid::new_v4().as_bytes()[..8]
            .try_into()
            .unwrap_or([0; 8]),
    );
    let setup = |e: DieselError| format!("cannot learn the server's busy messages: {e}");
    holder.batch_execute("BEGIN").map_err(setup)?;
    holder
        .batch_execute(&format!("SELECT pg_advisory_xact_lock({key})"))
        .map_err(setup)?;
    waiter
        .batch_execute("SET lock_timeout = '1ms'")
        .map_err(setup)?;
    let lock = message_of(waiter.batch_execute(&format!("SELECT pg_advisory_xact_lock({key})")));
    let _ = holder.batch_execute("ROLLBACK");
    waiter
        .batch_execute("SET statement_timeout = '1ms'")
        .map_err(setup)?;
    let cancel = message_of(waiter.batch_execute("SELECT pg_sleep(1)"));
    let _ = waiter.batch_execute("RESET lock_timeout; RESET statement_timeout");
    match (lock, cancel) {
        (Some(lock), Some(cancel)) => {
            learn(&lock, LOCK_NOT_AVAILABLE);
            learn(&cancel, QUERY_CANCELED);
            Ok(())
        }
        _ => Err("the server did not time out as asked: its busy messages are unknown".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(message: &str) -> DieselError {
        DieselError::DatabaseError(DatabaseErrorKind::Unknown, Box::new(message.to_owned()))
    }

    #[test]
    fn codes_come_from_the_message_a_server_gives_for_them_in_any_language() {
        // The untranslated PostgreSQL texts and SQLite's fixed ones.
        assert_eq!(
            code_of(&failure("canceling statement due to lock timeout")),
            Some(LOCK_NOT_AVAILABLE)
        );
        assert_eq!(
            code_of(&failure("canceling statement due to statement timeout")),
            Some(QUERY_CANCELED)
        );
        assert_eq!(code_of(&failure("database is locked")), Some(SQLITE_BUSY));
        assert_eq!(
            code_of(&failure("database table is locked: orders")),
            Some(SQLITE_LOCKED)
        );
        // A server speaking German: unknown until learned, then mapped to its SQLSTATE.
        let german = "storniere Anfrage wegen Zeitüberschreitung einer Sperre";
        assert_eq!(code_of(&failure(german)), None);
        learn(german, LOCK_NOT_AVAILABLE);
        assert_eq!(code_of(&failure(german)), Some(LOCK_NOT_AVAILABLE));
        // Other errors are not busy, whatever their text.
        assert_eq!(code_of(&failure("duplicate key value")), None);
        assert_eq!(
            code_of(&DieselError::DatabaseError(
                DatabaseErrorKind::UniqueViolation,
                Box::new("database is locked".to_owned())
            )),
            None
        );
        assert!(is_busy_code(LOCK_NOT_AVAILABLE) && is_busy_code(QUERY_CANCELED));
        assert!(is_busy_code(SQLITE_BUSY) && is_busy_code(SQLITE_LOCKED));
        assert!(!is_busy_code("40P01"));
    }
}
