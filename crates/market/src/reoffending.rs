//! Uploads of reoffending data: a CSV (`crn,period_start,proven_reoffences`) of up to
//! 200,000 rows, kept as sent and processed in the background in chunks of 1,000 rows a
//! transaction. Each row is decided on its own ([`crate::outcomes::decide`]): recorded,
//! or refused with its line and the reason, and a refused row never stops the others.
//! An upload's progress is stored with each chunk, so a restarted server carries on
//! where it stopped, and a chunk is only ever processed once (a conditional update).

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::Role;
use provider_hub_store::reoffending::{self as store, RefusalRow, UploadProgress, UploadRow};
use provider_hub_store::{to_utc, write_transaction, DbConn};
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::outcomes::{concurrent_insert, decide, write, Decided, Known, Source, RECORDERS};
use crate::{naive, Actor, Error};

/// The most rows an upload may carry.
pub const MAX_ROWS: usize = 200_000;
/// Rows recorded in one transaction.
pub const CHUNK_ROWS: usize = 1_000;

/// Rows recorded after which an upload first refreshes the planner's statistics of the
/// tables it grows (see [`provider_hub_store::reoffending::refresh_statistics`]); each
/// later refresh waits for [`STATISTICS_GROWTH`] times as many rows again. Statistics
/// taken once the tables hold thousands of the upload's rows keep the planner on the
/// indexes as they grow further (it scales row counts by the tables' sizes on disk), so
/// a 100,000-row upload refreshes twice, and an upload that records nothing (the same
/// file again) never.
const STATISTICS_FIRST_ROWS: usize = 5 * CHUNK_ROWS;
const STATISTICS_GROWTH: usize = 4;
/// The most refused rows an upload's progress lists (all are kept).
pub const REFUSALS_SHOWN: i64 = 1_000;
/// The header an upload starts with.
pub const HEADER: &str = "crn,period_start,proven_reoffences";

/// A refused row: its line in the file (the header is line 1) and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RefusedRow {
    pub line: u32,
    pub crn: String,
    pub reason: String,
}

/// An upload and how far its processing got.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Upload {
    pub id: String,
    /// `pending`, `processing` or `done`.
    pub status: String,
    pub rows_total: u32,
    pub rows_processed: u32,
    pub rows_recorded: u32,
    pub rows_refused: u32,
    pub uploaded_by: String,
    pub created_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    /// The refused rows in line order (the first 1,000).
    pub refused: Vec<RefusedRow>,
}

/// One data row as read.
struct Row {
    line: u32,
    crn: String,
    period_start: Result<Option<NaiveDate>, String>,
    proven_reoffences: Result<i64, String>,
}

/// A field a spreadsheet would run as a formula.
fn formula(field: &str) -> bool {
    field.starts_with(['=', '+', '@', '\t', '\r'])
}

fn cell(record: &csv::StringRecord, i: usize) -> String {
    record.get(i).unwrap_or("").trim().to_owned()
}

/// The rows of a body whose header is checked: line numbers as in the file.
fn rows(body: &str) -> Result<Vec<Row>, Error> {
    let body = body.strip_prefix('\u{feff}').unwrap_or(body);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(true)
        .from_reader(body.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|e| Error::invalid("body", format!("is not CSV: {e}")))?
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if header.join(",") != HEADER {
        return Err(Error::invalid(
            "body",
            format!("the first line must be the header {HEADER}"),
        ));
    }
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| Error::invalid("body", format!("is not CSV: {e}")))?;
        let line = record
            .position()
            .map(|p| u32::try_from(p.line()).unwrap_or(u32::MAX))
            .unwrap_or(0);
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        if out.len() >= MAX_ROWS {
            return Err(Error::invalid(
                "body",
                format!("has more than {MAX_ROWS} rows: split it into several uploads"),
            ));
        }
        let (crn, start, count) = (cell(&record, 0), cell(&record, 1), cell(&record, 2));
        let period_start = if record.len() != 3 {
            Err(format!("has {} fields, not 3", record.len()))
        } else if formula(&crn) || formula(&start) || formula(&count) {
            Err("looks like a spreadsheet formula: send plain values".into())
        } else if start.is_empty() {
            Ok(None)
        } else {
            start
                .parse::<NaiveDate>()
                .map(Some)
                .map_err(|_| format!("period_start {start:?} is not a date (YYYY-MM-DD)"))
        };
        let proven_reoffences = count
            .parse::<i64>()
            .map_err(|_| format!("proven_reoffences {count:?} is not a whole number"));
        out.push(Row {
            line,
            crn: crn.chars().take(64).collect(),
            period_start,
            proven_reoffences,
        });
    }
    Ok(out)
}

