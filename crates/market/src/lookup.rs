//! Reads by natural key, for callers that get-or-create what they seed — the demo market
//! (`provider-hub demo`) finds what an earlier run recorded before it records it again.
//! Plain reads: nothing here writes, audits or checks a role.

use provider_hub_domain::listing::HeldSlot;
use provider_hub_domain::specification::SpecificationVersion;
use provider_hub_store::assessments::AssessmentRow;
use provider_hub_store::providers::{AccreditationRow, ProviderRow};
use provider_hub_store::{audit, DbConn};

use crate::Error;

/// Whether an area with this code is on record.
pub fn area_exists(conn: &mut DbConn, code: &str) -> Result<bool, Error> {
    Ok(provider_hub_store::areas::find(conn, code)?.is_some())
}

/// Every version of a specification, oldest first; none when the code is unknown.
pub fn specification_versions(
    conn: &mut DbConn,
    code: &str,
) -> Result<Vec<SpecificationVersion>, Error> {
    Ok(provider_hub_store::specifications::versions(conn, code)?)
}

/// The provider registered under this number (Companies House or charity), if any.
pub fn provider_by_registration(
    conn: &mut DbConn,
    number: &str,
) -> Result<Option<ProviderRow>, Error> {
    Ok(provider_hub_store::providers::find_by_registration(
        conn, number,
    )?)
}

/// A provider by id, if any.
pub fn provider(conn: &mut DbConn, id: &str) -> Result<Option<ProviderRow>, Error> {
    Ok(provider_hub_store::providers::find(conn, id)?)
}

/// Every accreditation of one provider, newest first.
pub fn accreditations(
    conn: &mut DbConn,
    provider_id: &str,
) -> Result<Vec<AccreditationRow>, Error> {
    Ok(provider_hub_store::providers::accreditations_of(
        conn,
        &[provider_id.to_owned()],
    )?)
}

/// A listing's start dates with places offered and taken, in date order.
pub fn capacity(conn: &mut DbConn, listing_id: &str) -> Result<Vec<HeldSlot>, Error> {
    Ok(provider_hub_store::listings::capacity(conn, listing_id)?)
}

/// Whether an area has a budget for the financial year starting in `year`.
pub fn budget_exists(conn: &mut DbConn, area: &str, year: i32) -> Result<bool, Error> {
    Ok(provider_hub_store::budgets::find(conn, area, year)?.is_some())
}

/// Whether an area has its own matching policy (rather than the default).
pub fn policy_exists(conn: &mut DbConn, area: &str) -> Result<bool, Error> {
    Ok(provider_hub_store::matching::policy(conn, area)?.is_some())
}

/// Whether a case with this CRN is on record.
pub fn case_exists(conn: &mut DbConn, crn: &str) -> Result<bool, Error> {
    Ok(provider_hub_store::cases::find(conn, crn)?.is_some())
}

/// The assessment recorded with this upstream reference (OASys), if any.
pub fn assessment_by_external_ref(
    conn: &mut DbConn,
    external_ref: &str,
) -> Result<Option<AssessmentRow>, Error> {
    Ok(provider_hub_store::assessments::find_by_external_ref(
        conn,
        external_ref,
    )?)
}

/// How many audit rows are on record: a caller counts before and after to learn
/// whether it changed anything.
pub fn audit_rows(conn: &mut DbConn) -> Result<i64, Error> {
    Ok(audit::count(conn)?)
}
