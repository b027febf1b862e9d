//! Provider Hub's use cases. Each public function is one transaction: it checks the
//! domain rules, writes the change and its audit row together, and returns plain data.
//! The API, background workers and the CLI all call these; no workflow lives elsewhere.
//!
//! A use case takes the [`access::Caller`] (actor, role, scope, time) of whoever calls
//! it; who may call and which tenant's objects a role reaches are [`access`]'s rules.
//!
//! The modules depend on one another one way only, from the use cases down to the read
//! model and the shared services (leaf modules, which use no other, are left out):
//!
//! ```text
//! assessments  -> access, cases, plans, read_model::assessments
//! plans        -> access, revisions, supply, read_model::{assessments, plans}
//! approval     -> access, orders, placement, plans, revisions, read_model::orders
//! shaping      -> access, plans, revisions
//! revisions    -> access
//! budgets      -> events, placement, read_model::{budgets, orders}
//! orders       -> access, events, placement, read_model::orders
//! delivery     -> access, enforcement, events, read_model::{delivery, orders}
//! ending       -> access, events, placement, read_model::orders
//! enforcement  -> access, ending, events, read_model::{enforcement, orders}
//! payments     -> access, read_model::{delivery, orders}
//! providers    -> access, placement, standing
//! standing     -> events, offers, placement
//! offers       -> access, events, placement
//! listings     -> access, cases, placement
//! runs         -> placement, supply, read_model::budgets
//! rematch      -> events, placement, supply
//! placement    -> events, metrics, supply, read_model::budgets
//! webhooks     -> access, secrets
//! transfers    -> access, ending, offers, placement
//! reports      -> csv
//! cases        -> access
//! court        -> access
//! quote        -> access, placement, plans, supply
//! referral     -> access
//! events       -> access
//! read_model::orders      -> access, read_model::{delivery, plans}
//! read_model::assessments -> access
//! ```

pub mod access;
pub mod approval;
pub mod areas;
pub mod assessments;
pub mod awards;
pub mod budgets;
pub mod cases;
mod change;
pub mod clock;
pub mod contributions;
pub mod court;
pub mod csv;
pub mod delivery;
pub mod ending;
pub mod enforcement;
pub mod equality;
pub mod error;
pub mod event_data;
pub mod events;
pub mod idempotency;
pub mod listings;
pub mod lookup;
pub mod metrics;
pub mod offers;
pub mod orders;
pub mod outcomes;
pub mod payments;
pub mod placement;
pub mod plans;
pub mod policies;
pub mod providers;
pub mod quote;
pub mod ranking;
pub mod read_model;
pub mod referral;
pub mod rematch;
pub mod reoffending;
pub mod reports;
pub mod revisions;
pub mod runs;
pub mod secrets;
pub mod shaping;
pub mod specifications;
mod standing;
pub mod statements;
pub mod supply;
pub mod threshold;
pub mod transfers;
pub mod webhooks;

pub use error::Error;
pub use provider_hub_store::audit::Actor;

/// Largest page a list answers, and the page size when none is asked for (SPEC.md §5).
pub const MAX_PAGE: usize = 500;
pub const DEFAULT_PAGE: usize = 50;

pub(crate) fn naive(now: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDateTime {
    now.naive_utc()
}

/// Runs `f` in a write transaction and, on PostgreSQL, runs it again (up to three times)
/// when the database rolled it back only to break a deadlock with a concurrent one: a
/// change that frees one capacity slot and takes another (a decline, an expiry) can meet
/// another doing the same in the opposite order. Inside another transaction it runs once.
pub(crate) fn retrying_transaction<T>(
    conn: &mut provider_hub_store::DbConn,
    mut f: impl FnMut(&mut provider_hub_store::Tx<'_>) -> Result<T, Error>,
) -> Result<T, Error> {
    let nested = provider_hub_store::transaction::in_transaction(conn)?;
    let mut tries = 1;
    loop {
        match provider_hub_store::write_transaction(conn, &mut f) {
            Err(Error::Store(e)) if e.is_retryable() && !nested && tries < 4 => {
                tracing::info!(error = %e, tries, "transaction rolled back by a deadlock; running it again");
                tries += 1;
            }
            other => return other,
        }
    }
}
