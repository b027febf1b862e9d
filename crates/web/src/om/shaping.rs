//! Shaping a plan before approving it — removing or deferring an item with a reason,
//! putting it back, saying which item starts after which — and the plans due for review.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Days, NaiveDate};
use provider_hub_domain::revision::SetAside;
use provider_hub_market::plans::PlanView;
use provider_hub_market::revisions::{self, SequenceStep};
use provider_hub_market::shaping::{self, Sequence, SetAsideReason};
use provider_hub_market::Error as MarketError;
use serde::Deserialize;

use super::cases::area_of;
use super::plans::{load, plan_page};
use crate::form::{refusal, Choice, CsrfForm, Errors};
use crate::page::{self, render, render_status, see_other, Layout, WebError};
use crate::session::{self, Person};
use crate::WebState;

#[derive(Template)]
#[template(path = "om/plan_item.html")]
struct ItemPage {
    layout: Layout,
    assessment_id: String,
    crn: String,
    item_id: String,
    what: String,
    choices: Vec<Choice>,
    reason: String,
    errors: Errors,
}

fn item_page(
    person: &Person,
    assessment_id: String,
    plan: &PlanView,
    item_id: &str,
    chosen: Option<SetAside>,
    reason: String,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let item = plan
        .items
        .iter()
        .find(|i| i.item.id == item_id)
        .ok_or(WebError::NotFound)?;
    let chosen = chosen.or(item.item.set_aside);
    let choices = [
        (SetAside::Removed, "Remove it: it is not needed"),
        (
            SetAside::Deferred,
            "Defer it: it is needed, but not bought now",
        ),
    ]
    .into_iter()
    .map(|(value, label)| Choice {
        value: value.as_str().to_owned(),
        label: label.to_owned(),
        checked: chosen == Some(value),
    })
    .collect();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        &ItemPage {
            layout: Layout::new(person, "Remove or defer an item", "/om")
                .with_errors(!errors.is_empty()),
            assessment_id,
            crn: plan.crn.clone(),
            item_id: item_id.to_owned(),
            what: page::words(item.item.category.as_str()),
            choices,
            reason: if reason.is_empty() {
                item.item.set_aside_reason.clone().unwrap_or_default()
            } else {
                reason
            },
            errors,
        },
        status,
    )
}

/// The form to remove or defer one item.
pub async fn item(
    state: web::Data<WebState>,
    person: Person,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let (assessment_id, item_id) = path.into_inner();
    let (plan, _) = load(&state, &person, assessment_id.clone()).await?;
    item_page(
        &person,
        assessment_id,
        &plan,
        &item_id,
        None,
        String::new(),
        Errors::default(),
    )
}

#[derive(Deserialize)]
pub struct SetAsideForm {
    #[serde(default)]
    action: String,
    #[serde(default)]
    reason: String,
}

