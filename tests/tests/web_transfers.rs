//! The offender manager's transfer screens, on both backends: the form refuses the case's
//! own area with the use case's words, a transfer lands on its page saying what happened
//! to each order, and both areas list it; the sending area no longer opens the case.

use provider_hub_tests::web::{browser, csrf_of, page, post_form, refused_with, sign_in};
use provider_hub_tests::{both_backends, purchase, seed_market, upw_provider, TestApp};

both_backends!(
    an_offender_manager_transfers_a_case_from_its_page,
    |app: TestApp| async move {
        seed_market(&app).await;
        upw_provider(&app, "WEB-TR", 30_000, 2, 3, 80).await;
        let order = purchase(&app, "SY-SHF", "X930001").await;
        assert_eq!(order["status"], "offered", "{order}");
        let web = browser();
        sign_in(&app, &web, "om:SY-SHF:1", "/om").await;
        let (s, case) = page(&app, &web, "/om/cases/X930001").await;
        assert_eq!(s, 200);
        assert!(
            case.contains("href=\"/om/cases/X930001/transfer\""),
            "{case}"
        );
        let (s, form) = page(&app, &web, "/om/cases/X930001/transfer").await;
        assert_eq!(s, 200, "{form}");
        assert!(
            form.contains("value=\"SY-ROT\""),
            "Rotherham is offered: {form}"
        );
        assert!(
            !form.contains("value=\"SY-SHF\""),
            "its own area is not: {form}"
        );
        let csrf = csrf_of(&form);
        let path = "/om/cases/X930001/transfer";
        let (s, refused) = post_form(
            &app,
            &web,
            path,
            &[
                ("csrf_token", &csrf),
                ("to_area", "SY-SHF"),
                ("reason", "moved"),
            ],
        )
        .await;
        assert_eq!(s, 422);
        refused_with(&refused, "Area the case is already in SY-SHF");
        let (s, done) = post_form(
            &app,
            &web,
            path,
            &[
                ("csrf_token", &csrf),
                ("to_area", "SY-ROT"),
                ("reason", "moved in with family"),
            ],
        )
        .await;
        assert_eq!(s, 303, "{done}");
        assert!(done.starts_with("/om/transfers/trf_"), "{done}");
        let (s, shown) = page(&app, &web, &done).await;
        assert_eq!(s, 200, "{shown}");
        assert!(
            shown.contains("Case X930001 transferred to SY-ROT"),
            "{shown}"
        );
        assert!(shown.contains("Matched again in the new area"), "{shown}");
        assert!(shown.contains("moved in with family"), "{shown}");
        let (s, list) = page(&app, &web, "/om/transfers").await;
        assert_eq!(s, 200);
        assert!(
            list.contains("X930001") && list.contains("Out to"),
            "{list}"
        );
        assert_eq!(page(&app, &web, "/om/cases/X930001").await.0, 404);

        let rotherham = browser();
        sign_in(&app, &rotherham, "om:SY-ROT:1", "/om").await;
        let (s, list) = page(&app, &rotherham, "/om/transfers").await;
        assert_eq!(s, 200);
        assert!(
            list.contains("X930001") && list.contains("In from"),
            "{list}"
        );
        let (s, case) = page(&app, &rotherham, "/om/cases/X930001").await;
        assert_eq!(s, 200, "{case}");
        assert!(case.contains("SY-ROT"), "{case}");
    }
);
