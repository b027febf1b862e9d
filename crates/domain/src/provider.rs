//! Providers and accreditation (SPEC.md §2): a provider is a *member* for a category
//! while a current, unexpired accreditation for it scores at or above the quality
//! threshold and the provider is neither suspended nor revoked. Membership is derived
//! on every read, so moving the threshold or reaching an expiry date takes effect at once.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::category::Category;
use crate::validation::ValidationErrors;

crate::string_enum! {
    /// The kind of organisation.
    pub enum Sector {
        Public => "public",
        Private => "private",
        Voluntary => "voluntary",
        SocialEnterprise => "social_enterprise",
    }
}

crate::string_enum! {
    /// What the quality team has decided about a provider, whatever its accreditations.
    pub enum Standing {
        Active => "active",
        Suspended => "suspended",
        Revoked => "revoked",
    }
}

crate::string_enum! {
    /// A provider's place in the hub: `applicant → member → suspended → member | revoked`.
    pub enum ProviderStatus {
        Applicant => "applicant",
        Member => "member",
        Suspended => "suspended",
        Revoked => "revoked",
    }
}

/// A refused change of standing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot {action} a provider that is {current}")]
pub struct IllegalStandingChange {
    pub action: &'static str,
    pub current: Standing,
}

impl Standing {
    pub fn suspend(self) -> Result<Self, IllegalStandingChange> {
        match self {
            Self::Active => Ok(Self::Suspended),
            current => Err(IllegalStandingChange {
                action: "suspend",
                current,
            }),
        }
    }

    pub fn reinstate(self) -> Result<Self, IllegalStandingChange> {
        match self {
            Self::Suspended => Ok(Self::Active),
            current => Err(IllegalStandingChange {
                action: "reinstate",
                current,
            }),
        }
    }

    /// Revocation is final.
    pub fn revoke(self) -> Result<Self, IllegalStandingChange> {
        match self {
            Self::Active | Self::Suspended => Ok(Self::Revoked),
            current => Err(IllegalStandingChange {
                action: "revoke",
                current,
            }),
        }
    }
}

/// The quality threshold: the lowest accreditation score that makes a member.
pub const DEFAULT_THRESHOLD: u8 = 60;

/// One assessment of a provider for a category. A newer assessment for the same
/// category supersedes the older one, whatever either scored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accreditation {
    pub category: Category,
    pub score: u8,
    pub assessed_on: NaiveDate,
    /// The first day on which the accreditation no longer counts.
    pub expires_on: NaiveDate,
    pub superseded: bool,
}

impl Accreditation {
    /// Counts on `on` for membership at `threshold`.
    pub fn qualifies(&self, threshold: u8, on: NaiveDate) -> bool {
        !self.superseded
            && on >= self.assessed_on
            && on < self.expires_on
            && self.score >= threshold
    }
}

/// Is the provider a member for `category` on date `on`?
pub fn is_member(
    standing: Standing,
    accreditations: &[Accreditation],
    category: Category,
    threshold: u8,
    on: NaiveDate,
) -> bool {
    standing == Standing::Active
        && accreditations
            .iter()
            .any(|a| a.category == category && a.qualifies(threshold, on))
}

/// Why the provider is not a member for `category` on `on`, in words a provider can act
/// on; None when it is a member.
pub fn not_member_because(
    standing: Standing,
    accreditations: &[Accreditation],
    category: Category,
    threshold: u8,
    on: NaiveDate,
) -> Option<String> {
    match standing {
        Standing::Suspended => return Some("the provider is suspended".into()),
        Standing::Revoked => return Some("the provider's membership is revoked".into()),
        Standing::Active => {}
    }
    let current = accreditations
        .iter()
        .filter(|a| a.category == category && !a.superseded)
        .max_by_key(|a| (a.assessed_on, a.expires_on));
    let Some(a) = current else {
        return Some(format!("it holds no accreditation for {category}"));
    };
    if a.qualifies(threshold, on) {
        None
    } else if a.score < threshold {
        Some(format!(
            "its accreditation for {category} scores {}, below the quality threshold of {threshold}",
            a.score
        ))
    } else if on >= a.expires_on {
        Some(format!(
            "its accreditation for {category} expires on {}",
            a.expires_on
        ))
    } else {
        Some(format!(
            "its accreditation for {category} counts only from {}",
            a.assessed_on
        ))
    }
}

/// Every category the provider is a member for on `on`, in category order.
pub fn member_categories(
    standing: Standing,
    accreditations: &[Accreditation],
    threshold: u8,
    on: NaiveDate,
) -> Vec<Category> {
    let mut categories: Vec<Category> = Category::ALL
        .iter()
        .copied()
        .filter(|c| is_member(standing, accreditations, *c, threshold, on))
        .collect();
    categories.sort();
    categories
}

