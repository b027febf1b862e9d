//! Pooled budgets (SPEC.md §2 "Contribution"): an area's budget for a financial year is
//! funded by named contributors; what is spent and committed is attributed to them pro
//! rata to their funds; what is left at the year's end carries over by the area's rule,
//! each contributor's part to that contributor.

use crate::validation::ValidationErrors;

/// The contributor a budget set without contributions reads as: one pool, unnamed.
pub const UNATTRIBUTED: &str = "unattributed";

/// The agencies that usually pool money with probation, by the key a contribution names
/// them with, and how a statement names them. Any other agency is a key of its own
/// (`youth_justice_service`, `housing_trust_sheffield`).
pub const AGENCIES: &[(&str, &str)] = &[
    ("probation", "Probation"),
    (
        "police_and_crime_commissioner",
        "Police and crime commissioner",
    ),
    ("health", "Health"),
    ("local_authority", "Local authority"),
];

/// The longest contributor key.
pub const MAX_CONTRIBUTOR_LEN: usize = 60;

/// Is `key` a contributor's key: 1–60 lowercase letters, digits and underscores, starting
/// with a letter (it is part of the statement's address), and not `unattributed`?
pub fn check_contributor(key: &str) -> Result<(), String> {
    if key.trim().is_empty() {
        return Err("must not be blank".into());
    }
    if key == UNATTRIBUTED {
        return Err(format!(
            "`{UNATTRIBUTED}` names a budget's money that no contributor is named for; choose another name"
        ));
    }
    let well_formed = key.len() <= MAX_CONTRIBUTOR_LEN
        && key.starts_with(|c: char| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !well_formed {
        return Err(format!(
            "must be 1-{MAX_CONTRIBUTOR_LEN} lowercase letters, digits and underscores, starting with a letter, such as {}",
            AGENCIES
                .iter()
                .map(|(k, _)| *k)
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    Ok(())
}

/// How a statement names a contributor: the agency's name, or the key in words.
pub fn contributor_name(key: &str) -> String {
    if key == UNATTRIBUTED {
        return "Unattributed".into();
    }
    if let Some((_, name)) = AGENCIES.iter().find(|(k, _)| *k == key) {
        return (*name).to_owned();
    }
    let words = key.replace('_', " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => words,
    }
}

/// Checks a whole list of contributions: every key well formed and named once, every
/// amount within `0..=max_pence`, the total too. Fields are `contributions[i].…`.
pub fn check_contributions(
    contributions: &[(&str, i64)],
    max_pence: i64,
) -> Result<(), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let mut total: i64 = 0;
    for (i, (key, amount)) in contributions.iter().enumerate() {
        if let Err(e) = check_contributor(key) {
            errors.add(format!("contributions[{i}].contributor"), e);
        } else if contributions[..i].iter().any(|(k, _)| k == key) {
            errors.add(
                format!("contributions[{i}].contributor"),
                format!("`{key}` is named more than once; give each contributor one amount"),
            );
        }
        if !(0..=max_pence).contains(amount) {
            errors.add(
                format!("contributions[{i}].amount_pence"),
                format!("must be 0-{max_pence}"),
            );
        } else {
            total = total.saturating_add(*amount);
        }
    }
    if errors.is_empty() && total > max_pence {
        errors.add(
            "contributions",
            format!("must add up to at most {max_pence} pence"),
        );
    }
    errors.into_result()
}

/// Splits `amount_pence` among contributors pro rata to their weights (largest
/// remainder): each gets `amount × weight ÷ Σ weights` rounded down, and the pence the
/// rounding left go one each to the largest remainders, ties to the contributor whose key
/// sorts first. The parts always sum to the amount; each is within a penny of its exact
/// share. When every weight is zero the amount is split equally (the same rule, every
/// weight one); with no contributor at all nothing is attributed. Parts come back in the
/// order of `weights`. Negative weights count as zero; a negative amount is split as its
/// opposite, negated.
pub fn attribute(amount_pence: i64, weights: &[(&str, i64)]) -> Vec<i64> {
    if weights.is_empty() {
        return Vec::new();
    }
    if amount_pence < 0 {
        // A refund is attributed as the spend it undoes.
        return attribute(amount_pence.saturating_neg(), weights)
            .into_iter()
            .map(|p| -p)
            .collect();
    }
    let total: i128 = weights.iter().map(|(_, w)| i128::from((*w).max(0))).sum();
    let weight = |w: i64| {
        if total == 0 {
            1
        } else {
            i128::from(w.max(0))
        }
    };
    let total = if total == 0 {
        weights.len() as i128
    } else {
        total
    };
    let amount = i128::from(amount_pence);
    let mut parts: Vec<(i128, i128)> = weights
        .iter()
        .map(|(_, w)| {
            let exact = amount * weight(*w);
            (exact.div_euclid(total), exact.rem_euclid(total))
        })
        .collect();
    let given: i128 = parts.iter().map(|(p, _)| p).sum();
    let mut left = amount - given;
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        parts[b]
            .1
            .cmp(&parts[a].1)
            .then_with(|| weights[a].0.cmp(weights[b].0))
            .then_with(|| a.cmp(&b))
    });
    for &i in order.iter().cycle() {
        if left <= 0 {
            break;
        }
        parts[i].0 += 1;
        left -= 1;
    }
    parts
        .into_iter()
        .map(|(p, _)| i64::try_from(p).unwrap_or(i64::MAX))
        .collect()
}

/// Breaks each contributor's attributed total down over cells (a category's or a month's
/// spend) so that both ways add up: each cell's parts sum to the cell, each contributor's
/// parts to their `totals` (as [`attribute`] gave them for the sum of the cells). Each part
/// starts at its exact share rounded down; the pence left in a cell go to the contributors
/// still owed pence of their total, largest remainder first, ties by key. Returns, for each
/// contributor, their part of each cell. Cells must not be negative.
pub fn break_down(cells: &[i64], weights: &[(&str, i64)], totals: &[i64]) -> Vec<Vec<i64>> {
    let n = weights.len();
    let total: i128 = weights.iter().map(|(_, w)| i128::from((*w).max(0))).sum();
    let weight = |w: i64| if total == 0 { 1 } else { i128::from(w.max(0)) };
    let total = if total == 0 { n as i128 } else { total };
    let mut parts = vec![vec![0i64; cells.len()]; n];
    let mut owed: Vec<i64> = totals.to_vec();
    owed.resize(n, 0);
    let mut remainders = vec![vec![0i128; cells.len()]; n];
    for (c, cell) in cells.iter().enumerate() {
        for (i, (_, w)) in weights.iter().enumerate() {
            let exact = i128::from((*cell).max(0)) * weight(*w);
            let floor = i64::try_from(exact / total).unwrap_or(i64::MAX);
            parts[i][c] = floor;
            remainders[i][c] = exact % total;
            owed[i] -= floor;
        }
    }
    for (c, cell) in cells.iter().enumerate() {
        let mut left = (*cell).max(0) - parts.iter().map(|p| p[c]).sum::<i64>();
        while left > 0 {
            let next = (0..n).filter(|&i| owed[i] > 0).max_by(|&a, &b| {
                remainders[a][c]
                    .cmp(&remainders[b][c])
                    .then_with(|| weights[b].0.cmp(weights[a].0))
                    .then_with(|| b.cmp(&a))
            });
            let Some(i) = next else { break };
            parts[i][c] += 1;
            owed[i] -= 1;
            // Once given a penny here, a contributor comes after the others still owed.
            remainders[i][c] = -1;
            left -= 1;
        }
    }
    parts
}

crate::string_enum! {
    /// What an area's unspent budget does at a financial year's end.
    pub enum CarryOverRule {
        /// Nothing carries: each year starts from its own allocation.
        None => "none",
        /// Everything unspent carries into the next year.
        All => "all",
        /// What is unspent carries up to `cap_percent` of the year's allocation.
        Capped => "capped",
    }
}

/// An area's carry-over rule with its cap (capped only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CarryOver {
    pub rule: CarryOverRule,
    /// Percent of the year's allocation (0–100), for `capped`.
    pub cap_percent: Option<u8>,
}

