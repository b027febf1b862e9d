//! Specification versions: one row per (code, version).

use chrono::NaiveDateTime;
use diesel::prelude::*;
use provider_hub_domain::category::Category;
use provider_hub_domain::specification::{
    SpecCode, SpecificationContent, SpecificationStatus, SpecificationVersion,
};

use crate::cursor::Page;
use crate::schema::specifications;
use crate::{to_utc, DbConn, StoreError};

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = specifications)]
pub struct SpecificationRow {
    pub id: String,
    pub code: String,
    pub version: i32,
    #[diesel(serialize_as = crate::words::Word)]
    pub status: SpecificationStatus,
    pub title: String,
    pub description: String,
    #[diesel(serialize_as = crate::words::Word)]
    pub category: Category,
    pub needs: String,
    pub delivery_standard: String,
    pub unit_of_purchase: String,
    pub price_cap_pence: i64,
    pub eligibility: String,
    pub payment_model: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub published_at: Option<NaiveDateTime>,
    pub retired_at: Option<NaiveDateTime>,
}

#[derive(Debug, AsChangeset)]
#[diesel(table_name = specifications)]
struct ContentChangeset {
    title: String,
    description: String,
    category: String,
    needs: String,
    delivery_standard: String,
    unit_of_purchase: String,
    price_cap_pence: i64,
    eligibility: String,
    payment_model: String,
    updated_at: NaiveDateTime,
}

fn json<T: serde::Serialize>(v: &T) -> String {
    // Domain types serialize infallibly: no maps with non-string keys, no custom errors.
    serde_json::to_string(v).unwrap_or_default()
}

fn parse_json<T: serde::de::DeserializeOwned>(field: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Corrupt(format!("specifications.{field}: {e}")))
}

fn content_changeset(c: &SpecificationContent, at: NaiveDateTime) -> ContentChangeset {
    ContentChangeset {
        title: c.title.clone(),
        description: c.description.clone(),
        category: c.category.as_str().to_owned(),
        needs: json(&c.needs),
        delivery_standard: json(&c.delivery_standard),
        unit_of_purchase: c.unit_of_purchase.clone(),
        price_cap_pence: c.price_cap_pence,
        eligibility: json(&c.eligibility),
        payment_model: json(&c.payment_model),
        updated_at: at,
    }
}

impl SpecificationRow {
    pub fn new_draft(
        code: &SpecCode,
        version: i32,
        c: &SpecificationContent,
        at: NaiveDateTime,
    ) -> Self {
        let cs = content_changeset(c, at);
        SpecificationRow {
            id: crate::new_id("spec"),
            code: code.as_str().to_owned(),
            version,
            status: SpecificationStatus::Draft,
            title: cs.title,
            description: cs.description,
            category: c.category,
            needs: cs.needs,
            delivery_standard: cs.delivery_standard,
            unit_of_purchase: cs.unit_of_purchase,
            price_cap_pence: cs.price_cap_pence,
            eligibility: cs.eligibility,
            payment_model: cs.payment_model,
            created_at: at,
            updated_at: at,
            published_at: None,
            retired_at: None,
        }
    }

    pub fn into_domain(self) -> Result<SpecificationVersion, StoreError> {
        let corrupt =
            |field: &str, e: String| StoreError::Corrupt(format!("specifications.{field}: {e}"));
        Ok(SpecificationVersion {
            code: SpecCode::parse(&self.code).map_err(|e| corrupt("code", e))?,
            version: self.version,
            status: self.status,
            content: SpecificationContent {
                title: self.title,
                description: self.description,
                category: self.category,
                needs: parse_json("needs", &self.needs)?,
                delivery_standard: parse_json("delivery_standard", &self.delivery_standard)?,
                unit_of_purchase: self.unit_of_purchase,
                price_cap_pence: self.price_cap_pence,
                eligibility: parse_json("eligibility", &self.eligibility)?,
                payment_model: parse_json("payment_model", &self.payment_model)?,
            },
            created_at: to_utc(self.created_at),
            updated_at: to_utc(self.updated_at),
            published_at: self.published_at.map(to_utc),
            retired_at: self.retired_at.map(to_utc),
        })
    }
}

