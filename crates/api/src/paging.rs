//! Every list of the API pages the same way: `?limit=&after=`, `{"items": [...], "next":
//! cursor | null}`, and a `Link: <…>; rel="next"` header that keeps the request's filters.
//! A cursor belongs to the list that gave it out: it carries a tag of the list's path, and
//! a cursor of another list is refused (422) instead of answering from a wrong position.
//!
//! The tag is added and checked here, once for every list, so the lists themselves deal in
//! the plain cursors of `provider_hub_store::cursor`. A handler that answers something
//! other than a JSON page (CSV, the awards package) gives its next cursor as a `Link`
//! header of its own (`<?after=…>; rel="next"`), which is rewritten the same way. A page
//! kept whole for reuse (the listing search's) holds its cursor as given out (`outward`)
//! and says so (`PageNext`), so it is passed on unread and uncopied.

use actix_web::body::{self, BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, Uri};
use actix_web::middleware::Next;
use actix_web::ResponseError;
use utoipa::openapi::{OpenApi as OpenApiDoc, RefOr};
use utoipa::Modify;

use crate::error::ApiError;

/// Lists whose cursors stay untagged (they still get the `Link` header): events, whose
/// cursors are positions every event carries (`cursor`), not one page's `next`; and the
/// published awards, an OCDS package whose `uri` names the page by the cursor itself. The
/// cursor of either is of a shape no other list's has, so another list's is refused there
/// all the same.
const UNTAGGED: &[&str] = &["/v1/events", "/v1/awards"];

/// The tag of the list at `path`: FNV-1a of the path, 8 hex digits.
fn tag_of(path: &str) -> String {
    let mut hash: u32 = 0x811c_9dc5;
    for byte in path.bytes() {
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    format!("{hash:08x}")
}

fn tagged(path: &str) -> bool {
    !UNTAGGED.contains(&path)
}

/// The cursor as given out by the list at `path`.
pub fn outward(path: &str, cursor: &str) -> String {
    if tagged(path) {
        format!("{}.{cursor}", tag_of(path))
    } else {
        cursor.to_owned()
    }
}

/// The list's own cursor inside `given`, or why it is not one of this list's.
fn unwrap<'a>(path: &str, given: &'a str) -> Result<&'a str, ApiError> {
    if !tagged(path) {
        return Ok(given);
    }
    match given.split_once('.') {
        Some((tag, cursor)) if tag == tag_of(path) => Ok(cursor),
        _ => Err(ApiError::invalid(
            "after",
            format!(
                "is not a cursor of this list: pass the `next` of a page of GET {path} (or follow its Link header)"
            ),
        )),
    }
}

fn pairs(query: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect()
}

