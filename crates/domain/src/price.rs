//! Differentiated prices (SPEC.md §2 "Price multiplier"): a specification's payment model
//! sets a multiplier by risk tier and, optionally, by risk of serious harm, so harder
//! cases pay more and are not cherry-picked. The price paid — and the price matching
//! compares — is the listing's price × the person's multiplier.
//!
//! Multipliers are whole basis points (`10000` = ×1.00), so every sum stays in integers.
//! The combined multiplier is `tier bps × risk bps / 10000` and the price is
//! `list price × combined / 10000`, each **rounded half up** to the nearest whole basis
//! point and penny (a half rounds towards the provider).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::need::RiskOfHarm;
use crate::validation::ValidationErrors;

/// ×1.00 in basis points.
pub const UNIT_BPS: u32 = 10_000;
/// The lowest multiplier a payment model may set (×0.50).
pub const MIN_BPS: u32 = 5_000;
/// The highest multiplier a payment model may set (×3.00).
pub const MAX_BPS: u32 = 30_000;

fn unit4() -> [u32; 4] {
    [UNIT_BPS; 4]
}

/// A payment model's price multipliers, in basis points (`10000` = ×1.00). Absent
/// (or any part absent) means ×1.00 there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Multipliers {
    /// By risk tier: `[tier 1, tier 2, tier 3, tier 4]`, each 5000–30000.
    #[serde(default = "unit4")]
    #[schema(min_items = 4, max_items = 4, example = json!([10000, 10000, 12000, 15000]))]
    pub tier_bps: [u32; 4],
    /// By risk of serious harm: `[low, medium, high, very_high]`, each 5000–30000.
    #[serde(default = "unit4")]
    #[schema(min_items = 4, max_items = 4, example = json!([10000, 10000, 11000, 12500]))]
    pub risk_of_harm_bps: [u32; 4],
}

impl Default for Multipliers {
    fn default() -> Self {
        Self {
            tier_bps: unit4(),
            risk_of_harm_bps: unit4(),
        }
    }
}

fn rosh_index(risk: RiskOfHarm) -> usize {
    match risk {
        RiskOfHarm::Low => 0,
        RiskOfHarm::Medium => 1,
        RiskOfHarm::High => 2,
        RiskOfHarm::VeryHigh => 3,
    }
}

/// `a × b / 10000` rounded half up, for non-negative `a` and `b`.
fn scale(a: i128, bps: i128) -> i128 {
    // In 64 bits when it fits (every price up to the cap does): i128 division is a call.
    if let (Ok(a64), Ok(b64)) = (i64::try_from(a), i64::try_from(bps)) {
        if let Some(product) = a64
            .checked_mul(b64)
            .and_then(|p| p.checked_add(i64::from(UNIT_BPS / 2)))
        {
            return i128::from(product.div_euclid(i64::from(UNIT_BPS)));
        }
    }
    (a * bps + i128::from(UNIT_BPS / 2)).div_euclid(i128::from(UNIT_BPS))
}

impl Multipliers {
    /// Is it ×1.00 for everyone?
    #[inline]
    pub fn is_unit(&self) -> bool {
        *self == Self::default()
    }

    /// The combined multiplier for a person of this tier and risk of serious harm:
    /// tier bps × risk bps / 10000, rounded half up. A tier outside 1–4 counts as ×1.00
    /// for the tier part (eligibility never admits one).
    pub fn combined_bps(&self, tier: u8, risk_of_harm: RiskOfHarm) -> u32 {
        let tier_bps = usize::from(tier)
            .checked_sub(1)
            .and_then(|i| self.tier_bps.get(i))
            .copied()
            .unwrap_or(UNIT_BPS);
        let rosh_bps = self.risk_of_harm_bps[rosh_index(risk_of_harm)];
        u32::try_from(scale(i128::from(tier_bps), i128::from(rosh_bps))).unwrap_or(u32::MAX)
    }

    /// Each multiplier within 5000–30000 bps; errors named `tier_bps[i]` and
    /// `risk_of_harm_bps[i]`.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        for (name, values) in [
            ("tier_bps", &self.tier_bps),
            ("risk_of_harm_bps", &self.risk_of_harm_bps),
        ] {
            for (i, bps) in values.iter().enumerate() {
                if !(MIN_BPS..=MAX_BPS).contains(bps) {
                    errors.add(
                        format!("{name}[{i}]"),
                        format!("must be {MIN_BPS}-{MAX_BPS} basis points (10000 = ×1.00)"),
                    );
                }
            }
        }
        errors.into_result()
    }
}

