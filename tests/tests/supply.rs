//! The supply side: providers, accreditation against the threshold, listings, capacity.

use provider_hub_tests::{
    accredit, both_backends, create_listing, ids, json, listing_body, register_provider,
    seed_market, TestApp,
};

both_backends!(
    accreditation_at_or_above_the_threshold_makes_a_member,
    |app: TestApp| async move {
        seed_market(&app).await;
        let p = register_provider(&app, "CH-0001").await;
        let (_, view) = app
            .get(&format!("/v1/providers/{p}"), &app.token("quality"))
            .await;
        assert_eq!(view["status"], "applicant");
        assert_eq!(view["member_categories"], json!([]));

        // The same registration number twice is refused.
        let (s, _) = app
            .post(
                "/v1/providers",
                &app.token("admin"),
                &json!({"name": "Again", "sector": "private", "registration_number": "CH-0001",
                    "contact": {"name": "x", "email": "x@example.org"}}),
            )
            .await;
        assert_eq!(s, 409);

        let view = accredit(&app, &p, "unpaid_work", 70).await;
        assert_eq!(view["status"], "member");
        assert_eq!(view["member_categories"], json!(["unpaid_work"]));

        // Raising the threshold above the score ends membership at once; lowering restores it.
        let q = app.token("quality");
        let (s, t) = app
            .put("/v1/quality/threshold", &q, &json!({"threshold": 75}))
            .await;
        assert_eq!((s, t["threshold"].as_u64()), (200, Some(75)));
        let (_, view) = app.get(&format!("/v1/providers/{p}"), &q).await;
        assert_eq!(view["status"], "applicant");
        assert_eq!(view["accreditations"][0]["qualifies_today"], false);
        let (s, _) = app
            .put("/v1/quality/threshold", &q, &json!({"threshold": 70}))
            .await;
        assert_eq!(s, 200);
        let (_, view) = app.get(&format!("/v1/providers/{p}"), &q).await;
        assert_eq!(view["status"], "member", "at the threshold is enough");

        // A newer, lower assessment supersedes the old one.
        let view = accredit(&app, &p, "unpaid_work", 40).await;
        assert_eq!(view["status"], "applicant");
        assert_eq!(view["accreditations"][1]["current"], false);

        for bad in [
            json!({"threshold": 101}),
            json!({"threshold": -1}),
            json!({"threshold": "high"}),
            json!({}),
        ] {
            let (s, _) = app.put("/v1/quality/threshold", &q, &bad).await;
            assert_eq!(s, 422, "{bad}");
        }
        let (s, _) = app
            .put(
                "/v1/quality/threshold",
                &app.token("admin"),
                &json!({"threshold": 10}),
            )
            .await;
        assert_eq!(s, 403);
        let (s, t) = app
            .get("/v1/quality/threshold", &app.token("offender_manager"))
            .await;
        assert_eq!((s, t["threshold"].as_u64()), (200, Some(70)));
    }
);

both_backends!(accreditations_are_validated, |app: TestApp| async move {
    seed_market(&app).await;
    let p = register_provider(&app, "CH-0002").await;
    let q = app.token("quality");
    let today = app.today();
    let path = format!("/v1/providers/{p}/accreditations");
    for bad in [
        json!({"category": "unpaid_work", "score": 101, "assessed_on": today.to_string(), "expires_on": (today + chrono::Duration::days(9)).to_string()}),
        json!({"category": "unpaid_work", "score": 80, "assessed_on": today.to_string(), "expires_on": today.to_string()}),
        json!({"category": "unpaid_work", "score": 80, "assessed_on": (today + chrono::Duration::days(3)).to_string(), "expires_on": (today + chrono::Duration::days(9)).to_string()}),
        json!({"category": "knitting", "score": 80, "assessed_on": today.to_string(), "expires_on": (today + chrono::Duration::days(9)).to_string()}),
        json!({"category": "unpaid_work", "score": 80, "assessed_on": "yesterday", "expires_on": "2030-01-01"}),
    ] {
        let (s, problem) = app.post(&path, &q, &bad).await;
        assert_eq!(s, 422, "{bad}: {problem}");
    }
    let (s, _) = app.post("/v1/providers/prv_nope/accreditations", &q, &json!({"category": "unpaid_work", "score": 80, "assessed_on": today.to_string(), "expires_on": (today + chrono::Duration::days(9)).to_string()})).await;
    assert_eq!(s, 404);
    let (_, view) = app.get(&format!("/v1/providers/{p}"), &q).await;
    assert_eq!(view["accreditations"], json!([]));
});

