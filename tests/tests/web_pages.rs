//! The web front end from outside, on both backends: its pages carry the strict CSP while
//! the API and its docs keep theirs; the session cookie's attributes; a form without the
//! session's CSRF token changes nothing; a web action is audited with the signed-in
//! person as actor, as an API call is; an idle session is signed out.

use provider_hub_tests::{both_backends, seed_market, TestApp};

const STRICT_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// `application/x-www-form-urlencoded` encoding of one value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A browser that follows no redirect and keeps the hub's session cookie.
struct Browser {
    http: reqwest::Client,
    cookie: Option<String>,
    /// The `Set-Cookie` of the last answer that set the session.
    set_cookie: Option<String>,
}

struct Answer {
    status: u16,
    location: String,
    content_type: String,
    csp: Option<String>,
    body: String,
}

impl Browser {
    fn new() -> Self {
        Self {
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            cookie: None,
            set_cookie: None,
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let request = match &self.cookie {
            Some(c) => request.header("cookie", c.clone()),
            None => request,
        };
        let response = request.send().await.expect("request");
        for value in response.headers().get_all("set-cookie") {
            let text = value.to_str().expect("cookie").to_owned();
            if let Some(pair) = text.split(';').next() {
                if pair.starts_with("hub_session=") {
                    self.cookie = Some(pair.to_owned());
                    self.set_cookie = Some(text.clone());
                }
            }
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Answer {
            status: response.status().as_u16(),
            location: header("location").unwrap_or_default(),
            content_type: header("content-type").unwrap_or_default(),
            csp: header("content-security-policy"),
            body: response.text().await.unwrap_or_default(),
        }
    }

    async fn get(&mut self, app: &TestApp, path: &str) -> Answer {
        let request = self.http.get(app.url(path));
        self.send(request).await
    }

    async fn post(&mut self, app: &TestApp, path: &str, form: &[(&str, &str)]) -> Answer {
        let body = form
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect::<Vec<_>>()
            .join("&");
        let request = self
            .http
            .post(app.url(path))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        self.send(request).await
    }

    /// The CSRF token of the page's first form of `action`.
    fn token(body: &str, action: &str) -> String {
        let form = body
            .split(&format!("action=\"{action}\""))
            .nth(1)
            .unwrap_or_else(|| panic!("a form posting to {action}"));
        form.split("name=\"csrf_token\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .expect("a CSRF token")
            .to_owned()
    }

    async fn sign_in_locally(&mut self, app: &TestApp, person: &str) {
        let page = self.get(app, "/sign-in").await;
        assert_eq!(page.status, 200);
        assert!(page.body.contains("For local use only"), "the local banner");
        let token = Self::token(&page.body, "/sign-in");
        let answer = self
            .post(
                app,
                "/sign-in",
                &[("csrf_token", &token), ("person", person)],
            )
            .await;
        assert_eq!(answer.status, 303, "{}", answer.body);
    }
}

both_backends!(
    pages_carry_the_strict_csp_and_the_api_keeps_its_answers,
    |app: TestApp| async move {
        let mut b = Browser::new();
        let start = b.get(&app, "/").await;
        assert_eq!(start.status, 200);
        assert!(start.content_type.starts_with("text/html"));
        assert_eq!(start.csp.as_deref(), Some(STRICT_CSP));
        assert!(start.body.contains("href=\"/sign-in\""));
        let cookie = b.set_cookie.clone().expect("a session cookie");
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        assert!(!cookie.contains("Secure"), "plain http: {cookie}");

        let css = b.get(&app, "/assets/govuk-frontend-6.6.0.min.css").await;
        assert_eq!(css.status, 200);
        assert_eq!(css.content_type, "text/css; charset=utf-8");
        assert!(css.body.contains(".govuk-header"));

        // The API and its docs are as they were.
        let docs = b.get(&app, "/docs/").await;
        assert_eq!(docs.status, 200);
        assert_ne!(docs.csp.as_deref(), Some(STRICT_CSP));
        let missing = b.get(&app, "/v1/no-such-thing").await;
        assert_eq!(missing.status, 404);
        assert_eq!(missing.content_type, "application/problem+json");
        let health = b.get(&app, "/health/live").await;
        assert_eq!(health.status, 200);

        // Signed out, a page sends the browser to the start page; an unknown page is an HTML 404.
        let om = b.get(&app, "/om").await;
        assert_eq!((om.status, om.location.as_str()), (303, "/"));
        let unknown = b.get(&app, "/om/no-such-page/at-all").await;
        assert_eq!(unknown.status, 404);
        assert!(unknown.content_type.starts_with("text/html"));
        assert!(unknown.body.contains("Page not found"));
    }
);

both_backends!(
    session_cookies_are_secure_behind_https,
    adjust = |c: &mut provider_hub_tests::Config| c.public_url = Some("https://hub.example".into()),
    |app: TestApp| async move {
        let mut b = Browser::new();
        b.get(&app, "/").await;
        let cookie = b.set_cookie.clone().expect("a session cookie");
        assert!(cookie.contains("; Secure"), "{cookie}");
    }
);

both_backends!(
    a_web_action_is_audited_as_the_signed_in_person_and_needs_the_csrf_token,
    |app: TestApp| async move {
        seed_market(&app).await;
        let mut b = Browser::new();
        b.sign_in_locally(&app, "om:SY-SHF:1").await;
        let form = b.get(&app, "/om/cases/new").await;
        assert_eq!(form.status, 200);
        let token = Browser::token(&form.body, "/om/cases/new");
        let case = [
            ("crn", "T123456"),
            ("sex", "male"),
            ("date_of_birth-day", "1"),
            ("date_of_birth-month", "2"),
            ("date_of_birth-year", "1985"),
        ];

        // Without the session's token: 403, nothing registered.
        let mut forged: Vec<(&str, &str)> = vec![("csrf_token", "forged")];
        forged.extend(case);
        let refused = b.post(&app, "/om/cases/new", &forged).await;
        assert_eq!(refused.status, 403);
        assert!(refused.body.contains("This form has expired"));
        let mut conn = app.db.connect();
        assert!(provider_hub_store::cases::find(&mut conn, "T123456")
            .expect("read")
            .is_none());

        // With it: registered, and audited with the same actor an API call would have.
        let mut sent: Vec<(&str, &str)> = vec![("csrf_token", &token)];
        sent.extend(case);
        let done = b.post(&app, "/om/cases/new", &sent).await;
        assert_eq!(
            (done.status, done.location.as_str()),
            (303, "/om/cases/T123456")
        );
        let audit =
            provider_hub_store::audit::for_entity(&mut conn, "case", "T123456").expect("audit");
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].actor_sub, "local-om-SY-SHF-1");
        assert_eq!(audit[0].actor_role, "offender_manager");

        // The case is the API's too: another manager of the area reads it there.
        let token = provider_hub_tests::manager_token("SY-SHF", "om-someone-else");
        let (status, body) = app.get("/v1/cases/T123456", &token).await;
        assert_eq!(status, 200, "{body}");

        // A refused registration shows the use case's reason, linked to its field.
        let again = b.post(&app, "/om/cases/new", &sent).await;
        assert_eq!(again.status, 422);
        assert!(again.body.contains("href=\"#crn\""), "{}", again.body);
        assert!(again.body.contains("Case T123456 is already registered"));
    }
);

both_backends!(an_idle_session_is_signed_out, |app: TestApp| async move {
    seed_market(&app).await;
    let mut b = Browser::new();
    b.sign_in_locally(&app, "om:SY-SHF:2").await;
    assert_eq!(b.get(&app, "/om").await.status, 200);
    app.clock.advance_days(1);
    let idle = b.get(&app, "/om").await;
    assert_eq!(
        (idle.status, idle.location.as_str()),
        (303, "/?signed-out=idle")
    );
    assert_eq!(
        b.get(&app, "/om").await.location,
        "/",
        "signed out for good"
    );
});

both_backends!(
    an_offender_manager_never_sees_or_changes_another_areas_cases_or_orders,
    |app: TestApp| async move {
        seed_market(&app).await;
        // Bought for a person in Sheffield.
        let order = provider_hub_tests::purchase(&app, "SY-SHF", "X300001").await;
        let id = order["id"].as_str().expect("order id").to_owned();
        let status = order["status"].clone();

        // Signed in as an offender manager of Rotherham.
        let mut b = Browser::new();
        b.sign_in_locally(&app, "om:SY-ROT:1").await;
        for path in [
            "/om/cases/X300001".to_owned(),
            format!("/om/orders/{id}"),
            format!("/om/orders/{id}/cancel"),
        ] {
            let page = b.get(&app, &path).await;
            assert_eq!(page.status, 404, "{path}: {}", page.body);
            assert!(!page.body.contains("X300001"), "{path}: {}", page.body);
        }
        let caseload = b.get(&app, "/om").await;
        assert_eq!(caseload.status, 200);
        assert!(!caseload.body.contains("X300001"), "{}", caseload.body);

        // A cancellation sent with the session's own token is refused and changes nothing.
        let form = b.get(&app, "/om/cases/new").await;
        let token = Browser::token(&form.body, "/om/cases/new");
        let refused = b
            .post(
                &app,
                &format!("/om/orders/{id}/cancel"),
                &[("csrf_token", &token), ("reason", "not mine to cancel")],
            )
            .await;
        assert_eq!(refused.status, 404, "{}", refused.body);
        let (s, after) = app
            .get(
                &format!("/v1/orders/{id}"),
                &provider_hub_tests::manager_token("SY-SHF", "om-ann"),
            )
            .await;
        assert_eq!(s, 200, "{after}");
        assert_eq!(after["status"], status, "{after}");
    }
);

both_backends!(
    a_hub_listening_on_the_network_offers_no_local_sign_in,
    adjust = |c: &mut provider_hub_tests::Config| c.listen = "0.0.0.0:0".into(),
    |app: TestApp| async move {
        seed_market(&app).await;
        let mut b = Browser::new();
        let page = b.get(&app, "/sign-in").await;
        assert_eq!(page.status, 403, "{}", page.body);
        assert!(page.body.contains("HUB_OIDC_ISSUER"), "{}", page.body);
        assert!(!page.body.contains("For local use only"), "{}", page.body);
        // Choosing a person anyway signs nobody in.
        let refused = b.post(&app, "/sign-in", &[("person", "admin")]).await;
        assert_eq!(refused.status, 403, "{}", refused.body);
        let home = b.get(&app, "/om").await;
        assert_eq!(
            (home.status, home.location.as_str()),
            (303, "/"),
            "{}",
            home.body
        );
        // The API is unchanged: it still wants a token.
        let (status, _) = app.get("/v1/cases", "not-a-token").await;
        assert_eq!(status, 401);
    }
);
