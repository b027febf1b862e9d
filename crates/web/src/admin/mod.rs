//! The administrator's journey: areas (the list, create one) and provider registration
//! (the list, register one; the quality team accredits it afterwards). Routes under
//! `/admin`, templates under `templates/admin/`.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::provider::{Contact, NewProvider, Sector};
use provider_hub_domain::{AreaCode, Role};
use provider_hub_market::areas::{self, NewArea};
use provider_hub_market::providers;
use provider_hub_store::areas::AreaRow;
use serde::Deserialize;

use crate::form::{refusal, Choice, CsrfForm, Errors};
use crate::page::{self, render, render_status, see_other, Layout, Tag, WebError};
use crate::session::{self, Person};
use crate::WebState;

/// The administrator's service navigation.
pub const NAV: &[(&str, &str)] = &[("/admin", "Areas"), ("/admin/providers", "Providers")];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(list_areas))
        .route("/areas/new", web::get().to(new_area))
        .route("/areas/new", web::post().to(create_area))
        .route("/providers", web::get().to(list_providers))
        .route("/providers/new", web::get().to(new_provider))
        .route("/providers/new", web::post().to(register_provider));
}

fn admin(person: &Person) -> Result<(), WebError> {
    person.require(Role::Admin)
}

fn status_of(errors: &Errors) -> StatusCode {
    if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    }
}

#[derive(Template)]
#[template(path = "admin/areas.html")]
struct AreasPage {
    layout: Layout,
    areas: Vec<AreaRow>,
}

/// `/admin`: every area.
pub async fn list_areas(
    state: web::Data<WebState>,
    person: Person,
) -> Result<HttpResponse, WebError> {
    admin(&person)?;
    let areas = crate::all::areas(&state).await?;
    render(&AreasPage {
        layout: Layout::new(&person, "Areas", "/admin"),
        areas,
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AreaForm {
    pub code: String,
    pub name: String,
    pub region: String,
}

#[derive(Template)]
#[template(path = "admin/area_form.html")]
struct AreaFormPage {
    layout: Layout,
    form: AreaForm,
    errors: Errors,
}

fn area_page(person: &Person, form: AreaForm, errors: Errors) -> Result<HttpResponse, WebError> {
    let status = status_of(&errors);
    render_status(
        &AreaFormPage {
            layout: Layout::new(person, "Create an area", "/admin").with_errors(!errors.is_empty()),
            form,
            errors,
        },
        status,
    )
}

pub async fn new_area(person: Person) -> Result<HttpResponse, WebError> {
    admin(&person)?;
    area_page(&person, AreaForm::default(), Errors::default())
}

/// Creates an area.
pub async fn create_area(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    CsrfForm(form): CsrfForm<AreaForm>,
) -> Result<HttpResponse, WebError> {
    admin(&person)?;
    let code = match AreaCode::parse(form.code.trim()) {
        Ok(code) => code,
        Err(e) => {
            let mut errors = Errors::default();
            errors.add("code", format!("Code {e}"));
            return area_page(&person, form, errors);
        }
    };
    let new = NewArea {
        code,
        name: form.name.clone(),
        region: form.region.clone(),
    };
    let (actor, now) = (person.actor(), state.now());
    let result = state
        .db(move |conn| Ok(areas::create(conn, &actor, new, now)))
        .await?;
    match result {
        Ok(area) => {
            session::flash(
                &session,
                format!("Area {} ({}) created", area.name, area.code),
            );
            Ok(see_other("/admin"))
        }
        Err(e) => {
            let labels = [("code", "Code"), ("name", "Name"), ("region", "Region")];
            let errors = refusal(e, |f| f.to_owned(), &labels, "code")?;
            area_page(&person, form, errors)
        }
    }
}

pub(super) struct ProviderRow {
    pub name: String,
    pub sector: String,
    pub registration_number: String,
    pub contact: String,
    pub tag: Tag,
}

#[derive(Template)]
#[template(path = "admin/providers.html")]
struct ProvidersPage {
    layout: Layout,
    rows: Vec<ProviderRow>,
}

/// `/admin/providers`: every provider registered.
pub async fn list_providers(
    state: web::Data<WebState>,
    person: Person,
) -> Result<HttpResponse, WebError> {
    admin(&person)?;
    let all = crate::all::providers(&state).await?;
    render(&ProvidersPage {
        layout: Layout::new(&person, "Providers", "/admin/providers"),
        rows: all
            .iter()
            .map(|p| ProviderRow {
                name: p.name.clone(),
                sector: page::words(p.sector.as_str()),
                registration_number: p.registration_number.clone(),
                contact: format!("{}, {}", p.contact.name, p.contact.email),
                tag: Tag::of(p.status.as_str()),
            })
            .collect(),
    })
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ProviderForm {
    pub name: String,
    pub sector: String,
    pub registration_number: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
}

#[derive(Template)]
#[template(path = "admin/provider_form.html")]
struct ProviderFormPage {
    layout: Layout,
    form: ProviderForm,
    sectors: Vec<Choice>,
    errors: Errors,
}

fn provider_page(
    person: &Person,
    form: ProviderForm,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let status = status_of(&errors);
    let sectors = Sector::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().to_owned(),
            label: page::words(s.as_str()),
            checked: s.as_str() == form.sector,
        })
        .collect();
    render_status(
        &ProviderFormPage {
            layout: Layout::new(person, "Register a provider", "/admin/providers")
                .with_errors(!errors.is_empty()),
            form,
            sectors,
            errors,
        },
        status,
    )
}

pub async fn new_provider(person: Person) -> Result<HttpResponse, WebError> {
    admin(&person)?;
    provider_page(&person, ProviderForm::default(), Errors::default())
}

/// The form's field a use case's field error belongs on.
fn provider_field(field: &str) -> String {
    match field {
        "contact.name" => "contact_name",
        "contact.email" => "contact_email",
        "contact.phone" => "contact_phone",
        "sector" => "sector",
        "registration_number" => "registration_number",
        _ => "name",
    }
    .to_owned()
}

const PROVIDER_LABELS: &[(&str, &str)] = &[
    ("name", "Name"),
    ("registration_number", "Registration number"),
    ("contact_name", "Contact name"),
    ("contact_email", "Contact email"),
    ("contact_phone", "Contact phone"),
];

/// Registers a provider; it starts as an applicant until the quality team accredits it.
pub async fn register_provider(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    CsrfForm(form): CsrfForm<ProviderForm>,
) -> Result<HttpResponse, WebError> {
    admin(&person)?;
    let Ok(sector) = form.sector.parse::<Sector>() else {
        let mut errors = Errors::default();
        errors.add("sector", "Select the kind of organisation");
        return provider_page(&person, form, errors);
    };
    let phone = form.contact_phone.trim();
    let new = NewProvider {
        name: form.name.clone(),
        sector,
        registration_number: form.registration_number.trim().to_owned(),
        contact: Contact {
            name: form.contact_name.clone(),
            email: form.contact_email.clone(),
            phone: (!phone.is_empty()).then(|| phone.to_owned()),
        },
    };
    let (actor, now) = (person.actor(), state.now());
    let result = state
        .db(move |conn| Ok(providers::register(conn, &actor, new, now)))
        .await?;
    match result {
        Ok(p) => {
            session::flash(
                &session,
                format!(
                    "{} registered as an applicant: the quality team accredits it next",
                    p.name
                ),
            );
            Ok(see_other("/admin/providers"))
        }
        Err(e) => {
            let errors = refusal(e, provider_field, PROVIDER_LABELS, "registration_number")?;
            provider_page(&person, form, errors)
        }
    }
}
