//! The audit trail: who did what to which entity, with its state before and after,
//! written in the same transaction as the change itself.

use chrono::{NaiveDateTime, Timelike};
use diesel::prelude::*;

use crate::schema::audit_log;
use crate::{DbConn, StoreError};

/// Who acted: the token's subject and role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub sub: String,
    pub role: String,
}

#[derive(Debug, Insertable)]
#[diesel(table_name = audit_log)]
struct NewAuditRow<'a> {
    occurred_at: NaiveDateTime,
    actor_sub: &'a str,
    actor_role: &'a str,
    action: &'a str,
    entity_type: &'a str,
    entity_id: &'a str,
    before_state: Option<String>,
    after_state: Option<String>,
    prev_hash: Option<String>,
    row_hash: Option<String>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
pub struct AuditRow {
    pub id: i64,
    pub occurred_at: NaiveDateTime,
    pub actor_sub: String,
    pub actor_role: String,
    pub action: String,
    pub entity_type: String,
    pub entity_id: String,
    pub before_state: Option<String>,
    pub after_state: Option<String>,
    pub prev_hash: Option<String>,
    pub row_hash: Option<String>,
}

/// One change to record.
pub struct AuditEntry<'a> {
    pub actor: &'a Actor,
    pub action: &'a str,
    pub entity_type: &'a str,
    pub entity_id: &'a str,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub at: NaiveDateTime,
}

/// The advisory lock that makes audited writes on PostgreSQL append to the chain one at a
/// time ("hubaudit" as bytes); held until the transaction ends.
const CHAIN_LOCK: i64 = 0x6875_6261_7564_6974;

/// The hash of one row: SHA-256 over the previous row's hash and the row's fields, each
/// on its own line (times to the microsecond, which both backends keep exactly).
/// What a row's hash covers.
struct Hashed<'a> {
    at: NaiveDateTime,
    actor_sub: &'a str,
    actor_role: &'a str,
    action: &'a str,
    entity_type: &'a str,
    entity_id: &'a str,
    before: Option<&'a str>,
    after: Option<&'a str>,
}

fn row_hash(prev: &str, row: &Hashed<'_>) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for part in [
        prev,
        &row.at.format("%Y-%m-%dT%H:%M:%S%.6f").to_string(),
        row.actor_sub,
        row.actor_role,
        row.action,
        row.entity_type,
        row.entity_id,
        row.before.unwrap_or("\u{0}null"),
        row.after.unwrap_or("\u{0}null"),
    ] {
        h.update(part.len().to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// Takes the chain's lock on PostgreSQL, until the transaction ends (taking it again in
/// the same transaction is harmless). Events take it too, so their sequence numbers are
/// handed out in commit order. SQLite runs one write transaction at a time anyway.
pub(crate) fn lock_chain(conn: &mut DbConn) -> Result<(), StoreError> {
    if let DbConn::Pg(pg) = conn {
        diesel::connection::SimpleConnection::batch_execute(
            pg,
            &format!("SELECT pg_advisory_xact_lock({CHAIN_LOCK})"),
        )?;
    }
    Ok(())
}

/// The hash a chain starts from.
const GENESIS: &str = "provider-hub audit chain";

/// The hash of the last row of the chain.
fn last_hash(conn: &mut DbConn) -> Result<String, StoreError> {
    let last: Option<Option<String>> = audit_log::table
        .filter(audit_log::row_hash.is_not_null())
        .order(audit_log::id.desc())
        .select(audit_log::row_hash)
        .first(conn)
        .optional()?;
    Ok(last.flatten().unwrap_or_else(|| GENESIS.to_owned()))
}

/// Appends a row to the audit trail, chained to the row before it. Must run inside the
/// change's transaction.
pub fn record(conn: &mut DbConn, entry: AuditEntry<'_>) -> Result<(), StoreError> {
    lock_chain(conn)?;
    // Both backends keep microseconds: the hash is of what will be read back.
    let at = entry
        .at
        .with_nanosecond(entry.at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(entry.at);
    let before = entry.before.map(|v| v.to_string());
    let after = entry.after.map(|v| v.to_string());
    let prev = last_hash(conn)?;
    let hash = row_hash(
        &prev,
        &Hashed {
            at,
            actor_sub: &entry.actor.sub,
            actor_role: &entry.actor.role,
            action: entry.action,
            entity_type: entry.entity_type,
            entity_id: entry.entity_id,
            before: before.as_deref(),
            after: after.as_deref(),
        },
    );
    diesel::insert_into(audit_log::table)
        .values(NewAuditRow {
            occurred_at: at,
            actor_sub: &entry.actor.sub,
            actor_role: &entry.actor.role,
            action: entry.action,
            entity_type: entry.entity_type,
            entity_id: entry.entity_id,
            before_state: before,
            after_state: after,
            prev_hash: Some(prev),
            row_hash: Some(hash),
        })
        .execute(conn)?;
    Ok(())
}

/// Checks the whole chain in id order: every row's `prev_hash` is the hash of the row
/// before it and its `row_hash` is the hash of its own content. The first row that breaks
/// the chain, if any, and how many rows were checked.
pub fn verify(conn: &mut DbConn) -> Result<(Option<i64>, u64), StoreError> {
    let mut expected_prev = GENESIS.to_owned();
    let mut checked = 0u64;
    let mut after_id = i64::MIN;
    loop {
        let rows: Vec<AuditRow> = audit_log::table
            .filter(audit_log::id.gt(after_id))
            .order(audit_log::id.asc())
            .limit(1_000)
            .select(AuditRow::as_select())
            .load(conn)?;
        if rows.is_empty() {
            return Ok((None, checked));
        }
        for row in rows {
            after_id = row.id;
            checked += 1;
            let recomputed = row_hash(
                &expected_prev,
                &Hashed {
                    at: row.occurred_at,
                    actor_sub: &row.actor_sub,
                    actor_role: &row.actor_role,
                    action: &row.action,
                    entity_type: &row.entity_type,
                    entity_id: &row.entity_id,
                    before: row.before_state.as_deref(),
                    after: row.after_state.as_deref(),
                },
            );
            if row.prev_hash.as_deref() != Some(expected_prev.as_str())
                || row.row_hash.as_deref() != Some(recomputed.as_str())
            {
                return Ok((Some(row.id), checked));
            }
            expected_prev = recomputed;
        }
    }
}

/// The audit rows of one entity, oldest first.
pub fn for_entity(
    conn: &mut DbConn,
    entity_type: &str,
    entity_id: &str,
) -> Result<Vec<AuditRow>, StoreError> {
    Ok(audit_log::table
        .filter(audit_log::entity_type.eq(entity_type))
        .filter(audit_log::entity_id.eq(entity_id))
        .order(audit_log::id.asc())
        .select(AuditRow::as_select())
        .load(conn)?)
}

pub fn count(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(audit_log::table.count().get_result(conn)?)
}
