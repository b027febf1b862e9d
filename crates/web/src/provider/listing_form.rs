//! The listing form: creating a draft, editing a draft, and changing a published or
//! paused listing's price.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::listing::{
    DeliveryMode, EligibilityNarrowing, ListingFormat, ListingPatch, ListingStatus, NewListing,
};
use provider_hub_domain::need::Sex;
use provider_hub_domain::specification::SpecificationStatus;
use provider_hub_domain::AreaCode;
use provider_hub_market::listings::{self, ListingView};
use provider_hub_market::{areas, specifications, MAX_PAGE};
use provider_hub_store::specifications::SpecificationFilter;
use serde::Deserialize;

use super::listings::own_listing;
use super::{pounds_field, provider_of, refusal, typed_pence};
use crate::form::{Choice, CsrfForm, Errors};
use crate::page::{self, render_status, see_other, Layout, WebError};
use crate::session::{self, Person};
use crate::WebState;

/// The listing form, as typed. Areas are checkboxes named `area-<code>`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ListingForm {
    pub specification: String,
    pub title: String,
    pub description: String,
    pub price: String,
    pub delivery_format: String,
    pub delivery_mode: String,
    /// `any`, `female` or `male`: narrower than the specification, e.g. women only.
    pub sexes: String,
    pub min_age: String,
    pub max_age: String,
    #[serde(flatten)]
    pub rest: HashMap<String, String>,
}

impl ListingForm {
    fn areas(&self) -> Vec<String> {
        let mut areas: Vec<String> = self
            .rest
            .keys()
            .filter_map(|k| k.strip_prefix("area-").map(str::to_owned))
            .collect();
        areas.sort();
        areas
    }

    fn of(l: &ListingView) -> Self {
        ListingForm {
            specification: format!("{}:{}", l.specification_code, l.specification_version),
            title: l.title.clone(),
            description: l.description.clone(),
            price: pounds_field(l.price_pence),
            delivery_format: l.delivery_format.as_str().to_owned(),
            delivery_mode: l.delivery_mode.as_str().to_owned(),
            sexes: match l.eligibility.sexes.as_deref() {
                Some([only]) => only.as_str().to_owned(),
                _ => "any".to_owned(),
            },
            min_age: l
                .eligibility
                .min_age
                .map(|a| a.to_string())
                .unwrap_or_default(),
            max_age: l
                .eligibility
                .max_age
                .map(|a| a.to_string())
                .unwrap_or_default(),
            rest: l
                .areas
                .iter()
                .map(|a| (format!("area-{a}"), "yes".to_owned()))
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "provider/listing_form.html")]
struct ListingFormPage {
    layout: Layout,
    /// `None`: a new listing; otherwise the listing edited.
    editing: Option<String>,
    /// A published or paused listing: only its price changes here.
    price_only: bool,
    form: ListingForm,
    specifications: Vec<Choice>,
    areas: Vec<Choice>,
    formats: Vec<Choice>,
    modes: Vec<Choice>,
    errors: Errors,
}

fn choices(options: &[(&str, &str)], chosen: &str) -> Vec<Choice> {
    options
        .iter()
        .map(|(v, l)| Choice {
            value: (*v).to_owned(),
            label: (*l).to_owned(),
            checked: *v == chosen,
        })
        .collect()
}

/// The form, with what it offers to choose from: published specifications and areas.
async fn form_page(
    state: &WebState,
    person: &Person,
    editing: Option<(String, bool)>,
    form: ListingForm,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let (specs, all_areas) = state
        .db(|conn| {
            let filter = SpecificationFilter {
                status: Some(SpecificationStatus::Published),
                exclude_drafts: true,
                ..SpecificationFilter::default()
            };
            let specs = specifications::list(conn, &filter, None, MAX_PAGE)?.items;
            Ok((specs, areas::list(conn, None, MAX_PAGE)?.items))
        })
        .await?;
    let chosen = form.areas();
    let specifications = specs
        .iter()
        .map(|s| {
            let value = format!("{}:{}", s.code, s.version);
            Choice {
                checked: value == form.specification,
                label: format!(
                    "{} ({} version {}, {}, price cap {})",
                    s.content.title,
                    s.code,
                    s.version,
                    page::words(s.content.category.as_str()),
                    page::pounds(s.content.price_cap_pence)
                ),
                value,
            }
        })
        .collect();
    let areas = all_areas
        .iter()
        .map(|a| Choice {
            value: a.code.clone(),
            label: format!("{} ({})", a.name, a.code),
            checked: chosen.contains(&a.code),
        })
        .collect();
    let formats = choices(
        &[("group", "Group"), ("one_to_one", "One to one")],
        &form.delivery_format,
    );
    let modes = choices(
        &[
            ("in_person", "In person"),
            ("remote", "Remote"),
            ("blended", "Blended"),
        ],
        &form.delivery_mode,
    );
    let title = match &editing {
        None => "Create a listing".to_owned(),
        Some((_, true)) => "Change the price".to_owned(),
        Some((_, false)) => "Edit the draft listing".to_owned(),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let has_errors = !errors.is_empty();
    render_status(
        &ListingFormPage {
            layout: Layout::new(person, title, "/provider/listings").with_errors(has_errors),
            price_only: editing.as_ref().is_some_and(|(_, p)| *p),
            editing: editing.map(|(id, _)| id),
            form,
            specifications,
            areas,
            formats,
            modes,
            errors,
        },
        status,
    )
}

pub async fn new_listing(
    state: web::Data<WebState>,
    person: Person,
) -> Result<HttpResponse, WebError> {
    provider_of(&person)?;
    form_page(
        &state,
        &person,
        None,
        ListingForm::default(),
        Errors::default(),
    )
    .await
}

/// The form's fields the use case names.
fn field_id(field: &str) -> &'static str {
    match field {
        "eligibility.min_age" => return "min_age",
        "eligibility.max_age" => return "max_age",
        f if f.starts_with("eligibility") => return "sexes",
        _ => {}
    }
    match field.split(['[', '.']).next().unwrap_or_default() {
        "title" => "title",
        "description" => "description",
        "areas" => "areas",
        "price_pence" => "price",
        "delivery_format" => "delivery_format",
        "delivery_mode" => "delivery_mode",
        _ => "specification",
    }
}

const LABELS: &[(&str, &str)] = &[
    ("title", "Title"),
    ("description", "Description"),
    ("areas", "Areas served"),
    ("price", "Price"),
    ("min_age", "Youngest age"),
    ("max_age", "Oldest age"),
];

/// What the form says, as the use case's types; the errors of what does not parse.
struct Typed {
    specification: Option<(String, i32)>,
    areas: Vec<AreaCode>,
    price_pence: Option<i64>,
    delivery_format: Option<ListingFormat>,
    delivery_mode: Option<DeliveryMode>,
    sexes: Option<Vec<Sex>>,
    min_age: Option<u8>,
    max_age: Option<u8>,
}

/// An age as typed: empty is none (the specification's own limit).
fn typed_age(text: &str, id: &str, which: &str, errors: &mut Errors) -> Option<u8> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let age = text.parse().ok();
    if age.is_none() {
        errors.add(
            id,
            format!("Enter the {which} age as a whole number, like 18"),
        );
    }
    age
}

