//! CSV answers (`Accept: text/csv`) for finance systems and spreadsheets: the rows of a
//! list or report, a header line first, CRLF line ends (the writer is the market's, shared
//! with the web's downloads).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use provider_hub_domain::FieldError;

pub use provider_hub_market::csv::{pounds, table, Days, Shown, Text};

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
