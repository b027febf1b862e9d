//! Cases (SPEC.md §2): a person on probation, known only by a case reference number.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::need::Sex;
use crate::validation::ValidationErrors;
use crate::AreaCode;

/// A case reference number: one upper-case letter and six digits, e.g. `X123456`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "String", into = "String")]
#[schema(value_type = String, example = "X123456")]
pub struct Crn(String);

impl Crn {
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut chars = s.chars();
        let letter = chars.next().is_some_and(|c| c.is_ascii_uppercase());
        let digits: Vec<char> = chars.collect();
        if letter && digits.len() == 6 && digits.iter().all(char::is_ascii_digit) {
            Ok(Self(s.to_owned()))
        } else {
            Err("must be one upper-case letter and six digits, e.g. X123456".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Crn {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Crn> for String {
    fn from(c: Crn) -> String {
        c.0
    }
}

impl std::fmt::Display for Crn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A case as an offender manager registers it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCase {
    #[schema(value_type = String, pattern = "^[A-Z][0-9]{6}$", example = "X123456")]
    pub crn: Crn,
    pub sex: Sex,
    pub date_of_birth: NaiveDate,
    #[schema(value_type = AreaCode)]
    pub area: AreaCode,
    /// Equality monitoring (optional): the ONS 2021 ethnic group. Never shown to providers.
    #[serde(default)]
    pub ethnic_group: Option<crate::equality::EthnicGroup>,
    /// Equality monitoring (optional): disability. Never shown to providers.
    #[serde(default)]
    pub disability: Option<crate::equality::Disability>,
}

impl NewCase {
    /// The equality monitoring given with the case (both parts may be absent).
    pub fn equality(&self) -> crate::equality::Equality {
        crate::equality::Equality {
            ethnic_group: self.ethnic_group,
            disability: self.disability,
        }
    }
}

/// Youngest and oldest age of a person the hub holds a case for.
pub const CASE_AGES: std::ops::RangeInclusive<u32> = 18..=120;

impl NewCase {
    pub fn validate(&self, today: NaiveDate) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if self.date_of_birth > today {
            errors.add("date_of_birth", "must not be in the future");
        } else if !CASE_AGES.contains(&age_on(self.date_of_birth, today)) {
            errors.add("date_of_birth", "the person must be 18 to 120 years old");
        }
        errors.into_result()
    }
}

/// Who may read a case: the offender managers of its area, and the quality team
/// (read-only, everything). Nobody else sees people on probation.
pub fn may_read(role: crate::Role, scope: &crate::Scope, case_area: &str) -> bool {
    match (role, scope) {
        (crate::Role::Quality, _) => true,
        (crate::Role::OffenderManager, crate::Scope::Area(area)) => area.as_str() == case_area,
        _ => false,
    }
}

/// Age in whole years on a date.
pub fn age_on(date_of_birth: NaiveDate, on: NaiveDate) -> u32 {
    if on < date_of_birth {
        return 0;
    }
    let mut age = on.year() - date_of_birth.year();
    if (on.month(), on.day()) < (date_of_birth.month(), date_of_birth.day()) {
        age -= 1;
    }
    u32::try_from(age).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn crns_are_a_letter_and_six_digits() {
        assert!(Crn::parse("X123456").is_ok());
        for bad in [
            "", "x123456", "X12345", "X1234567", "XX12345", "1234567", "X12345A",
        ] {
            assert!(Crn::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_the_area_and_the_quality_team_read_a_case() {
        use crate::{Role, Scope};
        let shf = Scope::Area(AreaCode::parse("SY-SHF").expect("area"));
        assert!(may_read(Role::OffenderManager, &shf, "SY-SHF"));
        assert!(!may_read(Role::OffenderManager, &shf, "SY-ROT"));
        assert!(may_read(Role::Quality, &Scope::Hub, "SY-ROT"));
        assert!(!may_read(Role::Commissioner, &Scope::Hub, "SY-SHF"));
        assert!(!may_read(Role::Admin, &Scope::Hub, "SY-SHF"));
        assert!(!may_read(
            Role::Provider,
            &Scope::Provider("prv_1".into()),
            "SY-SHF"
        ));
    }

    #[test]
    fn ages_count_whole_years() {
        assert_eq!(age_on(d("2000-06-15"), d("2026-06-14")), 25);
        assert_eq!(age_on(d("2000-06-15"), d("2026-06-15")), 26);
        assert_eq!(age_on(d("2000-02-29"), d("2026-02-28")), 25);
        assert_eq!(age_on(d("2000-02-29"), d("2026-03-01")), 26);
    }

    #[test]
    fn dates_of_birth_are_checked() {
        let today = d("2026-11-23");
        let case = |dob: &str| NewCase {
            crn: Crn::parse("X123456").expect("crn"),
            sex: Sex::Female,
            date_of_birth: d(dob),
            area: AreaCode::parse("SY-SHF").expect("area"),
            ethnic_group: None,
            disability: None,
        };
        assert!(case("1990-01-01").validate(today).is_ok());
        assert!(case("2027-01-01").validate(today).is_err(), "in the future");
        assert!(case("2010-01-01").validate(today).is_err(), "a child");
    }
}
