//! `/v1/court/orders`: the court's view of the sentences it passed — each requirement's
//! order, its status and its committed start date.

use actix_web::{get, web};
use provider_hub_domain::Role;
use provider_hub_market::court::{self as market, CourtOrder};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::{ApiError, Problem, Unauthenticated};
use crate::pagination::{page_request, PageBody};
use crate::state::AppState;

/// A page of the court's orders.
#[derive(Debug, Serialize, ToSchema)]
pub struct CourtOrderPage {
    pub items: Vec<CourtOrder>,
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct CourtOrderQuery {
    /// Only this person's orders.
    pub crn: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
}

/// Lists the orders of the sentences passed at the caller's court (a `court` token): each
/// requirement's order, its status and its committed start date. Nothing of other courts.
#[utoipa::path(tag = "courts", params(CourtOrderQuery), security(("bearer" = [])), responses(
    (status = 200, description = "A page of the court's orders", body = CourtOrderPage),
    Unauthenticated,
    (status = 403, description = "Not a court", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad limit or cursor", body = Problem, content_type = "application/problem+json"),
))]
#[get("/court/orders")]
async fn court_orders(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<CourtOrderQuery>,
) -> Result<web::Json<CourtOrderPage>, ApiError> {
    caller.require(&[Role::Court])?;
    let (limit, after) = page_request::<String>(query.limit.as_deref(), query.after.as_deref())?;
    let crn = query.crn.clone();
    let caller = caller.at(state.now());
    let page = state
        .db(move |conn| Ok(market::orders(conn, &caller, crn.as_deref(), after, limit)?))
        .await?;
    let body = PageBody::from_page(page, |o| o);
    Ok(web::Json(CourtOrderPage {
        items: body.items,
        next: body.next,
    }))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(court_orders);
}