both_backends!(
    expiry_ends_membership_and_takes_listings_out_of_search,
    |app: TestApp| async move {
        seed_market(&app).await;
        let p = register_provider(&app, "CH-0003").await;
        let today = app.today();
        let (s, _) = app
            .post(
                &format!("/v1/providers/{p}/accreditations"),
                &app.token("quality"),
                &json!({"category": "unpaid_work", "score": 90, "assessed_on": today.to_string(),
                    "expires_on": (today + chrono::Duration::days(10)).to_string()}),
            )
            .await;
        assert_eq!(s, 201);
        let l = create_listing(&app, &p, &listing_body(50_000)).await;
        let (s, _) = app
            .post_empty(
                &format!("/v1/listings/{l}/publish"),
                &app.provider_token(&p),
            )
            .await;
        assert_eq!(s, 200);
        let om = app.token("offender_manager");
        let (_, page) = app.get("/v1/listings?area=SY-SHF", &om).await;
        assert_eq!(ids(&page), std::slice::from_ref(&l));

        app.clock.advance_days(10);
        let (_, view) = app
            .get(&format!("/v1/providers/{p}"), &app.token("quality"))
            .await;
        assert_eq!(view["status"], "applicant", "expired on its expiry date");
        let (_, page) = app.get("/v1/listings?area=SY-SHF", &om).await;
        assert!(
            ids(&page).is_empty(),
            "an expired member's listing leaves search"
        );
        let (s, _) = app.get(&format!("/v1/listings/{l}"), &om).await;
        assert_eq!(s, 404);
        // The quality team still sees it.
        let (_, page) = app
            .get("/v1/listings?area=SY-SHF", &app.token("quality"))
            .await;
        assert_eq!(ids(&page), [l]);
    }
);

both_backends!(
    a_listing_is_published_only_by_a_member_within_the_cap,
    |app: TestApp| async move {
        seed_market(&app).await;
        let p = register_provider(&app, "CH-0004").await;
        let pt = app.provider_token(&p);
        let l = create_listing(&app, &p, &listing_body(65_000)).await;
        let (_, draft) = app.get(&format!("/v1/listings/{l}"), &pt).await;
        assert_eq!(draft["status"], "draft");
        assert_eq!(draft["areas"], json!(["SY-SHF"]));

        let publish = format!("/v1/listings/{l}/publish");
        let (s, problem) = app.post_empty(&publish, &pt).await;
        assert_eq!(s, 409, "not a member yet: {problem}");
        accredit(&app, &p, "unpaid_work", 80).await;
        let (s, problem) = app.post_empty(&publish, &pt).await;
        assert_eq!(s, 422, "over the cap: {problem}");
        assert_eq!(problem["errors"][0]["field"], "price_pence");

        // A new price is kept in the history.
        let (s, edited) = app
            .patch(
                &format!("/v1/listings/{l}"),
                &pt,
                &json!({"price_pence": 55_000, "areas": ["SY-SHF", "SY-ROT"]}),
            )
            .await;
        assert_eq!(s, 200, "{edited}");
        let prices: Vec<i64> = edited["price_history"]
            .as_array()
            .map(|a| a.iter().filter_map(|p| p["price_pence"].as_i64()).collect())
            .unwrap_or_default();
        assert_eq!(prices, [65_000, 55_000]);
        let (s, published) = app.post_empty(&publish, &pt).await;
        assert_eq!((s, published["status"].as_str()), (200, Some("published")));

        // A published listing cannot be priced over the cap.
        let (s, _) = app
            .patch(
                &format!("/v1/listings/{l}"),
                &pt,
                &json!({"price_pence": 60_001}),
            )
            .await;
        assert_eq!(s, 422);

        let om = app.token("offender_manager");
        for query in [
            "",
            "?category=unpaid_work",
            "?code=UPW-STD",
            "?area=SY-ROT",
            &format!("?provider_id={p}"),
            "?status=published",
        ] {
            let (s, page) = app.get(&format!("/v1/listings{query}"), &om).await;
            assert_eq!(s, 200);
            assert_eq!(ids(&page), std::slice::from_ref(&l), "{query}");
        }
        for query in [
            "?category=alcohol_treatment",
            "?code=ALC",
            "?area=WM-BHM",
            "?provider_id=prv_other",
        ] {
            let (_, page) = app.get(&format!("/v1/listings{query}"), &om).await;
            assert!(ids(&page).is_empty(), "{query}");
        }

        // Paused listings leave search; withdrawn ones are history.
        let (s, _) = app
            .post_empty(&format!("/v1/listings/{l}/pause"), &pt)
            .await;
        assert_eq!(s, 200);
        let (_, page) = app.get("/v1/listings", &om).await;
        assert!(ids(&page).is_empty());
        let (s, _) = app
            .post_empty(&format!("/v1/listings/{l}/pause"), &pt)
            .await;
        assert_eq!(s, 409);
        let (s, _) = app.post_empty(&publish, &pt).await;
        assert_eq!(s, 200);
        let (s, _) = app
            .post_empty(&format!("/v1/listings/{l}/withdraw"), &pt)
            .await;
        assert_eq!(s, 200);
        let (s, problem) = app
            .patch(
                &format!("/v1/listings/{l}"),
                &pt,
                &json!({"title": "Again"}),
            )
            .await;
        assert_eq!(
            (s, problem["current_state"].as_str()),
            (409, Some("withdrawn"))
        );
        let (s, _) = app.post_empty(&publish, &pt).await;
        assert_eq!(s, 409);
    }
);

