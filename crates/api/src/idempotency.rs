//! Creating POSTs with an optional `Idempotency-Key` header (SPEC.md §5).
//!
//! A key is kept per caller identity (subject, role and the area or provider it acts
//! for); the request it stands for is the method, the path with its ids and the body.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use provider_hub_market::access;
use provider_hub_market::idempotency::{self, IdempotentRequest};
use provider_hub_market::{Actor, Error as MarketError};
use provider_hub_store::DbConn;
use serde::Serialize;

use crate::auth::Caller;
use crate::error::ApiError;
use crate::state::AppState;

pub const HEADER: &str = "Idempotency-Key";

/// Runs a creating use case at most once per caller and key, and answers with `status`
/// and its body; a replayed answer carries `Idempotent-Replayed: true`.
pub async fn create<T, F>(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    body: &serde_json::Value,
    status: StatusCode,
    work: F,
) -> Result<HttpResponse, ApiError>
where
    T: Serialize,
    F: FnOnce(&mut DbConn, &Actor, DateTime<Utc>) -> Result<T, MarketError> + Send + 'static,
{
    answer(
        state,
        caller,
        req,
        body,
        |_, _| Ok(()),
        move |conn, caller| work(conn, &caller.actor, caller.now).map(|created| (status, created)),
    )
    .await
}

/// Like [`create`], for a use case on an object only some callers see, and whose work
/// chooses its own status (e.g. 201 created, 200 already there). `visible` is checked
/// again before a stored answer is replayed: a caller who can no longer see the object
/// is answered as without a key.
pub async fn answer<T, V, F>(
    state: &AppState,
    caller: &Caller,
    req: &HttpRequest,
    body: &serde_json::Value,
    visible: V,
    work: F,
) -> Result<HttpResponse, ApiError>
where
    T: Serialize,
    V: FnOnce(&mut DbConn, &access::Caller) -> Result<(), MarketError> + Send + 'static,
    F: FnOnce(&mut DbConn, &access::Caller) -> Result<(StatusCode, T), MarketError>
        + Send
        + 'static,
{
    let request = match req.headers().get(HEADER) {
        None => None,
        Some(value) => {
            let key = value
                .to_str()
                .map_err(|_| ApiError::invalid(HEADER, "must be visible ASCII"))?;
            let route = format!("{} {}", req.method(), req.path());
            Some(IdempotentRequest::new(
                key,
                &caller.scope_key(),
                &route,
                body,
            )?)
        }
    };
    let caller = caller.at(state.now());
    let answer = state
        .db(move |conn| {
            let (actor, now) = (&caller.actor, caller.now);
            let visible = |conn: &mut DbConn| visible(conn, &caller);
            idempotency::run(conn, actor, request.as_ref(), now, visible, |conn| {
                let (status, created) = work(conn, &caller)?;
                let body = serde_json::to_value(created).map_err(|e| {
                    MarketError::Store(provider_hub_store::StoreError::Corrupt(e.to_string()))
                })?;
                Ok((status.as_u16(), body))
            })
            .map_err(ApiError::from)
        })
        .await?;
    let mut response =
        HttpResponse::build(StatusCode::from_u16(answer.status).unwrap_or(StatusCode::OK));
    if answer.replayed {
        response.insert_header(("Idempotent-Replayed", "true"));
    }
    Ok(response.json(answer.body))
}
