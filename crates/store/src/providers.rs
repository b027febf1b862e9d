//! Providers, their accreditations and the quality threshold.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use provider_hub_domain::provider::{Accreditation, Sector, Standing};
use provider_hub_domain::Category;

use crate::cursor::Page;
use crate::schema::{accreditations, providers, quality_threshold};
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = providers)]
pub struct ProviderRow {
    pub id: String,
    pub name: String,
    #[diesel(serialize_as = crate::words::Word)]
    pub sector: Sector,
    pub registration_number: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: Option<String>,
    #[diesel(serialize_as = crate::words::Word)]
    pub standing: Standing,
    pub standing_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = accreditations)]
pub struct AccreditationRow {
    pub id: String,
    pub provider_id: String,
    #[diesel(serialize_as = crate::words::Word)]
    pub category: Category,
    pub score: i32,
    pub assessed_on: NaiveDate,
    pub expires_on: NaiveDate,
    pub notes: String,
    pub recorded_at: NaiveDateTime,
    pub recorded_by: String,
    pub superseded_at: Option<NaiveDateTime>,
}

impl AccreditationRow {
    pub fn to_domain(&self) -> Result<Accreditation, StoreError> {
        Ok(Accreditation {
            category: self.category,
            score: u8::try_from(self.score).map_err(|e| StoreError::Corrupt(e.to_string()))?,
            assessed_on: self.assessed_on,
            expires_on: self.expires_on,
            superseded: self.superseded_at.is_some(),
        })
    }
}

pub fn insert(conn: &mut DbConn, row: &ProviderRow) -> Result<(), StoreError> {
    diesel::insert_into(providers::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<ProviderRow>, StoreError> {
    Ok(providers::table
        .find(id)
        .select(ProviderRow::as_select())
        .first(conn)
        .optional()?)
}

/// The names of these providers, by id.
pub fn names(conn: &mut DbConn, ids: &[String]) -> Result<Vec<(String, String)>, StoreError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(providers::table
        .filter(providers::id.eq_any(ids))
        .select((providers::id, providers::name))
        .load(conn)?)
}

pub fn find_by_registration(
    conn: &mut DbConn,
    number: &str,
) -> Result<Option<ProviderRow>, StoreError> {
    Ok(providers::table
        .filter(providers::registration_number.eq(number))
        .select(ProviderRow::as_select())
        .first(conn)
        .optional()?)
}

/// Providers in id order; `only` limits the list to one provider (a provider's own view).
pub fn list(
    conn: &mut DbConn,
    only: Option<&str>,
    after: Option<String>,
    limit: usize,
) -> Result<Page<ProviderRow>, StoreError> {
    let mut query = providers::table
        .select(ProviderRow::as_select())
        .into_boxed();
    if let Some(id) = only {
        query = query.filter(providers::id.eq(id.to_owned()));
    }
    if let Some(after) = after {
        query = query.filter(providers::id.gt(after));
    }
    let rows = query
        .order(providers::id.asc())
        .limit(limit as i64 + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |p| p.id.clone()))
}

/// Changes standing only from the standing read; false if it changed meanwhile.
pub fn set_standing(
    conn: &mut DbConn,
    id: &str,
    from: Standing,
    to: Standing,
    reason: &str,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        providers::table
            .filter(providers::id.eq(id))
            .filter(providers::standing.eq(from.as_str())),
    )
    .set((
        providers::standing.eq(to.as_str()),
        providers::standing_reason.eq(Some(reason)),
        providers::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records an assessment; the provider's earlier assessment for the category is superseded.
pub fn insert_accreditation(conn: &mut DbConn, row: &AccreditationRow) -> Result<(), StoreError> {
    diesel::update(
        accreditations::table
            .filter(accreditations::provider_id.eq(&row.provider_id))
            .filter(accreditations::category.eq(row.category.as_str()))
            .filter(accreditations::superseded_at.is_null()),
    )
    .set(accreditations::superseded_at.eq(Some(row.recorded_at)))
    .execute(conn)?;
    diesel::insert_into(accreditations::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

/// Every assessment of the given providers, newest first.
pub fn accreditations_of(
    conn: &mut DbConn,
    provider_ids: &[String],
) -> Result<Vec<AccreditationRow>, StoreError> {
    if provider_ids.is_empty() {
        return Ok(Vec::new());
    }
    Ok(accreditations::table
        .filter(accreditations::provider_id.eq_any(provider_ids))
        .order((
            accreditations::recorded_at.desc(),
            accreditations::id.desc(),
        ))
        .select(AccreditationRow::as_select())
        .load(conn)?)
}

/// The current quality threshold.
pub fn threshold(conn: &mut DbConn) -> Result<(u8, NaiveDateTime, String), StoreError> {
    let (value, at, by): (i32, NaiveDateTime, String) = quality_threshold::table
        .find(1)
        .select((
            quality_threshold::threshold,
            quality_threshold::updated_at,
            quality_threshold::updated_by,
        ))
        .first(conn)?;
    let value =
        u8::try_from(value).map_err(|e| StoreError::Corrupt(format!("quality_threshold: {e}")))?;
    Ok((value, at, by))
}

pub fn set_threshold(
    conn: &mut DbConn,
    value: u8,
    by: &str,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(quality_threshold::table.find(1))
        .set((
            quality_threshold::threshold.eq(i32::from(value)),
            quality_threshold::updated_at.eq(at),
            quality_threshold::updated_by.eq(by),
        ))
        .execute(conn)?;
    Ok(())
}