/// The status shown for a provider.
pub fn status(standing: Standing, member_of_any: bool) -> ProviderStatus {
    match standing {
        Standing::Revoked => ProviderStatus::Revoked,
        Standing::Suspended => ProviderStatus::Suspended,
        Standing::Active if member_of_any => ProviderStatus::Member,
        Standing::Active => ProviderStatus::Applicant,
    }
}

/// Who to contact at a provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ProviderContact)]
pub struct Contact {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    #[schema(
        min_length = 5,
        max_length = 254,
        pattern = "^[^\\s@]+@[^\\s.]\\S*\\.\\S*[^\\s.]$",
        example = "referrals@example.org"
    )]
    pub email: String,
    #[serde(default)]
    #[schema(
        pattern = "^[0-9 +()-]{5,40}$",
        min_length = 5,
        max_length = 40,
        example = "0114 496 0000"
    )]
    pub phone: Option<String>,
}

/// A provider as admin registers it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewProvider {
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    pub sector: Sector,
    /// Companies House or Charity Commission number, unique in the hub.
    #[schema(min_length = 1, max_length = 40)]
    pub registration_number: String,
    pub contact: Contact,
}

fn text(errors: &mut ValidationErrors, field: &str, value: &str, max: usize) {
    let n = value.trim().chars().count();
    if n == 0 || n > max {
        errors.add(field, format!("must be 1-{max} characters"));
    }
}

impl NewProvider {
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        text(&mut errors, "name", &self.name, 200);
        text(
            &mut errors,
            "registration_number",
            &self.registration_number,
            40,
        );
        if self.registration_number.chars().any(char::is_whitespace) {
            errors.add("registration_number", "must not contain spaces");
        }
        text(&mut errors, "contact.name", &self.contact.name, 200);
        let email = self.contact.email.trim();
        let plausible = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
            })
            && !email.chars().any(char::is_whitespace);
        if !plausible {
            errors.add("contact.email", "must be an email address");
        }
        if let Some(phone) = &self.contact.phone {
            let ok = (5..=40).contains(&phone.len())
                && phone
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-()".contains(c));
            if !ok {
                errors.add(
                    "contact.phone",
                    "must be a phone number of digits, spaces, +, - and ()",
                );
            }
        }
        errors.into_result()
    }
}

/// A new assessment recorded by the quality team.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccreditation {
    pub category: Category,
    /// 0–100.
    #[schema(minimum = 0, maximum = 100)]
    pub score: u8,
    pub assessed_on: NaiveDate,
    /// The first day the accreditation no longer counts; after `assessed_on`.
    pub expires_on: NaiveDate,
    #[serde(default)]
    #[schema(max_length = 4000)]
    pub notes: String,
}

impl NewAccreditation {
    pub fn validate(&self, today: NaiveDate) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::new();
        if self.score > 100 {
            errors.add("score", "must be 0-100");
        }
        if self.assessed_on > today {
            errors.add("assessed_on", "must not be in the future");
        }
        if self.expires_on <= self.assessed_on {
            errors.add("expires_on", "must be after assessed_on");
        } else if (self.expires_on - self.assessed_on).num_days() > 5 * 366 {
            errors.add("expires_on", "must be within five years of assessed_on");
        }
        if self.notes.chars().count() > 4000 {
            errors.add("notes", "must be at most 4000 characters");
        }
        errors.into_result()
    }
}

