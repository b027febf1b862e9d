//! Outcomes feed back into matching, on both backends: a provider's adjusted quality
//! score moves with what its orders went on to do and `best_value` ranks by it; the
//! continuity principle prefers a provider already working with the person; both show
//! in the explanation and beside the provider's accreditations.

use provider_hub_tests::orders::{deliver, set_outcome};
use provider_hub_tests::{both_backends, json, purchase, seed_market, upw_provider, TestApp};
use serde_json::Value;

async fn best_value(app: &TestApp, continuity_pence: u32) -> Value {
    let (s, body) = app
        .put(
            "/v1/areas/SY-SHF/policy",
            &app.token("commissioner"),
            &json!({"policy": "best_value", "weights": {
                "price": 1, "quality": 1000, "days": 0, "continuity_pence": continuity_pence
            }}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    body
}

async fn accreditation(app: &TestApp, provider: &str) -> Value {
    let (s, p) = app
        .get(&format!("/v1/providers/{provider}"), &app.token("quality"))
        .await;
    assert_eq!(s, 200, "{p}");
    p["accreditations"][0].clone()
}

both_backends!(
    the_adjusted_score_changes_the_ranking_as_outcomes_arrive,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (a, _) = upw_provider(&app, "SC-A", 40_000, 20, 3, 85).await;
        let (b, _) = upw_provider(&app, "SC-B", 40_000, 20, 3, 80).await;
        best_value(&app, 0).await;
        // No evidence: the accreditation scores rank.
        let first = purchase(&app, "SY-SHF", "S100001").await;
        assert_eq!(first["provider_id"], a.as_str(), "{first}");
        let e = &first["explanation"];
        assert_eq!(
            (
                &e["chosen"]["quality_score"],
                &e["chosen"]["adjusted_score"]
            ),
            (&json!(85), &json!(85))
        );
        assert_eq!(
            (
                &e["runner_up"]["quality_score"],
                &e["runner_up"]["adjusted_score"]
            ),
            (&json!(80), &json!(80))
        );
        assert_eq!(e["ranking"][1]["adjusted_score"], 80);
        let seen = accreditation(&app, &a).await;
        assert_eq!(
            (&seen["score"], &seen["adjusted_score"]),
            (&json!(85), &json!(85))
        );

        // A's orders fail and their people reoffend.
        let mut orders = vec![first];
        for i in 2..=5 {
            orders.push(purchase(&app, "SY-SHF", &format!("S10000{i}")).await);
        }
        for o in &orders {
            assert_eq!(o["provider_id"], a.as_str());
            deliver(&app, o, "failed").await;
            set_outcome(&app, o["id"].as_str().expect("id"), "proven_reoffence_12m");
        }
        // 85 − 0.4 × 5/35 × 85 − 0.6 × 5/35 × 85 = 72.9: below B's 80.
        let seen = accreditation(&app, &a).await;
        assert_eq!(
            (&seen["score"], &seen["adjusted_score"]),
            (&json!(85), &json!(73))
        );
        assert_eq!(
            seen["evidence"],
            json!({"completed": 0, "failed": 5, "positive_outcomes": 0, "negative_outcomes": 5})
        );
        let next = purchase(&app, "SY-SHF", "S100006").await;
        assert_eq!(next["provider_id"], b.as_str(), "{next}");
        let e = &next["explanation"];
        assert_eq!(e["chosen"]["adjusted_score"], 80);
        assert_eq!(
            (
                &e["runner_up"]["provider_id"],
                &e["runner_up"]["quality_score"],
                &e["runner_up"]["adjusted_score"]
            ),
            (&json!(a), &json!(85), &json!(73))
        );
        assert_eq!(e["runner_up"]["evidence"]["failed"], 5);

        // Best price ignores the evidence: equal prices tie on the accreditation score.
        let (s, _) = app
            .put(
                "/v1/areas/SY-SHF/policy",
                &app.token("commissioner"),
                &json!({"policy": "best_price"}),
            )
            .await;
        assert_eq!(s, 200);
        let priced = purchase(&app, "SY-SHF", "S100007").await;
        assert_eq!(priced["provider_id"], a.as_str(), "{priced}");
    }
);

both_backends!(
    good_completions_and_outcomes_raise_the_adjusted_score,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (a, _) = upw_provider(&app, "SC-C", 40_000, 20, 3, 70).await;
        best_value(&app, 0).await;
        for i in 1..=3 {
            let o = purchase(&app, "SY-SHF", &format!("S20000{i}")).await;
            assert_eq!(o["provider_id"], a.as_str());
            deliver(&app, &o, "completed").await;
            set_outcome(
                &app,
                o["id"].as_str().expect("id"),
                "no_proven_reoffence_12m",
            );
        }
        // Three orders move it little: 70 + 0.4 × 3/33 × 30 + 0.6 × 3/33 × 30 = 72.7.
        let seen = accreditation(&app, &a).await;
        assert_eq!(
            (&seen["score"], &seen["adjusted_score"]),
            (&json!(70), &json!(73))
        );
        assert_eq!(
            seen["evidence"],
            json!({"completed": 3, "failed": 0, "positive_outcomes": 3, "negative_outcomes": 0})
        );
    }
);

