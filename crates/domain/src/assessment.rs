//! The single assessment (SPEC.md §2): risk, needs and the court's requirements.
//! `draft → submitted → approved | rejected`; approval is a countersignature by a
//! different offender manager of the same area.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::case::Crn;
use crate::need::{Need, RiskOfHarm, TIERS};
use crate::specification::SpecCode;
use crate::validation::ValidationErrors;

crate::string_enum! {
    /// How pressing a need is.
    pub enum Severity {
        None => "none",
        Low => "low",
        Medium => "medium",
        High => "high",
    }
}

crate::string_enum! {
    /// Where an assessment is in its life.
    pub enum AssessmentStatus {
        Draft => "draft",
        Submitted => "submitted",
        Approved => "approved",
        Rejected => "rejected",
    }
}

/// One criminogenic need as scored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NeedScore {
    pub need: Need,
    pub severity: Severity,
    pub linked_to_offending: bool,
}

/// A requirement the court imposed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Requirement {
    UnpaidWork {
        #[schema(minimum = 1, maximum = 300)]
        hours: u32,
    },
    AccreditedProgramme {
        #[schema(value_type = String, example = "BBR")]
        code: SpecCode,
    },
    AlcoholTreatment {
        #[schema(minimum = 1, maximum = 36)]
        months: u32,
    },
    DrugRehabilitation {
        #[schema(minimum = 1, maximum = 36)]
        months: u32,
    },
    MentalHealthTreatment {
        #[schema(minimum = 1, maximum = 36)]
        months: u32,
    },
    AttendanceCentre {
        #[schema(minimum = 1, maximum = 36)]
        hours: u32,
    },
    RehabilitationActivity {
        #[schema(minimum = 1, maximum = 60)]
        days: u32,
    },
}

impl Requirement {
    fn validate(&self, field: &str, errors: &mut ValidationErrors) {
        let (name, value, range) = match self {
            Requirement::UnpaidWork { hours } => ("hours", *hours, 1..=300),
            Requirement::AlcoholTreatment { months }
            | Requirement::DrugRehabilitation { months }
            | Requirement::MentalHealthTreatment { months } => ("months", *months, 1..=36),
            Requirement::AttendanceCentre { hours } => ("hours", *hours, 1..=36),
            Requirement::RehabilitationActivity { days } => ("days", *days, 1..=60),
            Requirement::AccreditedProgramme { .. } => return,
        };
        if !range.contains(&value) {
            errors.add(
                format!("{field}.{name}"),
                format!("must be {}-{}", range.start(), range.end()),
            );
        }
    }
}

/// An assessment as submitted by the offender manager who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAssessment {
    /// The upstream assessment id; the same ref twice is the same assessment.
    #[schema(min_length = 1, max_length = 100, example = "OASYS-2026-000123")]
    pub external_ref: String,
    #[schema(value_type = String, pattern = "^[A-Z][0-9]{6}$", example = "X123456")]
    pub crn: Crn,
    /// Risk tier, 1–4.
    #[schema(minimum = 1, maximum = 4)]
    pub tier: u8,
    pub risk_of_serious_harm: RiskOfHarm,
    /// Probability of reoffending, 0–100.
    #[schema(minimum = 0, maximum = 100)]
    pub reoffending_probability: u8,
    /// Each of the ten criminogenic needs exactly once.
    #[schema(min_items = 10, max_items = 10)]
    pub needs: Vec<NeedScore>,
    #[schema(max_items = 20)]
    pub requirements: Vec<Requirement>,
    pub sentence_date: NaiveDate,
    /// The code of the court that passed the sentence: that court sees the orders bought
    /// for its requirements and their start dates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<String>, example = "SHF-MC")]
    pub court: Option<crate::court::CourtCode>,
}

impl NewAssessment {
    /// Checks the assessment against itself, today and the person's date of birth.
    pub fn validate(
        &self,
        today: NaiveDate,
        date_of_birth: NaiveDate,
    ) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let r = self.external_ref.trim();
        if r.is_empty() || r.len() > 100 || r.chars().any(char::is_control) {
            errors.add("external_ref", "must be 1-100 printable characters");
        }
        if !TIERS.contains(&self.tier) {
            errors.add("tier", "must be 1-4");
        }
        if self.reoffending_probability > 100 {
            errors.add("reoffending_probability", "must be 0-100");
        }
        let scored: BTreeSet<Need> = self.needs.iter().map(|n| n.need).collect();
        if scored.len() != self.needs.len() || scored.len() != Need::ALL.len() {
            errors.add(
                "needs",
                "must score each of the ten criminogenic needs exactly once",
            );
        }
        if self.requirements.len() > 20 {
            errors.add("requirements", "at most 20 requirements");
        }
        for (i, requirement) in self.requirements.iter().enumerate() {
            requirement.validate(&format!("requirements[{i}]"), &mut errors);
        }
        if self.sentence_date > today {
            errors.add("sentence_date", "must not be in the future");
        } else if self.sentence_date < date_of_birth {
            errors.add(
                "sentence_date",
                "must not be before the person's date of birth",
            );
        }
        errors.into_result()
    }
}