fn upload_view(p: UploadProgress, refused: Vec<RefusalRow>) -> Upload {
    let n = |v: i32| u32::try_from(v).unwrap_or(0);
    Upload {
        id: p.id,
        status: p.status,
        rows_total: n(p.rows_total),
        rows_processed: n(p.rows_processed),
        rows_recorded: n(p.rows_recorded),
        rows_refused: n(p.rows_refused),
        uploaded_by: p.uploaded_by,
        created_at: to_utc(p.created_at),
        finished_at: p.finished_at.map(to_utc),
        refused: refused
            .into_iter()
            .map(|r| RefusedRow {
                line: u32::try_from(r.line).unwrap_or(0),
                crn: r.crn,
                reason: r.reason,
            })
            .collect(),
    }
}

/// Accepts an upload for processing: the header and the number of rows are checked now,
/// each row when it is processed.
pub fn upload(conn: &mut DbConn, caller: &Caller, body: &str) -> Result<Upload, Error> {
    caller.require(RECORDERS)?;
    let total = rows(body)?.len();
    let at = naive(caller.now);
    let row = UploadRow {
        id: provider_hub_store::new_id("rup"),
        status: "pending".into(),
        body: body.to_owned(),
        rows_total: i32::try_from(total).unwrap_or(i32::MAX),
        rows_processed: 0,
        rows_recorded: 0,
        rows_refused: 0,
        uploaded_by: caller.actor.sub.clone(),
        uploaded_role: caller.role.as_str().to_owned(),
        created_at: at,
        updated_at: at,
        finished_at: None,
    };
    write_transaction(conn, |tx| {
        store::insert(tx, &row)?;
        tx.audit(provider_hub_store::audit::AuditEntry {
            actor: &caller.actor,
            action: "reoffending_upload.received",
            entity_type: "reoffending_upload",
            entity_id: &row.id,
            before: None,
            after: Some(serde_json::json!({ "rows_total": total })),
            at,
        });
        Ok::<_, Error>(())
    })?;
    get(conn, caller, &row.id)
}

