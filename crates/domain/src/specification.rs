//! Published service specifications (SPEC.md §2): owned by the quality team, versioned,
//! `draft → published → retired`, and never changed once published.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::category::Category;
use crate::money::MAX_PENCE;
use crate::need::{Need, RiskOfHarm, RiskTier, Sex, TIERS};
use crate::price::Multipliers;
use crate::validation::ValidationErrors;

/// A specification code: 2–32 upper-case letters, digits and `-`, starting with a letter.
#[derive(
    Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "UPW-STD")]
pub struct SpecCode(String);

impl SpecCode {
    pub fn parse(s: &str) -> Result<Self, String> {
        let first_is_letter = s.chars().next().is_some_and(|c| c.is_ascii_uppercase());
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '-');
        if (2..=32).contains(&s.len()) && first_is_letter && ok_chars && !s.ends_with('-') {
            Ok(Self(s.to_owned()))
        } else {
            Err("must be 2-32 upper-case letters, digits or '-', starting with a letter, e.g. UPW-STD".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for SpecCode {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<SpecCode> for String {
    fn from(c: SpecCode) -> String {
        c.0
    }
}

impl std::fmt::Display for SpecCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

crate::string_enum! {
    /// Where a specification version is in its life.
    pub enum SpecificationStatus {
        Draft => "draft",
        Published => "published",
        Retired => "retired",
    }
}

/// A refused change of state: what was asked and the state the thing is in.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} a specification version that is {current}")]
pub struct IllegalTransition {
    pub action: &'static str,
    pub current: SpecificationStatus,
}

impl SpecificationStatus {
    pub fn publish(self) -> Result<Self, IllegalTransition> {
        match self {
            Self::Draft => Ok(Self::Published),
            current => Err(IllegalTransition {
                action: "publish",
                current,
            }),
        }
    }

    pub fn retire(self) -> Result<Self, IllegalTransition> {
        match self {
            Self::Published => Ok(Self::Retired),
            current => Err(IllegalTransition {
                action: "retire",
                current,
            }),
        }
    }

    /// Drafts are the quality team's work in progress; every other status is public.
    pub fn visible_to(self, role: crate::Role) -> bool {
        self != Self::Draft || role == crate::Role::Quality
    }

    /// Only a draft may be edited: a published version never changes.
    pub fn edit(self) -> Result<Self, IllegalTransition> {
        match self {
            Self::Draft => Ok(Self::Draft),
            current => Err(IllegalTransition {
                action: "edit",
                current,
            }),
        }
    }
}

crate::string_enum! {
    /// How sessions are delivered.
    pub enum DeliveryFormat {
        Group => "group",
        OneToOne => "one_to_one",
        Either => "either",
    }
}

crate::string_enum! {
    /// A point in an order's life at which part of its price is paid.
    pub enum Milestone {
        Start => "start",
        Completion => "completion",
        Outcome => "outcome",
    }
}

/// The least a provider must deliver for one order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryStandard {
    /// Minimum number of sessions.
    #[schema(minimum = 1, maximum = 1000)]
    pub min_sessions: u32,
    /// Minimum contact hours.
    #[schema(minimum = 1, maximum = 10000)]
    pub min_hours: u32,
    pub format: DeliveryFormat,
}

/// Who the specification may be delivered to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    /// Sexes eligible; at least one.
    #[schema(min_items = 1)]
    pub sexes: Vec<Sex>,
    /// Youngest eligible age in years on the start date (18 or more).
    #[schema(minimum = 18, maximum = 120)]
    pub min_age: u8,
    /// Oldest eligible age in years on the start date; not below `min_age`.
    #[schema(minimum = 18, maximum = 120)]
    pub max_age: u8,
    /// Highest risk of serious harm the service can manage.
    pub max_risk_of_harm: RiskOfHarm,
    /// Risk tiers (1–4) eligible; at least one.
    #[schema(value_type = Vec<RiskTier>, min_items = 1, max_items = 4)]
    pub tiers: Vec<u8>,
}

/// One share of the price, paid when a milestone is reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentShare {
    pub milestone: Milestone,
    /// Percentage of the order's price, 1–100.
    #[schema(minimum = 1, maximum = 100)]
    pub percent: u8,
}

/// How an order's price is paid: milestones whose percentages sum to 100; and how the
/// outcome milestone is earned — by the person, over a measurement period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentModel {
    /// Each milestone at most once; the percentages sum to 100.
    #[schema(min_items = 1, max_items = 3)]
    pub milestones: Vec<PaymentShare>,
    /// Price multipliers by risk tier and risk of serious harm (absent: ×1.00 for
    /// everyone). The price paid and compared is the listing's price × the person's
    /// multiplier; see `crate::price`.
    #[serde(default)]
    pub multipliers: Multipliers,
    /// The length of a person's outcome measurement period in months, 1–60 (default
    /// 12), from the start of the first intervention of the period.
    #[serde(default = "default_outcome_period_months")]
    #[schema(minimum = 1, maximum = 60, default = 12)]
    pub outcome_period_months: u32,
    /// How the outcome payment is graduated (default 50/50).
    #[serde(default)]
    pub outcome: OutcomeSplit,
}

