//! `/v1/budgets`: areas' pooled budgets per financial year; and a commissioner's approval
//! of an order's spend over budget (`/v1/orders/{id}/approve-budget`).

use actix_web::http::StatusCode;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use provider_hub_domain::{FieldError, Role};
use provider_hub_market::budgets::{self as market, BudgetView, SetBudget};
use provider_hub_market::orders::OrderView;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::filters::Faults;
use crate::json::RawBody;
use crate::pagination::{page_request, PageBody};
use crate::state::AppState;

const READERS: &[Role] = &[Role::Commissioner, Role::Quality];

/// A page of budgets.
#[derive(Debug, Serialize, ToSchema)]
pub struct BudgetPage {
    pub items: Vec<BudgetView>,
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct BudgetListQuery {
    /// Only this area's budgets.
    #[param(value_type = Option<String>, pattern = "^[A-Z0-9]+(-[A-Z0-9]+)*$", min_length = 2, max_length = 16)]
    pub area: Option<String>,
    /// Only this financial year's (e.g. 2026 for April 2026 to March 2027).
    #[param(value_type = Option<i32>, minimum = 2000, maximum = 2100)]
    pub financial_year: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
}

/// The budgets set, by area and financial year, with what is held against each.
#[utoipa::path(tag = "budgets", params(BudgetListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "A page of budgets with what is held against them", body = BudgetPage),
    Unauthenticated,
    (status = 403, description = "Neither a commissioner nor the quality team", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "An unknown area, a year outside 2000–2100, a bad limit or cursor (every one named)", body = Problem, content_type = "application/problem+json"),
))]
#[get("/budgets")]
async fn list_budgets(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<BudgetListQuery>,
) -> Result<web::Json<BudgetPage>, ApiError> {
    caller.require(READERS)?;
    let query = query.into_inner();
    let mut faults = Faults::default();
    let page = faults.take(page_request::<(String, i32)>(
        query.limit.as_deref(),
        query.after.as_deref(),
    ));
    let year = match query.financial_year.as_deref().map(str::parse::<i32>) {
        None => None,
        Some(Ok(year)) if (2000..=2100).contains(&year) => Some(year),
        Some(_) => {
            faults.push(FieldError::new(
                "financial_year",
                "must be a year from 2000 to 2100, e.g. 2026 for April 2026 to March 2027",
            ));
            None
        }
    };
    let area = query.area;
    let page = state
        .db(move |conn| {
            faults.check(conn, area.as_deref())?;
            // A page request at fault was refused by the check.
            let (limit, after) = page.unwrap_or_default();
            Ok(market::page(conn, area.as_deref(), year, after, limit)?)
        })
        .await?;
    let body = PageBody::from_page(page, |b| b);
    Ok(web::Json(BudgetPage {
        items: body.items,
        next: body.next,
    }))
}

/// An area's budget for a financial year (April–March, named by its first year):
/// allocated, committed, offered, spent and remaining, in pence.
#[utoipa::path(tag = "budgets", security(("bearer" = [])), params(
    ("area" = String, Path, description = "Area code"),
    ("year" = i32, Path, description = "Financial year, e.g. 2026 for April 2026 to March 2027"),
), responses(
    (status = 200, description = "The budget", body = BudgetView),
    Unauthenticated,
    (status = 403, description = "Neither a commissioner nor the quality team", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No budget set for that area and year", body = Problem, content_type = "application/problem+json"),
))]
#[get("/budgets/{area}/{year}")]
async fn get_budget(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
) -> Result<web::Json<BudgetView>, ApiError> {
    caller.require(READERS)?;
    let (area, year) = path.into_inner();
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::get(conn, &area, year)?))
            .await?,
    ))
}

/// Sets an area's allocation for a financial year (commissioners).
#[utoipa::path(tag = "budgets", security(("bearer" = [])), request_body = SetBudget, params(
    ("area" = String, Path, description = "Area code"),
    ("year" = i32, Path, description = "Financial year"),
), responses(
    (status = 200, description = "The budget as set", body = BudgetView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not a commissioner", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such area or year", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The budget is funded by named contributions: set those instead", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Allocation out of range", body = Problem, content_type = "application/problem+json"),
))]
#[put("/budgets/{area}/{year}")]
async fn set_budget(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
    body: RawBody,
) -> Result<web::Json<BudgetView>, ApiError> {
    caller.require(&[Role::Commissioner])?;
    let setting = body.json::<SetBudget>()?.value;
    let (area, year) = path.into_inner();
    let (actor, now) = (caller.actor(), state.now());
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::set(conn, &actor, &area, year, setting, now)?))
            .await?,
    ))
}

/// Approves an order's spend over its area's budget (commissioners): it is matched at once.
#[utoipa::path(tag = "budgets", security(("bearer" = [])),
    params(
        ("id" = String, Path, description = "Order id"),
        ("Idempotency-Key" = Option<String>, Header, pattern = "^[!-~]{1,255}$", description = "Replays the first answer for the same key"),
    ),
    responses(
    (status = 200, description = "Approved and matched", body = OrderView),
    Unauthenticated,
    (status = 403, description = "Not a commissioner", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such order", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not awaiting approval", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Idempotency-Key malformed or reused", body = Problem, content_type = "application/problem+json"),
))]
#[post("/orders/{id}/approve-budget")]
async fn approve_budget(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Commissioner])?;
    let (id, settings) = (id.into_inner(), state.matching);
    crate::idempotency::create(
        &state,
        &caller,
        &req,
        &serde_json::Value::Null,
        StatusCode::OK,
        move |conn, actor, now| market::approve(conn, actor, &id, settings, now),
    )
    .await
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_budgets)
        .service(get_budget)
        .service(set_budget)
        .service(approve_budget);
}
