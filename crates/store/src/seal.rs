//! The sealer: chains committed audit rows into the tamper-evident trail and numbers
//! committed events, after the transactions that wrote them have committed.
//!
//! A write transaction inserts its audit rows and events unsealed (no hash, no position)
//! and takes no lock of its own for them, so audited writes of any number of processes
//! commit side by side. Sealing then takes what is committed and not yet sealed, in
//! insertion order, and appends it: each audit row gets the next place in the chain
//! (`chain_pos`), the hash of the row before it and its own hash; each event gets the next
//! position, the number readers poll `/v1/events?after=` with. One sealer runs at a time
//! (on PostgreSQL a transaction advisory lock, held until the seal commits; SQLite runs one
//! write transaction at a time), so positions only grow and a row committed late is
//! sealed after those sealed before it: a reader that has seen position p finds every
//! event sealed later above p. One seal covers whatever many transactions committed
//! meanwhile.

use chrono::NaiveDateTime;
use diesel::connection::SimpleConnection;
use diesel::dsl::exists;
use diesel::prelude::*;

use crate::schema::{audit_log, events};
use crate::{DbConn, StoreError};

/// The lock that lets one PostgreSQL session seal at a time ("hubseal!" as bytes); held
/// until the seal's transaction ends, and let go if its process dies.
const SEAL_LOCK: i64 = 0x6875_6273_6561_6c21;

/// Audit rows chained per statement.
const BATCH: i64 = 500;

/// The hash a chain starts from.
const GENESIS: &str = "provider-hub audit chain";

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

/// The hash of one row: SHA-256 over the previous row's hash and the row's fields, each
/// preceded by its length (times to the microsecond, which both backends keep exactly).
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

/// An audit row as the chain sees it.
#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = audit_log)]
struct Link {
    id: i64,
    occurred_at: NaiveDateTime,
    actor_sub: String,
    actor_role: String,
    action: String,
    entity_type: String,
    entity_id: String,
    before_state: Option<String>,
    after_state: Option<String>,
    prev_hash: Option<String>,
    row_hash: Option<String>,
    chain_pos: Option<i64>,
}

impl Link {
    fn hash(&self, prev: &str) -> String {
        row_hash(
            prev,
            &Hashed {
                at: self.occurred_at,
                actor_sub: &self.actor_sub,
                actor_role: &self.actor_role,
                action: &self.action,
                entity_type: &self.entity_type,
                entity_id: &self.entity_id,
                before: self.before_state.as_deref(),
                after: self.after_state.as_deref(),
            },
        )
    }
}

/// How many audit rows and events one seal took in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Sealed {
    pub audit_rows: usize,
    pub events: usize,
}

/// True when some committed audit row or event is not sealed yet (two index probes).
pub(crate) fn pending(conn: &mut DbConn) -> Result<bool, StoreError> {
    Ok(diesel::select(
        exists(audit_log::table.filter(audit_log::chain_pos.is_null()))
            .or(exists(events::table.filter(events::position.is_null()))),
    )
    .get_result(conn)?)
}

