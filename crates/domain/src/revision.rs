//! Plan revisions (SPEC.md §2, "Plan revision"): a later approved assessment of a person
//! with an active plan is compared, item by item, with what is already bought for them,
//! so that the same need is never bought twice.
//!
//! - An item the new assessment still calls for, with an order of the same category (and
//!   the same specification, where the item names one) that is live or delivered, is
//!   **kept**: nothing is bought again. A completed alcohol treatment is kept, not
//!   repeated; an order that failed or was cancelled did not deliver, so its need is
//!   bought again.
//! - An item with no such order is proposed for **purchase**.
//! - A live order that no item calls for any more is proposed for **ending** (cancelled
//!   before delivery, ended in delivery); finished orders stay as they are.
//!
//! Each order answers at most one item. Where several could, an item naming no
//! specification leaves alone the orders for a programme another item names, takes a
//! live order before a delivered one, then the first given; items are served in plan
//! order (court-ordered first).

use std::ops::RangeInclusive;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::category::Category;
use crate::order::OrderStatus;
use crate::plan::PlannedItem;
use crate::specification::SpecCode;

/// An order already bought for the person, as a revision compares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bought {
    pub order_id: String,
    pub category: Category,
    pub specification_code: Option<SpecCode>,
    pub status: OrderStatus,
}

impl Bought {
    /// Did (or will) this order deliver its intervention? Failed, cancelled and
    /// terminated orders did not: their need is still open.
    pub fn answers_need(&self) -> bool {
        !matches!(
            self.status,
            OrderStatus::Failed | OrderStatus::Cancelled | OrderStatus::Terminated
        )
    }

    /// Is it still running, so that ending it is a decision to make?
    pub fn is_live(&self) -> bool {
        !self.status.is_final()
    }

    fn fits(&self, item: &PlannedItem) -> bool {
        self.answers_need()
            && self.category == item.category
            && match &item.specification_code {
                Some(code) => self.specification_code.as_ref() == Some(code),
                None => true,
            }
    }
}

crate::string_enum! {
    /// What a revision proposes for one line.
    pub enum Proposal {
        /// Still needed and already ordered or delivered: not bought again.
        Keep => "keep",
        /// Needed and not bought (or bought and failed or cancelled): to be purchased.
        Buy => "buy",
        /// Ordered, still running, and no longer needed: to be ended if the offender
        /// manager confirms.
        End => "end",
    }
}

crate::string_enum! {
    /// An item the offender manager set aside before approving the plan.
    pub enum SetAside {
        /// Not needed: never bought by this plan (an order that answered it may be ended).
        Removed => "removed",
        /// Needed, but not bought now: an order already answering it is kept.
        Deferred => "deferred",
    }
}

/// Months from a plan's approval to its review, unless the operator sets otherwise.
pub const DEFAULT_REVIEW_MONTHS: u32 = 6;

/// Months a review interval may be set to.
pub const REVIEW_MONTHS: RangeInclusive<u32> = 1..=36;

/// The day a plan approved on `approved_on` is due for review: `months` later (the last
/// day of the month when that month is shorter).
pub fn review_date(approved_on: NaiveDate, months: u32) -> NaiveDate {
    approved_on
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// Checks the reason given for removing or deferring an item: 1-2000 characters once
/// trimmed. The trimmed reason, or what is wrong with it.
pub fn set_aside_reason(reason: &str) -> Result<String, &'static str> {
    let reason = reason.trim();
    if reason.is_empty() || reason.chars().count() > 2000 {
        return Err("must be 1-2000 characters");
    }
    Ok(reason.to_owned())
}

/// One line of a revision: a needed item, an order, or both.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RevisionLine {
    pub proposal: Proposal,
    pub category: Category,
    /// The item the new assessment calls for (none on an `end` line).
    pub item: Option<PlannedItem>,
    /// The order kept or proposed for ending (none on a `buy` line).
    pub order_id: Option<String>,
}

