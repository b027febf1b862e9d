//! Published awards: every order whose offer a provider accepted, with what the award
//! notice shows about it (the area, the provider, the specification, the locked price),
//! in the order the offers were accepted. Nothing about the person is read.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;

use crate::cursor::Page;
use crate::schema::{areas, listings, offers, orders, providers, specifications};
use crate::{DbConn, StoreError};

/// One accepted order, as the award notice needs it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct AwardRow {
    pub order_id: String,
    /// The order's status now (`accepted`, `in_delivery`, `completed`, `failed` or
    /// `cancelled`).
    pub order_status: String,
    /// When the order last changed (for a cancelled order: when it was cancelled).
    pub order_updated_at: NaiveDateTime,
    /// The matching engine's explanation (JSON) of the placement.
    pub explanation: Option<String>,
    pub area_code: String,
    pub area_name: String,
    pub area_region: String,
    /// When the provider accepted the offer.
    pub accepted_at: NaiveDateTime,
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
    pub category: String,
}

#[derive(Debug, Clone, Default)]
pub struct AwardFilter {
    pub area: Option<String>,
    /// Accepted on or after this instant.
    pub from: Option<NaiveDateTime>,
    /// Accepted before this instant.
    pub to: Option<NaiveDateTime>,
}

/// Accepted orders, oldest acceptance first; the cursor key is the acceptance instant and
/// the order id.
pub fn list(
    conn: &mut DbConn,
    filter: &AwardFilter,
    after: Option<(NaiveDateTime, String)>,
    limit: usize,
) -> Result<Page<AwardRow>, StoreError> {
    let mut query = offers::table
        .inner_join(orders::table.on(orders::id.eq(offers::order_id)))
        .inner_join(areas::table.on(areas::code.eq(orders::area_code)))
        .inner_join(providers::table.on(providers::id.eq(offers::provider_id)))
        .inner_join(listings::table.on(listings::id.eq(offers::listing_id)))
        .inner_join(specifications::table.on(specifications::id.eq(listings::specification_id)))
        .filter(offers::status.eq("accepted"))
        .filter(offers::answered_at.is_not_null())
        .select((
            orders::id,
            orders::status,
            orders::updated_at,
            orders::explanation,
            areas::code,
            areas::name,
            areas::region,
            offers::answered_at.assume_not_null(),
            offers::listing_id,
            offers::provider_id,
            providers::name,
            offers::price_pence,
            offers::starts_on,
            specifications::code,
            specifications::version,
            specifications::title,
            specifications::category,
        ))
        .into_boxed();
    if let Some(area) = &filter.area {
        query = query.filter(orders::area_code.eq(area.clone()));
    }
    if let Some(from) = filter.from {
        query = query.filter(offers::answered_at.ge(from));
    }
    if let Some(to) = filter.to {
        query = query.filter(offers::answered_at.lt(to));
    }
    if let Some((at, order_id)) = after {
        query = query.filter(
            offers::answered_at.gt(at).or(offers::answered_at
                .eq(at)
                .and(offers::order_id.gt(order_id))),
        );
    }
    let rows: Vec<AwardRow> = query
        .order((offers::answered_at.asc(), offers::order_id.asc()))
        .limit(limit as i64 + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |r| {
        (r.accepted_at, r.order_id.clone())
    }))
}
