//! The intervention order's lifecycle (SPEC.md §3). Every change of status goes through
//! [`OrderStatus::apply`], so an illegal step is refused in one place.

crate::string_enum! {
    /// Where an intervention order is in its life.
    pub enum OrderStatus {
        Open => "open",
        Offered => "offered",
        Accepted => "accepted",
        InDelivery => "in_delivery",
        Completed => "completed",
        Failed => "failed",
        Unmatched => "unmatched",
        AwaitingApproval => "awaiting_approval",
        Cancelled => "cancelled",
        /// In breach proceedings: delivery is held until the outcome is recorded.
        Paused => "paused",
        /// Ended in delivery by the offender manager (custody, breach, transfer, death,
        /// moved away, or a plan revision no longer needs it): nothing further is paid.
        Terminated => "terminated",
    }
}

crate::string_enum! {
    /// Why an order in delivery was ended (SPEC.md §3).
    pub enum EndReason {
        /// The person was sent to custody.
        Custody => "custody",
        /// The order was revoked in breach proceedings.
        Breach => "breach",
        /// The case moved to an area the order cannot continue in.
        Transfer => "transfer",
        Death => "death",
        /// The person moved away.
        MovedAway => "moved_away",
        /// A plan revision no longer needs it.
        Revised => "revised",
    }
}

/// Something that moves an order on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderEvent {
    /// The engine placed it with a listing and offered it to the provider.
    Offer,
    /// The engine found no candidate.
    NoCandidate,
    /// Its price would take the area's committed spend over the budget.
    OverBudget,
    /// A listing, capacity, membership or threshold change may now let it match.
    Reopen,
    /// The commissioner approved the spend over budget.
    ApproveBudget,
    Accept,
    /// The provider declined, or the offer expired: it goes back to be matched again.
    Decline,
    /// The provider was suspended (an offered order) or revoked (an offered or accepted
    /// order not started): the place goes back and the order is matched again.
    Withdraw,
    Start,
    /// A session attended or missed, or non-compliance reported: the order stays in delivery.
    RecordSession,
    Complete,
    Fail,
    /// The commissioner records the outcome of a completed order.
    RecordOutcome,
    Cancel,
    /// Breach proceedings start: delivery is held.
    Pause,
    /// Breach proceedings ended with the order continuing (as it was, or varied).
    Resume,
    /// The offender manager ends the order in delivery (or in proceedings), with a reason.
    End,
}

impl OrderEvent {
    pub fn name(self) -> &'static str {
        match self {
            Self::Offer => "offer",
            Self::NoCandidate => "leave unmatched",
            Self::OverBudget => "hold for budget approval",
            Self::Reopen => "reopen",
            Self::ApproveBudget => "approve the budget of",
            Self::Accept => "accept",
            Self::Decline => "decline",
            Self::Withdraw => "withdraw from its provider",
            Self::Start => "start",
            Self::RecordSession => "record a session of",
            Self::Complete => "complete",
            Self::Fail => "fail",
            Self::RecordOutcome => "record the outcome of",
            Self::Cancel => "cancel",
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::End => "end",
        }
    }
}

/// A refused step, with the status the order is in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} an order that is {current}", event.name())]
pub struct IllegalOrderTransition {
    pub event: OrderEvent,
    pub current: OrderStatus,
}

