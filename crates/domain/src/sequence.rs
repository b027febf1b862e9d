//! Sequencing a plan's items (SPEC.md §2, "Plan revision"; 003 ¶135): the offender
//! manager can say that one item must start after another — accommodation before an
//! accredited programme. The later item may then start only after the earlier one's
//! start, and its required-by date moves so that it keeps its own lead time from that
//! start.
//!
//! The earlier item's start is its committed start date once it is placed; before that
//! (or if it found no place) the latest it may start, its required-by date.

use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// "Item `item` starts after item `after`", by their positions in the plan (from 0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct After {
    pub item: usize,
    pub after: usize,
}

/// Why a set of sequencing constraints cannot hold.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SequenceError {
    #[error("the plan has no item {0}")]
    NoSuchItem(usize),
    #[error("item {0} cannot start after itself")]
    SelfReference(usize),
    #[error("items {0:?} would each have to start after another: a circle")]
    Circle(Vec<usize>),
}

/// The items in an order that honours every constraint (each item after those it must
/// follow), otherwise keeping the plan's order; or why there is none.
pub fn start_order(items: usize, constraints: &[After]) -> Result<Vec<usize>, SequenceError> {
    for c in constraints {
        for i in [c.item, c.after] {
            if i >= items {
                return Err(SequenceError::NoSuchItem(i));
            }
        }
        if c.item == c.after {
            return Err(SequenceError::SelfReference(c.item));
        }
    }
    let mut waiting_on = vec![0usize; items];
    for c in constraints {
        waiting_on[c.item] += 1;
    }
    let mut done = vec![false; items];
    let mut order = Vec::with_capacity(items);
    // Kahn's algorithm, always taking the first ready item in plan order: plans are short.
    while order.len() < items {
        let Some(next) = (0..items).find(|i| !done[*i] && waiting_on[*i] == 0) else {
            let circle = (0..items).filter(|i| !done[*i]).collect();
            return Err(SequenceError::Circle(circle));
        };
        done[next] = true;
        order.push(next);
        for c in constraints.iter().filter(|c| c.after == next) {
            waiting_on[c.item] -= 1;
        }
    }
    Ok(order)
}

/// The start a later item waits for: the earlier item's committed start date once it is
/// placed, otherwise the latest it may start (its required-by date).
pub fn earlier_start(committed: Option<NaiveDate>, required_by: NaiveDate) -> NaiveDate {
    committed.unwrap_or(required_by)
}

/// When an item may start: not before `not_before` (if any), and by `required_by`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Window {
    pub not_before: Option<NaiveDate>,
    pub required_by: NaiveDate,
}

/// The window of an item with its own `required_by` and lead time that must start after
/// an item starting on `earlier_start`: from the day after that start, and by the later
/// of its own date and its lead time counted from that start.
pub fn window_after(
    required_by: NaiveDate,
    lead_time_days: u32,
    earlier_start: NaiveDate,
) -> Window {
    let after = earlier_start
        .checked_add_days(Days::new(1))
        .unwrap_or(NaiveDate::MAX);
    let own_lead = earlier_start
        .checked_add_days(Days::new(u64::from(lead_time_days)))
        .unwrap_or(NaiveDate::MAX);
    Window {
        not_before: Some(after),
        required_by: required_by.max(own_lead).max(after),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(item: usize, after: usize) -> After {
        After { item, after }
    }

    #[test]
    fn items_start_after_those_they_follow_and_otherwise_keep_the_plans_order() {
        let cases: [(usize, Vec<After>, Vec<usize>); 5] = [
            (3, vec![], vec![0, 1, 2]),
            // The programme (0) after accommodation (2).
            (3, vec![after(0, 2)], vec![1, 2, 0]),
            (4, vec![after(0, 3), after(3, 1)], vec![1, 2, 3, 0]),
            // Two items after one.
            (3, vec![after(0, 2), after(1, 2)], vec![2, 0, 1]),
            (0, vec![], vec![]),
        ];
        for (items, constraints, expected) in cases {
            let order = start_order(items, &constraints).expect("possible");
            assert_eq!(order, expected, "{constraints:?}");
            for c in &constraints {
                let pos = |i| order.iter().position(|o| *o == i).expect("listed");
                assert!(pos(c.after) < pos(c.item), "{c:?} in {order:?}");
            }
        }
    }

    #[test]
    fn impossible_sequences_are_refused_in_words() {
        assert_eq!(
            start_order(2, &[after(0, 1), after(1, 0)]),
            Err(SequenceError::Circle(vec![0, 1]))
        );
        assert_eq!(
            start_order(3, &[after(0, 1), after(1, 2), after(2, 0)])
                .expect_err("circle")
                .to_string(),
            "items [0, 1, 2] would each have to start after another: a circle"
        );
        assert_eq!(
            start_order(2, &[after(1, 1)]),
            Err(SequenceError::SelfReference(1))
        );
        assert_eq!(
            start_order(2, &[after(0, 2)]),
            Err(SequenceError::NoSuchItem(2))
        );
    }

    #[test]
    fn the_earlier_start_is_the_committed_date_else_the_latest_allowed() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert_eq!(
            earlier_start(Some(d("2027-01-04")), d("2027-02-01")),
            d("2027-01-04")
        );
        assert_eq!(earlier_start(None, d("2027-02-01")), d("2027-02-01"));
    }

    #[test]
    fn a_later_item_keeps_its_lead_time_from_the_earlier_start() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        // Accommodation starts 2027-01-04; a programme due by 2027-03-01 with 90 days'
        // lead time now has until 2027-04-04, and starts from 2027-01-05.
        assert_eq!(
            window_after(d("2027-03-01"), 90, d("2027-01-04")),
            Window {
                not_before: Some(d("2027-01-05")),
                required_by: d("2027-04-04")
            }
        );
        // Its own date, when later, stands.
        assert_eq!(
            window_after(d("2027-06-01"), 21, d("2027-01-04")).required_by,
            d("2027-06-01")
        );
        // A lead time of zero days still leaves the day after the earlier start.
        assert_eq!(
            window_after(d("2027-01-01"), 0, d("2027-01-04")),
            Window {
                not_before: Some(d("2027-01-05")),
                required_by: d("2027-01-05")
            }
        );
    }
}
