//! What an event says changed (its `data`), typed per event type: the webhook contract
//! providers code against, documented in the OpenAPI document as one of these shapes.
//! On the wire `data` is a JSON object with its keys in alphabetical order (as the hub
//! has always written it); a field that may be null is always present, and no shape has
//! the keys of another, so exactly one matches.

use chrono::{DateTime, NaiveDate, Utc};
use provider_hub_domain::enforcement::{BreachOutcome, FailureDecision};
use provider_hub_domain::offer::OfferStatus;
use provider_hub_domain::order::{EndReason, OrderStatus, OutcomeKind};
use provider_hub_domain::Category;
use serde::Serialize;
use utoipa::ToSchema;

/// `offer.created`: the order was offered to the provider, waiting for its answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferCreated {
    /// The order's status: `offered`.
    pub status: OrderStatus,
    pub listing_id: String,
    pub category: Category,
    #[schema(required = true)]
    pub specification_code: Option<String>,
    /// The price locked for the order.
    pub price_pence: i64,
    /// The start date of the place reserved.
    pub starts_on: NaiveDate,
    /// The latest start the plan allows.
    pub required_by: NaiveDate,
    /// Until when the provider may answer.
    pub expires_at: DateTime<Utc>,
}

/// `offer.accepted`: the provider accepted; its start date is committed.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferAccepted {
    /// The order's status: `accepted`.
    pub status: OrderStatus,
    pub listing_id: String,
    pub price_pence: i64,
    pub committed_start_date: NaiveDate,
}

/// `offer.declined`, `offer.expired`, or `offer.withdrawn` because the provider was
/// suspended or revoked: the offer is off the order, which is matched again.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferAnswered {
    /// The offer's status: `declined`, `expired` or `withdrawn`.
    pub status: OfferStatus,
    /// The provider's reason for declining, or why the offer was withdrawn; null on expiry.
    #[schema(required = true)]
    pub reason: Option<String>,
    pub listing_id: String,
}

/// `offer.withdrawn` because the order was cancelled while its offer was pending.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OfferCancelled {
    /// The offer's status: `cancelled`.
    pub status: OfferStatus,
    /// Why the order was cancelled.
    pub reason: String,
}

/// `order.budget_approved`: a commissioner approved the spend; the order is open and
/// matched at once.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderStatusChanged {
    pub status: OrderStatus,
    pub previous_status: OrderStatus,
}

/// `order.unmatched`, `order.awaiting_budget_approval` or `order.cancelled`: the order
/// left without a place, and why.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderParked {
    pub status: OrderStatus,
    pub previous_status: OrderStatus,
    /// Why no listing met every rule, that the price would take the area over budget, or
    /// the cancellation's reason; null when the engine gave none.
    #[schema(required = true)]
    pub reason: Option<String>,
}

/// `order.reopened`: an unmatched order is being matched again.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderReopened {
    /// `open`.
    pub status: OrderStatus,
    /// `unmatched`.
    pub previous_status: OrderStatus,
    /// What let it match: `the market changed`.
    pub because: String,
}

/// `order.provider_suspended` or `order.provider_revoked`: the provider holding the
/// order was suspended or revoked.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProviderStandingChanged {
    /// The order's status now: unchanged when it stays with the provider, `open` when it
    /// was taken back to be matched again.
    pub status: OrderStatus,
    /// Present only when the order was taken back (`accepted`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_status: Option<OrderStatus>,
    #[schema(required = true)]
    pub listing_id: Option<String>,
    #[schema(required = true)]
    pub starts_on: Option<NaiveDate>,
    /// What it means for the order.
    pub reason: String,
    /// The reason given for the suspension or revocation.
    pub standing_reason: String,
}

/// `order.started`, `order.session_attended`, `order.session_missed`,
/// `order.non_compliance`, `order.completed` or `order.failed`: the provider reported
/// delivery.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryReported {
    pub status: OrderStatus,
    pub previous_status: OrderStatus,
    /// The day it happened.
    pub occurred_on: NaiveDate,
    #[schema(required = true)]
    pub details: Option<String>,
    /// The contact time of an attended session, in minutes.
    #[schema(required = true)]
    pub minutes: Option<i32>,
    pub delivery_event_id: String,
}

/// `order.outcome_recorded`: a commissioner recorded the completed order's outcome.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeRecordedData {
    pub status: OrderStatus,
    pub outcome: OutcomeKind,
}

/// `order.terminated`: the offender manager ended the order in delivery (or in breach
/// proceedings). Milestones already paid stay paid; nothing further is paid.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderEnded {
    /// `terminated`.
    pub status: OrderStatus,
    /// `in_delivery` or `paused`.
    pub previous_status: OrderStatus,
    pub end_reason: EndReason,
    /// What the offender manager added, if anything.
    #[schema(required = true)]
    pub detail: Option<String>,
}

/// `order.failure_decided`: the offender manager decided on a missed appointment or
/// non-compliance. Not sent to the provider.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FailureDecided {
    /// The order's status (unchanged).
    pub status: OrderStatus,
    pub failure_id: String,
    pub decision: FailureDecision,
    /// The day of the failure.
    pub occurred_on: NaiveDate,
    #[schema(required = true)]
    pub note: Option<String>,
}

