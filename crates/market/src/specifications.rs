//! The quality team's specifications: create a draft, edit it, publish it, version it,
//! retire it. A published version never changes; a change is a new version.

use chrono::{DateTime, Utc};
use provider_hub_domain::specification::{
    IllegalTransition, NewSpecification, SpecCode, SpecificationPatch, SpecificationStatus,
    SpecificationVersion,
};
use provider_hub_store::audit::AuditEntry;
use provider_hub_store::cursor::Page;
use provider_hub_store::specifications::{self as store, SpecificationFilter, SpecificationRow};
use provider_hub_store::{write_transaction, DbConn, Tx};

use crate::change::{transition_of, Audit, Subject};
use crate::{naive, Actor, Error};

/// One specification: its latest published version (if any) and every version.
#[derive(Debug, Clone)]
pub struct SpecificationDetail {
    pub code: SpecCode,
    pub latest_published: Option<SpecificationVersion>,
    pub versions: Vec<SpecificationVersion>,
}

impl From<IllegalTransition> for Error {
    fn from(e: IllegalTransition) -> Self {
        Error::conflict(e.to_string(), Some(e.current.as_str()))
    }
}

fn audit_change(
    conn: &mut Tx<'_>,
    actor: &Actor,
    action: &str,
    before: Option<&SpecificationVersion>,
    after: &SpecificationVersion,
    now: DateTime<Utc>,
) -> Result<(), Error> {
    let entity_id = format!("{}/{}", after.code, after.version);
    conn.audit(AuditEntry {
        actor,
        action,
        entity_type: "specification",
        entity_id: &entity_id,
        before: before.map(snapshot),
        after: Some(snapshot(after)),
        at: naive(now),
    });
    Ok(())
}

fn snapshot(v: &SpecificationVersion) -> serde_json::Value {
    serde_json::json!({
        "code": v.code,
        "version": v.version,
        "status": v.status,
        "content": v.content,
    })
}

fn load(conn: &mut DbConn, code: &str, version: i32) -> Result<SpecificationVersion, Error> {
    store::find(conn, code, version)?
        .ok_or_else(|| Error::NotFound(format!("specification {code} version {version}")))
}

/// Creates version 1 of a new specification, as a draft.
pub fn create(
    conn: &mut DbConn,
    actor: &Actor,
    new: NewSpecification,
    now: DateTime<Utc>,
) -> Result<SpecificationVersion, Error> {
    let (code, content) = new.into_parts();
    content.validate()?;
    write_transaction(conn, |conn| {
        if store::latest_version_number(conn, code.as_str())?.is_some() {
            return Err(Error::conflict(
                format!("specification {code} already exists: add a version to change it"),
                None,
            ));
        }
        store::insert(
            conn,
            &SpecificationRow::new_draft(&code, 1, &content, naive(now)),
        )?;
        let created = load(conn, code.as_str(), 1)?;
        audit_change(conn, actor, "specification.created", None, &created, now)?;
        Ok(created)
    })
}

/// Edits a draft version; any other status is a conflict.
pub fn update_draft(
    conn: &mut DbConn,
    actor: &Actor,
    code: &str,
    version: i32,
    patch: SpecificationPatch,
    now: DateTime<Utc>,
) -> Result<SpecificationVersion, Error> {
    write_transaction(conn, |conn| {
        let before = load(conn, code, version)?;
        before.status.edit()?;
        let content = patch.apply(before.content.clone());
        content.validate()?;
        store::update_content(conn, code, version, &content, naive(now))?;
        let after = load(conn, code, version)?;
        audit_change(
            conn,
            actor,
            "specification.updated",
            Some(&before),
            &after,
            now,
        )?;
        Ok(after)
    })
}

