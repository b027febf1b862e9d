//! The provider's listings: the list, a listing with its price history and capacity, and
//! publishing, pausing and withdrawing it. The form (create, edit, price) is in
//! `listing_form`.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::listing::{EligibilityNarrowing, IllegalListingTransition, ListingStatus};
use provider_hub_market::listings::{self, ListingDetail, ListingView};
use provider_hub_store::listings::ListingFilter;

use super::{instant, provider_of, refusal, PageQuery};
use crate::form::{CsrfForm, Errors};
use crate::page::{self, render, render_status, see_other, Layout, Tag, WebError};
use crate::session::{self, Person};
use crate::WebState;

pub(super) struct ListingRow {
    pub id: String,
    pub title: String,
    pub specification: String,
    pub category: String,
    pub areas: String,
    pub price: String,
    pub tag: Tag,
}

pub(super) fn listing_row(l: &ListingView) -> ListingRow {
    ListingRow {
        id: l.id.clone(),
        title: l.title.clone(),
        specification: format!(
            "{} version {}",
            l.specification_code, l.specification_version
        ),
        category: page::words(l.category.as_str()),
        areas: l.areas.join(", "),
        price: page::pounds(l.price_pence),
        tag: Tag::of(l.status.as_str()),
    }
}

#[derive(Template)]
#[template(path = "provider/listings.html")]
struct ListingsPage {
    layout: Layout,
    rows: Vec<ListingRow>,
    next: Option<String>,
}

/// The provider's own listings, every status, through the API's listing search.
pub(super) async fn own_listings(
    state: &WebState,
    person: &Person,
    provider_id: String,
    after: Option<String>,
    limit: usize,
) -> Result<provider_hub_store::cursor::Page<ListingView>, WebError> {
    let caller = person.caller(state.now());
    state
        .db(move |conn| {
            let filter = ListingFilter {
                provider_id: Some(provider_id),
                ..ListingFilter::default()
            };
            listings::search(conn, &caller, &filter, None, after, limit)
        })
        .await
}

/// `/provider/listings`.
pub async fn list(
    state: web::Data<WebState>,
    person: Person,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    let provider_id = provider_of(&person)?;
    let page = own_listings(&state, &person, provider_id, query.cursor()?, 50).await?;
    render(&ListingsPage {
        layout: Layout::new(&person, "Listings", "/provider/listings"),
        rows: page.items.iter().map(listing_row).collect(),
        next: page.next,
    })
}

/// One of the provider's own listings; another provider's is not found here.
pub(super) async fn own_listing(
    state: &WebState,
    person: &Person,
    id: String,
) -> Result<ListingDetail, WebError> {
    let provider_id = provider_of(person)?;
    let caller = person.caller(state.now());
    let detail = state
        .db(move |conn| listings::get(conn, &caller, &id))
        .await?;
    if detail.listing.provider_id != provider_id {
        return Err(WebError::NotFound);
    }
    Ok(detail)
}

pub(super) struct PriceRow {
    pub price: String,
    pub from: String,
}

pub(super) struct SlotRow {
    pub starts_on: String,
    pub places: u32,
    pub taken: u32,
    pub free: u32,
}

#[derive(Template)]
#[template(path = "provider/listing.html")]
struct ListingPage {
    layout: Layout,
    listing: ListingRow,
    description: String,
    format: String,
    mode: String,
    /// Who the listing admits, where narrower than its specification.
    eligibility: String,
    status: String,
    published: Option<String>,
    actions: Vec<(&'static str, &'static str, bool)>,
    prices: Vec<PriceRow>,
    slots: Vec<SlotRow>,
    errors: Errors,
}

/// `Women only, aged 21 to 65`; `As the specification` when nothing is narrowed.
fn eligibility_words(e: &EligibilityNarrowing) -> String {
    let mut parts = Vec::new();
    match e.sexes.as_deref() {
        Some([only]) if only.as_str() == "female" => parts.push("Women only".to_owned()),
        Some([only]) if only.as_str() == "male" => parts.push("Men only".to_owned()),
        _ => {}
    }
    match (e.min_age, e.max_age) {
        (Some(min), Some(max)) => parts.push(format!("aged {min} to {max}")),
        (Some(min), None) => parts.push(format!("aged {min} or over")),
        (None, Some(max)) => parts.push(format!("aged up to {max}")),
        (None, None) => {}
    }
    if let Some(risk) = e.max_risk_of_harm {
        parts.push(format!(
            "risk of serious harm up to {}",
            page::words(risk.as_str()).to_lowercase()
        ));
    }
    if let Some(tiers) = &e.tiers {
        let tiers: Vec<String> = tiers.iter().map(u8::to_string).collect();
        parts.push(format!("tiers {}", tiers.join(", ")));
    }
    if parts.is_empty() {
        return "As the specification".into();
    }
    page::capitalise(&parts.join(", "))
}

