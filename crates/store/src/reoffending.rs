//! Uploads of reoffending data: the CSV as sent, how far its processing got (so a
//! restarted server carries on where it stopped), and the rows refused.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::schema::{reoffending_refusals, reoffending_uploads};
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = reoffending_uploads)]
pub struct UploadRow {
    pub id: String,
    /// `pending`, `processing` or `done`.
    pub status: String,
    pub body: String,
    pub rows_total: i32,
    pub rows_processed: i32,
    pub rows_recorded: i32,
    pub rows_refused: i32,
    pub uploaded_by: String,
    pub uploaded_role: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

/// An upload's progress, without its body.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = reoffending_uploads)]
pub struct UploadProgress {
    pub id: String,
    pub status: String,
    pub rows_total: i32,
    pub rows_processed: i32,
    pub rows_recorded: i32,
    pub rows_refused: i32,
    pub uploaded_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub finished_at: Option<NaiveDateTime>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = reoffending_refusals)]
pub struct RefusalRow {
    pub upload_id: String,
    /// The line of the file (the header is line 1).
    pub line: i32,
    pub crn: String,
    pub reason: String,
}

pub fn insert(conn: &mut DbConn, row: &UploadRow) -> Result<(), StoreError> {
    diesel::insert_into(reoffending_uploads::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn progress(conn: &mut DbConn, id: &str) -> Result<Option<UploadProgress>, StoreError> {
    Ok(reoffending_uploads::table
        .find(id)
        .select(UploadProgress::as_select())
        .first(conn)
        .optional()?)
}

/// The oldest upload not yet done, whole.
pub fn next_unfinished(conn: &mut DbConn) -> Result<Option<UploadRow>, StoreError> {
    Ok(reoffending_uploads::table
        .filter(reoffending_uploads::status.ne("done"))
        .order((
            reoffending_uploads::created_at.asc(),
            reoffending_uploads::id.asc(),
        ))
        .select(UploadRow::as_select())
        .first(conn)
        .optional()?)
}

/// Moves an upload on past a chunk: only if it is where the caller found it (another
/// worker may have processed the chunk meanwhile); false otherwise.
#[allow(clippy::too_many_arguments)]
pub fn advance(
    conn: &mut DbConn,
    id: &str,
    from: i32,
    to: i32,
    recorded: i32,
    refused: i32,
    done: bool,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        reoffending_uploads::table
            .filter(reoffending_uploads::id.eq(id))
            .filter(reoffending_uploads::rows_processed.eq(from)),
    )
    .set((
        reoffending_uploads::rows_processed.eq(to),
        reoffending_uploads::rows_recorded.eq(reoffending_uploads::rows_recorded + recorded),
        reoffending_uploads::rows_refused.eq(reoffending_uploads::rows_refused + refused),
        reoffending_uploads::status.eq(if done { "done" } else { "processing" }),
        reoffending_uploads::updated_at.eq(at),
        reoffending_uploads::finished_at.eq(done.then_some(at)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

pub fn insert_refusals(conn: &mut DbConn, rows: &[RefusalRow]) -> Result<(), StoreError> {
    for chunk in rows.chunks(1_000) {
        let rows = chunk.to_vec();
        match conn {
            DbConn::Pg(c) => diesel::insert_into(reoffending_refusals::table)
                .values(rows)
                .execute(c)?,
            DbConn::Sqlite(c) => diesel::insert_into(reoffending_refusals::table)
                .values(rows)
                .execute(c)?,
        };
    }
    Ok(())
}

/// An upload's refused rows in line order: at most `limit`.
pub fn refusals(
    conn: &mut DbConn,
    upload_id: &str,
    limit: i64,
) -> Result<Vec<RefusalRow>, StoreError> {
    Ok(reoffending_refusals::table
        .filter(reoffending_refusals::upload_id.eq(upload_id))
        .order(reoffending_refusals::line.asc())
        .limit(limit)
        .select(RefusalRow::as_select())
        .load(conn)?)
}

/// Brings PostgreSQL's planner statistics up to date for the tables an upload grows (its
/// person-periods, payments, audit rows and events). A large upload on a
/// young database grows them many times over within a minute, faster than autovacuum
/// re-analyses them, and on statistics taken when they were small the planner scans whole
/// tables for lookups an index answers (a 100,000-row upload slowed tenfold). SQLite's
/// planner needs none.
pub fn refresh_statistics(conn: &mut DbConn) -> Result<(), StoreError> {
    if let DbConn::Pg(pg) = conn {
        diesel::connection::SimpleConnection::batch_execute(
            pg,
            // The columns whose stale statistics mislead it: the payments looked up by order,
            // and the unsealed audit rows and events (see `crate::seal`).
            "ANALYZE payments (order_id, milestone), person_outcomes (crn, period_start), \
             audit_log (chain_pos), events (position)",
        )?;
    }
    Ok(())
}
