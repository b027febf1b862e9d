//! The names beside the ids: what a reader needs to recognise a listing, its provider and
//! the specification it delivers to without another request. One query per page.

use std::collections::HashMap;

use diesel::prelude::*;

use crate::schema::{listings, providers, specifications};
use crate::{DbConn, StoreError};

/// A listing's title, its provider's name and the specification version it delivers to.
#[derive(Debug, Clone)]
pub struct ListingNames {
    pub listing_title: String,
    pub provider_name: String,
    pub specification_code: String,
    pub specification_version: i32,
    pub specification_title: String,
}

/// The names of each listing of `ids` that exists, by listing id.
pub fn of_listings(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<HashMap<String, ListingNames>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    listing_names(conn, Some(&unique(ids)))
}

/// The names of every listing, by listing id (a listing search's whole supply).
pub fn of_all_listings(conn: &mut DbConn) -> Result<HashMap<String, ListingNames>, StoreError> {
    listing_names(conn, None)
}

/// The names of the listings of `ids`, or of all.
fn listing_names(
    conn: &mut DbConn,
    ids: Option<&[String]>,
) -> Result<HashMap<String, ListingNames>, StoreError> {
    let mut query = listings::table
        .inner_join(providers::table)
        .inner_join(specifications::table)
        .select((
            listings::id,
            listings::title,
            providers::name,
            specifications::code,
            specifications::version,
            specifications::title,
        ))
        .into_boxed();
    if let Some(ids) = ids {
        query = query.filter(listings::id.eq_any(ids.to_vec()));
    }
    let rows: Vec<(String, String, String, String, i32, String)> = query.load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(id, listing_title, provider_name, code, version, title)| {
            (
                id,
                ListingNames {
                    listing_title,
                    provider_name,
                    specification_code: code,
                    specification_version: version,
                    specification_title: title,
                },
            )
        })
        .collect())
}

/// The name of each provider of `ids` that exists, by provider id.
pub fn of_providers(
    conn: &mut DbConn,
    ids: &[String],
) -> Result<HashMap<String, String>, StoreError> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(providers::table
        .filter(providers::id.eq_any(unique(ids)))
        .select((providers::id, providers::name))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// `ids` once each, sorted.
fn unique(ids: &[String]) -> Vec<String> {
    let mut unique = ids.to_vec();
    unique.sort();
    unique.dedup();
    unique
}
