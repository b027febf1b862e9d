//! The performance-adjusted quality score (SPEC.md §2 "Adjusted quality score") and the
//! continuity principle's related categories.
//!
//! A provider's accreditation score for a category is the quality team's judgement; what
//! its orders in that category went on to do is evidence. The adjusted score blends the
//! two by credibility (Bühlmann): each kind of evidence counts for `n / (n + k)` of its
//! share, so a handful of orders barely moves the score and a long record dominates it.
//!
//! With `A` the accreditation score (0–100),
//! - completion evidence: `n_c` orders that reached an end the provider answers for
//!   (`c` completed, the rest failed or revoked in breach), completion rate
//!   `r_c = 100 × c / n_c`, credibility `Z_c = n_c / (n_c + k)`;
//! - outcome evidence: `n_o` orders with an outcome recorded (`p` with no proven
//!   reoffence in 12 months), positive rate `r_o = 100 × p / n_o`,
//!   credibility `Z_o = n_o / (n_o + k)`;
//!
//! the adjusted score is
//!
//! ```text
//! adjusted = A + w_c × Z_c × (r_c − A) + w_o × Z_o × (r_o − A)
//! ```
//!
//! with `k = 30`, `w_c = 40 %` and `w_o = 60 %` (outcomes are what the service is for),
//! rounded to the nearest whole point. It is a weighted mean of `A`, `r_c` and `r_o` with
//! non-negative weights, so it stays within 0–100; with no evidence it is `A`; as
//! evidence grows it moves towards the observed score `w_c × r_c + w_o × r_o`; and `n`
//! orders move it at most `100 × n / (n + k)` points (three orders: at most 9).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Category;

/// The credibility constant `k`: the number of orders at which observed performance
/// counts for half of its share.
pub const CREDIBILITY_ORDERS: u32 = 30;
/// The share of the completion rate in the observed score, in percent.
pub const COMPLETION_WEIGHT_PERCENT: u32 = 40;
/// The share of the positive-outcome rate in the observed score, in percent.
pub const OUTCOME_WEIGHT_PERCENT: u32 = 100 - COMPLETION_WEIGHT_PERCENT;

/// What a provider's orders in one category went on to do.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    ToSchema,
)]
pub struct Evidence {
    /// Orders completed.
    pub completed: u32,
    /// Orders failed, or revoked in breach proceedings (ends the provider answers for;
    /// cancellations and ends for custody, transfer, death, moving away or a plan
    /// revision are not counted).
    pub failed: u32,
    /// Orders whose recorded outcome is no proven reoffence in 12 months.
    pub positive_outcomes: u32,
    /// Orders whose recorded outcome is a proven reoffence in 12 months.
    pub negative_outcomes: u32,
}

impl Evidence {
    pub fn is_empty(&self) -> bool {
        *self == Evidence::default()
    }

    /// Orders that reached an end the provider answers for.
    pub fn ended(&self) -> u64 {
        u64::from(self.completed) + u64::from(self.failed)
    }

    /// Orders with an outcome recorded.
    pub fn outcomes(&self) -> u64 {
        u64::from(self.positive_outcomes) + u64::from(self.negative_outcomes)
    }

    /// The observed score `w_c × r_c + w_o × r_o` (0–100), when there is evidence of both
    /// kinds; with one kind only, that kind's rate.
    pub fn observed(&self) -> Option<u8> {
        let (c, o) = (
            (self.ended() > 0).then(|| (u128::from(self.completed) * 100, self.ended())),
            (self.outcomes() > 0)
                .then(|| (u128::from(self.positive_outcomes) * 100, self.outcomes())),
        );
        let value = match (c, o) {
            (None, None) => return None,
            (Some((g, n)), None) | (None, Some((g, n))) => ratio(g, u128::from(n)),
            (Some((gc, nc)), Some((go, no))) => {
                let (nc, no) = (u128::from(nc), u128::from(no));
                ratio(
                    u128::from(COMPLETION_WEIGHT_PERCENT) * gc * no
                        + u128::from(OUTCOME_WEIGHT_PERCENT) * go * nc,
                    100 * nc * no,
                )
            }
        };
        Some(value)
    }
}

/// `num / den` rounded half up, as a score (both non-negative, den > 0).
fn ratio(num: u128, den: u128) -> u8 {
    u8::try_from(((2 * num + den) / (2 * den)).min(100)).unwrap_or(100)
}

