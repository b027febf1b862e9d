//! Delivery events and milestone payments.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use provider_hub_domain::order::DeliveryEventKind;
use provider_hub_domain::specification::Milestone;

use crate::cursor::Page;
use crate::schema::{delivery_events, listings, offers, payments, specifications};
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = delivery_events)]
pub struct DeliveryEventRow {
    pub id: String,
    pub order_id: String,
    #[diesel(serialize_as = crate::words::Word)]
    pub kind: DeliveryEventKind,
    pub occurred_on: NaiveDate,
    pub details: Option<String>,
    pub recorded_by: String,
    pub recorded_at: NaiveDateTime,
    /// The contact time an attended session gave, in minutes.
    pub minutes: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = payments)]
pub struct PaymentRow {
    pub id: String,
    pub order_id: String,
    #[diesel(serialize_as = crate::words::Word)]
    pub milestone: Milestone,
    pub amount_pence: i64,
    pub area_code: String,
    pub provider_id: String,
    pub financial_year: i32,
    pub created_at: NaiveDateTime,
}

pub fn insert_event(conn: &mut DbConn, row: &DeliveryEventRow) -> Result<(), StoreError> {
    diesel::insert_into(delivery_events::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// An order's delivery events, oldest first.
pub fn events_of(conn: &mut DbConn, order_id: &str) -> Result<Vec<DeliveryEventRow>, StoreError> {
    Ok(delivery_events::table
        .filter(delivery_events::order_id.eq(order_id))
        .order(delivery_events::id.asc())
        .select(DeliveryEventRow::as_select())
        .load(conn)?)
}

/// The delivery events of these orders, oldest first.
pub fn events_of_orders(
    conn: &mut DbConn,
    order_ids: &[String],
) -> Result<Vec<DeliveryEventRow>, StoreError> {
    if order_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(delivery_events::table
        .filter(delivery_events::order_id.eq_any(order_ids))
        .order(delivery_events::id.asc())
        .select(DeliveryEventRow::as_select())
        .load(conn)?)
}

/// The order's attended sessions: the contact minutes each gave (none for sessions
/// recorded before minutes were).
pub fn attended_minutes(conn: &mut DbConn, order_id: &str) -> Result<Vec<Option<i32>>, StoreError> {
    Ok(delivery_events::table
        .filter(delivery_events::order_id.eq(order_id))
        .filter(delivery_events::kind.eq("attended"))
        .select(delivery_events::minutes)
        .load(conn)?)
}

/// When the provider accepted the order's offer (its latest accepted offer), if it did.
pub fn accepted_at(conn: &mut DbConn, order_id: &str) -> Result<Option<NaiveDateTime>, StoreError> {
    Ok(offers::table
        .filter(offers::order_id.eq(order_id))
        .filter(offers::status.eq("accepted"))
        .select(diesel::dsl::max(offers::answered_at))
        .first::<Option<NaiveDateTime>>(conn)?)
}

/// The delivery standard (JSON) of the specification version a listing delivers.
pub fn delivery_standard_of(conn: &mut DbConn, listing_id: &str) -> Result<String, StoreError> {
    Ok(listings::table
        .inner_join(specifications::table)
        .filter(listings::id.eq(listing_id))
        .select(specifications::delivery_standard)
        .first(conn)?)
}

/// Inserts a milestone payment. The database holds at most one per order and milestone:
/// a second is a unique violation.
pub fn insert_payment(conn: &mut DbConn, row: &PaymentRow) -> Result<(), StoreError> {
    diesel::insert_into(payments::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// Has this milestone of the order been paid?
pub fn paid(conn: &mut DbConn, order_id: &str, milestone: &str) -> Result<bool, StoreError> {
    Ok(diesel::select(diesel::dsl::exists(
        payments::table
            .filter(payments::order_id.eq(order_id))
            .filter(payments::milestone.eq(milestone)),
    ))
    .get_result(conn)?)
}

/// The payment model (JSON) of the specification version a listing delivers.
pub fn payment_model_of(conn: &mut DbConn, listing_id: &str) -> Result<String, StoreError> {
    Ok(listings::table
        .inner_join(specifications::table)
        .filter(listings::id.eq(listing_id))
        .select(specifications::payment_model)
        .first(conn)?)
}

#[derive(Debug, Clone, Default)]
pub struct PaymentFilter {
    pub area: Option<String>,
    pub provider_id: Option<String>,
    /// Made on or after this instant.
    pub from: Option<NaiveDateTime>,
    /// Made before this instant.
    pub to: Option<NaiveDateTime>,
}

/// One order's payments, oldest first.
pub fn of_order(conn: &mut DbConn, order_id: &str) -> Result<Vec<PaymentRow>, StoreError> {
    Ok(payments::table
        .filter(payments::order_id.eq(order_id))
        .order(payments::id.asc())
        .select(PaymentRow::as_select())
        .load(conn)?)
}

/// Payments in id order; the cursor key is the last id seen.
pub fn list(
    conn: &mut DbConn,
    filter: &PaymentFilter,
    after: Option<String>,
    limit: usize,
) -> Result<Page<PaymentRow>, StoreError> {
    let mut query = payments::table.select(PaymentRow::as_select()).into_boxed();
    if let Some(area) = &filter.area {
        query = query.filter(payments::area_code.eq(area.clone()));
    }
    if let Some(provider_id) = &filter.provider_id {
        query = query.filter(payments::provider_id.eq(provider_id.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(payments::created_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(payments::created_at.lt(to));
    }
    if let Some(after) = after {
        query = query.filter(payments::id.gt(after));
    }
    let rows = query
        .order(payments::id.asc())
        .limit(limit as i64 + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |p| p.id.clone()))
}
