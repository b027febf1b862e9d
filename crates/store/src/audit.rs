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
/// the same transaction is harmless). Events are appended under it too, so their sequence
/// numbers are handed out in commit order. SQLite runs one write transaction at a time.
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

/// An audit row to append, owned (kept until its transaction ends).
pub(crate) struct Row {
    at: NaiveDateTime,
    actor_sub: String,
    actor_role: String,
    action: String,
    entity_type: String,
    entity_id: String,
    before: Option<String>,
    after: Option<String>,
}

/// What a write transaction recorded, appended when it ends.
pub(crate) enum Pending {
    Audit(Box<Row>),
    Event(Box<crate::events::NewEvent>),
}

thread_local! {
    /// One frame per outermost write transaction running on this thread (a transaction
    /// runs on one thread from its start to its end).
    static FRAMES: std::cell::RefCell<Vec<Vec<Pending>>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// The frame of an outermost write transaction, closed when dropped — also when the
/// transaction's code panics, so no frame outlives its transaction on a pooled thread.
pub(crate) struct Frame(usize);

impl Frame {
    pub(crate) fn open() -> Self {
        FRAMES.with(|f| {
            let mut frames = f.borrow_mut();
            frames.push(Vec::new());
            Frame(frames.len())
        })
    }

    /// Appends what the transaction recorded (see `flush`).
    pub(crate) fn flush(&self, conn: &mut DbConn) -> Result<(), StoreError> {
        flush(conn, self.0)
    }
}

impl Drop for Frame {
    fn drop(&mut self) {
        // Closes this frame and any opened after it, dropping what is left in them.
        let _ = FRAMES.try_with(|f| f.borrow_mut().truncate(self.0.saturating_sub(1)));
    }
}

/// How much the innermost frame holds (a savepoint's mark).
pub(crate) fn pending_len() -> usize {
    FRAMES.with(|f| f.borrow().last().map_or(0, Vec::len))
}

/// Drops what was recorded after `mark` (a savepoint rolled back).
pub(crate) fn truncate_pending(mark: usize) {
    FRAMES.with(|f| {
        if let Some(frame) = f.borrow_mut().last_mut() {
            frame.truncate(mark);
        }
    });
}

/// Keeps `pending` for the end of the running write transaction; gives it back when no
/// write transaction is running on this thread.
pub(crate) fn defer(pending: Pending) -> Result<(), Pending> {
    FRAMES.with(|f| match f.borrow_mut().last_mut() {
        Some(frame) => {
            frame.push(pending);
            Ok(())
        }
        None => Err(pending),
    })
}

/// Appends what the transaction of frame `depth` recorded, in order, under the chain's
/// lock (held until the commit that follows).
fn flush(conn: &mut DbConn, depth: usize) -> Result<(), StoreError> {
    let items = FRAMES.with(|f| {
        f.borrow_mut()
            .get_mut(depth.saturating_sub(1))
            .map(std::mem::take)
            .unwrap_or_default()
    });
    if items.is_empty() {
        return Ok(());
    }
    lock_chain(conn)?;
    let mut prev: Option<String> = None;
    for item in items {
        match item {
            Pending::Audit(row) => {
                let before = match prev.take() {
                    Some(hash) => hash,
                    None => last_hash(conn)?,
                };
                prev = Some(append(conn, &row, before)?);
            }
            Pending::Event(event) => crate::events::append_now(conn, &event)?,
        }
    }
    Ok(())
}

/// Inserts one row chained to `prev`; returns its hash.
fn append(conn: &mut DbConn, row: &Row, prev: String) -> Result<String, StoreError> {
    let hash = row_hash(
        &prev,
        &Hashed {
            at: row.at,
            actor_sub: &row.actor_sub,
            actor_role: &row.actor_role,
            action: &row.action,
            entity_type: &row.entity_type,
            entity_id: &row.entity_id,
            before: row.before.as_deref(),
            after: row.after.as_deref(),
        },
    );
    diesel::insert_into(audit_log::table)
        .values(NewAuditRow {
            occurred_at: row.at,
            actor_sub: &row.actor_sub,
            actor_role: &row.actor_role,
            action: &row.action,
            entity_type: &row.entity_type,
            entity_id: &row.entity_id,
            before_state: row.before.clone(),
            after_state: row.after.clone(),
            prev_hash: Some(prev),
            row_hash: Some(hash.clone()),
        })
        .execute(conn)?;
    Ok(hash)
}

/// Records a row of the audit trail, chained to the row before it: appended when the
/// running write transaction ends (so it commits with the change or not at all), or at
/// once outside one.
pub fn record(conn: &mut DbConn, entry: AuditEntry<'_>) -> Result<(), StoreError> {
    // Both backends keep microseconds: the hash is of what will be read back.
    let at = entry
        .at
        .with_nanosecond(entry.at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(entry.at);
    let row = Row {
        at,
        actor_sub: entry.actor.sub.clone(),
        actor_role: entry.actor.role.clone(),
        action: entry.action.to_owned(),
        entity_type: entry.entity_type.to_owned(),
        entity_id: entry.entity_id.to_owned(),
        before: entry.before.map(|v| v.to_string()),
        after: entry.after.map(|v| v.to_string()),
    };
    match defer(Pending::Audit(Box::new(row))) {
        Ok(()) => Ok(()),
        Err(Pending::Audit(row)) => {
            lock_chain(conn)?;
            let prev = last_hash(conn)?;
            append(conn, &row, prev).map(|_| ())
        }
        Err(Pending::Event(_)) => Ok(()),
    }
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
        write_transaction(&mut conn, |conn| {
            record(conn, entry(&actor, "a"))?;
            record(conn, entry(&actor, "b"))
        })
        .expect("commit");
        // Rolled back: none.
        let failed: Result<(), StoreError> = write_transaction(&mut conn, |conn| {
            record(conn, entry(&actor, "lost"))?;
            Err(StoreError::Corrupt("the change failed".into()))
        });
        assert!(failed.is_err());
        // A savepoint that rolls back drops only its own rows.
        write_transaction(&mut conn, |conn| {
            record(conn, entry(&actor, "c"))?;
            let inner: Result<(), StoreError> = write_transaction(conn, |conn| {
                record(conn, entry(&actor, "inner-lost"))?;
                Err(StoreError::Corrupt("the inner step failed".into()))
            });
            assert!(inner.is_err());
            record(conn, entry(&actor, "d"))
        })
        .expect("commit");
        // A transaction whose code panics leaves nothing behind on this thread: a row
        // recorded afterwards outside any transaction is written at once.
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _: Result<(), StoreError> = write_transaction(&mut conn, |conn| {
                record(conn, entry(&actor, "panicked"))?;
                panic!("the change's code panicked");
            });
        }));
        assert!(panicked.is_err());
        let _ = diesel::connection::SimpleConnection::batch_execute(&mut conn, "ROLLBACK");
        record(&mut conn, entry(&actor, "e")).expect("record outside a transaction");
        assert_eq!(ids(&mut conn), ["a", "b", "c", "d", "e"]);
        assert_eq!(verify(&mut conn).expect("verify"), (None, 5));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
