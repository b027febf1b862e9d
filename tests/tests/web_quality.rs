//! The quality team's web pages, from outside: signed in locally with a cookie session,
//! each page calls the same use case as the API (the API sees
//! what a page did, and a page shows the API's reason when it refuses), other roles are
//! refused, a form without the session's CSRF token changes nothing, and the threshold
//! preview says who would fall below a new threshold without changing anything.

use provider_hub_tests::web::*;
use provider_hub_tests::*;
use serde_json::Value;

/// The specification form's fields for a complete unpaid-work specification.
fn specification_fields<'a>(csrf: &'a str, code: &'a str, cap: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf_token", csrf),
        ("code", code),
        ("title", "Unpaid work, weekend placement"),
        ("description", "Supervised unpaid work at weekends."),
        ("category", "unpaid_work"),
        ("need-education_training_employment", "yes"),
        ("min_sessions", "10"),
        ("min_hours", "40"),
        ("format", "group"),
        ("unit_of_purchase", "40 hours of supervised unpaid work"),
        ("price_cap", cap),
        ("sex-female", "yes"),
        ("sex-male", "yes"),
        ("min_age", "18"),
        ("max_age", "80"),
        ("max_risk_of_harm", "high"),
        ("tier-1", "yes"),
        ("tier-2", "yes"),
        ("start_percent", "20"),
        ("completion_percent", "50"),
        ("outcome_percent", "30"),
    ]
}

async fn version_status(app: &TestApp, code: &str, version: i32) -> (Value, String) {
    let (s, v) = app
        .get(
            &format!("/v1/specifications/{code}/versions/{version}"),
            &app.token("quality"),
        )
        .await;
    assert_eq!(s, 200, "{v}");
    let status = v["status"].as_str().expect("status").to_owned();
    (v, status)
}

