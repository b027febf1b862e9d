//! An order: where it is placed and why (the explanation as sentences), its delivery
//! timeline and payments, and cancelling it with a reason.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::order::OrderStatus;
use provider_hub_market::orders::{self, Cancellation, OrderView};
use provider_hub_market::{payments, referral, Error as MarketError};
use provider_hub_matching::{Candidate, Rule};
use serde::Deserialize;

use super::assessments::requirement_words;
use super::cases::area_of;
use crate::form::{CsrfForm, Errors};
use crate::page::{self, render, render_status, see_other, Layout, Tag, WebError};
use crate::session::{self, Person};
use crate::WebState;

/// How many listings a rule excluded, in words: `3 outside the area`.
fn excluded_words(rule: Rule, n: u32) -> String {
    let what = match rule {
        Rule::Published => "not published",
        Rule::Specification => "for another specification or category",
        Rule::Membership => "from providers not accredited for it",
        Rule::Area => "outside the area",
        Rule::Eligibility => "not open to this person",
        Rule::FreePlace => "with no free place in time",
        Rule::PriceCap => "above the price cap",
        Rule::NotDeclined => "already declined or let expire",
    };
    format!("{n} {what}")
}

fn candidate_words(c: &Candidate, names: &HashMap<String, String>) -> String {
    let mut words = format!(
        "{} at {} from {}, accreditation score {}",
        names
            .get(&c.provider_id)
            .cloned()
            .unwrap_or_else(|| c.provider_id.clone()),
        page::priced(c.price_pence, c.list_price_pence, Some(c.multiplier_bps)),
        page::short_date(c.starts_on),
        c.quality_score
    );
    if let Some(adjusted) = c.adjusted_score {
        words.push_str(&format!(", adjusted score {adjusted}"));
    }
    if let Some(continuity) = &c.continuity {
        words.push_str(&format!(" ({})", continuity.describe()));
    }
    words
}

/// The placement's explanation as a sentence: `12 listings looked at; 3 outside the
/// area; chosen: … at £520 from 7 December; runner-up: …`.
pub(super) fn explain(order: &OrderView, names: &HashMap<String, String>) -> String {
    let Some(e) = &order.explanation else {
        return "Not matched yet.".into();
    };
    let mut parts = vec![format!(
        "{} listing{} looked at",
        e.considered,
        if e.considered == 1 { "" } else { "s" }
    )];
    parts.extend(
        e.excluded
            .iter()
            .filter(|x| x.excluded > 0)
            .map(|x| excluded_words(x.rule, x.excluded)),
    );
    match &e.chosen {
        Some(c) => parts.push(format!("chosen: {}", candidate_words(c, names))),
        None => parts.push(format!(
            "no provider: {}",
            e.no_candidate_reason
                .as_deref()
                .unwrap_or("no listing met every rule")
        )),
    }
    if let Some(r) = &e.runner_up {
        parts.push(format!("runner-up: {}", candidate_words(r, names)));
    }
    let policy = match e.policy.as_str() {
        "best_value" => " (best value)",
        _ => " (best price)",
    };
    format!("{}{policy}.", page::capitalise(&parts.join("; ")))
}

pub(super) struct TimelineEntry {
    pub when: String,
    pub what: String,
    pub details: Option<String>,
}

/// A missed session or non-compliance, with the decision on it (if made).
pub(super) struct FailureEntry {
    pub id: String,
    pub when: String,
    pub what: String,
    pub details: Option<String>,
    pub decision: Option<String>,
}

pub(super) struct PaymentRow {
    pub milestone: String,
    pub amount: String,
    pub paid_on: String,
}

#[derive(Template)]
#[template(path = "om/order.html")]
struct OrderPage {
    layout: Layout,
    o: OrderView,
    tag: Tag,
    category: String,
    provider: String,
    price: String,
    start: String,
    requirement: String,
    explanation: String,
    timeline: Vec<TimelineEntry>,
    payments: Vec<PaymentRow>,
    paid: String,
    cancellable: bool,
    failures: Vec<FailureEntry>,
    /// The latest breach's status (`flagged`, `in_proceedings`, `decided`) and its words.
    breach: Option<(String, String)>,
    /// In delivery or paused: the offender manager may end it.
    endable: bool,
    referral: Referral,
}

/// The referral pack's side for the offender manager: the notes for delivery, the contact
/// providers see, and who read the pack.
struct Referral {
    notes: String,
    contact_name: String,
    contact_email: String,
    contact_phone: String,
    reads: Vec<String>,
}

fn cancellable(status: OrderStatus) -> bool {
    matches!(
        status,
        OrderStatus::Open
            | OrderStatus::Offered
            | OrderStatus::Accepted
            | OrderStatus::Unmatched
            | OrderStatus::AwaitingApproval
    )
}

