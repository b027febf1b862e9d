//! Published awards: every order whose offer a provider accepted, with what the award
//! notice shows about it (the area, the provider, the specification, the locked price),
//! by the day the offers were accepted. Nothing about the person is read, and nothing
//! that could group the awards of one person is returned: not the order id, nor the
//! instant of acceptance.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use provider_hub_domain::order::OrderStatus;
use provider_hub_domain::Category;

use crate::cursor::Page;
use crate::schema::{areas, listings, offers, orders, providers, specifications};
use crate::{DbConn, StoreError};

/// One accepted order, as the award notice needs it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct AwardRow {
    /// The award's own random id, drawn when the offer was accepted.
    pub award_id: String,
    /// The order's status now (`accepted`, `in_delivery`, `completed`, `failed` or
    /// `cancelled`).
    pub order_status: OrderStatus,
    /// When the order last changed (for a cancelled order: when it was cancelled).
    pub order_updated_at: NaiveDateTime,
    /// The matching engine's explanation (JSON) of the placement.
    pub explanation: Option<String>,
    pub area_code: String,
    pub area_name: String,
    pub area_region: String,
    /// The day the provider accepted the offer.
    pub awarded_on: NaiveDate,
    pub listing_id: String,
    pub provider_id: String,
    pub provider_name: String,
    /// The price locked by the offer.
    pub price_pence: i64,
    /// The committed start date.
    pub starts_on: NaiveDate,
    pub specification_code: String,
    pub specification_version: i32,
    pub specification_title: String,
    pub category: Category,
    /// The day the accepted offer was withdrawn (its provider revoked before the start):
    /// the award is then published as its cancellation.
    pub withdrawn_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Default)]
pub struct AwardFilter {
    pub area: Option<String>,
    /// Accepted on or after this day.
    pub from: Option<NaiveDate>,
    /// Accepted on or before this day.
    pub to: Option<NaiveDate>,
}

/// Accepted orders (and awards withdrawn since) by the day they were accepted, oldest first, and within a day by their
/// random award id (so the list's order says nothing finer than the day); the cursor key is
/// that day and award id.
pub fn list(
    conn: &mut DbConn,
    filter: &AwardFilter,
    after: Option<(NaiveDate, String)>,
    limit: usize,
) -> Result<Page<AwardRow>, StoreError> {
    let mut query = offers::table
        .inner_join(orders::table.on(orders::id.eq(offers::order_id)))
        .inner_join(areas::table.on(areas::code.eq(orders::area_code)))
        .inner_join(providers::table.on(providers::id.eq(offers::provider_id)))
        .inner_join(listings::table.on(listings::id.eq(offers::listing_id)))
        .inner_join(specifications::table.on(specifications::id.eq(listings::specification_id)))
        // Withdrawn with an award id: accepted, then taken back from a revoked provider.
        .filter(offers::status.eq_any(["accepted", "withdrawn"]))
        .filter(offers::award_id.is_not_null())
        .filter(offers::awarded_on.is_not_null())
        .select((
            offers::award_id.assume_not_null(),
            orders::status,
            orders::updated_at,
            orders::explanation,
            areas::code,
            areas::name,
            areas::region,
            offers::awarded_on.assume_not_null(),
            offers::listing_id,
            offers::provider_id,
            providers::name,
            offers::price_pence,
            offers::starts_on,
            specifications::code,
            specifications::version,
            specifications::title,
            specifications::category,
            offers::withdrawn_on,
        ))
        .into_boxed();
    if let Some(area) = &filter.area {
        query = query.filter(orders::area_code.eq(area.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(offers::awarded_on.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(offers::awarded_on.le(to));
    }
    if let Some((on, award_id)) = after {
        query = query.filter(
            offers::awarded_on
                .gt(on)
                .or(offers::awarded_on.eq(on).and(offers::award_id.gt(award_id))),
        );
    }
    let rows: Vec<AwardRow> = query
        .order((offers::awarded_on.asc(), offers::award_id.asc()))
        .limit(limit as i64 + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |r| {
        (r.awarded_on, r.award_id.clone())
    }))
}
