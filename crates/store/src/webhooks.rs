//! Providers' webhooks and the outbox of deliveries to them: claimed with a lease by a
//! dispatcher (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so several processes share the
//! work), answered by recording the attempt. A delivery waits while an earlier event of
//! the same order to the same provider is still pending: deliveries arrive in order per
//! order.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamp};

use crate::cursor::Page;
use crate::schema::{events, webhook_deliveries, webhooks};
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable)]
#[diesel(table_name = webhooks)]
pub struct WebhookRow {
    pub provider_id: String,
    pub url: String,
    pub secret: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub updated_by: String,
}

pub fn find(conn: &mut DbConn, provider_id: &str) -> Result<Option<WebhookRow>, StoreError> {
    Ok(webhooks::table
        .find(provider_id)
        .select(WebhookRow::as_select())
        .first(conn)
        .optional()?)
}

/// Registers or replaces a provider's webhook (URL and secret together).
pub fn put(conn: &mut DbConn, row: &WebhookRow) -> Result<(), StoreError> {
    let changed = diesel::update(webhooks::table.find(&row.provider_id))
        .set((
            webhooks::url.eq(&row.url),
            webhooks::secret.eq(&row.secret),
            webhooks::updated_at.eq(row.updated_at),
            webhooks::updated_by.eq(&row.updated_by),
        ))
        .execute(conn)?;
    if changed == 0 {
        diesel::insert_into(webhooks::table)
            .values(row.clone())
            .execute(conn)?;
    }
    Ok(())
}

/// Every webhook's provider and stored secret (sealed, or in clear from before sealing).
pub fn secrets(conn: &mut DbConn) -> Result<Vec<(String, String)>, StoreError> {
    Ok(webhooks::table
        .select((webhooks::provider_id, webhooks::secret))
        .order(webhooks::provider_id.asc())
        .load(conn)?)
}

/// Replaces a stored secret by another (its sealed form) if it is still `before`; false
/// when it changed meanwhile (another process sealed it, or the webhook was replaced).
pub fn replace_secret(
    conn: &mut DbConn,
    provider_id: &str,
    before: &str,
    after: &str,
) -> Result<bool, StoreError> {
    Ok(diesel::update(
        webhooks::table
            .filter(webhooks::provider_id.eq(provider_id))
            .filter(webhooks::secret.eq(before)),
    )
    .set(webhooks::secret.eq(after))
    .execute(conn)?
        > 0)
}

