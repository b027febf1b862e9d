//! The provider's payments: each milestone paid, newest pages after.

use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_market::delivery;
use provider_hub_store::payments::PaymentFilter;

use super::{instant, provider_of, PageQuery};
use crate::page::{self, render, Layout, WebError};
use crate::session::Person;
use crate::WebState;

struct PaymentRow {
    order_id: String,
    milestone: String,
    amount: String,
    area: String,
    year: String,
    made: String,
}

#[derive(Template)]
#[template(path = "provider/payments.html")]
struct PaymentsPage {
    layout: Layout,
    rows: Vec<PaymentRow>,
    total: String,
    next: Option<String>,
}

/// `/provider/payments`: the payments made to the provider (the API's list, scoped to it).
pub async fn list(
    state: web::Data<WebState>,
    person: Person,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    provider_of(&person)?;
    let after = query.cursor()?;
    let caller = person.caller(state.now());
    let page = state
        .db(move |conn| delivery::list(conn, &caller, PaymentFilter::default(), after, 50))
        .await?;
    let total: i64 = page.items.iter().map(|p| p.amount_pence).sum();
    render(&PaymentsPage {
        layout: Layout::new(&person, "Payments", "/provider/payments"),
        rows: page
            .items
            .iter()
            .map(|p| PaymentRow {
                order_id: p.order_id.clone(),
                milestone: page::words(&p.milestone.to_string()),
                amount: page::pounds(p.amount_pence),
                area: p.area.clone(),
                year: format!("{}/{:02}", p.financial_year, (p.financial_year + 1) % 100),
                made: instant(p.created_at),
            })
            .collect(),
        total: page::pounds(total),
        next: page.next,
    })
}
