//! Cases, and listing search for the people they describe.

use provider_hub_tests::{
    accredit, assessment_body, both_backends, claims, create_listing, ids, json, listing_body,
    manager_token, register_provider, seed_market, sign_hs256, TestApp, TEST_SECRET,
};
use serde_json::Value;

fn manager_of(area: &str) -> String {
    let mut c = claims("offender_manager", Some(area), None);
    c.sub = format!("om-{area}");
    sign_hs256(&c, TEST_SECRET)
}

both_backends!(
    offender_managers_see_only_their_areas_cases,
    |app: TestApp| async move {
        seed_market(&app).await;
        let shf = manager_of("SY-SHF");
        let rot = manager_of("SY-ROT");
        let (s, case) = app
        .post("/v1/cases", &shf, &json!({"crn": "X123456", "sex": "female", "date_of_birth": "1990-04-01", "area": "SY-SHF"}))
        .await;
        assert_eq!(s, 201, "{case}");
        assert_eq!(case["area"], "SY-SHF");
        let (s, _) = app
        .post("/v1/cases", &shf, &json!({"crn": "X123456", "sex": "male", "date_of_birth": "1991-04-01", "area": "SY-SHF"}))
        .await;
        assert_eq!(s, 409, "the same crn twice");
        let (s, _) = app
        .post("/v1/cases", &shf, &json!({"crn": "Y654321", "sex": "male", "date_of_birth": "1991-04-01", "area": "SY-ROT"}))
        .await;
        assert_eq!(s, 403, "another area's case");

        let (s, _) = app.get("/v1/cases/X123456", &rot).await;
        assert_eq!(s, 404, "another area's case does not exist for them");
        let (_, page) = app.get("/v1/cases", &rot).await;
        assert_eq!(page["items"], json!([]));
        let (s, own) = app.get("/v1/cases/X123456", &shf).await;
        assert_eq!((s, own["crn"].as_str()), (200, Some("X123456")));
        let (s, _) = app.get("/v1/cases/X123456", &app.token("quality")).await;
        assert_eq!(s, 200, "the quality team reads everything");
        for role in ["provider", "commissioner", "admin"] {
            let (s, _) = app.get("/v1/cases/X123456", &app.token(role)).await;
            assert_eq!(s, 403, "{role}");
            let (s, _) = app.get("/v1/cases", &app.token(role)).await;
            assert_eq!(s, 403, "{role}");
        }
    }
);

both_backends!(
    bad_cases_are_refused_and_nothing_is_stored,
    |app: TestApp| async move {
        seed_market(&app).await;
        let shf = manager_of("SY-SHF");
        let tomorrow = (app.today() + chrono::Duration::days(1)).to_string();
        let cases = [
            (
                "crn",
                json!({"crn": "123456", "sex": "female", "date_of_birth": "1990-01-01", "area": "SY-SHF"}),
            ),
            (
                "sex",
                json!({"crn": "X111111", "sex": "unknown", "date_of_birth": "1990-01-01", "area": "SY-SHF"}),
            ),
            (
                "date_of_birth",
                json!({"crn": "X111111", "sex": "female", "date_of_birth": tomorrow, "area": "SY-SHF"}),
            ),
            (
                "date_of_birth",
                json!({"crn": "X111111", "sex": "female", "date_of_birth": "2015-01-01", "area": "SY-SHF"}),
            ),
            (
                "date_of_birth",
                json!({"crn": "X111111", "sex": "female", "date_of_birth": "01/01/1990", "area": "SY-SHF"}),
            ),
            (
                "name",
                json!({"crn": "X111111", "sex": "female", "date_of_birth": "1990-01-01", "area": "SY-SHF", "name": "A Person"}),
            ),
        ];
        for (field, body) in cases {
            let (s, problem) = app.post("/v1/cases", &shf, &body).await;
            assert_eq!(s, 422, "{field}: {problem}");
            assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        }
        let (_, page) = app.get("/v1/cases", &shf).await;
        assert_eq!(page["items"], json!([]));
        assert_eq!(app.audit_count(), 4, "only the seed's writes");
    }
);

