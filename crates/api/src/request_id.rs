//! Request ids: every response carries `X-Request-Id` — the caller's own (if it is a
//! sensible token) or a new one — and every log line of the request is in a span with it.

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use tracing::Instrument;

pub const HEADER: &str = "x-request-id";

/// The caller's id if it is 1–128 visible ASCII characters, else a new one.
fn id_for(req: &ServiceRequest) -> String {
    req.headers()
        .get(HEADER)
        .and_then(|v| v.to_str().ok())
        .filter(|v| (1..=128).contains(&v.len()) && v.bytes().all(|b| b.is_ascii_graphic()))
        .map(str::to_owned)
        .unwrap_or_else(|| uuid::Uuid::now_v7().simple().to_string())
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error> {
    let id = id_for(&req);
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        path = %req.path()
    );
    let mut response = next
        .call(req)
        .instrument(span.clone())
        .await?
        .map_into_boxed_body()
        .map_into_left_body();
    span.in_scope(|| {
        tracing::debug!(status = response.status().as_u16(), "answered");
    });
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(HEADER), value);
    }
    Ok(response)
}