/// The default outcome measurement period: 12 months.
pub const DEFAULT_OUTCOME_PERIOD_MONTHS: u32 = 12;

fn default_outcome_period_months() -> u32 {
    DEFAULT_OUTCOME_PERIOD_MONTHS
}

/// The graduated outcome payment's two parts, as percentages of the outcome pot summing
/// to 100: the binary part (no proven reoffence in the period) and the frequency part
/// (fewer proven reoffences than predicted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutcomeSplit {
    #[schema(minimum = 0, maximum = 100, example = 50)]
    pub binary_percent: u8,
    #[schema(minimum = 0, maximum = 100, example = 50)]
    pub frequency_percent: u8,
}

impl Default for OutcomeSplit {
    fn default() -> Self {
        Self {
            binary_percent: 50,
            frequency_percent: 50,
        }
    }
}

impl PaymentModel {
    /// A model of these milestones with the default outcome period and split.
    pub fn of(milestones: Vec<PaymentShare>) -> Self {
        Self {
            milestones,
            outcome_period_months: DEFAULT_OUTCOME_PERIOD_MONTHS,
            outcome: OutcomeSplit::default(),
            multipliers: Multipliers::default(),
        }
    }
}

/// Everything a specification version says; what a draft edit may change.
/// (Never read from a request directly: `NewSpecification` and `SpecificationPatch` are.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SpecificationContent {
    pub title: String,
    #[serde(default)]
    pub description: String,
    pub category: Category,
    /// Criminogenic needs the intervention addresses.
    pub needs: Vec<Need>,
    pub delivery_standard: DeliveryStandard,
    /// What one order buys, e.g. "one place on a 26-session group programme".
    pub unit_of_purchase: String,
    /// Highest price per order a listing may ask, in pence.
    pub price_cap_pence: i64,
    pub eligibility: Eligibility,
    pub payment_model: PaymentModel,
}

/// A new specification: its code and the content of version 1.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSpecification {
    #[schema(value_type = String, pattern = "^[A-Z][A-Z0-9-]{0,30}[A-Z0-9]$", example = "UPW-STD")]
    pub code: SpecCode,
    #[schema(min_length = 1, max_length = 200)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 10000)]
    pub description: String,
    pub category: Category,
    #[schema(min_items = 1)]
    pub needs: Vec<Need>,
    pub delivery_standard: DeliveryStandard,
    #[schema(min_length = 1, max_length = 200)]
    pub unit_of_purchase: String,
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub price_cap_pence: i64,
    pub eligibility: Eligibility,
    pub payment_model: PaymentModel,
}

