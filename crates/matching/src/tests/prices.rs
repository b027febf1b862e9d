//! Differentiated prices: a candidate carries the listing's price × the person's
//! multiplier, the policy compares that price, and rule 7 still compares the listing's
//! own price with the cap.

use super::*;
use provider_hub_domain::price::Multipliers;

/// Two specifications' listings of one category: `lst_flat` pays the same for everyone,
/// `lst_tiered` pays 1.5× for tier 4 and 1.25× for very high risk of serious harm.
fn two_specifications() -> (Listing, Listing) {
    let mut flat = listing("lst_flat", 11_000);
    flat.specification_code = "UPW-FLAT".into();
    let mut tiered = listing("lst_tiered", 10_000);
    tiered.specification_code = "UPW-TIER".into();
    tiered.multipliers = Multipliers {
        tier_bps: [10_000, 10_000, 12_000, 15_000],
        risk_of_harm_bps: [10_000, 10_000, 11_000, 12_500],
    };
    (flat, tiered)
}

fn person(tier: u8, risk_of_harm: RiskOfHarm) -> Request {
    let mut r = request();
    r.person.tier = tier;
    r.person.risk_of_harm = risk_of_harm;
    r
}

#[test]
fn the_multiplier_changes_which_listing_wins() {
    let (flat, tiered) = two_specifications();
    let listings = [flat, tiered];
    // Tier 1: the tiered listing is cheaper (£100.00 against £110.00).
    let low = place(
        &person(1, RiskOfHarm::Low),
        &listings,
        &market(),
        Policy::BestPrice,
    );
    let chosen = low.chosen.expect("a candidate");
    assert_eq!(chosen.listing_id, "lst_tiered");
    assert_eq!(
        (
            chosen.price_pence,
            chosen.list_price_pence,
            chosen.multiplier_bps
        ),
        (10_000, Some(10_000), 10_000)
    );
    // Tier 4: it costs £150.00, so the flat listing wins.
    let high = place(
        &person(4, RiskOfHarm::Low),
        &listings,
        &market(),
        Policy::BestPrice,
    );
    let chosen = high.chosen.expect("a candidate");
    assert_eq!(chosen.listing_id, "lst_flat");
    assert_eq!(chosen.price_pence, 11_000);
    let runner_up = high.runner_up.expect("a runner-up");
    assert_eq!(
        (
            runner_up.listing_id.as_str(),
            runner_up.price_pence,
            runner_up.multiplier_bps
        ),
        ("lst_tiered", 15_000, 15_000)
    );
    // The ranking carries the multiplied prices too.
    let ranked: Vec<(&str, i64, u32)> = high
        .ranking
        .iter()
        .map(|c| (c.listing_id, c.price_pence, c.multiplier_bps))
        .collect();
    assert_eq!(
        ranked,
        [("lst_flat", 11_000, 10_000), ("lst_tiered", 15_000, 15_000)]
    );
}

#[test]
fn tier_and_risk_of_harm_multiply() {
    let (_, tiered) = two_specifications();
    let r = person(4, RiskOfHarm::High);
    let c = evaluate(&r, &tiered, &market(), Policy::BestPrice).expect("a candidate");
    // 1.5 × 1.1 = 1.65.
    assert_eq!((c.price_pence, c.multiplier_bps), (16_500, 16_500));
    assert_eq!(c.cost, 16_500, "best_price costs the multiplied price");
}

#[test]
fn the_price_cap_compares_the_listings_own_price() {
    let (_, mut tiered) = two_specifications();
    tiered.price_cap_pence = 12_000;
    // Tier 4 pays £150.00, above the cap, but the listing's own £100.00 is within it.
    let c = evaluate(
        &person(4, RiskOfHarm::Low),
        &tiered,
        &market(),
        Policy::BestPrice,
    );
    assert_eq!(c.map(|c| c.price_pence), Ok(15_000));
    tiered.price_pence = 12_001;
    let c = evaluate(
        &person(1, RiskOfHarm::Low),
        &tiered,
        &market(),
        Policy::BestPrice,
    );
    assert_eq!(c.map(|c| c.price_pence), Err(Rule::PriceCap));
}

#[test]
fn batch_matching_costs_each_order_at_its_persons_price() {
    let (flat, tiered) = two_specifications();
    let listings = [flat, tiered];
    let requests = vec![
        ("ord_1".to_owned(), person(1, RiskOfHarm::Low)),
        ("ord_4".to_owned(), person(4, RiskOfHarm::Low)),
    ];
    let instance = batch::Instance::build(&requests, &listings, &market(), |_| Policy::BestPrice);
    let costs = |o: usize| -> Vec<(String, i64)> {
        instance
            .options(o)
            .iter()
            .map(|c| (instance.places[c.place].listing_id.clone(), c.cost))
            .collect()
    };
    assert!(costs(0).contains(&("lst_tiered".into(), 10_000)));
    assert!(costs(1).contains(&("lst_tiered".into(), 15_000)));
    assert!(costs(1).contains(&("lst_flat".into(), 11_000)));
}

#[test]
fn old_explanations_read_with_a_unit_multiplier() {
    let json = r#"{"listing_id":"l","provider_id":"p","price_pence":5,"quality_score":80,
        "starts_on":"2026-12-01","days_to_start":8,"cost":5}"#;
    let c: Candidate = serde_json::from_str(json).expect("reads");
    assert_eq!((c.list_price_pence, c.multiplier_bps), (None, 10_000));
}
