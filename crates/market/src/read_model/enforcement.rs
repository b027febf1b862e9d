//! Enforcement as read back: an order's failures with the offender manager's decisions,
//! and its breach.

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::enforcement::{BreachOutcome, BreachStatus, FailureDecision};
use provider_hub_domain::order::DeliveryEventKind;
use provider_hub_store::enforcement::{BreachRow, FailureRow};
use provider_hub_store::to_utc;
use serde::Serialize;
use utoipa::ToSchema;

/// A missed appointment or non-compliance the provider reported: the offender manager's
/// decision point.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FailureView {
    pub id: String,
    pub order_id: String,
    pub area: String,
    /// `missed` or `non_compliance`.
    #[serde(rename = "type")]
    pub kind: DeliveryEventKind,
    pub occurred_on: NaiveDate,
    /// What the provider reported.
    pub details: Option<String>,
    /// The delivery report it came from.
    pub delivery_event_id: String,
    /// `acceptable` or `warning`; null while it waits for the decision.
    pub decision: Option<FailureDecision>,
    pub decision_note: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

/// A breach of an order: flagged by the breach rule, its proceedings and their outcome.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BreachView {
    pub id: String,
    /// `flagged`, `in_proceedings` or `decided`.
    pub status: BreachStatus,
    pub flagged_at: DateTime<Utc>,
    pub proceedings_started_by: Option<String>,
    pub proceedings_started_at: Option<DateTime<Utc>>,
    /// `continue`, `varied` or `revoked`, once decided.
    pub outcome: Option<BreachOutcome>,
    /// What was varied (e.g. more hours), for a varied requirement.
    pub variation: Option<String>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
}

pub(crate) fn failure_view(row: FailureRow) -> FailureView {
    FailureView {
        id: row.id,
        order_id: row.order_id,
        area: row.area_code,
        kind: row.kind,
        occurred_on: row.occurred_on,
        details: row.details,
        delivery_event_id: row.delivery_event_id,
        decision: row.decision,
        decision_note: row.decision_note,
        decided_by: row.decided_by,
        decided_at: row.decided_at.map(to_utc),
    }
}

pub(crate) fn breach_view(row: BreachRow) -> BreachView {
    BreachView {
        id: row.id,
        status: row.status,
        flagged_at: to_utc(row.flagged_at),
        proceedings_started_by: row.proceedings_started_by,
        proceedings_started_at: row.proceedings_started_at.map(to_utc),
        outcome: row.outcome,
        variation: row.variation,
        decided_by: row.decided_by,
        decided_at: row.decided_at.map(to_utc),
    }
}