/// Starts a new draft version from the latest version, changed by `patch`.
pub fn new_version(
    conn: &mut DbConn,
    actor: &Actor,
    code: &str,
    patch: SpecificationPatch,
    now: DateTime<Utc>,
) -> Result<SpecificationVersion, Error> {
    write_transaction(conn, |conn| {
        let versions = store::versions(conn, code)?;
        let Some(latest) = versions.last() else {
            return Err(Error::NotFound(format!("specification {code}")));
        };
        if let Some(draft) = versions
            .iter()
            .find(|v| v.status == SpecificationStatus::Draft)
        {
            return Err(Error::conflict(
                format!(
                    "version {} of {code} is still a draft: edit or publish it first",
                    draft.version
                ),
                Some(SpecificationStatus::Draft.as_str()),
            ));
        }
        let content = patch.apply(latest.content.clone());
        content.validate()?;
        let version = latest.version + 1;
        store::insert(
            conn,
            &SpecificationRow::new_draft(&latest.code, version, &content, naive(now)),
        )?;
        let created = load(conn, code, version)?;
        audit_change(
            conn,
            actor,
            "specification.version_created",
            None,
            &created,
            now,
        )?;
        Ok(created)
    })
}

/// Publishes a draft version.
pub fn publish(
    conn: &mut DbConn,
    actor: &Actor,
    code: &str,
    version: i32,
    now: DateTime<Utc>,
) -> Result<SpecificationVersion, Error> {
    transition(
        conn,
        actor,
        code,
        version,
        now,
        "specification.published",
        SpecificationStatus::publish,
    )
}

/// Retires a published version: no new listing may use it.
pub fn retire(
    conn: &mut DbConn,
    actor: &Actor,
    code: &str,
    version: i32,
    now: DateTime<Utc>,
) -> Result<SpecificationVersion, Error> {
    transition(
        conn,
        actor,
        code,
        version,
        now,
        "specification.retired",
        SpecificationStatus::retire,
    )
}

fn transition(
    conn: &mut DbConn,
    actor: &Actor,
    code: &str,
    version: i32,
    now: DateTime<Utc>,
    action: &str,
    rule: fn(SpecificationStatus) -> Result<SpecificationStatus, IllegalTransition>,
) -> Result<SpecificationVersion, Error> {
    write_transaction(conn, |conn| {
        let before = load(conn, code, version)?;
        let entity_id = format!("{}/{}", before.code, before.version);
        let subject = Subject {
            entity_type: "specification",
            id: &entity_id,
            status: before.status,
        };
        transition_of(
            conn,
            subject,
            |status| Ok(rule(status)?),
            |conn, from, to| {
                Ok(store::set_status(
                    conn,
                    code,
                    version,
                    from,
                    to,
                    naive(now),
                )?)
            },
            |conn| load(conn, code, version).ok().map(|v| v.status),
            |conn, _, _| {
                let after = load(conn, code, version)?;
                let entry = Audit {
                    actor,
                    action,
                    before: Some(snapshot(&before)),
                    after: Some(snapshot(&after)),
                    now,
                };
                Ok((entry, after))
            },
        )
    })
}

pub fn get(conn: &mut DbConn, code: &str) -> Result<SpecificationDetail, Error> {
    let versions = store::versions(conn, code)?;
    let Some(first) = versions.first() else {
        return Err(Error::NotFound(format!("specification {code}")));
    };
    let code = first.code.clone();
    let latest_published = versions
        .iter()
        .rev()
        .find(|v| v.status == SpecificationStatus::Published)
        .cloned();
    Ok(SpecificationDetail {
        code,
        latest_published,
        versions,
    })
}

pub fn get_version(
    conn: &mut DbConn,
    code: &str,
    version: i32,
) -> Result<SpecificationVersion, Error> {
    load(conn, code, version)
}

pub fn list(
    conn: &mut DbConn,
    filter: &SpecificationFilter,
    after: Option<(String, i32)>,
    limit: usize,
) -> Result<Page<SpecificationVersion>, Error> {
    Ok(store::list(conn, filter, after, limit)?)
}
