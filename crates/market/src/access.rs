//! Authorization's one home: who is calling ([`Caller`]), which roles may call a use case
//! ([`require`]) and which tenant's objects a role reaches ([`reach`]). The API's and the
//! web's handlers and the use cases ask here; none keeps its own table of roles and scopes.

use chrono::{DateTime, Utc};
use provider_hub_domain::{Role, Scope};

use crate::{Actor, Error};

/// The context of one call: who acts (for the audit trail), in which role and scope, and
/// the time the call is made at. Built once per request (the API's token, the web's
/// session) and passed to every use case it calls.
#[derive(Debug, Clone)]
pub struct Caller {
    pub actor: Actor,
    pub role: Role,
    pub scope: Scope,
    pub now: DateTime<Utc>,
}

impl Caller {
    /// A caller whose actor is `sub` acting in `role`.
    pub fn new(sub: &str, role: Role, scope: Scope, now: DateTime<Utc>) -> Self {
        Caller {
            actor: Actor {
                sub: sub.to_owned(),
                role: role.as_str().to_owned(),
            },
            role,
            scope,
            now,
        }
    }

    /// Forbidden unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), Error> {
        require(self.role, roles)
    }
}

/// Forbidden unless `role` is one of `roles`: the answer every refused role gets, naming
/// the roles that may.
pub fn require(role: Role, roles: &[Role]) -> Result<(), Error> {
    if roles.contains(&role) {
        Ok(())
    } else {
        Err(Error::Forbidden(format!(
            "the {role} role may not do this: {}",
            who_may(roles)
        )))
    }
}

/// "only the provider role may", "only the quality and commissioner roles may".
pub fn who_may(roles: &[Role]) -> String {
    match roles {
        [] => "no role may".to_owned(),
        [one] => format!("only the {one} role may"),
        _ => format!("only the {} roles may", in_words(roles)),
    }
}

/// "a, b and c".
fn in_words(roles: &[Role]) -> String {
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

/// The refusal of a role that does not read `objects` (named `what`, e.g. "intervention
/// orders"), naming the roles that do.
pub fn not_a_reader(role: Role, objects: Objects, what: &str) -> Error {
    let readers = readers(objects);
    let who = match readers {
        [one] => format!("only the {one} role does"),
        _ => format!("the {} roles do", in_words(readers)),
    };
    Error::Forbidden(format!("the {role} role does not see {what}: {who}"))
}

/// The provider a provider's caller acts for; forbidden for every other role.
pub fn own_provider(role: Role, scope: &Scope) -> Result<&str, Error> {
    match scope {
        Scope::Provider(id) if role == Role::Provider => Ok(id),
        _ => Err(Error::Forbidden(format!(
            "the {role} role may not do this: {}",
            who_may(&[Role::Provider])
        ))),
    }
}

/// Whether a caller acting in `scope` acts for `area`: an offender manager registers
/// cases of its own area only.
pub fn acts_for_area(scope: &Scope, area: &str) -> bool {
    matches!(scope, Scope::Area(own) if own.as_str() == area)
}

/// The one provider a caller acting in `scope` sees of the providers, when it is limited
/// to one (a provider sees only itself).
pub fn only_provider(scope: &Scope) -> Option<&str> {
    match scope {
        Scope::Provider(own) => Some(own),
        _ => None,
    }
}

/// The kinds of tenant-owned objects whose reading is limited by role and scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objects {
    Cases,
    Assessments,
    Orders,
    Offers,
    Payments,
    Events,
    WebhookDeliveries,
    /// Transfers of cases between areas: an offender manager reaches those from or to its
    /// area.
    Transfers,
    /// The commissioning reports (`/v1/reports/…`): figures across areas and providers,
    /// never a person's details. Commissioners, the quality team and the analysts read
    /// them, all of them.
    Reports,
}

/// Which objects of a kind a caller reaches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Every area's and every provider's.
    All,
    /// Those of one area's cases.
    Area(String),
    /// Those concerning one provider.
    Provider(String),
    /// Those of the sentences one court passed, and only what it follows of them (see
    /// [`provider_hub_domain::court`]).
    Court(String),
}

impl Reach {
    /// Whether an object of `area`, placed with `provider` (if any), is within reach.
    pub fn admits(&self, area: &str, provider: Option<&str>) -> bool {
        match self {
            Reach::All => true,
            Reach::Area(own) => own == area,
            Reach::Provider(own) => provider == Some(own.as_str()),
            // A court's objects are found through the sentence, never by area or provider.
            Reach::Court(_) => false,
        }
    }

    /// The area to narrow a list to, if any.
    pub fn area(&self) -> Option<String> {
        match self {
            Reach::Area(own) => Some(own.clone()),
            _ => None,
        }
    }

    /// The court whose sentences to narrow a list to, if any.
    pub fn court(&self) -> Option<String> {
        match self {
            Reach::Court(own) => Some(own.clone()),
            _ => None,
        }
    }

    /// The provider to narrow a list to, if any.
    pub fn provider(&self) -> Option<String> {
        match self {
            Reach::Provider(own) => Some(own.clone()),
            _ => None,
        }
    }
}

