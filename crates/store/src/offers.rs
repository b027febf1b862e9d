//! Offers: an order placed with one listing, waiting for the provider's answer.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use provider_hub_domain::offer::OfferStatus;

use crate::cursor::Page;
use crate::schema::offers;
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = offers)]
pub struct OfferRow {
    pub id: String,
    pub order_id: String,
    pub listing_id: String,
    pub provider_id: String,
    pub starts_on: NaiveDate,
    pub price_pence: i64,
    #[diesel(serialize_as = crate::words::Word)]
    pub status: OfferStatus,
    pub expires_at: NaiveDateTime,
    pub created_at: NaiveDateTime,
    pub answered_at: Option<NaiveDateTime>,
    pub reason: Option<String>,
}

pub fn insert(conn: &mut DbConn, row: &OfferRow) -> Result<(), StoreError> {
    diesel::insert_into(offers::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// Writes several offers in one statement (a batch run's, a few hundred at a time).
pub fn insert_many(conn: &mut DbConn, rows: &[OfferRow]) -> Result<(), StoreError> {
    if rows.is_empty() {
        return Ok(());
    }
    match conn {
        DbConn::Pg(c) => diesel::insert_into(offers::table)
            .values(rows.to_vec())
            .execute(c)?,
        DbConn::Sqlite(c) => diesel::insert_into(offers::table)
            .values(rows.to_vec())
            .execute(c)?,
    };
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<OfferRow>, StoreError> {
    Ok(offers::table
        .find(id)
        .select(OfferRow::as_select())
        .first(conn)
        .optional()?)
}

/// The order's offer waiting for an answer, if any.
pub fn pending_of(conn: &mut DbConn, order_id: &str) -> Result<Option<OfferRow>, StoreError> {
    Ok(offers::table
        .filter(offers::order_id.eq(order_id))
        .filter(offers::status.eq("pending"))
        .select(OfferRow::as_select())
        .first(conn)
        .optional()?)
}

/// The provider's offers waiting for an answer, oldest first.
pub fn pending_of_provider(
    conn: &mut DbConn,
    provider_id: &str,
) -> Result<Vec<OfferRow>, StoreError> {
    Ok(offers::table
        .filter(offers::provider_id.eq(provider_id))
        .filter(offers::status.eq("pending"))
        .order(offers::id.asc())
        .select(OfferRow::as_select())
        .load(conn)?)
}

/// The order's accepted offer, if any.
pub fn accepted_of(conn: &mut DbConn, order_id: &str) -> Result<Option<OfferRow>, StoreError> {
    Ok(offers::table
        .filter(offers::order_id.eq(order_id))
        .filter(offers::status.eq("accepted"))
        .order(offers::id.desc())
        .select(OfferRow::as_select())
        .first(conn)
        .optional()?)
}

/// Withdraws an accepted offer (its provider was revoked before the order started),
/// keeping when it was accepted and noting the day it was withdrawn (its published award
/// becomes a cancellation of that day); false if it was no longer accepted.
pub fn withdraw_accepted(
    conn: &mut DbConn,
    id: &str,
    reason: &str,
    on: NaiveDate,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        offers::table
            .filter(offers::id.eq(id))
            .filter(offers::status.eq("accepted")),
    )
    .set((
        offers::status.eq("withdrawn"),
        offers::reason.eq(reason),
        offers::withdrawn_on.eq(Some(on)),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// What an order's view shows of its offers, for several orders.
#[derive(Debug, Default)]
pub struct OffersOfOrders {
    /// The latest offer of each order that has one.
    pub latest: Vec<OfferRow>,
    /// (order id, award id) of each order whose offer was accepted.
    pub awards: Vec<(String, String)>,
}

/// The latest offer of each of these orders, and the published award id of each whose
/// offer was accepted (the latest, should an order have been accepted twice): one read
/// of the orders' offers, by the orders' own index.
pub fn latest_with_awards(
    conn: &mut DbConn,
    order_ids: &[String],
) -> Result<OffersOfOrders, StoreError> {
    if order_ids.is_empty() {
        return Ok(Default::default());
    }
    let rows: Vec<(OfferRow, Option<String>)> = offers::table
        .filter(offers::order_id.eq_any(order_ids))
        .order((offers::order_id.asc(), offers::id.desc()))
        .select((OfferRow::as_select(), offers::award_id))
        .load(conn)?;
    let mut awards: Vec<(String, String)> = Vec::new();
    for (offer, award) in &rows {
        let first_of_order = awards
            .last()
            .is_none_or(|(order, _)| order != &offer.order_id);
        if let (OfferStatus::Accepted, Some(award), true) = (offer.status, award, first_of_order) {
            awards.push((offer.order_id.clone(), award.clone()));
        }
    }
    let mut latest: Vec<OfferRow> = rows.into_iter().map(|(offer, _)| offer).collect();
    latest.dedup_by(|a, b| a.order_id == b.order_id);
    Ok(OffersOfOrders { latest, awards })
}

/// Listings that declined, or let expire, an offer of this order (rule 8).
pub fn refused_listings(conn: &mut DbConn, order_id: &str) -> Result<Vec<String>, StoreError> {
    Ok(offers::table
        .filter(offers::order_id.eq(order_id))
        .filter(offers::status.eq_any(["declined", "expired"]))
        .select(offers::listing_id)
        .load(conn)?)
}

/// Answers a pending offer; false if it was no longer pending.
pub fn answer(
    conn: &mut DbConn,
    id: &str,
    to: &str,
    reason: Option<&str>,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        offers::table
            .filter(offers::id.eq(id))
            .filter(offers::status.eq("pending")),
    )
    .set((
        offers::status.eq(to),
        offers::reason.eq(reason),
        offers::answered_at.eq(Some(at)),
        // An accepted offer is a published award: named by a random id (never the order
        // id) and dated by the day, so awards cannot be grouped by the person.
        offers::award_id.eq((to == "accepted").then(|| uuid::Uuid::new_v4().simple().to_string())),
        offers::awarded_on.eq((to == "accepted").then(|| at.date())),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Ids of pending offers whose expiry has passed, oldest first.
pub fn due(conn: &mut DbConn, now: NaiveDateTime, limit: i64) -> Result<Vec<String>, StoreError> {
    Ok(offers::table
        .filter(offers::status.eq("pending"))
        .filter(offers::expires_at.le(now))
        .order((offers::expires_at.asc(), offers::id.asc()))
        .select(offers::id)
        .limit(limit)
        .load(conn)?)
}

#[derive(Debug, Clone, Default)]
pub struct OfferFilter {
    pub provider_id: Option<String>,
    pub status: Option<String>,
}

/// Offers in id order; the cursor key is the last id seen.
pub fn list(
    conn: &mut DbConn,
    filter: &OfferFilter,
    after: Option<String>,
    limit: usize,
) -> Result<Page<OfferRow>, StoreError> {
    let mut query = offers::table.select(OfferRow::as_select()).into_boxed();
    if let Some(provider_id) = &filter.provider_id {
        query = query.filter(offers::provider_id.eq(provider_id.clone()));
    }
    if let Some(status) = &filter.status {
        query = query.filter(offers::status.eq(status.clone()));
    }
    if let Some(after) = after {
        query = query.filter(offers::id.gt(after));
    }
    let rows = query
        .order(offers::id.asc())
        .limit(limit as i64 + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |o| o.id.clone()))
}