both_backends!(
    listings_never_widen_the_specification,
    |app: TestApp| async move {
        seed_market(&app).await;
        let p = register_provider(&app, "CH-0005").await;
        let pt = app.provider_token(&p);
        let mut women_only = listing_body(40_000);
        women_only["eligibility"] = json!({"sexes": ["female"], "min_age": 21});
        let (s, created) = app.post("/v1/listings", &pt, &women_only).await;
        assert_eq!(s, 201, "{created}");
        assert_eq!(
            created["eligibility"],
            json!({"sexes": ["female"], "min_age": 21})
        );

        let cases = [
            ("eligibility.min_age", json!({"min_age": 17})),
            ("eligibility.max_age", json!({"max_age": 81})),
            (
                "eligibility.max_risk_of_harm",
                json!({"max_risk_of_harm": "very_high"}),
            ),
            ("eligibility.tiers", json!({"tiers": [4]})),
        ];
        for (field, eligibility) in cases {
            let mut body = listing_body(40_000);
            body["eligibility"] = eligibility;
            let (s, problem) = app.post("/v1/listings", &pt, &body).await;
            assert_eq!(s, 422, "{field}: {problem}");
            assert_eq!(problem["errors"][0]["field"], field);
        }
        let mut one_to_one = listing_body(40_000);
        one_to_one["delivery_format"] = json!("one_to_one");
        let (s, _) = app.post("/v1/listings", &pt, &one_to_one).await;
        assert_eq!(s, 422, "the specification is group delivery");
        let mut unknown_area = listing_body(40_000);
        unknown_area["areas"] = json!(["WM-BHM"]);
        let (s, problem) = app.post("/v1/listings", &pt, &unknown_area).await;
        assert_eq!(
            (s, problem["errors"][0]["field"].as_str()),
            (422, Some("areas[0]"))
        );
        let mut no_spec = listing_body(40_000);
        no_spec["specification_code"] = json!("NOPE");
        let (s, _) = app.post("/v1/listings", &pt, &no_spec).await;
        assert_eq!(s, 422);

        // A draft specification cannot be listed against.
        let (s, _) = app
            .post(
                "/v1/specifications/UPW-STD/versions",
                &app.token("quality"),
                &json!({}),
            )
            .await;
        assert_eq!(s, 201);
        let mut draft_spec = listing_body(40_000);
        draft_spec["specification_version"] = json!(2);
        let (s, problem) = app.post("/v1/listings", &pt, &draft_spec).await;
        assert_eq!((s, problem["current_state"].as_str()), (409, Some("draft")));
        // An unregistered provider cannot list at all.
        let (s, _) = app
            .post(
                "/v1/listings",
                &app.provider_token("prv_unknown"),
                &listing_body(40_000),
            )
            .await;
        assert_eq!(s, 403);
    }
);