fn encode(pairs: &[(String, String)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

/// `pairs` with `after` set to `cursor` (the others kept, in their order).
fn with_after(pairs: &[(String, String)], cursor: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = pairs
        .iter()
        .filter(|(name, _)| name != "after")
        .cloned()
        .collect();
    out.push(("after".to_owned(), cursor.to_owned()));
    out
}

/// The next cursor a handler gave in its own `Link` header (`…after=CURSOR…`).
fn cursor_in_link(link: &str) -> Option<String> {
    let start = link.find("after=")? + "after=".len();
    let rest = &link[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.'))
        .unwrap_or(rest.len());
    Some(rest[..end].to_owned()).filter(|c| !c.is_empty())
}

/// A JSON page's `next` as its handler declares it (in the response's extensions), the
/// page already holding it as given out (`outward`): the page is passed on as it is, not
/// read, and only the `Link` header is added.
#[derive(Debug, Clone)]
pub struct PageNext(pub Option<String>);

/// Tags the cursors of `/v1` lists, refuses another list's, and adds `Link: rel="next"`.
pub async fn middleware(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error> {
    let path = req.path().to_owned();
    let is_list = req.method() == Method::GET
        && path.starts_with("/v1/")
        && req
            .match_pattern()
            .is_some_and(|pattern| crate::query_params::takes(&Method::GET, &pattern, "after"));
    if !is_list {
        return Ok(next
            .call(req)
            .await?
            .map_into_boxed_body()
            .map_into_left_body());
    }
    let given = pairs(req.query_string());
    // The list's own cursor for the handler, in place of the tagged one.
    if let Some((_, after)) = given
        .iter()
        .find(|(name, v)| name == "after" && !v.is_empty())
    {
        match unwrap(&path, after) {
            Ok(inner) if inner != after => {
                let query = encode(&with_after(&given, inner));
                let uri = format!("{path}?{query}");
                if let Ok(uri) = uri.parse::<Uri>() {
                    req.head_mut().uri = uri;
                }
            }
            Ok(_) => {}
            Err(refusal) => {
                let response = refusal.error_response();
                return Ok(req.into_response(response).map_into_right_body());
            }
        }
    }
    let here = {
        let info = req.connection_info();
        format!("{}://{}{path}", info.scheme(), info.host())
    };
    let res = next.call(req).await?;
    if res.status() != actix_web::http::StatusCode::OK {
        return Ok(res.map_into_boxed_body().map_into_left_body());
    }
    let is_json = res
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let own_link = res
        .headers()
        .get(header::LINK)
        .and_then(|v| v.to_str().ok())
        .and_then(cursor_in_link);
    let declared = res.response().extensions().get::<PageNext>().cloned();
    if !is_json && own_link.is_none() {
        return Ok(res.map_into_boxed_body().map_into_left_body());
    }
    let (req, res) = res.into_parts();
    let (mut head, payload) = res.into_parts();
    // A body made whole by its handler is taken as it is, not copied.
    let mut bytes = match payload.try_into_bytes() {
        Ok(bytes) => bytes,
        Err(payload) => body::to_bytes(payload)
            .await
            .map_err(|e| actix_web::error::ErrorInternalServerError(e.into().to_string()))?,
    };
    let (next_cursor, given_out) = match (own_link, declared) {
        (Some(cursor), _) => (Some(cursor), false),
        (None, Some(PageNext(cursor))) => (cursor, true),
        (None, None) => (page_next(&bytes), false),
    };
    if let Some(cursor) = next_cursor {
        let given_as = if given_out {
            cursor
        } else {
            let tagged = outward(&path, &cursor);
            if is_json && tagged != cursor {
                bytes = replace_next(&bytes, &cursor, &tagged).into();
            }
            tagged
        };
        let link = format!(
            "<{here}?{}>; rel=\"next\"",
            encode(&with_after(&given, &given_as))
        );
        if let Ok(value) = HeaderValue::from_str(&link) {
            head.headers_mut().insert(header::LINK, value);
        }
    }
    let res = head.set_body(BoxBody::new(bytes));
    Ok(ServiceResponse::new(req, res).map_into_left_body())
}

/// The `next` of a JSON page, when the body is one. The items are read past, not built
/// (a page of listings is tens of kilobytes).
fn page_next(bytes: &[u8]) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Shape {
        #[serde(rename = "items")]
        _items: serde::de::IgnoredAny,
        #[serde(default)]
        next: Option<serde_json::Value>,
    }
    let shape: Shape = serde_json::from_slice(bytes).ok()?;
    match shape.next? {
        serde_json::Value::String(cursor) => Some(cursor),
        _ => None,
    }
}

/// The page's body with its `"next":"cursor"` (the last one: the page's own, after the
/// items) made `"next":"outward"`.
fn replace_next(bytes: &[u8], cursor: &str, outward: &str) -> Vec<u8> {
    let needle = format!("\"next\":\"{cursor}\"");
    let Some(at) = bytes
        .windows(needle.len())
        .rposition(|w| w == needle.as_bytes())
    else {
        return bytes.to_vec();
    };
    let mut out = Vec::with_capacity(bytes.len() + outward.len() - cursor.len());
    out.extend_from_slice(&bytes[..at]);
    out.extend_from_slice(format!("\"next\":\"{outward}\"").as_bytes());
    out.extend_from_slice(&bytes[at + needle.len()..]);
    out
}

/// Documents the `Link` header on every list (every GET that takes `after`).
pub struct NextLinks;

impl Modify for NextLinks {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::{ObjectBuilder, Type};
        let header = HeaderBuilder::new()
            .schema(Some(ObjectBuilder::new().schema_type(Type::String)))
            .description(Some(
                "The next page, `<url>; rel=\"next\"`, with the same filters; absent on the last page",
            ))
            .build();
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with("/v1/") {
                continue;
            }
            let Some(get) = item.get.as_mut() else {
                continue;
            };
            let takes_after = get
                .parameters
                .iter()
                .flatten()
                .any(|p| matches!(p, RefOr::T(p) if p.name == "after"));
            if !takes_after {
                continue;
            }
            if let Some(RefOr::T(ok)) = get.responses.responses.get_mut("200") {
                ok.headers
                    .entry("Link".into())
                    .or_insert_with(|| RefOr::T(header.clone()));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_belongs_to_its_list() {
        let tagged = outward("/v1/orders", "ImFiYyI");
        assert_eq!(unwrap("/v1/orders", &tagged).ok(), Some("ImFiYyI"));
        assert!(unwrap("/v1/offers", &tagged).is_err());
        assert!(
            unwrap("/v1/orders", "ImFiYyI").is_err(),
            "an untagged cursor"
        );
        // Events' cursors are positions each event carries.
        assert_eq!(outward("/v1/events", "NzM"), "NzM");
        assert_eq!(unwrap("/v1/events", "NzM").ok(), Some("NzM"));
    }

    #[test]
    fn the_page_next_is_rewritten_and_nothing_else() {
        let body = br#"{"items":[{"next":"ImFiYyI"}],"next":"ImFiYyI"}"#;
        assert_eq!(page_next(body).as_deref(), Some("ImFiYyI"));
        let out = replace_next(body, "ImFiYyI", "tag.ImFiYyI");
        assert_eq!(
            std::str::from_utf8(&out).expect("utf-8"),
            r#"{"items":[{"next":"ImFiYyI"}],"next":"tag.ImFiYyI"}"#
        );
        assert_eq!(
            cursor_in_link("<?after=ImFiYyI>; rel=\"next\"").as_deref(),
            Some("ImFiYyI")
        );
    }
}
