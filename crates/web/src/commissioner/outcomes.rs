//! Outcomes: completed orders, and a commissioner's record of an order's outcome —
//! `delivery::record_outcome`, as the API's `POST /v1/orders/{id}/outcome`. A positive
//! outcome releases the outcome payment.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::order::{OrderStatus, OutcomeKind};
use provider_hub_market::delivery::{self, RecordedOutcome};
use provider_hub_market::orders::OrderView;
use serde::Deserialize;

use super::{commissioner, order_of, orders_in};
use crate::form::refusal;
use crate::form::{CsrfForm, Errors};
use crate::page::{self, render, render_status, see_other, Layout, WebError};
use crate::session::{self, Person};
use crate::WebState;

/// An outcome in words.
fn outcome_words(o: OutcomeKind) -> &'static str {
    match o {
        OutcomeKind::NoProvenReoffence12m => "No proven reoffence in 12 months",
        OutcomeKind::ProvenReoffence12m => "Proven reoffence in 12 months",
    }
}

struct Row {
    id: String,
    crn: String,
    area: String,
    category: String,
    price: String,
    outcome: Option<&'static str>,
}

fn row(o: &OrderView) -> Row {
    Row {
        id: o.id.clone(),
        crn: o.crn.clone(),
        area: o.area.clone(),
        category: page::words(o.category.as_str()),
        price: o.price_pence.map(page::pounds).unwrap_or_default(),
        outcome: o.outcome.map(outcome_words),
    }
}

#[derive(Template)]
#[template(path = "commissioner/outcomes.html")]
struct ListPage {
    layout: Layout,
    waiting: Vec<Row>,
    recorded: Vec<Row>,
}

/// `/commissioner/outcomes`: completed orders, those without an outcome first.
pub async fn list(state: web::Data<WebState>, person: Person) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    let orders = orders_in(&state, &person, OrderStatus::Completed, 500).await?;
    let (recorded, waiting): (Vec<_>, Vec<_>) = orders.iter().partition(|o| o.outcome.is_some());
    render(&ListPage {
        layout: Layout::new(&person, "Outcomes", "/commissioner/outcomes"),
        waiting: waiting.into_iter().map(row).collect(),
        recorded: recorded.into_iter().map(row).collect(),
    })
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct OutcomeForm {
    pub outcome: String,
}

#[derive(Template)]
#[template(path = "commissioner/outcome.html")]
struct OrderPage {
    layout: Layout,
    order: Row,
    started: Option<String>,
    form: OutcomeForm,
    errors: Errors,
}

async fn order_page(
    state: &WebState,
    person: &Person,
    id: String,
    form: OutcomeForm,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let order = order_of(state, person, id).await?;
    let has_errors = !errors.is_empty();
    render_status(
        &OrderPage {
            layout: Layout::new(
                person,
                format!("Outcome of order {}", order.id),
                "/commissioner/outcomes",
            )
            .with_errors(has_errors),
            started: order.actual_start.map(page::date),
            order: row(&order),
            form,
            errors,
        },
        if has_errors {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
    )
}

/// `/commissioner/outcomes/{id}`.
pub async fn order(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    order_page(
        &state,
        &person,
        id.into_inner(),
        OutcomeForm::default(),
        Errors::default(),
    )
    .await
}

/// Records the outcome, once.
pub async fn record(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    id: web::Path<String>,
    CsrfForm(form): CsrfForm<OutcomeForm>,
) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    let id = id.into_inner();
    let Ok(outcome) = form.outcome.parse::<OutcomeKind>() else {
        let mut errors = Errors::default();
        errors.add("outcome", "Select the outcome");
        return order_page(&state, &person, id, form, errors).await;
    };
    let (actor, now, order_id) = (person.actor(), state.now(), id.clone());
    let result = state
        .db(move |conn| {
            Ok(delivery::record_outcome(
                conn,
                &actor,
                &order_id,
                RecordedOutcome { outcome },
                now,
            ))
        })
        .await?;
    match result {
        Ok(recorded) => {
            let paid = recorded
                .payment
                .map(|p| format!(": {} paid to the provider", page::pounds(p.amount_pence)))
                .unwrap_or_default();
            session::flash(
                &session,
                format!("Outcome of order {} recorded{paid}", recorded.order.id),
            );
            Ok(see_other("/commissioner/outcomes"))
        }
        Err(e) => {
            let errors = refusal(
                e,
                |_| "outcome".into(),
                &[("outcome", "The outcome")],
                "outcome",
            )?;
            order_page(&state, &person, id, form, errors).await
        }
    }
}
