//! What every page shares: the layout (header with the person signed in, service
//! navigation, phase banner), rendering, error pages, and words and numbers as people
//! read them.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use askama::Template;
use chrono::NaiveDate;
use provider_hub_domain::Role;

use crate::session::Person;

/// One link of the service navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
}

/// The frame of every page.
#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub title: String,
    /// The name of the person signed in, for the header.
    pub person: Option<String>,
    pub role: String,
    pub nav: Vec<NavItem>,
    pub csrf: String,
    /// A success message from the previous action.
    pub flash: Option<String>,
    /// True when the error summary shows: the title starts "Error: ".
    pub has_errors: bool,
}

impl Layout {
    pub fn new(person: &Person, title: impl Into<String>, active: &str) -> Self {
        let nav = nav_for(person.role)
            .iter()
            .map(|(href, label)| NavItem {
                href,
                label,
                active: *href == active,
            })
            .collect();
        Layout {
            title: title.into(),
            person: Some(person.name.clone()),
            role: role_label(person.role).to_owned(),
            nav,
            csrf: person.csrf.clone(),
            flash: person.flash.clone(),
            has_errors: false,
        }
    }

    /// The layout of a page for someone not signed in.
    pub fn public(title: impl Into<String>, csrf: String) -> Self {
        Layout {
            title: title.into(),
            csrf,
            ..Layout::default()
        }
    }

    pub fn with_errors(mut self, has_errors: bool) -> Self {
        self.has_errors = has_errors;
        self
    }
}

/// Each role's links in the service navigation; each journey module adds its own.
fn nav_for(role: Role) -> &'static [(&'static str, &'static str)] {
    match role {
        Role::OffenderManager => crate::om::NAV,
        Role::Provider => crate::provider::NAV,
        Role::Quality => crate::quality::NAV,
        Role::Admin => crate::admin::NAV,
        Role::Commissioner => crate::commissioner::NAV,
        Role::Court => crate::court::NAV,
        Role::Analyst => crate::analyst::NAV,
    }
}

pub fn role_label(role: Role) -> &'static str {
    match role {
        Role::OffenderManager => "Offender manager",
        Role::Provider => "Provider",
        Role::Quality => "Quality team",
        Role::Commissioner => "Commissioner",
        Role::Admin => "Administrator",
        Role::Court => "Court",
        Role::Analyst => "Analyst",
    }
}

/// Renders a page as HTML (200).
pub fn render<T: Template>(page: &T) -> Result<HttpResponse, WebError> {
    render_status(page, StatusCode::OK)
}

pub fn render_status<T: Template>(page: &T, status: StatusCode) -> Result<HttpResponse, WebError> {
    let body = page.render().map_err(|e| {
        tracing::error!(error = %e, "a page could not be rendered");
        WebError::Internal
    })?;
    Ok(HttpResponse::build(status)
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ))
        .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .body(body))
}

/// After a change: see the result on another page (POST, redirect, GET).
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .finish()
}

/// Why a page cannot be shown.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("page not found")]
    NotFound,
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("the form was not sent by this service")]
    Csrf,
    #[error("the form could not be read")]
    BadForm,
    #[error("sign in first")]
    SignInRequired,
    #[error("the session has expired")]
    SessionExpired,
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("the database is busy")]
    Unavailable,
    #[error("sign-in is unavailable: {0}")]
    IdentityProvider(String),
    #[error("internal error")]
    Internal,
}