/// Removes a provider's webhook; its pending deliveries wait for the next one.
pub fn remove(conn: &mut DbConn, provider_id: &str) -> Result<bool, StoreError> {
    Ok(diesel::delete(webhooks::table.find(provider_id)).execute(conn)? > 0)
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
pub struct DeliveryRow {
    pub id: String,
    pub event_seq: i64,
    pub provider_id: String,
    pub order_id: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: NaiveDateTime,
    pub leased_until: Option<NaiveDateTime>,
    pub lease_owner: Option<String>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<NaiveDateTime>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// A delivery claimed for sending: where to, what, and with which secret (as stored:
/// sealed).
#[derive(Debug, Clone)]
pub struct Claimed {
    pub delivery: DeliveryRow,
    pub event_id: String,
    pub kind: String,
    pub payload: String,
    pub url: String,
    pub secret: String,
}

#[derive(QueryableByName)]
struct ClaimedId {
    #[diesel(sql_type = Text)]
    id: String,
}

/// The deliveries that may go now: pending, due, not leased, with a webhook to go to, of
/// a sealed event (one `/v1/events` lists), and the earliest pending one of their order
/// (so at most one per order).
const DUE: &str = "SELECT d.id FROM webhook_deliveries d \
     JOIN webhooks w ON w.provider_id = d.provider_id \
     JOIN events v ON v.seq = d.event_seq AND v.position IS NOT NULL \
     WHERE d.status = 'pending' AND d.next_attempt_at <= $1 \
       AND (d.leased_until IS NULL OR d.leased_until <= $1) \
       AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e \
           WHERE e.provider_id = d.provider_id AND e.order_id = d.order_id \
             AND e.status = 'pending' AND e.event_seq < d.event_seq) \
     ORDER BY d.event_seq LIMIT $2";

/// Leases up to `limit` due deliveries to `owner` until `lease_until`, in the caller's
/// transaction. On PostgreSQL rows another process is claiming are skipped, not waited
/// for; SQLite runs one write transaction at a time.
pub fn claim(
    conn: &mut DbConn,
    now: NaiveDateTime,
    lease_until: NaiveDateTime,
    owner: &str,
    limit: i64,
) -> Result<Vec<Claimed>, StoreError> {
    let ids: Vec<ClaimedId> = match conn {
        DbConn::Pg(pg) => diesel::sql_query(format!(
            "UPDATE webhook_deliveries SET leased_until = $3, lease_owner = $4 \
             WHERE id IN ({DUE} FOR UPDATE OF d SKIP LOCKED) RETURNING id"
        ))
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .bind::<Timestamp, _>(lease_until)
        .bind::<Text, _>(owner)
        .load(pg)?,
        // SQLite numbers `?N` parameters explicitly (`$N` would be a name, numbered in
        // order of appearance).
        DbConn::Sqlite(lite) => diesel::sql_query(format!(
            "UPDATE webhook_deliveries SET leased_until = ?3, lease_owner = ?4 \
             WHERE id IN ({}) RETURNING id",
            DUE.replace('$', "?")
        ))
        .bind::<Timestamp, _>(now)
        .bind::<BigInt, _>(limit)
        .bind::<Timestamp, _>(lease_until)
        .bind::<Text, _>(owner)
        .load(lite)?,
    };
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<String> = ids.into_iter().map(|c| c.id).collect();
    /// A delivery, its event's id, kind and payload, and its webhook's URL and secret.
    type Row = (DeliveryRow, (String, String, String), (String, String));
    let rows: Vec<Row> = webhook_deliveries::table
        .inner_join(events::table)
        // A delivery goes to its provider's webhook: the two meet on the provider, not
        // through a foreign key of their own, so the join is spelled out.
        .inner_join(webhooks::table.on(webhooks::provider_id.eq(webhook_deliveries::provider_id)))
        .filter(webhook_deliveries::id.eq_any(&ids))
        .order(webhook_deliveries::event_seq.asc())
        .select((
            DeliveryRow::as_select(),
            (events::id, events::kind, events::payload),
            (webhooks::url, webhooks::secret),
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(
            |(delivery, (event_id, kind, payload), (url, secret))| Claimed {
                delivery,
                event_id,
                kind,
                payload,
                url,
                secret,
            },
        )
        .collect())
}

/// What one attempt came to.
#[derive(Debug, Clone)]
pub enum Attempt {
    /// The receiver answered 2xx.
    Delivered { status: i32 },
    /// It failed; try again at `retry_at`, or never (`None`: the delivery is dead).
    Failed {
        status: Option<i32>,
        error: String,
        retry_at: Option<NaiveDateTime>,
    },
}

/// Records an attempt on a delivery `owner` holds the lease of. False when the lease was
/// lost meanwhile (it expired and another dispatcher took the delivery over).
pub fn record_attempt(
    conn: &mut DbConn,
    id: &str,
    owner: &str,
    attempt: &Attempt,
    now: NaiveDateTime,
) -> Result<bool, StoreError> {
    let target = webhook_deliveries::table
        .filter(webhook_deliveries::id.eq(id))
        .filter(webhook_deliveries::status.eq("pending"))
        .filter(webhook_deliveries::lease_owner.eq(owner));
    let changed = match attempt {
        Attempt::Delivered { status } => diesel::update(target)
            .set((
                webhook_deliveries::status.eq("delivered"),
                webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
                webhook_deliveries::last_status.eq(Some(*status)),
                webhook_deliveries::last_error.eq(None::<String>),
                webhook_deliveries::delivered_at.eq(Some(now)),
                webhook_deliveries::leased_until.eq(None::<NaiveDateTime>),
                webhook_deliveries::lease_owner.eq(None::<String>),
                webhook_deliveries::updated_at.eq(now),
            ))
            .execute(conn)?,
        Attempt::Failed {
            status,
            error,
            retry_at,
        } => diesel::update(target)
            .set((
                webhook_deliveries::status.eq(if retry_at.is_some() {
                    "pending"
                } else {
                    "dead"
                }),
                webhook_deliveries::attempts.eq(webhook_deliveries::attempts + 1),
                webhook_deliveries::last_status.eq(*status),
                webhook_deliveries::last_error.eq(Some(error.as_str())),
                webhook_deliveries::next_attempt_at.eq(retry_at.unwrap_or(now)),
                webhook_deliveries::leased_until.eq(None::<NaiveDateTime>),
                webhook_deliveries::lease_owner.eq(None::<String>),
                webhook_deliveries::updated_at.eq(now),
            ))
            .execute(conn)?,
    };
    Ok(changed > 0)
}

/// Gives back the leases `owner` still holds (on shutdown), so another process sends
/// those deliveries at once instead of after the lease runs out.
pub fn release_leases(conn: &mut DbConn, owner: &str) -> Result<usize, StoreError> {
    Ok(diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::lease_owner.eq(owner))
            .filter(webhook_deliveries::status.eq("pending")),
    )
    .set((
        webhook_deliveries::leased_until.eq(None::<NaiveDateTime>),
        webhook_deliveries::lease_owner.eq(None::<String>),
    ))
    .execute(conn)?)
}

/// Puts a dead delivery back in the queue, due now, with its attempts counted afresh.
pub fn redrive(conn: &mut DbConn, id: &str, now: NaiveDateTime) -> Result<bool, StoreError> {
    Ok(diesel::update(
        webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(id))
            .filter(webhook_deliveries::status.eq("dead")),
    )
    .set((
        webhook_deliveries::status.eq("pending"),
        webhook_deliveries::attempts.eq(0),
        webhook_deliveries::next_attempt_at.eq(now),
        webhook_deliveries::updated_at.eq(now),
    ))
    .execute(conn)?
        > 0)
}

