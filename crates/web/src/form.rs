//! Forms: every form that changes anything carries the session's CSRF token, checked
//! here before the handler runs; and the fields' errors, shown as the Design System's
//! error summary linking to each field.

use actix_session::SessionExt;
use actix_web::dev::Payload;
use actix_web::{web, FromRequest, HttpRequest};
use chrono::NaiveDate;
use futures_util::future::LocalBoxFuture;
use provider_hub_domain::FieldError;
use provider_hub_market::Error as MarketError;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::page::{self, WebError};
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

/// One option of radios or checkboxes.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub checked: bool,
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

/// A refused action as its form's errors: the use case's field errors on the fields
/// `field_id` maps them to, its refusal (a conflict) on `refused_on` — the same words the
/// API answers with. Anything else is an error page.
pub fn refusal(
    e: MarketError,
    field_id: impl Fn(&str) -> String,
    labels: &[(&str, &str)],
    refused_on: &str,
) -> Result<Errors, WebError> {
    let mut errors = Errors::default();
    match e {
        MarketError::Validation(v) => {
            for f in &v.0 {
                let id = field_id(&f.field);
                let label = labels.iter().find(|(i, _)| *i == id).map(|(_, l)| *l);
                match label {
                    Some(l) => errors.add(&id, format!("{l} {}", f.message)),
                    None => errors.add(&id, page::capitalise(&f.message)),
                }
            }
        }
        MarketError::Conflict { detail, .. } => errors.add(refused_on, page::capitalise(&detail)),
        other => return Err(other.into()),
    }
    Ok(errors)
}

/// A date typed as day, month and year; `None` when it is not a real date.
pub fn typed_date(day: &str, month: &str, year: &str) -> Option<NaiveDate> {
    let (d, m, y) = (
        day.trim().parse().ok()?,
        month.trim().parse().ok()?,
        year.trim().parse::<i32>().ok()?,
    );
    if !(1000..=9999).contains(&y) {
        return None;
    }
    NaiveDate::from_ymd_opt(y, m, d)
}

/// Pounds as typed (`520`, `£1,234.50`) in pence; `None` when it is not an amount.
pub fn typed_pence(text: &str) -> Option<i64> {
    let cleaned: String = text
        .trim()
        .trim_start_matches('£')
        .chars()
        .filter(|c| *c != ',')
        .collect();
    let (whole, fraction) = match cleaned.split_once('.') {
        Some((w, f)) => (w, f),
        None => (cleaned.as_str(), ""),
    };
    if whole.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || fraction.len() > 2
        || !fraction.chars().all(|c| c.is_ascii_digit())
    {
        return None;
    }
    let pounds: i64 = whole.parse().ok()?;
    let pence: i64 = format!("{fraction:0<2}").parse().ok()?;
    pounds.checked_mul(100)?.checked_add(pence)
}

/// Pence as the price field shows them: `520` or `520.50`.
pub fn pounds_field(pence: i64) -> String {
    if pence % 100 == 0 {
        (pence / 100).to_string()
    } else {
        format!("{}.{:02}", pence / 100, pence % 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_are_typed_in_pounds() {
        assert_eq!(typed_pence("520"), Some(52_000));
        assert_eq!(typed_pence("£1,234.5"), Some(123_450));
        assert_eq!(typed_pence("0.07"), Some(7));
        assert_eq!(typed_pence("12.345"), None);
        assert_eq!(typed_pence("-3"), None);
        assert_eq!(typed_pence(""), None);
        assert_eq!(pounds_field(52_050), "520.50");
        assert_eq!(pounds_field(52_000), "520");
    }
}
