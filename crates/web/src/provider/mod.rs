//! The provider's journey: the offers inbox → accept or decline → its listings (create,
//! edit a draft, publish, pause, withdraw, price changes) → the capacity calendar →
//! delivery on its orders → its webhook and delivery log → its payments.
//! Routes under `/provider`, templates under `templates/provider/`. Every page acts for
//! the provider of the session's scope, never one named in the URL or the form.

mod capacity;
mod listing_form;
mod listings;
mod offers;
mod orders;
mod payments;
mod referral;
mod webhooks;

use actix_web::web;
use chrono::{DateTime, Utc};
use provider_hub_domain::{Role, Scope};
use serde::Deserialize;

pub(super) use crate::form::{pounds_field, refusal, typed_date, typed_pence};
pub(super) use crate::page::instant;
use crate::page::WebError;
use crate::session::Person;

/// The provider's service navigation.
pub const NAV: &[(&str, &str)] = &[
    ("/provider", "Offers"),
    ("/provider/listings", "Listings"),
    ("/provider/capacity", "Capacity"),
    ("/provider/orders", "Orders"),
    ("/provider/webhook", "Webhook"),
    ("/provider/payments", "Payments"),
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(offers::inbox))
        .route("/offers/{id}", web::get().to(offers::offer))
        .route("/offers/{id}/accept", web::post().to(offers::accept))
        .route("/offers/{id}/decline", web::post().to(offers::decline))
        .route("/offers/{id}/answered", web::get().to(offers::answered))
        .route("/listings", web::get().to(listings::list))
        .route("/listings/new", web::get().to(listing_form::new_listing))
        .route("/listings/new", web::post().to(listing_form::create))
        .route("/listings/{id}", web::get().to(listings::listing))
        .route("/listings/{id}/edit", web::get().to(listing_form::edit))
        .route("/listings/{id}/edit", web::post().to(listing_form::update))
        .route(
            "/listings/{id}/withdraw",
            web::get().to(listings::confirm_withdraw),
        )
        .route(
            "/listings/{id}/{action}",
            web::post().to(listings::transition),
        )
        .route("/capacity", web::get().to(capacity::calendar))
        .route("/capacity/{listing}", web::post().to(capacity::set_places))
        .route("/orders", web::get().to(orders::list))
        .route("/orders/{id}", web::get().to(orders::order))
        .route("/orders/{id}/delivery", web::post().to(orders::report))
        .route("/orders/{id}/referral-pack", web::get().to(referral::pack))
        .route("/webhook", web::get().to(webhooks::settings))
        .route("/webhook", web::post().to(webhooks::register))
        .route("/webhook/delete", web::get().to(webhooks::confirm_delete))
        .route("/webhook/delete", web::post().to(webhooks::delete))
        .route("/webhook/deliveries", web::get().to(webhooks::deliveries))
        .route("/payments", web::get().to(payments::list));
}

/// The provider the person acts for, from the session's scope; 403 for other roles.
pub(super) fn provider_of(person: &Person) -> Result<String, WebError> {
    person.require(Role::Provider)?;
    match &person.scope {
        Scope::Provider(id) => Ok(id.clone()),
        _ => Err(WebError::Forbidden(
            "a provider acts for its organisation".into(),
        )),
    }
}

/// `?after=` of a list page.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub after: Option<String>,
    pub status: Option<String>,
}

impl PageQuery {
    /// The decoded cursor; a cursor that does not decode is a page that does not exist.
    pub fn cursor(&self) -> Result<Option<String>, WebError> {
        self.after
            .as_deref()
            .filter(|a| !a.is_empty())
            .map(|a| provider_hub_store::cursor::decode::<String>(a).ok_or(WebError::NotFound))
            .transpose()
    }
}

/// How long is left to answer an offer: `1 day and 4 hours`, `35 minutes`, or `None`
/// once it has expired.
pub(super) fn time_left(expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Option<String> {
    let left = expires_at - now;
    if left <= chrono::Duration::zero() {
        return None;
    }
    let plural = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    let (days, hours, minutes) = (
        left.num_days(),
        left.num_hours() % 24,
        left.num_minutes() % 60,
    );
    Some(match (days, hours) {
        (0, 0) => plural(minutes.max(1), "minute"),
        (0, h) => format!("{} and {}", plural(h, "hour"), plural(minutes, "minute")),
        (d, 0) => plural(d, "day"),
        (d, h) => format!("{} and {}", plural(d, "day"), plural(h, "hour")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_left_reads_as_words() {
        let now = DateTime::parse_from_rfc3339("2026-12-02T10:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let h = chrono::Duration::hours;
        assert_eq!(
            time_left(now + h(28), now).as_deref(),
            Some("1 day and 4 hours")
        );
        assert_eq!(time_left(now + h(48), now).as_deref(), Some("2 days"));
        assert_eq!(
            time_left(now + chrono::Duration::minutes(35), now).as_deref(),
            Some("35 minutes")
        );
        assert_eq!(time_left(now - h(1), now), None);
    }
}