both_backends!(
    the_quality_team_drafts_publishes_versions_and_retires_a_specification,
    |app: TestApp| async move {
        let web = browser();
        let csrf = sign_in(&app, &web, "quality", "/quality").await;

        // A form the use case refuses: the payment shares do not add up to 100, in the
        // API's words; nothing is created.
        let mut fields = specification_fields(&csrf, "UPW-WKD", "600");
        fields.retain(|(k, _)| *k != "outcome_percent");
        let (s, body) = post_form(&app, &web, "/quality/specifications/new", &fields).await;
        assert_eq!(s, 422);
        refused_with(&body, "percentages must sum to 100, not 70");
        let (s, _) = app
            .get("/v1/specifications/UPW-WKD", &app.token("quality"))
            .await;
        assert_eq!(s, 404);

        // Created as a draft, seen by the API; the list shows it.
        let fields = specification_fields(&csrf, "UPW-WKD", "600");
        let (s, location) = post_form(&app, &web, "/quality/specifications/new", &fields).await;
        assert_eq!(
            (s, location.as_str()),
            (303, "/quality/specifications/UPW-WKD")
        );
        let (v, status) = version_status(&app, "UPW-WKD", 1).await;
        assert_eq!(status, "draft");
        assert_eq!(v["price_cap_pence"], 60_000);
        assert_eq!(v["eligibility"]["tiers"], serde_json::json!([1, 2]));
        let (_, list) = page(&app, &web, "/quality").await;
        assert!(list.contains("UPW-WKD") && list.contains("Draft"), "{list}");

        // Edit the draft, then publish it.
        let mut fields = specification_fields(&csrf, "UPW-WKD", "550");
        fields.retain(|(k, _)| *k != "code");
        let (s, _) = post_form(
            &app,
            &web,
            "/quality/specifications/UPW-WKD/versions/1/edit",
            &fields,
        )
        .await;
        assert_eq!(s, 303);
        assert_eq!(
            version_status(&app, "UPW-WKD", 1).await.0["price_cap_pence"],
            55_000
        );
        let publish = "/quality/specifications/UPW-WKD/versions/1/publish";
        let (s, _) = post_form(&app, &web, publish, &[("csrf_token", &csrf)]).await;
        assert_eq!(s, 303);
        assert_eq!(version_status(&app, "UPW-WKD", 1).await.1, "published");

        // Publishing it again is refused with the API's reason, shown on the page.
        let (s, body) = post_form(&app, &web, publish, &[("csrf_token", &csrf)]).await;
        assert_eq!(s, 409);
        let (s, api) = app
            .post_empty(
                "/v1/specifications/UPW-WKD/versions/1/publish",
                &app.token("quality"),
            )
            .await;
        assert_eq!(s, 409);
        let reason = page_words(api["detail"].as_str().expect("detail"));
        refused_with(&body, &reason);

        // A published version never changes: its edit form is refused.
        let (s, _) = page(
            &app,
            &web,
            "/quality/specifications/UPW-WKD/versions/1/edit",
        )
        .await;
        assert_eq!(s, 409);

        // A new version, from the latest, with a new price cap: both side by side.
        let mut fields = specification_fields(&csrf, "UPW-WKD", "650");
        fields.retain(|(k, _)| *k != "code");
        let (s, _) = post_form(
            &app,
            &web,
            "/quality/specifications/UPW-WKD/versions/new",
            &fields,
        )
        .await;
        assert_eq!(s, 303);
        let (v2, status) = version_status(&app, "UPW-WKD", 2).await;
        assert_eq!(
            (status.as_str(), v2["price_cap_pence"].as_i64()),
            ("draft", Some(65_000))
        );
        let (_, side) = page(&app, &web, "/quality/specifications/UPW-WKD").await;
        assert!(
            side.contains("Version 1") && side.contains("Version 2"),
            "{side}"
        );
        assert!(side.contains("£550") && side.contains("£650"), "{side}");
        // With a draft open, another new version is refused with the API's reason.
        let (s, body) = post_form(
            &app,
            &web,
            "/quality/specifications/UPW-WKD/versions/new",
            &fields,
        )
        .await;
        assert_eq!(s, 422);
        refused_with(&body, "Version 2 of UPW-WKD is still a draft");

        // Retire version 1, after the confirmation page.
        let (s, confirm) = page(
            &app,
            &web,
            "/quality/specifications/UPW-WKD/versions/1/retire",
        )
        .await;
        assert_eq!(s, 200);
        assert!(confirm.contains("Yes, retire version 1"), "{confirm}");
        let retire = "/quality/specifications/UPW-WKD/versions/1/retire";
        let (s, _) = post_form(&app, &web, retire, &[("csrf_token", &csrf)]).await;
        assert_eq!(s, 303);
        assert_eq!(version_status(&app, "UPW-WKD", 1).await.1, "retired");
    }
);

