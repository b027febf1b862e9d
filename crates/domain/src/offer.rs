//! The offer's lifecycle (SPEC.md §3): `pending → accepted | declined | expired |
//! cancelled | withdrawn`, and `accepted → withdrawn` when the provider is revoked before
//! the order starts. Every change of an offer's status goes through [`OfferStatus::apply`],
//! so an illegal step is refused in one place.

crate::string_enum! {
    /// Where an offer is: waiting for the provider's answer, or answered one way or another.
    pub enum OfferStatus {
        Pending => "pending",
        Accepted => "accepted",
        Declined => "declined",
        /// The provider did not answer in time.
        Expired => "expired",
        /// The order was cancelled while the offer waited.
        Cancelled => "cancelled",
        /// The provider was suspended or revoked: the offer is taken back and the order
        /// matched again.
        Withdrawn => "withdrawn",
    }
}

/// Something that moves an offer on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OfferEvent {
    /// The provider accepts.
    Accept,
    /// The provider declines, with a reason.
    Decline,
    /// The provider did not answer in time.
    Expire,
    /// The order was cancelled while the offer waited.
    Cancel,
    /// The provider was suspended (a pending offer) or revoked (a pending offer, or an
    /// accepted one whose order has not started).
    Withdraw,
}

impl OfferEvent {
    pub const ALL: &'static [OfferEvent] = &[
        Self::Accept,
        Self::Decline,
        Self::Expire,
        Self::Cancel,
        Self::Withdraw,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Decline => "decline",
            Self::Expire => "expire",
            Self::Cancel => "cancel",
            Self::Withdraw => "withdraw",
        }
    }
}

/// A refused step, with the status the offer is in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {} an offer that is {current}", event.name())]
pub struct IllegalOfferTransition {
    pub event: OfferEvent,
    pub current: OfferStatus,
}

impl OfferStatus {
    /// The status after `event`, or why the step is illegal.
    pub fn apply(self, event: OfferEvent) -> Result<OfferStatus, IllegalOfferTransition> {
        use OfferEvent as E;
        use OfferStatus as S;
        let next = match (self, event) {
            (S::Pending, E::Accept) => S::Accepted,
            (S::Pending, E::Decline) => S::Declined,
            (S::Pending, E::Expire) => S::Expired,
            (S::Pending, E::Cancel) => S::Cancelled,
            // A revoked provider loses the orders it accepted but has not started.
            (S::Pending | S::Accepted, E::Withdraw) => S::Withdrawn,
            (current, event) => return Err(IllegalOfferTransition { event, current }),
        };
        Ok(next)
    }

    /// Is the offer still waiting for the provider's answer?
    pub fn is_pending(self) -> bool {
        self == Self::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OfferEvent as E;
    use OfferStatus as S;

    #[test]
    fn the_lifecycle_of_spec_section_3() {
        let legal = [
            (S::Pending, E::Accept, S::Accepted),
            (S::Pending, E::Decline, S::Declined),
            (S::Pending, E::Expire, S::Expired),
            (S::Pending, E::Cancel, S::Cancelled),
            (S::Pending, E::Withdraw, S::Withdrawn),
            (S::Accepted, E::Withdraw, S::Withdrawn),
        ];
        for from in S::ALL {
            for event in E::ALL {
                let expected = legal
                    .iter()
                    .find(|(f, e, _)| f == from && e == event)
                    .map(|(_, _, to)| *to);
                match expected {
                    Some(to) => assert_eq!(from.apply(*event), Ok(to), "{from} {event:?}"),
                    None => assert_eq!(
                        from.apply(*event),
                        Err(IllegalOfferTransition {
                            event: *event,
                            current: *from
                        }),
                        "{from} {event:?}"
                    ),
                }
            }
        }
    }

    #[test]
    fn a_refusal_says_what_and_where() {
        let refused = S::Withdrawn.apply(E::Accept).expect_err("final");
        assert_eq!(
            refused.to_string(),
            "cannot accept an offer that is withdrawn"
        );
        assert!(S::Pending.is_pending() && !S::Withdrawn.is_pending());
    }
}