/// Which of `objects` a `role` acting in `scope` reaches; `None` when it sees none. An
/// offender manager reaches its area's, a provider its own, and the hub-wide roles all
/// of those kinds they read (SPEC.md §1).
pub fn reach(role: Role, scope: &Scope, objects: Objects) -> Option<Reach> {
    use Objects::*;
    let area = || match scope {
        Scope::Area(area) => Some(Reach::Area(area.as_str().to_owned())),
        _ => None,
    };
    let provider = || match scope {
        Scope::Provider(id) => Some(Reach::Provider(id.clone())),
        _ => None,
    };
    let court = || match scope {
        Scope::Court(code) => Some(Reach::Court(code.as_str().to_owned())),
        _ => None,
    };
    match (objects, role) {
        (Events, Role::Court) => court(),
        (Cases | Assessments | Orders | Events | Transfers, Role::OffenderManager) => area(),
        (Orders | Offers | Payments | Events | WebhookDeliveries, Role::Provider) => provider(),
        (Cases | Assessments | Orders | Offers | Payments, Role::Quality) => Some(Reach::All),
        (Orders | Payments | Transfers, Role::Commissioner) => Some(Reach::All),
        (Transfers, Role::Quality) => Some(Reach::All),
        (WebhookDeliveries, Role::Admin) => Some(Reach::All),
        (Events, Role::Quality | Role::Commissioner | Role::Admin) => Some(Reach::All),
        // An analyst reads the reports and nothing of people, orders, offers or webhooks.
        (Reports, Role::Commissioner | Role::Quality | Role::Analyst) => Some(Reach::All),
        _ => None,
    }
}

/// The roles that read `objects` at all (each only within its [`reach`]): whom the API
/// and the web let call their list and read routes.
pub fn readers(objects: Objects) -> &'static [Role] {
    use Role::*;
    match objects {
        Objects::Cases | Objects::Assessments => &[OffenderManager, Quality],
        Objects::Orders => &[OffenderManager, Provider, Quality, Commissioner],
        Objects::Offers => &[Provider, Quality],
        Objects::Payments => &[Provider, Commissioner, Quality],
        Objects::Events => &[
            OffenderManager,
            Provider,
            Quality,
            Commissioner,
            Admin,
            Court,
        ],
        Objects::WebhookDeliveries => &[Provider, Admin],
        Objects::Transfers => &[OffenderManager, Quality, Commissioner],
        Objects::Reports => &[Commissioner, Quality, Analyst],
    }
}

/// Whether `role` in `scope` may read an object of `objects` of `area`, placed with
/// `provider` (if any).
pub fn may_read(
    role: Role,
    scope: &Scope,
    objects: Objects,
    area: &str,
    provider: Option<&str>,
) -> bool {
    reach(role, scope, objects).is_some_and(|r| r.admits(area, provider))
}

