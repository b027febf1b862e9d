//! The single assessment: recording, idempotency by external_ref, four-eyes approval
//! and area isolation, on both backends.

use provider_hub_tests::{both_backends, json, seed_market, TestApp};
use serde_json::Value;

fn manager(area: &str, name: &str) -> String {
    provider_hub_tests::manager_token(area, name)
}

fn assessment(external_ref: &str) -> Value {
    provider_hub_tests::assessment_body(external_ref, "X123456")
}

/// Changes a valid body into an invalid one.
type Breaker = Box<dyn Fn(&mut Value)>;

async fn with_case(app: &TestApp) {
    seed_market(app).await;
    let (s, body) = app
        .post("/v1/cases", &manager("SY-SHF", "om-ann"), &json!({"crn": "X123456", "sex": "male", "date_of_birth": "1990-04-01", "area": "SY-SHF"}))
        .await;
    assert_eq!(s, 201, "{body}");
}

both_backends!(
    an_assessment_is_countersigned_by_another_manager,
    |app: TestApp| async move {
        with_case(&app).await;
        let ann = manager("SY-SHF", "om-ann");
        let bob = manager("SY-SHF", "om-bob");
        let (s, a) = app
            .post("/v1/assessments", &ann, &assessment("OASYS-1"))
            .await;
        assert_eq!(s, 201, "{a}");
        assert_eq!(
            (a["status"].as_str(), a["author"].as_str()),
            (Some("draft"), Some("om-ann"))
        );
        let id = a["id"].as_str().expect("id").to_owned();

        // The same ref and content is the same assessment, never two.
        let (s, again) = app
            .post("/v1/assessments", &ann, &assessment("OASYS-1"))
            .await;
        assert_eq!((s, again["id"].as_str()), (200, Some(id.as_str())));
        let mut changed = assessment("OASYS-1");
        changed["tier"] = json!(3);
        let (s, _) = app.post("/v1/assessments", &ann, &changed).await;
        assert_eq!(s, 409);
        let (_, page) = app.get("/v1/assessments?crn=X123456", &ann).await;
        assert_eq!(page["items"].as_array().map(Vec::len), Some(1));

        let (s, _) = app
            .post_empty(&format!("/v1/assessments/{id}/approve"), &bob)
            .await;
        assert_eq!(s, 409, "a draft cannot be countersigned");
        let (s, submitted) = app
            .post_empty(&format!("/v1/assessments/{id}/submit"), &ann)
            .await;
        assert_eq!((s, submitted["status"].as_str()), (200, Some("submitted")));
        let (s, problem) = app
            .post_empty(&format!("/v1/assessments/{id}/approve"), &ann)
            .await;
        assert_eq!(s, 403, "the author cannot countersign: {problem}");
        let (s, approved) = app
            .post_empty(&format!("/v1/assessments/{id}/approve"), &bob)
            .await;
        assert_eq!(s, 200, "{approved}");
        assert_eq!(
            (approved["status"].as_str(), approved["decided_by"].as_str()),
            (Some("approved"), Some("om-bob"))
        );
        let (s, _) = app
            .post(
                &format!("/v1/assessments/{id}/reject"),
                &bob,
                &json!({"reason": "late"}),
            )
            .await;
        assert_eq!(s, 409, "decided once");

        // A second assessment is rejected with a reason.
        let (_, b) = app
            .post("/v1/assessments", &ann, &assessment("OASYS-2"))
            .await;
        let b = b["id"].as_str().expect("id").to_owned();
        app.post_empty(&format!("/v1/assessments/{b}/submit"), &ann)
            .await;
        let (s, rejected) = app
            .post(
                &format!("/v1/assessments/{b}/reject"),
                &bob,
                &json!({"reason": "needs do not match the pre-sentence report"}),
            )
            .await;
        assert_eq!((s, rejected["status"].as_str()), (200, Some("rejected")));
        assert_eq!(
            rejected["decision_reason"],
            "needs do not match the pre-sentence report"
        );
        let (_, approved_only) = app.get("/v1/assessments?status=approved", &ann).await;
        assert_eq!(approved_only["items"].as_array().map(Vec::len), Some(1));
    }
);

