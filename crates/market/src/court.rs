//! The court's view (SPEC.md §1, the `court` role): for the sentences a court passed, each
//! requirement's order, its status and its committed start date — nothing of other
//! courts' sentences and nothing of the assessment beyond that.

use chrono::NaiveDate;
use provider_hub_domain::assessment::Requirement;
use provider_hub_domain::court::committed_start;
use provider_hub_domain::order::OrderStatus;
use provider_hub_domain::{Category, Role, Scope};
use provider_hub_store::court as store;
use provider_hub_store::cursor::Page;
use provider_hub_store::DbConn;
use serde::Serialize;
use utoipa::ToSchema;

use crate::access::Caller;
use crate::Error;

/// One order bought for a sentence the court passed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CourtOrder {
    pub order_id: String,
    /// The person sentenced, by case reference number.
    #[schema(example = "S100001")]
    pub crn: String,
    pub sentence_date: NaiveDate,
    /// The court requirement the order delivers; null for an order bought for a need.
    #[schema(required = true)]
    pub requirement: Option<Requirement>,
    pub category: Category,
    pub status: OrderStatus,
    /// The latest start the plan allows.
    pub required_by: NaiveDate,
    /// The start date the court may rely on: the reserved place's date once a provider
    /// has accepted, the actual start once delivery began; null before acceptance or
    /// after cancellation.
    #[schema(required = true)]
    pub committed_start_date: Option<NaiveDate>,
}

/// The court a court's caller acts for; forbidden for every other role.
pub fn own_court(caller: &Caller) -> Result<&str, Error> {
    match &caller.scope {
        Scope::Court(code) if caller.role == Role::Court => Ok(code.as_str()),
        _ => Err(Error::Forbidden(format!(
            "only a court sees the start dates of its sentences; the {} role may not",
            caller.role
        ))),
    }
}

/// The orders of the sentences the caller's court passed, by order id; `crn` narrows
/// them to one person.
pub fn orders(
    conn: &mut DbConn,
    caller: &Caller,
    crn: Option<&str>,
    after: Option<String>,
    limit: usize,
) -> Result<Page<CourtOrder>, Error> {
    let court = own_court(caller)?;
    store::orders(conn, court, crn, after, limit)?.try_map(|(row, requirement, sentence_date)| {
        let requirement = requirement
            .map(|r| serde_json::from_str(&r))
            .transpose()
            .map_err(|e| Error::corrupt("plan_items.requirement", e))?;
        Ok(CourtOrder {
            committed_start_date: committed_start(row.status, row.starts_on, row.actual_start),
            order_id: row.id,
            crn: row.crn,
            sentence_date,
            requirement,
            category: row.category,
            status: row.status,
            required_by: row.required_by,
        })
    })
}

/// The courts some assessment names (at most `limit`): whom a local sign-in offers as
/// court staff.
pub fn known_courts(conn: &mut DbConn, limit: usize) -> Result<Vec<String>, Error> {
    Ok(store::known_courts(conn, limit)?)
}