/// Removes or defers the item, with the reason.
pub async fn set_aside(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    path: web::Path<(String, String)>,
    CsrfForm(form): CsrfForm<SetAsideForm>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let (assessment_id, item_id) = path.into_inner();
    let (plan, _) = load(&state, &person, assessment_id.clone()).await?;
    let kind = form.action.parse::<SetAside>().ok();
    let Some(kind) = kind else {
        let mut errors = Errors::default();
        errors.add("action", "Select whether to remove or defer the item");
        return item_page(
            &person,
            assessment_id,
            &plan,
            &item_id,
            None,
            form.reason,
            errors,
        );
    };
    let (caller, plan_id, item) = (person.caller(state.now()), plan.id.clone(), item_id.clone());
    let reason = SetAsideReason {
        reason: form.reason.clone(),
    };
    let result = state
        .db(move |conn| {
            Ok(shaping::set_aside(
                conn,
                &caller,
                &plan_id,
                &item,
                Some(kind),
                Some(reason),
            ))
        })
        .await?;
    match result {
        Ok(_) => {
            session::flash(
                &session,
                match kind {
                    SetAside::Removed => "Item removed from the plan",
                    SetAside::Deferred => "Item deferred",
                },
            );
            Ok(see_other(&format!("/om/assessments/{assessment_id}/plan")))
        }
        Err(MarketError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => {
            let errors = refusal(e, |f| f.to_owned(), &[("reason", "The reason")], "action")?;
            item_page(
                &person,
                assessment_id,
                &plan,
                &item_id,
                Some(kind),
                form.reason,
                errors,
            )
        }
    }
}

#[derive(Deserialize)]
pub struct EmptyForm {}

/// Puts a removed or deferred item back.
pub async fn restore(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    path: web::Path<(String, String)>,
    CsrfForm(_): CsrfForm<EmptyForm>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let (assessment_id, item_id) = path.into_inner();
    let (plan, _) = load(&state, &person, assessment_id.clone()).await?;
    let caller = person.caller(state.now());
    state
        .db(move |conn| shaping::set_aside(conn, &caller, &plan.id, &item_id, None, None))
        .await?;
    session::flash(&session, "Item put back in the plan");
    Ok(see_other(&format!("/om/assessments/{assessment_id}/plan")))
}

/// The plan's sequence: a field `after_<item id>` per item, naming the item it starts
/// after, or empty.
#[derive(Deserialize)]
pub struct SequenceForm {
    #[serde(flatten)]
    fields: HashMap<String, String>,
}

pub async fn sequence(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    id: web::Path<String>,
    CsrfForm(form): CsrfForm<SequenceForm>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let assessment_id = id.into_inner();
    let (plan, _) = load(&state, &person, assessment_id.clone()).await?;
    // In plan order, so that errors name the steps as the page lists them.
    let steps: Vec<SequenceStep> = plan
        .items
        .iter()
        .filter_map(|i| {
            let after = form.fields.get(&format!("after_{}", i.item.id))?;
            (!after.is_empty()).then(|| SequenceStep {
                item: i.item.id.clone(),
                after: after.clone(),
            })
        })
        .collect();
    let (caller, plan_id) = (person.caller(state.now()), plan.id.clone());
    let result = state
        .db(move |conn| {
            Ok(shaping::set_sequence(
                conn,
                &caller,
                &plan_id,
                Sequence { sequence: steps },
            ))
        })
        .await?;
    match result {
        Ok(_) => {
            session::flash(&session, "The order of starting is saved");
            Ok(see_other(&format!("/om/assessments/{assessment_id}/plan")))
        }
        Err(MarketError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => {
            let errors = refusal(e, |_| "sequence".into(), &[], "sequence")?;
            let (plan, names) = load(&state, &person, assessment_id.clone()).await?;
            plan_page(&person, assessment_id, plan, &names, errors)
        }
    }
}

pub(super) struct DueRow {
    pub crn: String,
    pub assessment_id: String,
    pub approved_on: String,
    pub review_on: String,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "om/reviews.html")]
struct ReviewsPage {
    layout: Layout,
    on: String,
    rows: Vec<DueRow>,
}

#[derive(Deserialize)]
pub struct ReviewsQuery {
    on: Option<String>,
}

/// The area's plans due for review by a day (four weeks from today unless asked).
pub async fn reviews(
    state: web::Data<WebState>,
    person: Person,
    query: web::Query<ReviewsQuery>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let today = state.now().date_naive();
    let on = query
        .on
        .as_deref()
        .and_then(|d| d.parse::<NaiveDate>().ok())
        .unwrap_or_else(|| today.checked_add_days(Days::new(28)).unwrap_or(today));
    let caller = person.caller(state.now());
    let page = state
        .db(move |conn| {
            revisions::due_for_review(conn, &caller, None, on, None, provider_hub_market::MAX_PAGE)
        })
        .await?;
    let rows = page
        .items
        .into_iter()
        .map(|p| DueRow {
            crn: p.crn,
            assessment_id: p.assessment_id,
            approved_on: p
                .approved_at
                .map(|a| page::date(a.date_naive()))
                .unwrap_or_default(),
            review_on: page::date(p.review_on),
            overdue: p.review_on < today,
        })
        .collect();
    render(&ReviewsPage {
        layout: Layout::new(&person, "Plans due for review", "/om/reviews"),
        on: on.to_string(),
        rows,
    })
}
