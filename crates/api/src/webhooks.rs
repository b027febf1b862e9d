//! `/v1/providers/{id}/webhook` (a provider's webhook and its secret) and
//! `/v1/webhook-deliveries` (the outbox: what was sent, what waits, what died, re-drive).

use actix_web::{delete, get, post, put, web, HttpResponse};
use provider_hub_domain::Role;
use provider_hub_market::access::{self, Objects};
use provider_hub_market::webhooks::{
    self as market, DeliveryView, WebhookRegistered, WebhookRequest, WebhookView,
};
use provider_hub_store::webhooks::DeliveryFilter;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::auth::Caller;
use crate::error::{ApiError, BodyRejected, Problem, Unauthenticated};
use crate::json::RawBody;
use crate::pagination::{page_request, PageBody};
use crate::state::AppState;

/// Registers the provider's webhook, or replaces it (the provider itself). The answer
/// carries the signing secret, this once; every registration makes a new one.
#[utoipa::path(tag = "events", security(("bearer" = [])), request_body = WebhookRequest,
    params(("id" = String, Path, description = "Provider id")), responses(
    (status = 200, description = "Registered; keep the secret", body = WebhookRegistered),
    BodyRejected,
    Unauthenticated,
    (status = 403, description = "Not a provider", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such provider (or another provider)", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Not an https URL, or one that points at an internal address (this machine, a private network, a cloud metadata service)", body = Problem, content_type = "application/problem+json"),
))]
#[put("/providers/{id}/webhook")]
async fn put_webhook(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: RawBody,
) -> Result<web::Json<WebhookRegistered>, ApiError> {
    caller.require(&[Role::Provider])?;
    let request = body.json::<WebhookRequest>()?.value;
    let (id, settings, key) = (id.into_inner(), state.webhooks, state.secret_key.clone());
    let caller = caller.at(state.now());
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::put(conn, &caller, &id, request, settings, &key)?))
            .await?,
    ))
}

/// The provider's webhook, without its secret, with its pending and dead deliveries
/// (the provider itself, or an admin).
#[utoipa::path(tag = "events", security(("bearer" = [])),
    params(("id" = String, Path, description = "Provider id")), responses(
    (status = 200, description = "The webhook", body = WebhookView),
    Unauthenticated,
    (status = 403, description = "Neither the provider nor an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such provider (or another provider), or no webhook", body = Problem, content_type = "application/problem+json"),
))]
#[get("/providers/{id}/webhook")]
async fn get_webhook(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<WebhookView>, ApiError> {
    caller.require(&[Role::Provider, Role::Admin])?;
    let (id, caller) = (id.into_inner(), caller.at(state.now()));
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::get(conn, &caller, &id)?))
            .await?,
    ))
}

/// Removes the provider's webhook (the provider itself). Its events stay readable at
/// `/v1/events`; deliveries still pending go to the next webhook registered.
#[utoipa::path(tag = "events", security(("bearer" = [])),
    params(("id" = String, Path, description = "Provider id")), responses(
    (status = 204, description = "Removed"),
    Unauthenticated,
    (status = 403, description = "Not a provider", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such provider (or another provider), or no webhook", body = Problem, content_type = "application/problem+json"),
))]
#[delete("/providers/{id}/webhook")]
async fn delete_webhook(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    caller.require(&[Role::Provider])?;
    let (id, caller) = (id.into_inner(), caller.at(state.now()));
    state
        .db(move |conn| Ok(market::remove(conn, &caller, &id)?))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A page of webhook deliveries.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryPage {
    pub items: Vec<DeliveryView>,
    pub next: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct DeliveryListQuery {
    /// Only deliveries in this status: `pending`, `delivered` or `dead`.
    #[param(pattern = "^(pending|delivered|dead)$")]
    pub status: Option<String>,
    /// Only deliveries to this provider (admins).
    pub provider_id: Option<String>,
    /// Only deliveries of this order's events.
    pub order_id: Option<String>,
    /// Page size, 1–500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
}

/// Lists webhook deliveries, oldest first: a provider its own; admins all.
#[utoipa::path(tag = "events", params(DeliveryListQuery), security(("bearer" = [])), responses(
    (status = 200, description = "A page of deliveries", body = DeliveryPage),
    Unauthenticated,
    (status = 403, description = "Neither a provider nor an admin", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Bad status, limit or cursor", body = Problem, content_type = "application/problem+json"),
))]
#[get("/webhook-deliveries")]
async fn list_deliveries(
    caller: Caller,
    state: web::Data<AppState>,
    query: web::Query<DeliveryListQuery>,
) -> Result<web::Json<DeliveryPage>, ApiError> {
    caller.require(access::readers(Objects::WebhookDeliveries))?;
    let (limit, after) = page_request::<String>(query.limit.as_deref(), query.after.as_deref())?;
    let filter = DeliveryFilter {
        provider_id: query.provider_id.clone(),
        status: query.status.clone(),
        order_id: query.order_id.clone(),
    };
    let caller = caller.at(state.now());
    let page = state
        .db(move |conn| Ok(market::deliveries(conn, &caller, filter, after, limit)?))
        .await?;
    let body = PageBody::from_page(page, |d| d);
    Ok(web::Json(DeliveryPage {
        items: body.items,
        next: body.next,
    }))
}

/// Re-drives a dead delivery (admins): pending again, due now, its tries counted afresh.
#[utoipa::path(tag = "events", security(("bearer" = [])),
    params(("id" = String, Path, description = "Delivery id")), responses(
    (status = 200, description = "Queued again", body = DeliveryView),
    Unauthenticated,
    (status = 403, description = "Not an admin", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such delivery", body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "The delivery is not dead", body = Problem, content_type = "application/problem+json"),
))]
#[post("/webhook-deliveries/{id}/redrive")]
async fn redrive_delivery(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
) -> Result<web::Json<DeliveryView>, ApiError> {
    caller.require(&[Role::Admin])?;
    let (id, actor, now) = (id.into_inner(), caller.actor(), state.now());
    Ok(web::Json(
        state
            .db(move |conn| Ok(market::redrive(conn, &actor, &id, now)?))
            .await?,
    ))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(put_webhook)
        .service(get_webhook)
        .service(delete_webhook)
        .service(list_deliveries)
        .service(redrive_delivery);
}
