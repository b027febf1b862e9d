//! The audit trail: who did what to which entity, with its state before and after,
//! written in the same transaction as the change itself, and chained into a
//! tamper-evident trail once that transaction has committed (see [`crate::seal`]).

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

/// An audit row to insert: an [`AuditEntry`] as it will be stored.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = audit_log)]
pub struct NewAuditRow {
    occurred_at: NaiveDateTime,
    actor_sub: String,
    actor_role: String,
    action: String,
    entity_type: String,
    entity_id: String,
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

impl From<AuditEntry<'_>> for NewAuditRow {
    fn from(entry: AuditEntry<'_>) -> Self {
        // Both backends keep microseconds: the hash is of what will be read back.
        let at = entry
            .at
            .with_nanosecond(entry.at.nanosecond() / 1_000 * 1_000)
            .unwrap_or(entry.at);
        NewAuditRow {
            occurred_at: at,
            actor_sub: entry.actor.sub.clone(),
            actor_role: entry.actor.role.clone(),
            action: entry.action.to_owned(),
            entity_type: entry.entity_type.to_owned(),
            entity_id: entry.entity_id.to_owned(),
            before_state: entry.before.map(|v| v.to_string()),
            after_state: entry.after.map(|v| v.to_string()),
        }
    }
}

/// Inserts rows of the audit trail, unsealed, in the caller's transaction (so they commit
/// with the change or not at all); they are chained when it is sealed (see
/// [`crate::seal`]). Use cases record through their [`crate::transaction::Tx`], which
/// inserts what they recorded just before the transaction ends; this is the insert it
/// runs.
pub fn insert(conn: &mut DbConn, rows: &[NewAuditRow]) -> Result<(), StoreError> {
    // Multi-row inserts of at most 200 rows, in order: both backends number the rows of
    // one insert in the order given, and the chain follows that numbering.
    for batch in rows.chunks(200) {
        let batch = batch.to_vec();
        match conn {
            DbConn::Pg(c) => diesel::insert_into(audit_log::table)
                .values(batch)
                .execute(c)?,
            DbConn::Sqlite(c) => diesel::insert_into(audit_log::table)
                .values(batch)
                .execute(c)?,
        };
    }
    Ok(())
}

/// Inserts one row of the audit trail, unsealed, in the caller's transaction (see
/// [`insert`]).
pub fn record(conn: &mut DbConn, entry: AuditEntry<'_>) -> Result<(), StoreError> {
    insert(conn, &[NewAuditRow::from(entry)])
}

/// Checks the sealed chain in chain order (see [`crate::seal::verify`]).
pub use crate::seal::{unsealed, verify};

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{DatabaseTarget, HubConnectionManager};
    use crate::write_transaction;

    fn database(name: &str) -> (DbConn, std::path::PathBuf) {
        let dir = std::env::temp_dir().join(format!("hub-audit-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        let manager = HubConnectionManager::new(
            DatabaseTarget::Sqlite(dir.join("hub.sqlite3")),
            std::time::Duration::from_secs(5),
        );
        let mut conn = manager.establish().expect("connect");
        crate::run_migrations(&mut conn).expect("migrate");
        (conn, dir)
    }

    fn entry<'a>(actor: &'a Actor, id: &'a str) -> AuditEntry<'a> {
        AuditEntry {
            actor,
            action: "test.recorded",
            entity_type: "test",
            entity_id: id,
            before: None,
            after: Some(serde_json::json!({ "id": id })),
            at: chrono::Utc::now().naive_utc(),
        }
    }

    fn ids(conn: &mut DbConn) -> Vec<String> {
        audit_log::table
            .order(audit_log::id.asc())
            .select(audit_log::entity_id)
            .load(conn)
            .expect("read the trail")
    }

    #[test]
    fn rows_commit_with_their_transaction_or_not_at_all_and_chain() {
        let (mut conn, dir) = database("commit");
        let actor = Actor {
            sub: "tester".into(),
            role: "admin".into(),
        };
        // Committed: both rows, in order.
        write_transaction(&mut conn, |tx| {
            tx.audit(entry(&actor, "a"));
            tx.audit(entry(&actor, "b"));
            Ok::<_, StoreError>(())
        })
        .expect("commit");
        // Rolled back: none.
        let failed: Result<(), StoreError> = write_transaction(&mut conn, |tx| {
            tx.audit(entry(&actor, "lost"));
            Err(StoreError::Corrupt("the change failed".into()))
        });
        assert!(failed.is_err());
        // A savepoint that rolls back drops only its own rows.
        write_transaction(&mut conn, |tx| {
            tx.audit(entry(&actor, "c"));
            let inner: Result<(), StoreError> = write_transaction(tx, |tx| {
                tx.audit(entry(&actor, "inner-lost"));
                Err(StoreError::Corrupt("the inner step failed".into()))
            });
            assert!(inner.is_err());
            tx.audit(entry(&actor, "d"));
            Ok::<_, StoreError>(())
        })
        .expect("commit");
        // A transaction whose code panics leaves nothing behind: a row recorded
        // afterwards in a transaction of its own is written at once.
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _: Result<(), StoreError> = write_transaction(&mut conn, |tx| {
                tx.audit(entry(&actor, "panicked"));
                panic!("the change's code panicked");
            });
        }));
        assert!(panicked.is_err());
        let _ = diesel::connection::SimpleConnection::batch_execute(&mut conn, "ROLLBACK");
        write_transaction(&mut conn, |tx| {
            tx.audit(entry(&actor, "e"));
            Ok::<_, StoreError>(())
        })
        .expect("record in a transaction of its own");
        assert_eq!(ids(&mut conn), ["a", "b", "c", "d", "e"]);
        assert_eq!(verify(&mut conn).expect("verify"), (None, 5));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
