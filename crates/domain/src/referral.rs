//! The referral pack (SPEC.md §2, "Referral pack"; 000 §3.3): what a provider that has
//! accepted an order may read about the person, so that it works from the single
//! assessment instead of assessing again — and nothing more. No name, no date of birth,
//! no other needs, no other orders.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::assessment::{NeedScore, Requirement, Severity};
use crate::need::{Need, RiskOfHarm};
use crate::order::OrderStatus;

/// The most characters the offender manager's notes for delivery may hold.
pub const MAX_NOTES_CHARS: usize = 2_000;

/// A need the intervention addresses, with how pressing the assessment found it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AddressedNeed {
    pub need: Need,
    pub severity: Severity,
    pub linked_to_offending: bool,
}

/// How the provider reaches the offender manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[schema(as = ReferralContact)]
pub struct Contact {
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F]*[^\\s\\u0000-\\u001F\\u007F-\\u009F][^\\u0000-\\u001F\\u007F-\\u009F]*$"
    )]
    pub name: String,
    #[schema(
        min_length = 5,
        max_length = 254,
        pattern = "^[^\\s@]+@[^\\s.]\\S*\\.\\S*[^\\s.]$",
        example = "j.smith@probation.example.org"
    )]
    pub email: Option<String>,
    #[schema(
        pattern = "^[0-9 +()-]{5,40}$",
        min_length = 5,
        max_length = 40,
        example = "0114 496 0000"
    )]
    pub phone: Option<String>,
}

impl Contact {
    /// A name of 1-200 characters; an email address and a phone number when given.
    pub fn check(&self) -> Result<(), crate::ValidationErrors> {
        let mut errors = crate::ValidationErrors::new();
        let name = self.name.trim();
        if name.is_empty()
            || self.name.chars().count() > 200
            || self.name.chars().any(char::is_control)
        {
            errors.add("name", "must be 1-200 printable characters");
        }
        if let Some(email) = &self.email {
            let email = email.trim();
            let plausible = email.len() <= 254
                && email.split_once('@').is_some_and(|(local, domain)| {
                    !local.is_empty()
                        && domain.contains('.')
                        && !domain.starts_with('.')
                        && !domain.ends_with('.')
                })
                && !email.chars().any(char::is_whitespace);
            if !plausible {
                errors.add("email", "must be an email address");
            }
        }
        if let Some(phone) = &self.phone {
            let ok = (5..=40).contains(&phone.len())
                && phone
                    .chars()
                    .all(|c| c.is_ascii_digit() || " +-()".contains(c));
            if !ok {
                errors.add(
                    "phone",
                    "must be a phone number of digits, spaces, +, - and ()",
                );
            }
        }
        errors.into_result()
    }
}

/// Whether an order's payments are settled, so nothing more can be earned or paid on it:
/// a completed order once its outcome (the last milestone any payment model has) is
/// recorded; a failed or terminated order at once (no milestone follows either); an
/// order not yet ended never.
pub fn settled(status: OrderStatus, outcome_recorded: bool) -> bool {
    use OrderStatus as S;
    match status {
        S::Completed => outcome_recorded,
        S::Failed | S::Terminated => true,
        S::Open
        | S::Offered
        | S::Accepted
        | S::InDelivery
        | S::Paused
        | S::Unmatched
        | S::AwaitingApproval
        | S::Cancelled => false,
    }
}

/// What the provider may read for one accepted order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ReferralPack {
    /// The court requirement the order delivers, if it is one.
    pub requirement: Option<Requirement>,
    /// The needs the order addresses, and only those.
    pub needs: Vec<AddressedNeed>,
    pub risk_of_serious_harm: RiskOfHarm,
    pub offender_manager: Contact,
    /// What the offender manager adds for delivery (accessibility, an interpreter, ...).
    pub notes: Option<String>,
}

/// The pack for an order that addresses `addressed` (the plan item's needs), drawn from
/// the assessment's scored `needs`: a need the item addresses but the assessment did not
/// score is left out rather than guessed.
pub fn pack(
    requirement: Option<Requirement>,
    addressed: &[Need],
    needs: &[NeedScore],
    risk_of_serious_harm: RiskOfHarm,
    offender_manager: Contact,
    notes: Option<String>,
) -> ReferralPack {
    let needs = addressed
        .iter()
        .filter_map(|need| needs.iter().find(|s| s.need == *need))
        .map(|s| AddressedNeed {
            need: s.need,
            severity: s.severity,
            linked_to_offending: s.linked_to_offending,
        })
        .collect();
    ReferralPack {
        requirement,
        needs,
        risk_of_serious_harm,
        offender_manager,
        notes: notes.filter(|n| !n.trim().is_empty()),
    }
}

/// Notes for delivery as the offender manager typed them, or what is wrong with them.
pub fn check_notes(notes: &str) -> Result<(), String> {
    let chars = notes.chars().count();
    if chars > MAX_NOTES_CHARS {
        return Err(format!(
            "notes for delivery can be at most {MAX_NOTES_CHARS} characters; these are {chars}"
        ));
    }
    Ok(())
}