impl From<provider_hub_market::Error> for WebError {
    fn from(e: provider_hub_market::Error) -> Self {
        use provider_hub_market::Error as E;
        match e {
            E::NotFound(_) => WebError::NotFound,
            E::Forbidden(detail) => WebError::Forbidden(detail),
            E::Conflict { detail, .. } => WebError::Conflict(detail),
            E::Validation(errors) => WebError::Conflict(
                errors
                    .0
                    .iter()
                    .map(|e| format!("{}: {}", e.field, e.message))
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
            E::IdempotencyKeyReused => WebError::Conflict("this was already done".into()),
            E::Unavailable => WebError::Unavailable,
            E::Store(e) => {
                tracing::error!(error = %e, "storage error");
                WebError::Internal
            }
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: String,
    message: String,
}

impl ResponseError for WebError {
    fn status_code(&self) -> StatusCode {
        match self {
            WebError::NotFound => StatusCode::NOT_FOUND,
            WebError::Forbidden(_) | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::BadForm => StatusCode::BAD_REQUEST,
            WebError::SignInRequired | WebError::SessionExpired => StatusCode::SEE_OTHER,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            WebError::IdentityProvider(_) => StatusCode::BAD_GATEWAY,
            WebError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        let (heading, message) = match self {
            WebError::SignInRequired => return see_other("/"),
            WebError::SessionExpired => return see_other("/?signed-out=idle"),
            WebError::NotFound => (
                "Page not found",
                "If you typed the web address, check it is correct. The page may belong to another area or provider.".to_owned(),
            ),
            WebError::Forbidden(detail) => ("You cannot do this", capitalise(detail)),
            WebError::Csrf => (
                "This form has expired",
                "The form was not sent from this service's page, or your session changed. Go back, reload the page and try again.".to_owned(),
            ),
            WebError::BadForm => ("The form could not be read", "Go back and try again.".to_owned()),
            WebError::Conflict(detail) => ("This cannot be done now", capitalise(detail)),
            WebError::Unavailable => (
                "Sorry, the service is busy",
                "Try again in a few moments.".to_owned(),
            ),
            WebError::IdentityProvider(detail) => {
                ("Sign-in is not available", capitalise(detail))
            }
            WebError::Internal => (
                "Sorry, there is a problem with the service",
                "Try again later. The problem has been logged.".to_owned(),
            ),
        };
        let page = ErrorPage {
            layout: Layout::public(heading, String::new()),
            heading: heading.to_owned(),
            message,
        };
        render_status(&page, self.status_code()).unwrap_or_else(|_| {
            HttpResponse::build(self.status_code())
                .content_type("text/plain; charset=utf-8")
                .body(heading.to_owned())
        })
    }
}

/// The 404 page of every path under the web's scopes that is not a page.
pub async fn not_found(_req: HttpRequest) -> Result<HttpResponse, WebError> {
    Err(WebError::NotFound)
}

/// `£520`, `£1,234.50`.
pub fn pounds(pence: i64) -> String {
    let text = provider_hub_domain::money::pounds(pence);
    match text.strip_suffix(".00") {
        Some(whole) => whole.to_owned(),
        None => text,
    }
}

/// A person's price with how it was reached, where a multiplier changed it:
/// `£937.50 (£500 list price × 1.875)`; the price alone otherwise.
pub fn priced(
    price_pence: i64,
    list_price_pence: Option<i64>,
    multiplier_bps: Option<u32>,
) -> String {
    match (list_price_pence, multiplier_bps) {
        (Some(list), Some(bps)) if bps != provider_hub_domain::price::UNIT_BPS => format!(
            "{} ({} list price {})",
            pounds(price_pence),
            pounds(list),
            provider_hub_domain::price::format_bps(bps).replace('×', "× ")
        ),
        _ => pounds(price_pence),
    }
}

/// What a delivery event's timeline row says beside its kind: an attended session's
/// contact time (`1 hour 30 minutes of contact time`) and the provider's details.
pub fn delivery_details(e: &provider_hub_market::delivery::DeliveryEventView) -> Option<String> {
    let time = e.minutes.map(|m| {
        format!(
            "{} of contact time",
            provider_hub_domain::delivery::hours_in_words(u64::from(m))
        )
    });
    match (time, e.details.as_deref().filter(|d| !d.trim().is_empty())) {
        (Some(t), Some(d)) => Some(format!("{t}; {d}")),
        (Some(t), None) => Some(t),
        (None, Some(d)) => Some(d.to_owned()),
        (None, None) => None,
    }
}

/// `7 December 2026 at 14:05`.
pub fn instant(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%-d %B %Y at %H:%M").to_string()
}

/// `7 December 2026`.
pub fn date(d: NaiveDate) -> String {
    d.format("%-d %B %Y").to_string()
}

/// `7 December`, for dates in sentences.
pub fn short_date(d: NaiveDate) -> String {
    d.format("%-d %B").to_string()
}

/// `education_training_employment` → `Education, training and employment`, and other
/// codes of SPEC.md as words.
pub fn words(code: &str) -> String {
    match code {
        "education_training_employment" => "Education, training and employment".into(),
        "finance_benefit_debt" => "Finance, benefit and debt".into(),
        "womens_services" => "Women's services".into(),
        "thinking_behaviour" => "Thinking and behaviour".into(),
        "emotional_wellbeing" => "Emotional wellbeing".into(),
        "in_delivery" => "In delivery".into(),
        "awaiting_approval" => "Awaiting budget approval".into(),
        "non_compliance" => "Non-compliance".into(),
        "very_high" => "Very high".into(),
        other => capitalise(&other.replace('_', " ")),
    }
}

pub fn capitalise(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The colour of a status tag (the Design System's tag modifiers).
pub fn tag_class(status: &str) -> &'static str {
    match status {
        "draft" | "open" => "govuk-tag--grey",
        "submitted" | "offered" | "pending" | "applicant" => "govuk-tag--blue",
        "approved" | "accepted" | "completed" | "published" | "member" => "govuk-tag--green",
        "in_delivery" => "govuk-tag--turquoise",
        "rejected" | "failed" | "unmatched" | "declined" | "expired" | "revoked" => {
            "govuk-tag--red"
        }
        "awaiting_approval" | "paused" | "suspended" => "govuk-tag--yellow",
        "cancelled" | "withdrawn" | "retired" => "govuk-tag--grey",
        _ => "govuk-tag--grey",
    }
}

/// A status as a tag: its words and colour.
#[derive(Debug, Clone)]
pub struct Tag {
    pub text: String,
    pub class: &'static str,
}

impl Tag {
    pub fn of(status: &str) -> Self {
        Tag {
            text: words(status),
            class: tag_class(status),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_as_words() {
        assert_eq!(
            words("education_training_employment"),
            "Education, training and employment"
        );
        assert_eq!(words("unpaid_work"), "Unpaid work");
        assert_eq!(pounds(52_000), "£520");
        assert_eq!(
            date(NaiveDate::from_ymd_opt(2026, 12, 7).expect("date")),
            "7 December 2026"
        );
    }

    #[test]
    fn a_delivery_event_says_its_contact_time_and_details() {
        let event = |minutes: Option<u32>, details: Option<&str>| {
            provider_hub_market::delivery::DeliveryEventView {
                id: "dev_1".into(),
                order_id: "ord_1".into(),
                kind: provider_hub_domain::order::DeliveryEventKind::Attended,
                on: NaiveDate::from_ymd_opt(2026, 12, 7).expect("date"),
                details: details.map(str::to_owned),
                minutes,
                recorded_by: "prv_1".into(),
                recorded_at: chrono::DateTime::UNIX_EPOCH,
            }
        };
        assert_eq!(
            delivery_details(&event(Some(90), None)).as_deref(),
            Some("1 hour 30 minutes of contact time")
        );
        assert_eq!(
            delivery_details(&event(Some(45), Some("Group session"))).as_deref(),
            Some("45 minutes of contact time; Group session")
        );
        assert_eq!(
            delivery_details(&event(None, Some("Arrived late"))).as_deref(),
            Some("Arrived late")
        );
        assert_eq!(delivery_details(&event(None, Some("  "))), None);
    }
}