/// The revision of a plan: `needed` (the new assessment's items, in plan order) against
/// the orders already `bought` for the person. Lines come in plan order, then the orders
/// to end in the order given.
pub fn revise(bought: &[Bought], needed: &[PlannedItem]) -> Vec<RevisionLine> {
    let mut taken = vec![false; bought.len()];
    let mut lines = Vec::with_capacity(needed.len() + bought.len());
    for item in needed {
        let choice = bought
            .iter()
            .enumerate()
            .filter(|(i, b)| !taken[*i] && b.fits(item))
            .min_by_key(|(i, b)| {
                // An unnamed item leaves alone an order for a programme another item names.
                let named_elsewhere = item.specification_code.is_none()
                    && b.specification_code.is_some()
                    && needed
                        .iter()
                        .any(|n| n.specification_code == b.specification_code);
                (named_elsewhere, !b.is_live(), *i)
            })
            .map(|(i, _)| i);
        let line = match choice {
            Some(i) => {
                taken[i] = true;
                RevisionLine {
                    proposal: Proposal::Keep,
                    category: item.category,
                    item: Some(item.clone()),
                    order_id: Some(bought[i].order_id.clone()),
                }
            }
            None => RevisionLine {
                proposal: Proposal::Buy,
                category: item.category,
                item: Some(item.clone()),
                order_id: None,
            },
        };
        lines.push(line);
    }
    for (i, order) in bought.iter().enumerate() {
        if !taken[i] && order.is_live() {
            lines.push(RevisionLine {
                proposal: Proposal::End,
                category: order.category,
                item: None,
                order_id: Some(order.order_id.clone()),
            });
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use Category as C;
    use OrderStatus as S;

    fn item(category: Category, code: Option<&str>) -> PlannedItem {
        PlannedItem {
            category,
            specification_code: code.map(|c| SpecCode::parse(c).expect("code")),
            requirement: None,
            needs: Vec::new(),
            priority: 2,
            required_by: NaiveDate::from_ymd_opt(2027, 1, 4).expect("date"),
            lead_time_days: 21,
            late: false,
        }
    }

    fn bought(id: &str, category: Category, code: Option<&str>, status: OrderStatus) -> Bought {
        Bought {
            order_id: id.to_owned(),
            category,
            specification_code: code.map(|c| SpecCode::parse(c).expect("code")),
            status,
        }
    }

    /// (proposal, category, order) of each line.
    fn shape(lines: &[RevisionLine]) -> Vec<(Proposal, Category, Option<&str>)> {
        lines
            .iter()
            .map(|l| (l.proposal, l.category, l.order_id.as_deref()))
            .collect()
    }

    #[test]
    fn a_need_already_bought_or_delivered_is_never_bought_again() {
        use Proposal::*;
        type Case = (
            &'static str,
            Vec<Bought>,
            Vec<PlannedItem>,
            Vec<(Proposal, Category, Option<&'static str>)>,
        );
        let cases: Vec<Case> = vec![
            (
                "a completed alcohol treatment is kept, not bought again",
                vec![bought("o1", C::AlcoholTreatment, None, S::Completed)],
                vec![item(C::AlcoholTreatment, None)],
                vec![(Keep, C::AlcoholTreatment, Some("o1"))],
            ),
            (
                "every live status counts as ordered",
                vec![
                    bought("o1", C::Accommodation, None, S::Open),
                    bought("o2", C::UnpaidWork, None, S::Offered),
                    bought("o3", C::DrugRehabilitation, None, S::Accepted),
                    bought("o4", C::FinanceBenefitDebt, None, S::InDelivery),
                    bought("o5", C::ThinkingBehaviour, None, S::Unmatched),
                    bought("o6", C::WomensServices, None, S::AwaitingApproval),
                ],
                vec![
                    item(C::Accommodation, None),
                    item(C::UnpaidWork, None),
                    item(C::DrugRehabilitation, None),
                    item(C::FinanceBenefitDebt, None),
                    item(C::ThinkingBehaviour, None),
                    item(C::WomensServices, None),
                ],
                vec![
                    (Keep, C::Accommodation, Some("o1")),
                    (Keep, C::UnpaidWork, Some("o2")),
                    (Keep, C::DrugRehabilitation, Some("o3")),
                    (Keep, C::FinanceBenefitDebt, Some("o4")),
                    (Keep, C::ThinkingBehaviour, Some("o5")),
                    (Keep, C::WomensServices, Some("o6")),
                ],
            ),
            (
                "a failed or cancelled order did not deliver: its need is bought again",
                vec![
                    bought("o1", C::DrugRehabilitation, None, S::Failed),
                    bought("o2", C::Accommodation, None, S::Cancelled),
                ],
                vec![
                    item(C::DrugRehabilitation, None),
                    item(C::Accommodation, None),
                ],
                vec![
                    (Buy, C::DrugRehabilitation, None),
                    (Buy, C::Accommodation, None),
                ],
            ),
            (
                "a new need is bought; a live order no longer needed is proposed for ending",
                vec![
                    bought("o1", C::Accommodation, None, S::InDelivery),
                    bought("o2", C::AlcoholTreatment, None, S::Accepted),
                ],
                vec![
                    item(C::AlcoholTreatment, None),
                    item(C::EducationTrainingEmployment, None),
                ],
                vec![
                    (Keep, C::AlcoholTreatment, Some("o2")),
                    (Buy, C::EducationTrainingEmployment, None),
                    (End, C::Accommodation, Some("o1")),
                ],
            ),
            (
                "a finished order no longer needed is left as it is",
                vec![
                    bought("o1", C::Accommodation, None, S::Completed),
                    bought("o2", C::UnpaidWork, None, S::Failed),
                    bought("o3", C::FinanceBenefitDebt, None, S::Cancelled),
                ],
                vec![],
                vec![],
            ),
            (
                "a named programme is kept only by an order for that programme",
                vec![bought(
                    "o1",
                    C::AccreditedProgramme,
                    Some("TSP"),
                    S::Accepted,
                )],
                vec![item(C::AccreditedProgramme, Some("BBR"))],
                vec![
                    (Buy, C::AccreditedProgramme, None),
                    (End, C::AccreditedProgramme, Some("o1")),
                ],
            ),
            (
                "an item naming no programme is answered by any order of its category",
                vec![bought(
                    "o1",
                    C::AccreditedProgramme,
                    Some("TSP"),
                    S::Accepted,
                )],
                vec![item(C::AccreditedProgramme, None)],
                vec![(Keep, C::AccreditedProgramme, Some("o1"))],
            ),
            (
                "each order answers one item: the second of a category is bought",
                vec![bought(
                    "o1",
                    C::AccreditedProgramme,
                    Some("TSP"),
                    S::InDelivery,
                )],
                vec![
                    item(C::AccreditedProgramme, Some("TSP")),
                    item(C::AccreditedProgramme, Some("TSP")),
                ],
                vec![
                    (Keep, C::AccreditedProgramme, Some("o1")),
                    (Buy, C::AccreditedProgramme, None),
                ],
            ),
            (
                "a live order is kept before a delivered one; the delivered one stays",
                vec![
                    bought("o1", C::UnpaidWork, None, S::Completed),
                    bought("o2", C::UnpaidWork, None, S::InDelivery),
                ],
                vec![item(C::UnpaidWork, None)],
                vec![(Keep, C::UnpaidWork, Some("o2"))],
            ),
            (
                "an unnamed item leaves the order for a programme another item names",
                vec![
                    bought("o1", C::AccreditedProgramme, Some("BBR"), S::Accepted),
                    bought("o2", C::AccreditedProgramme, None, S::Accepted),
                ],
                vec![
                    item(C::AccreditedProgramme, None),
                    item(C::AccreditedProgramme, Some("BBR")),
                ],
                vec![
                    (Keep, C::AccreditedProgramme, Some("o2")),
                    (Keep, C::AccreditedProgramme, Some("o1")),
                ],
            ),
            (
                "nothing bought: every item is bought",
                vec![],
                vec![item(C::UnpaidWork, None), item(C::Accommodation, None)],
                vec![(Buy, C::UnpaidWork, None), (Buy, C::Accommodation, None)],
            ),
        ];
        for (name, bought, needed, expected) in cases {
            let lines = revise(&bought, &needed);
            assert_eq!(shape(&lines), expected, "{name}");
            for line in &lines {
                assert_eq!(line.item.is_some(), line.proposal != End, "{name}");
                assert_eq!(line.order_id.is_some(), line.proposal != Buy, "{name}");
            }
        }
    }

    #[test]
    fn a_plan_is_due_for_review_months_after_approval() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let cases = [
            ("2026-12-04", 6, "2027-06-04"),
            ("2026-08-31", 6, "2027-02-28"),
            ("2027-08-31", 6, "2028-02-29"),
            ("2026-12-04", 1, "2027-01-04"),
            ("2026-12-04", 36, "2029-12-04"),
        ];
        for (approved, months, due) in cases {
            assert_eq!(
                review_date(d(approved), months),
                d(due),
                "{approved} + {months}"
            );
        }
        assert!(REVIEW_MONTHS.contains(&DEFAULT_REVIEW_MONTHS));
    }

    #[test]
    fn a_reason_is_needed_to_set_an_item_aside() {
        assert_eq!(
            set_aside_reason("  housing first "),
            Ok("housing first".into())
        );
        for bad in ["", "   ", &"x".repeat(2001)] {
            assert!(set_aside_reason(bad).is_err(), "{bad:?}");
        }
        assert!(set_aside_reason(&"é".repeat(2000)).is_ok());
    }

    #[test]
    fn revising_twice_with_the_same_needs_buys_nothing_the_second_time() {
        // Whatever the first revision bought is, once ordered, kept by the second.
        let needed = vec![
            item(C::UnpaidWork, None),
            item(C::AccreditedProgramme, Some("BBR")),
            item(C::Accommodation, None),
        ];
        let first = revise(&[], &needed);
        let ordered: Vec<Bought> = first
            .iter()
            .enumerate()
            .filter_map(|(i, l)| {
                let item = l.item.as_ref()?;
                Some(Bought {
                    order_id: format!("o{i}"),
                    category: item.category,
                    specification_code: item.specification_code.clone(),
                    status: S::Offered,
                })
            })
            .collect();
        let second = revise(&ordered, &needed);
        assert!(second.iter().all(|l| l.proposal == Proposal::Keep));
        assert_eq!(second.len(), needed.len());
    }
}
