//! Every error answer is an RFC 9457 problem (`application/problem+json`).
//! Internal details (SQL, stack traces) are logged, never sent.

use actix_web::http::header::{self, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use provider_hub_domain::FieldError;
use provider_hub_market::Error as MarketError;
use serde::Serialize;
use utoipa::ToSchema;

use crate::problems::ProblemType;

pub const PROBLEM_JSON: &str = "application/problem+json";

/// An RFC 9457 problem details object.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// The kind of problem: the path of the hub's page saying what it means and what to
    /// do (`/problems/{name}`, relative to the hub's address).
    #[serde(rename = "type")]
    #[schema(example = "/problems/validation")]
    pub type_uri: String,
    /// A short summary of the kind of problem.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// What went wrong with this request.
    pub detail: String,
    /// The fields that are not valid, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// For state conflicts: the state the resource is in now.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_state: Option<String>,
    /// Seconds the client should wait before trying again (`Retry-After`), for 503s.
    #[serde(skip)]
    pub retry_after: Option<u64>,
}

/// The 401 of every route that needs a token, for the API document.
#[derive(utoipa::IntoResponses)]
pub enum Unauthenticated {
    /// No valid token.
    #[response(
        status = 401,
        description = "No valid token",
        content_type = "application/problem+json"
    )]
    Unauthorized(Problem),
}

/// The answers of every route that reads a JSON body, for the API document.
#[derive(utoipa::IntoResponses)]
pub enum BodyRejected {
    #[response(
        status = 400,
        description = "Malformed JSON",
        content_type = "application/problem+json"
    )]
    Malformed(Problem),
    #[response(
        status = 413,
        description = "Body too large",
        content_type = "application/problem+json"
    )]
    TooLarge(Problem),
    #[response(
        status = 415,
        description = "Body is not JSON",
        content_type = "application/problem+json"
    )]
    NotJson(Problem),
}

/// The error type of every handler.
#[derive(Debug, Clone)]
pub struct ApiError(pub Box<Problem>);

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.0.status, self.0.title, self.0.detail)
    }
}

impl ApiError {
    /// A problem of the given kind; its title is the kind's (for [`ProblemType::Http`],
    /// the status's reason).
    pub fn new(status: StatusCode, kind: ProblemType, detail: impl Into<String>) -> Self {
        let title = match kind {
            ProblemType::Http => status.canonical_reason().unwrap_or("Error"),
            _ => kind.title(),
        };
        ApiError(Box::new(Problem {
            type_uri: kind.uri(),
            title: title.to_owned(),
            status: status.as_u16(),
            detail: detail.into(),
            errors: Vec::new(),
            current_state: None,
            retry_after: None,
        }))
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, ProblemType::BadRequest, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, ProblemType::Unauthorized, detail)
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, ProblemType::Forbidden, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, ProblemType::NotFound, detail)
    }

    pub fn validation(errors: Vec<FieldError>) -> Self {
        let detail = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect::<Vec<_>>()
            .join("; ");
        let mut e = Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            ProblemType::Validation,
            detail,
        );
        e.0.errors = errors;
        e
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::validation(vec![FieldError::new(field, message)])
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ProblemType::Internal,
            "the hub could not complete the request; it has been logged",
        )
    }

    pub fn unavailable() -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            ProblemType::Unavailable,
            "the database is busy or unreachable; try again shortly",
        );
        e.0.retry_after = Some(1);
        e
    }

    /// The identity provider's keys could not be fetched: the token cannot be checked
    /// now, which says nothing about the token itself.
    pub fn keys_unavailable(retry_after: u64) -> Self {
        let mut e = Self::new(StatusCode::SERVICE_UNAVAILABLE, ProblemType::IdentityProviderUnavailable,
            "the identity provider's signing keys cannot be fetched, so the token cannot be checked now; try again shortly",
        );
        e.0.retry_after = Some(retry_after);
        e
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        StatusCode::from_u16(self.0.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status_code())
            .insert_header((header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON)))
            .json(&*self.0);
        if self.0.status == 401 {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"provider-hub\""),
            );
        }
        if let Some(seconds) = self.0.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

impl From<MarketError> for ApiError {
    fn from(e: MarketError) -> Self {
        match e {
            MarketError::NotFound(what) => ApiError::not_found(format!("{what} not found")),
            MarketError::Validation(errors) => ApiError::validation(errors.0),
            MarketError::Conflict {
                detail,
                current_state,
            } => {
                let mut e = ApiError::new(StatusCode::CONFLICT, ProblemType::Conflict, detail);
                e.0.current_state = current_state;
                e
            }
            MarketError::IdempotencyKeyReused => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                ProblemType::IdempotencyKeyReused,
                "this Idempotency-Key was already used with a different request body or route",
            ),
            MarketError::Forbidden(detail) => ApiError::forbidden(detail),
            MarketError::Unavailable => ApiError::unavailable(),
            MarketError::Store(e) => {
                tracing::error!(error = %e, "storage error");
                ApiError::internal()
            }
        }
    }
}

impl From<provider_hub_store::StoreError> for ApiError {
    fn from(e: provider_hub_store::StoreError) -> Self {
        MarketError::from(e).into()
    }
}
