//! Payment by milestone (SPEC.md §2): an order's locked price is split by its
//! specification's payment model, and each milestone is paid at most once.

use chrono::{Datelike, NaiveDate};

use crate::specification::{Milestone, PaymentShare};

/// Each milestone's amount in pence: `price × percent / 100`, rounded down, with what the
/// rounding left over added to the model's last milestone — so the parts always sum to
/// the price exactly, and no part is ever rounded up except the last.
pub fn split(price_pence: i64, shares: &[PaymentShare]) -> Vec<(Milestone, i64)> {
    let mut parts: Vec<(Milestone, i64)> = shares
        .iter()
        .map(|s| (s.milestone, price_pence * i64::from(s.percent) / 100))
        .collect();
    let paid: i64 = parts.iter().map(|(_, p)| p).sum();
    if let Some(last) = parts.last_mut() {
        last.1 += price_pence - paid;
    }
    parts
}

/// The financial year a date falls in, named by the calendar year it starts in: April to
/// March, so 2026-04-01 to 2027-03-31 is financial year 2026.
pub fn financial_year(date: NaiveDate) -> i32 {
    if date.month() >= 4 {
        date.year()
    } else {
        date.year() - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shares(p: &[(Milestone, u8)]) -> Vec<PaymentShare> {
        p.iter()
            .map(|(milestone, percent)| PaymentShare {
                milestone: *milestone,
                percent: *percent,
            })
            .collect()
    }

    #[test]
    fn parts_always_sum_to_the_price() {
        use Milestone::*;
        let model = shares(&[(Start, 20), (Completion, 50), (Outcome, 30)]);
        assert_eq!(
            split(52_000, &model),
            vec![(Start, 10_400), (Completion, 26_000), (Outcome, 15_600)]
        );
        // 33,333 × 20 % = 6,666.6 → 6,666; × 50 % = 16,666.5 → 16,666; the 30 % part takes
        // the pence the rounding left: 9,999.9 → 9,999 + 2.
        assert_eq!(
            split(33_333, &model),
            vec![(Start, 6_666), (Completion, 16_666), (Outcome, 10_001)]
        );
        for price in [0, 1, 7, 99, 101, 33_333, 52_001, 999_999_999] {
            for model in [
                shares(&[(Completion, 100)]),
                shares(&[(Start, 33), (Completion, 33), (Outcome, 34)]),
                shares(&[(Start, 1), (Outcome, 99)]),
            ] {
                let parts = split(price, &model);
                assert_eq!(parts.iter().map(|(_, p)| p).sum::<i64>(), price, "{price}");
                assert!(parts.iter().all(|(_, p)| *p >= 0));
            }
        }
    }

    #[test]
    fn financial_years_run_april_to_march() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert_eq!(financial_year(d("2026-04-01")), 2026);
        assert_eq!(financial_year(d("2027-03-31")), 2026);
        assert_eq!(financial_year(d("2026-03-31")), 2025);
        assert_eq!(financial_year(d("2026-11-23")), 2026);
    }
}
