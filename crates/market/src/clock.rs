//! The time the hub's use cases are given: the system's, or a test's that it can move.
//! Shared by the API, the web front end and the server's background worker and
//! dispatcher, so none of them needs another's crate to tell the time.

use chrono::{DateTime, Utc};

/// The time, injectable so tests can move it.
pub trait Clock: Send + Sync {
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}
