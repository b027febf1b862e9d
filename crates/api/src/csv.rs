//! CSV answers (`Accept: text/csv`) for finance systems and spreadsheets: the rows of a
//! list or report, a header line first, CRLF line ends (the writer is the market's, shared
//! with the web's downloads).

use std::sync::{Arc, Mutex};

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use futures_util::StreamExt;
use provider_hub_domain::FieldError;
use provider_hub_store::DbConn;
use serde::de::DeserializeOwned;

use crate::filters::Faults;
use crate::state::AppState;

pub use provider_hub_market::csv::{pounds, rows, table, Days, Shown, Text};

/// Whether the caller asked for CSV.
pub fn wants(req: &HttpRequest) -> bool {
    req.headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/csv"))
}

/// A 200 answer of CSV, to add headers (a `Link`) to and give the table.
pub fn ok() -> HttpResponseBuilder {
    let mut response = HttpResponse::Ok();
    response.insert_header((header::CONTENT_TYPE, "text/csv; charset=utf-8"));
    response
}

/// Whether the caller asked for CSV: `?format=csv` (or `json`), else `Accept: text/csv`.
/// Any other format is a field at fault.
pub fn asked(req: &HttpRequest, format: Option<&str>) -> Result<bool, FieldError> {
    match format {
        None => Ok(wants(req)),
        Some("csv") => Ok(true),
        Some("json") => Ok(false),
        Some(_) => Err(FieldError::new("format", "must be json or csv")),
    }
}

/// A CSV answer of `rows`, with the raw next cursor in a `Link` header (the paging
/// middleware makes it the list's own, with the request's filters).
pub fn page<R: serde::Serialize + Default>(
    rows: impl IntoIterator<Item = R>,
    next: Option<&str>,
) -> Result<HttpResponse, crate::error::ApiError> {
    let table = table(rows)?;
    let mut response = ok();
    if let Some(next) = next {
        response.insert_header((header::LINK, format!("<?after={next}>; rel=\"next\"")));
    }
    Ok(response.body(table))
}

/// The rows a streamed export reads from the database at a time.
const STREAMED_PAGE: usize = provider_hub_market::MAX_PAGE;

/// Whether the caller asked for the whole list (`limit=all`), which only a CSV answer
/// gives: a JSON list is read a page at a time.
pub fn whole(limit: Option<&str>, as_csv: bool) -> Result<bool, FieldError> {
    match limit {
        Some("all") if as_csv => Ok(true),
        Some("all") => Err(FieldError::new(
            "limit",
            format!(
                "all is for CSV answers only (format=csv or Accept: text/csv); a JSON list is read a page at a time, up to {}",
                provider_hub_market::MAX_PAGE
            ),
        )),
        _ => Ok(false),
    }
}

/// The page size and cursor of a CSV or JSON list: `limit=all` reads from `after` on, a
/// page of [`STREAMED_PAGE`] at a time (see [`stream`]).
pub fn page_request<K: DeserializeOwned>(
    limit: Option<&str>,
    after: Option<&str>,
    whole: bool,
) -> Result<(usize, Option<K>), crate::error::ApiError> {
    if whole {
        let (_, after) = crate::pagination::page_request(None, after)?;
        Ok((STREAMED_PAGE, after))
    } else {
        crate::pagination::page_request(limit, after)
    }
}

/// How a list is asked for: as CSV or JSON, whole (`limit=all`, CSV only) or a page, and
/// the page (`None` when `limit` or `after` is at fault).
pub struct ListAsk {
    pub csv: bool,
    pub whole: bool,
    pub page: Option<(usize, Option<String>)>,
}

/// Reads a list's `format`, `limit` and `after`, each fault into `faults`.
pub fn list_ask(
    faults: &mut Faults,
    req: &HttpRequest,
    format: Option<&str>,
    limit: Option<&str>,
    after: Option<&str>,
) -> ListAsk {
    let csv = faults.field(asked(req, format)).unwrap_or_default();
    let whole = faults.field(self::whole(limit, csv)).unwrap_or_default();
    let page = faults.take(page_request::<String>(limit, after, whole));
    ListAsk { csv, whole, page }
}

/// A page of an export: its rows written as CSV (the header line first when asked) and
/// the cursor of what follows.
pub type Written = (String, Option<String>);

/// The whole list from `after` on as one CSV answer, sent as it is read: `fetch` reads the
/// page after a cursor and writes its rows (the header line first when told to); the next
/// page is read when the last has been sent, so the hub holds one page whatever the
/// export's length. The first page is read before answering, so a refusal (a filter at
/// fault, another tenant's area) is a problem answer as on any list; a failure later can
/// only end the answer early, which the caller's HTTP client reports as a broken transfer.
pub async fn stream<K, F>(
    state: web::Data<AppState>,
    after: Option<K>,
    fetch: F,
) -> Result<HttpResponse, crate::error::ApiError>
where
    K: DeserializeOwned + Send + 'static,
    F: FnMut(&mut DbConn, Option<K>, bool) -> Result<Written, crate::error::ApiError>
        + Send
        + 'static,
{
    let read = {
        let fetch = Arc::new(Mutex::new(fetch));
        move |state: web::Data<AppState>, after: Option<K>, header: bool| {
            let fetch = Arc::clone(&fetch);
            async move {
                state
                    .db(move |conn| {
                        let mut fetch = fetch.lock().map_err(|_| {
                            tracing::error!("a streamed export's reader panicked");
                            crate::error::ApiError::internal()
                        })?;
                        fetch(conn, after, header)
                    })
                    .await
            }
        }
    };
    let (first, next) = read(state.clone(), after, true).await?;
    let rest = futures_util::stream::unfold(next, move |next| {
        let (state, read) = (state.clone(), read.clone());
        async move {
            let cursor = next?;
            let Some(after) = provider_hub_store::cursor::decode::<K>(&cursor) else {
                tracing::error!("a streamed export's own cursor does not decode");
                return Some((Err(broken()), None));
            };
            match read(state, Some(after), false).await {
                Ok((rows, next)) => Some((Ok(Bytes::from(rows)), next)),
                Err(e) => {
                    tracing::error!(error = %e, "a streamed export ended early");
                    Some((Err(broken()), None))
                }
            }
        }
    });
    let body = futures_util::stream::once(async move { Ok(Bytes::from(first)) }).chain(rest);
    Ok(ok().streaming(body))
}

fn broken() -> actix_web::Error {
    actix_web::error::ErrorInternalServerError("the export could not be read to its end")
}
