//! The offender manager's journey: caseload → register a case → record the single
//! assessment → submit → countersign another's → the costed sentence plan, shaped and,
//! for a person already bought for, revised → approve (buy) → the person's orders →
//! cancel → each order's delivery and payments → enforcement (decisions, breach
//! proceedings and their outcome) and ending an order; a case's transfer to another area
//! and the area's transfers; plans due for review.
//! Routes under `/om`, templates under `templates/om/`.

pub(crate) mod assessments;
mod cases;
mod countersign;
mod enforcement;
mod equality;
mod orders;
mod plans;
mod shaping;
mod transfers;

use std::collections::HashMap;

use actix_web::web;
use provider_hub_domain::Scope;
use provider_hub_market::providers;
use provider_hub_store::DbConn;

/// The offender manager's service navigation.
pub const NAV: &[(&str, &str)] = &[
    ("/om", "Caseload"),
    ("/om/cases/new", "Register a case"),
    ("/om/countersign", "Countersign"),
    ("/om/reviews", "Plans due for review"),
    ("/om/transfers", "Transfers"),
    ("/om/availability-quote", "Availability quote"),
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("", web::get().to(cases::caseload))
        .route("/cases/new", web::get().to(cases::new_case))
        .route("/cases/new", web::post().to(cases::register))
        .route("/cases/{crn}", web::get().to(cases::case))
        .route("/cases/{crn}/equality", web::post().to(equality::record))
        .route(
            "/cases/{crn}/transfer",
            web::get().to(transfers::transfer_form),
        )
        .route("/cases/{crn}/transfer", web::post().to(transfers::transfer))
        .route("/transfers", web::get().to(transfers::list))
        .route("/transfers/{id}", web::get().to(transfers::transfer_page))
        .route(
            "/cases/{crn}/assessments/new",
            web::get().to(assessments::new_assessment),
        )
        .route(
            "/cases/{crn}/assessments/new",
            web::post().to(assessments::record),
        )
        .route("/countersign", web::get().to(countersign::waiting))
        .route("/assessments/{id}", web::get().to(assessments::assessment))
        .route(
            "/assessments/{id}/submit",
            web::post().to(assessments::submit),
        )
        .route(
            "/assessments/{id}/countersign",
            web::post().to(assessments::countersign),
        )
        .route(
            "/assessments/{id}/reject",
            web::post().to(assessments::reject),
        )
        .route("/assessments/{id}/plan", web::get().to(plans::plan))
        .route(
            "/assessments/{id}/plan/approve",
            web::post().to(plans::approve),
        )
        .route(
            "/assessments/{id}/plan/bought",
            web::get().to(plans::bought),
        )
        .route(
            "/assessments/{id}/plan/items/{item}",
            web::get().to(shaping::item),
        )
        .route(
            "/assessments/{id}/plan/items/{item}",
            web::post().to(shaping::set_aside),
        )
        .route(
            "/assessments/{id}/plan/items/{item}/restore",
            web::post().to(shaping::restore),
        )
        .route(
            "/assessments/{id}/plan/sequence",
            web::post().to(shaping::sequence),
        )
        .route("/reviews", web::get().to(shaping::reviews))
        .route("/orders/{id}", web::get().to(orders::order))
        .route("/orders/{id}/cancel", web::get().to(orders::cancel_form))
        .route("/orders/{id}/cancel", web::post().to(orders::cancel))
        .route(
            "/orders/{id}/failures/{failure}/decision",
            web::get().to(enforcement::decision_form),
        )
        .route(
            "/orders/{id}/failures/{failure}/decision",
            web::post().to(enforcement::decide),
        )
        .route(
            "/orders/{id}/breach/proceedings",
            web::post().to(enforcement::start_proceedings),
        )
        .route(
            "/orders/{id}/breach/outcome",
            web::get().to(enforcement::outcome_form),
        )
        .route(
            "/orders/{id}/breach/outcome",
            web::post().to(enforcement::record_outcome),
        )
        .route("/orders/{id}/end", web::get().to(enforcement::end_form))
        .route("/orders/{id}/end", web::post().to(enforcement::end))
        .route(
            "/orders/{id}/referral-notes",
            web::post().to(orders::set_notes),
        )
        .route("/orders/{id}/contact", web::post().to(orders::set_contact))
        .route("/availability-quote", web::get().to(crate::quote::form))
        .route("/availability-quote", web::post().to(crate::quote::ask));
}

/// How an order was placed, in words: its provider by name, its price and its start.
pub(crate) struct Placed {
    pub provider: String,
    pub price: String,
    pub start: String,
}

pub(crate) fn placed(
    o: &provider_hub_market::orders::OrderView,
    names: &HashMap<String, String>,
) -> Placed {
    Placed {
        provider: o
            .provider_id
            .as_ref()
            .map(|p| names.get(p).cloned().unwrap_or_else(|| p.clone()))
            .unwrap_or_else(|| "Not placed".into()),
        price: o
            .price_pence
            .map(|p| crate::page::priced(p, o.list_price_pence, o.multiplier_bps))
            .unwrap_or_else(|| "–".into()),
        start: o
            .committed_start_date
            .or(o.starts_on)
            .map(crate::page::date)
            .unwrap_or_else(|| "Not yet known".into()),
    }
}

/// Providers' names by id, as the caller may read them (an unknown id keeps its id).
pub(crate) fn provider_names(
    conn: &mut DbConn,
    scope: &Scope,
    ids: impl IntoIterator<Item = String>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<HashMap<String, String>, provider_hub_market::Error> {
    let mut names = HashMap::new();
    for id in ids {
        if names.contains_key(&id) {
            continue;
        }
        let name = match providers::get(conn, scope, &id, now) {
            Ok(p) => p.name,
            Err(provider_hub_market::Error::NotFound(_)) => id.clone(),
            Err(e) => return Err(e),
        };
        names.insert(id, name);
    }
    Ok(names)
}