/// May the provider holding an order in `status` read its pack? From its acceptance
/// until the order has ended and its payments are settled.
pub fn readable(status: OrderStatus, settled: bool) -> bool {
    use OrderStatus as S;
    match status {
        S::Accepted | S::InDelivery | S::Paused => true,
        S::Completed | S::Failed | S::Terminated => !settled,
        S::Open | S::Offered | S::Unmatched | S::AwaitingApproval | S::Cancelled => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(need: Need, severity: Severity, linked: bool) -> NeedScore {
        NeedScore {
            need,
            severity,
            linked_to_offending: linked,
        }
    }

    fn contact() -> Contact {
        Contact {
            name: "Sam Okafor".into(),
            email: Some("sam.okafor@probation.example".into()),
            phone: None,
        }
    }

    #[test]
    fn a_pack_holds_the_needs_the_order_addresses_and_no_other() {
        let assessed = [
            score(Need::Alcohol, Severity::High, true),
            score(Need::Accommodation, Severity::Medium, true),
            score(Need::Finance, Severity::Low, false),
            score(Need::Relationships, Severity::High, true),
        ];
        let pack = pack(
            Some(Requirement::AlcoholTreatment { months: 6 }),
            &[Need::Alcohol, Need::Drugs],
            &assessed,
            RiskOfHarm::Medium,
            contact(),
            Some("Needs a ground-floor room".into()),
        );
        assert_eq!(
            pack.needs,
            vec![AddressedNeed {
                need: Need::Alcohol,
                severity: Severity::High,
                linked_to_offending: true
            }],
            "drugs were not scored; accommodation, finance and relationships are not this order's"
        );
        assert_eq!(pack.risk_of_serious_harm, RiskOfHarm::Medium);
        assert_eq!(pack.notes.as_deref(), Some("Needs a ground-floor room"));
        let json = serde_json::to_string(&pack).expect("json");
        for absent in [
            "accommodation",
            "finance",
            "relationships",
            "crn",
            "date_of_birth",
        ] {
            assert!(!json.contains(absent), "{absent} in {json}");
        }
    }

    #[test]
    fn a_contact_needs_a_name_and_plausible_email_and_phone() {
        assert!(contact().check().is_ok());
        let fields = |c: Contact| -> Vec<String> {
            c.check()
                .err()
                .map(|e| e.0.iter().map(|f| f.field.clone()).collect())
                .unwrap_or_default()
        };
        let bad = Contact {
            name: " ".into(),
            email: Some("not an email".into()),
            phone: Some("call me".into()),
        };
        assert_eq!(fields(bad), ["name", "email", "phone"]);
        let minimal = Contact {
            name: "Sam".into(),
            email: None,
            phone: Some("0114 000 0000".into()),
        };
        assert!(minimal.check().is_ok());
    }

    #[test]
    fn blank_notes_are_none_and_long_ones_are_refused() {
        let pack = pack(
            None,
            &[],
            &[],
            RiskOfHarm::Low,
            contact(),
            Some("  \n".into()),
        );
        assert_eq!(pack.notes, None);
        assert!(check_notes(&"a".repeat(MAX_NOTES_CHARS)).is_ok());
        let refused = check_notes(&"é".repeat(MAX_NOTES_CHARS + 1)).expect_err("too long");
        assert_eq!(
            refused,
            "notes for delivery can be at most 2000 characters; these are 2001"
        );
    }

    #[test]
    fn the_pack_is_readable_from_acceptance_until_the_order_is_ended_and_settled() {
        use OrderStatus as S;
        // Not yet the provider's to deliver, or never delivered.
        for status in [
            S::Open,
            S::Offered,
            S::Unmatched,
            S::AwaitingApproval,
            S::Cancelled,
        ] {
            assert!(!readable(status, false), "{status}");
        }
        assert!(readable(S::Accepted, false) && readable(S::InDelivery, false));
        // Ended: readable while its payments are not settled, not after.
        assert!(readable(S::Completed, false) && !readable(S::Completed, true));
        assert!(readable(S::Failed, false) && !readable(S::Failed, true));
        assert!(readable(S::Terminated, false) && !readable(S::Terminated, true));
        // In breach proceedings the provider still delivers when it resumes.
        assert!(readable(S::Paused, false));
    }

    #[test]
    fn an_order_is_settled_once_nothing_more_can_be_paid_on_it() {
        use OrderStatus as S;
        let table = [
            (S::Completed, false, false),
            (S::Completed, true, true),
            (S::Failed, false, true),
            (S::Terminated, false, true),
            (S::InDelivery, false, false),
            (S::Paused, false, false),
            (S::Accepted, false, false),
        ];
        for (status, outcome, expected) in table {
            assert_eq!(settled(status, outcome), expected, "{status} {outcome}");
        }
        // So a terminated order's pack closes as it ends; a completed one's with its outcome.
        assert!(!readable(S::Terminated, settled(S::Terminated, false)));
        assert!(readable(S::Completed, settled(S::Completed, false)));
    }
}