both_backends!(
    continuity_prefers_the_provider_already_working_with_the_person,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (working, _) = upw_provider(&app, "SC-W", 40_000, 5, 3, 80).await;
        best_value(&app, 5_000).await;
        let first = purchase(&app, "SY-SHF", "S300001").await;
        assert_eq!(first["provider_id"], working.as_str());
        deliver(&app, &first, "completed").await;
        // A cheaper provider arrives: £20 less at the same quality.
        let (cheaper, _) = upw_provider(&app, "SC-X", 38_000, 5, 3, 80).await;
        // Someone new goes to the cheaper one.
        let other = purchase(&app, "SY-SHF", "S300002").await;
        assert_eq!(other["provider_id"], cheaper.as_str(), "{other}");
        assert!(other["explanation"]["chosen"].get("continuity").is_none());
        // The same person's next unpaid work is costed with the provider they know,
        // preferred by £50 (the plan's quote; the placement uses the same engine and
        // its explanation's `continuity` is checked in crates/matching).
        let plan = plan_again(&app, "S300001").await;
        let quote = &plan["plan"]["items"][0]["quote"];
        assert_eq!(quote["provider_id"], working.as_str(), "{plan}");
        assert_eq!(quote["price_pence"], 40_000);
        // Negative or absurd continuity is refused, and nothing changes.
        for bad in [json!(-1), json!(1_000_001), json!("fifty")] {
            let (s, problem) = app
                .put(
                    "/v1/areas/SY-SHF/policy",
                    &app.token("commissioner"),
                    &json!({"policy": "best_value", "weights": {
                        "price": 1, "quality": 1000, "days": 0, "continuity_pence": bad
                    }}),
                )
                .await;
            assert_eq!(
                (s, problem["errors"][0]["field"].as_str()),
                (422, Some("weights.continuity_pence")),
                "{bad}: {problem}"
            );
        }
        let (_, policy) = app
            .get("/v1/areas/SY-SHF/policy", &app.token("commissioner"))
            .await;
        assert_eq!(policy["weights"]["continuity_pence"], 5_000);
        // Omitted, it defaults to £50.
        let (s, set) = app
            .put(
                "/v1/areas/SY-SHF/policy",
                &app.token("commissioner"),
                &json!({"policy": "best_value", "weights": {"price": 1, "quality": 1, "days": 0}}),
            )
            .await;
        assert_eq!(
            (s, &set["weights"]["continuity_pence"]),
            (200, &json!(5_000))
        );
    }
);

/// A second assessment for a person who already has a case, its plan approved (a
/// revision of the first): the approval's answer.
async fn plan_again(app: &TestApp, crn: &str) -> Value {
    let ann = provider_hub_tests::manager_token("SY-SHF", "om-ann");
    let bob = provider_hub_tests::manager_token("SY-SHF", "om-bob");
    let mut assessment = provider_hub_tests::assessment_body(&format!("OASYS-{crn}-2"), crn);
    assessment["sentence_date"] = json!(app.today().to_string());
    assessment["requirements"] = json!([{"type": "unpaid_work", "hours": 60}]);
    for need in assessment["needs"].as_array_mut().expect("needs") {
        need["linked_to_offending"] = json!(false);
    }
    let (s, a) = app.post("/v1/assessments", &ann, &assessment).await;
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_str().expect("id");
    app.post_empty(&format!("/v1/assessments/{id}/submit"), &ann)
        .await;
    let (s, body) = app
        .post_empty(&format!("/v1/assessments/{id}/approve"), &bob)
        .await;
    assert_eq!(s, 200, "{body}");
    let (_, plan) = app
        .get(&format!("/v1/assessments/{id}/sentence-plan"), &ann)
        .await;
    let plan_id = plan["id"].as_str().expect("plan");
    let (s, approval) = app
        .post_empty(&format!("/v1/sentence-plans/{plan_id}/approve"), &ann)
        .await;
    assert_eq!(s, 200, "{approval}");
    approval
}
