//! Areas: admin creates them; everyone authenticated reads them.

use chrono::{DateTime, Utc};
use provider_hub_domain::AreaCode;
use provider_hub_store::areas::{self, AreaRow};
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::cursor::Page;
use provider_hub_store::{write_transaction, DbConn, Tx};
use serde::Deserialize;

use crate::{naive, Actor, Error};

/// A new area.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewArea {
    #[schema(value_type = String, pattern = "^[A-Z0-9]+(-[A-Z0-9]+)*$", min_length = 2, max_length = 16, example = "SY-SHF")]
    pub code: AreaCode,
    /// Human name, e.g. "Sheffield".
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The region it belongs to, e.g. "Yorkshire and the Humber".
    #[schema(min_length = 1, max_length = 200)]
    pub region: String,
}

/// Creates an area.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    new: NewArea,
    now: DateTime<Utc>,
) -> Result<AreaRow, Error> {
    write_transaction(conn, |conn| create_in(conn, actor, new, now))
}

fn create_in(
    conn: &mut Tx<'_>,
    actor: &Actor,
    new: NewArea,
    now: DateTime<Utc>,
) -> Result<AreaRow, Error> {
    let mut errors = provider_hub_domain::ValidationErrors::new();
    let name = new.name.trim().to_owned();
    let region = new.region.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        errors.add("name", "must be 1-200 characters");
    }
    if region.is_empty() || region.chars().count() > 200 {
        errors.add("region", "must be 1-200 characters");
    }
    errors.into_result()?;
    if areas::find(conn, new.code.as_str())?.is_some() {
        return Err(Error::conflict(
            format!("area {} already exists", new.code),
            None,
        ));
    }
    let row = AreaRow {
        code: new.code.as_str().to_owned(),
        name,
        region,
        created_at: naive(now),
    };
    areas::insert(conn, &row)?;
    conn.audit(AuditEntry {
        actor,
        action: "area.created",
        entity_type: "area",
        entity_id: &row.code,
        before: None,
        after: serde_json::to_value(&row).ok(),
        at: naive(now),
    });
    Ok(row)
}

pub fn get(conn: &mut DbConn, code: &str) -> Result<AreaRow, Error> {
    areas::find(conn, code)?.ok_or_else(|| Error::NotFound(format!("area {code}")))
}

pub fn list(
    conn: &mut DbConn,
    after: Option<String>,
    limit: usize,
) -> Result<Page<AreaRow>, Error> {
    Ok(areas::list(conn, after, limit)?)
}

/// A filter naming an area the hub does not have is refused — 422 naming `field` — rather
/// than answered with an empty list, as if the area were merely quiet.
pub fn require_known(conn: &mut DbConn, field: &str, code: &str) -> Result<(), Error> {
    if areas::find(conn, code)?.is_some() {
        Ok(())
    } else {
        Err(Error::invalid(
            field,
            format!("there is no area {code} on the hub (GET /v1/areas lists them)"),
        ))
    }
}
