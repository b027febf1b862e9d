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