/// The API's detail as a page shows it: its first letter in capitals.
fn page_words(detail: &str) -> String {
    let mut c = detail.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

async fn provider_view(app: &TestApp, id: &str) -> Value {
    let (s, p) = app
        .get(&format!("/v1/providers/{id}"), &app.token("quality"))
        .await;
    assert_eq!(s, 200, "{p}");
    p
}

both_backends!(
    the_quality_team_accredits_suspends_reinstates_and_revokes_a_provider,
    |app: TestApp| async move {
        seed_market(&app).await;
        let provider = register_provider(&app, "REG-WQ-1").await;
        let web = browser();
        let csrf = sign_in(&app, &web, "quality", "/quality").await;
        let base = format!("/quality/providers/{provider}");
        let today = app.today();
        let next_year = today + chrono::Duration::days(365);
        let (d, m, y) = (
            today.format("%d").to_string(),
            today.format("%m").to_string(),
            today.format("%Y").to_string(),
        );
        let (nd, nm, ny) = (
            next_year.format("%d").to_string(),
            next_year.format("%m").to_string(),
            next_year.format("%Y").to_string(),
        );

        // An applicant: no membership yet.
        let (_, list) = page(&app, &web, "/quality/providers").await;
        assert!(
            list.contains("Provider REG-WQ-1") && list.contains("Applicant"),
            "{list}"
        );

        // An expiry before the assessment is refused with the use case's words.
        let accredit = format!("{base}/accreditations/new");
        let (s, body) = post_form(
            &app,
            &web,
            &accredit,
            &[
                ("csrf_token", &csrf),
                ("category", "unpaid_work"),
                ("score", "72"),
                ("assessed_on-day", &nd),
                ("assessed_on-month", &nm),
                ("assessed_on-year", &ny),
                ("expires_on-day", &d),
                ("expires_on-month", &m),
                ("expires_on-year", &y),
            ],
        )
        .await;
        assert_eq!(s, 422);
        refused_with(&body, "Date assessed must not be in the future");
        assert!(provider_view(&app, &provider).await["accreditations"]
            .as_array()
            .expect("accreditations")
            .is_empty());

        // Recorded: a member for unpaid work, on the page and through the API.
        let fields = [
            ("csrf_token", csrf.as_str()),
            ("category", "unpaid_work"),
            ("score", "72"),
            ("assessed_on-day", &d),
            ("assessed_on-month", &m),
            ("assessed_on-year", &y),
            ("expires_on-day", &nd),
            ("expires_on-month", &nm),
            ("expires_on-year", &ny),
            ("notes", "Site visit"),
        ];
        let (s, location) = post_form(&app, &web, &accredit, &fields).await;
        assert_eq!((s, location.as_str()), (303, base.as_str()));
        let p = provider_view(&app, &provider).await;
        assert_eq!(p["status"], "member");
        assert_eq!(p["member_categories"], serde_json::json!(["unpaid_work"]));
        let (_, shown) = page(&app, &web, &base).await;
        assert!(
            shown.contains("Member for") && shown.contains("Unpaid work"),
            "{shown}"
        );
        assert!(shown.contains("Site visit"), "{shown}");

        // Suspend: no reason is refused in the API's words; then suspended.
        let suspend = format!("{base}/standing/suspend");
        let (s, form) = page(&app, &web, &suspend).await;
        assert_eq!(s, 200);
        assert!(form.contains("Suspend the provider"), "{form}");
        let (s, body) = post_form(
            &app,
            &web,
            &suspend,
            &[("csrf_token", &csrf), ("reason", " ")],
        )
        .await;
        assert_eq!(s, 422);
        refused_with(&body, "Reason must be 1-2000 characters");
        assert_eq!(provider_view(&app, &provider).await["status"], "member");
        let (s, _) = post_form(
            &app,
            &web,
            &suspend,
            &[
                ("csrf_token", &csrf),
                ("reason", "Safeguarding concern under review"),
            ],
        )
        .await;
        assert_eq!(s, 303);
        let p = provider_view(&app, &provider).await;
        assert_eq!(p["status"], "suspended");
        assert_eq!(p["standing_reason"], "Safeguarding concern under review");

        // Suspending again is refused with the API's reason.
        let (s, body) = post_form(
            &app,
            &web,
            &suspend,
            &[("csrf_token", &csrf), ("reason", "Again")],
        )
        .await;
        assert_eq!(s, 422);
        refused_with(&body, "Cannot suspend a provider that is suspended");

        // Reinstate, then revoke; a revoked provider cannot be accredited.
        for (action, status) in [("reinstate", "member"), ("revoke", "revoked")] {
            let (s, _) = post_form(
                &app,
                &web,
                &format!("{base}/standing/{action}"),
                &[("csrf_token", &csrf), ("reason", "Review concluded")],
            )
            .await;
            assert_eq!(s, 303, "{action}");
            assert_eq!(provider_view(&app, &provider).await["status"], status);
        }
        let (s, body) = post_form(&app, &web, &accredit, &fields).await;
        assert_eq!(s, 422);
        refused_with(&body, "A revoked provider cannot be accredited");
        let (_, shown) = page(&app, &web, &base).await;
        assert!(!shown.contains("Record an accreditation"), "{shown}");
    }
);

/// The ids of the listings a search shows an offender manager of Sheffield.
async fn searchable(app: &TestApp) -> Vec<String> {
    let (s, body) = app
        .get("/v1/listings?limit=500", &app.token("offender_manager"))
        .await;
    assert_eq!(s, 200, "{body}");
    ids(&body)
}

async fn threshold(app: &TestApp) -> u64 {
    let (s, t) = app
        .get("/v1/quality/threshold", &app.token("quality"))
        .await;
    assert_eq!(s, 200, "{t}");
    t["threshold"].as_u64().expect("threshold")
}

both_backends!(
    the_threshold_preview_shows_who_would_fall_below_and_changes_nothing_until_saved,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (strong, strong_listing) = upw_provider(&app, "REG-WQ-STRONG", 40_000, 2, 7, 85).await;
        let (weak, weak_listing) = upw_provider(&app, "REG-WQ-WEAK", 42_000, 2, 7, 65).await;
        let before = threshold(&app).await;
        assert!(before <= 65, "the default threshold admits both");
        let listed = searchable(&app).await;
        assert!(listed.contains(&strong_listing) && listed.contains(&weak_listing));

        // The API: at 70 the weak provider leaves unpaid work and its listing leaves
        // search; the strong one stays. Nothing changes.
        let q = app.token("quality");
        let (s, p) = app
            .get("/v1/quality/threshold/preview?threshold=70", &q)
            .await;
        assert_eq!(s, 200, "{p}");
        assert_eq!(
            (p["current"].as_u64(), p["proposed"].as_u64()),
            (Some(before), Some(70))
        );
        let categories = p["categories"].as_array().expect("categories");
        assert_eq!(categories.len(), 1, "{p}");
        assert_eq!(categories[0]["category"], "unpaid_work");
        let leaving: Vec<&str> = categories[0]["leaving"]
            .as_array()
            .expect("leaving")
            .iter()
            .filter_map(|x| x["id"].as_str())
            .collect();
        assert_eq!(leaving, vec![weak.as_str()]);
        assert_eq!(categories[0]["leaving"][0]["score"], 65);
        let listings: Vec<&str> = p["listings_leaving_search"]
            .as_array()
            .expect("listings")
            .iter()
            .filter_map(|x| x["id"].as_str())
            .collect();
        assert_eq!(listings, vec![weak_listing.as_str()]);
        assert_eq!(threshold(&app).await, before);
        assert!(searchable(&app).await.contains(&weak_listing));

        // Lowering it back would bring no one in and take no one out; a bad value is
        // refused; another role may not ask.
        let (_, same) = app
            .get(
                &format!("/v1/quality/threshold/preview?threshold={before}"),
                &q,
            )
            .await;
        assert_eq!(same["categories"], serde_json::json!([]));
        for bad in ["101", "-1", "high", ""] {
            let (s, body) = app
                .get(
                    &format!("/v1/quality/threshold/preview?threshold={bad}"),
                    &q,
                )
                .await;
            assert_eq!(s, 422, "{bad}: {body}");
        }
        let (s, _) = app
            .get(
                "/v1/quality/threshold/preview?threshold=70",
                &app.token("commissioner"),
            )
            .await;
        assert_eq!(s, 403);

        // The page shows the same before the "Save threshold" button.
        let web = browser();
        let csrf = sign_in(&app, &web, "quality", "/quality").await;
        let (s, shown) = page(&app, &web, "/quality/threshold/preview?threshold=70").await;
        assert_eq!(s, 200, "{shown}");
        assert!(
            shown.contains("Provider REG-WQ-WEAK (scores 65)"),
            "{shown}"
        );
        assert!(!shown.contains("Provider REG-WQ-STRONG"), "{shown}");
        assert!(
            shown.contains(&weak_listing) && shown.contains("Save threshold"),
            "{shown}"
        );
        assert_eq!(threshold(&app).await, before);
        let (s, body) = page(&app, &web, "/quality/threshold/preview?threshold=101").await;
        assert_eq!(s, 422);
        refused_with(&body, "Threshold must be 0-100");

        // Saving without the session's token changes nothing; with it, the weak
        // provider's listing leaves search, as previewed.
        let (s, _) = post_form(&app, &web, "/quality/threshold", &[("threshold", "70")]).await;
        assert_eq!(s, 403);
        assert_eq!(threshold(&app).await, before);
        let (s, location) = post_form(
            &app,
            &web,
            "/quality/threshold",
            &[("csrf_token", &csrf), ("threshold", "70")],
        )
        .await;
        assert_eq!((s, location.as_str()), (303, "/quality/threshold"));
        assert_eq!(threshold(&app).await, 70);
        let listed = searchable(&app).await;
        assert!(listed.contains(&strong_listing) && !listed.contains(&weak_listing));
        assert_eq!(provider_view(&app, &strong).await["status"], "member");
        assert_eq!(provider_view(&app, &weak).await["status"], "applicant");
    }
);