/// Validates a threshold value.
pub fn parse_threshold(value: i64) -> Result<u8, ValidationErrors> {
    u8::try_from(value)
        .ok()
        .filter(|v| *v <= 100)
        .ok_or_else(|| ValidationErrors::single("threshold", "must be 0-100"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn acc(category: Category, score: u8, from: &str, to: &str) -> Accreditation {
        Accreditation {
            category,
            score,
            assessed_on: day(from),
            expires_on: day(to),
            superseded: false,
        }
    }

    #[test]
    fn membership_needs_standing_score_and_an_unexpired_current_accreditation() {
        let a = [acc(Category::UnpaidWork, 70, "2026-01-01", "2027-01-01")];
        let on = day("2026-06-01");
        assert!(is_member(
            Standing::Active,
            &a,
            Category::UnpaidWork,
            60,
            on
        ));
        assert!(
            is_member(Standing::Active, &a, Category::UnpaidWork, 70, on),
            "at the threshold counts"
        );
        assert!(
            !is_member(Standing::Active, &a, Category::UnpaidWork, 71, on),
            "raising the threshold"
        );
        assert!(
            !is_member(Standing::Active, &a, Category::AlcoholTreatment, 60, on),
            "other category"
        );
        assert!(!is_member(
            Standing::Suspended,
            &a,
            Category::UnpaidWork,
            60,
            on
        ));
        assert!(!is_member(
            Standing::Revoked,
            &a,
            Category::UnpaidWork,
            60,
            on
        ));
        assert!(
            !is_member(
                Standing::Active,
                &a,
                Category::UnpaidWork,
                60,
                day("2027-01-01")
            ),
            "expired on its expiry date"
        );
        assert!(is_member(
            Standing::Active,
            &a,
            Category::UnpaidWork,
            60,
            day("2026-12-31")
        ));
        assert!(
            !is_member(
                Standing::Active,
                &a,
                Category::UnpaidWork,
                60,
                day("2025-12-31")
            ),
            "not before assessment"
        );
        let mut superseded = a.clone();
        superseded[0].superseded = true;
        assert!(!is_member(
            Standing::Active,
            &superseded,
            Category::UnpaidWork,
            60,
            on
        ));
    }

    #[test]
    fn a_non_member_is_told_why() {
        let a = [acc(Category::UnpaidWork, 70, "2026-01-01", "2027-01-01")];
        let why = |standing, threshold, on: &str| {
            let on = day(on);
            let because = not_member_because(standing, &a, Category::UnpaidWork, threshold, on);
            assert_eq!(
                because.is_none(),
                is_member(standing, &a, Category::UnpaidWork, threshold, on)
            );
            because
        };
        assert_eq!(why(Standing::Active, 60, "2026-06-01"), None);
        assert_eq!(
            why(Standing::Suspended, 60, "2026-06-01").as_deref(),
            Some("the provider is suspended")
        );
        assert_eq!(
            why(Standing::Revoked, 60, "2026-06-01").as_deref(),
            Some("the provider's membership is revoked")
        );
        assert_eq!(
            why(Standing::Active, 75, "2026-06-01").as_deref(),
            Some("its accreditation for unpaid_work scores 70, below the quality threshold of 75")
        );
        assert_eq!(
            why(Standing::Active, 60, "2027-01-01").as_deref(),
            Some("its accreditation for unpaid_work expires on 2027-01-01")
        );
        assert_eq!(
            why(Standing::Active, 60, "2025-12-31").as_deref(),
            Some("its accreditation for unpaid_work counts only from 2026-01-01")
        );
        assert_eq!(
            not_member_because(
                Standing::Active,
                &a,
                Category::AlcoholTreatment,
                60,
                day("2026-06-01")
            )
            .as_deref(),
            Some("it holds no accreditation for alcohol_treatment")
        );
    }

    #[test]
    fn status_follows_standing_then_membership() {
        assert_eq!(status(Standing::Active, false), ProviderStatus::Applicant);
        assert_eq!(status(Standing::Active, true), ProviderStatus::Member);
        assert_eq!(status(Standing::Suspended, true), ProviderStatus::Suspended);
        assert_eq!(status(Standing::Revoked, true), ProviderStatus::Revoked);
    }

    #[test]
    fn standing_changes() {
        assert_eq!(Standing::Active.suspend(), Ok(Standing::Suspended));
        assert_eq!(Standing::Suspended.reinstate(), Ok(Standing::Active));
        assert_eq!(Standing::Suspended.revoke(), Ok(Standing::Revoked));
        assert_eq!(Standing::Active.revoke(), Ok(Standing::Revoked));
        assert!(Standing::Active.reinstate().is_err());
        assert!(Standing::Suspended.suspend().is_err());
        assert!(Standing::Revoked.reinstate().is_err());
        assert!(Standing::Revoked.revoke().is_err());
    }

    #[test]
    fn accreditation_dates_are_checked() {
        let today = day("2026-06-01");
        let ok = NewAccreditation {
            category: Category::UnpaidWork,
            score: 80,
            assessed_on: day("2026-05-01"),
            expires_on: day("2027-05-01"),
            notes: String::new(),
        };
        assert!(ok.validate(today).is_ok());
        let mut future = ok.clone();
        future.assessed_on = day("2026-07-01");
        future.expires_on = day("2027-07-01");
        assert!(future.validate(today).is_err());
        let mut backwards = ok.clone();
        backwards.expires_on = day("2026-04-01");
        assert!(backwards.validate(today).is_err());
        let mut score = ok;
        score.score = 101;
        assert!(score.validate(today).is_err());
    }

    #[test]
    fn thresholds_are_0_to_100() {
        assert_eq!(parse_threshold(0).ok(), Some(0));
        assert_eq!(parse_threshold(100).ok(), Some(100));
        assert!(parse_threshold(101).is_err());
        assert!(parse_threshold(-1).is_err());
    }
}
