//! Pooled budgets: the agencies' contributions to a budget
//! (`/v1/budgets/{area}/{year}/contributions`), each contributor's statement as JSON or CSV
//! (`…/contributors/{contributor}/statement`), and an area's carry-over rule
//! (`/v1/areas/{code}/carry-over`).

use actix_web::{get, put, web, HttpRequest, HttpResponse};
use provider_hub_domain::Role;
use provider_hub_market::budgets::BudgetView;
use provider_hub_market::contributions::{
    self as market, CarryOverView, SetCarryOver, SetContributions,
};
use provider_hub_market::statements::{self, ContributorStatement};
use serde::Deserialize;
use utoipa::IntoParams;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::csv;
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::json::RawBody;
use crate::state::AppState;

const READERS: &[Role] = &[Role::Commissioner, Role::Quality];

/// Who reads a contributor's statement: the budget's readers and, as with every report of
/// spend, the commissioners' data team.
const STATEMENT_READERS: &[Role] = &[Role::Commissioner, Role::Quality, Role::Analyst];

/// Sets the whole list of a budget's contributions (commissioners), creating the budget if
/// need be: its allocation becomes their sum.
#[utoipa::path(tag = "budgets", security(("bearer" = [])), request_body = SetContributions, params(
    ("area" = String, Path, description = "Area code"),
    ("year" = i32, Path, description = "Financial year, e.g. 2026 for April 2026 to March 2027"),
), responses(
    (status = 200, description = "The budget with its contributors' lines", body = BudgetView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not a commissioner", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such area or year", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A contributor blank, malformed or named twice; an amount or the total out of range", body = Problem, content_type = "application/problem+json"),
))]
#[put("/budgets/{area}/{year}/contributions")]
async fn set_contributions(
    caller: Caller,
    state: web::Data<AppState>,
    path: web::Path<(String, i32)>,
    body: RawBody,
) -> Result<web::Json<BudgetView>, ApiError> {
    caller.require(&[Role::Commissioner])?;
    let setting = body.json::<SetContributions>()?.value;
    let (area, year) = path.into_inner();
    let (actor, now) = (caller.actor(), state.now());
    Ok(web::Json(
        state
            .db(move |conn| {
                Ok(market::set_contributions(
                    conn, &actor, &area, year, setting, now,
                )?)
            })
            .await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct StatementQuery {
    /// `csv` for the rows as CSV (as `Accept: text/csv` does), `json` (the default).
    #[param(value_type = Option<String>, pattern = "^(csv|json)$")]
    pub format: Option<String>,
}

/// A contributor's statement of a budget: contributed, carried in, share, the year's
/// payments attributed to them (in total, by category, by month), commitments and offers
/// attributed, unspent and carried out. JSON, or CSV rows with `Accept: text/csv` or
/// `?format=csv`. The statements of a budget's contributors add up to its figures and to
/// the payments, to the penny.
#[utoipa::path(tag = "budgets", security(("bearer" = [])), params(
    ("area" = String, Path, description = "Area code"),
    ("year" = i32, Path, description = "Financial year"),
    ("contributor" = String, Path, description = "Contributor key (`unattributed` for a budget without contributions)"),
    StatementQuery,
), responses(
    (status = 200, description = "The statement", content(
        (ContributorStatement = "application/json"),
        (String = "text/csv"),
    )),
    Unauthenticated,
    (status = 403, description = "Not a commissioner, the quality team or an analyst", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such budget, or no such contributor of it", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A format other than json or csv", body = Problem, content_type = "application/problem+json"),
))]
#[get("/budgets/{area}/{year}/contributors/{contributor}/statement")]
async fn statement(
    caller: Caller,
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(String, i32, String)>,
    query: web::Query<StatementQuery>,
) -> Result<HttpResponse, ApiError> {
    caller.require(STATEMENT_READERS)?;
    let as_csv = match query.format.as_deref() {
        None => csv::wants(&req),
        Some("csv") => true,
        Some("json") => false,
        Some(_) => return Err(ApiError::invalid("format", "must be json or csv")),
    };
    let (area, year, contributor) = path.into_inner();
    let now = state.now();
    let found: ContributorStatement = state
        .db(move |conn| Ok(statements::statement(conn, &area, year, &contributor, now)?))
        .await?;
    if !as_csv {
        return Ok(HttpResponse::Ok().json(found));
    }
    Ok(csv::ok().body(statements::csv(&found)?))
}

/// An area's carry-over rule for unspent budget (`none` unless a commissioner set another).
#[utoipa::path(tag = "budgets", security(("bearer" = [])), params(("code" = String, Path, description = "Area code")), responses(
    (status = 200, description = "The rule", body = CarryOverView),
    Unauthenticated,
    (status = 403, description = "Neither a commissioner nor the quality team", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such area", body = Problem, content_type = "application/problem+json"),
))]
#[get("/areas/{code}/carry-over")]
async fn get_carry_over(
    caller: Caller,
    state: web::Data<AppState>,
    code: web::Path<String>,
) -> Result<web::Json<CarryOverView>, ApiError> {
    caller.require(READERS)?;
    let code = code.into_inner();
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::carry_over(conn, &code)?))
            .await?,
    ))
}

/// Sets an area's carry-over rule (commissioners): `none`, `all`, or `capped` with
/// `cap_percent` of a year's allocation. Each year's unspent money (allocated and carried
/// in, less payments) carries into the next year's budget, each contributor's share to
/// them; every year of the area reads by the rule from now on.
#[utoipa::path(tag = "budgets", security(("bearer" = [])), request_body = SetCarryOver,
    params(("code" = String, Path, description = "Area code")), responses(
    (status = 200, description = "The rule as set", body = CarryOverView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not a commissioner", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such area", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Cap missing or out of range for capped, or given for another rule", body = Problem, content_type = "application/problem+json"),
))]
#[put("/areas/{code}/carry-over")]
async fn set_carry_over(
    caller: Caller,
    state: web::Data<AppState>,
    code: web::Path<String>,
    body: RawBody,
) -> Result<web::Json<CarryOverView>, ApiError> {
    caller.require(&[Role::Commissioner])?;
    let setting = body.json::<SetCarryOver>()?.value;
    let (code, actor, now) = (code.into_inner(), caller.actor(), state.now());
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::set_carry_over(conn, &actor, &code, setting, now)?))
            .await?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(set_contributions)
        .service(statement)
        .service(get_carry_over)
        .service(set_carry_over);
}