impl CarryOver {
    pub const NONE: CarryOver = CarryOver {
        rule: CarryOverRule::None,
        cap_percent: None,
    };

    /// A rule as set: `capped` needs a cap of 0–100, the others take none.
    pub fn new(rule: CarryOverRule, cap_percent: Option<i64>) -> Result<Self, ValidationErrors> {
        match (rule, cap_percent) {
            (CarryOverRule::Capped, None) => Err(ValidationErrors::single(
                "cap_percent",
                "is required for the capped rule",
            )),
            (CarryOverRule::Capped, Some(p)) => match u8::try_from(p) {
                Ok(p) if p <= 100 => Ok(CarryOver {
                    rule,
                    cap_percent: Some(p),
                }),
                _ => Err(ValidationErrors::single("cap_percent", "must be 0-100")),
            },
            (_, Some(_)) => Err(ValidationErrors::single(
                "cap_percent",
                "applies only to the capped rule",
            )),
            (_, None) => Ok(CarryOver {
                rule,
                cap_percent: None,
            }),
        }
    }

    /// What carries out of a year: what is unspent (`available − spent`, never below
    /// zero), all of it, none of it, or at most `cap_percent` of `allocated` (the year's
    /// own allocation, not what it carried in, so a cap never compounds).
    pub fn carried_out(self, allocated_pence: i64, available_pence: i64, spent_pence: i64) -> i64 {
        let unspent = available_pence.saturating_sub(spent_pence).max(0);
        match self.rule {
            CarryOverRule::None => 0,
            CarryOverRule::All => unspent,
            CarryOverRule::Capped => {
                let cap = i128::from(allocated_pence.max(0))
                    * i128::from(self.cap_percent.unwrap_or(0))
                    / 100;
                unspent.min(i64::try_from(cap).unwrap_or(i64::MAX))
            }
        }
    }
}