/// The listing's eligibility narrowing from the form, keeping the parts it does not show
/// (risk of harm, tiers) as they were.
fn narrowing(t: &Typed, kept: EligibilityNarrowing) -> EligibilityNarrowing {
    EligibilityNarrowing {
        sexes: t.sexes.clone(),
        min_age: t.min_age,
        max_age: t.max_age,
        ..kept
    }
}

fn typed(form: &ListingForm, price_only: bool, errors: &mut Errors) -> Typed {
    let specification = form
        .specification
        .rsplit_once(':')
        .and_then(|(code, v)| Some((code.to_owned(), v.parse().ok()?)));
    let price_pence = typed_pence(&form.price);
    if price_pence.is_none() {
        errors.add("price", "Enter the price in pounds, like 520 or 520.50");
    }
    let mut out = Typed {
        specification,
        areas: Vec::new(),
        price_pence,
        delivery_format: form.delivery_format.parse().ok(),
        delivery_mode: form.delivery_mode.parse().ok(),
        sexes: form.sexes.parse::<Sex>().ok().map(|s| vec![s]),
        min_age: None,
        max_age: None,
    };
    if price_only {
        return out;
    }
    if out.specification.is_none() {
        errors.add(
            "specification",
            "Select the specification the listing delivers",
        );
    }
    if form.title.trim().is_empty() {
        errors.add("title", "Enter a title");
    }
    let areas = form.areas();
    if areas.is_empty() {
        errors.add("areas", "Select at least one area served");
    }
    out.areas = areas
        .iter()
        .filter_map(|a| AreaCode::parse(a).ok())
        .collect();
    if out.delivery_format.is_none() {
        errors.add("delivery_format", "Select group or one to one");
    }
    if out.delivery_mode.is_none() {
        errors.add("delivery_mode", "Select how the intervention is delivered");
    }
    out.min_age = typed_age(&form.min_age, "min_age", "youngest", errors);
    out.max_age = typed_age(&form.max_age, "max_age", "oldest", errors);
    // In the order of the form's fields.
    let order = [
        "specification",
        "title",
        "areas",
        "price",
        "delivery_format",
        "delivery_mode",
        "sexes",
        "min_age",
        "max_age",
    ];
    errors
        .0
        .sort_by_key(|e| order.iter().position(|o| *o == e.id).unwrap_or(order.len()));
    out
}

