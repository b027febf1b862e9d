//! Outcomes per person (issue 17): the outcome milestone is earned by the person over a
//! measurement period, graduated (a binary part and a frequency part) and attributed
//! across the providers whose orders were started in the period, pro rata to their
//! prices. Pure rules: integer pence, rounded down, with deterministic remainders.

use chrono::{Months, NaiveDate};

use crate::specification::OutcomeSplit;

/// The average number of proven reoffences per reoffender, in tenths: 3.5. The Ministry
/// of Justice's proven reoffending statistics (England and Wales, quarterly) report
/// reoffenders committing on average between three and four reoffences each in the
/// one-year follow-up period; 3.5 is the middle of that range.
pub const REOFFENCES_PER_REOFFENDER_TENTHS: i64 = 35;

/// The reoffences predicted for a person, in thousandths: the assessment's reoffending
/// probability (0–100 %) times the average reoffences per reoffender.
/// `probability% / 100 × 3.5 × 1000 = probability × 35`.
pub fn predicted_milli(reoffending_probability: u8) -> i64 {
    i64::from(reoffending_probability.min(100)) * REOFFENCES_PER_REOFFENDER_TENTHS
}

/// An order as a measurement period sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartedOrder {
    pub id: String,
    pub actual_start: NaiveDate,
    /// The measurement period its payment model sets, in months.
    pub period_months: u32,
}

/// One of a person's measurement periods: from `start` up to, not including, `end`; the
/// orders started in it (in start order, then by id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub order_ids: Vec<String>,
}

impl Period {
    /// Is the period over on `today`? Its last day is the day before `end`.
    pub fn over(&self, today: NaiveDate) -> bool {
        self.end <= today
    }
}

