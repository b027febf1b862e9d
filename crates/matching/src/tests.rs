use super::*;
use provider_hub_domain::specification::Eligibility;

mod prices;
mod ranking;

pub(crate) fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

pub(crate) fn market() -> Market {
    Market {
        today: d("2026-11-23"),
        threshold: 60,
    }
}

pub(crate) fn request() -> Request {
    Request {
        category: Category::UnpaidWork,
        specification_code: None,
        area: "SY-SHF".into(),
        person: Person {
            sex: Sex::Male,
            date_of_birth: d("1990-05-01"),
            risk_of_harm: RiskOfHarm::Medium,
            tier: 2,
        },
        required_by: d("2026-12-07"),
        not_before: None,
        excluded_listings: BTreeSet::new(),
        continuing: Vec::new(),
    }
}

pub(crate) fn accreditation(score: u8) -> Accreditation {
    Accreditation {
        category: Category::UnpaidWork,
        score,
        assessed_on: d("2026-01-01"),
        expires_on: d("2027-01-01"),
        superseded: false,
    }
}

fn eligibility() -> Eligibility {
    Eligibility {
        sexes: vec![Sex::Female, Sex::Male],
        min_age: 18,
        max_age: 120,
        max_risk_of_harm: RiskOfHarm::High,
        tiers: vec![1, 2, 3, 4],
    }
}

/// The default eligibility changed by `f`, as a listing carries it.
fn narrowed(f: impl Fn(&mut Eligibility)) -> provider_hub_domain::specification::Admission {
    let mut e = eligibility();
    f(&mut e);
    (&e).into()
}

pub(crate) fn listing(id: &str, price: i64) -> Listing {
    Listing {
        id: id.into(),
        provider_id: format!("prv_{id}"),
        published: true,
        specification_published: true,
        category: Category::UnpaidWork,
        specification_code: "UPW".into(),
        eligibility: (&eligibility()).into(),
        areas: vec!["SY-SHF".into(), "SY-ROT".into()],
        price_pence: price,
        price_cap_pence: 100_000,
        multipliers: Default::default(),
        slots: vec![Slot {
            starts_on: d("2026-12-01"),
            free: 3,
        }],
        provider_standing: Standing::Active,
        accreditations: vec![accreditation(80)],
        evidence: Default::default(),
    }
}

fn rule_of(request: &Request, listing: &Listing) -> Result<Candidate, Rule> {
    evaluate(request, listing, &market(), Policy::BestPrice)
}

/// A change that breaks one rule.
type Change = Box<dyn Fn(&mut Request, &mut Listing)>;

