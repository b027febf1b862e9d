//! The cherry-picking report's rules (issue 17): is a provider taking the easier cases?
//! Three measures per provider and category, each compared with the market's (every
//! provider of the category, pooled):
//!
//! - the **high-tier share** of its offers — offers for people in risk tier 3 or 4;
//! - its **decline rate by tier** — declined offers ÷ offers, per tier;
//! - its **narrowing index** — the share of the category's orders in the areas it serves
//!   that its listings' eligibility excludes, ÷ the same share pooled over the market
//!   (1.00: it excludes as much as the market does; 2.00: twice as much).
//!
//! A provider is **flagged** when, with at least [`MIN_OFFERS_TO_FLAG`] offers, its
//! high-tier share is below half the market's.

use crate::need::{RiskOfHarm, Sex, TIERS};
use crate::specification::Admission;

/// Risk tiers counted as high: 3 and 4.
pub const HIGH_TIERS: std::ops::RangeInclusive<u8> = 3..=4;

/// The fewest offers on which a provider's high-tier share is judged.
pub const MIN_OFFERS_TO_FLAG: i64 = 10;

/// Is this risk tier a high one (3–4)?
pub fn is_high_tier(tier: u8) -> bool {
    HIGH_TIERS.contains(&tier) && TIERS.contains(&tier)
}

/// `part ÷ whole` to four decimal places; `None` when `whole` is not positive.
pub fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 / whole as f64 * 10_000.0).round() / 10_000.0)
}

/// The narrowing index: the provider's excluded share ÷ the market's, to two decimal
/// places. `None` when the provider considered no order or the market excluded none (an
/// index of nothing).
pub fn narrowing_index(
    excluded: i64,
    considered: i64,
    market_excluded: i64,
    market_considered: i64,
) -> Option<f64> {
    if considered <= 0 || market_excluded <= 0 || market_considered <= 0 {
        return None;
    }
    // (e / c) ÷ (me / mc) = e·mc ÷ (c·me), in integers until the one division.
    let num = i128::from(excluded) * i128::from(market_considered);
    let den = i128::from(considered) * i128::from(market_excluded);
    Some((num as f64 / den as f64 * 100.0).round() / 100.0)
}

/// Is the provider's high-tier share far below the market's: fewer than half as many
/// high-tier offers per offer, judged only on [`MIN_OFFERS_TO_FLAG`] offers or more and
/// only where the market has high-tier offers at all? Compared in integers:
/// `2 · high · market_offers < market_high · offers`.
pub fn flagged(high: i64, offers: i64, market_high: i64, market_offers: i64) -> bool {
    offers >= MIN_OFFERS_TO_FLAG
        && market_offers > 0
        && market_high > 0
        && 2 * i128::from(high) * i128::from(market_offers)
            < i128::from(market_high) * i128::from(offers)
}

