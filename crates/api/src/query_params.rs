//! Query parameters a route does not take are refused, not ignored: a misspelt filter
//! (`/v1/orders?stauts=open`) or one the route does not have (`?area=`) would otherwise
//! answer as if no filter were given. What a route takes is what its operation in the
//! OpenAPI document declares, so the document and the server cannot disagree.

use std::collections::HashMap;
use std::sync::OnceLock;

use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;
use actix_web::ResponseError;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::{OpenApi as OpenApiDoc, RefOr};
use utoipa::Modify;

use provider_hub_domain::FieldError;

use crate::error::{ApiError, PROBLEM_JSON};

/// The query parameters each operation of the API takes, by method and path template.
#[derive(Debug, Default)]
pub struct Declared(HashMap<(Method, String), Vec<String>>);

impl Declared {
    /// What the document's operations under `/v1` declare.
    pub fn of(doc: &OpenApiDoc) -> Self {
        let mut declared = HashMap::new();
        for (path, item) in &doc.paths.paths {
            if !path.starts_with("/v1/") {
                continue;
            }
            for (method, operation) in operations(item) {
                let names = operation
                    .parameters
                    .iter()
                    .flatten()
                    .filter_map(|p| match p {
                        RefOr::T(p) if p.parameter_in == ParameterIn::Query => Some(p.name.clone()),
                        _ => None,
                    })
                    .collect();
                declared.insert((method, path.clone()), names);
            }
        }
        Declared(declared)
    }

    /// The parameters of `query` that the operation at `pattern` does not take, in the
    /// order given, each once; None when the document has no such operation.
    pub fn unknown(&self, method: &Method, pattern: &str, query: &str) -> Option<Vec<String>> {
        let takes = self.0.get(&(method.clone(), pattern.to_owned()))?;
        let given = actix_web::web::Query::<Vec<(String, String)>>::from_query(query)
            .map(actix_web::web::Query::into_inner)
            .unwrap_or_default();
        let mut unknown: Vec<String> = Vec::new();
        for (name, _) in given {
            if !takes.contains(&name) && !unknown.contains(&name) {
                unknown.push(name);
            }
        }
        Some(unknown)
    }

    fn takes(&self, method: &Method, pattern: &str) -> &[String] {
        self.0
            .get(&(method.clone(), pattern.to_owned()))
            .map(Vec::as_slice)
            .unwrap_or_default()
    }
}

fn operations(item: &utoipa::openapi::PathItem) -> Vec<(Method, &Operation)> {
    [
        (Method::GET, item.get.as_ref()),
        (Method::POST, item.post.as_ref()),
        (Method::PUT, item.put.as_ref()),
        (Method::PATCH, item.patch.as_ref()),
        (Method::DELETE, item.delete.as_ref()),
    ]
    .into_iter()
    .filter_map(|(m, o)| o.map(|o| (m, o)))
    .collect()
}

/// The API's declared parameters, read once from its document.
fn declared() -> &'static Declared {
    static DECLARED: OnceLock<Declared> = OnceLock::new();
    DECLARED.get_or_init(|| Declared::of(&crate::openapi()))
}

/// Whether the operation at `pattern` takes the query parameter `name`.
pub fn takes(method: &Method, pattern: &str, name: &str) -> bool {
    declared().takes(method, pattern).iter().any(|n| n == name)
}

/// `a`, `a and b`, `a, b and c`.
fn listed(names: &[String]) -> String {
    match names {
        [] => "none".to_owned(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// The 422 naming each parameter the route does not take, and what it does take.
pub fn refusal(method: &Method, pattern: &str, unknown: &[String]) -> ApiError {
    let takes = declared().takes(method, pattern);
    let what = if takes.is_empty() {
        format!("{method} {pattern} takes no query parameters")
    } else {
        format!("{method} {pattern} takes {}", listed(takes))
    };
    ApiError::validation(
        unknown
            .iter()
            .map(|name| FieldError::new(name, format!("is not a query parameter here: {what}")))
            .collect(),
    )
}

/// Refuses a request to the API whose query names a parameter its route does not take.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<EitherBody<BoxBody>>, actix_web::Error> {
    if !req.query_string().is_empty() {
        if let Some(pattern) = req.match_pattern() {
            if let Some(unknown) = declared().unknown(req.method(), &pattern, req.query_string()) {
                if !unknown.is_empty() {
                    let response = refusal(req.method(), &pattern, &unknown).error_response();
                    return Ok(req.into_response(response).map_into_right_body());
                }
            }
        }
    }
    Ok(next
        .call(req)
        .await?
        .map_into_boxed_body()
        .map_into_left_body())
}

/// Documents the 422 on every operation of the API that has none of its own.
pub struct UnknownParameters;

impl Modify for UnknownParameters {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
        let refused = ResponseBuilder::new()
            .description("A query parameter the route does not take")
            .content(
                PROBLEM_JSON,
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build();
        for (path, item) in openapi.paths.paths.iter_mut() {
            if !path.starts_with("/v1/") {
                continue;
            }
            for operation in [
                item.get.as_mut(),
                item.post.as_mut(),
                item.put.as_mut(),
                item.patch.as_mut(),
                item.delete.as_mut(),
            ]
            .into_iter()
            .flatten()
            {
                operation
                    .responses
                    .responses
                    .entry("422".into())
                    .or_insert_with(|| refused.clone().into());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_the_operation_declares_is_taken() {
        let declared = declared();
        let unknown = declared
            .unknown(
                &Method::GET,
                "/v1/orders",
                "status=open&region=Yorkshire&region=X&limit=5",
            )
            .expect("a documented operation");
        assert_eq!(unknown, vec!["region".to_owned()]);
        assert_eq!(
            declared.unknown(&Method::GET, "/v1/orders", "status=open&limit=5"),
            Some(Vec::new())
        );
        // Not an operation of the API (the web front end, say): not judged here.
        assert_eq!(declared.unknown(&Method::GET, "/commissioner", "x=1"), None);
    }

    #[test]
    fn the_refusal_names_the_parameter_and_what_the_route_takes() {
        let problem = refusal(&Method::GET, "/v1/orders", &["area".to_owned()]);
        let text = serde_json::to_string(&problem.0).expect("json");
        assert!(text.contains("\"field\":\"area\""), "{text}");
        assert!(text.contains("GET /v1/orders takes "), "{text}");
        assert!(text.contains("status"), "{text}");
    }

    #[test]
    fn lists_read_as_words() {
        let names = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        assert_eq!(listed(&names(&[])), "none");
        assert_eq!(listed(&names(&["a"])), "a");
        assert_eq!(listed(&names(&["a", "b", "c"])), "a, b and c");
    }
}
