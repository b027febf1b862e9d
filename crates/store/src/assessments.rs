//! Assessments of cases.

use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use provider_hub_domain::assessment::AssessmentStatus;
use provider_hub_domain::need::RiskOfHarm;

use crate::cursor::Page;
use crate::schema::assessments;
use crate::{DbConn, StoreError};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable, Insertable, serde::Serialize)]
#[diesel(table_name = assessments)]
pub struct AssessmentRow {
    pub id: String,
    pub external_ref: String,
    pub crn: String,
    pub area_code: String,
    #[diesel(serialize_as = crate::words::Word)]
    pub status: AssessmentStatus,
    pub tier: i32,
    #[diesel(serialize_as = crate::words::Word)]
    pub risk_of_serious_harm: RiskOfHarm,
    pub reoffending_probability: i32,
    pub needs: String,
    pub requirements: String,
    pub sentence_date: NaiveDate,
    pub content_hash: String,
    pub author_sub: String,
    pub decided_by: Option<String>,
    pub decision_reason: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
    pub submitted_at: Option<NaiveDateTime>,
    pub decided_at: Option<NaiveDateTime>,
    /// The sentencing court's code.
    pub court_code: Option<String>,
}

pub fn insert(conn: &mut DbConn, row: &AssessmentRow) -> Result<(), StoreError> {
    diesel::insert_into(assessments::table)
        .values(row.clone())
        .execute(conn)?;
    Ok(())
}

pub fn find(conn: &mut DbConn, id: &str) -> Result<Option<AssessmentRow>, StoreError> {
    Ok(assessments::table
        .find(id)
        .select(AssessmentRow::as_select())
        .first(conn)
        .optional()?)
}

pub fn find_by_external_ref(
    conn: &mut DbConn,
    external_ref: &str,
) -> Result<Option<AssessmentRow>, StoreError> {
    Ok(assessments::table
        .filter(assessments::external_ref.eq(external_ref))
        .select(AssessmentRow::as_select())
        .first(conn)
        .optional()?)
}

/// Submits a draft; false if it was no longer a draft.
pub fn submit(conn: &mut DbConn, id: &str, at: NaiveDateTime) -> Result<bool, StoreError> {
    let n = diesel::update(
        assessments::table
            .filter(assessments::id.eq(id))
            .filter(assessments::status.eq(AssessmentStatus::Draft.as_str())),
    )
    .set((
        assessments::status.eq(AssessmentStatus::Submitted.as_str()),
        assessments::submitted_at.eq(Some(at)),
        assessments::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

/// Records a countersignature or rejection of a submitted assessment; false if it was
/// no longer submitted (someone decided first).
pub fn decide(
    conn: &mut DbConn,
    id: &str,
    to: AssessmentStatus,
    by: &str,
    reason: Option<&str>,
    at: NaiveDateTime,
) -> Result<bool, StoreError> {
    let n = diesel::update(
        assessments::table
            .filter(assessments::id.eq(id))
            .filter(assessments::status.eq(AssessmentStatus::Submitted.as_str())),
    )
    .set((
        assessments::status.eq(to.as_str()),
        assessments::decided_by.eq(Some(by)),
        assessments::decision_reason.eq(reason),
        assessments::decided_at.eq(Some(at)),
        assessments::updated_at.eq(at),
    ))
    .execute(conn)?;
    Ok(n == 1)
}

#[derive(Debug, Clone, Default)]
pub struct AssessmentFilter {
    pub area: Option<String>,
    pub crn: Option<String>,
    pub status: Option<AssessmentStatus>,
}

/// Assessments in id order; the cursor key is the last id seen.
pub fn list(
    conn: &mut DbConn,
    filter: &AssessmentFilter,
    after: Option<String>,
    limit: usize,
) -> Result<Page<AssessmentRow>, StoreError> {
    let mut query = assessments::table
        .select(AssessmentRow::as_select())
        .into_boxed();
    if let Some(area) = &filter.area {
        query = query.filter(assessments::area_code.eq(area.clone()));
    }
    if let Some(crn) = &filter.crn {
        query = query.filter(assessments::crn.eq(crn.clone()));
    }
    if let Some(status) = filter.status {
        query = query.filter(assessments::status.eq(status.as_str()));
    }
    if let Some(after) = after {
        query = query.filter(assessments::id.gt(after));
    }
    let rows = query
        .order(assessments::id.asc())
        .limit(limit as i64 + 1)
        .load(conn)?;
    Ok(Page::from_rows(rows, limit, |a| a.id.clone()))
}

/// The case's latest approved assessment (the latest decided), if it has one.
pub fn latest_approved(conn: &mut DbConn, crn: &str) -> Result<Option<AssessmentRow>, StoreError> {
    Ok(assessments::table
        .filter(assessments::crn.eq(crn))
        .filter(assessments::status.eq(AssessmentStatus::Approved.as_str()))
        .order((assessments::decided_at.desc(), assessments::id.desc()))
        .select(AssessmentRow::as_select())
        .first(conn)
        .optional()?)
}
