//! The start page, sign-in (local, or OpenID Connect when an identity provider is set)
//! and sign out.

use actix_session::Session;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use provider_hub_domain::{Role, Scope};
use provider_hub_market::{areas, providers, MAX_PAGE};
use serde::Deserialize;

use crate::form::CsrfForm;
use crate::page::{self, render, see_other, Layout, WebError};
use crate::session::{self, Person, StoredPerson};
use crate::WebState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(sign_in_page))
        .route("", web::post().to(local_sign_in))
        .route("/callback", web::get().to(crate::oidc::callback));
}

pub fn configure_sign_out(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::post().to(sign_out));
}

pub fn configure_home(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(home));
}

/// Where each role starts.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::OffenderManager => "/om",
        Role::Provider => "/provider",
        Role::Quality => "/quality",
        Role::Admin => "/admin",
        Role::Commissioner => "/commissioner",
        Role::Court => "/court",
        Role::Analyst => "/analyst",
    }
}

#[derive(Template)]
#[template(path = "start.html")]
struct StartPage {
    layout: Layout,
    idle: bool,
    signed_out: bool,
}

#[derive(Deserialize)]
pub struct StartQuery {
    #[serde(rename = "signed-out")]
    signed_out: Option<String>,
}

/// `/`: the start page, or the signed-in person's home.
pub async fn start(
    req: HttpRequest,
    session: Session,
    query: web::Query<StartQuery>,
) -> Result<HttpResponse, WebError> {
    match session::current(&req) {
        Ok(Some(person)) => return Ok(see_other(home_of(person.role))),
        Ok(None) | Err(WebError::SessionExpired) => {}
        Err(e) => return Err(e),
    }
    render(&StartPage {
        layout: Layout::public("Provider Hub", session::csrf_token(&session)),
        idle: query.signed_out.as_deref() == Some("idle"),
        signed_out: query.signed_out.as_deref() == Some("yes"),
    })
}

/// One person of the local sign-in page.
#[derive(Debug, Clone)]
pub struct LocalPerson {
    /// The radio's value: what the form posts.
    pub key: String,
    pub label: String,
    pub hint: String,
    pub stored: StoredPerson,
}

#[derive(Debug, Clone)]
pub struct LocalGroup {
    pub legend: &'static str,
    pub id: &'static str,
    pub people: Vec<LocalPerson>,
}

/// The people of the market one may sign in as locally: two offender managers per area
/// (one countersigns the other's assessments), one user per provider, the hub's teams.
async fn local_people(state: &WebState) -> Result<Vec<LocalGroup>, WebError> {
    let now = state.now();
    let (areas, providers, courts) = state
        .db(move |conn| {
            let areas = areas::list(conn, None, MAX_PAGE)?.items;
            let providers = providers::list(conn, &Scope::Hub, None, MAX_PAGE, now)?.items;
            let courts = provider_hub_market::court::known_courts(conn, MAX_PAGE)?;
            Ok((areas, providers, courts))
        })
        .await?;
    let mut managers = Vec::new();
    for area in &areas {
        for n in 1..=2 {
            managers.push(LocalPerson {
                key: format!("om:{}:{n}", area.code),
                label: format!("Offender manager {n} in {}", area.name),
                hint: format!("Area {}", area.code),
                stored: StoredPerson {
                    sub: format!("local-om-{}-{n}", area.code),
                    role: Role::OffenderManager.as_str().into(),
                    area: Some(area.code.clone()),
                    provider_id: None,
                    court: None,
                    name: format!("Offender manager {n} ({})", area.name),
                },
            });
        }
    }
    let staff = providers
        .iter()
        .map(|p| LocalPerson {
            key: format!("provider:{}", p.id),
            label: p.name.clone(),
            hint: format!(
                "{} provider, {}",
                page::words(p.sector.as_str()),
                page::words(p.status.as_str()).to_lowercase()
            ),
            stored: StoredPerson {
                sub: format!("local-provider-{}", p.id),
                role: Role::Provider.as_str().into(),
                area: None,
                provider_id: Some(p.id.clone()),
                court: None,
                name: format!("{} staff", p.name),
            },
        })
        .collect();
    let teams = [
        (
            Role::Quality,
            "The quality team",
            "Specifications, accreditation, the threshold",
        ),
        (
            Role::Commissioner,
            "A commissioner",
            "Budgets, policies, batch matching, outcomes",
        ),
        (
            Role::Admin,
            "An administrator",
            "Areas and provider registration",
        ),
        (
            Role::Analyst,
            "An analyst",
            "The commissioners' data team: the reports",
        ),
    ]
    .into_iter()
    .map(|(role, label, hint)| LocalPerson {
        key: role.as_str().to_owned(),
        label: label.to_owned(),
        hint: hint.to_owned(),
        stored: StoredPerson {
            sub: format!("local-{}", role.as_str()),
            role: role.as_str().into(),
            area: None,
            provider_id: None,
            court: None,
            name: page::role_label(role).to_owned(),
        },
    })
    .collect();
    let court_staff = courts
        .into_iter()
        .map(|code| LocalPerson {
            key: format!("court:{code}"),
            label: format!("A court: {code}"),
            hint: "Start dates of the sentences passed there".into(),
            stored: StoredPerson {
                sub: format!("local-court-{code}"),
                role: Role::Court.as_str().into(),
                area: None,
                provider_id: None,
                court: Some(code.clone()),
                name: format!("Court staff ({code})"),
            },
        })
        .collect();
    Ok(vec![
        LocalGroup {
            legend: "Offender managers",
            id: "person-om",
            people: managers,
        },
        LocalGroup {
            legend: "Providers",
            id: "person-provider",
            people: staff,
        },
        LocalGroup {
            legend: "Courts",
            id: "person-court",
            people: court_staff,
        },
        LocalGroup {
            legend: "The hub's teams",
            id: "person-team",
            people: teams,
        },
    ])
}

