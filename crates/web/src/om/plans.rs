//! The costed sentence plan, its approval (which buys), and the confirmation of what
//! was bought.

use actix_session::Session;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::plan::PlanStatus;
use provider_hub_market::plans::{self, CostedItem, PlanView};
use provider_hub_market::{orders, Error as MarketError};
use serde::Deserialize;

use super::assessments::requirement_words;
use super::cases::{area_of, order_rows, OrderRow};
use crate::form::CsrfForm;
use crate::page::{self, render, see_other, Layout, WebError};
use crate::session::{self, Person};
use crate::WebState;

pub(super) struct ItemRow {
    pub what: String,
    pub why: String,
    pub required_by: String,
    pub provider: String,
    pub price: String,
    pub starts: String,
    /// Why no provider can take it today, in words, for an unpriced item.
    pub no_provider: Option<String>,
}

fn item_row(item: &CostedItem, names: &std::collections::HashMap<String, String>) -> ItemRow {
    let why = match &item.item.requirement {
        Some(r) => format!("Court requirement: {}", requirement_words(r)),
        None => format!(
            "Need linked to offending: {}",
            item.item
                .needs
                .iter()
                .map(|n| page::words(n.as_str()).to_lowercase())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut required_by = page::date(item.item.required_by);
    if item.item.late {
        required_by.push_str(" (counted from today: the lead time had passed)");
    }
    match &item.quote {
        Some(q) => ItemRow {
            what: page::words(item.item.category.as_str()),
            why,
            required_by,
            provider: names
                .get(&q.provider_id)
                .cloned()
                .unwrap_or_else(|| q.provider_id.clone()),
            price: page::pounds(q.price_pence),
            starts: page::date(q.starts_on),
            no_provider: None,
        },
        None => ItemRow {
            what: page::words(item.item.category.as_str()),
            why,
            required_by,
            provider: "No provider today".into(),
            price: "Not priced".into(),
            starts: "–".into(),
            no_provider: Some(format!(
                "No provider can take this today: {}.",
                item.no_provider
                    .as_deref()
                    .unwrap_or("no listing meets the rules")
            )),
        },
    }
}

#[derive(Template)]
#[template(path = "om/plan.html")]
struct PlanPage {
    layout: Layout,
    assessment_id: String,
    plan: PlanView,
    rows: Vec<ItemRow>,
    total: String,
    priced: usize,
    approved: bool,
}

async fn load(
    state: &WebState,
    person: &Person,
    assessment_id: String,
) -> Result<(PlanView, std::collections::HashMap<String, String>), WebError> {
    let caller = person.caller(state.now());
    state
        .db(move |conn| {
            let plan = plans::for_assessment(conn, &caller, &assessment_id)?;
            let ids: Vec<String> = plan
                .items
                .iter()
                .filter_map(|i| i.quote.as_ref().map(|q| q.provider_id.clone()))
                .collect();
            let names = super::provider_names(conn, &caller.scope, ids, caller.now)?;
            Ok((plan, names))
        })
        .await
}

pub async fn plan(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let assessment_id = id.into_inner();
    let (plan, names) = load(&state, &person, assessment_id.clone()).await?;
    let rows = plan.items.iter().map(|i| item_row(i, &names)).collect();
    render(&PlanPage {
        layout: Layout::new(&person, format!("Sentence plan of {}", plan.crn), "/om"),
        assessment_id,
        total: page::pounds(plan.total_pence),
        priced: plan.items.iter().filter(|i| i.quote.is_some()).count(),
        approved: plan.status == PlanStatus::Approved,
        rows,
        plan,
    })
}

#[derive(Deserialize)]
pub struct ApproveForm {
    #[serde(default)]
    plan_id: String,
}

/// Approving the plan is the purchase: one order per item, each matched at once.
pub async fn approve(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    id: web::Path<String>,
    CsrfForm(form): CsrfForm<ApproveForm>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let assessment_id = id.into_inner();
    let (settings, caller) = (state.matching, person.caller(state.now()));
    let result = state
        .db(move |conn| Ok(plans::approve(conn, &caller, &form.plan_id, settings)))
        .await?;
    match result {
        Ok(approval) => {
            session::flash(
                &session,
                format!("{} interventions ordered", approval.orders.len()),
            );
            Ok(see_other(&format!(
                "/om/assessments/{assessment_id}/plan/bought"
            )))
        }
        Err(MarketError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "om/bought.html")]
struct BoughtPage {
    layout: Layout,
    crn: String,
    orders: Vec<OrderRow>,
    total: String,
    explanations: Vec<String>,
}

/// The confirmation: what was bought, from whom, for how much.
pub async fn bought(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    area_of(&person)?;
    let assessment_id = id.into_inner();
    let caller = person.caller(state.now());
    let (plan, bought, names) = state
        .db(move |conn| {
            let plan = plans::for_assessment(conn, &caller, &assessment_id)?;
            let mut bought = Vec::new();
            for item in &plan.items {
                if let Some(order_id) = &item.order_id {
                    bought.push(orders::get(conn, &caller, order_id)?);
                }
            }
            let ids: Vec<String> = bought
                .iter()
                .filter_map(|o| o.provider_id.clone())
                .collect();
            let names = super::provider_names(conn, &caller.scope, ids, caller.now)?;
            Ok((plan, bought, names))
        })
        .await?;
    if plan.status != PlanStatus::Approved {
        return Ok(see_other(&format!(
            "/om/assessments/{}/plan",
            plan.assessment_id
        )));
    }
    let total: i64 = bought.iter().filter_map(|o| o.price_pence).sum();
    let explanations = bought
        .iter()
        .map(|o| {
            format!(
                "{}: {}",
                page::words(o.category.as_str()),
                super::orders::explain(o, &names)
            )
        })
        .collect();
    render(&BoughtPage {
        layout: Layout::new(&person, "Sentence plan approved", "/om"),
        crn: plan.crn.clone(),
        orders: order_rows(&bought, &names),
        total: page::pounds(total),
        explanations,
    })
}
