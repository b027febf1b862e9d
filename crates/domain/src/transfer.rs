//! Transfers between areas (SPEC.md §2, "Transfer"): a case moves to another area. Each of
//! its orders either continues where it is — the listing it was placed with serves the
//! new area too, or the order has finished — or is placed again in the new area: one not
//! yet started goes back to be matched there; one in delivery is ended (reason
//! `transfer`) and its intervention bought anew there.

use crate::area::AreaCode;
use crate::order::OrderStatus;

crate::string_enum! {
    /// What a transfer does to one order.
    pub enum TransferAction {
        /// It goes on as it is: finished, or its listing serves the new area.
        Continue => "continue",
        /// Not started and its listing does not serve the new area (or it has none yet):
        /// the place (if any) is freed and the order matched again in the new area.
        Rematch => "rematch",
        /// In delivery with a provider that does not serve the new area: ended for
        /// `transfer` (milestones earned stay paid) and bought again in the new area.
        EndAndReplace => "end_and_replace",
    }
}

/// An order of the moving case, as a transfer sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moving<'a> {
    pub status: OrderStatus,
    /// The areas its listing serves; empty when it has no listing yet.
    pub listing_areas: &'a [AreaCode],
}

/// What a transfer to `to` does to `order`.
pub fn transfer_action(order: &Moving<'_>, to: &AreaCode) -> TransferAction {
    use OrderStatus as S;
    let served = order.listing_areas.contains(to);
    match order.status {
        S::Completed | S::Failed | S::Cancelled | S::Terminated => TransferAction::Continue,
        _ if served => TransferAction::Continue,
        // In breach proceedings it is still in delivery: ended there, bought anew here.
        S::InDelivery | S::Paused => TransferAction::EndAndReplace,
        S::Open | S::Offered | S::Accepted | S::Unmatched | S::AwaitingApproval => {
            TransferAction::Rematch
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use OrderStatus as S;
    use TransferAction as A;

    fn area(code: &str) -> AreaCode {
        AreaCode::parse(code).expect("area")
    }

    #[test]
    fn an_order_continues_where_its_provider_serves_the_new_area_and_moves_otherwise() {
        let to = area("SY-ROT");
        let both = [area("SY-SHF"), area("SY-ROT")];
        let old_only = [area("SY-SHF")];
        let cases: [(OrderStatus, &[AreaCode], TransferAction); 16] = [
            (S::Accepted, &both, A::Continue),
            (S::InDelivery, &both, A::Continue),
            (S::Offered, &both, A::Continue),
            (S::InDelivery, &old_only, A::EndAndReplace),
            (S::Accepted, &old_only, A::Rematch),
            (S::Offered, &old_only, A::Rematch),
            (S::Open, &[], A::Rematch),
            (S::Unmatched, &[], A::Rematch),
            (S::AwaitingApproval, &[], A::Rematch),
            // Finished orders stay where they were, served or not.
            (S::Completed, &old_only, A::Continue),
            (S::Failed, &old_only, A::Continue),
            (S::Cancelled, &[], A::Continue),
            (S::Completed, &both, A::Continue),
            (S::Terminated, &old_only, A::Continue),
            (S::Paused, &old_only, A::EndAndReplace),
            (S::Paused, &both, A::Continue),
        ];
        for (status, areas, expected) in cases {
            let order = Moving {
                status,
                listing_areas: areas,
            };
            assert_eq!(transfer_action(&order, &to), expected, "{status} {areas:?}");
        }
    }
}
