//! `/v1/offers`: a provider's offers, accepted or declined.

use actix_web::{get, post, web};
use provider_hub_market::access::{self, Objects};
use provider_hub_market::offers::{self as market, OfferView, Refusal};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::json::RawBody;
use crate::pagination::{page_request, PageBody};
use crate::state::AppState;

/// A page of offers.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfferPage {
    pub items: Vec<OfferView>,
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OfferListQuery {
    /// Only offers in this status: `pending`, `accepted`, `declined`, `expired`, `cancelled`,
    /// `withdrawn`.
    #[param(pattern = "^(pending|accepted|declined|expired|cancelled)$")]
    pub status: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
}

/// Lists offers: a provider its own; the quality team all.
#[utoipa::path(tag = "offers", params(OfferListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "A page of offers", body = OfferPage),
    Unauthenticated,
    (status = 403, description = "The role does not see offers", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad status, limit or cursor", body = Problem, content_type = "application/problem+json"),
))]
#[get("/offers")]
async fn list_offers(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<OfferListQuery>,
) -> Result<web::Json<OfferPage>, ApiError> {
    caller.require(access::readers(Objects::Offers))?;
    let (limit, after) = page_request::<String>(query.limit.as_deref(), query.after.as_deref())?;
    let (status, caller) = (query.status.clone(), caller.at(state.now()));
    let page = state
        .db(move |conn| Ok(market::list(conn, &caller, status, after, limit)?))
        .await?;
    let body = PageBody::from_page(page, |o| o);
    Ok(web::Json(OfferPage {
        items: body.items,
        next: body.next,
    }))
}

/// Accepts an offer (its provider): the order is `accepted` and its start date committed.
/// A provider that is not a member for the order's category on the start date (suspended,
/// revoked, or its accreditation not counting then) cannot accept.
#[utoipa::path(tag = "offers", security(("bearer" = [])), params(("id" = String, Path, description = "Offer id")), responses(
    (status = 200, description = "Accepted", body = OfferView),
    Unauthenticated,
    (status = 403, description = "Not a provider", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such offer of the caller's", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not pending (withdrawn, expired, answered), or the provider is not a member for the order's category on the start date", body = Problem, content_type = "application/problem+json"),
))]
#[post("/offers/{id}/accept")]
async fn accept_offer(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<OfferView>, ApiError> {
    let provider_id = caller.provider_id()?.to_owned();
    let (id, actor, now) = (id.into_inner(), caller.actor(), state.now());
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::accept(conn, &actor, &provider_id, &id, now)?))
            .await?,
    ))
}

/// Declines an offer with a reason (its provider): the place is released and the order
/// is matched again at once, never to this listing.
#[utoipa::path(tag = "offers", security(("bearer" = [])), request_body = Refusal,
    params(("id" = String, Path, description = "Offer id")), responses(
    (status = 200, description = "Declined", body = OfferView),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not a provider", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such offer of the caller's", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Not pending, or expired", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "No reason, or too long", body = Problem, content_type = "application/problem+json"),
))]
#[post("/offers/{id}/decline")]
async fn decline_offer(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: RawBody,
) -> Result<web::Json<OfferView>, ApiError> {
    let provider_id = caller.provider_id()?.to_owned();
    let refusal = body.json::<Refusal>()?.value;
    let (id, actor, now, settings) = (id.into_inner(), caller.actor(), state.now(), state.matching);
    Ok(web::Json(
        state
            .db(move |conn| {
                Ok(market::decline(
                    conn,
                    &actor,
                    &provider_id,
                    &id,
                    refusal,
                    settings,
                    now,
                )?)
            })
            .await?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_offers)
        .service(accept_offer)
        .service(decline_offer);
}
