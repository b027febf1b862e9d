//! Provider Hub storage: diesel over SQLite (embedded default) and PostgreSQL (production).
//! All SQL lives here; callers get plain data and domain types back.

pub mod areas;
pub mod assessments;
pub mod audit;
pub mod awards;
pub mod budgets;
pub mod busy;
pub mod capacity;
pub mod cases;
pub mod contributions;
pub mod court;
pub mod cursor;
pub mod db;
pub mod enforcement;
pub mod equality;
pub mod events;
pub mod idempotency;
pub mod listings;
pub mod matching;
pub mod names;
pub mod offers;
pub mod orders;
pub mod outcomes;
pub mod payments;
pub mod performance;
pub mod plans;
pub mod providers;
pub mod referral;
pub mod reoffending;
pub mod reports;
pub mod runs;
pub mod schema;
pub mod seal;
pub mod specifications;
pub mod stats;
pub mod supply;
pub mod transaction;
pub mod transfers;
pub mod webhooks;
pub mod words;

pub use db::{connect, run_migrations, DatabaseTarget, DbConn, Pool, PoolOptions, PooledConn};
pub use transaction::{seal_pending, unaudited_transaction, write_transaction, Change, Tx};

/// What can go wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Db(diesel::result::Error),
    #[error("no database connection available: {0}")]
    Pool(#[from] diesel::r2d2::PoolError),
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("{0}")]
    Config(String),
}

/// A value that does not read back (a stored word the domain does not know, say) is a
/// corrupt row, named by its column; every other diesel error stays a database error.
impl From<diesel::result::Error> for StoreError {
    fn from(e: diesel::result::Error) -> Self {
        match e {
            diesel::result::Error::DeserializationError(e) => {
                let mut text = e.to_string();
                let mut source = e.source();
                while let Some(inner) = source {
                    text.push_str(": ");
                    text.push_str(&inner.to_string());
                    source = inner.source();
                }
                StoreError::Corrupt(text)
            }
            other => StoreError::Db(other),
        }
    }
}

impl StoreError {
    /// True when the database gave up waiting (SQLite's busy timeout, a PostgreSQL lock
    /// or statement timeout), told by its code, not its text: the request may be retried.
    pub fn is_busy(&self) -> bool {
        match self {
            StoreError::Db(e) => busy::code_of(e).is_some_and(busy::is_busy_code),
            _ => false,
        }
    }

    /// True when the transaction was rolled back to break a deadlock with a concurrent one
    /// (or could not be serialized with it): running it again, whole, is safe.
    pub fn is_retryable(&self) -> bool {
        match self {
            StoreError::Db(e) => busy::code_of(e).is_some_and(busy::is_retryable_code),
            _ => false,
        }
    }

    /// True when the error is a unique-key violation (a concurrent or repeated insert).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            StoreError::Db(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        )
    }
}

/// A new opaque id with a readable prefix, e.g. `spec_0193…`; time-ordered.
pub fn new_id(prefix: &str) -> String {
    format!("{prefix}_{}", uuid::Uuid::now_v7().simple())
}

/// Timestamps are stored as naive UTC on both backends.
pub fn to_utc(t: chrono::NaiveDateTime) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_naive_utc_and_offset(t, chrono::Utc)
}