both_backends!(
    another_areas_assessments_do_not_exist_for_a_manager,
    |app: TestApp| async move {
        with_case(&app).await;
        let ann = manager("SY-SHF", "om-ann");
        let rot = manager("SY-ROT", "om-rot");
        let (_, a) = app
            .post("/v1/assessments", &ann, &assessment("OASYS-3"))
            .await;
        let id = a["id"].as_str().expect("id").to_owned();
        app.post_empty(&format!("/v1/assessments/{id}/submit"), &ann)
            .await;
        let audit = app.audit_count();
        let (s, _) = app.get(&format!("/v1/assessments/{id}"), &rot).await;
        assert_eq!(s, 404);
        let (s, _) = app
            .post_empty(&format!("/v1/assessments/{id}/approve"), &rot)
            .await;
        assert_eq!(s, 404, "a manager of another area cannot countersign");
        let (_, page) = app.get("/v1/assessments", &rot).await;
        assert_eq!(page["items"], json!([]));
        let (s, problem) = app
            .post("/v1/assessments", &rot, &assessment("OASYS-4"))
            .await;
        assert_eq!(
            (s, problem["errors"][0]["field"].as_str()),
            (422, Some("crn"))
        );
        let (s, _) = app
            .get(&format!("/v1/assessments/{id}"), &app.token("quality"))
            .await;
        assert_eq!(s, 200, "the quality team reads everything");
        for role in ["provider", "commissioner", "admin"] {
            let (s, _) = app
                .get(&format!("/v1/assessments/{id}"), &app.token(role))
                .await;
            assert_eq!(s, 403, "{role}");
        }
        assert_eq!(app.audit_count(), audit, "nothing changed");
    }
);

both_backends!(
    bad_assessments_name_the_field_and_store_nothing,
    |app: TestApp| async move {
        with_case(&app).await;
        let ann = manager("SY-SHF", "om-ann");
        let tomorrow = (app.today() + chrono::Duration::days(1)).to_string();
        let cases: Vec<(&str, Breaker)> = vec![
            (
                "needs[0].need",
                Box::new(|a| a["needs"][0]["need"] = json!("gambling")),
            ),
            (
                "needs[0].severity",
                Box::new(|a| a["needs"][0]["severity"] = json!("severe")),
            ),
            (
                "requirements[0]",
                Box::new(|a| a["requirements"][0] = json!({"type": "curfew", "hours": 3})),
            ),
            (
                "requirements[0].hours",
                Box::new(|a| a["requirements"][0]["hours"] = json!(0)),
            ),
            ("tier", Box::new(|a| a["tier"] = json!(5))),
            (
                "reoffending_probability",
                Box::new(|a| a["reoffending_probability"] = json!(120)),
            ),
            (
                "needs",
                Box::new(|a| {
                    a["needs"].as_array_mut().map(|n| n.pop());
                }),
            ),
            (
                "sentence_date",
                Box::new(move |a| a["sentence_date"] = json!(tomorrow)),
            ),
            (
                "sentence_date",
                Box::new(|a| a["sentence_date"] = json!("1980-01-01")),
            ),
            ("crn", Box::new(|a| a["crn"] = json!("Z000000"))),
        ];
        for (field, break_it) in cases {
            let mut body = assessment("OASYS-BAD");
            break_it(&mut body);
            let (s, problem) = app.post("/v1/assessments", &ann, &body).await;
            assert_eq!(s, 422, "{field}: {problem}");
            let named = problem["errors"][0]["field"].as_str().unwrap_or("");
            assert!(
                named.starts_with(field),
                "{field} named, got {named}: {problem}"
            );
        }
        let (_, page) = app.get("/v1/assessments", &ann).await;
        assert_eq!(page["items"], json!([]), "nothing was stored");
    }
);