/// The first day after a period of `months` starting on `start` (the same day of the
/// month, or the month's last day when it has none).
pub fn period_end(start: NaiveDate, months: u32) -> NaiveDate {
    start
        .checked_add_months(Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

/// A person's measurement periods: the first starts on the earliest actual start; an
/// order belongs to the period containing its actual start; the next period starts at
/// the first actual start on or after the previous period's end. A period's length is
/// the one the payment model of the order that opened it sets.
pub fn periods(orders: &[StartedOrder]) -> Vec<Period> {
    let mut sorted: Vec<&StartedOrder> = orders.iter().collect();
    sorted.sort_by(|a, b| (a.actual_start, &a.id).cmp(&(b.actual_start, &b.id)));
    let mut periods: Vec<Period> = Vec::new();
    for order in sorted {
        match periods.last_mut() {
            Some(p) if order.actual_start < p.end => p.order_ids.push(order.id.clone()),
            _ => periods.push(Period {
                start: order.actual_start,
                end: period_end(order.actual_start, order.period_months),
                order_ids: vec![order.id.clone()],
            }),
        }
    }
    periods
}

/// The graduated outcome payment of a person-period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Graduated {
    /// The binary part: `pot × binary% / 100` when no reoffence was proven, else 0.
    pub binary_pence: i64,
    /// The frequency part: `pot × frequency% / 100 × max(0, predicted − actual) /
    /// predicted` (0 when nothing was predicted).
    pub frequency_pence: i64,
}

impl Graduated {
    pub fn total(self) -> i64 {
        self.binary_pence + self.frequency_pence
    }
}

/// The graduated payment earned from `pot_pence` (the outcome milestone amounts of the
/// period's attributed orders): each part rounded down to the penny on its own.
pub fn graduated(
    pot_pence: i64,
    split: OutcomeSplit,
    proven_reoffences: u32,
    predicted_milli: i64,
) -> Graduated {
    let pot = i128::from(pot_pence.max(0));
    let binary_pence = if proven_reoffences == 0 {
        pot * i128::from(split.binary_percent) / 100
    } else {
        0
    };
    let predicted = i128::from(predicted_milli.max(0));
    let fewer = (predicted - i128::from(proven_reoffences) * 1000).max(0);
    let frequency_pence = if predicted == 0 {
        0
    } else {
        pot * i128::from(split.frequency_percent) * fewer / (100 * predicted)
    };
    Graduated {
        binary_pence: i64::try_from(binary_pence).unwrap_or(i64::MAX),
        frequency_pence: i64::try_from(frequency_pence).unwrap_or(i64::MAX),
    }
}

/// Splits `amount_pence` across orders pro rata to their prices (largest remainder):
/// each gets `amount × price / total` rounded down, and the pence left over go one each
/// to the largest remainders, ties to the higher price, then the lower order id. The
/// parts always sum to `amount_pence`. When every price is 0 the orders weigh the same.
/// The result is in the order given.
pub fn attribute(amount_pence: i64, orders: &[(String, i64)]) -> Vec<(String, i64)> {
    if orders.is_empty() {
        return Vec::new();
    }
    let amount = i128::from(amount_pence.max(0));
    let all_zero = orders.iter().all(|(_, p)| *p <= 0);
    let weight = |p: i64| if all_zero { 1 } else { i128::from(p.max(0)) };
    let total: i128 = orders.iter().map(|(_, p)| weight(*p)).sum();
    let mut parts: Vec<(usize, i128, i128)> = orders
        .iter()
        .enumerate()
        .map(|(i, (_, p))| {
            let exact = amount * weight(*p);
            (i, exact / total, exact % total)
        })
        .collect();
    let given: i128 = parts.iter().map(|(_, share, _)| share).sum();
    let mut left = amount - given;
    let mut by_remainder: Vec<usize> = (0..parts.len()).collect();
    by_remainder.sort_by(|&a, &b| {
        parts[b]
            .2
            .cmp(&parts[a].2)
            .then(orders[b].1.cmp(&orders[a].1))
            .then(orders[a].0.cmp(&orders[b].0))
    });
    for i in by_remainder {
        if left == 0 {
            break;
        }
        parts[i].1 += 1;
        left -= 1;
    }
    parts
        .into_iter()
        .map(|(i, share, _)| {
            (
                orders[i].0.clone(),
                i64::try_from(share).unwrap_or(i64::MAX),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn started(id: &str, on: &str, months: u32) -> StartedOrder {
        StartedOrder {
            id: id.into(),
            actual_start: d(on),
            period_months: months,
        }
    }

    const HALF: OutcomeSplit = OutcomeSplit {
        binary_percent: 50,
        frequency_percent: 50,
    };

    #[test]
    fn orders_fall_in_the_period_their_start_is_in() {
        let p = periods(&[
            started("o3", "2027-03-01", 12),
            started("o1", "2026-01-15", 12),
            started("o2", "2026-06-01", 6),
            started("o4", "2027-01-15", 12),
        ]);
        assert_eq!(
            p,
            vec![
                Period {
                    start: d("2026-01-15"),
                    end: d("2027-01-15"),
                    order_ids: vec!["o1".into(), "o2".into()],
                },
                // The first start on or after the end opens the next, its own length.
                Period {
                    start: d("2027-01-15"),
                    end: d("2028-01-15"),
                    order_ids: vec!["o4".into(), "o3".into()],
                },
            ]
        );
        assert!(!p[0].over(d("2027-01-14")) && p[0].over(d("2027-01-15")));
        assert_eq!(periods(&[]), vec![]);
        // A period from the 31st ends on the last day of a shorter month.
        assert_eq!(period_end(d("2026-08-31"), 6), d("2027-02-28"));
    }

    #[test]
    fn the_graduated_payment_table() {
        // pot, reoffences, probability → (binary, frequency)
        #[allow(clippy::type_complexity)]
        let cases: &[(i64, u32, u8, OutcomeSplit, (i64, i64))] = &[
            // No reoffence, predicted 0.6 × 3.5 = 2.1: both parts in full.
            (15_600, 0, 60, HALF, (7_800, 7_800)),
            // One reoffence of 2.1 predicted: no binary part; 1.1/2.1 of the frequency part.
            // 7,800 × 1.1 / 2.1 = 4,085.71 → 4,085.
            (15_600, 1, 60, HALF, (0, 4_085)),
            // Three of 2.1 predicted: nothing.
            (15_600, 3, 60, HALF, (0, 0)),
            // Nothing predicted: only the binary part can be earned.
            (15_600, 0, 0, HALF, (7_800, 0)),
            // A 100/0 split is the old yes/no outcome.
            (
                15_600,
                0,
                60,
                OutcomeSplit {
                    binary_percent: 100,
                    frequency_percent: 0,
                },
                (15_600, 0),
            ),
            // Rounding down, each part on its own: 33,333 / 2 = 16,666.5.
            (33_333, 0, 100, HALF, (16_666, 16_666)),
            (0, 0, 50, HALF, (0, 0)),
        ];
        for (pot, actual, probability, split, (binary, frequency)) in cases {
            let g = graduated(*pot, *split, *actual, predicted_milli(*probability));
            assert_eq!(
                (g.binary_pence, g.frequency_pence),
                (*binary, *frequency),
                "pot {pot}, {actual} reoffences, {probability} %"
            );
            assert!(g.total() <= *pot);
        }
        assert_eq!(predicted_milli(60), 2_100);
        assert_eq!(predicted_milli(200), 3_500, "capped at 100 %");
    }

    fn ids(parts: &[(String, i64)]) -> Vec<(&str, i64)> {
        parts.iter().map(|(id, p)| (id.as_str(), *p)).collect()
    }

    #[test]
    fn the_attribution_table() {
        let o = |id: &str, p: i64| (id.to_owned(), p);
        // Pro rata: 2:1:1.
        assert_eq!(
            ids(&attribute(
                1_000,
                &[o("a", 52_000), o("b", 26_000), o("c", 26_000)]
            )),
            vec![("a", 500), ("b", 250), ("c", 250)]
        );
        // 100 pence in three equal parts: the penny left goes to the lowest id.
        assert_eq!(
            ids(&attribute(100, &[o("c", 10), o("a", 10), o("b", 10)])),
            vec![("c", 33), ("a", 34), ("b", 33)]
        );
        // Equal remainders: the higher price takes the penny before the lower id.
        assert_eq!(
            ids(&attribute(1, &[o("a", 100), o("b", 200)])),
            vec![("a", 0), ("b", 1)]
        );
        // Largest remainder wins: 10 × 1/3 = 3.33, 10 × 2/3 = 6.67.
        assert_eq!(
            ids(&attribute(10, &[o("a", 1), o("b", 2)])),
            vec![("a", 3), ("b", 7)]
        );
        // No prices: equal weights.
        assert_eq!(
            ids(&attribute(5, &[o("a", 0), o("b", 0)])),
            vec![("a", 3), ("b", 2)]
        );
        assert_eq!(attribute(5, &[]), vec![]);
    }

    /// A small deterministic generator (xorshift64*), so the property tests need no
    /// dependency and always run the same cases.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    #[test]
    fn attribution_always_sums_to_the_payment_to_the_penny() {
        let mut g = Gen(0x9E37_79B9_7F4A_7C15);
        for _ in 0..20_000 {
            let n = 1 + g.below(6) as usize;
            let orders: Vec<(String, i64)> = (0..n)
                .map(|i| (format!("ord{i}"), g.below(2_000_000) as i64))
                .collect();
            let amount = g.below(5_000_000) as i64;
            let parts = attribute(amount, &orders);
            assert_eq!(parts.iter().map(|(_, p)| p).sum::<i64>(), amount);
            assert!(parts.iter().all(|(_, p)| *p >= 0));
            // Each part is within a penny of its exact pro-rata share.
            let total: i128 = orders.iter().map(|(_, p)| i128::from(*p)).sum();
            if total > 0 {
                for ((_, price), (_, part)) in orders.iter().zip(&parts) {
                    let exact = i128::from(amount) * i128::from(*price);
                    let floor = exact / total;
                    assert!(
                        i128::from(*part) == floor || i128::from(*part) == floor + 1,
                        "{orders:?} {amount} {parts:?}"
                    );
                }
            }
            // Deterministic whatever order the orders come in.
            let mut reversed = orders.clone();
            reversed.reverse();
            let mut again = attribute(amount, &reversed);
            again.sort();
            let mut sorted = parts.clone();
            sorted.sort();
            assert_eq!(again, sorted);
        }
    }

    #[test]
    fn the_graduated_payment_never_exceeds_the_pot_and_falls_with_reoffences() {
        let mut g = Gen(0x1234_5678_9ABC_DEF1);
        for _ in 0..20_000 {
            let pot = g.below(10_000_000) as i64;
            let binary = g.below(101) as u8;
            let split = OutcomeSplit {
                binary_percent: binary,
                frequency_percent: 100 - binary,
            };
            let predicted = predicted_milli(g.below(101) as u8);
            let actual = g.below(8) as u32;
            let now = graduated(pot, split, actual, predicted);
            let worse = graduated(pot, split, actual + 1, predicted);
            assert!(now.total() <= pot && now.binary_pence >= 0 && now.frequency_pence >= 0);
            assert!(
                worse.total() <= now.total(),
                "more reoffences never pay more"
            );
        }
    }

    #[test]
    fn periods_hold_every_order_once_and_never_overlap() {
        let mut g = Gen(42);
        let base = d("2026-01-01");
        for _ in 0..5_000 {
            let n = 1 + g.below(8) as usize;
            let orders: Vec<StartedOrder> = (0..n)
                .map(|i| StartedOrder {
                    id: format!("o{i}"),
                    actual_start: base + chrono::Duration::days(g.below(1_500) as i64),
                    period_months: 1 + g.below(24) as u32,
                })
                .collect();
            let ps = periods(&orders);
            let mut seen: Vec<&String> = ps.iter().flat_map(|p| &p.order_ids).collect();
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), n);
            for w in ps.windows(2) {
                assert!(w[0].end <= w[1].start);
            }
            for p in &ps {
                for id in &p.order_ids {
                    let o = orders.iter().find(|o| &o.id == id).expect("order");
                    assert!(p.start <= o.actual_start && o.actual_start < p.end);
                }
            }
        }
    }
}