/// An upload's progress and its refused rows (recorders only).
pub fn get(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<Upload, Error> {
    caller.require(RECORDERS)?;
    let progress =
        store::progress(conn, id)?.ok_or_else(|| Error::NotFound(format!("upload {id}")))?;
    let refused = store::refusals(conn, id, REFUSALS_SHOWN)?;
    Ok(upload_view(progress, refused))
}

/// Every refused row of an upload, in line order.
pub fn all_refused(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<Vec<RefusedRow>, Error> {
    let _ = get(conn, caller, id)?;
    Ok(store::refusals(conn, id, i64::MAX)?
        .into_iter()
        .map(|r| RefusedRow {
            line: u32::try_from(r.line).unwrap_or(0),
            crn: r.crn,
            reason: r.reason,
        })
        .collect())
}

/// A refusal in words.
fn reason(e: &Error) -> Option<String> {
    match e {
        Error::Validation(v) => Some(
            v.0.iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("; "),
        ),
        Error::NotFound(what) => Some(format!("no {what} on the hub")),
        Error::Conflict { detail, .. } => Some(detail.clone()),
        _ => None,
    }
}

/// Processes one chunk of `upload` from `from`: records or refuses each row, and moves
/// the upload on, in one transaction. The rows recorded, or None when another worker
/// processed the chunk meanwhile.
fn chunk(
    conn: &mut DbConn,
    upload: &UploadRow,
    rows: &[Row],
    from: usize,
    now: DateTime<Utc>,
) -> Result<Option<usize>, Error> {
    let to = (from + CHUNK_ROWS).min(rows.len());
    let part = &rows[from..to];
    let role = upload
        .uploaded_role
        .parse::<Role>()
        .map_err(|e| Error::corrupt("reoffending_uploads.uploaded_role", e))?;
    let actor = Actor {
        sub: upload.uploaded_by.clone(),
        role: role.as_str().to_owned(),
    };
    let source = Source {
        actor: &actor,
        upload_id: Some(&upload.id),
        now,
    };
    write_transaction(conn, |tx| {
        let mut crns: Vec<String> = part.iter().map(|r| r.crn.clone()).collect();
        crns.sort();
        crns.dedup();
        let mut known = Known::load(tx, &crns)?;
        let mut planned = Vec::new();
        let mut refused = Vec::new();
        let mut recorded = 0;
        for row in part {
            let decided = match (&row.period_start, &row.proven_reoffences) {
                (Err(why), _) | (_, Err(why)) => Err(why.clone()),
                _ if row.crn.is_empty() => Err("crn is empty".into()),
                (Ok(start), Ok(count)) => match decide(&known, &row.crn, *start, *count, source) {
                    Ok(d) => Ok(d),
                    Err(e) => Err(reason(&e).ok_or(e)?),
                },
            };
            match decided {
                Ok(Decided::Recorded(_)) => recorded += 1,
                Ok(Decided::New(p)) => {
                    known
                        .recorded
                        .insert((p.row.crn.clone(), p.row.period_start), p.row.clone());
                    planned.push(*p);
                    recorded += 1;
                }
                Err(why) => refused.push(RefusalRow {
                    upload_id: upload.id.clone(),
                    line: i32::try_from(row.line).unwrap_or(i32::MAX),
                    crn: row.crn.clone(),
                    reason: why,
                }),
            }
        }
        write(tx, &planned, source)?;
        store::insert_refusals(tx, &refused)?;
        let n = |v: usize| i32::try_from(v).unwrap_or(i32::MAX);
        let moved = store::advance(
            tx,
            &upload.id,
            n(from),
            n(to),
            n(recorded),
            n(refused.len()),
            to == rows.len(),
            naive(now),
        )?;
        if !moved {
            return Err(Error::conflict("processed by another worker", None));
        }
        Ok(Some(recorded))
    })
    .or_else(|e| match e {
        Error::Conflict { detail, .. } if detail == "processed by another worker" => Ok(None),
        e => Err(e),
    })
}

/// Processes the oldest unfinished upload, chunk by chunk, while `go_on()`; the number
/// of rows processed, or None when there was nothing to do.
pub fn process_next(
    conn: &mut DbConn,
    now: &dyn Fn() -> DateTime<Utc>,
    go_on: &dyn Fn() -> bool,
) -> Result<Option<usize>, Error> {
    let Some(upload) = store::next_unfinished(conn)? else {
        return Ok(None);
    };
    let rows = match rows(&upload.body) {
        Ok(rows) => rows,
        Err(e) => {
            // Checked when it was received: a body that no longer reads is done, refused whole.
            let refusal = RefusalRow {
                upload_id: upload.id.clone(),
                line: 1,
                crn: String::new(),
                reason: reason(&e).unwrap_or_else(|| e.to_string()),
            };
            write_transaction(conn, |tx| {
                store::insert_refusals(tx, &[refusal])?;
                store::advance(
                    tx,
                    &upload.id,
                    upload.rows_processed,
                    upload.rows_total,
                    0,
                    1,
                    true,
                    naive(now()),
                )?;
                Ok::<_, Error>(())
            })?;
            return Ok(Some(0));
        }
    };
    let mut from = usize::try_from(upload.rows_processed).unwrap_or(0);
    let start = from;
    if from >= rows.len() {
        store::advance(
            conn,
            &upload.id,
            upload.rows_processed,
            upload.rows_processed,
            0,
            0,
            true,
            naive(now()),
        )?;
        return Ok(Some(0));
    }
    // Rows recorded since the statistics were last refreshed, and the next refresh's due.
    let (mut fresh, mut due) = (0, STATISTICS_FIRST_ROWS);
    while from < rows.len() && go_on() {
        let mut attempt = 0;
        let recorded = loop {
            attempt += 1;
            match chunk(conn, &upload, &rows, from, now()) {
                Err(e) if attempt < 3 && concurrent_insert(&e) => continue,
                other => break other?,
            }
        };
        let Some(recorded) = recorded else {
            break;
        };
        from = (from + CHUNK_ROWS).min(rows.len());
        fresh += recorded;
        if fresh >= due && from < rows.len() {
            store::refresh_statistics(conn)?;
            (fresh, due) = (0, due * STATISTICS_GROWTH);
        }
    }
    Ok(Some(from - start))
}
