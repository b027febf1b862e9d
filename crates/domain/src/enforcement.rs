//! Enforcement (SPEC.md §2, "Enforcement"): a provider's report of a missed appointment or
//! of non-compliance is the offender manager's decision point. The absence is judged
//! acceptable, or it is an unacceptable failure and the person is warned; by the breach
//! rule (by default a second unacceptable failure within 12 months) the case is flagged
//! for breach, and the breach is recorded with its outcome.
//!
//! Failures judged before the last breach was decided do not count again: breach
//! proceedings answer them.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

crate::string_enum! {
    /// The offender manager's decision on a missed appointment or non-compliance.
    pub enum FailureDecision {
        /// An acceptable absence (illness with evidence, a court date, ...): it counts
        /// for nothing.
        Acceptable => "acceptable",
        /// An unacceptable failure: the person is warned, and it counts toward breach.
        Warning => "warning",
    }
}

crate::string_enum! {
    /// What breach proceedings decided.
    pub enum BreachOutcome {
        /// The order goes on as it was.
        Continue => "continue",
        /// The requirement was varied (more hours, a new intervention): the order goes on.
        Varied => "varied",
        /// The order was revoked: the intervention ends.
        Revoked => "revoked",
    }
}

crate::string_enum! {
    /// Where a breach of an order is.
    pub enum BreachStatus {
        /// The breach rule was met: the offender manager is to start proceedings.
        Flagged => "flagged",
        /// Proceedings started: the order is paused until the outcome.
        InProceedings => "in_proceedings",
        /// The outcome is recorded.
        Decided => "decided",
        /// The order ended another way (custody, death, a transfer…) before an outcome.
        Closed => "closed",
    }
}

impl BreachStatus {
    /// Is the breach still to be dealt with (flagged, or in proceedings)?
    pub fn is_open(self) -> bool {
        matches!(self, Self::Flagged | Self::InProceedings)
    }

    /// The status once the order ends another way: an open breach is closed; a decided
    /// or closed one cannot be (the status it is in).
    pub fn close(self) -> Result<Self, Self> {
        if self.is_open() {
            Ok(Self::Closed)
        } else {
            Err(self)
        }
    }

    /// The status after proceedings start (`outcome` None) or their outcome is recorded,
    /// or the status it is in when that step is illegal.
    pub fn next(self, outcome: Option<BreachOutcome>) -> Result<Self, Self> {
        match (self, outcome) {
            (Self::Flagged, None) => Ok(Self::InProceedings),
            (Self::InProceedings, Some(_)) => Ok(Self::Decided),
            (current, _) => Err(current),
        }
    }
}

impl BreachOutcome {
    /// Does the outcome end the intervention?
    pub fn ends_order(self) -> bool {
        self == Self::Revoked
    }
}

/// The most failures a breach rule may count to, and the longest window, in months.
pub const MAX_RULE_FAILURES: u32 = 10;
pub const MAX_RULE_MONTHS: u32 = 36;

/// When a case is flagged for breach: `failures` unacceptable failures within `months`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BreachRule {
    #[schema(minimum = 1, maximum = 10, example = 2)]
    pub failures: u32,
    #[schema(minimum = 1, maximum = 36, example = 12)]
    pub months: u32,
}

impl Default for BreachRule {
    /// A second unacceptable failure within 12 months.
    fn default() -> Self {
        Self {
            failures: 2,
            months: 12,
        }
    }
}

impl BreachRule {
    /// The rule, or what is wrong with it in the caller's words.
    pub fn new(failures: u32, months: u32) -> Result<Self, String> {
        if !(1..=MAX_RULE_FAILURES).contains(&failures) {
            return Err(format!(
                "count between 1 and {MAX_RULE_FAILURES} unacceptable failures"
            ));
        }
        if !(1..=MAX_RULE_MONTHS).contains(&months) {
            return Err(format!("a window of 1 to {MAX_RULE_MONTHS} months"));
        }
        Ok(Self { failures, months })
    }

    /// The first day of the window that ends on `on`.
    fn window_start(&self, on: NaiveDate) -> NaiveDate {
        on.checked_sub_months(Months::new(self.months))
            .unwrap_or(NaiveDate::MIN)
    }

