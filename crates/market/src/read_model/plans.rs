//! Plan items as read back: the part of a plan an order carries.

use chrono::NaiveDate;
use provider_hub_domain::assessment::Requirement;
use provider_hub_domain::need::Need;
use provider_hub_domain::revision::SetAside;
use provider_hub_domain::Category;
use provider_hub_store::plans::PlanItemRow;
use serde::Serialize;
use utoipa::ToSchema;

use crate::Error;

/// One item of a plan, as the plan rules made it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanItem {
    pub id: String,
    /// 1-based place in the plan.
    pub position: u32,
    pub category: Category,
    /// The specification a court named, if any.
    pub specification_code: Option<String>,
    /// The court requirement it delivers, if it is one.
    pub requirement: Option<Requirement>,
    /// The linked medium or high needs it addresses.
    pub needs: Vec<Need>,
    /// 1: court-ordered; 2: a high need; 3: a medium need.
    pub priority: u8,
    /// The last day on which the intervention may start.
    pub required_by: NaiveDate,
    pub lead_time_days: u32,
    /// The sentence date plus the lead time had passed when the plan was made, so the
    /// lead time was counted from the day the plan was made.
    pub late: bool,
    /// Removed or deferred by the offender manager before approval.
    pub set_aside: Option<SetAside>,
    /// Why it was removed or deferred.
    pub set_aside_reason: Option<String>,
    /// The first day it may start, where the plan sequences it after another item (set
    /// when the plan is approved).
    pub not_before: Option<NaiveDate>,
}

impl PlanItem {
    pub(crate) fn from_row(row: PlanItemRow) -> Result<Self, Error> {
        Ok(PlanItem {
            position: u32::try_from(row.position)
                .map_err(|e| Error::corrupt("plan_items.position", e))?,
            category: row.category,
            requirement: row
                .requirement
                .as_deref()
                .map(serde_json::from_str)
                .transpose()
                .map_err(|e| Error::corrupt("plan_items.requirement", e))?,
            needs: serde_json::from_str(&row.needs)
                .map_err(|e| Error::corrupt("plan_items.needs", e))?,
            priority: u8::try_from(row.priority)
                .map_err(|e| Error::corrupt("plan_items.priority", e))?,
            lead_time_days: u32::try_from(row.lead_time_days)
                .map_err(|e| Error::corrupt("plan_items.lead_time_days", e))?,
            set_aside: row
                .set_aside
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|e| Error::corrupt("plan_items.set_aside", e))?,
            set_aside_reason: row.set_aside_reason,
            not_before: row.not_before,
            id: row.id,
            specification_code: row.specification_code,
            required_by: row.required_by,
            late: row.late,
        })
    }
}
