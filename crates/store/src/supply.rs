//! The supply's version: a number every committed change to what a listing search or a
//! placement reads of the supply (listings, their areas, providers, specifications,
//! accreditations, the quality threshold, the areas' policies) moves on, by triggers
//! (migrations `2026-12-06-200001_supply_versions`, `2026-12-10-100001_policies_in_supply_version`).
//! An answer made between two reads of the same version is the answer for that version.

use diesel::prelude::*;

use crate::schema::supply_versions;
use crate::{DbConn, StoreError};

/// What [`version`] reads, as SQL, for a reader with a client of its own (`tokio-postgres`).
pub const VERSION_SQL: &str = "SELECT version FROM supply_versions WHERE id = 1";

/// The supply's version now.
pub fn version(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(supply_versions::table
        .find(1)
        .select(supply_versions::version)
        .first(conn)?)
}

/// The supply's version, with the database it is of: a process may use several.
#[derive(Debug, Clone, PartialEq, Eq, diesel::QueryableByName)]
pub struct VersionOf {
    /// The database: its name, server address and port on PostgreSQL; its file on SQLite
    /// (empty for an in-memory database).
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub database: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub version: i64,
}

/// The supply's version now and the database it is of, in one statement.
pub fn version_of(conn: &mut DbConn) -> Result<VersionOf, StoreError> {
    let database = match conn {
        DbConn::Pg(_) => crate::db::PG_DATABASE_NAME,
        DbConn::Sqlite(_) => crate::db::SQLITE_DATABASE_FILE,
    };
    let query = format!("SELECT version, {database} AS database FROM supply_versions WHERE id = 1");
    Ok(diesel::sql_query(query).get_result(conn)?)
}

/// A current accreditation as the membership rule reads it.
#[derive(Debug, Clone, PartialEq, Eq, Queryable)]
pub struct CurrentAccreditation {
    pub provider_id: String,
    pub category: String,
    pub score: i32,
    pub assessed_on: chrono::NaiveDate,
    pub expires_on: chrono::NaiveDate,
}

/// A listing with what the membership rule reads of its provider and specification
/// (false where the row is missing).
#[derive(Debug, Clone)]
pub struct SupplyListing {
    pub row: crate::listings::ListingRow,
    pub provider_active: bool,
    pub specification_published: bool,
}

/// Everything a listing search reads, as one committed state of the database: the
/// version, every listing in search order (by id, as the database orders ids), their
/// areas, names, the current accreditations and the quality threshold.
#[derive(Debug, Clone)]
pub struct SupplyRows {
    pub version: i64,
    pub listings: Vec<SupplyListing>,
    /// (listing id, area code), in listing then code order.
    pub areas: Vec<(String, String)>,
    pub names: std::collections::HashMap<String, crate::names::ListingNames>,
    pub accreditations: Vec<CurrentAccreditation>,
    pub threshold: Option<i32>,
}

/// Reads [`SupplyRows`] in one read-only transaction (on PostgreSQL repeatable read, so
/// every statement sees the same committed state; SQLite's read transaction does so).
pub fn rows(conn: &mut DbConn) -> Result<SupplyRows, StoreError> {
    use crate::schema::{
        accreditations, listing_areas, listings, providers, quality_threshold, specifications,
    };
    use diesel::connection::SimpleConnection;
    use provider_hub_domain::provider::Standing;
    use provider_hub_domain::specification::SpecificationStatus;

    conn.transaction(|conn| {
        if matches!(conn, DbConn::Pg(_)) {
            conn.batch_execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")?;
        }
        let version = version(conn)?;
        let listed: Vec<(crate::listings::ListingRow, Option<String>, Option<String>)> =
            listings::table
                .left_join(providers::table)
                .left_join(specifications::table)
                .order(listings::id.asc())
                .select((
                    crate::listings::ListingRow::as_select(),
                    providers::standing.nullable(),
                    specifications::status.nullable(),
                ))
                .load(conn)?;
        let listings = listed
            .into_iter()
            .map(|(row, standing, status)| SupplyListing {
                row,
                provider_active: standing.as_deref() == Some(Standing::Active.as_str()),
                specification_published: status.as_deref()
                    == Some(SpecificationStatus::Published.as_str()),
            })
            .collect();
        let areas = listing_areas::table
            .order((
                listing_areas::listing_id.asc(),
                listing_areas::area_code.asc(),
            ))
            .select((listing_areas::listing_id, listing_areas::area_code))
            .load(conn)?;
        let accreditations = accreditations::table
            .filter(accreditations::superseded_at.is_null())
            .select((
                accreditations::provider_id,
                accreditations::category,
                accreditations::score,
                accreditations::assessed_on,
                accreditations::expires_on,
            ))
            .load(conn)?;
        let threshold = quality_threshold::table
            .find(1)
            .select(quality_threshold::threshold)
            .first(conn)
            .optional()?;
        Ok(SupplyRows {
            version,
            listings,
            areas,
            names: crate::names::of_all_listings(conn)?,
            accreditations,
            threshold,
        })
    })
}