pub fn insert(conn: &mut DbConn, row: &SpecificationRow) -> Result<(), StoreError> {
    diesel::insert_into(specifications::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn find(
    conn: &mut DbConn,
    code: &str,
    version: i32,
) -> Result<Option<SpecificationVersion>, StoreError> {
    specifications::table
        .filter(specifications::code.eq(code))
        .filter(specifications::version.eq(version))
        .select(SpecificationRow::as_select())
        .first(conn)
        .optional()?
        .map(SpecificationRow::into_domain)
        .transpose()
}

/// Every version of one code, oldest first.
pub fn versions(conn: &mut DbConn, code: &str) -> Result<Vec<SpecificationVersion>, StoreError> {
    specifications::table
        .filter(specifications::code.eq(code))
        .order(specifications::version.asc())
        .select(SpecificationRow::as_select())
        .load(conn)?
        .into_iter()
        .map(SpecificationRow::into_domain)
        .collect()
}

pub fn latest_version_number(conn: &mut DbConn, code: &str) -> Result<Option<i32>, StoreError> {
    Ok(specifications::table
        .filter(specifications::code.eq(code))
        .select(diesel::dsl::max(specifications::version))
        .first(conn)?)
}

pub fn update_content(
    conn: &mut DbConn,
    code: &str,
    version: i32,
    content: &SpecificationContent,
    at: NaiveDateTime,
) -> Result<(), StoreError> {
    diesel::update(
        specifications::table
            .filter(specifications::code.eq(code))
            .filter(specifications::version.eq(version)),
    )
    .set(content_changeset(content, at))
    .execute(conn)?;
    Ok(())
}

/// Moves a version from one status to another; returns false if it was no longer in `from`
/// (a concurrent change won), so the caller never overwrites a state it did not read.
pub fn set_status(
    conn: &mut DbConn,
    code: &str,
    version: i32,
    from: SpecificationStatus,
    to: SpecificationStatus,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let target = specifications::table
        .filter(specifications::code.eq(code))
        .filter(specifications::version.eq(version))
        .filter(specifications::status.eq(from.as_str()));
    let changed = match to {
        SpecificationStatus::Published => diesel::update(target)
            .set((
                specifications::status.eq(to.as_str()),
                specifications::published_at.eq(Some(at)),
                specifications::updated_at.eq(at),
            ))
            .execute(conn)?,
        SpecificationStatus::Retired => diesel::update(target)
            .set((
                specifications::status.eq(to.as_str()),
                specifications::retired_at.eq(Some(at)),
                specifications::updated_at.eq(at),
            ))
            .execute(conn)?,
        SpecificationStatus::Draft => diesel::update(target)
            .set((
                specifications::status.eq(to.as_str()),
                specifications::updated_at.eq(at),
            ))
            .execute(conn)?,
    };
    Ok(changed == 1)
}

/// Filters for listing specification versions.
#[derive(Debug, Clone, Default)]
pub struct SpecificationFilter {
    pub category: Option<Category>,
    pub status: Option<SpecificationStatus>,
    pub code: Option<String>,
    /// Leave drafts out (for callers outside the quality team).
    pub exclude_drafts: bool,
}

/// Versions in (code, version) order; the cursor key is the last (code, version) seen.
pub fn list(
    conn: &mut DbConn,
    filter: &SpecificationFilter,
    after: Option<(String, i32)>,
    limit: usize,
) -> Result<Page<SpecificationVersion>, StoreError> {
    let mut query = specifications::table
        .select(SpecificationRow::as_select())
        .into_boxed();
    if let Some(category) = filter.category {
        query = query.filter(specifications::category.eq(category.as_str()));
    }
    if let Some(status) = filter.status {
        query = query.filter(specifications::status.eq(status.as_str()));
    }
    if let Some(code) = &filter.code {
        query = query.filter(specifications::code.eq(code.clone()));
    }
    if filter.exclude_drafts {
        query = query.filter(specifications::status.ne(SpecificationStatus::Draft.as_str()));
    }
    if let Some((code, version)) = after {
        query = query.filter(
            specifications::code
                .gt(code.clone())
                .or(specifications::code
                    .eq(code)
                    .and(specifications::version.gt(version))),
        );
    }
    let rows = query
        .order((specifications::code.asc(), specifications::version.asc()))
        .limit(limit as i64 + 1)
        .load(conn)?;
    Page::from_rows(rows, limit, |r| (r.code.clone(), r.version))
        .try_map(SpecificationRow::into_domain)
}

/// The row id of one version (what listings reference).
pub fn id_of(conn: &mut DbConn, code: &str, version: i32) -> Result<Option<String>, StoreError> {
    Ok(specifications::table
        .filter(specifications::code.eq(code))
        .filter(specifications::version.eq(version))
        .select(specifications::id)
        .first(conn)
        .optional()?)
}

/// One version by its row id (what listings reference).
pub fn find_by_id(conn: &mut DbConn, id: &str) -> Result<Option<SpecificationVersion>, StoreError> {
    specifications::table
        .find(id)
        .select(SpecificationRow::as_select())
        .first(conn)
        .optional()?
        .map(SpecificationRow::into_domain)
        .transpose()
}
