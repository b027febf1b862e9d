//! The web front end from outside: a browser's cookie session without redirects followed,
//! signing in on the local sign-in page, forms with the session's CSRF token, and what a
//! refused form shows.

use crate::TestApp;

/// A browser: a cookie store, no redirects followed (the tests look at them).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// The CSRF token of the first form of a page.
pub fn csrf_of(html: &str) -> String {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker).expect("a form with a CSRF token") + marker.len();
    let end = html[start..].find('"').expect("end of token") + start;
    html[start..end].to_owned()
}

pub async fn page(app: &TestApp, web: &reqwest::Client, path: &str) -> (u16, String) {
    let r = web.get(app.url(path)).send().await.expect("GET page");
    let status = r.status().as_u16();
    (status, r.text().await.expect("page body"))
}

/// Posts a form; a redirect answers its location, anything else its body.
pub async fn post_form(
    app: &TestApp,
    web: &reqwest::Client,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let r = web
        .post(app.url(path))
        .form(fields)
        .send()
        .await
        .expect("POST form");
    let status = r.status().as_u16();
    let location = r
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let body = r.text().await.expect("body");
    (status, if status == 303 { location } else { body })
}

/// Signs in on the local sign-in page as `person` (a radio's value) and checks where the
/// person lands; returns the session's CSRF token.
pub async fn sign_in(app: &TestApp, web: &reqwest::Client, person: &str, home: &str) -> String {
    let (s, html) = page(app, web, "/sign-in").await;
    assert_eq!(s, 200, "{html}");
    let (s, location) = post_form(
        app,
        web,
        "/sign-in",
        &[("csrf_token", &csrf_of(&html)), ("person", person)],
    )
    .await;
    assert_eq!((s, location.as_str()), (303, home));
    let (s, landing) = page(app, web, home).await;
    assert_eq!(s, 200, "{landing}");
    csrf_of(&landing)
}

/// The error summary of a refused form says `message`.
pub fn refused_with(body: &str, message: &str) {
    assert!(body.contains("govuk-error-summary"), "{body}");
    assert!(body.contains(message), "expected {message:?} in {body}");
    assert!(body.contains("<title>Error: "), "{body}");
}
