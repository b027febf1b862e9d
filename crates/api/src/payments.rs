//! Delivery reports (`/v1/orders/{id}/delivery-events`) and payments (`/v1/payments`,
//! JSON or CSV). Outcomes are per person: see [`crate::outcomes`].

use actix_web::http::header;
use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use chrono::Duration;
use provider_hub_market::access::{self, Objects};
use provider_hub_market::delivery::{self as market, Delivered, DeliveryReport, PaymentView};
use provider_hub_market::orders;
use provider_hub_store::payments::PaymentFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::csv::{self, Text};
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::filters::Faults;
use crate::json::RawBody;
use crate::pagination::PageBody;
use crate::state::AppState;

/// Reports delivery on an order placed with the caller (a provider): `started` (the
/// order goes into delivery), `attended`, `missed`, `non_compliance` (with details),
/// `completed` or `failed`. Reaching a milestone of the payment model pays it, once.
#[utoipa::path(tag = "delivery", security(("bearer" = [])), request_body = DeliveryReport,
    params(
        ("id" = String, Path, description = "Order id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first answer for the same key and body"),
    ),
    responses(
    (status = 201, description = "Recorded: the order, the event and any payment it released", body = Delivered),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not a provider", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such order placed with the caller", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not a step the order can take now (e.g. completed before started)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid report (a future date, non-compliance without details)", body = Problem, content_type = "application/problem+json"),
))]
#[post("/orders/{id}/delivery-events")]
async fn report_delivery(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    let provider_id = caller.provider_id()?.to_owned();
    let body = body.json::<DeliveryReport>()?;
    let (id, report) = (id.into_inner(), body.value);
    let seen_id = id.clone();
    crate::idempotency::answer(
        &state,
        &caller,
        &req,
        &body.raw,
        move |conn, caller| orders::get(conn, caller, &seen_id).map(|_| ()),
        move |conn, caller| {
            let (actor, now) = (&caller.actor, caller.now);
            market::report(conn, actor, &provider_id, &id, report, now)
                .map(|delivered| (StatusCode::CREATED, delivered))
        },
    )
    .await
}

/// A page of payments.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentPage {
    pub items: Vec<PaymentView>,
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct PaymentQuery {
    /// Only this area's payments.
    pub area: Option<String>,
    /// Only this provider's (a provider sees only its own anyway).
    pub provider_id: Option<String>,
    /// Made on or after this day.
    #[param(value_type = Option<NaiveDate>)]
    pub from: Option<String>,
    /// Made on or before this day.
    #[param(value_type = Option<NaiveDate>)]
    pub to: Option<String>,
    /// `csv` for the rows as CSV (as `Accept: text/csv` does), `json` (the default).
    #[param(value_type = Option<String>, pattern = "^(csv|json)$")]
    pub format: Option<String>,
    /// Page size, 1–500 (default 50); `all` on a CSV answer for the whole list, streamed.
    #[param(value_type = Option<String>, pattern = "^([1-9][0-9]?|[1-4][0-9][0-9]|500|all)$")]
    pub limit: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
}

/// A payment as a CSV row, for finance systems: names beside ids, the amount in pence and
/// in pounds.
#[derive(Serialize, Default)]
struct PaymentRow<'a> {
    id: &'a str,
    order_id: &'a str,
    milestone: String,
    amount_pence: i64,
    amount_pounds: String,
    area: &'a str,
    provider_id: &'a str,
    provider_name: Text<'a>,
    listing_title: Text<'a>,
    financial_year: i32,
    created_at: String,
}

impl<'a> PaymentRow<'a> {
    fn of(p: &'a PaymentView) -> Self {
        PaymentRow {
            id: &p.id,
            order_id: &p.order_id,
            milestone: p.milestone.to_string(),
            amount_pence: p.amount_pence,
            amount_pounds: csv::pounds(p.amount_pence),
            area: &p.area,
            provider_id: &p.provider_id,
            provider_name: Text(&p.provider_name),
            listing_title: Text(p.listing_title.as_deref().unwrap_or_default()),
            financial_year: p.financial_year,
            created_at: p
                .created_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    }
}

/// Lists payments (a provider: its own; commissioners and the quality team: all), as
/// JSON, or as CSV for finance systems with `Accept: text/csv` (the next page's cursor
/// then in a `Link` header).
#[utoipa::path(tag = "delivery", params(PaymentQuery), security(("bearer" = [])), responses(
    (status = 200, description = "A page of payments", content(
        (PaymentPage = "application/json"),
        (String = "text/csv"),
    )),
    Unauthenticated,
    (status = 403, description = "The role does not see payments", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad filter, limit or cursor", body = Problem, content_type = "application/problem+json"),
))]
#[get("/payments")]
async fn list_payments(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    query: web::Query<PaymentQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(access::readers(Objects::Payments))?;
    let mut faults = Faults::default();
    let ask = csv::list_ask(
        &mut faults,
        &req,
        query.format.as_deref(),
        query.limit.as_deref(),
        query.after.as_deref(),
    );
    let from = faults.day("from", query.from.as_deref());
    let to = faults.day("to", query.to.as_deref());
    faults.into_result()?;
    let (as_csv, whole) = (ask.csv, ask.whole);
    // Refused above when at fault.
    let (limit, after) = ask.page.unwrap_or_default();
    let filter = PaymentFilter {
        area: query.area.clone(),
        provider_id: query.provider_id.clone(),
        from: from.and_then(|d| d.and_hms_opt(0, 0, 0)),
        to: to.and_then(|d| (d + Duration::days(1)).and_hms_opt(0, 0, 0)),
    };
    let caller = caller.at(state.now());
    if whole {
        return csv::stream(state, after, move |conn, after, header| {
            let page = market::list(conn, &caller, filter.clone(), after, limit)?;
            let rows = csv::rows(page.items.iter().map(PaymentRow::of), header)?;
            Ok((rows, page.next))
        })
        .await;
    }
    let page = state
        .db(move |conn| Ok(market::list(conn, &caller, filter, after, limit)?))
        .await?;
    let body = PageBody::from_page(page, |p| p);
    if !as_csv {
        return Ok(HttpResponse::Ok().json(PaymentPage {
            items: body.items,
            next: body.next,
        }));
    }
    let table = csv::table(body.items.iter().map(PaymentRow::of))?;
    let mut response = csv::ok();
    if let Some(next) = &body.next {
        response.insert_header((header::LINK, format!("<?after={next}>; rel=\"next\"")));
    }
    Ok(response.body(table))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(report_delivery).service(list_payments);
}