/// The performance-adjusted quality score for an accreditation score and the evidence
/// (see the module's formula).
#[inline]
pub fn adjusted_score(accreditation_score: u8, evidence: &Evidence) -> u8 {
    // The matching engine asks this for every candidate: no evidence is the score itself,
    // and a record of under 2^20 orders fits 64-bit arithmetic (i128 division is a call).
    if evidence.is_empty() {
        return accreditation_score.min(100);
    }
    if evidence.ended() < SMALL_RECORD && evidence.outcomes() < SMALL_RECORD {
        return adjusted_small(accreditation_score, evidence);
    }
    adjusted_wide(accreditation_score, evidence)
}

/// Records shorter than this many orders of each kind are adjusted in 64-bit arithmetic:
/// every term of the formula stays below 2^56.
const SMALL_RECORD: u64 = 1 << 20;

/// [`adjusted_score`] in `i64`, for records under [`SMALL_RECORD`] orders of each kind.
fn adjusted_small(accreditation_score: u8, evidence: &Evidence) -> u8 {
    let a = i64::from(accreditation_score.min(100));
    let k = i64::from(CREDIBILITY_ORDERS);
    let (nc, no) = (
        i64::try_from(evidence.ended()).unwrap_or(i64::MAX),
        i64::try_from(evidence.outcomes()).unwrap_or(i64::MAX),
    );
    let (wc, wo) = (
        i64::from(COMPLETION_WEIGHT_PERCENT),
        i64::from(OUTCOME_WEIGHT_PERCENT),
    );
    let den = 100 * (nc + k) * (no + k);
    let num = 100 * a * (nc + k) * (no + k)
        + wc * (100 * i64::from(evidence.completed) - a * nc) * (no + k)
        + wo * (100 * i64::from(evidence.positive_outcomes) - a * no) * (nc + k);
    let rounded = (2 * num + den).div_euclid(2 * den);
    u8::try_from(rounded.clamp(0, 100)).unwrap_or(100)
}

/// [`adjusted_score`] in `i128`, for any record.
fn adjusted_wide(accreditation_score: u8, evidence: &Evidence) -> u8 {
    let a = i128::from(accreditation_score.min(100));
    let k = i128::from(CREDIBILITY_ORDERS);
    let (nc, no) = (
        i128::from(evidence.ended()),
        i128::from(evidence.outcomes()),
    );
    let (wc, wo) = (
        i128::from(COMPLETION_WEIGHT_PERCENT),
        i128::from(OUTCOME_WEIGHT_PERCENT),
    );
    // adjusted × 100 (nc + k)(no + k)
    //   = 100 A (nc + k)(no + k) + w_c (100 c − A nc)(no + k) + w_o (100 p − A no)(nc + k)
    let den = 100 * (nc + k) * (no + k);
    let num = 100 * a * (nc + k) * (no + k)
        + wc * (100 * i128::from(evidence.completed) - a * nc) * (no + k)
        + wo * (100 * i128::from(evidence.positive_outcomes) - a * no) * (nc + k);
    // A weighted mean of values in 0–100, so num is within [0, 100 den].
    let rounded = (2 * num + den).div_euclid(2 * den);
    u8::try_from(rounded.clamp(0, 100)).unwrap_or(100)
}

/// Categories close enough that a provider already working with the person in one is
/// a continuity of care for another (the continuity principle). Each group is a set of
/// related categories; a category is related to itself and to the others of its group.
pub const RELATED_CATEGORIES: &[&[Category]] = &[
    &[
        Category::AlcoholTreatment,
        Category::DrugRehabilitation,
        Category::MentalHealthTreatment,
    ],
    &[Category::ThinkingBehaviour, Category::AccreditedProgramme],
    &[
        Category::Accommodation,
        Category::FinanceBenefitDebt,
        Category::EducationTrainingEmployment,
    ],
    &[Category::WomensServices, Category::FamilyRelationships],
];

/// Is `b` the same category as `a` or related to it (see [`RELATED_CATEGORIES`])?
pub fn related(a: Category, b: Category) -> bool {
    a == b
        || RELATED_CATEGORIES
            .iter()
            .any(|group| group.contains(&a) && group.contains(&b))
}

#[cfg(test)]
mod tests;