/// A delivery with its event's id and type.
pub fn find_delivery(
    conn: &mut DbConn,
    id: &str,
) -> Result<Option<(DeliveryRow, String, String)>, StoreError> {
    Ok(webhook_deliveries::table
        .inner_join(events::table)
        .filter(webhook_deliveries::id.eq(id))
        .select((DeliveryRow::as_select(), events::id, events::kind))
        .first(conn)
        .optional()?)
}

/// Deliveries with their event's id and kind.
#[derive(Debug, Clone, Default)]
pub struct DeliveryFilter {
    pub provider_id: Option<String>,
    pub status: Option<String>,
    pub order_id: Option<String>,
}

/// Deliveries in id order (the order they were queued in); the cursor key is the id.
pub fn list(
    conn: &mut DbConn,
    filter: &DeliveryFilter,
    after: Option<String>,
    limit: usize,
) -> Result<Page<(DeliveryRow, String, String)>, StoreError> {
    let mut query = webhook_deliveries::table
        .inner_join(events::table)
        .select((DeliveryRow::as_select(), events::id, events::kind))
        .into_boxed();
    if let Some(provider_id) = &filter.provider_id {
        query = query.filter(webhook_deliveries::provider_id.eq(provider_id.clone()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(webhook_deliveries::status.eq(status.clone()));
    }
    if let Some(order_id) = &filter.order_id {
        query = query.filter(webhook_deliveries::order_id.eq(order_id.clone()));
    }
    if let Some(after) = after {
        query = query.filter(webhook_deliveries::id.gt(after));
    }
    let rows = query
        .order(webhook_deliveries::id.asc())
        .limit(limit as i64 + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |(d, _, _)| d.id.clone()))
}

/// How many of a provider's deliveries are in each status: (pending, dead).
pub fn backlog(conn: &mut DbConn, provider_id: Option<&str>) -> Result<(i64, i64), StoreError> {
    let mut query = webhook_deliveries::table
        .group_by(webhook_deliveries::status)
        .select((webhook_deliveries::status, diesel::dsl::count_star()))
        .into_boxed();
    if let Some(provider_id) = provider_id {
        query = query.filter(webhook_deliveries::provider_id.eq(provider_id.to_owned()));
    }
    let counts: Vec<(String, i64)> = query.load(conn)?;
    let of = |s: &str| {
        counts
            .iter()
            .find(|(status, _)| status == s)
            .map_or(0, |(_, n)| *n)
    };
    Ok((of("pending"), of("dead")))
}