/// Does a provider's eligibility exclude a person: none of its listings serving the
/// person's area (`admissions`, each as the listing narrows its specification) admits
/// their sex, age, risk of serious harm and tier?
pub fn excluded<'a>(
    admissions: impl IntoIterator<Item = &'a Admission>,
    sex: Sex,
    age: u32,
    risk_of_harm: RiskOfHarm,
    tier: u8,
) -> bool {
    !admissions
        .into_iter()
        .any(|a| a.admits_person(sex, age) && a.admits_risk(risk_of_harm, tier))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::specification::Eligibility;
    use proptest::prelude::*;

    fn admission(tiers: &[u8], max_risk: RiskOfHarm, sexes: &[Sex]) -> Admission {
        (&Eligibility {
            sexes: sexes.to_vec(),
            min_age: 18,
            max_age: 65,
            max_risk_of_harm: max_risk,
            tiers: tiers.to_vec(),
        })
            .into()
    }

    #[test]
    fn excluded_when_no_listing_admits() {
        let low = admission(&[1, 2], RiskOfHarm::Medium, &[Sex::Male, Sex::Female]);
        let women = admission(&[1, 2, 3, 4], RiskOfHarm::VeryHigh, &[Sex::Female]);
        let both = [low, women];
        type Row<'a> = (&'a [Admission], Sex, u32, RiskOfHarm, u8, bool);
        let table: &[Row] = &[
            (&both, Sex::Male, 30, RiskOfHarm::Low, 1, false),
            (&both, Sex::Male, 30, RiskOfHarm::Low, 3, true),
            (&both, Sex::Female, 30, RiskOfHarm::High, 4, false),
            (&both, Sex::Male, 30, RiskOfHarm::High, 2, true),
            (&both, Sex::Male, 70, RiskOfHarm::Low, 1, true),
            (&[], Sex::Male, 30, RiskOfHarm::Low, 1, true),
        ];
        for (admissions, sex, age, risk, tier, want) in table {
            assert_eq!(
                excluded(admissions.iter(), *sex, *age, *risk, *tier),
                *want,
                "{sex} {age} {risk} tier {tier}"
            );
        }
    }

    #[test]
    fn high_tiers_are_three_and_four() {
        let high: Vec<u8> = (0..=6).filter(|t| is_high_tier(*t)).collect();
        assert_eq!(high, [3, 4]);
    }

    #[test]
    fn shares_round_to_four_places_and_say_none_for_nothing() {
        assert_eq!(share(1, 3), Some(0.3333));
        assert_eq!(share(2, 3), Some(0.6667));
        assert_eq!(share(0, 5), Some(0.0));
        assert_eq!(share(1, 0), None);
    }

    #[test]
    fn table_of_flags() {
        // (high, offers, market high, market offers, flagged)
        let table: &[(i64, i64, i64, i64, bool)] = &[
            (0, 10, 50, 100, true),    // none high of 10 against half the market
            (2, 10, 50, 100, true),    // 0.2 < 0.25
            (3, 12, 50, 100, false),   // exactly half (0.25 = 0.5 × 0.5): not below
            (0, 9, 50, 100, false),    // too few offers to judge
            (0, 10, 0, 100, false),    // the market has no high-tier offers
            (5, 10, 50, 100, false),   // the market's share
            (10, 10, 100, 100, false), // all high
        ];
        for (high, offers, mh, mo, want) in table {
            assert_eq!(
                flagged(*high, *offers, *mh, *mo),
                *want,
                "{high}/{offers} vs {mh}/{mo}"
            );
        }
    }

    #[test]
    fn table_of_narrowing_indices() {
        assert_eq!(narrowing_index(1, 10, 1, 10), Some(1.0));
        assert_eq!(narrowing_index(4, 10, 2, 10), Some(2.0));
        assert_eq!(narrowing_index(0, 10, 3, 30), Some(0.0));
        assert_eq!(narrowing_index(1, 3, 3, 10), Some(1.11));
        assert_eq!(narrowing_index(1, 0, 3, 10), None);
        assert_eq!(narrowing_index(0, 10, 0, 10), None);
    }

    proptest! {
        #[test]
        fn shares_lie_between_zero_and_one(whole in 1i64..1_000_000, part in 0i64..1_000_000) {
            let part = part % (whole + 1);
            let s = share(part, whole).unwrap_or(-1.0);
            prop_assert!((0.0..=1.0).contains(&s));
        }

        #[test]
        fn the_market_itself_has_index_one(excluded in 1i64..100_000, considered in 1i64..100_000) {
            prop_assert_eq!(narrowing_index(excluded, considered, excluded, considered), Some(1.0));
        }

        #[test]
        fn more_high_tier_offers_never_raise_a_flag(
            high in 0i64..1000, more in 0i64..1000, offers in 10i64..2000,
            mh in 0i64..10_000, mo in 1i64..20_000,
        ) {
            let high = high.min(offers);
            let higher = (high + more).min(offers);
            prop_assert!(!flagged(higher, offers, mh, mo) || flagged(high, offers, mh, mo));
        }
    }
}
