//! Stored answers to creating requests, keyed by the caller's whole identity (subject and
//! scope) and `Idempotency-Key`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::idempotency_keys;
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = idempotency_keys)]
pub struct IdempotencyRecord {
    pub actor_sub: String,
    /// The role and the area or provider the caller acts for, e.g. `provider:prv_…`.
    pub actor_scope: String,
    pub idempotency_key: String,
    /// Method and path with its ids, e.g. `POST /v1/sentence-plans/pln_…/approve`.
    pub route: String,
    pub request_hash: String,
    pub response_status: i32,
    pub response_body: String,
    pub created_at: NaiveDateTime,
}

pub fn find(
    conn: &mut DbConn,
    actor_sub: &str,
    actor_scope: &str,
    key: &str,
) -> Result<Option<IdempotencyRecord>, StoreError> {
    Ok(idempotency_keys::table
        .filter(idempotency_keys::actor_sub.eq(actor_sub))
        .filter(idempotency_keys::actor_scope.eq(actor_scope))
        .filter(idempotency_keys::idempotency_key.eq(key))
        .select(IdempotencyRecord::as_select())
        .first(conn)
        .optional()?)
}

pub fn insert(conn: &mut DbConn, record: &IdempotencyRecord) -> Result<(), StoreError> {
    diesel::insert_into(idempotency_keys::table)
        .values(record.clone())
        .execute(conn)?;
    Ok(())
}
