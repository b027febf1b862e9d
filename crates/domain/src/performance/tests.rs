use proptest::prelude::*;

use super::*;

fn evidence(completed: u32, failed: u32, positive: u32, negative: u32) -> Evidence {
    Evidence {
        completed,
        failed,
        positive_outcomes: positive,
        negative_outcomes: negative,
    }
}

#[test]
fn blends_the_accreditation_score_with_observed_performance() {
    // (accreditation, evidence, adjusted)
    let table = [
        // No evidence: the accreditation score.
        (80, evidence(0, 0, 0, 0), 80),
        (0, evidence(0, 0, 0, 0), 0),
        (100, evidence(0, 0, 0, 0), 100),
        // Three failures: 80 + 0.4 × 3/33 × (0 − 80) = 77.09.
        (80, evidence(0, 3, 0, 0), 77),
        // Three bad outcomes: 80 + 0.6 × 3/33 × (0 − 80) = 75.64.
        (80, evidence(0, 0, 0, 3), 76),
        // Thirty of each, all good: 60 + 0.4 × ½ × 40 + 0.6 × ½ × 40 = 80.
        (60, evidence(30, 0, 30, 0), 80),
        // Thirty of each, all bad: 60 − 0.4 × ½ × 60 − 0.6 × ½ × 60 = 30.
        (60, evidence(0, 30, 0, 30), 30),
        // Evidence that agrees with the accreditation leaves it where it is.
        (75, evidence(3, 1, 3, 1), 75),
        // 300 completions of 300, 270 good outcomes of 300 (observed 0.4×100 + 0.6×90 = 94):
        // 70 + 0.4 × 300/330 × 30 + 0.6 × 300/330 × 20 = 91.82.
        (70, evidence(300, 0, 270, 30), 92),
    ];
    for (a, e, want) in table {
        assert_eq!(adjusted_score(a, &e), want, "{a} with {e:?}");
    }
}

#[test]
fn the_observed_score_weights_completion_and_outcomes() {
    assert_eq!(evidence(0, 0, 0, 0).observed(), None);
    assert_eq!(evidence(3, 1, 0, 0).observed(), Some(75));
    assert_eq!(evidence(0, 0, 1, 1).observed(), Some(50));
    // 0.4 × 100 + 0.6 × 50.
    assert_eq!(evidence(4, 0, 1, 1).observed(), Some(70));
}

#[test]
fn related_categories_are_symmetric_and_include_the_same_category() {
    for a in Category::ALL {
        assert!(related(*a, *a));
        for b in Category::ALL {
            assert_eq!(related(*a, *b), related(*b, *a), "{a} {b}");
        }
    }
    assert!(related(
        Category::AlcoholTreatment,
        Category::DrugRehabilitation
    ));
    assert!(related(
        Category::AccreditedProgramme,
        Category::ThinkingBehaviour
    ));
    assert!(!related(Category::UnpaidWork, Category::AlcoholTreatment));
    // No category is in two groups.
    for c in Category::ALL {
        let groups = RELATED_CATEGORIES.iter().filter(|g| g.contains(c)).count();
        assert!(groups <= 1, "{c}");
    }
}

fn any_evidence(max: u32) -> impl Strategy<Value = Evidence> {
    (0..=max, 0..=max, 0..=max, 0..=max).prop_map(|(c, f, p, n)| evidence(c, f, p, n))
}

proptest! {
    #[test]
    fn stays_between_the_accreditation_and_observed_scores(a in 0u8..=100, e in any_evidence(10_000)) {
        let adjusted = adjusted_score(a, &e);
        prop_assert!(adjusted <= 100);
        // Each rate pulls towards itself: the result lies within the range of A and the rates.
        let mut lo = a;
        let mut hi = a;
        for (good, n) in [(e.completed, e.ended()), (e.positive_outcomes, e.outcomes())] {
            if n > 0 {
                let r = ratio(u128::from(good) * 100, u128::from(n));
                lo = lo.min(r);
                hi = hi.max(r);
            }
        }
        prop_assert!(lo.saturating_sub(1) <= adjusted && adjusted <= hi.saturating_add(1).min(100),
            "{lo} ≤ {adjusted} ≤ {hi}");
    }

    #[test]
    fn moves_towards_the_observed_score_as_evidence_grows(
        a in 0u8..=100,
        (c, f, p, n) in (0u32..=5, 0u32..=5, 0u32..=5, 0u32..=5),
        times in 1u32..=50,
    ) {
        prop_assume!(c + f + p + n > 0);
        // Two rates pulling in opposite directions converge at different speeds, so the
        // blend may first overshoot; the property holds when both pull the same way.
        let side = |good: u32, all: u32| {
            (all > 0).then(|| ratio(u128::from(good) * 100, u128::from(all)).cmp(&a))
        };
        let sides = [side(c, c + f), side(p, p + n)];
        prop_assume!(!(sides.contains(&Some(std::cmp::Ordering::Less))
            && sides.contains(&Some(std::cmp::Ordering::Greater))));
        let small = evidence(c, f, p, n);
        let large = evidence(c * times, f * times, p * times, n * times);
        let (s, l) = (adjusted_score(a, &small), adjusted_score(a, &large));
        // The same rates, more orders: no further from the observed score (up to rounding).
        let many = 1_000_000;
        let target = i32::from(adjusted_score(a, &evidence(c * many, f * many, p * many, n * many)));
        prop_assert!((i32::from(l) - target).abs() <= (i32::from(s) - target).abs() + 1,
            "{a}: {s} with {small:?}, {l} with {large:?}, towards {target}");
    }

    #[test]
    fn one_more_order_never_moves_it_the_wrong_way(a in 0u8..=100, e in any_evidence(200)) {
        let base = adjusted_score(a, &e);
        let better = [
            Evidence { completed: e.completed + 1, ..e },
            Evidence { positive_outcomes: e.positive_outcomes + 1, ..e },
        ];
        let worse = [
            Evidence { failed: e.failed + 1, ..e },
            Evidence { negative_outcomes: e.negative_outcomes + 1, ..e },
        ];
        for b in better {
            prop_assert!(adjusted_score(a, &b) >= base);
        }
        for w in worse {
            prop_assert!(adjusted_score(a, &w) <= base);
        }
    }

    #[test]
    fn a_few_orders_move_it_little(a in 0u8..=100, e in any_evidence(3)) {
        prop_assume!(e.ended() <= 3 && e.outcomes() <= 3);
        let moved = (i32::from(adjusted_score(a, &e)) - i32::from(a)).abs();
        // At most 100 × 3 / 33 ≈ 9 points.
        prop_assert!(moved <= 10, "{moved}");
    }

    #[test]
    fn equals_the_accreditation_score_without_evidence(a in 0u8..=100) {
        prop_assert_eq!(adjusted_score(a, &Evidence::default()), a);
    }
}

proptest! {
    /// The 64-bit arithmetic of short records gives what the 128-bit formula gives.
    #[test]
    fn short_records_in_64_bits_equal_the_wide_formula(
        a in 0u8..=255,
        e in any_evidence(1 << 19),
    ) {
        prop_assert_eq!(adjusted_small(a, &e), adjusted_wide(a, &e));
    }
}
