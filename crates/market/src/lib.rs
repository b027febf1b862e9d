//! Provider Hub's use cases. Each public function is one transaction: it checks the
//! domain rules, writes the change and its audit row together, and returns plain data.
//! The API, background workers and the CLI all call these; no workflow lives elsewhere.

pub mod areas;
pub mod assessments;
pub mod awards;
pub mod budgets;
pub mod cases;
pub mod clock;
pub mod csv;
pub mod delivery;
pub mod error;
pub mod events;
pub mod idempotency;
pub mod listings;
pub mod lookup;
pub mod metrics;
pub mod offers;
pub mod orders;
pub mod payments;
pub mod placement;
pub mod plans;
pub mod policies;
pub mod providers;
pub mod rematch;
pub mod reports;
pub mod runs;
pub mod secrets;
pub mod specifications;
mod standing;
pub mod supply;
pub mod threshold;
pub mod webhooks;

pub use error::Error;
pub use provider_hub_store::audit::Actor;

/// Largest page a list answers, and the page size when none is asked for (SPEC.md §5).
pub const MAX_PAGE: usize = 500;
pub const DEFAULT_PAGE: usize = 50;

pub(crate) fn naive(now: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    now.naive_utc()
}
