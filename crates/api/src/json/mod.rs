//! The JSON request body extractor: one place that turns every kind of bad body into a
//! clear problem — wrong media type (415), too large (413), malformed JSON (400), and
//! unknown fields, wrong types or invalid values (422, naming the field).

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use serde::de::DeserializeOwned;

use provider_hub_domain::FieldError;

use crate::error::ApiError;

mod strict;
mod words;

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

/// Parses a body: syntax errors are 400; shape errors 422, every field at fault named at
/// once, each in the caller's words (see [`words`]).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<JsonBody<T>, ApiError> {
    let mut raw: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        ApiError::bad_request(format!(
            "the request body is not valid JSON: {} (line {}, column {})",
            words::syntax(&e),
            e.line(),
            e.column()
        ))
    })?;
    whole_numbers(&mut raw);
    match shape::<T>(&raw) {
        Ok(value) => Ok(JsonBody { value, raw }),
        Err(errors) => Err(ApiError::validation(errors)),
    }
}

/// The largest whole number a JSON number written with a fraction (`2.0`) stands for
/// exactly: 2^53.
const EXACT: f64 = 9_007_199_254_740_992.0;

/// Numbers written with a zero fraction (`13.0`, `2e3`) as the whole numbers they are, as
/// JSON Schema counts them (an `integer` field takes `13.0`); serde would refuse them where
/// a whole number is due.
fn whole_numbers(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Number(n) => {
            if let Some(f) = n.as_f64().filter(|_| n.is_f64()) {
                if f.fract() == 0.0 && f.abs() <= EXACT {
                    // Exact: a whole number within ±2^53.
                    #[allow(clippy::cast_possible_truncation)]
                    let whole = f as i64;
                    *value = serde_json::Value::from(whole);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(whole_numbers),
        serde_json::Value::Object(fields) => fields.values_mut().for_each(whole_numbers),
        _ => {}
    }
}

/// Most fields at fault one body is checked for.
const MAX_SHAPE_ERRORS: usize = 25;

/// Deserializes `raw` as `T`, or names every field at fault: after each error a value of
/// the right shape is put where the wrong one was (an unknown field is taken out) and the
/// body checked again, so one answer lists them all.
fn shape<T: DeserializeOwned>(raw: &serde_json::Value) -> Result<T, Vec<FieldError>> {
    let mut body = raw.clone();
    let mut errors: Vec<FieldError> = Vec::new();
    let mut failure = match attempt::<T>(&body) {
        Ok(value) => return Ok(value),
        Err(failure) => failure,
    };
    loop {
        let (field, serde) = failure;
        errors.push(FieldError::new(&field, words::message(&serde)));
        if errors.len() >= MAX_SHAPE_ERRORS {
            return Err(errors);
        }
        // The first value of the right shape that moves the check past this field.
        let mut tries: Vec<Option<serde_json::Value>> = Vec::new();
        if serde.starts_with("unknown field `") {
            tries.push(None);
        } else {
            tries.extend(words::candidates(&serde).into_iter().map(Some));
            tries.push(None);
        }
        let mut moved_on = None;
        for value in tries {
            let mut repaired = body.clone();
            let changed = match value {
                Some(value) => words::set(&mut repaired, &field, value),
                None => words::remove(&mut repaired, &field),
            };
            if !changed {
                continue;
            }
            match attempt::<T>(&repaired) {
                Ok(_) => return Err(errors),
                Err(next) if next.0 != field && !errors.iter().any(|e| e.field == next.0) => {
                    moved_on = Some((repaired, next));
                    break;
                }
                Err(_) => {}
            }
        }
        match moved_on {
            Some((repaired, next)) => {
                body = repaired;
                failure = next;
            }
            // Nothing more can be learnt past this field.
            None => return Err(errors),
        }
    }
}

/// `T` from `body`, or the field at fault and serde's message.
fn attempt<T: DeserializeOwned>(body: &serde_json::Value) -> Result<T, (String, String)> {
    serde_path_to_error::deserialize::<_, T>(strict::Strict(body)).map_err(|e| {
        let path = e.path().to_string();
        let message = e.into_inner().to_string();
        (field_of(&path, &message), message)
    })
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

    fn fields(body: &str) -> Vec<(String, String)> {
        match parse::<Outer>(body.as_bytes()) {
            Ok(_) => Vec::new(),
            Err(e) => {
                e.0.errors
                    .iter()
                    .map(|f| (f.field.clone(), f.message.clone()))
                    .collect()
            }
        }
    }

    #[test]
    fn whole_numbers_written_with_a_fraction_are_whole() {
        #[derive(Debug, serde::Deserialize)]
        struct Threshold {
            threshold: u8,
            multiplier: f64,
        }
        let read = parse::<Threshold>(br#"{"threshold": 13.0, "multiplier": 1.0}"#)
            .map(|b| (b.value.threshold, b.value.multiplier));
        assert_eq!(read.ok(), Some((13, 1.0)));
        let refused = parse::<Threshold>(br#"{"threshold": 13.5, "multiplier": 1}"#)
            .err()
            .map(|e| (e.0.status, e.0.errors[0].field.clone()));
        assert_eq!(refused, Some((422, "threshold".to_owned())));
    }

    #[test]
    fn every_field_at_fault_is_named_at_once() {
        let mut named = fields(r#"{"name":5,"inner":{"n":"many"},"colour":"blue"}"#);
        named.sort();
        assert_eq!(
            named,
            vec![
                (
                    "colour".to_owned(),
                    "is not a field here (colour); the fields are name, inner".to_owned()
                ),
                (
                    "inner.n".to_owned(),
                    "must be a whole number from 0 to 255, not text (many)".to_owned()
                ),
                (
                    "name".to_owned(),
                    "must be text, not a whole number (5)".to_owned()
                ),
            ]
        );
        assert_eq!(
            fields(r#"{"inner":{}}"#),
            vec![
                ("inner.n".to_owned(), "is required".to_owned()),
                ("name".to_owned(), "is required".to_owned()),
            ]
        );
    }
}
