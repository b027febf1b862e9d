//! The audit trail: who did what to which entity, with its state before and after,
//! written in the same transaction as the change itself.

use chrono::NaiveDateTime;
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

pub fn record(conn: &mut DbConn, entry: AuditEntry<'_>) -> Result<(), StoreError> {
    diesel::insert_into(audit_log::table)
        .values(NewAuditRow {
            occurred_at: entry.at,
            actor_sub: &entry.actor.sub,
            actor_role: &entry.actor.role,
            action: entry.action,
            entity_type: entry.entity_type,
            entity_id: entry.entity_id,
            before_state: entry.before.map(|v| v.to_string()),
            after_state: entry.after.map(|v| v.to_string()),
        })
        .execute(conn)?;
    Ok(())
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
