//! The costed sentence plan — with its revision lines (kept, new, ending) when the person
//! had a plan, its items set aside and its sequence — its approval (which buys, and ends
//! the orders confirmed), and the confirmation of what was bought.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::plan::PlanStatus;
use provider_hub_domain::revision::{Proposal, SetAside};
use provider_hub_market::approval::{self, Confirmation};
use provider_hub_market::plans::{self, CostedItem, PlanView};
use provider_hub_market::revisions::RevisionLineView;
use provider_hub_market::{orders, Error as MarketError};
use serde::Deserialize;

use super::assessments::requirement_words;
use super::cases::{area_of, order_rows, OrderRow};
use crate::form::{refusal, Choice, CsrfForm, Errors};
use crate::page::{self, render, render_status, see_other, Layout, WebError};
use crate::session::{self, Person};
use crate::WebState;

pub(super) struct ItemRow {
    pub id: String,
    pub what: String,
    pub why: String,
    pub required_by: String,
    pub provider: String,
    pub price: String,
    pub starts: String,
    /// Why no provider can take it today, in words, for an unpriced item.
    pub no_provider: Option<String>,
    /// `Removed` or `Deferred`, with the reason, when set aside.
    pub set_aside: Option<(String, String)>,
    /// The item it starts after, in words.
    pub starts_after: Option<String>,
}

/// One line of a revision: kept, new or ending.
pub(super) struct LineRow {
    pub proposal: &'static str,
    pub what: String,
    pub order_id: Option<String>,
    pub status: String,
    pub ending: bool,
}

/// One item's "starts after" choice.
pub(super) struct SequenceRow {
    pub item_id: String,
    pub what: String,
    pub options: Vec<Choice>,
}

fn what(item: &CostedItem) -> String {
    format!(
        "{} (item {})",
        page::words(item.item.category.as_str()),
        item.item.position
    )
}

fn line_row(line: &RevisionLineView) -> LineRow {
    LineRow {
        proposal: match (line.proposal, line.set_aside) {
            (_, Some(SetAside::Removed)) => "Removed",
            (_, Some(SetAside::Deferred)) => "Deferred",
            (Proposal::Keep, _) => "Kept",
            (Proposal::Buy, _) => "New",
            (Proposal::End, _) => "Ending proposed",
        },
        what: page::words(line.category.as_str()),
        order_id: line.order_id.clone(),
        status: line
            .order_status
            .map(|s| page::words(s.as_str()))
            .unwrap_or_else(|| "To buy".into()),
        ending: line.proposal == Proposal::End,
    }
}

fn sequence_rows(plan: &PlanView) -> Vec<SequenceRow> {
    plan.items
        .iter()
        .map(|item| {
            let after = plan
                .sequence
                .iter()
                .find(|s| s.item == item.item.id)
                .map(|s| s.after.as_str());
            let mut options = vec![Choice {
                value: String::new(),
                label: "No other item".into(),
                checked: after.is_none(),
            }];
            options.extend(
                plan.items
                    .iter()
                    .filter(|o| o.item.id != item.item.id)
                    .map(|o| Choice {
                        value: o.item.id.clone(),
                        label: what(o),
                        checked: after == Some(o.item.id.as_str()),
                    }),
            );
            SequenceRow {
                item_id: item.item.id.clone(),
                what: what(item),
                options,
            }
        })
        .collect()
}

fn item_row(
    item: &CostedItem,
    plan: &PlanView,
    names: &std::collections::HashMap<String, String>,
) -> ItemRow {
    let set_aside = item.item.set_aside.map(|s| {
        (
            page::capitalise(s.as_str()),
            item.item.set_aside_reason.clone().unwrap_or_default(),
        )
    });
    let starts_after = plan
        .sequence
        .iter()
        .filter(|s| s.item == item.item.id)
        .filter_map(|s| plan.items.iter().find(|o| o.item.id == s.after))
        .map(what)
        .next();
    let id = item.item.id.clone();
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
            id,
            set_aside,
            starts_after,
            what: page::words(item.item.category.as_str()),
            why,
            required_by,
            provider: names
                .get(&q.provider_id)
                .cloned()
                .unwrap_or_else(|| q.provider_id.clone()),
            price: page::priced(
                q.price_pence,
                Some(q.list_price_pence),
                Some(q.multiplier_bps),
            ),
            starts: page::date(q.starts_on),
            no_provider: None,
        },
        None => ItemRow {
            id,
            set_aside,
            starts_after,
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
    /// Items approving buys.
    buying: usize,
    approved: bool,
    lines: Vec<LineRow>,
    sequence: Vec<SequenceRow>,
    errors: Errors,
}

pub(super) async fn load(
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
    plan_page(&person, assessment_id, plan, &names, Errors::default())
}

/// The plan page, with the errors of a refused approval or sequence, if any.
pub(super) fn plan_page(
    person: &Person,
    assessment_id: String,
    plan: PlanView,
    names: &std::collections::HashMap<String, String>,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let rows = plan
        .items
        .iter()
        .map(|i| item_row(i, &plan, names))
        .collect();
    let lines: Vec<LineRow> = plan.revision.iter().map(line_row).collect();
    let buying = plan
        .revision
        .iter()
        .filter(|l| l.proposal == Proposal::Buy && l.set_aside.is_none())
        .count();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    render_status(
        &PlanPage {
            layout: Layout::new(person, format!("Sentence plan of {}", plan.crn), "/om")
                .with_errors(!errors.is_empty()),
            assessment_id,
            total: page::pounds(plan.total_pence),
            buying,
            approved: plan.status == PlanStatus::Approved,
            sequence: sequence_rows(&plan),
            lines,
            rows,
            plan,
            errors,
        },
        status,
    )
}

/// The approval: the plan, and a field `end_<order id>` for each proposed ending confirmed.
#[derive(Deserialize)]
pub struct ApproveForm {
    #[serde(default)]
    plan_id: String,
    #[serde(flatten)]
    rest: HashMap<String, String>,
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
    let confirmation = Confirmation {
        end_orders: form
            .rest
            .keys()
            .filter_map(|k| k.strip_prefix("end_"))
            .map(str::to_owned)
            .collect(),
    };
    let result = state
        .db(move |conn| {
            Ok(approval::approve(
                conn,
                &caller,
                &form.plan_id,
                confirmation,
                settings,
            ))
        })
        .await?;
    match result {
        Ok(approval) => {
            let mut said = format!("{} interventions ordered", approval.orders.len());
            if !approval.kept_orders.is_empty() {
                said.push_str(&format!(
                    ", {} kept from the earlier plan",
                    approval.kept_orders.len()
                ));
            }
            if !approval.ended_orders.is_empty() {
                said.push_str(&format!(", {} ended", approval.ended_orders.len()));
            }
            session::flash(&session, said);
            Ok(see_other(&format!(
                "/om/assessments/{assessment_id}/plan/bought"
            )))
        }
        Err(MarketError::NotFound(_)) => Err(WebError::NotFound),
        Err(e) => {
            let errors = refusal(e, |_| "approve".into(), &[], "approve")?;
            let (plan, names) = load(&state, &person, assessment_id.clone()).await?;
            plan_page(&person, assessment_id, plan, &names, errors)
        }
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