#[derive(QueryableByName)]
struct Changes {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// SQLite: how many rows this connection has changed since it opened (a transaction that
/// changed none has nothing to seal).
pub(crate) fn changes(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(diesel::sql_query("SELECT total_changes() AS n")
        .get_result::<Changes>(conn)?
        .n)
}

/// Seals what is committed and unsealed, in the caller's transaction (which must be a
/// write transaction; on PostgreSQL this takes the sealer's lock until it ends).
pub(crate) fn seal_in(conn: &mut DbConn) -> Result<Sealed, StoreError> {
    if let DbConn::Pg(pg) = conn {
        pg.batch_execute(&format!("SELECT pg_advisory_xact_lock({SEAL_LOCK})"))?;
    }
    let mut sealed = Sealed::default();
    loop {
        let rows: Vec<Link> = audit_log::table
            .filter(audit_log::chain_pos.is_null())
            .order(audit_log::id.asc())
            .limit(BATCH)
            .select(Link::as_select())
            .load(conn)?;
        if rows.is_empty() {
            break;
        }
        let last: Option<(Option<String>, Option<i64>)> = audit_log::table
            .filter(audit_log::chain_pos.is_not_null())
            .order(audit_log::chain_pos.desc())
            .select((audit_log::row_hash, audit_log::chain_pos))
            .first(conn)
            .optional()?;
        let (mut prev, mut pos) = match last {
            Some((hash, pos)) => (hash.unwrap_or_else(|| GENESIS.to_owned()), pos.unwrap_or(0)),
            None => (GENESIS.to_owned(), 0),
        };
        let mut links = Vec::with_capacity(rows.len());
        for row in &rows {
            pos += 1;
            let hash = row.hash(&prev);
            links.push((
                row.id,
                pos,
                std::mem::replace(&mut prev, hash.clone()),
                hash,
            ));
        }
        chain(conn, &links)?;
        sealed.audit_rows += rows.len();
        if rows.len() < BATCH as usize {
            break;
        }
    }
    sealed.events = number_events(conn)?;
    Ok(sealed)
}

/// Writes the chain's new links: (id, place in the chain, previous hash, own hash).
fn chain(conn: &mut DbConn, links: &[(i64, i64, String, String)]) -> Result<(), StoreError> {
    match conn {
        DbConn::Pg(pg) => {
            use diesel::sql_types::{Array, BigInt, Text};
            diesel::sql_query(
                "UPDATE audit_log AS a SET chain_pos = v.pos, prev_hash = v.prev, row_hash = v.hash \
                 FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[]) AS v(id, pos, prev, hash) \
                 WHERE a.id = v.id",
            )
            .bind::<Array<BigInt>, _>(links.iter().map(|l| l.0).collect::<Vec<_>>())
            .bind::<Array<BigInt>, _>(links.iter().map(|l| l.1).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(links.iter().map(|l| l.2.as_str()).collect::<Vec<_>>())
            .bind::<Array<Text>, _>(links.iter().map(|l| l.3.as_str()).collect::<Vec<_>>())
            .execute(pg)?;
        }
        DbConn::Sqlite(_) => {
            for (id, pos, prev, hash) in links {
                diesel::update(audit_log::table.find(id))
                    .set((
                        audit_log::chain_pos.eq(Some(pos)),
                        audit_log::prev_hash.eq(Some(prev)),
                        audit_log::row_hash.eq(Some(hash)),
                    ))
                    .execute(conn)?;
            }
        }
    }
    Ok(())
}

/// Gives the unsealed events the next positions, in insertion order.
fn number_events(conn: &mut DbConn) -> Result<usize, StoreError> {
    match conn {
        DbConn::Pg(pg) => Ok(diesel::sql_query(
            "UPDATE events SET position = n.base + n.rn \
             FROM (SELECT seq, row_number() OVER (ORDER BY seq) AS rn, \
                          (SELECT COALESCE(MAX(position), 0) FROM events) AS base \
                   FROM events WHERE position IS NULL) AS n \
             WHERE events.seq = n.seq",
        )
        .execute(pg)?),
        DbConn::Sqlite(_) => {
            let seqs: Vec<i64> = events::table
                .filter(events::position.is_null())
                .order(events::seq.asc())
                .select(events::seq)
                .load(conn)?;
            if seqs.is_empty() {
                return Ok(0);
            }
            let base: Option<i64> = events::table
                .select(diesel::dsl::max(events::position))
                .first(conn)?;
            let base = base.unwrap_or(0);
            for (n, seq) in (1..).zip(&seqs) {
                diesel::update(events::table.find(seq))
                    .set(events::position.eq(Some(base + n)))
                    .execute(conn)?;
            }
            Ok(seqs.len())
        }
    }
}

/// Checks the sealed chain in chain order: every row's `prev_hash` is the hash of the row
/// before it and its `row_hash` is the hash of its own content. The first row (by id)
/// that breaks the chain, if any, and how many rows were checked. Unsealed rows are not
/// part of the chain yet: see [`unsealed`].
pub fn verify(conn: &mut DbConn) -> Result<(Option<i64>, u64), StoreError> {
    let mut expected_prev = GENESIS.to_owned();
    let mut checked = 0u64;
    let mut after = i64::MIN;
    loop {
        let rows: Vec<Link> = audit_log::table
            .filter(audit_log::chain_pos.gt(after))
            .order(audit_log::chain_pos.asc())
            .limit(1_000)
            .select(Link::as_select())
            .load(conn)?;
        if rows.is_empty() {
            return Ok((None, checked));
        }
        for row in rows {
            after = row.chain_pos.unwrap_or(after);
            checked += 1;
            let recomputed = row.hash(&expected_prev);
            if row.prev_hash.as_deref() != Some(expected_prev.as_str())
                || row.row_hash.as_deref() != Some(recomputed.as_str())
            {
                return Ok((Some(row.id), checked));
            }
            expected_prev = recomputed;
        }
    }
}

/// How many committed audit rows wait to be sealed.
pub fn unsealed(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(audit_log::table
        .filter(audit_log::chain_pos.is_null())
        .count()
        .get_result(conn)?)
}