async fn load(
    state: &WebState,
    person: &Person,
    id: String,
) -> Result<
    (
        OrderView,
        HashMap<String, String>,
        Vec<provider_hub_market::delivery::PaymentView>,
    ),
    WebError,
> {
    let caller = person.caller(state.now());
    state
        .db(move |conn| {
            let order = orders::get(conn, &caller, &id)?;
            let paid = payments::of_order(conn, &caller, &id)?;
            let mut ids: Vec<String> = order.provider_id.iter().cloned().collect();
            if let Some(e) = &order.explanation {
                ids.extend(e.chosen.iter().map(|c| c.provider_id.clone()));
                ids.extend(e.runner_up.iter().map(|c| c.provider_id.clone()));
            }
            let names = super::provider_names(conn, &caller.scope, ids, caller.now)?;
            Ok((order, names, paid))
        })
        .await
}

pub async fn order(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let id = id.into_inner();
    let (o, names, paid) = load(&state, &person, id.clone()).await?;
    let caller = person.caller(state.now());
    let crn = o.crn.clone();
    let referral = state
        .db(move |conn| {
            let notes = referral::notes(conn, &caller, &id)?;
            let contact = referral::contact(conn, &caller, &crn)?;
            let reads = referral::reads(conn, &caller, &id)?;
            Ok(Referral {
                notes: notes.unwrap_or_default(),
                contact_name: contact.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
                contact_email: contact
                    .as_ref()
                    .and_then(|c| c.email.clone())
                    .unwrap_or_default(),
                contact_phone: contact
                    .as_ref()
                    .and_then(|c| c.phone.clone())
                    .unwrap_or_default(),
                reads: reads
                    .iter()
                    .map(|r| {
                        format!(
                            "{} ({}) on {}",
                            r.reader,
                            r.provider_id,
                            page::instant(r.read_at)
                        )
                    })
                    .collect(),
            })
        })
        .await?;
    let mut timeline = vec![TimelineEntry {
        when: page::date(o.created_at.date_naive()),
        what: "Ordered when the sentence plan was approved".into(),
        details: None,
    }];
    if let Some(offer) = &o.offer {
        timeline.push(TimelineEntry {
            when: page::date(offer.expires_at.date_naive()),
            what: match offer.status.as_str() {
                "pending" => "Offered to the provider: waiting for its answer by this date".into(),
                other => format!("Offer {}", page::words(other).to_lowercase()),
            },
            details: None,
        });
    }
    for d in &o.delivery {
        timeline.push(TimelineEntry {
            when: page::date(d.on),
            what: page::words(d.kind.as_str()),
            details: page::delivery_details(d),
        });
    }
    if let Some(b) = &o.breach {
        timeline.push(TimelineEntry {
            when: page::date(b.flagged_at.date_naive()),
            what: "Flagged for breach".into(),
            details: None,
        });
        if let Some(at) = b.proceedings_started_at {
            timeline.push(TimelineEntry {
                when: page::date(at.date_naive()),
                what: "Breach proceedings started: the order is paused".into(),
                details: None,
            });
        }
        if let (Some(at), Some(outcome)) = (b.decided_at, b.outcome) {
            timeline.push(TimelineEntry {
                when: page::date(at.date_naive()),
                what: format!(
                    "Breach proceedings decided: {}",
                    page::words(outcome.as_str()).to_lowercase()
                ),
                details: b.variation.clone(),
            });
        }
    }
    if let Some(e) = &o.ending {
        timeline.push(TimelineEntry {
            when: page::date(e.ended_at.date_naive()),
            what: format!("Ended: {}", page::words(e.reason.as_str()).to_lowercase()),
            details: e.detail.clone(),
        });
    }
    if let Some(reason) = &o.cancel_reason {
        timeline.push(TimelineEntry {
            when: page::date(o.updated_at.date_naive()),
            what: "Cancelled".into(),
            details: Some(reason.clone()),
        });
    }
    let total_paid: i64 = paid.iter().map(|p| p.amount_pence).sum();
    let placed = super::placed(&o, &names);
    render(&OrderPage {
        layout: Layout::new(&person, format!("Order for {}", o.crn), "/om"),
        tag: Tag::of(o.status.as_str()),
        category: page::words(o.category.as_str()),
        provider: placed.provider,
        price: placed.price,
        start: placed.start,
        requirement: o
            .plan_item
            .requirement
            .as_ref()
            .map(requirement_words)
            .unwrap_or_else(|| {
                o.plan_item
                    .needs
                    .iter()
                    .map(|n| page::words(n.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
        explanation: explain(&o, &names),
        timeline,
        payments: paid
            .iter()
            .map(|p| PaymentRow {
                milestone: page::words(p.milestone.as_str()),
                amount: page::pounds(p.amount_pence),
                paid_on: page::date(p.created_at.date_naive()),
            })
            .collect(),
        paid: page::pounds(total_paid),
        cancellable: cancellable(o.status),
        failures: o
            .failures
            .iter()
            .map(|f| FailureEntry {
                id: f.id.clone(),
                when: page::date(f.occurred_on),
                what: page::words(f.kind.as_str()),
                details: f.details.clone(),
                decision: f.decision.map(|d| match d {
                    provider_hub_domain::enforcement::FailureDecision::Acceptable => {
                        "Acceptable absence".to_owned()
                    }
                    provider_hub_domain::enforcement::FailureDecision::Warning => {
                        "Warning".to_owned()
                    }
                }),
            })
            .collect(),
        breach: o.breach.as_ref().map(|b| {
            let words = match (b.status.as_str(), b.outcome) {
                ("flagged", _) => {
                    "Flagged for breach: start proceedings when the case goes back to court"
                        .to_owned()
                }
                ("in_proceedings", _) => {
                    "In breach proceedings: the order is paused until the outcome is recorded"
                        .to_owned()
                }
                (_, Some(outcome)) => format!(
                    "Breach decided: {}",
                    page::words(outcome.as_str()).to_lowercase()
                ),
                ("closed", _) => "Breach closed without an outcome: the order ended".to_owned(),
                (other, None) => page::words(other),
            };
            (b.status.as_str().to_owned(), words)
        }),
        endable: matches!(o.status, OrderStatus::InDelivery | OrderStatus::Paused),
        referral,
        o,
    })
}

#[derive(Deserialize)]
pub struct NotesForm {
    #[serde(default)]
    notes: String,
}

/// Sets the notes for delivery the provider reads in the referral pack.
pub async fn set_notes(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    id: web::Path<String>,
    CsrfForm(form): CsrfForm<NotesForm>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let id = id.into_inner();
    let caller = person.caller(state.now());
    let order = id.clone();
    state
        .db(move |conn| {
            referral::set_notes(
                conn,
                &caller,
                &order,
                referral::ReferralNotes { notes: form.notes },
            )
        })
        .await?;
    session::flash(&session, "Notes for delivery saved");
    Ok(see_other(&format!("/om/orders/{id}")))
}

#[derive(Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    phone: String,
}

/// Sets the contact providers see in the referral packs of the case's orders; back to
/// the order it was set from.
pub async fn set_contact(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    id: web::Path<String>,
    CsrfForm(form): CsrfForm<ContactForm>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let id = id.into_inner();
    let (o, _, _) = load(&state, &person, id.clone()).await?;
    let caller = person.caller(state.now());
    let optional = |s: String| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
    let contact = provider_hub_domain::referral::Contact {
        name: form.name,
        email: optional(form.email),
        phone: optional(form.phone),
    };
    state
        .db(move |conn| referral::set_contact(conn, &caller, &o.crn, contact))
        .await?;
    session::flash(&session, "Your contact for providers saved");
    Ok(see_other(&format!("/om/orders/{id}")))
}

#[derive(Template)]
#[template(path = "om/cancel.html")]
struct CancelPage {
    layout: Layout,
    o: OrderView,
    category: String,
    reason: String,
    errors: Errors,
}

pub async fn cancel_form(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let (o, _, _) = load(&state, &person, id.into_inner()).await?;
    render(&CancelPage {
        layout: Layout::new(&person, "Cancel the order", "/om"),
        category: page::words(o.category.as_str()),
        o,
        reason: String::new(),
        errors: Errors::default(),
    })
}

#[derive(Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
}

pub async fn cancel(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    id: web::Path<String>,
    CsrfForm(form): CsrfForm<CancelForm>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let id = id.into_inner();
    let (oid, caller) = (id.clone(), person.caller(state.now()));
    let cancellation = Cancellation {
        reason: form.reason.clone(),
    };
    let result = state
        .db(move |conn| Ok(orders::cancel(conn, &caller, &oid, cancellation)))
        .await?;
    let message = match result {
        Ok(_) => {
            session::flash(&session, "Order cancelled");
            return Ok(see_other(&format!("/om/orders/{id}")));
        }
        Err(MarketError::Validation(v)) => {
            v.0.iter()
                .map(|f| format!("{} {}", page::capitalise(&f.field), f.message))
                .collect::<Vec<_>>()
                .join("; ")
        }
        Err(MarketError::Conflict { detail, .. }) => page::capitalise(&detail),
        Err(e) => return Err(e.into()),
    };
    let (o, _, _) = load(&state, &person, id).await?;
    let mut errors = Errors::default();
    errors.add("reason", message);
    render_status(
        &CancelPage {
            layout: Layout::new(&person, "Cancel the order", "/om").with_errors(true),
            category: page::words(o.category.as_str()),
            o,
            reason: form.reason,
            errors,
        },
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}
