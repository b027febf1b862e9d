//! A list's or report's query read whole: every field at fault is named in one 422, an
//! area the hub does not have among them, instead of the first mistake alone.

use std::str::FromStr;

use chrono::NaiveDate;
use provider_hub_domain::{FieldError, ValidationErrors};
use provider_hub_market::areas;
use provider_hub_market::Error as MarketError;
use provider_hub_store::DbConn;

use crate::error::ApiError;

/// The fields at fault of one query, gathered as it is read.
#[derive(Debug, Default)]
pub struct Faults(Vec<FieldError>);

impl Faults {
    pub fn push(&mut self, fault: FieldError) {
        self.0.push(fault);
    }

    /// `value` read as a `T` (a category, a status), or none with the field at fault.
    pub fn parse<T: FromStr<Err = String>>(
        &mut self,
        field: &str,
        value: Option<&str>,
    ) -> Option<T> {
        match value.map(str::parse::<T>) {
            Some(Err(why)) => {
                self.push(FieldError::new(field, why));
                None
            }
            other => other.and_then(Result::ok),
        }
    }

    /// A `YYYY-MM-DD` value, or none with the field at fault.
    pub fn day(&mut self, field: &str, value: Option<&str>) -> Option<NaiveDate> {
        self.take(crate::pagination::day(field, value)).flatten()
    }

    /// What `read` gave, or none with its fields at fault.
    pub fn take<T>(&mut self, read: Result<T, ApiError>) -> Option<T> {
        match read {
            Ok(value) => Some(value),
            Err(refused) => {
                self.0.extend(refused.0.errors.iter().cloned());
                None
            }
        }
    }

    /// What `read` gave, or none with the field at fault.
    pub fn field<T>(&mut self, read: Result<T, FieldError>) -> Option<T> {
        match read {
            Ok(value) => Some(value),
            Err(fault) => {
                self.push(fault);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// In the database call, before the list is read: an area the hub does not have is a
    /// field at fault too; then any fault refuses the whole query.
    pub fn check(mut self, conn: &mut DbConn, area: Option<&str>) -> Result<(), ApiError> {
        if let Some(area) = area {
            if let Err(MarketError::Validation(unknown)) = areas::require_known(conn, "area", area)
            {
                self.0.extend(unknown.0);
            }
        }
        self.into_result()
    }

    /// One 422 naming every field at fault, if there is one.
    pub fn into_result(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(MarketError::Validation(ValidationErrors(self.0)).into())
        }
    }
}
