//! Enforcement and ending an order, for the offender manager: a decision on a missed
//! session or non-compliance, breach proceedings and their outcome, and ending an order
//! in delivery with a reason. Each form is a choice (GOV.UK radios) and a text; each calls
//! the same use case as the API.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::enforcement::{BreachOutcome, FailureDecision};
use provider_hub_domain::order::EndReason;
use provider_hub_market::ending::{self, Ending};
use provider_hub_market::enforcement::{self, BreachDecision, Decision};
use provider_hub_market::orders::{self, OrderView};
use serde::Deserialize;

use super::cases::area_of;
use crate::form::{refusal, CsrfForm, Errors};
use crate::page::{self, render, render_status, see_other, Layout, WebError};
use crate::session::{self, Person};
use crate::WebState;

/// One radio of a choice.
pub(super) struct Choice {
    /// The first radio's id is the field's, so the error summary links to it.
    pub id: String,
    pub value: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub checked: bool,
}

/// A form of one choice and one text, about an order.
#[derive(Template)]
#[template(path = "om/enforce.html")]
struct ChoicePage {
    layout: Layout,
    o: OrderView,
    category: String,
    heading: String,
    /// What the form is about (the failure reported), if anything.
    about: Option<String>,
    warning: Option<&'static str>,
    action: String,
    legend: &'static str,
    choice_name: &'static str,
    choices: Vec<Choice>,
    text_name: &'static str,
    text_label: &'static str,
    text_hint: &'static str,
    text: String,
    button: &'static str,
    errors: Errors,
}

/// What each form asks.
struct Form {
    heading: &'static str,
    warning: Option<&'static str>,
    legend: &'static str,
    choice_name: &'static str,
    choices: &'static [(&'static str, &'static str, &'static str)],
    text_name: &'static str,
    text_label: &'static str,
    text_hint: &'static str,
    button: &'static str,
    flash: &'static str,
    /// The error when no choice is made.
    missing: &'static str,
}

const DECISION: Form = Form {
    heading: "Record a decision",
    warning: None,
    legend: "Was it acceptable?",
    choice_name: "decision",
    choices: &[
        (
            "acceptable",
            "Acceptable absence",
            "For example illness with evidence, or a court date: it counts for nothing",
        ),
        (
            "warning",
            "Warning",
            "An unacceptable failure: the person is warned and it counts toward breach",
        ),
    ],
    text_name: "note",
    text_label: "Why (optional)",
    text_hint: "Kept with the decision in the audit log; the provider does not see it",
    button: "Record the decision",
    flash: "Decision recorded",
    missing: "Select acceptable absence or warning",
};

const OUTCOME: Form = Form {
    heading: "Record the outcome of breach proceedings",
    warning: None,
    legend: "What did the proceedings decide?",
    choice_name: "outcome",
    choices: &[
        ("continue", "Continue", "The order goes on as it was"),
        (
            "varied",
            "Varied",
            "The requirement was varied: say what was varied below",
        ),
        (
            "revoked",
            "Revoked",
            "The order ends for breach: nothing further is paid",
        ),
    ],
    text_name: "variation",
    text_label: "What was varied (only for a varied requirement)",
    text_hint: "For example, 20 more hours of unpaid work",
    button: "Record the outcome",
    flash: "Outcome recorded",
    missing: "Select what the proceedings decided",
};

const END: Form = Form {
    heading: "End the order",
    warning: Some("The place is freed and the provider told. Milestones already paid stay paid; nothing further is paid. This cannot be undone."),
    legend: "Why does it end?",
    choice_name: "reason",
    choices: &[
        ("custody", "Custody", "The person was sent to custody"),
        ("breach", "Breach", "The order was revoked for breach"),
        ("transfer", "Transfer", "The case moved to an area the order cannot continue in"),
        ("death", "Death", "The person died"),
        ("moved_away", "Moved away", "The person moved away"),
        ("revised", "Revised", "A plan revision no longer needs it"),
    ],
    text_name: "detail",
    text_label: "Details (optional)",
    text_hint: "The provider sees these with the reason",
    button: "End the order",
    flash: "Order ended",
    missing: "Select why the order ends",
};

