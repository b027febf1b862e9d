//! The analyst's journey (the commissioners' data team): a home page linking to the
//! reports they read — the commissioner's report pages, which admit analysts too. Routes
//! under `/analyst`, templates under `templates/analyst/`.

use actix_web::HttpResponse;
use askama::Template;
use provider_hub_domain::Role;

use crate::commissioner::report_pages::REPORTS;
use crate::page::{render, Layout, WebError};
use crate::session::Person;

/// The analyst's service navigation.
pub const NAV: &[(&str, &str)] = &[("/analyst", "Home"), ("/commissioner/reports", "Reports")];

pub fn configure(cfg: &mut actix_web::web::ServiceConfig) {
    cfg.route("", actix_web::web::get().to(home));
}

#[derive(Template)]
#[template(path = "analyst/home.html")]
struct HomePage {
    layout: Layout,
    reports: Vec<(&'static str, &'static str, &'static str)>,
}

/// `/analyst`: the reports an analyst reads.
pub async fn home(person: Person) -> Result<HttpResponse, WebError> {
    person.require(Role::Analyst)?;
    render(&HomePage {
        layout: Layout::new(&person, "Analyst", "/analyst"),
        reports: REPORTS.to_vec(),
    })
}