/// A listing's price for one person: what is paid and compared, and how it was reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Priced {
    /// The listing's price × the multiplier, in pence.
    pub price_pence: i64,
    /// The listing's own price, in pence.
    pub list_price_pence: i64,
    /// The person's combined multiplier, in basis points (10000 = ×1.00).
    pub multiplier_bps: u32,
}

/// `list price × bps / 10000`, rounded half up to the penny; never negative (a negative
/// list price counts as 0), and exact for every price up to the cap and multiplier up to
/// ×9 (the largest a tier and a risk multiplier combine to).
pub fn apply(list_price_pence: i64, multiplier_bps: u32) -> i64 {
    let price = scale(
        i128::from(list_price_pence.max(0)),
        i128::from(multiplier_bps),
    );
    i64::try_from(price).unwrap_or(i64::MAX)
}

/// The price a person of this tier and risk of serious harm pays for a listing priced
/// `list_price_pence` under a specification's multipliers.
#[inline]
pub fn multiplied(
    list_price_pence: i64,
    tier: u8,
    risk_of_harm: RiskOfHarm,
    multipliers: &Multipliers,
) -> Priced {
    // Most specifications set no multipliers: ×1.00 is the list price (never negative).
    if multipliers.is_unit() {
        return Priced {
            price_pence: list_price_pence.max(0),
            list_price_pence,
            multiplier_bps: UNIT_BPS,
        };
    }
    let multiplier_bps = multipliers.combined_bps(tier, risk_of_harm);
    Priced {
        price_pence: apply(list_price_pence, multiplier_bps),
        list_price_pence,
        multiplier_bps,
    }
}

