//! The administrator's web pages, from outside: areas and provider registration through
//! the same use cases as the API (the API sees what a page did), refusals shown in the
//! API's words.

use provider_hub_tests::web::*;
use provider_hub_tests::*;

both_backends!(
    the_administrator_creates_areas_and_registers_providers,
    |app: TestApp| async move {
        let web = browser();
        let csrf = sign_in(&app, &web, "admin", "/admin").await;

        // An area: a bad code is refused; a good one is created, then refused as a
        // duplicate with the API's reason.
        let (s, body) = post_form(
            &app,
            &web,
            "/admin/areas/new",
            &[
                ("csrf_token", &csrf),
                ("code", "sy shf"),
                ("name", "Sheffield"),
                ("region", "Yorkshire"),
            ],
        )
        .await;
        assert_eq!(s, 422);
        refused_with(&body, "Code ");
        let area = [
            ("csrf_token", csrf.as_str()),
            ("code", "SY-SHF"),
            ("name", "Sheffield"),
            ("region", "Yorkshire and the Humber"),
        ];
        let (s, location) = post_form(&app, &web, "/admin/areas/new", &area).await;
        assert_eq!((s, location.as_str()), (303, "/admin"));
        let (s, a) = app.get("/v1/areas/SY-SHF", &app.token("admin")).await;
        assert_eq!((s, a["name"].as_str()), (200, Some("Sheffield")));
        let (_, list) = page(&app, &web, "/admin").await;
        assert!(
            list.contains("SY-SHF") && list.contains("Yorkshire and the Humber"),
            "{list}"
        );
        let (s, body) = post_form(&app, &web, "/admin/areas/new", &area).await;
        assert_eq!(s, 422);
        refused_with(&body, "Area SY-SHF already exists");

        // A provider: a bad email is refused in the use case's words; registered, it is
        // an applicant; the same registration number again is refused.
        let mut provider = vec![
            ("csrf_token", csrf.as_str()),
            ("name", "Don Valley Payback"),
            ("sector", "social_enterprise"),
            ("registration_number", "CH-778899"),
            ("contact_name", "Referrals"),
            ("contact_email", "not-an-email"),
        ];
        let (s, body) = post_form(&app, &web, "/admin/providers/new", &provider).await;
        assert_eq!(s, 422);
        refused_with(&body, "Contact email must be an email address");
        provider[5] = ("contact_email", "referrals@donvalley.example");
        let (s, location) = post_form(&app, &web, "/admin/providers/new", &provider).await;
        assert_eq!((s, location.as_str()), (303, "/admin/providers"));
        let (_, all) = app.get("/v1/providers", &app.token("admin")).await;
        let registered = all["items"]
            .as_array()
            .expect("items")
            .iter()
            .find(|p| p["registration_number"] == "CH-778899")
            .expect("registered")
            .clone();
        assert_eq!(registered["status"], "applicant");
        assert_eq!(registered["sector"], "social_enterprise");
        let (_, list) = page(&app, &web, "/admin/providers").await;
        assert!(
            list.contains("Don Valley Payback") && list.contains("Applicant"),
            "{list}"
        );
        let (s, body) = post_form(&app, &web, "/admin/providers/new", &provider).await;
        assert_eq!(s, 422);
        refused_with(
            &body,
            "A provider with registration number CH-778899 is already registered",
        );
    }
);
