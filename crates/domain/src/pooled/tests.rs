use proptest::prelude::*;

use super::*;

fn funder(contributor: &str, contributed: i64, carried_in: i64) -> Funder {
    Funder {
        contributor: contributor.into(),
        contributed_pence: contributed,
        carried_in_pence: carried_in,
    }
}

/// An amount, the contributors' weights, and the parts expected.
type Case<'a> = (i64, &'a [(&'a str, i64)], &'a [i64]);

#[test]
fn attribution_table() {
    let three = [
        ("health", 1),
        ("police_and_crime_commissioner", 1),
        ("probation", 1),
    ];
    let cases: &[Case] = &[
        // 100p three ways: 33 each and the penny left to the first key.
        (100, &three, &[34, 33, 33]),
        // 101p: two pennies left, to the first two keys.
        (101, &three, &[34, 34, 33]),
        (0, &three, &[0, 0, 0]),
        // 50/30/20 of £1,000.01: exact remainders 0.5, 0.3, 0.2 → the penny to the largest.
        (
            100_001,
            &[("a", 50), ("b", 30), ("c", 20)],
            &[50_001, 30_000, 20_000],
        ),
        // Remainders decide before names: b has the larger remainder.
        (10, &[("a", 1), ("b", 2)], &[3, 7]),
        // One contributor takes everything.
        (12_345, &[("probation", 7)], &[12_345]),
        // A contributor with nothing in gets nothing.
        (999, &[("health", 0), ("probation", 300)], &[0, 999]),
        // Nobody put anything in: split equally, the penny to the first key.
        (7, &[("b", 0), ("a", 0)], &[3, 4]),
        // Input order is kept; ties still go by key.
        (1, &[("zeta", 5), ("alpha", 5)], &[0, 1]),
        // A refund is split as the spend it undoes.
        (-100, &three, &[-34, -33, -33]),
    ];
    for (amount, weights, expected) in cases {
        assert_eq!(
            attribute(*amount, weights),
            expected.to_vec(),
            "{amount} by {weights:?}"
        );
    }
    assert!(attribute(100, &[]).is_empty(), "no one to attribute to");
}

#[test]
fn contributors_are_keys_in_the_callers_words() {
    let long = "a".repeat(61);
    for ok in ["probation", "health", "local_authority", "youth_justice_2"] {
        assert_eq!(check_contributor(ok), Ok(()), "{ok}");
    }
    for (bad, says) in [
        ("", "blank"),
        ("  ", "blank"),
        ("unattributed", "no contributor"),
        ("Probation", "lowercase"),
        ("2health", "starting with a letter"),
        ("police and crime", "lowercase"),
        (long.as_str(), "1-60"),
    ] {
        let e = check_contributor(bad).expect_err(bad);
        assert!(e.contains(says), "{bad}: {e}");
    }
    assert_eq!(
        contributor_name("police_and_crime_commissioner"),
        "Police and crime commissioner"
    );
    assert_eq!(contributor_name("youth_justice"), "Youth justice");
    assert_eq!(contributor_name(UNATTRIBUTED), "Unattributed");
}

#[test]
fn a_list_of_contributions_names_every_bad_field() {
    assert_eq!(check_contributions(&[], 100), Ok(()));
    assert_eq!(
        check_contributions(&[("health", 100), ("probation", 0)], 100),
        Ok(())
    );
    let errors = check_contributions(
        &[("health", -1), ("", 5), ("health", 5), ("probation", 101)],
        100,
    )
    .expect_err("bad");
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "contributions[0].amount_pence",
            "contributions[1].contributor",
            "contributions[2].contributor",
            "contributions[3].amount_pence"
        ]
    );
    assert!(errors.0[2].message.contains("more than once"));
    let total = check_contributions(&[("health", 60), ("probation", 60)], 100).expect_err("total");
    assert_eq!(total.0[0].field, "contributions");
}

