//! Assessments as read back, for the offender managers of the case's area and the
//! quality team.

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::assessment::{AssessmentStatus, NeedScore, Requirement};
use provider_hub_domain::need::RiskOfHarm;
use provider_hub_domain::{Role, Scope};
use provider_hub_store::assessments::{self as store, AssessmentFilter, AssessmentRow};
use provider_hub_store::cursor::Page;
use provider_hub_store::{to_utc, DbConn};
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::{self, Caller, Objects};
use crate::Error;

/// An assessment as read back.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AssessmentView {
    pub id: String,
    pub external_ref: String,
    #[schema(example = "X123456")]
    pub crn: String,
    pub area: String,
    pub status: AssessmentStatus,
    pub tier: u8,
    pub risk_of_serious_harm: RiskOfHarm,
    pub reoffending_probability: u8,
    pub needs: Vec<NeedScore>,
    pub requirements: Vec<Requirement>,
    pub sentence_date: NaiveDate,
    /// The code of the court that passed the sentence, if recorded: that court sees the
    /// orders bought for it.
    #[schema(example = "SHF-MC")]
    pub court: Option<String>,
    /// The offender manager who wrote it.
    pub author: String,
    /// The offender manager who countersigned or rejected it.
    pub decided_by: Option<String>,
    pub decision_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
}

pub(crate) fn corrupt(field: &str, e: impl std::fmt::Display) -> Error {
    Error::corrupt(&format!("assessments.{field}"), e)
}

pub(crate) fn view(row: AssessmentRow) -> Result<AssessmentView, Error> {
    Ok(AssessmentView {
        status: row.status,
        tier: u8::try_from(row.tier).map_err(|e| corrupt("tier", e))?,
        risk_of_serious_harm: row.risk_of_serious_harm,
        reoffending_probability: u8::try_from(row.reoffending_probability)
            .map_err(|e| corrupt("probability", e))?,
        needs: serde_json::from_str(&row.needs).map_err(|e| corrupt("needs", e))?,
        requirements: serde_json::from_str(&row.requirements)
            .map_err(|e| corrupt("requirements", e))?,
        id: row.id,
        external_ref: row.external_ref,
        crn: row.crn,
        area: row.area_code,
        sentence_date: row.sentence_date,
        court: row.court_code,
        author: row.author_sub,
        decided_by: row.decided_by,
        decision_reason: row.decision_reason,
        created_at: to_utc(row.created_at),
        submitted_at: row.submitted_at.map(to_utc),
        decided_at: row.decided_at.map(to_utc),
    })
}

/// The assessment, if `role` in `scope` may read its case's area; to anyone else it
/// does not exist.
pub(crate) fn visible(
    conn: &mut DbConn,
    role: Role,
    scope: &Scope,
    id: &str,
) -> Result<AssessmentRow, Error> {
    store::find(conn, id)?
        .filter(|a| access::may_read(role, scope, Objects::Assessments, &a.area_code, None))
        .ok_or_else(|| Error::NotFound(format!("assessment {id}")))
}

pub fn get(conn: &mut DbConn, caller: &Caller, id: &str) -> Result<AssessmentView, Error> {
    view(visible(conn, caller.role, &caller.scope, id)?)
}

/// Assessments the caller may read: an offender manager's area, or all for the quality team.
pub fn list(
    conn: &mut DbConn,
    caller: &Caller,
    mut filter: AssessmentFilter,
    after: Option<String>,
    limit: usize,
) -> Result<Page<AssessmentView>, Error> {
    let Caller { role, scope, .. } = caller;
    let reach = access::reach(*role, scope, Objects::Assessments)
        .ok_or_else(|| access::not_a_reader(*role, Objects::Assessments, "assessments"))?;
    if let Some(area) = reach.area() {
        filter.area = Some(area);
    }
    store::list(conn, &filter, after, limit)?.try_map(view)
}
