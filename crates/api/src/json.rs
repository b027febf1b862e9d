//! The JSON request body extractor: one place that turns every kind of bad body into a
//! clear problem — wrong media type (415), too large (413), malformed JSON (400), and
//! unknown fields, wrong types or invalid values (422, naming the field).

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use crate::error::ApiError;

/// Largest request body the hub reads.
pub const MAX_BODY_BYTES: usize = 256 * 1024;

/// A request body read but not yet parsed: handlers check the caller's rights first,
/// then call [`RawBody::json`], so a caller without the right learns nothing of the shape.
pub struct RawBody {
    content_type: Option<String>,
    bytes: web::Bytes,
}

/// A parsed JSON body, with the JSON value it came from (for idempotency hashing).
pub struct JsonBody<T> {
    pub value: T,
    pub raw: serde_json::Value,
}

impl RawBody {
    /// True when no body was sent: a route whose body is optional reads its defaults.
    pub fn is_empty(&self) -> bool {
        self.bytes.iter().all(u8::is_ascii_whitespace)
    }

    pub fn json<T: DeserializeOwned>(&self) -> Result<JsonBody<T>, ApiError> {
        match self.content_type.as_deref() {
            Some("application/json") => {}
            Some(t) if t.ends_with("+json") => {}
            _ => {
                return Err(ApiError::new(
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    crate::problems::ProblemType::UnsupportedMediaType,
                    "the request body must be JSON, sent with Content-Type: application/json",
                ))
            }
        }
        parse(&self.bytes)
    }
}

impl FromRequest for RawBody {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| {
                v.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .to_ascii_lowercase()
            });
        let bytes = web::Bytes::from_request(req, payload);
        Box::pin(async move {
            let bytes = bytes.await.map_err(|e| {
                if e.as_response_error().status_code() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        crate::problems::ProblemType::PayloadTooLarge,
                        format!("the request body must be at most {MAX_BODY_BYTES} bytes"),
                    )
                } else {
                    ApiError::bad_request("the request body could not be read")
                }
            })?;
            Ok(RawBody {
                content_type,
                bytes,
            })
        })
    }
}

/// Parses a body: syntax errors are 400, shape errors 422 with the field's path.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<JsonBody<T>, ApiError> {
    let raw: serde_json::Value = serde_json::from_slice(bytes)
        .map_err(|e| ApiError::bad_request(format!("the request body is not valid JSON: {e}")))?;
    let value = serde_path_to_error::deserialize(&raw).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        ApiError::invalid(&field_of(&path, &message), message)
    })?;
    Ok(JsonBody { value, raw })
}

/// The field an error is about: serde reports missing and unknown fields at the
/// enclosing object, so the field's own name is taken from the message.
fn field_of(path: &str, message: &str) -> String {
    let named = ["missing field `", "unknown field `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix))
        .and_then(|rest| rest.split('`').next());
    match (path, named) {
        (".", Some(name)) => name.to_owned(),
        (".", None) => "body".to_owned(),
        // An unknown field's path already ends at the field itself.
        (path, Some(name)) if path == name || path.ends_with(&format!(".{name}")) => {
            path.to_owned()
        }
        (path, Some(name)) => format!("{path}.{name}"),
        (path, None) => path.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        n: u8,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        name: String,
        inner: Inner,
    }

    fn status_and_field(body: &str) -> (u16, Option<String>) {
        match parse::<Outer>(body.as_bytes()) {
            Ok(_) => (200, None),
            Err(e) => (e.0.status, e.0.errors.first().map(|f| f.field.clone())),
        }
    }

    #[test]
    fn names_the_field_of_each_bad_value() {
        assert_eq!(
            status_and_field(r#"{"name":"x","inner":{"n":1}}"#),
            (200, None)
        );
        assert_eq!(
            status_and_field(r#"{"name":"x","inner":{"n":300}}"#),
            (422, Some("inner.n".into()))
        );
        assert_eq!(
            status_and_field(r#"{"name":5,"inner":{"n":1}}"#),
            (422, Some("name".into()))
        );
        assert_eq!(
            status_and_field(r#"{"name":"x","inner":{"n":1},"extra":1}"#).0,
            422
        );
        assert_eq!(status_and_field(r#"{"name":"x"}"#).0, 422);
        assert_eq!(status_and_field(r#"{"name":"x","#), (400, None));
        assert_eq!(status_and_field(r#"[]"#).0, 422);
    }
}
