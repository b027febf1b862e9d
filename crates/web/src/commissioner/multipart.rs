//! A `multipart/form-data` body read whole (the upload form's file and CSRF token): the
//! parts by name. Small and strict: what it cannot read is a bad form.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::HttpRequest;

/// The boundary of a multipart request, from its Content-Type.
fn boundary(req: &HttpRequest) -> Option<String> {
    let content_type = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    let mut fields = content_type.split(';').map(str::trim);
    if !fields.next()?.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    fields
        .find_map(|f| f.strip_prefix("boundary="))
        .map(|b| b.trim_matches('"').to_owned())
        .filter(|b| !b.is_empty() && b.len() <= 200)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    (from..=haystack.len() - needle.len()).find(|&i| &haystack[i..i + needle.len()] == needle)
}

/// The name a part's headers give it (`Content-Disposition: form-data; name="…"`).
fn name_of(headers: &str) -> Option<String> {
    headers.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        if !key.trim().eq_ignore_ascii_case("content-disposition") {
            return None;
        }
        value.split(';').map(str::trim).find_map(|f| {
            f.strip_prefix("name=")
                .map(|n| n.trim_matches('"').to_owned())
        })
    })
}

/// The parts of a multipart body by name; None when it is not one.
pub fn parts<'b>(req: &HttpRequest, body: &'b [u8]) -> Option<HashMap<String, &'b [u8]>> {
    let delimiter = format!("--{}", boundary(req)?).into_bytes();
    let mut parts = HashMap::new();
    let mut at = find(body, &delimiter, 0)? + delimiter.len();
    loop {
        if body.get(at..at + 2) == Some(b"--") {
            return Some(parts);
        }
        let headers_start = at + 2;
        let headers_end = find(body, b"\r\n\r\n", headers_start)?;
        let headers = std::str::from_utf8(&body[headers_start..headers_end]).ok()?;
        let content_start = headers_end + 4;
        let mut next = delimiter.clone();
        next.splice(0..0, *b"\r\n");
        let content_end = find(body, &next, content_start)?;
        if let Some(name) = name_of(headers) {
            parts.insert(name, &body[content_start..content_end]);
        }
        at = content_end + next.len();
    }
}
