//! The capacity calendar: each listing's start dates with places, taken and free, and
//! setting the places of one start date.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::listing::{CapacitySlot, ListingStatus};
use provider_hub_market::listings::{self, CapacityUpdate, ListingDetail};
use provider_hub_market::MAX_PAGE;
use serde::Deserialize;

use super::listings::{own_listing, own_listings, SlotRow};
use super::{provider_of, refusal, typed_date};
use crate::form::{CsrfForm, Errors};
use crate::page::{self, render_status, see_other, Layout, Tag, WebError};
use crate::session::{self, Person};
use crate::WebState;

/// One start date's places, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PlacesForm {
    #[serde(rename = "starts_on-day")]
    pub day: String,
    #[serde(rename = "starts_on-month")]
    pub month: String,
    #[serde(rename = "starts_on-year")]
    pub year: String,
    pub places: String,
}

struct ListingCalendar {
    id: String,
    title: String,
    tag: Tag,
    slots: Vec<SlotRow>,
    places: u32,
    taken: u32,
    form: PlacesForm,
    errors: Errors,
}

#[derive(Template)]
#[template(path = "provider/capacity.html")]
struct CalendarPage {
    layout: Layout,
    listings: Vec<ListingCalendar>,
    /// Every form's errors, for the summary at the top.
    errors: Errors,
}

fn calendar_of(d: &ListingDetail) -> ListingCalendar {
    ListingCalendar {
        id: d.listing.id.clone(),
        title: d.listing.title.clone(),
        tag: Tag::of(d.listing.status.as_str()),
        slots: d
            .capacity
            .iter()
            .map(|s| SlotRow {
                starts_on: page::date(s.starts_on),
                places: s.places,
                taken: s.taken,
                free: s.free,
            })
            .collect(),
        places: d.capacity.iter().map(|s| s.places).sum(),
        taken: d.capacity.iter().map(|s| s.taken).sum(),
        form: PlacesForm::default(),
        errors: Errors::default(),
    }
}

/// The calendar of every listing not withdrawn; `failed` is a form sent back with its
/// errors.
async fn calendar_page(
    state: &WebState,
    person: &Person,
    failed: Option<(String, PlacesForm, Errors)>,
) -> Result<HttpResponse, WebError> {
    let provider_id = provider_of(person)?;
    let mine = own_listings(state, person, provider_id, None, MAX_PAGE).await?;
    let mut calendars = Vec::new();
    for l in mine
        .items
        .iter()
        .filter(|l| l.status != ListingStatus::Withdrawn)
    {
        calendars.push(calendar_of(
            &own_listing(state, person, l.id.clone()).await?,
        ));
    }
    let mut summary = Errors::default();
    if let Some((id, form, errors)) = failed {
        // Also when the listing is not on the calendar (withdrawn meanwhile): the refusal
        // is said, not lost.
        summary.0.extend(errors.0.iter().cloned());
        if let Some(c) = calendars.iter_mut().find(|c| c.id == id) {
            c.form = form;
            c.errors = errors;
        }
    }
    let status = if summary.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let has_errors = !summary.is_empty();
    render_status(
        &CalendarPage {
            layout: Layout::new(person, "Capacity calendar", "/provider/capacity")
                .with_errors(has_errors),
            listings: calendars,
            errors: summary,
        },
        status,
    )
}

/// `/provider/capacity`.
pub async fn calendar(
    state: web::Data<WebState>,
    person: Person,
) -> Result<HttpResponse, WebError> {
    calendar_page(&state, &person, None).await
}

/// Sets the places of one start date of a listing (adding the date when it is new); the
/// other dates keep theirs. Places already sold are never lost: the use case refuses.
pub async fn set_places(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    listing: web::Path<String>,
    CsrfForm(form): CsrfForm<PlacesForm>,
) -> Result<HttpResponse, WebError> {
    let provider_id = provider_of(&person)?;
    let detail = own_listing(&state, &person, listing.into_inner()).await?;
    let id = detail.listing.id.clone();
    let (date_id, places_id) = (format!("starts_on-{id}-day"), format!("places-{id}"));
    let mut errors = Errors::default();
    let starts_on = typed_date(&form.day, &form.month, &form.year);
    if starts_on.is_none() {
        errors.add(&date_id, "Start date must be a real date, like 7 12 2026");
    }
    let places = form.places.trim().parse::<u32>().ok();
    if places.is_none() {
        errors.add(&places_id, "Places must be a whole number, like 8");
    }
    let (Some(starts_on), Some(places)) = (starts_on, places) else {
        return calendar_page(&state, &person, Some((id, form, errors))).await;
    };
    let mut slots: Vec<CapacitySlot> = detail
        .capacity
        .iter()
        .filter(|s| s.starts_on != starts_on)
        .map(|s| CapacitySlot {
            starts_on: s.starts_on,
            places: s.places,
        })
        .collect();
    slots.push(CapacitySlot { starts_on, places });
    slots.sort_by_key(|s| s.starts_on);
    let (actor, now, listing_id) = (person.actor(), state.now(), id.clone());
    let result = state
        .db(move |conn| {
            Ok(listings::set_capacity(
                conn,
                &actor,
                &provider_id,
                &listing_id,
                CapacityUpdate { slots },
                now,
            ))
        })
        .await?;
    match result {
        Ok(_) => {
            session::flash(
                &session,
                format!(
                    "{} now has {places} places starting on {}",
                    detail.listing.title,
                    page::date(starts_on)
                ),
            );
            Ok(see_other(&format!("/provider/capacity#listing-{id}")))
        }
        Err(e) => {
            let (d, p) = (date_id.clone(), places_id.clone());
            let errors = refusal(
                e,
                move |f| {
                    if f.ends_with("places") {
                        p.clone()
                    } else {
                        d.clone()
                    }
                },
                &[],
                &date_id,
            )?;
            calendar_page(&state, &person, Some((id, form, errors))).await
        }
    }
}