/// A refused change of an assessment's status.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} an assessment that is {current}")]
pub struct IllegalAssessmentTransition {
    pub action: &'static str,
    pub current: AssessmentStatus,
}

/// Why a countersignature is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DecisionRefusal {
    /// 409: not submitted.
    NotSubmitted(AssessmentStatus),
    /// 403: the author may not countersign their own assessment.
    OwnAssessment,
}

impl AssessmentStatus {
    pub fn submit(self) -> Result<Self, IllegalAssessmentTransition> {
        match self {
            Self::Draft => Ok(Self::Submitted),
            current => Err(IllegalAssessmentTransition {
                action: "submit",
                current,
            }),
        }
    }

    /// Approve (countersign) or reject a submitted assessment, as someone other than its author.
    pub fn decide(
        self,
        approve: bool,
        author: &str,
        decider: &str,
    ) -> Result<Self, DecisionRefusal> {
        if self != Self::Submitted {
            return Err(DecisionRefusal::NotSubmitted(self));
        }
        if author == decider {
            return Err(DecisionRefusal::OwnAssessment);
        }
        Ok(if approve {
            Self::Approved
        } else {
            Self::Rejected
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    pub(crate) fn assessment() -> NewAssessment {
        NewAssessment {
            external_ref: "OASYS-1".into(),
            crn: Crn::parse("X123456").expect("crn"),
            tier: 2,
            risk_of_serious_harm: RiskOfHarm::Medium,
            reoffending_probability: 45,
            needs: Need::ALL
                .iter()
                .map(|n| NeedScore {
                    need: *n,
                    severity: Severity::Low,
                    linked_to_offending: false,
                })
                .collect(),
            requirements: vec![Requirement::UnpaidWork { hours: 120 }],
            sentence_date: d("2026-11-01"),
            court: None,
        }
    }

    fn fields(a: &NewAssessment) -> Vec<String> {
        a.validate(d("2026-11-23"), d("1990-01-01"))
            .err()
            .map(|e| e.0.into_iter().map(|f| f.field).collect())
            .unwrap_or_default()
    }

    #[test]
    fn a_complete_assessment_is_valid() {
        assert!(fields(&assessment()).is_empty());
    }

    #[test]
    fn each_bad_value_names_its_field() {
        let mut a = assessment();
        a.tier = 5;
        assert_eq!(fields(&a), ["tier"]);
        let mut a = assessment();
        a.reoffending_probability = 120;
        assert_eq!(fields(&a), ["reoffending_probability"]);
        let mut a = assessment();
        a.needs.pop();
        assert_eq!(fields(&a), ["needs"]);
        let mut a = assessment();
        a.needs[1].need = a.needs[0].need;
        assert_eq!(fields(&a), ["needs"]);
        let mut a = assessment();
        a.requirements = vec![
            Requirement::UnpaidWork { hours: 0 },
            Requirement::AlcoholTreatment { months: 40 },
        ];
        assert_eq!(
            fields(&a),
            ["requirements[0].hours", "requirements[1].months"]
        );
        let mut a = assessment();
        a.sentence_date = d("2027-01-01");
        assert_eq!(fields(&a), ["sentence_date"]);
        let mut a = assessment();
        a.sentence_date = d("1980-01-01");
        assert_eq!(fields(&a), ["sentence_date"]);
    }

    #[test]
    fn unknown_requirement_types_do_not_parse() {
        let ok = r#"{"type":"unpaid_work","hours":120}"#;
        assert!(serde_json::from_str::<Requirement>(ok).is_ok());
        assert!(serde_json::from_str::<Requirement>(r#"{"type":"curfew","hours":3}"#).is_err());
        assert!(
            serde_json::from_str::<Requirement>(r#"{"type":"unpaid_work","hours":1,"x":1}"#)
                .is_err()
        );
        assert!(serde_json::from_str::<Severity>(r#""severe""#).is_err());
    }

    #[test]
    fn four_eyes() {
        use AssessmentStatus::*;
        assert_eq!(Draft.submit(), Ok(Submitted));
        assert!(Submitted.submit().is_err());
        assert_eq!(Submitted.decide(true, "a", "b"), Ok(Approved));
        assert_eq!(Submitted.decide(false, "a", "b"), Ok(Rejected));
        assert_eq!(
            Submitted.decide(true, "a", "a"),
            Err(DecisionRefusal::OwnAssessment)
        );
        assert_eq!(
            Draft.decide(true, "a", "b"),
            Err(DecisionRefusal::NotSubmitted(Draft))
        );
        assert_eq!(
            Approved.decide(false, "a", "b"),
            Err(DecisionRefusal::NotSubmitted(Approved))
        );
    }
}
