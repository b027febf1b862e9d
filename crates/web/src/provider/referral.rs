//! The referral pack of an order the provider accepted: what delivery needs to know
//! about the person, and nothing more. Each view is a recorded read.

use actix_web::{web, HttpResponse};
use askama::Template;
use provider_hub_market::referral;

use super::provider_of;
use crate::page::{self, render, Layout, WebError};
use crate::session::Person;
use crate::WebState;

struct NeedRow {
    need: String,
    severity: String,
    linked: bool,
}

#[derive(Template)]
#[template(path = "provider/referral_pack.html")]
struct PackPage {
    layout: Layout,
    order_id: String,
    requirement: Option<String>,
    needs: Vec<NeedRow>,
    risk: String,
    contact_name: String,
    contact_email: Option<String>,
    contact_phone: Option<String>,
    notes: Option<String>,
}

/// `/provider/orders/{id}/referral-pack`.
pub async fn pack(
    state: web::Data<WebState>,
    person: Person,
    id: web::Path<String>,
) -> Result<HttpResponse, WebError> {
    provider_of(&person)?;
    let caller = person.caller(state.now());
    let order_id = id.into_inner();
    let read_id = order_id.clone();
    let pack = state
        .db(move |conn| referral::read(conn, &caller, &read_id))
        .await?;
    render(&PackPage {
        layout: Layout::new(&person, "Referral pack", "/provider/orders"),
        order_id,
        requirement: pack
            .requirement
            .as_ref()
            .map(crate::om::assessments::requirement_words),
        needs: pack
            .needs
            .iter()
            .map(|n| NeedRow {
                need: page::words(n.need.as_str()),
                severity: page::words(n.severity.as_str()),
                linked: n.linked_to_offending,
            })
            .collect(),
        risk: page::words(pack.risk_of_serious_harm.as_str()),
        contact_name: pack.offender_manager.name,
        contact_email: pack.offender_manager.email,
        contact_phone: pack.offender_manager.phone,
        notes: pack.notes,
    })
}
