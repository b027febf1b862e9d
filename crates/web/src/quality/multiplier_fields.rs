//! The specification form's price multipliers: one field per risk tier and per risk of
//! serious harm, each a percentage of the listing's price (`120` = ×1.20, up to two
//! decimal places), kept in the form's flattened fields as `multiplier-tier-<n>` and
//! `multiplier-rosh-<level>`. Empty means 100%.

use std::collections::HashMap;

use provider_hub_domain::need::RiskOfHarm;
use provider_hub_domain::price::{Multipliers, UNIT_BPS};

use crate::form::Errors;

/// One multiplier field as the template shows it.
#[derive(Debug, Clone)]
pub struct MultiplierField {
    pub id: String,
    pub label: String,
    pub value: String,
}

const ROSH: [RiskOfHarm; 4] = [
    RiskOfHarm::Low,
    RiskOfHarm::Medium,
    RiskOfHarm::High,
    RiskOfHarm::VeryHigh,
];

fn tier_id(t: usize) -> String {
    format!("multiplier-tier-{}", t + 1)
}

fn rosh_id(r: RiskOfHarm) -> String {
    format!("multiplier-rosh-{}", r.as_str())
}

/// Basis points as a percentage: 12000 → `120`, 11250 → `112.5`.
pub fn percent(bps: u32) -> String {
    let (whole, hundredths) = (bps / 100, bps % 100);
    match hundredths {
        0 => whole.to_string(),
        h if h % 10 == 0 => format!("{whole}.{}", h / 10),
        h => format!("{whole}.{h:02}"),
    }
}

/// A percentage with up to two decimal places as basis points: `112.5` → 11250.
pub fn typed_bps(text: &str) -> Option<u32> {
    let text = text.trim().trim_end_matches('%');
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() || fraction.len() > 2 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u32 = whole.parse().ok()?;
    let fraction: u32 = format!("{fraction:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(fraction)
}

/// The fields showing a payment model's multipliers.
pub fn fields_of(m: &Multipliers, rest: &mut HashMap<String, String>) {
    for (t, bps) in m.tier_bps.iter().enumerate() {
        rest.insert(tier_id(t), percent(*bps));
    }
    for (r, bps) in ROSH.iter().zip(m.risk_of_harm_bps) {
        rest.insert(rosh_id(*r), percent(bps));
    }
}

/// The fields for the template, tiers first, as typed (100 where empty and untouched).
pub fn fields(rest: &HashMap<String, String>) -> (Vec<MultiplierField>, Vec<MultiplierField>) {
    let field = |id: String, label: String| MultiplierField {
        value: rest.get(&id).cloned().unwrap_or_else(|| percent(UNIT_BPS)),
        id,
        label,
    };
    (
        (0..4)
            .map(|t| field(tier_id(t), format!("Tier {}", t + 1)))
            .collect(),
        ROSH.iter()
            .map(|r| field(rosh_id(*r), crate::page::words(r.as_str())))
            .collect(),
    )
}

/// The multipliers typed; an error on each field that is not a percentage.
pub fn typed(rest: &HashMap<String, String>, errors: &mut Errors) -> Multipliers {
    let mut m = Multipliers::default();
    let mut read = |id: String, into: &mut u32| match rest.get(&id).map(|s| s.trim()) {
        None | Some("") => {}
        Some(text) => match typed_bps(text) {
            Some(bps) => *into = bps,
            None => errors.add(
                &id,
                "Enter the multiplier as a percentage of the listing's price, like 120",
            ),
        },
    };
    for (t, bps) in m.tier_bps.iter_mut().enumerate() {
        read(tier_id(t), bps);
    }
    for (r, bps) in ROSH.iter().zip(m.risk_of_harm_bps.iter_mut()) {
        read(rosh_id(*r), bps);
    }
    m
}

/// The form field a use case's error on `payment_model.multipliers.…` belongs on.
pub fn field_id(field: &str) -> Option<String> {
    let rest = field.strip_prefix("payment_model.multipliers.")?;
    let index = |s: &str| -> Option<usize> { s.strip_suffix(']')?.parse().ok() };
    if let Some(i) = rest.strip_prefix("tier_bps[").and_then(index) {
        return Some(tier_id(i));
    }
    let i = rest.strip_prefix("risk_of_harm_bps[").and_then(index)?;
    ROSH.get(i).map(|r| rosh_id(*r))
}

/// The error summary's labels for the multiplier fields.
pub const LABELS: &[(&str, &str)] = &[
    ("multiplier-tier-1", "Tier 1 multiplier"),
    ("multiplier-tier-2", "Tier 2 multiplier"),
    ("multiplier-tier-3", "Tier 3 multiplier"),
    ("multiplier-tier-4", "Tier 4 multiplier"),
    ("multiplier-rosh-low", "Low risk multiplier"),
    ("multiplier-rosh-medium", "Medium risk multiplier"),
    ("multiplier-rosh-high", "High risk multiplier"),
    ("multiplier-rosh-very_high", "Very high risk multiplier"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_and_basis_points_round_trip() {
        for (bps, text) in [
            (10_000, "100"),
            (12_000, "120"),
            (11_250, "112.5"),
            (18_755, "187.55"),
        ] {
            assert_eq!(percent(bps), text);
            assert_eq!(typed_bps(text), Some(bps));
        }
        assert_eq!(typed_bps("120%"), Some(12_000));
        for bad in ["", "abc", "1.234", ".5", "-10", "1e3"] {
            assert_eq!(typed_bps(bad), None, "{bad}");
        }
    }

    #[test]
    fn use_case_errors_land_on_their_fields() {
        assert_eq!(
            field_id("payment_model.multipliers.tier_bps[2]").as_deref(),
            Some("multiplier-tier-3")
        );
        assert_eq!(
            field_id("payment_model.multipliers.risk_of_harm_bps[3]").as_deref(),
            Some("multiplier-rosh-very_high")
        );
        assert_eq!(field_id("payment_model.milestones"), None);
    }
}
