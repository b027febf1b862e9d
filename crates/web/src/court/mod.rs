//! The court's journey: the orders of the sentences passed at the court, with their
//! status and committed start dates. Routes under `/court`, templates under
//! `templates/court/`.

use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::Role;
use provider_hub_market::court::{self, CourtOrder};

use crate::page::{self, render, Layout, Tag, WebError};
use crate::provider::PageQuery;
use crate::session::Person;
use crate::WebState;

/// The court's service navigation.
pub const NAV: &[(&str, &str)] = &[
    ("/court", "Start dates"),
    ("/court/availability-quote", "Availability quote"),
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(list_orders))
        .route("/availability-quote", web::get().to(crate::quote::form))
        .route("/availability-quote", web::post().to(crate::quote::ask));
}

struct OrderRow {
    crn: String,
    sentence_date: String,
    requirement: String,
    tag: Tag,
    required_by: String,
    start: String,
}

fn row(o: &CourtOrder) -> OrderRow {
    OrderRow {
        crn: o.crn.clone(),
        sentence_date: page::date(o.sentence_date),
        requirement: o
            .requirement
            .as_ref()
            .map(crate::om::assessments::requirement_words)
            .unwrap_or_else(|| page::words(o.category.as_str())),
        tag: Tag::of(o.status.as_str()),
        required_by: page::date(o.required_by),
        start: o
            .committed_start_date
            .map(page::date)
            .unwrap_or_else(|| "Not yet committed".into()),
    }
}

#[derive(Template)]
#[template(path = "court/orders.html")]
struct OrdersPage {
    layout: Layout,
    court: String,
    rows: Vec<OrderRow>,
    next: Option<String>,
}

/// `/court`: the orders of the sentences passed at the court.
pub async fn list_orders(
    state: web::Data<WebState>,
    person: Person,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    person.require(Role::Court)?;
    let after = query.cursor()?;
    let caller = person.caller(state.now());
    let court = court::own_court(&caller)
        .map_err(|e| WebError::Forbidden(e.to_string()))?
        .to_owned();
    let page = state
        .db(move |conn| court::orders(conn, &caller, None, after, 50))
        .await?;
    render(&OrdersPage {
        layout: Layout::new(&person, "Start dates", "/court"),
        court,
        rows: page.items.iter().map(row).collect(),
        next: page.next,
    })
}
