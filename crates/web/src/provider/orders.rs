//! The provider's orders, one order's delivery timeline and payments, and reporting a
//! delivery event on it.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_domain::order::DeliveryEventKind;
use provider_hub_market::delivery::{self, DeliveryReport};
use provider_hub_market::orders::{self, OrderView};
use provider_hub_market::payments;
use provider_hub_store::orders::OrderFilter;
use serde::Deserialize;

use super::{instant, provider_of, refusal, typed_date, PageQuery};
use crate::form::{CsrfForm, Errors};
use crate::page::{self, render, render_status, see_other, Layout, Tag, WebError};
use crate::session::{self, Person};
use crate::WebState;

struct OrderRow {
    id: String,
    crn: String,
    category: String,
    area: String,
    tag: Tag,
    price: String,
    start: String,
}

fn order_row(o: &OrderView) -> OrderRow {
    OrderRow {
        id: o.id.clone(),
        crn: o.crn.clone(),
        category: page::words(o.category.as_str()),
        area: o.area.clone(),
        tag: Tag::of(o.status.as_str()),
        price: o
            .price_pence
            .map(|p| page::priced(p, o.list_price_pence, o.multiplier_bps))
            .unwrap_or_else(|| "–".into()),
        start: o
            .actual_start
            .or(o.committed_start_date)
            .or(o.starts_on)
            .map(page::date)
            .unwrap_or_else(|| "Not yet known".into()),
    }
}

#[derive(Template)]
#[template(path = "provider/orders.html")]
struct OrdersPage {
    layout: Layout,
    rows: Vec<OrderRow>,
    next: Option<String>,
}

/// `/provider/orders`: the orders placed with the provider.
pub async fn list(
    state: web::Data<WebState>,
    person: Person,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, WebError> {
    provider_of(&person)?;
    let after = query.cursor()?;
    let caller = person.caller(state.now());
    let page = state
        .db(move |conn| orders::list(conn, &caller, OrderFilter::default(), after, 50))
        .await?;
    render(&OrdersPage {
        layout: Layout::new(&person, "Orders", "/provider/orders"),
        rows: page.items.iter().map(order_row).collect(),
        next: page.next,
    })
}

/// The delivery report form, as typed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ReportForm {
    pub kind: String,
    #[serde(rename = "on-day")]
    pub day: String,
    #[serde(rename = "on-month")]
    pub month: String,
    #[serde(rename = "on-year")]
    pub year: String,
    pub minutes: String,
    pub details: String,
}

struct EventRow {
    kind: String,
    on: String,
    details: String,
    recorded: String,
}

struct PaymentRow {
    milestone: String,
    amount: String,
    made: String,
}

struct KindChoice {
    value: &'static str,
    label: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "provider/order.html")]
struct OrderPage {
    layout: Layout,
    order: OrderRow,
    required_by: String,
    committed: Option<String>,
    events: Vec<EventRow>,
    payments: Vec<PaymentRow>,
    paid: String,
    kinds: Vec<KindChoice>,
    form: ReportForm,
    errors: Errors,
}

const KINDS: &[(DeliveryEventKind, &str)] = &[
    (
        DeliveryEventKind::Started,
        "Started: the person began the intervention",
    ),
    (DeliveryEventKind::Attended, "Attended a session"),
    (DeliveryEventKind::Missed, "Missed a session"),
    (
        DeliveryEventKind::NonCompliance,
        "Non-compliance: for the offender manager to decide on",
    ),
    (
        DeliveryEventKind::Completed,
        "Completed: the delivery standard is met",
    ),
    (
        DeliveryEventKind::Failed,
        "Failed: the intervention ended without completion",
    ),
];

