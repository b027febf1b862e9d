//! Forms: every form that changes anything carries the session's CSRF token, checked
//! here before the handler runs; and the fields' errors, shown as the Design System's
//! error summary linking to each field.

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;
use provider_hub_domain::FieldError;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::page::WebError;
use crate::session;

#[derive(Deserialize)]
struct WithToken<T> {
    #[serde(default)]
    csrf_token: String,
    #[serde(flatten)]
    fields: T,
}

/// A posted form whose CSRF token matched the session's; 403 otherwise.
pub struct CsrfForm<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for CsrfForm<T> {
    type Error = WebError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let form = web::Form::<WithToken<T>>::from_request(req, payload);
        let session = req.get_session();
        Box::pin(async move {
            let form = form.await.map_err(|e| {
                tracing::debug!(error = %e, "form refused");
                WebError::BadForm
            })?;
            let WithToken { csrf_token, fields } = form.into_inner();
            if !session::csrf_matches(&session, &csrf_token) {
                return Err(WebError::Csrf);
            }
            Ok(CsrfForm(fields))
        })
    }
}

/// A form field's error: the field's id (the summary links to `#id`) and the message.
#[derive(Debug, Clone)]
pub struct ErrorItem {
    pub id: String,
    pub message: String,
}

/// The errors of a form, in the order of its fields.
#[derive(Debug, Clone, Default)]
pub struct Errors(pub Vec<ErrorItem>);

impl Errors {
    pub fn add(&mut self, id: &str, message: impl Into<String>) {
        self.0.push(ErrorItem {
            id: id.to_owned(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The message for the field `id`, if it has one.
    pub fn get(&self, id: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|e| e.id == id)
            .map(|e| e.message.as_str())
    }

    pub fn has(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    /// The use case's field errors, each on the form field `field_id` maps it to, with
    /// the same message the API gives.
    pub fn from_fields(errors: &[FieldError], field_id: impl Fn(&str) -> String) -> Self {
        let mut out = Errors::default();
        for e in errors {
            out.add(&field_id(&e.field), e.message.clone());
        }
        out
    }
}
