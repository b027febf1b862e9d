//! Listings, the areas they serve, their price history and capacity, and search.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::dsl::exists;
use diesel::prelude::*;
use provider_hub_domain::listing::{DeliveryMode, ListingFormat, ListingStatus};
use provider_hub_domain::provider::Standing;
use provider_hub_domain::specification::SpecificationStatus;
use provider_hub_domain::Category;

pub use crate::capacity::{capacity, release_place, replace_capacity, reserve_place, take_place};
use crate::cursor::Page;
use crate::schema::{
    accreditations, listing_areas, listing_prices, listings, providers, quality_threshold,
    specifications,
};
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = listings)]
pub struct ListingRow {
    pub id: String,
    pub provider_id: String,
    pub specification_id: String,
    pub specification_code: String,
    pub specification_version: i32,
    #[diesel(serialize_as = crate::words::Word)]
    pub category: Category,
    pub title: String,
    pub description: String,
    pub price_pence: i64,
    #[diesel(serialize_as = crate::words::Word)]
    pub delivery_format: ListingFormat,
    #[diesel(serialize_as = crate::words::Word)]
    pub delivery_mode: DeliveryMode,
    pub eligibility: String,
    #[diesel(serialize_as = crate::words::Word)]
    pub status: ListingStatus,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
    pub withdrawn_at: Option<NaiveDateTime>,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = listings)]
pub struct ListingChangeset {
    pub title: String,
    pub description: String,
    pub price_pence: i64,
    pub delivery_format: String,
    pub delivery_mode: String,
    pub eligibility: String,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = listing_prices)]
pub struct PriceRow {
    pub price_pence: i64,
    pub effective_from: NaiveDateTime,
    pub set_by: String,
}