#[derive(Template)]
#[template(path = "sign_in_local.html")]
struct LocalSignInPage {
    layout: Layout,
    groups: Vec<LocalGroup>,
    error: Option<String>,
}

/// Why a hub on the network with no identity provider offers no sign-in.
const LOCAL_OFF: &str = "sign-in is not set up on this hub: its operator must configure an identity provider (HUB_OIDC_ISSUER), or allow local sign-in (HUB_LOCAL_SIGN_IN=true) only on a trusted network";

/// `/sign-in`: the identity provider, or the local page listing the market's people.
async fn sign_in_page(
    state: web::Data<WebState>,
    session: Session,
) -> Result<HttpResponse, WebError> {
    if let Some(client) = &state.oidc {
        return crate::oidc::begin(client, &session).await;
    }
    if !state.settings.local_sign_in {
        return Err(WebError::Forbidden(LOCAL_OFF.into()));
    }
    let groups = local_people(&state).await?;
    render(&LocalSignInPage {
        layout: Layout::public("Sign in", session::csrf_token(&session)),
        groups,
        error: None,
    })
}

#[derive(Deserialize)]
pub struct LocalChoice {
    #[serde(default)]
    person: String,
}

async fn local_sign_in(
    state: web::Data<WebState>,
    session: Session,
    CsrfForm(choice): CsrfForm<LocalChoice>,
) -> Result<HttpResponse, WebError> {
    if state.oidc.is_some() {
        return Err(WebError::Forbidden(
            "local sign-in is off: this hub signs in through its identity provider".into(),
        ));
    }
    if !state.settings.local_sign_in {
        return Err(WebError::Forbidden(LOCAL_OFF.into()));
    }
    let groups = local_people(&state).await?;
    let chosen = groups
        .iter()
        .flat_map(|g| g.people.iter())
        .find(|p| p.key == choice.person)
        .map(|p| p.stored.clone());
    let Some(person) = chosen else {
        let mut page = LocalSignInPage {
            layout: Layout::public("Sign in", session::csrf_token(&session)).with_errors(true),
            groups,
            error: Some("Select who to sign in as".into()),
        };
        page.layout.title = "Sign in".into();
        return page::render_status(&page, actix_web::http::StatusCode::UNPROCESSABLE_ENTITY);
    };
    let role: Role = person.role.parse().map_err(WebError::Forbidden)?;
    session::sign_in(&session, &person, state.now().timestamp())?;
    Ok(see_other(home_of(role)))
}

#[derive(Deserialize)]
pub struct NoFields {}

async fn sign_out(session: Session, CsrfForm(_): CsrfForm<NoFields>) -> HttpResponse {
    session::sign_out(&session);
    see_other("/?signed-out=yes")
}

/// `/home`: each role's own start page (an address kept for bookmarks).
async fn home(person: Person) -> HttpResponse {
    see_other(home_of(person.role))
}