impl NewSpecification {
    pub fn into_parts(self) -> (SpecCode, SpecificationContent) {
        (
            self.code,
            SpecificationContent {
                title: self.title,
                description: self.description,
                category: self.category,
                needs: self.needs,
                delivery_standard: self.delivery_standard,
                unit_of_purchase: self.unit_of_purchase,
                price_cap_pence: self.price_cap_pence,
                eligibility: self.eligibility,
                payment_model: self.payment_model,
            },
        )
    }
}

/// A change to a draft: every field optional, absent fields unchanged.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SpecificationPatch {
    #[schema(min_length = 1, max_length = 200)]
    pub title: Option<String>,
    #[schema(max_length = 10000)]
    pub description: Option<String>,
    pub category: Option<Category>,
    #[schema(min_items = 1)]
    pub needs: Option<Vec<Need>>,
    pub delivery_standard: Option<DeliveryStandard>,
    #[schema(min_length = 1, max_length = 200)]
    pub unit_of_purchase: Option<String>,
    #[schema(minimum = 1, maximum = 1_000_000_000)]
    pub price_cap_pence: Option<i64>,
    pub eligibility: Option<Eligibility>,
    pub payment_model: Option<PaymentModel>,
}

impl SpecificationPatch {
    pub fn apply(self, mut c: SpecificationContent) -> SpecificationContent {
        if let Some(v) = self.title {
            c.title = v;
        }
        if let Some(v) = self.description {
            c.description = v;
        }
        if let Some(v) = self.category {
            c.category = v;
        }
        if let Some(v) = self.needs {
            c.needs = v;
        }
        if let Some(v) = self.delivery_standard {
            c.delivery_standard = v;
        }
        if let Some(v) = self.unit_of_purchase {
            c.unit_of_purchase = v;
        }
        if let Some(v) = self.price_cap_pence {
            c.price_cap_pence = v;
        }
        if let Some(v) = self.eligibility {
            c.eligibility = v;
        }
        if let Some(v) = self.payment_model {
            c.payment_model = v;
        }
        c
    }
}

/// Youngest age the hub deals with: probation supervises adults.
pub const MIN_AGE: u8 = 18;
pub const MAX_AGE: u8 = 120;

impl SpecificationContent {
    /// Checks every rule a specification version must satisfy, reporting all failures.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let title = self.title.trim();
        if title.is_empty() || title.chars().count() > 200 {
            errors.add("title", "must be 1-200 characters");
        }
        if self.description.chars().count() > 10_000 {
            errors.add("description", "must be at most 10000 characters");
        }
        if self.needs.is_empty() {
            errors.add(
                "needs",
                "must name at least one need the intervention addresses",
            );
        } else if has_duplicates(&self.needs) {
            errors.add("needs", "must not repeat a need");
        }
        let unit = self.unit_of_purchase.trim();
        if unit.is_empty() || unit.chars().count() > 200 {
            errors.add("unit_of_purchase", "must be 1-200 characters");
        }
        if self.price_cap_pence <= 0 || self.price_cap_pence > MAX_PENCE {
            errors.add(
                "price_cap_pence",
                format!("must be a positive number of pence, at most {MAX_PENCE}"),
            );
        }
        let d = &self.delivery_standard;
        if d.min_sessions == 0 || d.min_sessions > 1000 {
            errors.add("delivery_standard.min_sessions", "must be 1-1000");
        }
        if d.min_hours == 0 || d.min_hours > 10_000 {
            errors.add("delivery_standard.min_hours", "must be 1-10000");
        }
        if let Err(e) = self.eligibility.validate() {
            errors.extend_under("eligibility", e);
        }
        if let Err(e) = self.payment_model.validate() {
            errors.extend_under("payment_model", e);
        }
        errors.into_result()
    }
}

/// Eligibility packed into a few bytes (sexes and tiers as bit sets), for checking many
/// listings quickly. The rules live here; `Eligibility` answers through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    sexes: u8,
    tiers: u8,
    pub min_age: u8,
    pub max_age: u8,
    pub max_risk_of_harm: RiskOfHarm,
}

fn sex_bit(sex: Sex) -> u8 {
    match sex {
        Sex::Female => 1,
        Sex::Male => 2,
    }
}