pub fn insert(conn: &mut DbConn, row: &ListingRow) -> Result<(), StoreError> {
    diesel::insert_into(listings::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<ListingRow>, StoreError> {
    Ok(listings::table
        .find(id)
        .select(ListingRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn update_terms(
    conn: &mut DbConn,
    id: &str,
    changes: &ListingChangeset,
) -> Result<(), StoreError> {
    diesel::update(listings::table.find(id))
        .set(changes)
        .execute(conn)?;
    Ok(())
}

/// Moves a listing between statuses only from the status read; false if it changed meanwhile.
pub fn set_status(
    conn: &mut DbConn,
    id: &str,
    from: ListingStatus,
    to: ListingStatus,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let target = listings::table
        .filter(listings::id.eq(id))
        .filter(listings::status.eq(from.as_str()));
    let n = match to {
        ListingStatus::Published => diesel::update(target)
            .set((
                listings::status.eq(to.as_str()),
                listings::published_at.eq(Some(at)),
                listings::updated_at.eq(at),
            ))
            .execute(conn)?,
        ListingStatus::Withdrawn => diesel::update(target)
            .set((
                listings::status.eq(to.as_str()),
                listings::withdrawn_at.eq(Some(at)),
                listings::updated_at.eq(at),
            ))
            .execute(conn)?,
        _ => diesel::update(target)
            .set((
                listings::status.eq(to.as_str()),
                listings::updated_at.eq(at),
            ))
            .execute(conn)?,
    };
    Ok(n == 1)
}

/// Replaces the areas a listing serves.
pub fn set_areas(conn: &mut DbConn, listing_id: &str, areas: &[String]) -> Result<(), StoreError> {
    diesel::delete(listing_areas::table.filter(listing_areas::listing_id.eq(listing_id)))
        .execute(conn)?;
    // One row at a time: diesel's batch insert is not available over both backends at once.
    for area in areas {
        diesel::insert_into(listing_areas::table)
            .values((
                listing_areas::listing_id.eq(listing_id),
                listing_areas::area_code.eq(area),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Areas of each listing, as (listing id, area code), in code order.
pub fn areas_of(
    conn: &mut DbConn,
    listing_ids: &[String],
) -> Result<Vec<(String, String)>, StoreError> {
    if listing_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(listing_areas::table
        .filter(listing_areas::listing_id.eq_any(listing_ids))
        .order((
            listing_areas::listing_id.asc(),
            listing_areas::area_code.asc(),
        ))
        .select((listing_areas::listing_id, listing_areas::area_code))
        .load(conn)?)
}

pub fn record_price(
    conn: &mut DbConn,
    listing_id: &str,
    price_pence: i64,
    set_by: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::insert_into(listing_prices::table)
        .values((
            listing_prices::id.eq(crate::new_id("price")),
            listing_prices::listing_id.eq(listing_id),
            listing_prices::price_pence.eq(price_pence),
            listing_prices::effective_from.eq(at),
            listing_prices::set_by.eq(set_by),
        ))
        .execute(conn)?;
    Ok(())
}

/// Every price the listing has had, oldest first.
pub fn price_history(conn: &mut DbConn, listing_id: &str) -> Result<Vec<PriceRow>, StoreError> {
    Ok(listing_prices::table
        .filter(listing_prices::listing_id.eq(listing_id))
        .order((
            listing_prices::effective_from.asc(),
            listing_prices::id.asc(),
        ))
        .select(PriceRow::as_select())
        .load(conn)?)
}

/// What a listing search may show.
#[derive(Debug, Clone)]
pub enum Visibility {
    /// Every listing in any status (the quality team, commissioners, admins).
    Everything,
    /// Published listings of published specification versions whose providers are active
    /// members for the category on `on` at the current quality threshold.
    PublishedOfMembers { on: NaiveDate },
    /// One provider's own listings, in any status.
    OwnedBy(String),
}

#[derive(Debug, Clone, Default)]
pub struct ListingFilter {
    /// One listing only (to ask whether a caller may see it).
    pub id: Option<String>,
    pub category: Option<String>,
    pub code: Option<String>,
    pub area: Option<String>,
    pub provider_id: Option<String>,
    pub status: Option<ListingStatus>,
}

/// Searches listings in id order; the cursor key is the last id seen.
pub fn search(
    conn: &mut DbConn,
    filter: &ListingFilter,
    visibility: &Visibility,
    after: Option<String>,
    limit: usize,
) -> Result<Page<ListingRow>, StoreError> {
    let mut query = listings::table.select(ListingRow::as_select()).into_boxed();
    if let Some(id) = &filter.id {
        query = query.filter(listings::id.eq(id.clone()));
    }
    if let Some(category) = &filter.category {
        query = query.filter(listings::category.eq(category.clone()));
    }
    if let Some(code) = &filter.code {
        query = query.filter(listings::specification_code.eq(code.clone()));
    }
    if let Some(provider_id) = &filter.provider_id {
        query = query.filter(listings::provider_id.eq(provider_id.clone()));
    }
    if let Some(status) = filter.status {
        query = query.filter(listings::status.eq(status.as_str()));
    }
    if let Some(area) = &filter.area {
        query = query.filter(
            listings::id.eq_any(
                listing_areas::table
                    .filter(listing_areas::area_code.eq(area.clone()))
                    .select(listing_areas::listing_id),
            ),
        );
    }
    if let Visibility::OwnedBy(provider_id) = visibility {
        query = query.filter(listings::provider_id.eq(provider_id.clone()));
    }
    if let Visibility::PublishedOfMembers { on } = visibility {
        // The threshold is read in the same statement, so a search never sees a stale one.
        let threshold = quality_threshold::table
            .find(1)
            .select(quality_threshold::threshold)
            .single_value();
        // The membership rule of provider_hub_domain::provider::is_member, as SQL.
        let member = listings::status
            .eq(ListingStatus::Published.as_str())
            .and(exists(
                providers::table
                    .filter(providers::id.eq(listings::provider_id))
                    .filter(providers::standing.eq(Standing::Active.as_str())),
            ))
            .and(exists(
                specifications::table
                    .filter(specifications::id.eq(listings::specification_id))
                    .filter(specifications::status.eq(SpecificationStatus::Published.as_str())),
            ))
            .and(exists(
                accreditations::table
                    .filter(accreditations::provider_id.eq(listings::provider_id))
                    .filter(accreditations::category.eq(listings::category))
                    .filter(accreditations::superseded_at.is_null())
                    .filter(accreditations::score.nullable().ge(threshold))
                    .filter(accreditations::assessed_on.le(*on))
                    .filter(accreditations::expires_on.gt(*on)),
            ));
        query = query.filter(member);
    }
    if let Some(after) = after {
        query = query.filter(listings::id.gt(after));
    }
    let rows = query
        .order(listings::id.asc())
        .limit(limit as i64 + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |l| l.id.clone()))
}

/// A listing on the market with what the matching rules read about it, its
/// specification and its provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarketListing {
    pub id: String,
    pub provider_id: String,
    pub status: ListingStatus,
    pub category: Category,
    pub specification_code: String,
    /// The listing's narrowing, as stored (JSON).
    pub eligibility: String,
    pub price_pence: i64,
    pub specification_status: SpecificationStatus,
    /// The specification's eligibility, as stored (JSON).
    pub specification_eligibility: String,
    pub price_cap_pence: i64,
    /// The specification's payment model, as stored (JSON): its price multipliers.
    pub specification_payment_model: String,
    pub provider_standing: Standing,
    /// Area codes served, in code order.
    pub areas: Vec<String>,
    /// Start dates in the window with free places: (date, places free).
    pub free_slots: Vec<(NaiveDate, i32)>,
}

/// One row of the market query, in its select order.
#[derive(Queryable)]
struct MarketRow {
    id: String,
    provider_id: String,
    status: ListingStatus,
    category: Category,
    specification_code: String,
    eligibility: String,
    price_pence: i64,
    specification_status: SpecificationStatus,
    specification_eligibility: String,
    price_cap_pence: i64,
    specification_payment_model: String,
    provider_standing: Standing,
}

/// The listings matching looks at for one category: those published or paused (on the
/// market, if perhaps not today), with their free places starting within `[from, to]`.
/// Four indexed queries whatever the number of listings; no row-by-row lookups.
pub fn on_market(
    conn: &mut DbConn,
    category: &str,
    area: Option<&str>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<MarketListing>, StoreError> {
    let mut found = on_market_unplaced(conn, category, area)?;
    let ids: Vec<String> = found.iter().map(|r| r.id.clone()).collect();
    let mut slots = std::collections::HashMap::<String, Vec<(NaiveDate, i32)>>::new();
    if !ids.is_empty() && from <= to {
        for (listing_id, on, free) in crate::capacity::free_between(conn, &ids, from, to)? {
            slots.entry(listing_id).or_default().push((on, free));
        }
    }
    for listing in &mut found {
        listing.free_slots = slots.remove(&listing.id).unwrap_or_default();
    }
    Ok(found)
}

/// [`on_market`] without the free places (`free_slots` empty): what only a change of the
/// supply's version (`crate::supply`) changes. Two indexed queries.
pub fn on_market_unplaced(
    conn: &mut DbConn,
    category: &str,
    area: Option<&str>,
) -> Result<Vec<MarketListing>, StoreError> {
    let mut query = listings::table
        .inner_join(specifications::table)
        .inner_join(providers::table)
        .filter(listings::status.eq_any([
            ListingStatus::Published.as_str(),
            ListingStatus::Paused.as_str(),
        ]))
        .filter(listings::category.eq(category))
        .into_boxed();
    if let Some(area) = area {
        query = query.filter(
            listings::id.eq_any(
                listing_areas::table
                    .filter(listing_areas::area_code.eq(area.to_owned()))
                    .select(listing_areas::listing_id),
            ),
        );
    }
    let rows: Vec<MarketRow> = query
        .order(listings::id.asc())
        .select((
            listings::id,
            listings::provider_id,
            listings::status,
            listings::category,
            listings::specification_code,
            listings::eligibility,
            listings::price_pence,
            specifications::status,
            specifications::eligibility,
            specifications::price_cap_pence,
            specifications::payment_model,
            providers::standing,
        ))
        .load(conn)?;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut areas = std::collections::HashMap::<String, Vec<String>>::new();
    for (listing_id, area) in areas_of(conn, &ids)? {
        areas.entry(listing_id).or_default().push(area);
    }
    Ok(rows
        .into_iter()
        .map(|r| MarketListing {
            areas: areas.remove(&r.id).unwrap_or_default(),
            free_slots: Vec::new(),
            id: r.id,
            provider_id: r.provider_id,
            status: r.status,
            category: r.category,
            specification_code: r.specification_code,
            eligibility: r.eligibility,
            price_pence: r.price_pence,
            specification_status: r.specification_status,
            specification_eligibility: r.specification_eligibility,
            price_cap_pence: r.price_cap_pence,
            specification_payment_model: r.specification_payment_model,
            provider_standing: r.provider_standing,
        })
        .collect())
}

/// How many listings of the category are on the market (published or paused) without
/// serving `area`: the ones a placement in that area need not load.
pub fn on_market_elsewhere(
    conn: &mut DbConn,
    category: &str,
    area: &str,
) -> Result<u32, StoreError> {
    let n: i64 = listings::table
        .filter(listings::status.eq_any([
            ListingStatus::Published.as_str(),
            ListingStatus::Paused.as_str(),
        ]))
        .filter(listings::category.eq(category))
        .filter(diesel::dsl::not(
            listings::id.eq_any(
                listing_areas::table
                    .filter(listing_areas::area_code.eq(area.to_owned()))
                    .select(listing_areas::listing_id),
            ),
        ))
        .count()
        .get_result(conn)?;
    u32::try_from(n).map_err(|e| StoreError::Corrupt(e.to_string()))
}