/// Whether `role` in `scope` may manage (or, `reading`, read) the webhook of
/// `provider_id`: only that provider manages it; an admin reads it. Another provider is
/// told there is no such provider.
pub fn webhook_of(
    role: Role,
    scope: &Scope,
    provider_id: &str,
    reading: bool,
) -> Result<(), Error> {
    match (role, scope) {
        (Role::Provider, Scope::Provider(own)) if own == provider_id => Ok(()),
        (Role::Provider, _) => Err(Error::NotFound(format!("provider {provider_id}"))),
        (Role::Admin, _) if reading => Ok(()),
        _ => Err(Error::Forbidden(
            "only the provider itself manages its webhook".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use provider_hub_domain::area::AreaCode;

    fn area() -> Scope {
        Scope::Area(AreaCode::parse("SY-SHF").expect("valid"))
    }

    fn provider() -> Scope {
        Scope::Provider("prv_1".into())
    }

    #[test]
    fn each_role_reaches_its_own_tenants_objects() {
        use Objects::*;
        let shf = || Some(Reach::Area("SY-SHF".into()));
        let own = || Some(Reach::Provider("prv_1".into()));
        let all = || Some(Reach::All);
        // What each role reaches acting in its own scope.
        type Row = (Objects, [Option<Reach>; 6]);
        #[rustfmt::skip]
        let table: &[Row] = &[
            //                  offender manager, provider, quality, commissioner, admin, analyst
            (Cases,             [shf(), None,  all(), None,  None,  None]),
            (Assessments,       [shf(), None,  all(), None,  None,  None]),
            (Orders,            [shf(), own(), all(), all(), None,  None]),
            (Offers,            [None,  own(), all(), None,  None,  None]),
            (Payments,          [None,  own(), all(), all(), None,  None]),
            (Events,            [shf(), own(), all(), all(), all(), None]),
            (WebhookDeliveries, [None,  own(), None,  None,  all(), None]),
            (Transfers,         [shf(), None,  all(), all(), None,  None]),
            (Reports,           [None,  None,  all(), all(), None,  all()]),
        ];
        for (objects, [om, prv, quality, commissioner, admin, analyst]) in table {
            let o = *objects;
            assert_eq!(&reach(Role::OffenderManager, &area(), o), om, "{o:?}");
            assert_eq!(&reach(Role::Provider, &provider(), o), prv, "{o:?}");
            assert_eq!(&reach(Role::Quality, &Scope::Hub, o), quality, "{o:?}");
            assert_eq!(
                &reach(Role::Commissioner, &Scope::Hub, o),
                commissioner,
                "{o:?}"
            );
            assert_eq!(&reach(Role::Admin, &Scope::Hub, o), admin, "{o:?}");
            assert_eq!(&reach(Role::Analyst, &Scope::Hub, o), analyst, "{o:?}");
        }
    }

    #[test]
    fn a_court_reaches_its_own_sentences_events_and_nothing_else() {
        use Objects::*;
        let shf =
            Scope::Court(provider_hub_domain::court::CourtCode::parse("SHF-MC").expect("valid"));
        assert_eq!(
            reach(Role::Court, &shf, Events),
            Some(Reach::Court("SHF-MC".into()))
        );
        for objects in [
            Cases,
            Assessments,
            Orders,
            Offers,
            Payments,
            WebhookDeliveries,
        ] {
            assert_eq!(reach(Role::Court, &shf, objects), None, "{objects:?}");
        }
        assert_eq!(reach(Role::Court, &Scope::Hub, Events), None);
        assert!(!Reach::Court("SHF-MC".into()).admits("SY-SHF", Some("prv_1")));
    }

    #[test]
    fn the_readers_are_the_roles_that_reach_some() {
        use Objects::*;
        for objects in [
            Cases,
            Assessments,
            Orders,
            Offers,
            Payments,
            Events,
            WebhookDeliveries,
            Transfers,
            Reports,
        ] {
            for (role, scope) in [
                (Role::OffenderManager, area()),
                (Role::Provider, provider()),
                (Role::Quality, Scope::Hub),
                (Role::Commissioner, Scope::Hub),
                (Role::Admin, Scope::Hub),
                (Role::Analyst, Scope::Hub),
            ] {
                assert_eq!(
                    readers(objects).contains(&role),
                    reach(role, &scope, objects).is_some(),
                    "{role} reading {objects:?}"
                );
            }
        }
    }

    #[test]
    fn a_role_without_its_scope_reaches_nothing() {
        for objects in [Objects::Cases, Objects::Orders, Objects::Events] {
            assert_eq!(reach(Role::OffenderManager, &Scope::Hub, objects), None);
            assert_eq!(reach(Role::Provider, &area(), objects), None);
        }
    }

    #[test]
    fn reach_admits_only_its_tenants_objects() {
        let shf = Reach::Area("SY-SHF".into());
        assert!(shf.admits("SY-SHF", Some("prv_2")));
        assert!(!shf.admits("SY-ROT", None));
        let own = Reach::Provider("prv_1".into());
        assert!(own.admits("SY-ROT", Some("prv_1")));
        assert!(!own.admits("SY-ROT", Some("prv_2")));
        assert!(!own.admits("SY-ROT", None));
        assert!(Reach::All.admits("SY-ROT", None));
        assert!(may_read(
            Role::OffenderManager,
            &area(),
            Objects::Orders,
            "SY-SHF",
            None
        ));
        assert!(!may_read(
            Role::Admin,
            &Scope::Hub,
            Objects::Orders,
            "SY-SHF",
            None
        ));
    }

    #[test]
    fn who_may_call() {
        let roles = [Role::OffenderManager, Role::Quality];
        assert!(require(Role::Quality, &roles).is_ok());
        let refused = require(Role::Provider, &roles).expect_err("refused");
        assert_eq!(
            refused.to_string(),
            "the provider role may not do this: only the offender_manager and quality roles may"
        );
        assert_eq!(
            own_provider(Role::Provider, &provider()).ok(),
            Some("prv_1")
        );
        assert!(own_provider(Role::Admin, &Scope::Hub).is_err());
    }

    #[test]
    fn tenants_of_areas_and_providers() {
        assert!(acts_for_area(&area(), "SY-SHF"));
        assert!(!acts_for_area(&area(), "SY-ROT"));
        assert!(!acts_for_area(&Scope::Hub, "SY-SHF"));
        assert_eq!(only_provider(&provider()), Some("prv_1"));
        assert_eq!(only_provider(&Scope::Hub), None);
        assert_eq!(only_provider(&area()), None);
    }

    #[test]
    fn only_the_provider_manages_its_webhook() {
        let p = provider();
        assert!(webhook_of(Role::Provider, &p, "prv_1", false).is_ok());
        assert!(matches!(
            webhook_of(Role::Provider, &p, "prv_2", false),
            Err(Error::NotFound(_))
        ));
        assert!(webhook_of(Role::Admin, &Scope::Hub, "prv_1", true).is_ok());
        assert!(matches!(
            webhook_of(Role::Admin, &Scope::Hub, "prv_1", false),
            Err(Error::Forbidden(_))
        ));
    }
}
