//! Events about orders and offers, and the webhook outbox they feed. An event and its
//! outbox row are written in the transaction of the change they report, so a change is
//! never acknowledged without its event, and no event survives a change rolled back.
//! An event is written without a position and numbered when its transaction is sealed
//! (see [`crate::seal`]); readers and the outbox see only numbered events, in position
//! order.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::cursor::Page;
use crate::schema::{assessments, events, orders, sentence_plans, webhook_deliveries, webhooks};
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = events)]
pub struct EventRow {
    pub seq: i64,
    pub id: String,
    pub kind: String,
    pub order_id: String,
    pub offer_id: Option<String>,
    pub area_code: String,
    pub provider_id: Option<String>,
    pub occurred_at: NaiveDateTime,
    /// The event as delivered: JSON text, signed byte for byte.
    pub payload: String,
    /// Its place in the order readers see events in (set when it is sealed).
    pub position: Option<i64>,
}

/// An event to append.
#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = events)]
pub struct NewEvent {
    pub id: String,
    pub kind: String,
    pub order_id: String,
    pub offer_id: Option<String>,
    pub area_code: String,
    pub provider_id: Option<String>,
    pub occurred_at: NaiveDateTime,
    pub payload: String,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = webhook_deliveries)]
struct NewDelivery<'a> {
    id: String,
    event_seq: i64,
    provider_id: &'a str,
    order_id: &'a str,
    status: &'a str,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    created_at: NaiveDateTime,
    updated_at: NaiveDateTime,
}

/// Rows a statement when events and their outbox rows are inserted in batches: well
/// under SQLite's limit of bound parameters whatever the row's width.
const BATCH: usize = 200;

/// Appends events, unsealed, in the caller's transaction, in the order given, and queues
/// each for its provider's webhook when the provider has one. Use cases emit events
/// through their [`crate::transaction::Tx`], with the change's audit row; this is the
/// insert it runs: per batch of events one insert, one read of their row numbers, one
/// read of which of their providers subscribe, and one insert of the outbox rows.
pub fn append(conn: &mut DbConn, new: &[NewEvent]) -> Result<(), StoreError> {
    for batch in new.chunks(BATCH) {
        // One multi-row insert: both backends number the rows in the order given.
        let rows = batch.to_vec();
        match conn {
            DbConn::Pg(c) => diesel::insert_into(events::table).values(rows).execute(c)?,
            DbConn::Sqlite(c) => diesel::insert_into(events::table).values(rows).execute(c)?,
        };
        let mut providers: Vec<&str> = batch
            .iter()
            .filter_map(|e| e.provider_id.as_deref())
            .collect();
        if providers.is_empty() {
            continue;
        }
        providers.sort_unstable();
        providers.dedup();
        let subscribed: Vec<String> = webhooks::table
            .filter(webhooks::provider_id.eq_any(&providers))
            .select(webhooks::provider_id)
            .load(conn)?;
        if subscribed.is_empty() {
            continue;
        }
        let ids: Vec<&str> = batch
            .iter()
            .filter(|e| {
                e.provider_id
                    .as_deref()
                    .is_some_and(|p| subscribed.iter().any(|s| s == p))
            })
            .map(|e| e.id.as_str())
            .collect();
        let numbered: std::collections::HashMap<String, i64> = events::table
            .filter(events::id.eq_any(&ids))
            .select((events::id, events::seq))
            .load::<(String, i64)>(conn)?
            .into_iter()
            .collect();
        let deliveries = batch
            .iter()
            .filter_map(|event| {
                let provider_id = event.provider_id.as_deref()?;
                let seq = *numbered.get(&event.id)?;
                Some(NewDelivery {
                    id: crate::new_id("dlv"),
                    event_seq: seq,
                    provider_id,
                    order_id: &event.order_id,
                    status: "pending",
                    attempts: 0,
                    next_attempt_at: event.occurred_at,
                    created_at: event.occurred_at,
                    updated_at: event.occurred_at,
                })
            })
            .collect::<Vec<_>>();
        match conn {
            DbConn::Pg(c) => diesel::insert_into(webhook_deliveries::table)
                .values(deliveries)
                .execute(c)?,
            DbConn::Sqlite(c) => diesel::insert_into(webhook_deliveries::table)
                .values(deliveries)
                .execute(c)?,
        };
    }
    Ok(())
}

/// Whose events a reader sees.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only events concerning this provider.
    pub provider_id: Option<String>,
    /// Only events of this area's cases.
    pub area: Option<String>,
    pub order_id: Option<String>,
    pub kind: Option<String>,
    /// Only events of the sentences this court passed, of these kinds.
    pub court: Option<(String, Vec<String>)>,
}

/// Sealed events after a position, oldest first; the cursor key is the position.
pub fn list(
    conn: &mut DbConn,
    filter: &EventFilter,
    after: Option<i64>,
    limit: usize,
) -> Result<Page<EventRow>, StoreError> {
    let mut query = events::table.select(EventRow::as_select()).into_boxed();
    if let Some(provider_id) = &filter.provider_id {
        query = query.filter(events::provider_id.eq(provider_id.clone()));
    }
    if let Some(area) = &filter.area {
        query = query.filter(events::area_code.eq(area.clone()));
    }
    if let Some(order_id) = &filter.order_id {
        query = query.filter(events::order_id.eq(order_id.clone()));
    }
    if let Some(kind) = &filter.kind {
        query = query.filter(events::kind.eq(kind.clone()));
    }
    if let Some((court, kinds)) = &filter.court {
        query = query.filter(events::kind.eq_any(kinds.clone())).filter(
            events::order_id.eq_any(
                orders::table
                    .inner_join(sentence_plans::table.inner_join(assessments::table))
                    .filter(assessments::court_code.eq(court.clone()))
                    .select(orders::id),
            ),
        );
    }
    query = match after {
        Some(after) => query.filter(events::position.gt(after)),
        None => query.filter(events::position.is_not_null()),
    };
    let rows = query
        .order(events::position.asc())
        .limit(limit as i64 + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |e| {
        e.position.unwrap_or_default()
    }))
}

pub fn count(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(events::table.count().get_result(conn)?)
}
