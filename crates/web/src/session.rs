//! Who is signed in: the same identity the API builds from a token's claims (sub, role
//! and the role's scope), kept in the encrypted session cookie, with an idle timeout and
//! the session's CSRF token.

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::{ready, Ready};
use provider_hub_domain::auth::{scope_for, ScopeClaims};
use provider_hub_domain::{Role, Scope};
use provider_hub_market::access::Caller;
use provider_hub_market::Actor;
use rand::RngCore;
use serde::{Deserialize, Serialize};

use crate::page::WebError;
use crate::WebState;

pub const COOKIE_NAME: &str = "hub_session";
const PERSON: &str = "person";
const LAST_SEEN: &str = "last_seen";
const CSRF: &str = "csrf";
const FLASH: &str = "flash";

/// What the session keeps about the person signed in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredPerson {
    pub sub: String,
    pub role: String,
    pub area: Option<String>,
    pub provider_id: Option<String>,
    /// The court's code, for a court's staff.
    #[serde(default)]
    pub court: Option<String>,
    /// How the header names them.
    pub name: String,
}

/// The person signed in, with the scope their role acts in.
#[derive(Debug, Clone)]
pub struct Person {
    pub sub: String,
    pub role: Role,
    pub scope: Scope,
    pub name: String,
    /// The session's CSRF token, for the forms of the page.
    pub csrf: String,
    /// A message for the next page (a notification banner), taken from the session.
    pub flash: Option<String>,
}

impl Person {
    /// The audit actor of a web action: the same (sub, role) as an API call.
    pub fn actor(&self) -> Actor {
        Actor {
            sub: self.sub.clone(),
            role: self.role.as_str().to_owned(),
        }
    }

    /// The context of a use case the person calls at `now`.
    pub fn caller(&self, now: chrono::DateTime<chrono::Utc>) -> Caller {
        Caller::new(&self.sub, self.role, self.scope.clone(), now)
    }

    /// 403 unless the person has one of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> Result<(), WebError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(WebError::Forbidden(format!(
                "the {} role may not use these pages",
                self.role
            )))
        }
    }

    /// 403 unless the person has `role`.
    pub fn require(&self, role: Role) -> Result<(), WebError> {
        if self.role == role {
            Ok(())
        } else {
            Err(WebError::Forbidden(format!(
                "the {} role may not use these pages",
                self.role
            )))
        }
    }
}

/// Signs `person` in: a new session (no fixation), a new CSRF token.
pub fn sign_in(session: &Session, person: &StoredPerson, now: i64) -> Result<(), WebError> {
    // Refuse a person whose role and scope the API would refuse.
    parse_person(person)?;
    // Cleared rather than purged: a purged session takes no new values.
    session.clear();
    session.renew();
    session
        .insert(PERSON, person)
        .and_then(|_| session.insert(LAST_SEEN, now))
        .and_then(|_| session.insert(CSRF, new_token()))
        .map_err(|e| {
            tracing::error!(error = %e, "cannot write the session");
            WebError::Internal
        })
}

pub fn sign_out(session: &Session) {
    session.purge();
}

fn parse_person(p: &StoredPerson) -> Result<(Role, Scope), WebError> {
    let role: Role = p
        .role
        .parse()
        .map_err(|e| WebError::Forbidden(format!("role: {e}")))?;
    let claims = ScopeClaims {
        area: p.area.as_deref(),
        provider_id: p.provider_id.as_deref(),
        court: p.court.as_deref(),
    };
    let scope = scope_for(role, claims).map_err(WebError::Forbidden)?;
    Ok((role, scope))
}

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The session's CSRF token, made on first use (the sign-in page has forms too).
pub fn csrf_token(session: &Session) -> String {
    match session.get::<String>(CSRF) {
        Ok(Some(t)) if !t.is_empty() => t,
        _ => {
            let t = new_token();
            let _ = session.insert(CSRF, &t);
            t
        }
    }
}

/// True when `sent` is the session's CSRF token (compared in constant time).
pub fn csrf_matches(session: &Session, sent: &str) -> bool {
    let Ok(Some(expected)) = session.get::<String>(CSRF) else {
        return false;
    };
    if expected.is_empty() || expected.len() != sent.len() {
        return false;
    }
    expected
        .bytes()
        .zip(sent.bytes())
        .fold(0u8, |acc, (a, b)| acc | (a ^ b))
        == 0
}

/// Leaves a message for the next page.
pub fn flash(session: &Session, message: impl Into<String>) {
    let _ = session.insert(FLASH, message.into());
}

/// The person signed in, if any, after the idle check (which signs out a stale session).
pub fn current(req: &HttpRequest) -> Result<Option<Person>, WebError> {
    let session = req.get_session();
    let Some(state) = req.app_data::<web::Data<WebState>>() else {
        return Err(WebError::Internal);
    };
    let Ok(Some(stored)) = session.get::<StoredPerson>(PERSON) else {
        return Ok(None);
    };
    let now = state.now().timestamp();
    let last_seen = session.get::<i64>(LAST_SEEN).ok().flatten().unwrap_or(0);
    let idle = state.settings.idle_timeout.as_secs() as i64;
    if now - last_seen > idle {
        session.purge();
        return Err(WebError::SessionExpired);
    }
    let (role, scope) = parse_person(&stored)?;
    // Only a minute's precision: the cookie is not rewritten on every page.
    if now - last_seen >= 60 {
        let _ = session.insert(LAST_SEEN, now);
    }
    let flash = session.remove_as::<String>(FLASH).and_then(Result::ok);
    Ok(Some(Person {
        sub: stored.sub,
        role,
        scope,
        name: stored.name,
        csrf: csrf_token(&session),
        flash,
    }))
}

impl FromRequest for Person {
    type Error = WebError;
    type Future = Ready<Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(current(req).and_then(|p| p.ok_or(WebError::SignInRequired)))
    }
}