#[test]
fn each_rule_excludes_what_it_should() {
    let r = request();
    let ok = listing("lst_a", 50_000);
    assert!(rule_of(&r, &ok).is_ok());
    let cases: Vec<(&str, Change, Rule)> = vec![
        (
            "paused listing",
            Box::new(|_, l| l.published = false),
            Rule::Published,
        ),
        (
            "retired specification",
            Box::new(|_, l| l.specification_published = false),
            Rule::Published,
        ),
        (
            "other category",
            Box::new(|_, l| l.category = Category::AttendanceCentre),
            Rule::Specification,
        ),
        (
            "other named specification",
            Box::new(|r, _| r.specification_code = Some("BBR".into())),
            Rule::Specification,
        ),
        (
            "suspended provider",
            Box::new(|_, l| l.provider_standing = Standing::Suspended),
            Rule::Membership,
        ),
        (
            "score below threshold",
            Box::new(|_, l| l.accreditations = vec![accreditation(59)]),
            Rule::Membership,
        ),
        (
            "accreditation for another category",
            Box::new(|_, l| l.accreditations[0].category = Category::AlcoholTreatment),
            Rule::Membership,
        ),
        (
            "accreditation expired",
            Box::new(|_, l| l.accreditations[0].expires_on = d("2026-11-23")),
            Rule::Membership,
        ),
        (
            "superseded accreditation",
            Box::new(|_, l| l.accreditations[0].superseded = true),
            Rule::Membership,
        ),
        (
            "another area",
            Box::new(|r, _| r.area = "WY-LDS".into()),
            Rule::Area,
        ),
        (
            "women only",
            Box::new(|_, l| l.eligibility = narrowed(|e| e.sexes = vec![Sex::Female])),
            Rule::Eligibility,
        ),
        (
            "too high a risk",
            Box::new(|r, _| r.person.risk_of_harm = RiskOfHarm::VeryHigh),
            Rule::Eligibility,
        ),
        (
            "tier not served",
            Box::new(|_, l| l.eligibility = narrowed(|e| e.tiers = vec![3, 4])),
            Rule::Eligibility,
        ),
        (
            "too old",
            Box::new(|_, l| l.eligibility = narrowed(|e| e.max_age = 30)),
            Rule::Eligibility,
        ),
        (
            "no free place",
            Box::new(|_, l| l.slots[0].free = 0),
            Rule::FreePlace,
        ),
        (
            "place starts after required-by",
            Box::new(|r, _| r.required_by = d("2026-11-30")),
            Rule::FreePlace,
        ),
        (
            "place in the past",
            Box::new(|_, l| l.slots[0].starts_on = d("2026-11-20")),
            Rule::FreePlace,
        ),
        (
            "required-by already past",
            Box::new(|r, _| r.required_by = d("2026-11-01")),
            Rule::FreePlace,
        ),
        (
            "accreditation ends before the only place starts",
            Box::new(|_, l| l.accreditations[0].expires_on = d("2026-12-01")),
            Rule::FreePlace,
        ),
        (
            "over the price cap",
            Box::new(|_, l| l.price_cap_pence = 49_999),
            Rule::PriceCap,
        ),
        (
            "already declined",
            Box::new(|r, _| {
                r.excluded_listings.insert("lst_a".into());
            }),
            Rule::NotDeclined,
        ),
    ];
    for (name, change, rule) in cases {
        let (mut r, mut l) = (request(), ok.clone());
        change(&mut r, &mut l);
        assert_eq!(rule_of(&r, &l).err(), Some(rule), "{name}");
    }
}

#[test]
fn age_is_judged_on_the_start_date() {
    let mut r = request();
    // Turns 18 on 2026-12-03: only a place from that day admits them.
    r.person.date_of_birth = d("2008-12-03");
    r.required_by = d("2026-12-31");
    let mut l = listing("lst_a", 100);
    l.slots = vec![
        Slot {
            starts_on: d("2026-12-01"),
            free: 1,
        },
        Slot {
            starts_on: d("2026-12-08"),
            free: 1,
        },
    ];
    let c = rule_of(&r, &l).expect("a candidate");
    assert_eq!(c.starts_on, d("2026-12-08"));
    assert_eq!(c.days_to_start, 15);
}

#[test]
fn the_earliest_free_place_is_taken() {
    let mut l = listing("lst_a", 100);
    l.slots = vec![
        Slot {
            starts_on: d("2026-12-05"),
            free: 1,
        },
        Slot {
            starts_on: d("2026-11-30"),
            free: 0,
        },
        Slot {
            starts_on: d("2026-12-02"),
            free: 2,
        },
    ];
    assert_eq!(
        rule_of(&request(), &l).map(|c| c.starts_on),
        Ok(d("2026-12-02"))
    );
}

#[test]
fn a_sequenced_order_takes_no_place_before_its_earlier_item_starts() {
    let mut l = listing("lst_a", 100);
    l.slots = vec![
        Slot {
            starts_on: d("2026-11-25"),
            free: 1,
        },
        Slot {
            starts_on: d("2026-12-02"),
            free: 2,
        },
    ];
    let mut r = request();
    r.not_before = Some(d("2026-11-26"));
    assert_eq!(rule_of(&r, &l).map(|c| c.starts_on), Ok(d("2026-12-02")));
    // Its age judged day by day (a birthday in the window) honours it too.
    r.person.date_of_birth = d("2008-11-30");
    assert_eq!(rule_of(&r, &l).map(|c| c.starts_on), Ok(d("2026-12-02")));
    // With no place from then on, none is free.
    r.not_before = Some(d("2026-12-03"));
    assert_eq!(rule_of(&r, &l).map(|c| c.starts_on), Err(Rule::FreePlace));
    // A day already passed changes nothing.
    let mut r = request();
    r.not_before = Some(d("2026-01-01"));
    assert_eq!(rule_of(&r, &l).map(|c| c.starts_on), Ok(d("2026-11-25")));
}

