//! The referral pack: `GET /v1/orders/{id}/referral-pack` (the provider that accepted
//! the order), `PUT /v1/orders/{id}/referral-notes` and
//! `GET /v1/orders/{id}/referral-pack/reads` (an offender manager of the case's area),
//! `GET/PUT /v1/cases/{crn}/contact` (the offender manager's contact on a case).

use actix_web::{get, put, web};
use provider_hub_domain::referral::{Contact, ReferralPack};
use provider_hub_domain::Role;
use provider_hub_market::referral::{self as market, PackRead, ReferralNotes};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::json::RawBody;
use crate::state::AppState;

/// The reads of an order's referral pack.
#[derive(Debug, Serialize, ToSchema)]
pub struct PackReads {
    pub items: Vec<PackRead>,
}

/// Reads the referral pack of an order the calling provider accepted: the requirement,
/// the needs it addresses with their severity, the risk of serious harm, the offender
/// manager's contact and notes for delivery — nothing more. Each read is recorded.
#[utoipa::path(tag = "orders", security(("bearer" = [])), params(("id" = String, Path, description = "Order id")), responses(
    (status = 200, description = "The referral pack", body = ReferralPack),
    Unauthenticated,
    (status = 403, description = "Not a provider", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "Not an order this provider has accepted", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The order has ended and its payments are settled", body = Problem, content_type = "application/problem+json"),
))]
#[get("/orders/{id}/referral-pack")]
async fn referral_pack(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<ReferralPack>, ApiError> {
    caller.require(&[Role::Provider])?;
    let (id, caller) = (id.into_inner(), caller.at(state.now()));
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::read(conn, &caller, &id)?))
            .await?,
    ))
}

/// Who read an order's referral pack, and when (an offender manager of the case's area).
#[utoipa::path(tag = "orders", security(("bearer" = [])), params(("id" = String, Path, description = "Order id")), responses(
    (status = 200, description = "The reads, oldest first", body = PackReads),
    Unauthenticated,
    (status = 403, description = "Not an offender manager", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such order in the caller's area", body = Problem, content_type = "application/problem+json"),
))]
#[get("/orders/{id}/referral-pack/reads")]
async fn referral_pack_reads(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<PackReads>, ApiError> {
    caller.require(&[Role::OffenderManager])?;
    let (id, caller) = (id.into_inner(), caller.at(state.now()));
    let items = state
        .db(move |conn| Ok(market::reads(conn, &caller, &id)?))
        .await?;
    Ok(web::Json(PackReads { items }))
}

/// Sets the notes for delivery on an order (an offender manager of the case's area):
/// accessibility, an interpreter, anything the provider needs; the provider reads them in
/// the referral pack.
#[utoipa::path(tag = "orders", security(("bearer" = [])), request_body = ReferralNotes,
    params(("id" = String, Path, description = "Order id")), responses(
    (status = 200, description = "The notes as set", body = ReferralNotes),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not an offender manager", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such order in the caller's area", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Notes too long", body = Problem, content_type = "application/problem+json"),
))]
#[put("/orders/{id}/referral-notes")]
async fn set_referral_notes(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: RawBody,
) -> Result<web::Json<ReferralNotes>, ApiError> {
    caller.require(&[Role::OffenderManager])?;
    let notes = body.json::<ReferralNotes>()?.value;
    let (id, caller) = (id.into_inner(), caller.at(state.now()));
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::set_notes(conn, &caller, &id, notes)?))
            .await?,
    ))
}

/// Sets the offender manager's contact on a case of the caller's area: the provider
/// reads it in the referral pack of each accepted order.
#[utoipa::path(tag = "cases", security(("bearer" = [])), request_body = Contact,
    params(("crn" = String, Path, description = "Case reference number")), responses(
    (status = 200, description = "The contact as set", body = Contact),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not an offender manager", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such case in the caller's area", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No name, or a bad email or phone", body = Problem, content_type = "application/problem+json"),
))]
#[put("/cases/{crn}/contact")]
async fn set_case_contact(
    caller: Caller,
    state: web::Data<AppState>,
    crn: web::Path<String>,
    body: RawBody,
) -> Result<web::Json<Contact>, ApiError> {
    caller.require(&[Role::OffenderManager])?;
    let contact = body.json::<Contact>()?.value;
    let (crn, caller) = (crn.into_inner(), caller.at(state.now()));
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::set_contact(conn, &caller, &crn, contact)?))
            .await?,
    ))
}

/// The offender manager's contact on a case of the caller's area (null until set).
#[utoipa::path(tag = "cases", security(("bearer" = [])),
    params(("crn" = String, Path, description = "Case reference number")), responses(
    (status = 200, description = "The contact, or null", body = Option<Contact>),
    Unauthenticated,
    (status = 403, description = "Not an offender manager", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such case in the caller's area", body = Problem, content_type = "application/problem+json"),
))]
#[get("/cases/{crn}/contact")]
async fn case_contact(
    caller: Caller,
    state: web::Data<AppState>,
    crn: web::Path<String>,
) -> Result<web::Json<Option<Contact>>, ApiError> {
    caller.require(&[Role::OffenderManager])?;
    let (crn, caller) = (crn.into_inner(), caller.at(state.now()));
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::contact(conn, &caller, &crn)?))
            .await?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(referral_pack)
        .service(referral_pack_reads)
        .service(set_referral_notes)
        .service(set_case_contact)
        .service(case_contact);
}