both_backends!(
    search_finds_listings_a_person_is_eligible_for,
    |app: TestApp| async move {
        seed_market(&app).await;
        let p = register_provider(&app, "CH-0101").await;
        accredit(&app, &p, "unpaid_work", 80).await;
        let pt = app.provider_token(&p);
        let mut women = listing_body(50_000);
        women["eligibility"] = json!({"sexes": ["female"]});
        let women_only = create_listing(&app, &p, &women).await;
        let mut young = listing_body(50_000);
        young["eligibility"] = json!({"max_age": 25});
        let under_26 = create_listing(&app, &p, &young).await;
        let mut rotherham = listing_body(50_000);
        rotherham["areas"] = json!(["SY-ROT"]);
        let elsewhere = create_listing(&app, &p, &rotherham).await;
        let anyone = create_listing(&app, &p, &listing_body(50_000)).await;
        for l in [&women_only, &under_26, &elsewhere, &anyone] {
            let (s, _) = app
                .post_empty(&format!("/v1/listings/{l}/publish"), &pt)
                .await;
            assert_eq!(s, 200);
        }
        let shf = manager_of("SY-SHF");
        let thirty_years_ago = app.today() - chrono::Duration::days(30 * 366);
        for (crn, sex) in [("F100000", "female"), ("M100000", "male")] {
            let (s, _) = app
            .post("/v1/cases", &shf, &json!({"crn": crn, "sex": sex, "date_of_birth": thirty_years_ago.to_string(), "area": "SY-SHF"}))
            .await;
            assert_eq!(s, 201);
        }
        let mut expect_woman = vec![women_only.clone(), anyone.clone()];
        expect_woman.sort();
        let (s, page) = app.get("/v1/listings?eligible_for_crn=F100000", &shf).await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(ids(&page), expect_woman, "a 30-year-old woman in Sheffield");
        let (_, page) = app.get("/v1/listings?eligible_for_crn=M100000", &shf).await;
        assert_eq!(
            ids(&page),
            std::slice::from_ref(&anyone),
            "a 30-year-old man in Sheffield"
        );
        // Paging through eligible listings one at a time finds the same ones.
        let (_, first) = app
            .get("/v1/listings?eligible_for_crn=F100000&limit=1", &shf)
            .await;
        let next = first["next"].as_str().expect("a second page").to_owned();
        let (_, second) = app
            .get(
                &format!("/v1/listings?eligible_for_crn=F100000&limit=1&after={next}"),
                &shf,
            )
            .await;
        assert_eq!([ids(&first), ids(&second)].concat(), expect_woman);
        assert_eq!(second["next"], json!(null));

        // Another area's case is refused without saying whether it exists; a role that
        // sees no case at all is told so, whatever the crn.
        let (s, problem) = app
            .get(
                "/v1/listings?eligible_for_crn=F100000",
                &manager_of("SY-ROT"),
            )
            .await;
        assert_eq!(s, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "eligible_for_crn");
        for crn in ["F100000", "Z999999"] {
            let (s, problem) = app
                .get(
                    &format!("/v1/listings?eligible_for_crn={crn}"),
                    &app.provider_token(&p),
                )
                .await;
            assert_eq!(s, 403, "{problem}");
            assert!(
                problem["detail"]
                    .as_str()
                    .is_some_and(|d| d.contains("offender_manager and quality")),
                "{problem}"
            );
        }
    }
);