both_backends!(
    other_roles_are_refused_and_forms_need_the_sessions_token,
    |app: TestApp| async move {
        seed_market(&app).await;
        let provider = register_provider(&app, "REG-WQ-2").await;

        // A provider's staff, the administrator and the quality team: each is refused
        // the other's pages.
        let as_provider = browser();
        sign_in(
            &app,
            &as_provider,
            &format!("provider:{provider}"),
            "/provider",
        )
        .await;
        let as_admin = browser();
        sign_in(&app, &as_admin, "admin", "/admin").await;
        let as_quality = browser();
        let csrf = sign_in(&app, &as_quality, "quality", "/quality").await;
        for (web, paths) in [
            (
                &as_provider,
                vec![
                    "/quality",
                    "/quality/providers",
                    "/quality/threshold",
                    "/admin",
                    "/admin/providers",
                ],
            ),
            (
                &as_admin,
                vec![
                    "/quality",
                    "/quality/specifications/UPW-STD",
                    "/quality/threshold/preview?threshold=70",
                ],
            ),
            (
                &as_quality,
                vec!["/admin", "/admin/areas/new", "/admin/providers/new"],
            ),
        ] {
            for path in paths {
                let (s, body) = page(&app, web, path).await;
                assert_eq!(s, 403, "{path}: {body}");
                assert!(body.contains("You cannot do this"), "{path}");
            }
        }
        // Signed out: the start page.
        let (s, _) = page(&app, &browser(), "/quality").await;
        assert_eq!(s, 303);

        // Forms without the session's token change nothing.
        let suspend = format!("/quality/providers/{provider}/standing/suspend");
        let (s, _) = post_form(&app, &as_quality, &suspend, &[("reason", "No token")]).await;
        assert_eq!(s, 403);
        assert_eq!(provider_view(&app, &provider).await["status"], "applicant");
        let (s, _) = post_form(
            &app,
            &as_quality,
            "/quality/specifications/UPW-STD/versions/1/retire",
            &[("csrf_token", "0000")],
        )
        .await;
        assert_eq!(s, 403);
        assert_eq!(version_status(&app, "UPW-STD", 1).await.1, "published");
        let (s, _) = post_form(
            &app,
            &as_admin,
            "/admin/areas/new",
            &[
                ("code", "SY-DON"),
                ("name", "Doncaster"),
                ("region", "Yorkshire"),
            ],
        )
        .await;
        assert_eq!(s, 403);
        let (s, _) = app.get("/v1/areas/SY-DON", &app.token("admin")).await;
        assert_eq!(s, 404);
        // A quality action posted from another role's session is refused too.
        let (s, _) = post_form(
            &app,
            &as_admin,
            &suspend,
            &[("csrf_token", &csrf), ("reason", "x")],
        )
        .await;
        assert_eq!(s, 403);
        assert_eq!(provider_view(&app, &provider).await["status"], "applicant");
    }
);