#[test]
fn best_price_picks_the_cheapest_and_breaks_ties_as_the_spec_says() {
    let cheap = listing("lst_c", 40_000);
    let dear = listing("lst_b", 60_000);
    let e = place(&request(), [&dear, &cheap], &market(), Policy::BestPrice);
    assert_eq!(
        e.chosen.as_ref().map(|c| c.listing_id.as_str()),
        Some("lst_c")
    );
    assert_eq!(
        e.runner_up.as_ref().map(|c| c.listing_id.as_str()),
        Some("lst_b")
    );
    assert_eq!(e.candidates, 2);

    // Same price: the higher quality score wins.
    let mut better = listing("lst_z", 40_000);
    better.accreditations = vec![accreditation(95)];
    let e = place(&request(), [&cheap, &better], &market(), Policy::BestPrice);
    assert_eq!(e.chosen.map(|c| c.listing_id), Some("lst_z".into()));

    // Same price and score: the earlier start wins.
    let mut sooner = listing("lst_y", 40_000);
    sooner.slots[0].starts_on = d("2026-11-25");
    let e = place(&request(), [&cheap, &sooner], &market(), Policy::BestPrice);
    assert_eq!(e.chosen.map(|c| c.listing_id), Some("lst_y".into()));

    // Everything equal: the lower listing id wins, whatever the input order.
    let twin = listing("lst_a", 40_000);
    for order in [[&cheap, &twin], [&twin, &cheap]] {
        let e = place(&request(), order, &market(), Policy::BestPrice);
        assert_eq!(e.chosen.map(|c| c.listing_id), Some("lst_a".into()));
        assert_eq!(e.runner_up.map(|c| c.listing_id), Some("lst_c".into()));
    }
}

#[test]
fn best_value_trades_price_against_quality_and_waiting() {
    let mut cheap_poor = listing("lst_a", 40_000);
    cheap_poor.accreditations = vec![accreditation(60)];
    let mut dear_good = listing("lst_b", 45_000);
    dear_good.accreditations = vec![accreditation(100)];
    // 40 points of quality at 200p a point outweigh the 5,000p difference.
    let policy = Policy::BestValue(Weights {
        price: 1,
        quality: 200,
        days: 0,
        continuity_pence: 0,
    });
    let e = place(&request(), [&cheap_poor, &dear_good], &market(), policy);
    assert_eq!(e.policy, "best_value");
    let chosen = e.chosen.expect("chosen");
    assert_eq!(chosen.listing_id, "lst_b");
    assert_eq!(chosen.cost, 45_000);
    assert_eq!(e.runner_up.map(|c| c.cost), Some(40_000 + 40 * 200));
    // At 100p a point it does not.
    let policy = Policy::BestValue(Weights {
        price: 1,
        quality: 100,
        days: 0,
        continuity_pence: 0,
    });
    let e = place(&request(), [&cheap_poor, &dear_good], &market(), policy);
    assert_eq!(e.chosen.map(|c| c.listing_id), Some("lst_a".into()));
}

