//! The offer's lifecycle (SPEC.md §3): `pending → accepted | declined | expired |
//! cancelled | withdrawn`, and `accepted → withdrawn` when the provider is revoked before
//! the order starts. Every change of an offer's status goes through [`OfferStatus::to`].

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

/// A refused change of an offer's status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the offer is {current}; it cannot become {to}")]
pub struct IllegalOfferTransition {
    pub current: OfferStatus,
    pub to: OfferStatus,
}

impl OfferStatus {
    /// Moves the offer to `to`, or says why it cannot.
    pub fn to(self, to: OfferStatus) -> Result<OfferStatus, IllegalOfferTransition> {
        use OfferStatus as S;
        match (self, to) {
            (S::Pending, S::Accepted | S::Declined | S::Expired | S::Cancelled | S::Withdrawn)
            // A revoked provider loses the orders it accepted but has not started.
            | (S::Accepted, S::Withdrawn) => Ok(to),
            (current, to) => Err(IllegalOfferTransition { current, to }),
        }
    }

    /// Is the offer still waiting for the provider's answer?
    pub fn is_pending(self) -> bool {
        self == Self::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OfferStatus as S;

    #[test]
    fn a_pending_offer_is_answered_once_and_only_an_accepted_one_is_withdrawn_later() {
        for from in S::ALL {
            for to in S::ALL {
                let legal = (*from == S::Pending && *to != S::Pending)
                    || (*from == S::Accepted && *to == S::Withdrawn);
                assert_eq!(from.to(*to).is_ok(), legal, "{from} → {to}");
            }
        }
        assert_eq!(S::Pending.to(S::Withdrawn), Ok(S::Withdrawn));
        assert_eq!(S::Accepted.to(S::Withdrawn), Ok(S::Withdrawn));
        let refused = S::Withdrawn.to(S::Accepted).expect_err("final");
        assert_eq!(
            refused.to_string(),
            "the offer is withdrawn; it cannot become accepted"
        );
        assert!(S::Pending.is_pending() && !S::Withdrawn.is_pending());
    }
}
