//! The kinds of problem the hub answers, each with a page served at `/problems/{slug}`
//! saying what it means and what to do: a problem's `type` is that page's address.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{get, web, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::{ApiError, Problem};

/// A kind of problem: the `type` of every problem answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProblemType {
    BadRequest,
    Unauthorized,
    Forbidden,
    NotFound,
    MethodNotAllowed,
    Conflict,
    Validation,
    IdempotencyKeyReused,
    PayloadTooLarge,
    UnsupportedMediaType,
    RateLimited,
    Internal,
    Unavailable,
    IdentityProviderUnavailable,
    /// Any other HTTP error (its title is the status's reason).
    Http,
}

/// What a problem page says.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemPage {
    /// The problem's `type`, this page's path.
    #[serde(rename = "type")]
    #[schema(example = "/problems/validation")]
    pub type_uri: String,
    pub title: String,
    /// The HTTP status it comes with (absent for `http`, which comes with several).
    pub status: Option<u16>,
    /// What it means.
    pub meaning: String,
    /// What to do about it.
    pub what_to_do: String,
}

impl ProblemType {
    pub const ALL: [ProblemType; 15] = [
        ProblemType::BadRequest,
        ProblemType::Unauthorized,
        ProblemType::Forbidden,
        ProblemType::NotFound,
        ProblemType::MethodNotAllowed,
        ProblemType::Conflict,
        ProblemType::Validation,
        ProblemType::IdempotencyKeyReused,
        ProblemType::PayloadTooLarge,
        ProblemType::UnsupportedMediaType,
        ProblemType::RateLimited,
        ProblemType::Internal,
        ProblemType::Unavailable,
        ProblemType::IdentityProviderUnavailable,
        ProblemType::Http,
    ];

    /// The page's name, the last part of the `type`.
    pub fn slug(self) -> &'static str {
        self.describe().0
    }

    /// The `type` of a problem of this kind: the path of its page on the hub (a relative
    /// reference, RFC 9457 §3.1.1, resolved against the request's own address).
    pub fn uri(self) -> String {
        format!("/problems/{}", self.slug())
    }

    pub fn title(self) -> &'static str {
        self.describe().1
    }

    /// (slug, title, status, meaning, what to do)
    fn describe(
        self,
    ) -> (
        &'static str,
        &'static str,
        Option<u16>,
        &'static str,
        &'static str,
    ) {
        use ProblemType::*;
        match self {
            BadRequest => ("bad-request", "Bad request", Some(400),
                "The request could not be read: the body is not well-formed JSON, or a header is malformed.",
                "Send a well-formed JSON body (the detail says where reading stopped), then try again."),
            Unauthorized => ("unauthorized", "Unauthorized", Some(401),
                "No valid token came with the request: it is missing, malformed, expired, not yet valid, signed with another key or algorithm, or for another issuer or audience.",
                "Send `Authorization: Bearer <token>` with a token the hub accepts. A local token is signed with the secret of the data directory `provider-hub token` runs with: mint it where the hub runs."),
            Forbidden => ("forbidden", "Forbidden", Some(403),
                "The token is valid, but its role may not do this.",
                "The detail names the roles that may. Ask for a token of one of them; nothing was changed."),
            NotFound => ("not-found", "Not found", Some(404),
                "There is no such resource, or none the caller may see: another area's case, another provider's offer or listing does not exist to the caller.",
                "Check the id, and that the token's role and scope are the ones the resource belongs to."),
            MethodNotAllowed => ("method-not-allowed", "Method not allowed", Some(405),
                "The path exists, but not with this method.",
                "Use one of the methods the `Allow` header names."),
            Conflict => ("conflict", "Conflict", Some(409),
                "The request is well-formed but the resource is not in a state that allows it (an offer already answered, a published version, a budget funded by contributions), or it would repeat what exists.",
                "Read the resource again: `current_state` says where it is now. Nothing was changed."),
            Validation => ("validation", "Validation failed", Some(422),
                "The request is well-formed but a field, parameter or rule is not met. `errors` lists every field at fault, each with the reason in words.",
                "Correct each field named in `errors` and send the request again. Nothing was changed."),
            IdempotencyKeyReused => ("idempotency-key-reused", "Idempotency-Key reused", Some(422),
                "This `Idempotency-Key` was already used with another body or route; a key names one request.",
                "Use a new key for a new request; resend the first request unchanged to get its answer again."),
            PayloadTooLarge => ("payload-too-large", "Payload too large", Some(413),
                "The body is larger than the route accepts.",
                "Send less: the detail gives the limit (split a large upload into several)."),
            UnsupportedMediaType => ("unsupported-media-type", "Unsupported media type", Some(415),
                "The body's `Content-Type` is not the one the route reads.",
                "Send the body with the content type the detail names (`application/json`, or `text/csv` for uploads)."),
            RateLimited => ("rate-limited", "Too many requests", Some(429),
                "This client is making changes faster than the hub allows.",
                "Wait the seconds `Retry-After` gives, then try again. Reads are not limited."),
            Internal => ("internal", "Internal server error", Some(500),
                "The hub could not complete the request. It has been logged with the request's id; nothing was half-done (every change is one transaction).",
                "Try again later; if it persists, report the `X-Request-Id` of the answer to the hub's operators."),
            Unavailable => ("unavailable", "Service unavailable", Some(503),
                "The database is busy or unreachable, so the request was not carried out.",
                "Wait the seconds `Retry-After` gives, then send the same request again (with the same `Idempotency-Key`, where it takes one)."),
            IdentityProviderUnavailable => ("identity-provider-unavailable", "Identity provider unavailable", Some(503),
                "The identity provider's signing keys could not be fetched, so the token could not be checked. This says nothing against the token.",
                "Wait the seconds `Retry-After` gives, then try again with the same token."),
            Http => ("http", "HTTP error", None,
                "An HTTP error without a more specific kind; the title is the status's reason.",
                "Read the status and the detail; the request was not carried out."),
        }
    }

    pub fn page(self) -> ProblemPage {
        let (_, title, status, meaning, what_to_do) = self.describe();
        ProblemPage {
            type_uri: self.uri(),
            title: title.to_owned(),
            status,
            meaning: meaning.to_owned(),
            what_to_do: what_to_do.to_owned(),
        }
    }

    pub fn from_slug(slug: &str) -> Option<ProblemType> {
        ProblemType::ALL.into_iter().find(|p| p.slug() == slug)
    }
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list_problems).service(get_problem);
}

