//! `/v1/availability-quotes`: before sentence, what the market could offer now for each
//! proposed requirement; nothing is held.

use actix_web::{post, web};
use provider_hub_domain::quote::QuoteRequest;
use provider_hub_domain::Role;
use provider_hub_market::quote::{self as market, AvailabilityQuote};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::json::RawBody;
use crate::state::AppState;

/// Quotes the proposed requirements for a person in an area (an offender manager or a
/// court): for each, the start date and price of the place the area's policy would choose
/// now, the earliest start any listing offers, or why there is none. No place is held and
/// nothing is written.
#[utoipa::path(tag = "courts", security(("bearer" = [])), request_body = QuoteRequest, responses(
    (status = 200, description = "The quote", body = AvailabilityQuote),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not an offender manager or a court", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "A field is missing or wrong, or the area is unknown", body = Problem, content_type = "application/problem+json"),
))]
#[post("/availability-quotes")]
async fn availability_quote(
    caller: Caller,
    state: web::Data<AppState>,
    body: RawBody,
) -> Result<web::Json<AvailabilityQuote>, ApiError> {
    caller.require(&[Role::OffenderManager, Role::Court])?;
    let asked = body.json::<QuoteRequest>()?.value;
    let caller = caller.at(state.now());
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::quote(conn, &caller, asked)?))
            .await?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(availability_quote);
}