#[test]
fn carry_over_rules() {
    let capped = |p| CarryOver::new(CarryOverRule::Capped, Some(p)).expect("rule");
    let all = CarryOver::new(CarryOverRule::All, None).expect("rule");
    // allocated £1,000, £200 carried in, £700 spent: £500 unspent.
    let cases = [
        (CarryOver::NONE, 0),
        (all, 50_000),
        (capped(10), 10_000),
        (capped(50), 50_000),
        (capped(100), 50_000),
        (capped(0), 0),
    ];
    for (rule, expected) in cases {
        assert_eq!(
            rule.carried_out(100_000, 120_000, 70_000),
            expected,
            "{rule:?}"
        );
    }
    assert_eq!(capped(10).carried_out(100_000, 120_000, 70_000), 10_000);
    assert_eq!(all.carried_out(100_000, 120_000, 70_000), 50_000);
    assert_eq!(
        all.carried_out(100_000, 100_000, 130_000),
        0,
        "overspent: nothing"
    );
    assert_eq!(
        capped(33).carried_out(1_001, 1_001, 0),
        330,
        "the cap rounds down"
    );

    assert!(CarryOver::new(CarryOverRule::Capped, None).is_err());
    assert!(CarryOver::new(CarryOverRule::Capped, Some(101)).is_err());
    assert!(CarryOver::new(CarryOverRule::Capped, Some(-1)).is_err());
    let e = CarryOver::new(CarryOverRule::All, Some(5)).expect_err("no cap");
    assert_eq!(e.0[0].field, "cap_percent");
}

#[test]
fn a_year_end_attributes_spend_and_carries_each_share_back() {
    let funders = [
        funder("health", 100_001, 0),
        funder("police_and_crime_commissioner", 100_001, 0),
        funder("probation", 100_001, 0),
    ];
    let all = CarryOver::new(CarryOverRule::All, None).expect("rule");
    let end = year_end(&funders, 100_000, all);
    let spent: Vec<i64> = end.iter().map(|e| e.spent_pence).collect();
    assert_eq!(spent, [33_334, 33_333, 33_333]);
    let out: Vec<i64> = end.iter().map(|e| e.carried_out_pence).collect();
    assert_eq!(
        out,
        [66_667, 66_668, 66_668],
        "all: each carries what they left"
    );

    let capped = CarryOver::new(CarryOverRule::Capped, Some(10)).expect("rule");
    let end = year_end(&funders, 100_000, capped);
    let out: Vec<i64> = end.iter().map(|e| e.carried_out_pence).collect();
    assert_eq!(
        out.iter().sum::<i64>(),
        30_000,
        "10% of £3,000.03, rounded down"
    );
    assert_eq!(out, [10_000, 10_000, 10_000]);

    let end = year_end(&funders, 0, CarryOver::NONE);
    assert!(end
        .iter()
        .all(|e| e.carried_out_pence == 0 && e.unspent_pence == 100_001));

    // Next year: a contributor who does not contribute again still carries their share in.
    let next = next_funders(
        &[
            ("probation".into(), 50_000),
            ("local_authority".into(), 10_000),
        ],
        &year_end(&funders, 100_000, all),
    );
    assert_eq!(
        next,
        vec![
            funder("health", 0, 66_667),
            funder("local_authority", 10_000, 0),
            funder("police_and_crime_commissioner", 0, 66_668),
            funder("probation", 50_000, 66_668),
        ]
    );
}

#[test]
fn an_overspent_pool_carries_nothing() {
    let funders = [funder("health", 1_000, 0), funder("probation", 3_000, 0)];
    let all = CarryOver::new(CarryOverRule::All, None).expect("rule");
    let end = year_end(&funders, 5_000, all);
    assert_eq!(
        end.iter()
            .map(|e| (e.spent_pence, e.unspent_pence, e.carried_out_pence))
            .collect::<Vec<_>>(),
        [(1_250, -250, 0), (3_750, -750, 0)]
    );
}

#[test]
fn a_break_down_adds_up_both_ways() {
    let three = [
        ("health", 1),
        ("police_and_crime_commissioner", 1),
        ("probation", 1),
    ];
    // Two categories of 1p and 2p: 3p in all, a penny each.
    let totals = attribute(3, &three);
    assert_eq!(totals, [1, 1, 1]);
    let parts = break_down(&[1, 2], &three, &totals);
    assert_eq!(parts, vec![vec![1, 0], vec![0, 1], vec![0, 1]]);
    // 100p and 200p: 100p each in all.
    let totals = attribute(300, &three);
    let parts = break_down(&[100, 200], &three, &totals);
    assert_eq!(parts, vec![vec![34, 66], vec![33, 67], vec![33, 67]]);
    // Nothing to break down.
    assert_eq!(
        break_down(&[], &three, &[0, 0, 0]),
        vec![Vec::<i64>::new(); 3]
    );
}

