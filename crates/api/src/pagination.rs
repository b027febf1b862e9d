//! Cursor pagination (SPEC.md §5): `?limit=` (default 50, max 500) and `?after=`.

use chrono::NaiveDate;
use provider_hub_market::{DEFAULT_PAGE, MAX_PAGE};
use provider_hub_store::cursor::{self, Page};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::ApiError;

/// Reads `limit` and `after` from their raw query values.
pub fn page_request<K: DeserializeOwned>(
    limit: Option<&str>,
    after: Option<&str>,
) -> Result<(usize, Option<K>), ApiError> {
    let limit = match limit {
        None => DEFAULT_PAGE,
        Some(text) => match text.parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE).contains(&n) => n,
            _ => {
                return Err(ApiError::invalid(
                    "limit",
                    format!("must be a whole number from 1 to {MAX_PAGE}"),
                ))
            }
        },
    };
    let after = match after {
        None | Some("") => None,
        Some(c) => Some(
            cursor::decode::<K>(c)
                .ok_or_else(|| ApiError::invalid("after", "is not a cursor this list gave out"))?,
        ),
    };
    Ok((limit, after))
}

/// A `YYYY-MM-DD` query value; a clear 422 naming `field` otherwise.
pub fn day(field: &str, value: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    value
        .map(|v| {
            v.parse::<NaiveDate>()
                .map_err(|_| ApiError::invalid(field, "must be a date, YYYY-MM-DD"))
        })
        .transpose()
}

/// `?limit=&after=` of a list with no other filters.
#[derive(Debug, Deserialize, IntoParams)]
pub struct PageQuery {
    /// Page size, 1–500 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 500)]
    pub limit: Option<String>,
    /// Cursor from the previous page's `next`.
    pub after: Option<String>,
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct PageBody<T> {
    pub items: Vec<T>,
    /// Pass as `after` to read the next page; null on the last page.
    pub next: Option<String>,
}

impl<T> PageBody<T> {
    pub fn from_page<U>(page: Page<U>, f: impl FnMut(U) -> T) -> Self {
        let page = page.map(f);
        PageBody {
            items: page.items,
            next: page.next,
        }
    }
}
