use provider_hub_domain::performance::Evidence;
use provider_hub_domain::Category;

use crate::tests::{accreditation, listing, market, request};
use crate::{place, Continuing, Policy, Weights};

fn value(continuity_pence: u32) -> Policy {
    Policy::BestValue(Weights {
        price: 1,
        quality: 1_000,
        days: 0,
        continuity_pence,
    })
}

fn evidence(completed: u32, failed: u32, positive: u32, negative: u32) -> Evidence {
    Evidence {
        completed,
        failed,
        positive_outcomes: positive,
        negative_outcomes: negative,
    }
}

#[test]
fn best_value_ranks_by_the_adjusted_score_and_shows_both() {
    // Equal prices; A is accredited 85, B 80: with no evidence A wins.
    let mut a = listing("lst_a", 40_000);
    a.accreditations = vec![accreditation(85)];
    let mut b = listing("lst_b", 40_000);
    b.accreditations = vec![accreditation(80)];
    let e = place(&request(), [&a, &b], &market(), value(0));
    let chosen = e.chosen.expect("chosen");
    assert_eq!(
        (
            chosen.listing_id.as_str(),
            chosen.quality_score,
            chosen.adjusted_score
        ),
        ("lst_a", 85, Some(85))
    );
    // A's orders fail and reoffend, B's complete well: B's adjusted score passes A's.
    a.evidence = evidence(2, 18, 4, 16);
    b.evidence = evidence(20, 0, 18, 2);
    let e = place(&request(), [&a, &b], &market(), value(0));
    let chosen = e.chosen.expect("chosen");
    let runner_up = e.runner_up.expect("runner-up");
    assert_eq!(chosen.listing_id, "lst_b");
    assert_eq!(chosen.quality_score, 80);
    assert!(chosen.adjusted_score > Some(80), "{chosen:?}");
    assert_eq!(chosen.evidence, b.evidence);
    assert_eq!(runner_up.quality_score, 85);
    assert!(runner_up.adjusted_score < Some(85), "{runner_up:?}");
    // The cost weighs the adjusted score.
    let adjusted = i64::from(chosen.adjusted_score.expect("adjusted"));
    assert_eq!(chosen.cost, 40_000 + 1_000 * (100 - adjusted));
    // The ranking keeps both scores and the evidence.
    let ranked: Vec<_> = e.ranking.iter().map(|c| c.to_owned()).collect();
    assert_eq!(ranked[0], chosen);
    assert_eq!(ranked[1], runner_up);
    // Best price ignores the evidence: equal prices tie on the accreditation score.
    let e = place(&request(), [&a, &b], &market(), Policy::BestPrice);
    assert_eq!(e.chosen.map(|c| c.listing_id), Some("lst_a".into()));
}

#[test]
fn continuity_prefers_the_provider_already_working_with_the_person() {
    let cheap = listing("lst_a", 40_000);
    let working = listing("lst_b", 42_000);
    let mut r = request();
    r.continuing = vec![Continuing {
        order_id: "ord_prior".into(),
        provider_id: working.provider_id.clone(),
        category: Category::UnpaidWork,
    }];
    // £20 dearer, preferred by £50: chosen, and the explanation says why.
    let e = place(&r, [&cheap, &working], &market(), value(5_000));
    let chosen = e.chosen.expect("chosen");
    assert_eq!(chosen.listing_id, "lst_b");
    assert_eq!(chosen.cost, 42_000 + 20 * 1_000 - 5_000);
    let continuity = chosen.continuity.clone().expect("continuity");
    assert_eq!(
        continuity.describe(),
        "continuity: already working with this person (order ord_prior) — preferred by £50"
    );
    assert_eq!(e.runner_up.and_then(|c| c.continuity), None);
    assert_eq!(
        e.ranking.iter().next().map(|c| c.to_owned()),
        Some(chosen.clone())
    );
    // Turned off (0), or under best price: price decides.
    for policy in [value(0), Policy::BestPrice] {
        let e = place(&r, [&cheap, &working], &market(), policy);
        let chosen = e.chosen.expect("chosen");
        assert_eq!(
            (chosen.listing_id.as_str(), chosen.continuity),
            ("lst_a", None)
        );
    }
    // £10 preference does not cover £20.
    let e = place(&r, [&cheap, &working], &market(), value(1_000));
    assert_eq!(e.chosen.map(|c| c.listing_id), Some("lst_a".into()));
}

#[test]
fn continuity_counts_related_categories_only() {
    let cheap = listing("lst_a", 40_000);
    let working = listing("lst_b", 42_000);
    let with = |category| {
        let mut r = request();
        r.category = Category::UnpaidWork;
        r.continuing = vec![Continuing {
            order_id: "ord_prior".into(),
            provider_id: working.provider_id.clone(),
            category,
        }];
        r
    };
    // Unpaid work is related to no other category.
    let e = place(
        &with(Category::AlcoholTreatment),
        [&cheap, &working],
        &market(),
        value(5_000),
    );
    assert_eq!(e.chosen.map(|c| c.listing_id), Some("lst_a".into()));
    // A related category counts: the same people, drug rehabilitation after alcohol.
    let (mut cheap, mut working) = (cheap.clone(), working.clone());
    for l in [&mut cheap, &mut working] {
        l.category = Category::DrugRehabilitation;
        l.accreditations[0].category = Category::DrugRehabilitation;
    }
    let mut r = with(Category::AlcoholTreatment);
    r.category = Category::DrugRehabilitation;
    let e = place(&r, [&cheap, &working], &market(), value(5_000));
    let chosen = e.chosen.expect("chosen");
    assert_eq!(chosen.listing_id, "lst_b");
    assert_eq!(
        chosen.continuity.map(|c| (c.order_id, c.category, c.pence)),
        Some(("ord_prior".into(), Category::AlcoholTreatment, 5_000))
    );
}

#[test]
fn explanations_round_trip_with_the_new_fields_and_old_ones_still_read() {
    let working = listing("lst_b", 42_000);
    let mut r = request();
    r.continuing = vec![Continuing {
        order_id: "ord_prior".into(),
        provider_id: working.provider_id.clone(),
        category: Category::UnpaidWork,
    }];
    let e = place(&r, [&working], &market(), value(5_000));
    let json = serde_json::to_string(&e).expect("json");
    let back: crate::Explanation = serde_json::from_str(&json).expect("read");
    assert_eq!(back, e);
    // Weights kept before continuity existed read with the default.
    let w: Weights = serde_json::from_str(r#"{"price":1,"quality":2,"days":3}"#).expect("weights");
    assert_eq!(w.continuity_pence, crate::DEFAULT_CONTINUITY_PENCE);
}