fn tier_bit(tier: u8) -> u8 {
    if tier < 8 {
        1 << tier
    } else {
        0
    }
}

impl From<&Eligibility> for Admission {
    fn from(e: &Eligibility) -> Self {
        Admission {
            sexes: e.sexes.iter().fold(0, |m, s| m | sex_bit(*s)),
            tiers: e.tiers.iter().fold(0, |m, t| m | tier_bit(*t)),
            min_age: e.min_age,
            max_age: e.max_age,
            max_risk_of_harm: e.max_risk_of_harm,
        }
    }
}

impl Admission {
    pub fn admits_sex(&self, sex: Sex) -> bool {
        self.sexes & sex_bit(sex) != 0
    }

    /// Does a person of this sex and age (on the start date) meet it?
    pub fn admits_person(&self, sex: Sex, age: u32) -> bool {
        self.admits_sex(sex) && (u32::from(self.min_age)..=u32::from(self.max_age)).contains(&age)
    }

    /// Does a person with this assessed risk of harm and tier meet it?
    pub fn admits_risk(&self, risk_of_harm: RiskOfHarm, tier: u8) -> bool {
        risk_of_harm <= self.max_risk_of_harm && self.tiers & tier_bit(tier) != 0
    }
}

impl Eligibility {
    /// Does a person of this sex and age (on the start date) meet it? Risk of harm and
    /// tier come from the assessment and are checked where one is known.
    pub fn admits_person(&self, sex: Sex, age: u32) -> bool {
        Admission::from(self).admits_person(sex, age)
    }

    /// Does a person with this assessed risk of harm and tier meet it?
    pub fn admits_risk(&self, risk_of_harm: RiskOfHarm, tier: u8) -> bool {
        Admission::from(self).admits_risk(risk_of_harm, tier)
    }

    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if self.sexes.is_empty() {
            errors.add("sexes", "must name at least one sex");
        } else if has_duplicates(&self.sexes) {
            errors.add("sexes", "must not repeat a value");
        }
        if !(MIN_AGE..=MAX_AGE).contains(&self.min_age) {
            errors.add("min_age", format!("must be {MIN_AGE}-{MAX_AGE}"));
        }
        if !(MIN_AGE..=MAX_AGE).contains(&self.max_age) {
            errors.add("max_age", format!("must be {MIN_AGE}-{MAX_AGE}"));
        } else if self.max_age < self.min_age {
            errors.add("max_age", "must not be below min_age");
        }
        if self.tiers.is_empty() {
            errors.add("tiers", "must name at least one tier");
        } else if self.tiers.iter().any(|t| !TIERS.contains(t)) {
            errors.add("tiers", "tiers are 1-4");
        } else if has_duplicates(&self.tiers) {
            errors.add("tiers", "must not repeat a tier");
        }
        errors.into_result()
    }
}

impl PaymentModel {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let milestones: Vec<Milestone> = self.milestones.iter().map(|s| s.milestone).collect();
        if self.milestones.is_empty() {
            errors.add("milestones", "must have at least one milestone");
        } else if has_duplicates(&milestones) {
            errors.add("milestones", "must not repeat a milestone");
        }
        for (i, share) in self.milestones.iter().enumerate() {
            if share.percent == 0 || share.percent > 100 {
                errors.add(format!("milestones[{i}].percent"), "must be 1-100");
            }
        }
        let total: u32 = self.milestones.iter().map(|s| u32::from(s.percent)).sum();
        if !self.milestones.is_empty() && total != 100 {
            errors.add(
                "milestones",
                format!("percentages must sum to 100, not {total}"),
            );
        }
        if !(1..=60).contains(&self.outcome_period_months) {
            errors.add("outcome_period_months", "must be 1-60 months");
        }
        let parts =
            u32::from(self.outcome.binary_percent) + u32::from(self.outcome.frequency_percent);
        if parts != 100 {
            errors.add(
                "outcome",
                format!("the binary and frequency parts must sum to 100, not {parts}"),
            );
        }
        if let Err(e) = self.multipliers.validate() {
            errors.extend_under("multipliers", e);
        }
        errors.into_result()
    }
}

