//! The provider's journey: offers, listings, capacity, delivery, webhooks, payments.
//! Routes under `/provider`, templates under `templates/provider/`.

use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::Role;

use crate::page::{render, Layout, WebError};
use crate::session::Person;

/// The provider's service navigation.
pub const NAV: &[(&str, &str)] = &[("/provider", "Home")];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(home));
}

#[derive(Template)]
#[template(path = "provider/home.html")]
struct HomePage {
    layout: Layout,
}

async fn home(person: Person) -> Result<HttpResponse, WebError> {
    person.require(Role::Provider)?;
    render(&HomePage {
        layout: Layout::new(&person, "Home", "/provider"),
    })
}