/// Creates a draft listing.
pub async fn create(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    CsrfForm(form): CsrfForm<ListingForm>,
) -> Result<HttpResponse, WebError> {
    let provider_id = provider_of(&person)?;
    let mut errors = Errors::default();
    let t = typed(&form, false, &mut errors);
    let eligibility = narrowing(&t, EligibilityNarrowing::default());
    let new = match (
        t.specification,
        t.price_pence,
        t.delivery_format,
        t.delivery_mode,
    ) {
        (Some((code, version)), Some(price_pence), Some(delivery_format), Some(delivery_mode))
            if errors.is_empty() =>
        {
            NewListing {
                specification_code: code,
                specification_version: version,
                title: form.title.trim().to_owned(),
                description: form.description.trim().to_owned(),
                areas: t.areas,
                price_pence,
                delivery_format,
                delivery_mode,
                eligibility,
            }
        }
        _ => return form_page(&state, &person, None, form, errors).await,
    };
    let (actor, now) = (person.actor(), state.now());
    let result = state
        .db(move |conn| Ok(listings::create(conn, &actor, &provider_id, new, now)))
        .await?;
    match result {
        Ok(detail) => {
            session::flash(
                &session,
                format!("Draft listing {} created", detail.listing.title),
            );
            Ok(see_other(&format!(
                "/provider/listings/{}",
                detail.listing.id
            )))
        }
        Err(e) => {
            let errors = refusal(e, |f| field_id(f).into(), LABELS, "specification")?;
            form_page(&state, &person, None, form, errors).await
        }
    }
}

pub async fn edit(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    let detail = own_listing(&state, &person, id.into_inner()).await?;
    let l = &detail.listing;
    let price_only = l.status != ListingStatus::Draft;
    let editing = Some((l.id.clone(), price_only));
    form_page(
        &state,
        &person,
        editing,
        ListingForm::of(l),
        Errors::default(),
    )
    .await
}

/// Edits a draft, or changes a published or paused listing's price (from now on: orders
/// already placed keep theirs).
pub async fn update(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    id: web::Path<String>,
    CsrfForm(form): CsrfForm<ListingForm>,
) -> Result<HttpResponse, WebError> {
    let provider_id = provider_of(&person)?;
    let detail = own_listing(&state, &person, id.into_inner()).await?;
    let id = detail.listing.id.clone();
    let price_only = detail.listing.status != ListingStatus::Draft;
    let editing = Some((id.clone(), price_only));
    let mut errors = Errors::default();
    let t = typed(&form, price_only, &mut errors);
    if !errors.is_empty() {
        return form_page(&state, &person, editing, form, errors).await;
    }
    let eligibility = narrowing(&t, detail.listing.eligibility.clone());
    let patch = if price_only {
        ListingPatch {
            price_pence: t.price_pence,
            ..ListingPatch::default()
        }
    } else {
        ListingPatch {
            title: Some(form.title.trim().to_owned()),
            description: Some(form.description.trim().to_owned()),
            areas: Some(t.areas),
            price_pence: t.price_pence,
            delivery_format: t.delivery_format,
            delivery_mode: t.delivery_mode,
            eligibility: Some(eligibility),
        }
    };
    let (actor, now, listing_id) = (person.actor(), state.now(), id.clone());
    let result = state
        .db(move |conn| {
            Ok(listings::update(
                conn,
                &actor,
                &provider_id,
                &listing_id,
                patch,
                now,
            ))
        })
        .await?;
    match result {
        Ok(_) => {
            let message = if price_only {
                "Price changed"
            } else {
                "Draft listing saved"
            };
            session::flash(&session, message);
            Ok(see_other(&format!("/provider/listings/{id}")))
        }
        Err(e) => {
            let errors = refusal(e, |f| field_id(f).into(), LABELS, "price")?;
            form_page(&state, &person, editing, form, errors).await
        }
    }
}