async fn order_page(
    state: &WebState,
    person: &Person,
    id: String,
    form: ReportForm,
    errors: Errors,
) -> Result<HttpResponse, WebError> {
    provider_of(person)?;
    let caller = person.caller(state.now());
    let (order, paid) = state
        .db(move |conn| {
            let order = orders::get(conn, &caller, &id)?;
            let paid = payments::of_order(conn, &caller, &id)?;
            Ok((order, paid))
        })
        .await?;
    let total: i64 = paid.iter().map(|p| p.amount_pence).sum();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let has_errors = !errors.is_empty();
    render_status(
        &OrderPage {
            layout: Layout::new(person, format!("Order {}", order.id), "/provider/orders")
                .with_errors(has_errors),
            order: order_row(&order),
            required_by: page::date(order.required_by),
            committed: order.committed_start_date.map(page::date),
            events: order
                .delivery
                .iter()
                .map(|e| EventRow {
                    kind: page::words(e.kind.as_str()),
                    on: page::date(e.on),
                    details: page::delivery_details(e).unwrap_or_default(),
                    recorded: instant(e.recorded_at),
                })
                .collect(),
            payments: paid
                .iter()
                .map(|p| PaymentRow {
                    milestone: page::words(&p.milestone.to_string()),
                    amount: page::pounds(p.amount_pence),
                    made: instant(p.created_at),
                })
                .collect(),
            paid: page::pounds(total),
            kinds: KINDS
                .iter()
                .map(|(k, label)| KindChoice {
                    value: k.as_str(),
                    label: (*label).to_owned(),
                    checked: form.kind == k.as_str(),
                })
                .collect(),
            form,
            errors,
        },
        status,
    )
}

/// An order placed with the provider: its delivery so far, its payments, and the form
/// to report what happened next.
pub async fn order(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    order_page(
        &state,
        &person,
        id.into_inner(),
        ReportForm::default(),
        Errors::default(),
    )
    .await
}

/// The form's field the use case's field names.
fn field_id(field: &str) -> String {
    match field {
        "on" => "on-day",
        "minutes" => "minutes",
        "details" => "details",
        _ => "kind",
    }
    .into()
}

/// Reports a delivery event through the use case the API calls. The report is read
/// through its own wire form, as the API reads it, so the page follows the report's
/// fields (an attended session's minutes) without a second copy of its rules.
pub async fn report(
    state: web::Data<WebState>,
    person: Person,
    session: Session,
    id: web::Path<String>,
    CsrfForm(form): CsrfForm<ReportForm>,
) -> Result<HttpResponse, WebError> {
    let provider_id = provider_of(&person)?;
    let id = id.into_inner();
    let mut errors = Errors::default();
    let kind = KINDS
        .iter()
        .find(|(k, _)| k.as_str() == form.kind)
        .map(|(k, _)| *k);
    if kind.is_none() {
        errors.add("kind", "Select what happened");
    }
    let typed = [&form.day, &form.month, &form.year];
    let on = if typed.iter().all(|t| t.trim().is_empty()) {
        None
    } else {
        let on = typed_date(&form.day, &form.month, &form.year);
        if on.is_none() {
            errors.add("on-day", "The date must be a real date, like 7 12 2026");
        }
        on
    };
    let minutes = form.minutes.trim();
    let minutes = if minutes.is_empty() {
        None
    } else {
        match minutes.parse::<u32>() {
            Ok(m) => Some(m),
            Err(_) => {
                errors.add("minutes", "Minutes must be a whole number, like 90");
                None
            }
        }
    };
    if !errors.is_empty() {
        return order_page(&state, &person, id, form, errors).await;
    }
    let mut wire = serde_json::json!({ "type": kind.map(|k| k.as_str()) });
    if let Some(on) = on {
        wire["on"] = serde_json::json!(on);
    }
    if let Some(m) = minutes {
        wire["minutes"] = serde_json::json!(m);
    }
    if !form.details.trim().is_empty() {
        wire["details"] = serde_json::json!(form.details);
    }
    let report: DeliveryReport = match serde_json::from_value(wire) {
        Ok(r) => r,
        Err(e) => {
            tracing::debug!(error = %e, "delivery report refused");
            let mut errors = Errors::default();
            errors.add(
                "minutes",
                "Minutes are not recorded for this kind of report",
            );
            return order_page(&state, &person, id, form, errors).await;
        }
    };
    let (actor, now, order_id) = (person.actor(), state.now(), id.clone());
    let result = state
        .db(move |conn| {
            Ok(delivery::report(
                conn,
                &actor,
                &provider_id,
                &order_id,
                report,
                now,
            ))
        })
        .await?;
    match result {
        Ok(done) => {
            let mut message = format!("{} reported", page::words(done.event.kind.as_str()));
            if let Some(p) = &done.payment {
                message.push_str(&format!(
                    "; {} payment of {} released",
                    page::words(&p.milestone.to_string()).to_lowercase(),
                    page::pounds(p.amount_pence)
                ));
            }
            session::flash(&session, message);
            Ok(see_other(&format!("/provider/orders/{id}")))
        }
        Err(e) => {
            let errors = refusal(
                e,
                field_id,
                &[("on-day", "The date"), ("minutes", "Minutes")],
                "kind",
            )?;
            order_page(&state, &person, id, form, errors).await
        }
    }
}