#[test]
fn the_explanation_counts_each_exclusion_once_and_names_the_last_rule() {
    let mut paused = listing("lst_p", 1);
    paused.published = false;
    let mut elsewhere = listing("lst_e", 1);
    elsewhere.areas = vec!["WY-LDS".into()];
    let mut full = listing("lst_f", 1);
    full.slots[0].free = 0;
    let e = place(
        &request(),
        [&paused, &elsewhere, &full],
        &market(),
        Policy::BestPrice,
    );
    assert_eq!(e.considered, 3);
    assert_eq!(e.candidates, 0);
    assert!(e.chosen.is_none() && e.runner_up.is_none());
    let counts: Vec<(Rule, u32)> = e.excluded.iter().map(|x| (x.rule, x.excluded)).collect();
    assert_eq!(
        counts,
        vec![
            (Rule::Published, 1),
            (Rule::Specification, 0),
            (Rule::Membership, 0),
            (Rule::Area, 1),
            (Rule::Eligibility, 0),
            (Rule::FreePlace, 1),
            (Rule::PriceCap, 0),
            (Rule::NotDeclined, 0),
        ]
    );
    assert_eq!(
        e.no_candidate_reason.as_deref(),
        Some("no free place starts on or before 2026-12-07")
    );

    let e = place(&request(), [], &market(), Policy::BestPrice);
    assert_eq!(
        e.no_candidate_reason.as_deref(),
        Some("no unpaid_work listing is on the market")
    );
    let e = place(&request(), [&elsewhere], &market(), Policy::BestPrice);
    assert_eq!(
        e.no_candidate_reason.as_deref(),
        Some("no member provider's unpaid_work listing serves area SY-SHF")
    );
}

#[test]
fn the_explanation_serialises_with_snake_case_rules() {
    let e = place(
        &request(),
        [&listing("lst_a", 5)],
        &market(),
        Policy::BestPrice,
    );
    let json = serde_json::to_value(&e).expect("json");
    assert_eq!(json["excluded"][5]["rule"], "free_place");
    assert_eq!(json["chosen"]["starts_on"], "2026-12-01");
    assert_eq!(json["chosen"]["price_pence"], 5);
}

#[test]
fn listings_in_other_areas_count_under_the_area_rule_without_being_loaded() {
    let full = {
        let mut l = listing("lst_f", 1);
        l.slots[0].free = 0;
        l
    };
    let e = place(&request(), [&full], &market(), Policy::BestPrice).with_elsewhere(3, &request());
    assert_eq!(e.considered, 4);
    let area = e
        .excluded
        .iter()
        .find(|x| x.rule == Rule::Area)
        .map(|x| x.excluded);
    assert_eq!(area, Some(3));
    // The last listing was excluded for want of a free place, not by area.
    assert_eq!(
        e.no_candidate_reason.as_deref(),
        Some("no free place starts on or before 2026-12-07")
    );
    let e = place(&request(), [], &market(), Policy::BestPrice).with_elsewhere(2, &request());
    assert_eq!(
        e.no_candidate_reason.as_deref(),
        Some("no member provider's unpaid_work listing serves area SY-SHF")
    );
    let chosen = place(
        &request(),
        [&listing("lst_a", 5)],
        &market(),
        Policy::BestPrice,
    )
    .with_elsewhere(2, &request());
    assert_eq!((chosen.considered, chosen.no_candidate_reason), (3, None));
}

#[test]
fn a_placement_ranks_every_candidate_in_the_policys_order() {
    let mut good = listing("lst_g", 40_000);
    good.accreditations = vec![accreditation(95)];
    let mut sooner = listing("lst_s", 40_000);
    sooner.slots[0].starts_on = d("2026-11-25");
    let twin = listing("lst_a", 40_000);
    let cheap = listing("lst_c", 30_000);
    let dear = listing("lst_d", 50_000);
    let mut full = listing("lst_f", 1);
    full.slots[0].free = 0;
    let all = [&dear, &twin, &full, &sooner, &cheap, &good];
    let e = place(&request(), all, &market(), Policy::BestPrice);
    let ranked: Vec<(&str, i64, u8, u32)> = e
        .ranking
        .iter()
        .map(|c| (c.listing_id, c.cost, c.quality_score, c.days_to_start))
        .collect();
    // Cheapest first; at 40,000 the higher score, then the sooner start, then the lower id.
    assert_eq!(
        ranked,
        vec![
            ("lst_c", 30_000, 80, 8),
            ("lst_g", 40_000, 95, 8),
            ("lst_s", 40_000, 80, 2),
            ("lst_a", 40_000, 80, 8),
            ("lst_d", 50_000, 80, 8),
        ]
    );
    assert_eq!(e.ranking.len(), e.candidates as usize);
    let first = e.ranking.get(0).map(|c| c.to_owned());
    assert_eq!(first, e.chosen);
    assert_eq!(e.ranking.get(1).map(|c| c.to_owned()), e.runner_up);
    assert_eq!(
        e.ranking
            .get(2)
            .map(|c| (c.provider_id, c.starts_on, c.price_pence)),
        Some(("prv_lst_s", d("2026-11-25"), 40_000))
    );
    assert_eq!(e.weights, None);

    // A quote chooses the same without ranking the rest.
    let q = quote(&request(), all, &market(), Policy::BestPrice);
    assert_eq!((q.chosen, q.runner_up), (e.chosen, e.runner_up));
    assert!(q.ranking.is_empty());
}

