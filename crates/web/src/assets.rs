//! The govuk-frontend files (CSS, fonts, images), embedded in the binary and served
//! under `/assets/` with long cache lifetimes: their names change with their version.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpResponse};
use rust_embed::RustEmbed;

/// The vendored version; `assets/update-govuk-frontend <version>` re-vendors.
pub const GOVUK_FRONTEND_VERSION: &str = "6.6.0";

#[derive(RustEmbed)]
#[folder = "assets/govuk-frontend-6.6.0/"]
struct GovukFrontend;

/// The stylesheet's path, with the version in it so a new version is fetched afresh.
pub const STYLESHEET: &str = "/assets/govuk-frontend-6.6.0.min.css";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route("/{path:.*}", web::get().to(asset));
}

fn content_type(path: &str) -> &'static str {
    match path.rsplit('.').next() {
        Some("css") => "text/css; charset=utf-8",
        Some("woff2") => "font/woff2",
        Some("woff") => "font/woff",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("json") => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

async fn asset(path: web::Path<String>) -> HttpResponse {
    let path = path.into_inner();
    let name = if path == "govuk-frontend-6.6.0.min.css" {
        "govuk-frontend.min.css"
    } else {
        path.as_str()
    };
    match GovukFrontend::get(name) {
        Some(file) => HttpResponse::Ok()
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static(content_type(name)),
            ))
            .insert_header((
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ))
            .body(file.data.into_owned()),
        None => HttpResponse::NotFound()
            .content_type("text/plain; charset=utf-8")
            .body("no such asset"),
    }
}
