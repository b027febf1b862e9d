//! The commissioner's journey: the areas' budgets per financial year → orders awaiting
//! budget approval → approve → an area's matching policy → run a batch and read its
//! saving → the reports (spend, unmet demand, waiting times, providers), each a chart,
//! the same figures as a table, and a CSV download → record people's reoffending, one
//! by one or as an uploaded CSV, and read the graduated outcome payments it earned.
//! Routes under `/commissioner`, templates under `templates/commissioner/`. Every page
//! calls the market use case the API's route of the same name calls.

mod approvals;
mod budgets;
mod cherry_picking_view;
mod contributions;
mod multipart;
mod outcomes;
mod policy;
mod report_equality;
pub(crate) mod report_pages;
mod report_views;
mod runs;

use actix_web::web;
use provider_hub_domain::Role;
use provider_hub_market::orders::{self, OrderView};
use provider_hub_market::MAX_PAGE;
use provider_hub_store::orders::OrderFilter;

use crate::page::WebError;
use crate::session::Person;
use crate::WebState;

/// The commissioner's service navigation.
pub const NAV: &[(&str, &str)] = &[
    ("/commissioner", "Budgets"),
    ("/commissioner/approvals", "Approvals"),
    ("/commissioner/areas", "Policies"),
    ("/commissioner/runs/new", "Batch matching"),
    ("/commissioner/reports", "Reports"),
    ("/commissioner/outcomes", "Outcomes"),
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(budgets::home))
        .route("/budgets/{area}/{year}", web::get().to(budgets::budget))
        .route(
            "/budgets/{area}/{year}/contributions",
            web::get().to(contributions::form),
        )
        .route(
            "/budgets/{area}/{year}/contributions",
            web::post().to(contributions::set),
        )
        .route(
            "/budgets/{area}/{year}/contributors/{contributor}",
            web::get().to(contributions::statement),
        )
        .route(
            "/budgets/{area}/{year}/contributors/{contributor}/csv",
            web::get().to(contributions::statement_csv),
        )
        .route(
            "/areas/{code}/carry-over",
            web::get().to(contributions::carry_over_form),
        )
        .route(
            "/areas/{code}/carry-over",
            web::post().to(contributions::set_carry_over),
        )
        .route("/approvals", web::get().to(approvals::list))
        .route("/approvals/{id}", web::get().to(approvals::order))
        .route("/approvals/{id}", web::post().to(approvals::approve))
        .route("/areas", web::get().to(policy::areas))
        .route("/areas/{code}/policy", web::get().to(policy::form))
        .route("/areas/{code}/policy", web::post().to(policy::set))
        .route("/runs/new", web::get().to(runs::new_run))
        .route("/runs", web::post().to(runs::run))
        .route("/runs/{id}", web::get().to(runs::run_page))
        .route("/reports", web::get().to(report_pages::index))
        .route("/reports/{report}", web::get().to(report_pages::report))
        .route("/reports/{report}/csv", web::get().to(report_pages::csv))
        .route("/outcomes", web::get().to(outcomes::list))
        .route("/outcomes/record", web::get().to(outcomes::record_form))
        .route("/outcomes/record", web::post().to(outcomes::record))
        .route("/outcomes/upload", web::get().to(outcomes::upload_form))
        .route("/outcomes/upload", web::post().to(outcomes::upload))
        .route("/outcomes/uploads/{id}", web::get().to(outcomes::progress))
        .route("/outcomes/{id}", web::get().to(outcomes::outcome));
}

/// 403 for anyone but a commissioner or an analyst: the report pages' readers.
pub(crate) fn reports_reader(person: &Person) -> Result<(), WebError> {
    person.require_any(&[Role::Commissioner, Role::Analyst])
}

/// 403 for anyone but a commissioner.
pub(super) fn commissioner(person: &Person) -> Result<(), WebError> {
    person.require(Role::Commissioner)
}

/// Every order in `status`, through the same list the API's `/v1/orders?status=` reads,
/// oldest first; at most `limit` of them.
pub(super) async fn orders_in(
    state: &WebState,
    person: &Person,
    status: provider_hub_domain::order::OrderStatus,
    limit: usize,
) -> Result<Vec<OrderView>, WebError> {
    let caller = person.caller(state.now());
    state
        .db(move |conn| {
            let filter = OrderFilter {
                status: Some(status),
                ..OrderFilter::default()
            };
            let mut found = Vec::new();
            let mut after = None;
            loop {
                let page = orders::list(conn, &caller, filter.clone(), after, MAX_PAGE)?;
                found.extend(page.items);
                if found.len() >= limit {
                    found.truncate(limit);
                    return Ok(found);
                }
                match page
                    .next
                    .and_then(|n| provider_hub_store::cursor::decode::<String>(&n))
                {
                    Some(next) => after = Some(next),
                    None => return Ok(found),
                }
            }
        })
        .await
}

/// One order, as the API's `/v1/orders/{id}` reads it for a commissioner.
pub(super) async fn order_of(
    state: &WebState,
    person: &Person,
    id: String,
) -> Result<OrderView, WebError> {
    let caller = person.caller(state.now());
    state.db(move |conn| orders::get(conn, &caller, &id)).await
}

/// An area's name beside its code: `Sheffield (SY-SHF)`.
pub(super) fn area_names(
    areas: &[provider_hub_store::areas::AreaRow],
) -> impl Fn(&str) -> String + '_ {
    move |code: &str| match areas.iter().find(|a| a.code == code) {
        Some(a) => format!("{} ({code})", a.name),
        None => code.to_owned(),
    }
}

pub(super) async fn all_areas(
    state: &WebState,
) -> Result<Vec<provider_hub_store::areas::AreaRow>, WebError> {
    state
        .db(|conn| Ok(provider_hub_market::areas::list(conn, None, MAX_PAGE)?.items))
        .await
}