fn has_duplicates<T: Ord>(items: &[T]) -> bool {
    items.iter().collect::<BTreeSet<_>>().len() != items.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn content() -> SpecificationContent {
        SpecificationContent {
            title: "Unpaid work, standard placement".into(),
            description: String::new(),
            category: Category::UnpaidWork,
            needs: vec![Need::EducationTrainingEmployment],
            delivery_standard: DeliveryStandard {
                min_sessions: 10,
                min_hours: 40,
                format: DeliveryFormat::Group,
            },
            unit_of_purchase: "40 hours of supervised unpaid work".into(),
            price_cap_pence: 60_000,
            eligibility: Eligibility {
                sexes: vec![Sex::Female, Sex::Male],
                min_age: 18,
                max_age: 80,
                max_risk_of_harm: RiskOfHarm::High,
                tiers: vec![1, 2, 3],
            },
            payment_model: PaymentModel {
                milestones: vec![
                    PaymentShare {
                        milestone: Milestone::Start,
                        percent: 20,
                    },
                    PaymentShare {
                        milestone: Milestone::Completion,
                        percent: 50,
                    },
                    PaymentShare {
                        milestone: Milestone::Outcome,
                        percent: 30,
                    },
                ],
                outcome_period_months: 12,
                outcome: OutcomeSplit::default(),
                multipliers: Multipliers::default(),
            },
        }
    }

    type Breaker = Box<dyn Fn(&mut SpecificationContent)>;

    fn fields(r: Result<(), ValidationErrors>) -> Vec<String> {
        r.err()
            .map(|e| e.0.into_iter().map(|f| f.field).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_complete_specification_is_valid() {
        assert_eq!(content().validate(), Ok(()));
    }

    #[test]
    fn each_broken_rule_names_its_field() {
        let cases: Vec<(&str, Breaker)> = vec![
            ("title", Box::new(|c| c.title = "  ".into())),
            ("needs", Box::new(|c| c.needs.clear())),
            (
                "needs",
                Box::new(|c| c.needs = vec![Need::Drugs, Need::Drugs]),
            ),
            ("unit_of_purchase", Box::new(|c| c.unit_of_purchase.clear())),
            ("price_cap_pence", Box::new(|c| c.price_cap_pence = 0)),
            (
                "price_cap_pence",
                Box::new(|c| c.price_cap_pence = MAX_PENCE + 1),
            ),
            (
                "delivery_standard.min_sessions",
                Box::new(|c| c.delivery_standard.min_sessions = 0),
            ),
            (
                "delivery_standard.min_hours",
                Box::new(|c| c.delivery_standard.min_hours = 0),
            ),
            (
                "eligibility.sexes",
                Box::new(|c| c.eligibility.sexes.clear()),
            ),
            (
                "eligibility.min_age",
                Box::new(|c| c.eligibility.min_age = 17),
            ),
            (
                "eligibility.max_age",
                Box::new(|c| c.eligibility.max_age = 121),
            ),
            (
                "eligibility.max_age",
                Box::new(|c| {
                    c.eligibility.min_age = 40;
                    c.eligibility.max_age = 30;
                }),
            ),
            (
                "eligibility.tiers",
                Box::new(|c| c.eligibility.tiers = vec![5]),
            ),
            (
                "eligibility.tiers",
                Box::new(|c| c.eligibility.tiers = vec![]),
            ),
            (
                "payment_model.milestones",
                Box::new(|c| c.payment_model.milestones[0].percent = 30),
            ),
            (
                "payment_model.milestones",
                Box::new(|c| c.payment_model.milestones.clear()),
            ),
            (
                "payment_model.milestones[1].percent",
                Box::new(|c| {
                    c.payment_model.milestones[0].percent = 100;
                    c.payment_model.milestones[1].percent = 0;
                    c.payment_model.milestones[2].percent = 0;
                }),
            ),
            (
                "payment_model.outcome_period_months",
                Box::new(|c| c.payment_model.outcome_period_months = 0),
            ),
            (
                "payment_model.outcome_period_months",
                Box::new(|c| c.payment_model.outcome_period_months = 61),
            ),
            (
                "payment_model.outcome",
                Box::new(|c| c.payment_model.outcome.binary_percent = 60),
            ),
            (
                "payment_model.multipliers.tier_bps[3]",
                Box::new(|c| c.payment_model.multipliers.tier_bps[3] = 30_001),
            ),
            (
                "payment_model.multipliers.risk_of_harm_bps[0]",
                Box::new(|c| c.payment_model.multipliers.risk_of_harm_bps[0] = 4_999),
            ),
        ];
        for (field, break_it) in cases {
            let mut c = content();
            break_it(&mut c);
            let got = fields(c.validate());
            assert!(
                got.iter().any(|f| f == field),
                "expected an error on {field}, got {got:?}"
            );
        }
    }

    #[test]
    fn a_payment_model_without_outcome_settings_takes_the_defaults() {
        let model: PaymentModel = serde_json::from_str(
            r#"{"milestones": [{"milestone": "completion", "percent": 100}]}"#,
        )
        .expect("an existing model still reads");
        assert_eq!(model.outcome_period_months, 12);
        assert_eq!(
            (
                model.outcome.binary_percent,
                model.outcome.frequency_percent
            ),
            (50, 50)
        );
        assert!(model.validate().is_ok());
    }

    #[test]
    fn only_drafts_change_and_published_versions_retire() {
        use SpecificationStatus::*;
        assert_eq!(Draft.publish(), Ok(Published));
        assert_eq!(Published.retire(), Ok(Retired));
        assert_eq!(Draft.edit(), Ok(Draft));
        assert!(Published.edit().is_err());
        assert!(Retired.edit().is_err());
        assert!(Published.publish().is_err());
        assert!(Retired.publish().is_err());
        assert!(Draft.retire().is_err());
        assert!(Retired.retire().is_err());
    }

    #[test]
    fn a_patch_changes_only_what_it_names() {
        let patch = SpecificationPatch {
            price_cap_pence: Some(55_000),
            ..Default::default()
        };
        let after = patch.apply(content());
        assert_eq!(after.price_cap_pence, 55_000);
        assert_eq!(after.title, content().title);
    }

    #[test]
    fn spec_codes_are_validated() {
        assert!(SpecCode::parse("UPW-STD").is_ok());
        assert!(SpecCode::parse("BBR2").is_ok());
        for bad in ["", "u", "upw", "1UPW", "UPW-", "UPW STD"] {
            assert!(SpecCode::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_fields_and_enum_values_do_not_deserialize() {
        let mut v = serde_json::to_value(content()).expect("serialize");
        v["code"] = serde_json::json!("UPW-STD");
        assert!(serde_json::from_value::<NewSpecification>(v.clone()).is_ok());
        let mut unknown = v.clone();
        unknown["colour"] = serde_json::json!("blue");
        assert!(serde_json::from_value::<NewSpecification>(unknown).is_err());
        let mut bad_enum = v.clone();
        bad_enum["category"] = serde_json::json!("juggling");
        assert!(serde_json::from_value::<NewSpecification>(bad_enum).is_err());
        let mut nested = v;
        nested["eligibility"]["colour"] = serde_json::json!("blue");
        assert!(serde_json::from_value::<NewSpecification>(nested).is_err());
        assert!(serde_json::from_str::<SpecificationPatch>(r#"{"colour":1}"#).is_err());
    }
}

/// One stored version of a specification, as the hub reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecificationVersion {
    pub code: SpecCode,
    pub version: i32,
    pub status: SpecificationStatus,
    pub content: SpecificationContent,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub updated_at: chrono::DateTime<chrono::Utc>,
    pub published_at: Option<chrono::DateTime<chrono::Utc>>,
    pub retired_at: Option<chrono::DateTime<chrono::Utc>>,
}