/// Every kind of problem the hub answers, with what it means and what to do.
#[utoipa::path(tag = "problems", responses(
    (status = 200, description = "Every problem type", body = Vec<ProblemPage>),
))]
#[get("/problems")]
async fn list_problems() -> web::Json<Vec<ProblemPage>> {
    web::Json(
        ProblemType::ALL
            .into_iter()
            .map(ProblemType::page)
            .collect(),
    )
}

/// The page a problem's `type` names: an HTML page for a person, or the same as JSON
/// when the request accepts `application/json` and not `text/html`.
#[utoipa::path(tag = "problems", params(("slug" = String, Path, description = "The problem type's name, e.g. `validation`")), responses(
    (status = 200, description = "What the problem means and what to do", content(
        (ProblemPage = "application/json"),
        (String = "text/html"),
    )),
    (status = 404, description = "No such problem type", body = Problem, content_type = "application/problem+json"),
))]
#[get("/problems/{slug}")]
async fn get_problem(
    req: actix_web::HttpRequest,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let kind = ProblemType::from_slug(&slug)
        .ok_or_else(|| ApiError::not_found(format!("no problem type named {slug}")))?;
    let page = kind.page();
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if accept.contains("application/json") && !accept.contains("text/html") {
        return Ok(HttpResponse::Ok().json(page));
    }
    Ok(HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ))
        .body(html(&page)))
}

fn html(page: &ProblemPage) -> String {
    let status = page
        .status
        .map(|s| format!("<p>HTTP status: <strong>{s}</strong></p>"))
        .unwrap_or_default();
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{title} – Provider Hub problem types</title></head>\
         <body><main><h1>{title}</h1>{status}<p>Problem type: <code>{uri}</code></p>\
         <h2>What it means</h2><p>{meaning}</p><h2>What to do</h2><p>{todo}</p>\
         <p><a href=\"/problems\">Every problem type</a> · <a href=\"/docs/\">API documentation</a></p>\
         </main></body></html>\n",
        title = escape(&page.title),
        uri = escape(&page.type_uri),
        meaning = code_spans(&escape(&page.meaning)),
        todo = code_spans(&escape(&page.what_to_do)),
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `text` in backquotes becomes `<code>text</code>`.
fn code_spans(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, part) in s.split('`').enumerate() {
        if i % 2 == 1 {
            out.push_str("<code>");
            out.push_str(part);
            out.push_str("</code>");
        } else {
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_problem_type_has_its_own_page() {
        let mut slugs: Vec<_> = ProblemType::ALL.iter().map(|p| p.slug()).collect();
        slugs.sort();
        slugs.dedup();
        assert_eq!(slugs.len(), ProblemType::ALL.len());
        for p in ProblemType::ALL {
            assert_eq!(ProblemType::from_slug(p.slug()), Some(p));
            assert!(html(&p.page()).contains(&format!("<h1>{}</h1>", p.title())));
        }
    }
}
