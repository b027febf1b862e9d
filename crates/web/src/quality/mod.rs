//! The quality team's journey: specifications (list, create a draft, edit it, publish,
//! start a new version, retire, the versions side by side) → providers with their
//! accreditations and membership per category → record an accreditation → suspend,
//! reinstate or revoke with a reason → the quality threshold, previewed before it is
//! saved. Routes under `/quality`, templates under `templates/quality/`.

mod multiplier_fields;
mod providers;
mod specification_form;
mod specifications;
mod threshold;

use actix_web::web;
use provider_hub_domain::Role;

use crate::page::WebError;
use crate::session::Person;

/// The quality team's service navigation.
pub const NAV: &[(&str, &str)] = &[
    ("/quality", "Specifications"),
    ("/quality/providers", "Providers"),
    ("/quality/threshold", "Quality threshold"),
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(specifications::list))
        .route(
            "/specifications/new",
            web::get().to(specification_form::new_specification),
        )
        .route(
            "/specifications/new",
            web::post().to(specification_form::create),
        )
        .route(
            "/specifications/{code}",
            web::get().to(specifications::specification),
        )
        .route(
            "/specifications/{code}/versions/new",
            web::get().to(specification_form::new_version),
        )
        .route(
            "/specifications/{code}/versions/new",
            web::post().to(specification_form::create_version),
        )
        .route(
            "/specifications/{code}/versions/{version}/edit",
            web::get().to(specification_form::edit),
        )
        .route(
            "/specifications/{code}/versions/{version}/edit",
            web::post().to(specification_form::update),
        )
        .route(
            "/specifications/{code}/versions/{version}/retire",
            web::get().to(specifications::confirm_retire),
        )
        .route(
            "/specifications/{code}/versions/{version}/{action}",
            web::post().to(specifications::transition),
        )
        .route("/providers", web::get().to(providers::list))
        .route("/providers/{id}", web::get().to(providers::provider))
        .route(
            "/providers/{id}/accreditations/new",
            web::get().to(providers::new_accreditation),
        )
        .route(
            "/providers/{id}/accreditations/new",
            web::post().to(providers::accredit),
        )
        .route(
            "/providers/{id}/standing/{action}",
            web::get().to(providers::standing_form),
        )
        .route(
            "/providers/{id}/standing/{action}",
            web::post().to(providers::change_standing),
        )
        .route("/threshold", web::get().to(threshold::threshold))
        .route("/threshold/preview", web::get().to(threshold::preview))
        .route("/threshold", web::post().to(threshold::save));
}

/// 403 unless the person is the quality team.
pub(super) fn quality(person: &Person) -> Result<(), WebError> {
    person.require(Role::Quality)
}
