//! CSV answers (`Accept: text/csv`) for finance systems and spreadsheets: the rows of a
//! list or report, a header line first, CRLF line ends (the writer is the market's, shared
//! with the web's downloads).

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};

pub use provider_hub_market::csv::{table, Days, Shown, Text};

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
