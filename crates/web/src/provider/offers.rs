//! The offers inbox, an offer with what the provider needs to decide, accepting or
//! declining it with a reason, and the confirmation.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_market::offers::{self, OfferView, Refusal};
use provider_hub_market::MAX_PAGE;
use serde::Deserialize;

use super::{instant, provider_of, refusal, time_left, PageQuery};
use crate::form::{CsrfForm, Errors};
use crate::page::{self, render, render_status, see_other, Layout, Tag, WebError};
use crate::session::Person;
use crate::WebState;

/// The statuses the inbox may be narrowed to (the use case refuses any other).
const FILTERS: &[(&str, &str)] = &[
    ("pending", "Waiting for an answer"),
    ("accepted", "Accepted"),
    ("declined", "Declined"),
    ("expired", "Expired"),
    ("cancelled", "Cancelled"),
];

/// An offer as the inbox and the offer page show it.
pub(super) struct OfferRow {
    pub id: String,
    pub order_id: String,
    pub crn: String,
    pub category: String,
    pub specification: String,
    pub area: String,
    pub required_by: String,
    pub starts_on: String,
    pub price: String,
    pub tag: Tag,
    /// `None` once the offer can no longer be answered in time.
    pub time_left: Option<String>,
    pub expires: String,
    pub reason: Option<String>,
    pub pending: bool,
    /// Only an accepted offer's order stays the provider's to read.
    pub accepted: bool,
}

fn row(o: &OfferView, now: chrono::DateTime<chrono::Utc>) -> OfferRow {
    OfferRow {
        id: o.id.clone(),
        order_id: o.order_id.clone(),
        crn: o.crn.clone(),
        category: page::words(o.category.as_str()),
        specification: o.specification_code.clone().unwrap_or_else(|| "Any".into()),
        area: o.area.clone(),
        required_by: page::date(o.required_by),
        starts_on: page::date(o.starts_on),
        price: page::priced(o.price_pence, o.list_price_pence, o.multiplier_bps),
        tag: Tag::of(&o.status),
        time_left: time_left(o.expires_at, now),
        expires: instant(o.expires_at),
        reason: o.reason.clone(),
        pending: o.status == "pending",
        accepted: o.status == "accepted",
    }
}

struct Filter {
    value: &'static str,
    label: &'static str,
    active: bool,
}

#[derive(Template)]
#[template(path = "provider/inbox.html")]
struct InboxPage {
    layout: Layout,
    heading: String,
    filters: Vec<Filter>,
    status: String,
    rows: Vec<OfferRow>,
    next: Option<String>,
}

/// `/provider`: the provider's offers, pending ones first (the inbox), each with the time
/// left to answer.
pub async fn inbox(
    state: web::Data<WebState>,
    person: Person,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    provider_of(&person)?;
    let status = query.status.clone().unwrap_or_else(|| "pending".into());
    let Some(&(status, label)) = FILTERS.iter().find(|(s, _)| *s == status) else {
        return Err(WebError::NotFound);
    };
    let after = query.cursor()?;
    let caller = person.caller(state.now());
    let now = caller.now;
    let page = state
        .db(move |conn| offers::list(conn, &caller, Some(status.to_owned()), after, 50))
        .await?;
    render(&InboxPage {
        layout: Layout::new(&person, "Offers", "/provider"),
        heading: label.to_owned(),
        filters: FILTERS
            .iter()
            .map(|&(value, label)| Filter {
                value,
                label,
                active: value == status,
            })
            .collect(),
        status: status.to_owned(),
        rows: page.items.iter().map(|o| row(o, now)).collect(),
        next: page
            .next
            .map(|n| format!("/provider?status={status}&after={n}")),
    })
}

