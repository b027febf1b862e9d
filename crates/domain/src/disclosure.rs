//! Statistical disclosure control for the published reports about people (the equality
//! report): no figure may single out a handful of people.
//!
//! - **Primary suppression**: a count of 1 to 4 is not published (`[c]`). Zero is
//!   published: it singles out nobody.
//! - **Totals**: a breakdown's total is published unless it is itself 1 to 4.
//! - **Secondary suppression**: when a published total's breakdown has exactly one
//!   suppressed cell, that cell would be the total minus the others; so the next-smallest
//!   cell of the breakdown (a non-zero one first) is suppressed too. A breakdown with a
//!   published total then has no suppressed cell or at least two.
//! - **Derived measures** (a median waiting time, a rate) of a group are published only
//!   when the count they are computed from is at least 5 and the group's count itself is
//!   published.

/// The smallest count published.
pub const THRESHOLD: u64 = 5;

/// Whether a count is too small to publish: 1 to 4.
pub fn is_small(n: u64) -> bool {
    (1..THRESHOLD).contains(&n)
}

/// A breakdown after suppression: its total and its cells, `None` where suppressed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub total: Option<u64>,
    pub cells: Vec<Option<u64>>,
}

/// Suppresses a breakdown of a total into `cells` (e.g. placements by sex: female,
/// male); the total is their sum.
pub fn suppress(cells: &[u64]) -> Published {
    let total: u64 = cells.iter().sum();
    let mut hidden: Vec<bool> = cells.iter().map(|&n| is_small(n)).collect();
    let total_shown = !is_small(total);
    if total_shown && hidden.iter().filter(|&&h| h).count() == 1 {
        // The next-smallest published cell, a non-zero one first (a zero beside a
        // suppressed cell would tell the suppressed one's value all the same).
        let next = (0..cells.len())
            .filter(|&i| !hidden[i])
            .min_by_key(|&i| (cells[i] == 0, cells[i], i));
        if let Some(i) = next {
            hidden[i] = true;
        }
    }
    // A lone suppressed cell left (a one-cell breakdown) would be its total: the total
    // goes too.
    let total = (total_shown && hidden.iter().filter(|&&h| h).count() != 1).then_some(total);
    Published {
        total,
        cells: cells
            .iter()
            .zip(hidden)
            .map(|(&n, h)| (!h).then_some(n))
            .collect(),
    }
}

/// A measure derived from a count (e.g. the median of `from` waiting times), published
/// only when `from` is at least [`THRESHOLD`] and the count it belongs to is `shown`.
pub fn derived<T>(value: Option<T>, from: u64, shown: bool) -> Option<T> {
    value.filter(|_| shown && from >= THRESHOLD)
}

/// How a suppressed figure reads in a CSV file, as the ONS marks it.
pub const CSV_MARK: &str = "[c]";

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(cells: &[u64]) -> (Option<u64>, Vec<Option<u64>>) {
        let p = suppress(cells);
        (p.total, p.cells)
    }

    #[test]
    fn table_of_breakdowns() {
        #[allow(clippy::type_complexity)]
        let table: &[(&[u64], Option<u64>, &[Option<u64>])] = &[
            // Nothing small: everything published.
            (&[10, 7], Some(17), &[Some(10), Some(7)]),
            // Zeros are published.
            (&[0, 0], Some(0), &[Some(0), Some(0)]),
            (&[12, 0, 5], Some(17), &[Some(12), Some(0), Some(5)]),
            // One small cell: the next-smallest goes too.
            (&[3, 10, 7], Some(20), &[None, Some(10), None]),
            // ... a non-zero one, not a zero.
            (&[3, 0, 0, 6], Some(9), &[None, Some(0), Some(0), None]),
            // Two small cells protect each other.
            (&[1, 2, 9], Some(12), &[None, None, Some(9)]),
            // A small total: not published, nor its small cells.
            (&[3, 0], None, &[None, Some(0)]),
            (&[1, 1, 1], None, &[None, None, None]),
            // Ties: the first of the smallest.
            (&[4, 6, 6], Some(16), &[None, None, Some(6)]),
            // One cell: it is its total.
            (&[7], Some(7), &[Some(7)]),
            (&[2], None, &[None]),
        ];
        for (cells, total, published) in table {
            assert_eq!(s(cells), (*total, published.to_vec()), "{cells:?}");
        }
    }

    #[test]
    fn derived_measures_follow_their_count() {
        assert_eq!(derived(Some(12), 5, true), Some(12));
        assert_eq!(derived(Some(12), 4, true), None);
        assert_eq!(derived(Some(12), 9, false), None);
        assert_eq!(derived::<i64>(None, 9, true), None);
    }

    proptest! {
        #[test]
        fn no_small_figure_is_published_nor_recoverable(
            cells in proptest::collection::vec(prop_oneof![0u64..6, 0u64..40], 1..9)
        ) {
            let p = suppress(&cells);
            let total: u64 = cells.iter().sum();
            prop_assert_eq!(p.cells.len(), cells.len());
            // Published figures are the true ones, and none is 1 to 4.
            for (shown, &n) in p.cells.iter().zip(&cells) {
                if let Some(v) = shown {
                    prop_assert_eq!(*v, n);
                    prop_assert!(!is_small(*v));
                } else {
                    prop_assert!(n > 0, "a zero is never suppressed alone: {:?}", cells);
                }
            }
            // Every small cell is suppressed.
            for (shown, &n) in p.cells.iter().zip(&cells) {
                if is_small(n) {
                    prop_assert!(shown.is_none());
                }
            }
            match p.total {
                Some(t) => {
                    prop_assert_eq!(t, total);
                    prop_assert!(!is_small(t));
                    let hidden = p.cells.iter().filter(|c| c.is_none()).count();
                    prop_assert!(hidden == 0 || hidden >= 2, "{:?} -> {:?}", cells, p);
                }
                None => prop_assert!(is_small(total) || cells.len() == 1),
            }
        }

        #[test]
        fn a_derived_measure_is_never_published_from_a_small_count(
            value in 0i64..1000, from in 0u64..20, shown: bool
        ) {
            let d = derived(Some(value), from, shown);
            prop_assert_eq!(d.is_some(), shown && from >= THRESHOLD);
        }
    }
}
