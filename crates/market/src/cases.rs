//! Cases: an offender manager registers the people on probation in their area.

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::case::NewCase;
use provider_hub_domain::need::Sex;
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::cases::{self as store, CaseRow};
use provider_hub_store::cursor::Page;
use provider_hub_store::{areas, write_transaction, DbConn};
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::{self, Caller, Objects};
use crate::{naive, Error};

/// A case: no names, only what delivery needs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CaseView {
    #[schema(example = "X123456")]
    pub crn: String,
    pub sex: Sex,
    pub date_of_birth: NaiveDate,
    pub area: String,
    pub created_at: DateTime<Utc>,
}

impl CaseView {
    pub fn from_row(row: CaseRow) -> Result<Self, Error> {
        Ok(CaseView {
            sex: row.sex,
            crn: row.crn,
            date_of_birth: row.date_of_birth,
            area: row.area_code,
            created_at: provider_hub_store::to_utc(row.created_at),
        })
    }
}

/// An offender manager registers a case in their own area.
pub fn register(conn: &mut DbConn, caller: &Caller, new: NewCase) -> Result<CaseView, Error> {
    let (actor, scope, now) = (&caller.actor, &caller.scope, caller.now);
    if !access::acts_for_area(scope, new.area.as_str()) {
        return Err(Error::Forbidden(format!(
            "an offender manager registers cases of their own area, not {}",
            new.area
        )));
    }
    new.validate(now.date_naive())?;
    write_transaction(conn, |conn| {
        if areas::find(conn, new.area.as_str())?.is_none() {
            return Err(Error::invalid(
                "area",
                format!("there is no area {}", new.area),
            ));
        }
        if store::find(conn, new.crn.as_str())?.is_some() {
            return Err(Error::conflict(
                format!("case {} is already registered", new.crn),
                None,
            ));
        }
        let row = CaseRow {
            crn: new.crn.as_str().to_owned(),
            sex: new.sex,
            date_of_birth: new.date_of_birth,
            area_code: new.area.as_str().to_owned(),
            created_at: naive(now),
            created_by: actor.sub.clone(),
        };
        store::insert(conn, &row)?;
        conn.audit(AuditEntry {
            actor,
            action: "case.registered",
            entity_type: "case",
            entity_id: &row.crn,
            before: None,
            after: serde_json::to_value(&row).ok(),
            at: naive(now),
        });
        let equality = new.equality();
        if !equality.is_empty() {
            crate::equality::put_in(conn, caller, &row.crn, equality)?;
        }
        CaseView::from_row(row)
    })
}

/// A case the caller may read, or 404 — another area's case does not exist for them.
pub fn get(conn: &mut DbConn, caller: &Caller, crn: &str) -> Result<CaseView, Error> {
    let Caller { role, scope, .. } = caller;
    store::find(conn, crn)?
        .filter(|c| access::may_read(*role, scope, Objects::Cases, &c.area_code, None))
        .ok_or_else(|| Error::NotFound(format!("case {crn}")))
        .and_then(CaseView::from_row)
}

/// Cases the caller may read: an offender manager's area, or every area for the quality team.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    after: Option<String>,
    limit: usize,
) -> Result<Page<CaseView>, Error> {
    let (role, scope) = (caller.role, &caller.scope);
    let reach = access::reach(role, scope, Objects::Cases)
        .ok_or_else(|| access::not_a_reader(role, Objects::Cases, "cases"))?;
    let area = reach.area();
    let area = area.as_deref();
    store::list(conn, area, after, limit)?.try_map(CaseView::from_row)
}
