//! Equality monitoring (SPEC.md §2): the offender manager of a case's area records the
//! person's ethnic group and disability (both optional), audited. Only the equality
//! report ([`report`]) counts it, with disclosure control; nothing a provider reads (the
//! referral pack, offers, orders, events and webhooks) carries it — it is kept in a table
//! of its own that none of those reads.

use chrono::{DateTime, Utc};
use provider_hub_domain::equality::{Disability, Equality, EthnicGroup};
use provider_hub_domain::Role;
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::cases as case_store;
use provider_hub_store::equality::{self as store, EqualityRow};
use provider_hub_store::{write_transaction, DbConn, Tx};
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::{self, Caller, Objects};
use crate::{naive, Error};

pub mod report;

/// A case's equality monitoring as recorded.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EqualityView {
    #[schema(example = "X123456")]
    pub crn: String,
    /// Null: not recorded.
    pub ethnic_group: Option<EthnicGroup>,
    /// Null: not recorded.
    pub disability: Option<Disability>,
    /// When it was last recorded; null: never.
    pub recorded_at: Option<DateTime<Utc>>,
}

fn parse<T: std::str::FromStr>(column: &str, word: Option<String>) -> Result<Option<T>, Error>
where
    T::Err: std::fmt::Display,
{
    word.map(|w| {
        w.parse::<T>()
            .map_err(|e| Error::corrupt(&format!("case_equality.{column}"), e))
    })
    .transpose()
}

impl EqualityView {
    fn of(crn: &str, row: Option<EqualityRow>) -> Result<Self, Error> {
        Ok(match row {
            None => EqualityView {
                crn: crn.to_owned(),
                ethnic_group: None,
                disability: None,
                recorded_at: None,
            },
            Some(row) => EqualityView {
                ethnic_group: parse("ethnic_group", row.ethnic_group)?,
                disability: parse("disability", row.disability)?,
                recorded_at: Some(provider_hub_store::to_utc(row.recorded_at)),
                crn: row.crn,
            },
        })
    }

    pub fn equality(&self) -> Equality {
        Equality {
            ethnic_group: self.ethnic_group,
            disability: self.disability,
        }
    }
}

/// The case, if the caller (an offender manager) acts for its area; another area's case
/// does not exist for them.
fn own_case(conn: &mut DbConn, caller: &Caller, crn: &str) -> Result<(), Error> {
    let found = case_store::find(conn, crn)?.filter(|c| {
        access::may_read(
            caller.role,
            &caller.scope,
            Objects::Cases,
            &c.area_code,
            None,
        )
    });
    match found {
        Some(_) => Ok(()),
        None => Err(Error::NotFound(format!("case {crn}"))),
    }
}

/// What is recorded on a case: its offender managers and the quality team read it.
pub fn get(conn: &mut DbConn, caller: &Caller, crn: &str) -> Result<EqualityView, Error> {
    access::require(caller.role, access::readers(Objects::Cases))?;
    own_case(conn, caller, crn)?;
    EqualityView::of(crn, store::find(conn, crn)?)
}

/// Writes the row and its audit entry, inside the caller's transaction.
pub(crate) fn put_in(
    conn: &mut Tx<'_>,
    caller: &Caller,
    crn: &str,
    equality: Equality,
) -> Result<EqualityView, Error> {
    let before = store::find(conn, crn)?;
    let row = EqualityRow {
        crn: crn.to_owned(),
        ethnic_group: equality.ethnic_group.map(|g| g.as_str().to_owned()),
        disability: equality.disability.map(|d| d.as_str().to_owned()),
        recorded_by: caller.actor.sub.clone(),
        recorded_at: naive(caller.now),
    };
    store::put(conn, &row)?;
    conn.audit(AuditEntry {
        actor: &caller.actor,
        action: "case.equality_recorded",
        entity_type: "case",
        entity_id: crn,
        before: before.and_then(|b| serde_json::to_value(&b).ok()),
        after: serde_json::to_value(&row).ok(),
        at: naive(caller.now),
    });
    EqualityView::of(crn, Some(row))
}

/// An offender manager of the case's area records (or changes) its equality monitoring;
/// absent parts are recorded as not known.
pub fn record(
    conn: &mut DbConn,
    caller: &Caller,
    crn: &str,
    equality: Equality,
) -> Result<EqualityView, Error> {
    access::require(caller.role, &[Role::OffenderManager])?;
    write_transaction(conn, |conn| {
        own_case(conn, caller, crn)?;
        case_store::hold(conn, crn)?;
        put_in(conn, caller, crn, equality)
    })
}