fn funders_strategy() -> impl Strategy<Value = Vec<Funder>> {
    proptest::collection::vec((0i64..5_000_000, 0i64..1_000_000), 0..6).prop_map(|amounts| {
        amounts
            .into_iter()
            .enumerate()
            .map(|(i, (c, k))| funder(&format!("c{}", (i * 7) % 10), c, k))
            .collect()
    })
}

proptest! {
    #[test]
    fn attribution_sums_exactly_and_is_proportional_within_a_penny(
        amount in -1_000_000_000i64..1_000_000_000_000,
        weights in proptest::collection::vec(0i64..1_000_000_000_000, 1..8),
    ) {
        let keys: Vec<String> = (0..weights.len()).map(|i| format!("k{i}")).collect();
        let named: Vec<(&str, i64)> = keys.iter().map(String::as_str).zip(weights.iter().copied()).collect();
        let parts = attribute(amount, &named);
        prop_assert_eq!(parts.iter().sum::<i64>(), amount);
        let total: i128 = weights.iter().map(|w| i128::from(*w)).sum();
        for (part, w) in parts.iter().zip(&weights) {
            let exact = if total == 0 {
                i128::from(amount) * 1_000_000 / weights.len() as i128
            } else {
                i128::from(amount) * i128::from(*w) * 1_000_000 / total
            };
            prop_assert!((i128::from(*part) * 1_000_000 - exact).abs() <= 1_000_000, "{} vs {}", part, exact);
        }
        // Deterministic: the same answer whatever order the contributors come in.
        let mut reversed = named.clone();
        reversed.reverse();
        let mut again = attribute(amount, &reversed);
        again.reverse();
        prop_assert_eq!(again, parts);
    }

    #[test]
    fn a_break_down_sums_to_its_cells_and_its_totals(
        cells in proptest::collection::vec(0i64..10_000_000, 0..14),
        weights in proptest::collection::vec(0i64..1_000_000_000, 1..6),
    ) {
        let keys: Vec<String> = (0..weights.len()).map(|i| format!("k{i}")).collect();
        let named: Vec<(&str, i64)> = keys.iter().map(String::as_str).zip(weights.iter().copied()).collect();
        let totals = attribute(cells.iter().sum(), &named);
        let parts = break_down(&cells, &named, &totals);
        for (c, cell) in cells.iter().enumerate() {
            prop_assert_eq!(parts.iter().map(|p| p[c]).sum::<i64>(), *cell);
        }
        for (p, total) in parts.iter().zip(&totals) {
            prop_assert_eq!(p.iter().sum::<i64>(), *total);
            prop_assert!(p.iter().all(|x| *x >= 0));
        }
    }

    #[test]
    fn a_year_end_never_creates_or_loses_a_penny(
        funders in funders_strategy(),
        spent in 0i64..10_000_000,
        cap in 0i64..=100,
        rule in 0usize..3,
    ) {
        let rule = match rule {
            0 => CarryOver::NONE,
            1 => CarryOver::new(CarryOverRule::All, None).expect("rule"),
            _ => CarryOver::new(CarryOverRule::Capped, Some(cap)).expect("rule"),
        };
        // Keys unique, as a budget's are.
        let mut funders = funders;
        funders.sort_by(|a, b| a.contributor.cmp(&b.contributor));
        funders.dedup_by(|a, b| a.contributor == b.contributor);
        let end = year_end(&funders, spent, rule);
        if funders.is_empty() {
            prop_assert!(end.is_empty());
            return Ok(());
        }
        let allocated: i64 = funders.iter().map(|f| f.contributed_pence).sum();
        let available: i64 = funders.iter().map(Funder::funds_pence).sum();
        prop_assert_eq!(end.iter().map(|e| e.spent_pence).sum::<i64>(), spent);
        let out: i64 = end.iter().map(|e| e.carried_out_pence).sum();
        prop_assert_eq!(out, rule.carried_out(allocated, available, spent));
        for (e, f) in end.iter().zip(&funders) {
            prop_assert_eq!(e.unspent_pence, f.funds_pence() - e.spent_pence);
            prop_assert!(e.carried_out_pence >= 0);
            prop_assert!(e.carried_out_pence <= e.unspent_pence.max(0));
        }
        let next = next_funders(&[], &end);
        prop_assert_eq!(next.iter().map(|f| f.carried_in_pence).sum::<i64>(), out);
    }
}