/// `order.breach_flagged`: by the breach rule the order is flagged for breach; the
/// offender manager is to start proceedings. Not sent to the provider.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreachFlagged {
    /// The order's status (unchanged): `in_delivery`.
    pub status: OrderStatus,
    pub breach_id: String,
    /// The warnings counted.
    pub warnings: u32,
    /// The rule's window.
    pub within_months: u32,
}

/// `order.paused` (breach proceedings started: delivery is held) or `order.resumed` (the
/// proceedings decided it goes on, as it was or varied).
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BreachProceedings {
    /// `paused`, or `in_delivery` once resumed.
    pub status: OrderStatus,
    pub previous_status: OrderStatus,
    pub breach_id: String,
    /// `continue` or `varied` once resumed; null while paused.
    #[schema(required = true)]
    pub outcome: Option<BreachOutcome>,
    /// What was varied; null unless varied.
    #[schema(required = true)]
    pub variation: Option<String>,
}

/// Declares [`EventData`], one variant per payload type, and the conversion of each
/// payload into it.
macro_rules! event_data {
    ($($variant:ident($t:ty)),+ $(,)?) => {
        /// What changed, by event type.
        #[derive(Debug, Clone, Serialize, ToSchema)]
        #[serde(untagged)]
        pub enum EventData {
            $($variant($t)),+
        }

        $(impl From<$t> for EventData {
            fn from(data: $t) -> Self {
                EventData::$variant(data)
            }
        })+
    };
}

event_data!(
    OfferCreated(OfferCreated),
    OfferAccepted(OfferAccepted),
    OfferAnswered(OfferAnswered),
    OfferCancelled(OfferCancelled),
    OrderStatusChanged(OrderStatusChanged),
    OrderParked(OrderParked),
    OrderReopened(OrderReopened),
    ProviderStandingChanged(ProviderStandingChanged),
    DeliveryReported(DeliveryReported),
    OutcomeRecorded(OutcomeRecordedData),
    OrderEnded(OrderEnded),
    FailureDecided(FailureDecided),
    BreachFlagged(BreachFlagged),
    BreachProceedings(BreachProceedings),
);

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(data: impl Into<EventData>) -> Vec<String> {
        match serde_json::to_value(data.into()).expect("serialize") {
            serde_json::Value::Object(map) => map.keys().cloned().collect(),
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn every_shape_has_keys_of_its_own_and_nulls_are_written() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 27).expect("date");
        let (open, offered) = (OrderStatus::Open, OrderStatus::Offered);
        let shapes = [
            keys(OfferCreated {
                status: offered,
                listing_id: "lst".into(),
                category: Category::ALL[0],
                specification_code: None,
                price_pence: 1,
                starts_on: day,
                required_by: day,
                expires_at: Utc::now(),
            }),
            keys(OfferAccepted {
                status: OrderStatus::Accepted,
                listing_id: "lst".into(),
                price_pence: 1,
                committed_start_date: day,
            }),
            keys(OfferAnswered {
                status: OfferStatus::Expired,
                reason: None,
                listing_id: "lst".into(),
            }),
            keys(OfferCancelled {
                status: OfferStatus::Cancelled,
                reason: "r".into(),
            }),
            keys(OrderStatusChanged {
                status: open,
                previous_status: OrderStatus::AwaitingApproval,
            }),
            keys(OrderParked {
                status: OrderStatus::Unmatched,
                previous_status: open,
                reason: None,
            }),
            keys(OrderReopened {
                status: open,
                previous_status: OrderStatus::Unmatched,
                because: "the market changed".into(),
            }),
            keys(ProviderStandingChanged {
                status: OrderStatus::InDelivery,
                previous_status: None,
                listing_id: None,
                starts_on: None,
                reason: "r".into(),
                standing_reason: "s".into(),
            }),
            keys(DeliveryReported {
                status: OrderStatus::InDelivery,
                previous_status: OrderStatus::Accepted,
                occurred_on: day,
                details: None,
                minutes: None,
                delivery_event_id: "dev".into(),
            }),
            keys(OutcomeRecordedData {
                status: OrderStatus::Completed,
                outcome: OutcomeKind::ALL[0],
            }),
            keys(OrderEnded {
                status: OrderStatus::Terminated,
                previous_status: OrderStatus::InDelivery,
                end_reason: EndReason::Custody,
                detail: None,
            }),
            keys(FailureDecided {
                status: OrderStatus::InDelivery,
                failure_id: "flr".into(),
                decision: FailureDecision::Warning,
                occurred_on: day,
                note: None,
            }),
            keys(BreachFlagged {
                status: OrderStatus::InDelivery,
                breach_id: "brc".into(),
                warnings: 2,
                within_months: 12,
            }),
            keys(BreachProceedings {
                status: OrderStatus::Paused,
                previous_status: OrderStatus::InDelivery,
                breach_id: "brc".into(),
                outcome: None,
                variation: None,
            }),
        ];
        for (i, a) in shapes.iter().enumerate() {
            for b in &shapes[i + 1..] {
                assert_ne!(a, b, "two shapes with the same keys");
            }
        }
        // Nullable fields are written as null, not left out.
        assert!(shapes[0].contains(&"specification_code".to_owned()));
        assert!(shapes[8].contains(&"minutes".to_owned()));
        // Keys in alphabetical order, as the hub has always written them.
        for shape in &shapes {
            let mut sorted = shape.clone();
            sorted.sort();
            assert_eq!(&sorted, shape);
        }
    }
}
