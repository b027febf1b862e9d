//! Orders awaiting budget approval: the list, an order with what approving would spend,
//! and the approval (the API's `/v1/orders/{id}/approve-budget`): the order is matched at
//! once.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::order::OrderStatus;
use provider_hub_market::budgets;
use provider_hub_market::orders::OrderView;
use serde::Deserialize;

use super::{commissioner, order_of, orders_in};
use crate::form::refusal;
use crate::form::{CsrfForm, Errors};
use crate::page::{self, render, render_status, see_other, Layout, Tag, WebError};
use crate::session::{self, Person};
use crate::WebState;

/// An order as the approval pages show it.
pub(super) struct OrderRow {
    pub id: String,
    pub crn: String,
    pub area: String,
    pub category: String,
    pub specification: String,
    pub required_by: String,
    pub tag: Tag,
    /// The best listing's price when the order was matched: what approving would spend.
    pub price: Option<String>,
    pub starts_on: Option<String>,
    pub awaiting: bool,
    pub created: String,
}

pub(super) fn row(o: &OrderView) -> OrderRow {
    let chosen = o.explanation.as_ref().and_then(|e| e.chosen.as_ref());
    OrderRow {
        id: o.id.clone(),
        crn: o.crn.clone(),
        area: o.area.clone(),
        category: page::words(o.category.as_str()),
        specification: o.specification_code.clone().unwrap_or_else(|| "Any".into()),
        required_by: page::date(o.required_by),
        tag: Tag::of(o.status.as_str()),
        price: o
            .price_pence
            .or(chosen.map(|c| c.price_pence))
            .map(page::pounds),
        starts_on: o.starts_on.or(chosen.map(|c| c.starts_on)).map(page::date),
        awaiting: o.status == OrderStatus::AwaitingApproval,
        created: page::date(o.created_at.date_naive()),
    }
}

#[derive(Template)]
#[template(path = "commissioner/approvals.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<OrderRow>,
}

/// `/commissioner/approvals`: every order awaiting budget approval, oldest first.
pub async fn list(state: web::Data<WebState>, person: Person) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    let orders = orders_in(&state, &person, OrderStatus::AwaitingApproval, 500).await?;
    render(&ListPage {
        layout: Layout::new(
            &person,
            "Orders awaiting approval",
            "/commissioner/approvals",
        ),
        rows: orders.iter().map(row).collect(),
    })
}

#[derive(Template)]
#[template(path = "commissioner/approval.html")]
struct OrderPage {
    layout: Layout,
    order: OrderRow,
    /// The area's remaining budget for the year the order would start in, if one is set.
    remaining: Option<String>,
    errors: Errors,
}

async fn order_page(
    state: &WebState,
    person: &Person,
    id: String,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    let order = order_of(state, person, id).await?;
    let view = row(&order);
    let start = order
        .starts_on
        .or(order
            .explanation
            .as_ref()
            .and_then(|e| e.chosen.as_ref().map(|c| c.starts_on)))
        .unwrap_or(order.required_by);
    let (area, year) = (
        order.area.clone(),
        provider_hub_domain::payment::financial_year(start),
    );
    let remaining = state
        .db(move |conn| match budgets::get(conn, &area, year) {
            Ok(b) => Ok(Some(b.remaining_pence)),
            Err(provider_hub_market::Error::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        })
        .await?
        .map(|p| {
            if p < 0 {
                format!("−{}", page::pounds(-p))
            } else {
                page::pounds(p)
            }
        });
    let has_errors = !errors.is_empty();
    render_status(
        &OrderPage {
            layout: Layout::new(
                person,
                format!("Order {}", view.id),
                "/commissioner/approvals",
            )
            .with_errors(has_errors),
            order: view,
            remaining,
            errors,
        },
        if has_errors {
            StatusCode::CONFLICT
        } else {
            StatusCode::OK
        },
    )
}

/// `/commissioner/approvals/{id}`: the order, what it would spend, the approval.
pub async fn order(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    order_page(&state, &person, id.into_inner(), Errors::default()).await
}

#[derive(Debug, Default, Deserialize)]
pub struct NoFields {}

/// Approves the order's spend: `budgets::approve`, as the API's approve-budget.
pub async fn approve(
    state: web::Data<WebState>,
    person: Person,
    session: actix_session::Session,
    id: web::Path<String>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, WebError> {
    commissioner(&person)?;
    let id = id.into_inner();
    let (actor, now, settings, order_id) =
        (person.actor(), state.now(), state.matching, id.clone());
    let result = state
        .db(move |conn| Ok(budgets::approve(conn, &actor, &order_id, settings, now)))
        .await?;
    match result {
        Ok(order) => {
            session::flash(
                &session,
                format!(
                    "Order {} approved: it is now {}",
                    order.id,
                    page::words(order.status.as_str()).to_lowercase()
                ),
            );
            Ok(see_other("/commissioner/approvals"))
        }
        Err(e) => {
            let errors = refusal(e, |_| "approve".into(), &[], "approve")?;
            order_page(&state, &person, id, errors).await
        }
    }
}