/// The posted form: the choice and the text, under whichever names the form uses.
#[derive(Deserialize)]
pub struct Posted {
    #[serde(default)]
    decision: Option<String>,
    #[serde(default)]
    outcome: Option<String>,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    note: String,
    #[serde(default)]
    variation: String,
    #[serde(default)]
    detail: String,
}

impl Posted {
    fn choice(&self, form: &Form) -> Option<&str> {
        match form.choice_name {
            "decision" => self.decision.as_deref(),
            "outcome" => self.outcome.as_deref(),
            _ => self.reason.as_deref(),
        }
    }

    fn text(&self, form: &Form) -> &str {
        match form.text_name {
            "note" => &self.note,
            "variation" => &self.variation,
            _ => &self.detail,
        }
    }
}

async fn load(state: &WebState, person: &Person, id: String) -> Result<OrderView, WebError> {
    let caller = person.caller(state.now());
    state.db(move |conn| orders::get(conn, &caller, &id)).await
}

fn page_of(
    person: &Person,
    form: &Form,
    o: OrderView,
    action: String,
    about: Option<String>,
    (chosen, text): (Option<&str>, String),
    errors: Errors,
) -> ChoicePage {
    ChoicePage {
        layout: Layout::new(person, form.heading, "/om").with_errors(!errors.is_empty()),
        category: page::words(o.category.as_str()),
        o,
        heading: form.heading.into(),
        about,
        warning: form.warning,
        action,
        legend: form.legend,
        choice_name: form.choice_name,
        choices: form
            .choices
            .iter()
            .enumerate()
            .map(|(i, (value, label, hint))| Choice {
                id: match i {
                    0 => form.choice_name.to_owned(),
                    n => format!("{}-{}", form.choice_name, n + 1),
                },
                value,
                label,
                hint,
                checked: chosen == Some(*value),
            })
            .collect(),
        text_name: form.text_name,
        text_label: form.text_label,
        text_hint: form.text_hint,
        text,
        button: form.button,
        errors,
    }
}

/// The failure a decision is about, in words.
fn failure_words(o: &OrderView, failure_id: &str) -> Result<String, WebError> {
    let f = o
        .failures
        .iter()
        .find(|f| f.id == failure_id)
        .ok_or_else(|| {
            WebError::from(provider_hub_market::Error::NotFound(format!(
                "failure {failure_id}"
            )))
        })?;
    let mut words = format!(
        "{} on {}",
        page::words(f.kind.as_str()),
        page::date(f.occurred_on)
    );
    if let Some(d) = &f.details {
        words.push_str(&format!(": {d}"));
    }
    Ok(words)
}

pub async fn decision_form(
    state: web::Data<WebState>,
    person: Person,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let (id, failure) = path.into_inner();
    let o = load(&state, &person, id.clone()).await?;
    let about = failure_words(&o, &failure)?;
    let action = format!("/om/orders/{id}/failures/{failure}/decision");
    render(&page_of(
        &person,
        &DECISION,
        o,
        action,
        Some(about),
        (None, String::new()),
        Errors::default(),
    ))
}

pub async fn outcome_form(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let id = id.into_inner();
    let o = load(&state, &person, id.clone()).await?;
    let action = format!("/om/orders/{id}/breach/outcome");
    render(&page_of(
        &person,
        &OUTCOME,
        o,
        action,
        None,
        (None, String::new()),
        Errors::default(),
    ))
}

pub async fn end_form(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let id = id.into_inner();
    let o = load(&state, &person, id.clone()).await?;
    let action = format!("/om/orders/{id}/end");
    render(&page_of(
        &person,
        &END,
        o,
        action,
        None,
        (None, String::new()),
        Errors::default(),
    ))
}