impl OrderStatus {
    /// The status after `event`, or why the step is illegal.
    pub fn apply(self, event: OrderEvent) -> Result<Self, IllegalOrderTransition> {
        use OrderEvent as E;
        use OrderStatus as S;
        let next = match (self, event) {
            (S::Open, E::Offer) => S::Offered,
            (S::Open, E::NoCandidate) => S::Unmatched,
            (S::Open, E::OverBudget) => S::AwaitingApproval,
            (S::Unmatched, E::Reopen) => S::Open,
            (S::AwaitingApproval, E::ApproveBudget) => S::Open,
            (S::Offered, E::Accept) => S::Accepted,
            (S::Offered, E::Decline) => S::Open,
            (S::Offered | S::Accepted, E::Withdraw) => S::Open,
            (S::Accepted, E::Start) => S::InDelivery,
            (S::InDelivery, E::RecordSession) => S::InDelivery,
            (S::InDelivery, E::Complete) => S::Completed,
            (S::Completed, E::RecordOutcome) => S::Completed,
            (S::InDelivery, E::Fail) => S::Failed,
            (
                S::Open | S::Offered | S::Accepted | S::Unmatched | S::AwaitingApproval,
                E::Cancel,
            ) => S::Cancelled,
            (S::InDelivery, E::Pause) => S::Paused,
            (S::Paused, E::Resume) => S::InDelivery,
            (S::InDelivery | S::Paused, E::End) => S::Terminated,
            (current, event) => return Err(IllegalOrderTransition { event, current }),
        };
        Ok(next)
    }

    /// Has the order finished, one way or another?
    pub fn is_final(self) -> bool {
        matches!(
            self,
            Self::Completed | Self::Failed | Self::Cancelled | Self::Terminated
        )
    }
}

crate::string_enum! {
    /// What a provider reports about delivering an order.
    pub enum DeliveryEventKind {
        Started => "started",
        Attended => "attended",
        Missed => "missed",
        NonCompliance => "non_compliance",
        Completed => "completed",
        Failed => "failed",
    }
}

impl DeliveryEventKind {
    /// The step of the order's lifecycle the report is.
    pub fn order_event(self) -> OrderEvent {
        match self {
            Self::Started => OrderEvent::Start,
            Self::Attended | Self::Missed | Self::NonCompliance => OrderEvent::RecordSession,
            Self::Completed => OrderEvent::Complete,
            Self::Failed => OrderEvent::Fail,
        }
    }

    /// The payment milestone the report reaches, if any.
    pub fn milestone(self) -> Option<crate::specification::Milestone> {
        match self {
            Self::Started => Some(crate::specification::Milestone::Start),
            Self::Completed => Some(crate::specification::Milestone::Completion),
            _ => None,
        }
    }
}

crate::string_enum! {
    /// What happened after a completed order's period, recorded by a commissioner.
    pub enum OutcomeKind {
        NoProvenReoffence12m => "no_proven_reoffence_12m",
        ProvenReoffence12m => "proven_reoffence_12m",
    }
}

impl OutcomeKind {
    /// Does this outcome release the outcome payment?
    pub fn pays(self) -> bool {
        self == Self::NoProvenReoffence12m
    }
}

/// Working days an offer waits for an answer unless the operator configures otherwise.
pub const DEFAULT_OFFER_WORKING_DAYS: u32 = 2;