/// A multiplier in words, exactly: `×1.20`, `×1.875` (at least two decimal places).
pub fn format_bps(bps: u32) -> String {
    let fraction = format!("{:04}", bps % UNIT_BPS);
    let fraction = fraction.trim_end_matches('0');
    format!("×{}.{fraction:0<2}", bps / UNIT_BPS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::MAX_PENCE;
    use proptest::prelude::*;

    fn model() -> Multipliers {
        Multipliers {
            tier_bps: [10_000, 10_000, 12_000, 15_000],
            risk_of_harm_bps: [10_000, 10_000, 11_000, 12_500],
        }
    }

    #[test]
    fn table_of_prices() {
        let m = model();
        let table: &[(i64, u8, RiskOfHarm, u32, i64)] = &[
            (10_000, 1, RiskOfHarm::Low, 10_000, 10_000),
            (10_000, 2, RiskOfHarm::Medium, 10_000, 10_000),
            (10_000, 3, RiskOfHarm::Low, 12_000, 12_000),
            (10_000, 4, RiskOfHarm::Low, 15_000, 15_000),
            (10_000, 3, RiskOfHarm::High, 13_200, 13_200),
            (10_000, 4, RiskOfHarm::VeryHigh, 18_750, 18_750),
            // Half a penny rounds up: 1 × 1.5 = 1.5 → 2; 3 × 1.25 = 3.75 → 4.
            (1, 4, RiskOfHarm::Low, 15_000, 2),
            (3, 1, RiskOfHarm::VeryHigh, 12_500, 4),
            // Below a half rounds down: 33 × 1.2 = 39.6 → 40; 31 × 1.1 = 34.1 → 34.
            (33, 3, RiskOfHarm::Low, 12_000, 40),
            (31, 1, RiskOfHarm::High, 11_000, 34),
            (0, 4, RiskOfHarm::VeryHigh, 18_750, 0),
            (MAX_PENCE, 4, RiskOfHarm::VeryHigh, 18_750, 1_875_000_000),
        ];
        for (list, tier, rosh, bps, price) in table {
            let p = multiplied(*list, *tier, *rosh, &m);
            assert_eq!(
                (p.multiplier_bps, p.price_pence, p.list_price_pence),
                (*bps, *price, *list),
                "{list} tier {tier} {rosh}"
            );
        }
    }

    #[test]
    fn absent_multipliers_are_one() {
        let m: Multipliers = serde_json::from_str("{}").expect("reads");
        assert!(m.is_unit());
        let m: Multipliers =
            serde_json::from_str(r#"{"tier_bps":[10000,10000,12000,15000]}"#).expect("reads");
        assert_eq!(m.risk_of_harm_bps, [UNIT_BPS; 4]);
        assert_eq!(m.combined_bps(4, RiskOfHarm::VeryHigh), 15_000);
        assert!(serde_json::from_str::<Multipliers>(r#"{"tiers":[1]}"#).is_err());
    }

    #[test]
    fn combined_multiplier_rounds_half_up_to_a_basis_point() {
        let m = Multipliers {
            tier_bps: [10_001, 10_000, 10_000, 10_000],
            risk_of_harm_bps: [15_000, 10_000, 10_000, 10_000],
        };
        // 10001 × 15000 / 10000 = 15001.5 → 15002.
        assert_eq!(m.combined_bps(1, RiskOfHarm::Low), 15_002);
        // A tier outside 1–4 counts as ×1.00 for its part.
        assert_eq!(m.combined_bps(0, RiskOfHarm::Medium), UNIT_BPS);
        assert_eq!(m.combined_bps(9, RiskOfHarm::Low), 15_000);
    }

    #[test]
    fn validation_names_each_multiplier_out_of_range() {
        assert!(model().validate().is_ok());
        let bad = Multipliers {
            tier_bps: [4_999, 10_000, 30_000, 30_001],
            risk_of_harm_bps: [0, 10_000, 10_000, 10_000],
        };
        let fields: Vec<String> = bad
            .validate()
            .expect_err("out of range")
            .0
            .into_iter()
            .map(|e| e.field)
            .collect();
        assert_eq!(
            fields,
            ["tier_bps[0]", "tier_bps[3]", "risk_of_harm_bps[0]"]
        );
    }

    #[test]
    fn formats_multipliers() {
        assert_eq!(format_bps(10_000), "×1.00");
        assert_eq!(format_bps(12_000), "×1.20");
        assert_eq!(format_bps(18_750), "×1.875");
        assert_eq!(format_bps(10_001), "×1.0001");
        assert_eq!(format_bps(30_000), "×3.00");
        assert_eq!(format_bps(5_000), "×0.50");
    }

    fn bps() -> impl Strategy<Value = u32> {
        MIN_BPS..=MAX_BPS
    }

    fn risk() -> impl Strategy<Value = RiskOfHarm> {
        prop::sample::select(RiskOfHarm::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn one_is_the_identity(price in 0..=MAX_PENCE, tier in 1u8..=4, rosh in risk()) {
            let p = multiplied(price, tier, rosh, &Multipliers::default());
            prop_assert_eq!(p.price_pence, price);
            prop_assert_eq!(p.multiplier_bps, UNIT_BPS);
        }

        #[test]
        fn monotone_in_the_multiplier_and_the_price(
            price in 0..=MAX_PENCE, more in 0..=MAX_PENCE, a in bps(), b in bps()
        ) {
            let (lo, hi) = (a.min(b), a.max(b));
            prop_assert!(apply(price, lo) <= apply(price, hi));
            prop_assert!(apply(price, lo) <= apply(price.saturating_add(more), lo));
        }

        #[test]
        fn never_negative_and_never_overflows(
            price in i64::MIN..=MAX_PENCE,
            tiers in prop::array::uniform4(bps()),
            roshes in prop::array::uniform4(bps()),
            tier in 1u8..=4,
            rosh in risk(),
        ) {
            let m = Multipliers { tier_bps: tiers, risk_of_harm_bps: roshes };
            let p = multiplied(price, tier, rosh, &m);
            prop_assert!(p.price_pence >= 0);
            // Exact: within half a penny of the real product, and at most ×9 the price.
            let exact = i128::from(price.max(0)) * i128::from(p.multiplier_bps);
            let got = i128::from(p.price_pence) * 10_000;
            prop_assert!((got - exact).abs() <= 5_000);
            prop_assert!(p.price_pence <= price.max(0) * 9);
        }
    }

    proptest! {
        /// Scaling in 64 bits where it fits gives what 128 bits give.
        #[test]
        fn scaling_in_64_bits_equals_the_wide_product(a in 0i64..=i64::MAX, bps in 0u32..=u32::MAX) {
            let (a, bps) = (i128::from(a), i128::from(bps));
            prop_assert_eq!(
                scale(a, bps),
                (a * bps + i128::from(UNIT_BPS / 2)).div_euclid(i128::from(UNIT_BPS))
            );
        }

        /// ×1.00 for everyone prices as the general formula does.
        #[test]
        fn unit_multipliers_price_as_the_formula_does(p in i64::MIN..=i64::MAX, tier in 0u8..6) {
            let unit = Multipliers::default();
            let priced = multiplied(p, tier, RiskOfHarm::High, &unit);
            prop_assert_eq!(priced.multiplier_bps, unit.combined_bps(tier, RiskOfHarm::High));
            prop_assert_eq!(priced.price_pence, apply(p, priced.multiplier_bps));
        }
    }
}
