//! The provider's webhook: register a URL (its signing secret shown once), rotate the
//! secret, delete it, and the log of deliveries to it.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_market::webhooks::{self, WebhookRegistered, WebhookRequest, WebhookView};
use provider_hub_market::Error as MarketError;
use provider_hub_store::webhooks::DeliveryFilter;
use serde::Deserialize;

use super::{instant, provider_of, refusal, PageQuery};
use crate::form::{CsrfForm, Errors};
use crate::page::{render, render_status, see_other, Layout, Tag, WebError};
use crate::session::{self, Person};
use crate::WebState;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct WebhookForm {
    pub url: String,
    /// `rotate`: register the same URL again, for a new secret.
    pub rotate: String,
}

struct Registered {
    url: String,
    created: String,
    updated: String,
    pending: i64,
    dead: i64,
}

#[derive(Template)]
#[template(path = "provider/webhook.html")]
struct WebhookPage {
    layout: Layout,
    webhook: Option<Registered>,
    /// The secret just made: shown on this page only, never again.
    secret: Option<String>,
    form: WebhookForm,
    errors: Errors,
}

async fn current(state: &WebState, person: &Person) -> Result<Option<WebhookView>, WebError> {
    let provider_id = provider_of(person)?;
    let caller = person.caller(state.now());
    state
        .db(
            move |conn| match webhooks::get(conn, &caller, &provider_id) {
                Ok(w) => Ok(Some(w)),
                Err(MarketError::NotFound(_)) => Ok(None),
                Err(e) => Err(e),
            },
        )
        .await
}

async fn webhook_page(
    state: &WebState,
    person: &Person,
    secret: Option<String>,
    form: Option<WebhookForm>,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let webhook = current(state, person).await?;
    let form = form.unwrap_or_else(|| WebhookForm {
        url: webhook.as_ref().map(|w| w.url.clone()).unwrap_or_default(),
        rotate: String::new(),
    });
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let has_errors = !errors.is_empty();
    let title = if secret.is_some() {
        "Webhook registered"
    } else {
        "Webhook"
    };
    render_status(
        &WebhookPage {
            layout: Layout::new(person, title, "/provider/webhook").with_errors(has_errors),
            webhook: webhook.map(|w| Registered {
                url: w.url,
                created: instant(w.created_at),
                updated: instant(w.updated_at),
                pending: w.pending,
                dead: w.dead,
            }),
            secret,
            form,
            errors,
        },
        status,
    )
}

/// `/provider/webhook`.
pub async fn settings(
    state: web::Data<WebState>,
    person: Person,
) -> Result<HttpResponse, WebError> {
    webhook_page(&state, &person, None, None, Errors::default()).await
}

/// Registers the URL (or the same one again, rotating the secret); the answer shows the
/// new secret once and is not kept anywhere the browser could show it again.
pub async fn register(
    state: web::Data<WebState>,
    person: Person,
    CsrfForm(form): CsrfForm<WebhookForm>,
) -> Result<HttpResponse, WebError> {
    let provider_id = provider_of(&person)?;
    let url = if form.rotate == "rotate" {
        match current(&state, &person).await? {
            Some(w) => w.url,
            None => return Err(WebError::NotFound),
        }
    } else {
        form.url.trim().to_owned()
    };
    let caller = person.caller(state.now());
    let settings = state.settings.webhooks;
    let key = state.secret_key.clone();
    let result = state
        .db(move |conn| {
            Ok(webhooks::put(
                conn,
                &caller,
                &provider_id,
                WebhookRequest { url },
                settings,
                &key,
            ))
        })
        .await?;
    match result {
        Ok(WebhookRegistered { secret, .. }) => {
            webhook_page(&state, &person, Some(secret), None, Errors::default()).await
        }
        Err(e) => {
            let errors = refusal(e, |_| "url".into(), &[("url", "The URL")], "url")?;
            webhook_page(&state, &person, None, Some(form), errors).await
        }
    }
}

#[derive(Template)]
#[template(path = "provider/webhook_delete.html")]
struct DeletePage {
    layout: Layout,
    url: String,
}

pub async fn confirm_delete(
    state: web::Data<WebState>,
    person: Person,
) -> Result<HttpResponse, WebError> {
    let webhook = current(&state, &person).await?.ok_or(WebError::NotFound)?;
    render(&DeletePage {
        layout: Layout::new(&person, "Delete the webhook", "/provider/webhook"),
        url: webhook.url,
    })
}

pub async fn delete(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    CsrfForm(_): CsrfForm<super::offers::NoFields>,
) -> Result<HttpResponse, WebError> {
    let provider_id = provider_of(&person)?;
    let caller = person.caller(state.now());
    state
        .db(move |conn| webhooks::remove(conn, &caller, &provider_id))
        .await?;
    session::flash(
        &session,
        "Webhook deleted: events wait in the hub's event feed",
    );
    Ok(see_other("/provider/webhook"))
}

struct DeliveryRow {
    kind: String,
    order_id: String,
    tag: Tag,
    attempts: i32,
    last: String,
    created: String,
    delivered: String,
}

#[derive(Template)]
#[template(path = "provider/deliveries.html")]
struct DeliveriesPage {
    layout: Layout,
    rows: Vec<DeliveryRow>,
    next: Option<String>,
}

/// `/provider/webhook/deliveries`: each event's delivery to the provider's webhook.
pub async fn deliveries(
    state: web::Data<WebState>,
    person: Person,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    let provider_id = provider_of(&person)?;
    let after = query.cursor()?;
    let caller = person.caller(state.now());
    let page = state
        .db(move |conn| {
            let filter = DeliveryFilter {
                provider_id: Some(provider_id),
                status: None,
                order_id: None,
            };
            webhooks::deliveries(conn, &caller, filter, after, 50)
        })
        .await?;
    let status_tag = |s: &str| match s {
        "delivered" => Tag {
            text: "Delivered".into(),
            class: "govuk-tag--green",
        },
        "dead" => Tag {
            text: "Dead".into(),
            class: "govuk-tag--red",
        },
        other => Tag::of(other),
    };
    render(&DeliveriesPage {
        layout: Layout::new(&person, "Webhook deliveries", "/provider/webhook"),
        rows: page
            .items
            .iter()
            .map(|d| DeliveryRow {
                kind: d.kind.clone(),
                order_id: d.order_id.clone(),
                tag: status_tag(&d.status),
                attempts: d.attempts,
                last: match (&d.last_status, &d.last_error) {
                    (Some(code), _) => format!("HTTP {code}"),
                    (None, Some(e)) => e.clone(),
                    (None, None) => "Not tried yet".into(),
                },
                created: instant(d.created_at),
                delivered: d.delivered_at.map(instant).unwrap_or_else(|| {
                    if d.status == "pending" {
                        format!("Next try {}", instant(d.next_attempt_at))
                    } else {
                        "Not delivered".into()
                    }
                }),
            })
            .collect(),
        next: page.next,
    })
}