/// When an offer made at `made` expires: the same time of day `working_days` working days
/// later, counting Monday to Friday (bank holidays are not known to the hub).
pub fn offer_expiry(
    made: chrono::DateTime<chrono::Utc>,
    working_days: u32,
) -> chrono::DateTime<chrono::Utc> {
    use chrono::Datelike;
    let mut at = made;
    let mut left = working_days;
    while left > 0 {
        at += chrono::Duration::days(1);
        if !matches!(at.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
            left -= 1;
        }
    }
    at
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderEvent as E;
    use OrderStatus as S;

    #[test]
    fn the_lifecycle_of_spec_section_3() {
        let legal = [
            (S::Open, E::Offer, S::Offered),
            (S::Open, E::NoCandidate, S::Unmatched),
            (S::Open, E::OverBudget, S::AwaitingApproval),
            (S::Unmatched, E::Reopen, S::Open),
            (S::AwaitingApproval, E::ApproveBudget, S::Open),
            (S::Offered, E::Accept, S::Accepted),
            (S::Offered, E::Decline, S::Open),
            (S::Offered, E::Withdraw, S::Open),
            (S::Accepted, E::Withdraw, S::Open),
            (S::Accepted, E::Start, S::InDelivery),
            (S::InDelivery, E::RecordSession, S::InDelivery),
            (S::InDelivery, E::Complete, S::Completed),
            (S::Completed, E::RecordOutcome, S::Completed),
            (S::InDelivery, E::Fail, S::Failed),
            (S::InDelivery, E::Pause, S::Paused),
            (S::Paused, E::Resume, S::InDelivery),
            (S::InDelivery, E::End, S::Terminated),
            (S::Paused, E::End, S::Terminated),
        ];
        let events = [
            E::Offer,
            E::NoCandidate,
            E::OverBudget,
            E::Reopen,
            E::ApproveBudget,
            E::Accept,
            E::Decline,
            E::Withdraw,
            E::Start,
            E::RecordSession,
            E::Complete,
            E::Fail,
            E::RecordOutcome,
            E::Cancel,
            E::Pause,
            E::Resume,
            E::End,
        ];
        let cancellable = [
            S::Open,
            S::Offered,
            S::Accepted,
            S::Unmatched,
            S::AwaitingApproval,
        ];
        for from in S::ALL {
            for event in events {
                let expected = legal
                    .iter()
                    .find(|(f, e, _)| f == from && *e == event)
                    .map(|(_, _, to)| *to)
                    .or((event == E::Cancel && cancellable.contains(from)).then_some(S::Cancelled));
                match expected {
                    Some(to) => assert_eq!(from.apply(event), Ok(to), "{from} {event:?}"),
                    None => assert_eq!(
                        from.apply(event),
                        Err(IllegalOrderTransition {
                            event,
                            current: *from
                        }),
                        "{from} {event:?}"
                    ),
                }
            }
        }
    }

    #[test]
    fn offers_wait_working_days() {
        let at = |s: &str| {
            chrono::DateTime::parse_from_rfc3339(s)
                .expect("time")
                .with_timezone(&chrono::Utc)
        };
        // 2026-11-23 is a Monday.
        let cases = [
            ("2026-11-23T10:00:00Z", 2, "2026-11-25T10:00:00Z"),
            ("2026-11-26T10:00:00Z", 2, "2026-11-30T10:00:00Z"), // Thursday → Monday
            ("2026-11-27T16:30:00Z", 2, "2026-12-01T16:30:00Z"), // Friday → Tuesday
            ("2026-11-28T09:00:00Z", 2, "2026-12-01T09:00:00Z"), // Saturday → Tuesday
            ("2026-11-23T10:00:00Z", 0, "2026-11-23T10:00:00Z"),
            ("2026-11-23T10:00:00Z", 5, "2026-11-30T10:00:00Z"),
        ];
        for (made, days, expected) in cases {
            assert_eq!(
                offer_expiry(at(made), days),
                at(expected),
                "{made} + {days}"
            );
        }
    }

    #[test]
    fn a_refusal_says_what_and_where() {
        let e = S::Completed
            .apply(E::Cancel)
            .expect_err("completed is final");
        assert_eq!(e.to_string(), "cannot cancel an order that is completed");
        assert!(S::Completed.is_final() && S::Cancelled.is_final() && !S::Offered.is_final());
        let e = S::Terminated.apply(E::Complete).expect_err("terminated is final");
        assert_eq!(e.to_string(), "cannot complete an order that is terminated");
        assert!(S::Terminated.is_final() && !S::Paused.is_final());
    }

    #[test]
    fn a_paused_or_terminated_order_takes_no_delivery_report() {
        for kind in DeliveryEventKind::ALL {
            for status in [S::Paused, S::Terminated] {
                assert!(status.apply(kind.order_event()).is_err(), "{kind} on {status}");
            }
        }
        assert!(S::Terminated.apply(E::RecordOutcome).is_err());
        assert_eq!(S::Paused.apply(E::End), Ok(S::Terminated));
    }
}