    /// Is the case due for breach on `on`, given the days of its unacceptable failures
    /// (`warnings`) and the day the last breach was decided, if any? Failures after `on`
    /// or on or before the last breach do not count; the window runs back `months` from
    /// `on`, excluding its first day (12 months back from 2027-03-10 counts from
    /// 2026-03-11).
    pub fn breach_due(
        &self,
        warnings: &[NaiveDate],
        last_breach: Option<NaiveDate>,
        on: NaiveDate,
    ) -> bool {
        let from = self.window_start(on);
        let counted = warnings
            .iter()
            .filter(|d| **d > from && **d <= on)
            .filter(|d| last_breach.is_none_or(|b| **d > b))
            .count();
        u32::try_from(counted).unwrap_or(u32::MAX) >= self.failures
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn the_default_rule_is_a_second_unacceptable_failure_within_12_months() {
        let rule = BreachRule::default();
        // (warnings, last breach, on, due?)
        let cases: [(&[&str], Option<&str>, &str, bool); 9] = [
            (&[], None, "2027-03-10", false),
            (&["2027-03-10"], None, "2027-03-10", false),
            (&["2027-01-05", "2027-03-10"], None, "2027-03-10", true),
            // The first failure 12 months and a day before: still in the window.
            (&["2026-03-11", "2027-03-10"], None, "2027-03-10", true),
            // Exactly 12 months before: out of it.
            (&["2026-03-10", "2027-03-10"], None, "2027-03-10", false),
            // A failure not yet happened on `on` does not count.
            (&["2027-01-05", "2027-04-01"], None, "2027-03-10", false),
            // A breach decided since the first failure answered it.
            (
                &["2027-01-05", "2027-03-10"],
                Some("2027-02-01"),
                "2027-03-10",
                false,
            ),
            (
                &["2027-02-05", "2027-03-10"],
                Some("2027-02-01"),
                "2027-03-10",
                true,
            ),
            // A failure on the breach's day was part of it.
            (
                &["2027-02-01", "2027-03-10"],
                Some("2027-02-01"),
                "2027-03-10",
                false,
            ),
        ];
        for (warnings, last, on, due) in cases {
            let warnings: Vec<NaiveDate> = warnings.iter().map(|w| d(w)).collect();
            assert_eq!(
                rule.breach_due(&warnings, last.map(d), d(on)),
                due,
                "{warnings:?} since {last:?} on {on}"
            );
        }
    }

    #[test]
    fn a_stricter_or_looser_rule_counts_its_own_window() {
        let warnings = [d("2026-06-01"), d("2026-11-01"), d("2027-01-10")];
        let on = d("2027-01-10");
        assert!(BreachRule::new(1, 1)
            .expect("rule")
            .breach_due(&warnings, None, on));
        assert!(BreachRule::new(2, 3)
            .expect("rule")
            .breach_due(&warnings, None, on));
        assert!(!BreachRule::new(3, 6)
            .expect("rule")
            .breach_due(&warnings, None, on));
        assert!(BreachRule::new(3, 12)
            .expect("rule")
            .breach_due(&warnings, None, on));
        assert!(!BreachRule::new(4, 36)
            .expect("rule")
            .breach_due(&warnings, None, on));
    }

    #[test]
    fn a_rule_out_of_range_is_refused_in_words() {
        assert!(BreachRule::new(0, 12)
            .expect_err("no failures")
            .contains("between 1 and 10"));
        assert!(BreachRule::new(2, 0)
            .expect_err("no window")
            .contains("1 to 36 months"));
        assert!(BreachRule::new(11, 12).is_err());
        assert!(BreachRule::new(2, 37).is_err());
        assert_eq!(BreachRule::new(2, 12), Ok(BreachRule::default()));
    }

    #[test]
    fn only_an_open_breach_is_closed_when_its_order_ends_another_way() {
        use BreachStatus as B;
        let table = [
            (B::Flagged, Ok(B::Closed)),
            (B::InProceedings, Ok(B::Closed)),
            (B::Decided, Err(B::Decided)),
            (B::Closed, Err(B::Closed)),
        ];
        assert_eq!(table.len(), B::ALL.len());
        for (status, expected) in table {
            assert_eq!(status.close(), expected, "{status}");
            assert_eq!(status.is_open(), expected.is_ok(), "{status}");
        }
    }

    #[test]
    fn proceedings_start_on_a_flag_and_end_with_an_outcome() {
        use BreachStatus as B;
        for status in B::ALL {
            let start = status.next(None);
            assert_eq!(
                start,
                if *status == B::Flagged {
                    Ok(B::InProceedings)
                } else {
                    Err(*status)
                },
                "start on {status}"
            );
            for outcome in BreachOutcome::ALL {
                let decided = status.next(Some(*outcome));
                assert_eq!(
                    decided,
                    if *status == B::InProceedings {
                        Ok(B::Decided)
                    } else {
                        Err(*status)
                    },
                    "{outcome} on {status}"
                );
            }
        }
    }

    #[test]
    fn only_a_revocation_ends_the_order() {
        for outcome in BreachOutcome::ALL {
            let ends = *outcome == BreachOutcome::Revoked;
            assert_eq!(outcome.ends_order(), ends, "{outcome}");
        }
    }
}