/// A published unpaid-work listing in Sheffield narrowed by `eligibility`, with places
/// starting in three days.
async fn narrowed_listing(app: &TestApp, provider: &str, price: i64, eligibility: Value) -> String {
    let mut body = listing_body(price);
    body["eligibility"] = eligibility;
    let l = create_listing(app, provider, &body).await;
    let pt = app.provider_token(provider);
    let start = (app.today() + chrono::Duration::days(3)).to_string();
    let (s, body) = app
        .put(
            &format!("/v1/listings/{l}/capacity"),
            &pt,
            &json!({"slots": [{"starts_on": start, "places": 5}]}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = app
        .post_empty(&format!("/v1/listings/{l}/publish"), &pt)
        .await;
    assert_eq!(s, 200, "{body}");
    l
}

both_backends!(
    search_applies_risk_of_harm_and_tier_from_the_approved_assessment,
    |app: TestApp| async move {
        seed_market(&app).await;
        let p = register_provider(&app, "CH-0202").await;
        accredit(&app, &p, "unpaid_work", 80).await;
        let low_risk_only =
            narrowed_listing(&app, &p, 40_000, json!({"max_risk_of_harm": "low"})).await;
        let tier_one_only = narrowed_listing(&app, &p, 42_000, json!({"tiers": [1]})).await;
        let anyone = narrowed_listing(&app, &p, 50_000, json!({})).await;
        let ann = manager_token("SY-SHF", "om-ann");
        let bob = manager_token("SY-SHF", "om-bob");
        let (s, body) = app
            .post(
                "/v1/cases",
                &ann,
                &json!({"crn": "M200000", "sex": "male", "date_of_birth": "1990-04-01", "area": "SY-SHF"}),
            )
            .await;
        assert_eq!(s, 201, "{body}");

        // No approved assessment yet: judged on sex and age only, and the page says so.
        let mut all = vec![low_risk_only.clone(), tier_one_only.clone(), anyone.clone()];
        all.sort();
        let (s, page) = app.get("/v1/listings?eligible_for_crn=M200000", &ann).await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(ids(&page), all);
        assert_eq!(page["eligibility"]["checked"], json!(["sex", "age"]));
        assert_eq!(page["eligibility"]["assessment_id"], Value::Null);

        // Approved: medium risk of serious harm, tier 2 (the assessment body's).
        let mut assessment = assessment_body("OASYS-M200000", "M200000");
        assessment["sentence_date"] = json!(app.today().to_string());
        let (s, a) = app.post("/v1/assessments", &ann, &assessment).await;
        assert_eq!(s, 201, "{a}");
        let id = a["id"].as_str().expect("id");
        let (s, body) = app
            .post_empty(&format!("/v1/assessments/{id}/submit"), &ann)
            .await;
        assert_eq!(s, 200, "{body}");
        // Submitted but not approved: still sex and age only.
        let (_, page) = app.get("/v1/listings?eligible_for_crn=M200000", &ann).await;
        assert_eq!(ids(&page), all);
        let (s, body) = app
            .post_empty(&format!("/v1/assessments/{id}/approve"), &bob)
            .await;
        assert_eq!(s, 200, "{body}");

        let (s, page) = app.get("/v1/listings?eligible_for_crn=M200000", &ann).await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(
            ids(&page),
            std::slice::from_ref(&anyone),
            "neither the low-risk-only nor the tier-1-only listing is shown: {page}"
        );
        assert_eq!(
            page["eligibility"],
            json!({
                "crn": "M200000", "on": app.today().to_string(), "assessment_id": id,
                "risk_of_serious_harm": "medium", "tier": 2,
                "checked": ["sex", "age", "risk_of_serious_harm", "tier"]
            })
        );

        // Matching agrees: the plan's unpaid work goes to the one listing search showed,
        // the other two excluded by eligibility.
        let (_, plan) = app
            .get(&format!("/v1/assessments/{id}/sentence-plan"), &ann)
            .await;
        let plan_id = plan["id"].as_str().expect("plan");
        let (s, approval) = app
            .post_empty(&format!("/v1/sentence-plans/{plan_id}/approve"), &ann)
            .await;
        assert_eq!(s, 200, "{approval}");
        let upw = approval["orders"]
            .as_array()
            .expect("orders")
            .iter()
            .find(|o| o["category"] == "unpaid_work")
            .expect("an unpaid work order");
        assert_eq!(upw["listing_id"], anyone.as_str(), "{upw}");
        let eligibility = upw["explanation"]["excluded"]
            .as_array()
            .expect("excluded")
            .iter()
            .find(|e| e["rule"] == "eligibility")
            .cloned();
        assert_eq!(
            eligibility,
            Some(json!({"rule": "eligibility", "excluded": 2})),
            "{upw}"
        );
    }
);