both_backends!(
    suspending_a_provider_takes_its_listings_out_of_search_at_once,
    |app: TestApp| async move {
        seed_market(&app).await;
        let p = register_provider(&app, "CH-0006").await;
        accredit(&app, &p, "unpaid_work", 80).await;
        let l = create_listing(&app, &p, &listing_body(50_000)).await;
        let (s, _) = app
            .post_empty(
                &format!("/v1/listings/{l}/publish"),
                &app.provider_token(&p),
            )
            .await;
        assert_eq!(s, 200);
        let om = app.token("offender_manager");
        let q = app.token("quality");
        let (_, page) = app.get("/v1/listings", &om).await;
        assert_eq!(ids(&page), std::slice::from_ref(&l));

        let (s, view) = app
            .post(
                &format!("/v1/providers/{p}/suspend"),
                &q,
                &json!({"reason": "safeguarding concern under review"}),
            )
            .await;
        assert_eq!((s, view["status"].as_str()), (200, Some("suspended")));
        assert_eq!(view["standing_reason"], "safeguarding concern under review");
        let (_, page) = app.get("/v1/listings", &om).await;
        assert!(ids(&page).is_empty(), "gone from search at once");
        let (s, _) = app.get(&format!("/v1/listings/{l}"), &om).await;
        assert_eq!(s, 404);
        let (s, _) = app
            .post(
                &format!("/v1/providers/{p}/suspend"),
                &q,
                &json!({"reason": "again"}),
            )
            .await;
        assert_eq!(s, 409);
        let (s, _) = app
            .post(
                &format!("/v1/providers/{p}/suspend"),
                &q,
                &json!({"reason": " "}),
            )
            .await;
        assert_eq!(s, 422);

        let (s, view) = app
            .post(
                &format!("/v1/providers/{p}/reinstate"),
                &q,
                &json!({"reason": "review closed"}),
            )
            .await;
        assert_eq!((s, view["status"].as_str()), (200, Some("member")));
        let (_, page) = app.get("/v1/listings", &om).await;
        assert_eq!(ids(&page), std::slice::from_ref(&l));

        let (s, view) = app
            .post(
                &format!("/v1/providers/{p}/revoke"),
                &q,
                &json!({"reason": "contract terminated"}),
            )
            .await;
        assert_eq!((s, view["status"].as_str()), (200, Some("revoked")));
        let (s, _) = app
            .post(
                &format!("/v1/providers/{p}/reinstate"),
                &q,
                &json!({"reason": "no"}),
            )
            .await;
        assert_eq!(s, 409, "revocation is final");
        let (_, page) = app.get("/v1/listings", &om).await;
        assert!(ids(&page).is_empty());
        let (s, _) = app
            .post(
                &format!("/v1/providers/{p}/suspend"),
                &app.token("admin"),
                &json!({"reason": "x"}),
            )
            .await;
        assert_eq!(s, 403);
    }
);

