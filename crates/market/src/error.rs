//! What a use case can refuse, in words the API turns into problem details.

use provider_hub_domain::ValidationErrors;
use provider_hub_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The thing does not exist, or the caller may not know that it does.
    #[error("{0} not found")]
    NotFound(String),
    /// The request is well formed but breaks a rule; `errors` names the fields.
    #[error("the request is not valid: {0}")]
    Validation(ValidationErrors),
    /// The change is not allowed in the thing's current state.
    #[error("{detail}")]
    Conflict {
        detail: String,
        current_state: Option<String>,
    },
    /// The same `Idempotency-Key` was used before with another request.
    #[error("this Idempotency-Key was already used with a different request")]
    IdempotencyKeyReused,
    /// The caller's role or scope does not allow this.
    #[error("{0}")]
    Forbidden(String),
    /// The database could not be reached in time.
    #[error("the database is unavailable")]
    Unavailable,
    #[error(transparent)]
    Store(StoreError),
}

impl Error {
    pub fn conflict(detail: impl Into<String>, current_state: Option<&str>) -> Self {
        Error::Conflict {
            detail: detail.into(),
            current_state: current_state.map(str::to_owned),
        }
    }

    /// Stored data that does not read back as the domain says it must.
    pub fn corrupt(what: &str, e: impl std::fmt::Display) -> Self {
        Error::Store(StoreError::Corrupt(format!("{what}: {e}")))
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::Validation(ValidationErrors::single(field, message))
    }
}

/// A refused state transition is a conflict naming the current state.
macro_rules! conflict_from {
    ($($t:ty),+) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::conflict(e.to_string(), Some(e.current.as_str()))
            }
        }
    )+};
}

conflict_from!(
    provider_hub_domain::order::IllegalOrderTransition,
    provider_hub_domain::assessment::IllegalAssessmentTransition,
    provider_hub_domain::listing::IllegalListingTransition,
    provider_hub_domain::provider::IllegalStandingChange,
    provider_hub_domain::offer::IllegalOfferTransition
);

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        if e.is_unique_violation() {
            return Error::conflict("it already exists (or was created concurrently)", None);
        }
        match e {
            StoreError::Pool(_) => Error::Unavailable,
            other if other.is_busy() => Error::Unavailable,
            other => Error::Store(other),
        }
    }
}

impl From<diesel::result::Error> for Error {
    fn from(e: diesel::result::Error) -> Self {
        StoreError::from(e).into()
    }
}

impl From<ValidationErrors> for Error {
    fn from(e: ValidationErrors) -> Self {
        Error::Validation(e)
    }
}
