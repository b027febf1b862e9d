//! The availability quote (SPEC.md §2): before sentence, for an area, a person's profile
//! and the proposed requirements, what the market could offer for each now. Nothing is
//! held. This module checks the request and says who the person is for eligibility.

use chrono::{Datelike, NaiveDate};
use serde::Deserialize;
use utoipa::ToSchema;

use crate::area::AreaCode;
use crate::need::{RiskOfHarm, Sex};
use crate::specification::SpecCode;
use crate::validation::ValidationErrors;
use crate::Category;

/// The most requirements one quote may ask about.
pub const MAX_PROPOSED: usize = 20;

/// One requirement (or intervention) proposed for the sentence.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposedRequirement {
    pub category: Category,
    /// A particular specification (an accredited programme), if one is proposed.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "BBR")]
    pub specification_code: Option<SpecCode>,
}

/// What an availability quote is asked for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// The area the person would be supervised in.
    pub area: AreaCode,
    pub sex: Sex,
    /// The person's date of birth, or else their `age` in whole years today.
    #[serde(default)]
    pub date_of_birth: Option<NaiveDate>,
    #[serde(default)]
    #[schema(minimum = 10, maximum = 120)]
    pub age: Option<u32>,
    pub risk_of_serious_harm: RiskOfHarm,
    #[schema(minimum = 1, maximum = 4)]
    pub tier: u8,
    #[schema(min_items = 1, max_items = 20)]
    pub requirements: Vec<ProposedRequirement>,
}

impl QuoteRequest {
    /// Checks the request against itself and today; answers the date of birth eligibility
    /// is judged on: the one given, or for an `age` the latest birthday that makes the
    /// person that age today (so they are that age for the year ahead).
    pub fn check(&self, today: NaiveDate) -> Result<NaiveDate, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if !(1..=4).contains(&self.tier) {
            errors.add("tier", "must be 1-4");
        }
        if self.requirements.is_empty() {
            errors.add("requirements", "propose at least one requirement");
        } else if self.requirements.len() > MAX_PROPOSED {
            errors.add(
                "requirements",
                format!("at most {MAX_PROPOSED} requirements"),
            );
        }
        let born = match (self.date_of_birth, self.age) {
            (Some(_), Some(_)) => {
                errors.add("age", "give the date of birth or the age, not both");
                None
            }
            (None, None) => {
                errors.add("date_of_birth", "give the date of birth or the age");
                None
            }
            (Some(dob), None) => {
                let age = crate::case::age_on(dob, today);
                if dob > today || !(10..=120).contains(&age) {
                    errors.add(
                        "date_of_birth",
                        "must make the person 10-120 years old today",
                    );
                }
                Some(dob)
            }
            (None, Some(age)) => {
                if !(10..=120).contains(&age) {
                    errors.add("age", "must be 10-120");
                    None
                } else {
                    born_for_age(age, today)
                }
            }
        };
        errors.into_result()?;
        born.ok_or_else(|| ValidationErrors::single("age", "must be 10-120"))
    }
}

/// The latest date of birth of someone `age` today: their birthday is today.
fn born_for_age(age: u32, today: NaiveDate) -> Option<NaiveDate> {
    let year = today.year() - i32::try_from(age).ok()?;
    today
        .with_year(year)
        // 29 February in a year that has none: born the day before.
        .or_else(|| today.pred_opt().and_then(|d| d.with_year(year)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn request() -> QuoteRequest {
        QuoteRequest {
            area: AreaCode::parse("SY-SHF").expect("area"),
            sex: Sex::Male,
            date_of_birth: None,
            age: Some(34),
            risk_of_serious_harm: RiskOfHarm::Medium,
            tier: 2,
            requirements: vec![ProposedRequirement {
                category: Category::UnpaidWork,
                specification_code: None,
            }],
        }
    }

    #[test]
    fn an_age_is_a_person_that_age_for_the_year_ahead() {
        let today = d("2026-12-02");
        let born = request().check(today).expect("valid");
        assert_eq!(born, d("1992-12-02"));
        assert_eq!(crate::case::age_on(born, today), 34);
        assert_eq!(crate::case::age_on(born, d("2027-12-01")), 34);
        // A leap day today.
        let leap = QuoteRequest {
            age: Some(1 + 20),
            ..request()
        };
        let born = leap.check(d("2028-02-29")).expect("valid");
        assert_eq!(crate::case::age_on(born, d("2028-02-29")), 21);
    }

    #[test]
    fn the_person_is_given_once_and_the_request_is_checked() {
        let today = d("2026-12-02");
        let fields = |r: QuoteRequest| -> Vec<String> {
            r.check(today)
                .err()
                .map(|e| e.0.iter().map(|f| f.field.clone()).collect())
                .unwrap_or_default()
        };
        let mut both = request();
        both.date_of_birth = Some(d("1990-01-01"));
        assert_eq!(fields(both), ["age"]);
        let neither = QuoteRequest {
            age: None,
            ..request()
        };
        assert_eq!(fields(neither), ["date_of_birth"]);
        let unborn = QuoteRequest {
            age: None,
            date_of_birth: Some(d("2027-01-01")),
            ..request()
        };
        assert_eq!(fields(unborn), ["date_of_birth"]);
        let bad = QuoteRequest {
            tier: 5,
            age: Some(7),
            requirements: vec![],
            ..request()
        };
        assert_eq!(fields(bad), ["tier", "requirements", "age"]);
        let dob = QuoteRequest {
            age: None,
            date_of_birth: Some(d("1990-01-01")),
            ..request()
        };
        assert_eq!(dob.check(today), Ok(d("1990-01-01")));
    }
}