/// Runs the form's use case on the posted choice; back to the order when done, the form
/// with its errors (422) when refused.
async fn submit(
    state: &WebState,
    person: &Person,
    session: &Session,
    form: &'static Form,
    id: String,
    failure: Option<String>,
    posted: Posted,
) -> Result<HttpResponse, WebError> {
    let chosen = posted.choice(form).map(str::to_owned);
    let text = posted.text(form).to_owned();
    let action = match &failure {
        Some(f) => format!("/om/orders/{id}/failures/{f}/decision"),
        None if form.choice_name == "outcome" => format!("/om/orders/{id}/breach/outcome"),
        None => format!("/om/orders/{id}/end"),
    };
    let mut errors = Errors::default();
    let valid = chosen
        .as_deref()
        .filter(|c| form.choices.iter().any(|(v, _, _)| v == c));
    if valid.is_none() {
        errors.add(form.choice_name, form.missing);
    } else {
        let caller = person.caller(state.now());
        let (oid, rule) = (id.clone(), state.matching.breach_rule);
        let (choice, note) = (valid.unwrap_or_default().to_owned(), Some(text.clone()));
        let failure_id = failure.clone();
        let result = state
            .db(move |conn| {
                let done = match (form.choice_name, failure_id) {
                    ("decision", Some(f)) => choice
                        .parse::<FailureDecision>()
                        .map_err(|e| provider_hub_market::Error::invalid("decision", e))
                        .and_then(|decision| {
                            enforcement::decide(
                                conn,
                                &caller,
                                rule,
                                &oid,
                                &f,
                                Decision { decision, note },
                            )
                        }),
                    ("outcome", _) => choice
                        .parse::<BreachOutcome>()
                        .map_err(|e| provider_hub_market::Error::invalid("outcome", e))
                        .and_then(|outcome| {
                            let variation = note.filter(|v| !v.trim().is_empty());
                            enforcement::record_breach_outcome(
                                conn,
                                &caller,
                                &oid,
                                BreachDecision { outcome, variation },
                            )
                        }),
                    _ => choice
                        .parse::<EndReason>()
                        .map_err(|e| provider_hub_market::Error::invalid("reason", e))
                        .and_then(|reason| {
                            ending::end(
                                conn,
                                &caller,
                                &oid,
                                Ending {
                                    reason,
                                    detail: note,
                                },
                            )
                        }),
                };
                Ok(done)
            })
            .await?;
        match result {
            Ok(_) => {
                session::flash(session, form.flash);
                return Ok(see_other(&format!("/om/orders/{id}")));
            }
            Err(e) => {
                let labels = [(form.text_name, form.text_label)];
                let name = form.text_name;
                let choice_name = form.choice_name;
                errors = refusal(
                    e,
                    |field| {
                        if field == name {
                            name.to_owned()
                        } else {
                            choice_name.to_owned()
                        }
                    },
                    &labels,
                    choice_name,
                )?;
            }
        }
    }
    let o = load(state, person, id).await?;
    let about = match &failure {
        Some(f) => Some(failure_words(&o, f)?),
        None => None,
    };
    render_status(
        &page_of(
            person,
            form,
            o,
            action,
            about,
            (chosen.as_deref(), text),
            errors,
        ),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
}

pub async fn decide(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    path: web::Path<(String, String)>,
    CsrfForm(posted): CsrfForm<Posted>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let (id, failure) = path.into_inner();
    submit(
        &state,
        &person,
        &session,
        &DECISION,
        id,
        Some(failure),
        posted,
    )
    .await
}

pub async fn record_outcome(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    id: web::Path<String>,
    CsrfForm(posted): CsrfForm<Posted>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    submit(
        &state,
        &person,
        &session,
        &OUTCOME,
        id.into_inner(),
        None,
        posted,
    )
    .await
}

pub async fn end(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    id: web::Path<String>,
    CsrfForm(posted): CsrfForm<Posted>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    submit(
        &state,
        &person,
        &session,
        &END,
        id.into_inner(),
        None,
        posted,
    )
    .await
}

/// The form of a button alone (starting proceedings): only its CSRF token.
#[derive(Deserialize)]
pub struct Empty {}

/// Starts breach proceedings from the order page; a refusal is flashed on the order.
pub async fn start_proceedings(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    id: web::Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let id = id.into_inner();
    let (oid, caller) = (id.clone(), person.caller(state.now()));
    let result = state
        .db(move |conn| Ok(enforcement::start_proceedings(conn, &caller, &oid)))
        .await?;
    match result {
        Ok(_) => session::flash(&session, "Breach proceedings started: the order is paused"),
        Err(provider_hub_market::Error::Conflict { detail, .. }) => {
            session::flash(&session, page::capitalise(&detail))
        }
        Err(e) => return Err(e.into()),
    }
    Ok(see_other(&format!("/om/orders/{id}")))
}