/// The status changes the domain allows from `status`: (action, button, warning).
fn actions(status: ListingStatus) -> Vec<(&'static str, &'static str, bool)> {
    let mut out = Vec::new();
    if status.publish().is_ok() {
        out.push(("publish", "Publish the listing", false));
    }
    if status.pause().is_ok() {
        out.push(("pause", "Pause the listing", false));
    }
    if status.withdraw().is_ok() {
        out.push(("withdraw", "Withdraw the listing", true));
    }
    out
}

fn listing_page(
    person: &Person,
    d: &ListingDetail,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let l = &d.listing;
    let mut prices: Vec<PriceRow> = d
        .price_history
        .iter()
        .map(|p| PriceRow {
            price: page::pounds(p.price_pence),
            from: instant(p.effective_from),
        })
        .collect();
    prices.reverse();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::CONFLICT
    };
    let has_errors = !errors.is_empty();
    render_status(
        &ListingPage {
            layout: Layout::new(person, l.title.clone(), "/provider/listings")
                .with_errors(has_errors),
            listing: listing_row(l),
            description: l.description.clone(),
            format: page::words(l.delivery_format.as_str()),
            mode: page::words(l.delivery_mode.as_str()),
            eligibility: eligibility_words(&l.eligibility),
            status: l.status.as_str().to_owned(),
            published: l.published_at.map(instant),
            actions: actions(l.status),
            prices,
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
            errors,
        },
        status,
    )
}

/// A listing: its terms, status and the changes it allows, its prices over time and its
/// capacity.
pub async fn listing(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let detail = own_listing(&state, &person, id.into_inner()).await?;
    listing_page(&person, &detail, Errors::default())
}

#[derive(Template)]
#[template(path = "provider/listing_withdraw.html")]
struct WithdrawPage {
    layout: Layout,
    listing: ListingRow,
}

/// Withdrawing cannot be undone: the provider confirms it first.
pub async fn confirm_withdraw(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let detail = own_listing(&state, &person, id.into_inner()).await?;
    render(&WithdrawPage {
        layout: Layout::new(&person, "Withdraw the listing", "/provider/listings"),
        listing: listing_row(&detail.listing),
    })
}

type Rule = fn(ListingStatus) -> Result<ListingStatus, IllegalListingTransition>;

/// Publishes, pauses or withdraws; a refusal shows the use case's reason on the button.
pub async fn transition(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    path: web::Path<(String, String)>,
    CsrfForm(_): CsrfForm<super::offers::NoFields>,
) -> Result<HttpResponse, WebError> {
    let provider_id = provider_of(&person)?;
    let (id, action) = path.into_inner();
    let (rule, event, done): (Rule, &'static str, &str) = match action.as_str() {
        "publish" => (
            ListingStatus::publish,
            "listing.published",
            "Listing published",
        ),
        "pause" => (ListingStatus::pause, "listing.paused", "Listing paused"),
        "withdraw" => (
            ListingStatus::withdraw,
            "listing.withdrawn",
            "Listing withdrawn",
        ),
        _ => return Err(WebError::NotFound),
    };
    let (actor, now, listing_id) = (person.actor(), state.now(), id.clone());
    let result = state
        .db(move |conn| {
            Ok(listings::transition(
                conn,
                &actor,
                &provider_id,
                &listing_id,
                rule,
                event,
                now,
            ))
        })
        .await?;
    match result {
        Ok(_) => {
            session::flash(&session, done);
            Ok(see_other(&format!("/provider/listings/{id}")))
        }
        Err(e) => {
            let button: &'static str = match action.as_str() {
                "publish" => "publish",
                "pause" => "pause",
                _ => "withdraw",
            };
            let errors = refusal(e, |_| button.into(), &[], button)?;
            let detail = own_listing(&state, &person, id).await?;
            listing_page(&person, &detail, errors)
        }
    }
}