/// One of the provider's offers, found through the same list the inbox reads.
async fn find(state: &WebState, person: &Person, id: String) -> Result<OfferView, WebError> {
    let caller = person.caller(state.now());
    state
        .db(move |conn| {
            let mut after = None;
            loop {
                let page = offers::list(conn, &caller, None, after, MAX_PAGE)?;
                if let Some(o) = page.items.into_iter().find(|o| o.id == id) {
                    return Ok(Some(o));
                }
                match page.next {
                    Some(next) => {
                        after = provider_hub_store::cursor::decode::<String>(&next);
                        if after.is_none() {
                            return Ok(None);
                        }
                    }
                    None => return Ok(None),
                }
            }
        })
        .await?
        .ok_or(WebError::NotFound)
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DeclineForm {
    pub reason: String,
}

#[derive(Template)]
#[template(path = "provider/offer.html")]
struct OfferPage {
    layout: Layout,
    offer: OfferRow,
    form: DeclineForm,
    errors: Errors,
}

fn offer_page(
    person: &Person,
    offer: &OfferView,
    now: chrono::DateTime<chrono::Utc>,
    form: DeclineForm,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let has_errors = !errors.is_empty();
    render_status(
        &OfferPage {
            layout: Layout::new(
                person,
                format!("Offer for order {}", offer.order_id),
                "/provider",
            )
            .with_errors(has_errors),
            offer: row(offer, now),
            form,
            errors,
        },
        status,
    )
}

/// An offer: what the provider needs to decide, and the two answers.
pub async fn offer(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    provider_of(&person)?;
    let offer = find(&state, &person, id.into_inner()).await?;
    offer_page(
        &person,
        &offer,
        state.now(),
        DeclineForm::default(),
        Errors::default(),
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct NoFields {}

/// Accepts: the order is accepted and its start date committed.
pub async fn accept(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, WebError> {
    let provider_id = provider_of(&person)?;
    let id = id.into_inner();
    let (actor, now, offer_id) = (person.actor(), state.now(), id.clone());
    let result = state
        .db(move |conn| Ok(offers::accept(conn, &actor, &provider_id, &offer_id, now)))
        .await?;
    match result {
        Ok(_) => Ok(see_other(&format!("/provider/offers/{id}/answered"))),
        Err(e) => {
            let errors = refusal(e, |_| "accept".into(), &[], "accept")?;
            let offer = find(&state, &person, id).await?;
            offer_page(&person, &offer, state.now(), DeclineForm::default(), errors)
        }
    }
}

/// Declines with a reason; the order is offered to the next best listing.
pub async fn decline(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
    CsrfForm(form): CsrfForm<DeclineForm>,
) -> Result<HttpResponse, WebError> {
    let provider_id = provider_of(&person)?;
    let id = id.into_inner();
    let (actor, now, settings) = (person.actor(), state.now(), state.matching);
    let (offer_id, reason) = (id.clone(), form.reason.clone());
    let result = state
        .db(move |conn| {
            Ok(offers::decline(
                conn,
                &actor,
                &provider_id,
                &offer_id,
                Refusal { reason },
                settings,
                now,
            ))
        })
        .await?;
    match result {
        Ok(_) => Ok(see_other(&format!("/provider/offers/{id}/answered"))),
        Err(e) => {
            let errors = refusal(
                e,
                |_| "reason".into(),
                &[("reason", "The reason")],
                "reason",
            )?;
            let offer = find(&state, &person, id).await?;
            offer_page(&person, &offer, state.now(), form, errors)
        }
    }
}

#[derive(Template)]
#[template(path = "provider/answered.html")]
struct AnsweredPage {
    layout: Layout,
    offer: OfferRow,
    accepted: bool,
}

/// The confirmation of an answer, read back from the offer itself.
pub async fn answered(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    provider_of(&person)?;
    let offer = find(&state, &person, id.into_inner()).await?;
    if offer.status == "pending" {
        return Ok(see_other(&format!("/provider/offers/{}", offer.id)));
    }
    let accepted = offer.status == "accepted";
    let title = if accepted {
        "Offer accepted"
    } else {
        "Offer answered"
    };
    render(&AnsweredPage {
        layout: Layout::new(&person, title, "/provider"),
        offer: row(&offer, state.now()),
        accepted,
    })
}