/// One contributor's money in a year's pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Funder {
    pub contributor: String,
    /// Put in for this year.
    pub contributed_pence: i64,
    /// Carried in from their unspent share of last year.
    pub carried_in_pence: i64,
}

impl Funder {
    /// What the contributor has in the pool: contributed and carried in.
    pub fn funds_pence(&self) -> i64 {
        self.contributed_pence.saturating_add(self.carried_in_pence)
    }
}

/// Each funder's weight: their funds.
pub fn weights(funders: &[Funder]) -> Vec<(&str, i64)> {
    funders
        .iter()
        .map(|f| (f.contributor.as_str(), f.funds_pence()))
        .collect()
}

/// A year's end for each funder: their attributed spend, and what of their unspent share
/// carries out. The year's `spent_pence` is attributed pro rata to funds; what carries
/// out in all (`rule.carried_out` over the pool) is attributed pro rata to each funder's
/// unspent share (`funds − spent`), so under `all` each carries exactly what they left.
pub fn year_end(funders: &[Funder], spent_pence: i64, rule: CarryOver) -> Vec<YearEnd> {
    let spent = attribute(spent_pence, &weights(funders));
    let allocated: i64 = funders.iter().map(|f| f.contributed_pence).sum();
    let available: i64 = funders.iter().map(Funder::funds_pence).sum();
    let unspent: Vec<(&str, i64)> = funders
        .iter()
        .zip(&spent)
        .map(|(f, s)| (f.contributor.as_str(), (f.funds_pence() - s).max(0)))
        .collect();
    let out = rule.carried_out(allocated, available, spent_pence);
    let carried = if unspent.iter().all(|(_, u)| *u == 0) {
        vec![0; funders.len()]
    } else {
        attribute(out, &unspent)
    };
    funders
        .iter()
        .zip(spent)
        .zip(carried)
        .map(|((f, spent_pence), carried_out_pence)| YearEnd {
            contributor: f.contributor.clone(),
            spent_pence,
            unspent_pence: f.funds_pence() - spent_pence,
            carried_out_pence,
        })
        .collect()
}

/// One funder's year: spend attributed, unspent (negative when the pool was overspent by
/// approval) and what carries out to them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearEnd {
    pub contributor: String,
    pub spent_pence: i64,
    pub unspent_pence: i64,
    pub carried_out_pence: i64,
}

/// Next year's funders: this year's contributions, with each contributor's carried-out
/// share as their carried-in — a contributor who carried money but does not contribute
/// again still has a line. Sorted by contributor key.
pub fn next_funders(contributions: &[(String, i64)], carried: &[YearEnd]) -> Vec<Funder> {
    let mut funders: Vec<Funder> = contributions
        .iter()
        .map(|(contributor, amount)| Funder {
            contributor: contributor.clone(),
            contributed_pence: *amount,
            carried_in_pence: 0,
        })
        .collect();
    for c in carried.iter().filter(|c| c.carried_out_pence > 0) {
        match funders.iter_mut().find(|f| f.contributor == c.contributor) {
            Some(f) => f.carried_in_pence += c.carried_out_pence,
            None => funders.push(Funder {
                contributor: c.contributor.clone(),
                contributed_pence: 0,
                carried_in_pence: c.carried_out_pence,
            }),
        }
    }
    funders.sort_by(|a, b| a.contributor.cmp(&b.contributor));
    funders
}

#[cfg(test)]
mod tests;
