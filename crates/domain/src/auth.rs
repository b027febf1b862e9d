//! Who is calling (SPEC.md §1): a role and, for some roles, the scope it acts in.

use crate::area::AreaCode;
use crate::court::CourtCode;

crate::string_enum! {
    /// The `role` claim of a hub token.
    pub enum Role {
        OffenderManager => "offender_manager",
        Provider => "provider",
        Quality => "quality",
        Commissioner => "commissioner",
        Admin => "admin",
        Court => "court",
        Analyst => "analyst",
    }
}

/// What a caller's rights are limited to, derived from the role and its scope claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// An offender manager acts for one area.
    Area(AreaCode),
    /// A provider's staff or system acts for one provider.
    Provider(String),
    /// A court's staff act for one court: the sentences passed there.
    Court(CourtCode),
    /// Quality, commissioners, analysts and admins act across the hub.
    Hub,
}

/// The scope claims a token carries: `area`, `provider_id` and `court`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScopeClaims<'a> {
    pub area: Option<&'a str>,
    pub provider_id: Option<&'a str>,
    pub court: Option<&'a str>,
}

/// Derives the scope a role acts in from the token's `area`, `provider_id` and `court`
/// claims.
///
/// A role gets exactly the scope claim it needs and no other: a token that carries a
/// claim its role does not use is refused rather than silently ignored, so a token
/// minted for one kind of caller cannot be replayed as another.
pub fn scope_for(role: Role, claims: ScopeClaims<'_>) -> Result<Scope, String> {
    let ScopeClaims {
        area,
        provider_id,
        court,
    } = claims;
    if court.is_some() && role != Role::Court {
        return Err(format!(
            "a {role} token must not carry both or other scope claims than its role needs"
        ));
    }
    match (role, area, provider_id) {
        (Role::Court, None, None) => match court {
            Some(c) => CourtCode::parse(c)
                .map(Scope::Court)
                .map_err(|e| format!("claim `court` {e}")),
            None => Err("a court token needs a `court` claim".into()),
        },
        (Role::OffenderManager, Some(a), None) => AreaCode::parse(a)
            .map(Scope::Area)
            .map_err(|e| format!("claim `area` {e}")),
        (Role::OffenderManager, None, _) => {
            Err("an offender_manager token needs an `area` claim".into())
        }
        (Role::Provider, None, Some(p)) => {
            if is_valid_provider_id(p) {
                Ok(Scope::Provider(p.to_owned()))
            } else {
                Err("claim `provider_id` is not a provider id".into())
            }
        }
        (Role::Provider, _, None) => Err("a provider token needs a `provider_id` claim".into()),
        (Role::Quality | Role::Commissioner | Role::Admin | Role::Analyst, None, None) => {
            Ok(Scope::Hub)
        }
        (role, _, _) => Err(format!(
            "a {role} token must not carry both or other scope claims than its role needs"
        )),
    }
}

/// Provider ids are short opaque tokens of letters, digits, `-` and `_`.
pub fn is_valid_provider_id(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims<'a>(
        area: Option<&'a str>,
        provider_id: Option<&'a str>,
        court: Option<&'a str>,
    ) -> ScopeClaims<'a> {
        ScopeClaims {
            area,
            provider_id,
            court,
        }
    }

    fn scope_for(
        role: Role,
        area: Option<&str>,
        provider_id: Option<&str>,
    ) -> Result<Scope, String> {
        super::scope_for(role, claims(area, provider_id, None))
    }

    #[test]
    fn a_court_acts_for_its_court_and_only_with_a_court_claim() {
        assert_eq!(
            super::scope_for(Role::Court, claims(None, None, Some("SHF-MC"))),
            Ok(Scope::Court(CourtCode::parse("SHF-MC").expect("valid")))
        );
        assert!(super::scope_for(Role::Court, claims(None, None, None)).is_err());
        assert!(super::scope_for(Role::Court, claims(None, None, Some("shf mc"))).is_err());
        assert!(
            super::scope_for(Role::Court, claims(Some("SY-SHF"), None, Some("SHF-MC"))).is_err()
        );
        assert!(
            super::scope_for(Role::Court, claims(None, Some("prv_1"), Some("SHF-MC"))).is_err()
        );
        // No other role may carry a court claim.
        assert!(super::scope_for(
            Role::OffenderManager,
            claims(Some("SY-SHF"), None, Some("SHF-MC"))
        )
        .is_err());
        assert!(super::scope_for(Role::Quality, claims(None, None, Some("SHF-MC"))).is_err());
    }

    #[test]
    fn each_role_gets_exactly_its_scope() {
        assert_eq!(
            scope_for(Role::OffenderManager, Some("SY-SHF"), None),
            Ok(Scope::Area(AreaCode::parse("SY-SHF").expect("valid")))
        );
        assert_eq!(
            scope_for(Role::Provider, None, Some("prv_1")),
            Ok(Scope::Provider("prv_1".into()))
        );
        for role in [
            Role::Quality,
            Role::Commissioner,
            Role::Admin,
            Role::Analyst,
        ] {
            assert_eq!(scope_for(role, None, None), Ok(Scope::Hub));
        }
    }

    #[test]
    fn refuses_missing_extra_or_mixed_scope_claims() {
        assert!(scope_for(Role::OffenderManager, None, None).is_err());
        assert!(scope_for(Role::OffenderManager, Some("SY-SHF"), Some("prv_1")).is_err());
        assert!(scope_for(Role::Provider, None, None).is_err());
        assert!(scope_for(Role::Provider, Some("SY-SHF"), Some("prv_1")).is_err());
        assert!(scope_for(Role::Quality, None, Some("prv_1")).is_err());
        assert!(scope_for(Role::Admin, Some("SY-SHF"), None).is_err());
        assert!(scope_for(Role::Analyst, Some("SY-SHF"), None).is_err());
        assert!(scope_for(Role::Analyst, None, Some("prv_1")).is_err());
        assert!(super::scope_for(Role::Analyst, claims(None, None, Some("SHF-MC"))).is_err());
        assert!(scope_for(Role::OffenderManager, Some("not an area"), None).is_err());
        assert!(scope_for(Role::Provider, None, Some("bad id!")).is_err());
    }
}
