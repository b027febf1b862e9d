//! `/v1/events`: the events of the caller's own orders and offers, to poll with a cursor
//! (the same events a provider's webhook receives).

use actix_web::{get, web};
use provider_hub_domain::event::EventKind;
use provider_hub_market::events::{self as market, EventItem, EventQuery};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::{ApiError, Problem, Unauthenticated};
use crate::pagination::{page_request, PageBody};
use crate::state::AppState;

/// A page of events, oldest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventPage {
    pub items: Vec<EventItem>,
    /// Pass as `after` for the next page; null when this page reached the newest event
    /// (to keep polling, pass the last item's `cursor`).
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct EventListQuery {
    /// Only events after this cursor (an item's `cursor`, or a page's `next`).
    pub after: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Only events of this order.
    pub order_id: Option<String>,
    /// Only events of this type, e.g. `offer.created`.
    #[param(rename = "type", value_type = Option<EventKind>)]
    #[serde(rename = "type")]
    pub kind: Option<String>,
}

/// Lists events, oldest first: a provider those concerning it (its offers and the orders
/// placed with it), an offender manager those of its area's cases, the other roles all.
#[utoipa::path(tag = "events", params(EventListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "A page of events", body = EventPage),
    Unauthenticated,
    (status = 403, description = "A role that reads no events (analysts), or a token without the scope its role reads events for", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad type, limit or cursor", body = Problem, content_type = "application/problem+json"),
))]
#[get("/events")]
async fn list_events(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<EventListQuery>,
) -> Result<web::Json<EventPage>, ApiError> {
    let (limit, after) = page_request::<i64>(query.limit.as_deref(), query.after.as_deref())?;
    // An empty type is not a type (the document lists the values), so it is refused too.
    let kind = query
        .kind
        .as_deref()
        .map(|k| {
            k.parse::<EventKind>()
                .map_err(|e| ApiError::invalid("type", e))
        })
        .transpose()?;
    let filter = EventQuery {
        order_id: query.order_id.clone(),
        kind,
    };
    let caller = caller.at(state.now());
    let page = state
        .db(move |conn| Ok(market::list(conn, &caller, filter, after, limit)?))
        .await?;
    let body = PageBody::from_page(page, |e| e);
    Ok(web::Json(EventPage {
        items: body.items,
        next: body.next,
    }))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_events);
}
