//! The court (SPEC.md §1, the `court` role): the court that passed a sentence sees, for
//! each of its requirements, the order bought, its status and its committed start date,
//! and is told when a date is committed or changes.

use chrono::NaiveDate;

use crate::event::EventKind;
use crate::order::OrderStatus;

crate::grouped_code! {
    /// A court's code: 2–16 characters, upper-case letters and digits in groups joined by
    /// `-`, e.g. `SHF-MC` (Sheffield Magistrates' Court).
    pub struct CourtCode, example "SHF-MC"
}

/// The start date a court may rely on: the reserved place's date once a provider has
/// accepted the order (and while it is delivered or has been); none while it is only
/// offered, waiting, unmatched or cancelled. Once delivery has started, the day it
/// actually started.
pub fn committed_start(
    status: OrderStatus,
    starts_on: Option<NaiveDate>,
    actual_start: Option<NaiveDate>,
) -> Option<NaiveDate> {
    use OrderStatus as S;
    match status {
        S::Accepted => starts_on,
        S::InDelivery | S::Paused | S::Completed | S::Failed | S::Terminated => {
            actual_start.or(starts_on)
        }
        S::Open | S::Offered | S::Unmatched | S::AwaitingApproval | S::Cancelled => None,
    }
}

/// Whether an event about one of a court's orders tells the court something it follows:
/// a start date committed (the offer accepted), moved (the order started) or lost (the
/// order cancelled, or taken from a revoked provider to be matched again), the order
/// paused for breach proceedings or resumed, moved with a transfer, or ended.
pub fn tells_court(kind: EventKind) -> bool {
    use EventKind as K;
    matches!(
        kind,
        K::OfferAccepted
            | K::OrderStarted
            | K::OrderCancelled
            | K::OrderProviderRevoked
            | K::OrderCompleted
            | K::OrderFailed
            | K::OrderPaused
            | K::OrderResumed
            | K::OrderTransferred
            | K::OrderTerminated
    )
}

/// The event kinds a court is told of (see [`tells_court`]).
pub fn court_event_kinds() -> Vec<EventKind> {
    EventKind::ALL
        .iter()
        .copied()
        .filter(|k| tells_court(*k))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(2027, 1, d)
    }

    #[test]
    fn court_codes_are_short_upper_case_groups() {
        for ok in ["SHF-MC", "B20BL", "LDN-CC-1"] {
            assert!(CourtCode::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "S",
            "shf-mc",
            "SHF--MC",
            "-SHF",
            "SHF MC",
            "A23456789-1234567",
        ] {
            assert!(CourtCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_start_date_is_committed_from_acceptance_and_is_the_actual_start_once_started() {
        use OrderStatus as S;
        let table = [
            (S::Open, None, None, None),
            (S::Offered, day(10), None, None),
            (S::AwaitingApproval, None, None, None),
            (S::Unmatched, None, None, None),
            (S::Cancelled, day(10), None, None),
            (S::Accepted, day(10), None, day(10)),
            (S::InDelivery, day(10), day(12), day(12)),
            (S::InDelivery, day(10), None, day(10)),
            (S::Completed, day(10), day(11), day(11)),
            (S::Failed, day(10), day(11), day(11)),
            (S::Paused, day(10), day(11), day(11)),
            (S::Terminated, day(10), day(11), day(11)),
        ];
        for (status, starts_on, actual, expected) in table {
            assert_eq!(
                committed_start(status, starts_on, actual),
                expected,
                "{status}"
            );
        }
    }

    #[test]
    fn a_court_is_told_of_dates_committed_moved_or_lost_and_of_nothing_else() {
        let told = court_event_kinds();
        for kind in [
            EventKind::OfferAccepted,
            EventKind::OrderStarted,
            EventKind::OrderCancelled,
            EventKind::OrderProviderRevoked,
            EventKind::OrderPaused,
            EventKind::OrderTerminated,
        ] {
            assert!(told.contains(&kind), "{kind}");
        }
        for kind in [
            EventKind::OfferCreated,
            EventKind::OfferDeclined,
            EventKind::OrderSessionMissed,
            EventKind::OrderNonCompliance,
            EventKind::OrderOutcomeRecorded,
            EventKind::OrderFailureDecided,
            EventKind::OrderBreachFlagged,
        ] {
            assert!(!told.contains(&kind), "{kind}");
        }
    }
}