both_backends!(
    capacity_never_loses_sold_places,
    |app: TestApp| async move {
        seed_market(&app).await;
        let p = register_provider(&app, "CH-0007").await;
        let pt = app.provider_token(&p);
        let l = create_listing(&app, &p, &listing_body(50_000)).await;
        let path = format!("/v1/listings/{l}/capacity");
        let (s, listing) = app
        .put(&path, &pt, &json!({"slots": [{"starts_on": "2026-12-07", "places": 8}, {"starts_on": "2026-12-14", "places": 6}]}))
        .await;
        assert_eq!(s, 200, "{listing}");
        assert_eq!(
            listing["capacity"][0],
            json!({"starts_on": "2026-12-07", "places": 8, "taken": 0, "free": 8})
        );

        // Three places of the first date are sold (orders arrive with matching).
        {
            use diesel::prelude::*;
            use provider_hub_store::schema::capacity_shares;
            let mut conn = app.db.connect();
            let sold =
                diesel::update(capacity_shares::table.filter(capacity_shares::listing_id.eq(&l)))
                    .filter(
                        capacity_shares::starts_on
                            .eq(chrono::NaiveDate::from_ymd_opt(2026, 12, 7).expect("date")),
                    )
                    .filter(capacity_shares::share.lt(3))
                    .set(capacity_shares::places_taken.eq(capacity_shares::places))
                    .execute(&mut conn)
                    .expect("sell places");
            assert_eq!(sold, 3, "eight places are kept in eight shares of one");
        }
        let (s, problem) = app
            .put(
                &path,
                &pt,
                &json!({"slots": [{"starts_on": "2026-12-07", "places": 2}]}),
            )
            .await;
        assert_eq!(s, 422, "below the places sold: {problem}");
        let (s, _) = app
            .put(
                &path,
                &pt,
                &json!({"slots": [{"starts_on": "2026-12-14", "places": 6}]}),
            )
            .await;
        assert_eq!(s, 422, "a date with sold places cannot be removed");
        let (s, _) = app
        .put(&path, &pt, &json!({"slots": [{"starts_on": "2026-12-21", "places": 1}, {"starts_on": "2026-12-21", "places": 2}]}))
        .await;
        assert_eq!(s, 422, "a repeated date");
        let (_, unchanged) = app.get(&format!("/v1/listings/{l}"), &pt).await;
        assert_eq!(
            unchanged["capacity"].as_array().map(Vec::len),
            Some(2),
            "refusals changed nothing"
        );

        let (s, listing) = app
            .put(
                &path,
                &pt,
                &json!({"slots": [{"starts_on": "2026-12-07", "places": 3}]}),
            )
            .await;
        assert_eq!(s, 200, "{listing}");
        assert_eq!(
            listing["capacity"],
            json!([{"starts_on": "2026-12-07", "places": 3, "taken": 3, "free": 0}])
        );
    }
);

both_backends!(
    a_second_provider_sees_nothing_of_the_first,
    |app: TestApp| async move {
        seed_market(&app).await;
        let a = register_provider(&app, "CH-000A").await;
        let b = register_provider(&app, "CH-000B").await;
        accredit(&app, &a, "unpaid_work", 80).await;
        accredit(&app, &b, "unpaid_work", 80).await;
        let draft = create_listing(&app, &a, &listing_body(50_000)).await;
        let published = create_listing(&app, &a, &listing_body(45_000)).await;
        let (s, _) = app
            .post_empty(
                &format!("/v1/listings/{published}/publish"),
                &app.provider_token(&a),
            )
            .await;
        assert_eq!(s, 200);
        let own = create_listing(&app, &b, &listing_body(40_000)).await;

        let bt = app.provider_token(&b);
        let before = app.get("/v1/listings", &app.token("quality")).await.1;
        let audit_before = app.audit_count();
        for id in [&draft, &published] {
            let (s, _) = app.get(&format!("/v1/listings/{id}"), &bt).await;
            assert_eq!(s, 404, "GET {id}");
            let (s, _) = app
                .patch(
                    &format!("/v1/listings/{id}"),
                    &bt,
                    &json!({"price_pence": 1000}),
                )
                .await;
            assert_eq!(s, 404, "PATCH {id}");
            for action in ["publish", "pause", "withdraw"] {
                let (s, _) = app
                    .post_empty(&format!("/v1/listings/{id}/{action}"), &bt)
                    .await;
                assert_eq!(s, 404, "{action} {id}");
            }
            let (s, _) = app
                .put(
                    &format!("/v1/listings/{id}/capacity"),
                    &bt,
                    &json!({"slots": []}),
                )
                .await;
            assert_eq!(s, 404, "capacity {id}");
        }
        // Search shows B only its own, whatever it asks for.
        for query in [
            "",
            &format!("?provider_id={a}"),
            "?status=published",
            "?area=SY-SHF",
        ] {
            let (_, page) = app.get(&format!("/v1/listings{query}"), &bt).await;
            let found = ids(&page);
            assert!(found.iter().all(|id| *id == own), "{query}: {found:?}");
        }
        // And of providers, only itself.
        let (s, _) = app.get(&format!("/v1/providers/{a}"), &bt).await;
        assert_eq!(s, 404);
        let (_, providers) = app.get("/v1/providers", &bt).await;
        assert_eq!(ids(&providers), std::slice::from_ref(&b));
        assert_eq!(
            app.get("/v1/listings", &app.token("quality")).await.1,
            before
        );
        assert_eq!(app.audit_count(), audit_before, "nothing changed");
    }
);
