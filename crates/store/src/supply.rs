//! The supply's version: a number every committed change to what a listing search reads
//! (listings, their areas, providers, specifications, accreditations, the quality
//! threshold) moves on, by triggers (migration `2026-12-06-200001_supply_versions`). An
//! answer made between two reads of the same version is the answer for that version.

use diesel::prelude::*;

use crate::schema::supply_versions;
use crate::{DbConn, StoreError};

/// The supply's version now.
pub fn version(conn: &mut DbConn) -> Result<i64, StoreError> {
    Ok(supply_versions::table
        .find(1)
        .select(supply_versions::version)
        .first(conn)?)
}