#[test]
fn best_value_ranks_by_cost_and_records_its_weights() {
    let mut cheap_poor = listing("lst_a", 40_000);
    cheap_poor.accreditations = vec![accreditation(60)];
    let mut dear_good = listing("lst_b", 45_000);
    dear_good.accreditations = vec![accreditation(100)];
    let weights = Weights {
        price: 1,
        quality: 200,
        days: 10,
        continuity_pence: 0,
    };
    let e = place(
        &request(),
        [&cheap_poor, &dear_good],
        &market(),
        Policy::BestValue(weights),
    );
    let costs: Vec<(&str, i64)> = e.ranking.iter().map(|c| (c.listing_id, c.cost)).collect();
    assert_eq!(
        costs,
        vec![
            ("lst_b", 45_000 + 8 * 10),
            ("lst_a", 40_000 + 40 * 200 + 8 * 10)
        ]
    );
    assert_eq!(e.weights, Some(weights));
}

#[test]
fn the_ranking_is_stored_as_a_list_of_candidates_and_old_explanations_still_read() {
    let e = place(
        &request(),
        [&listing("lst_a", 5), &listing("lst_b", 7)],
        &market(),
        Policy::BestPrice,
    );
    let json = serde_json::to_value(&e).expect("json");
    assert_eq!(json["ranking"][1]["listing_id"], "lst_b");
    assert_eq!(json["ranking"][1]["provider_id"], "prv_lst_b");
    assert_eq!(json["ranking"][1]["price_pence"], 7);
    assert_eq!(json["ranking"][0], json["chosen"]);
    assert!(json.get("weights").is_none());
    let back: Explanation = serde_json::from_value(json.clone()).expect("reads back");
    assert_eq!(back, e);

    // Stored before candidates were kept: no ranking, no weights.
    let mut old = json;
    let fields = old.as_object_mut().expect("object");
    fields.remove("ranking");
    let old: Explanation = serde_json::from_value(old).expect("old explanation");
    assert!(old.ranking.is_empty());
    assert_eq!(old.chosen, e.chosen);
}

#[test]
fn rule_five_for_one_day_is_what_the_engine_applies() {
    let person = request().person;
    let on = market().today;
    // (narrowing, admitted by `admits`): each part of rule 5 can exclude on its own.
    type Narrowing = Box<dyn Fn(&mut Eligibility)>;
    let cases: [(Narrowing, bool); 6] = [
        (Box::new(|_| {}), true),
        (Box::new(|e| e.sexes = vec![Sex::Female]), false),
        (Box::new(|e| e.max_age = 30), false),
        (Box::new(|e| e.max_risk_of_harm = RiskOfHarm::Low), false),
        (Box::new(|e| e.tiers = vec![1]), false),
        (Box::new(|e| e.max_risk_of_harm = RiskOfHarm::Medium), true),
    ];
    for (i, (f, expected)) in cases.iter().enumerate() {
        let admission = narrowed(f);
        assert_eq!(admits(&admission, &person, on), *expected, "case {i}");
        // The engine excludes exactly the listings the one-day rule refuses.
        let mut l = listing("l1", 50_000);
        l.eligibility = admission;
        let e = place(&request(), &[l], &market(), Policy::BestPrice);
        assert_eq!(e.chosen.is_some(), *expected, "case {i}: {e:?}");
    }
}
