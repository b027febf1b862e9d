//! The quality team's specifications, end to end over HTTP, on both backends.

use provider_hub_tests::{both_backends, json, specification_body, TestApp};

both_backends!(
    quality_team_runs_a_specification_through_its_life,
    |app: TestApp| async move {
        let q = app.token("quality");
        let (status, created) = app
            .post("/v1/specifications", &q, &specification_body("UPW-STD"))
            .await;
        assert_eq!(status, 201, "{created}");
        assert_eq!(created["status"], "draft");
        assert_eq!(created["version"], 1);
        assert_eq!(created["price_cap_pence"], 60000);

        // A draft can be edited.
        let (status, edited) = app
            .patch(
                "/v1/specifications/UPW-STD/versions/1",
                &q,
                &json!({ "price_cap_pence": 55000 }),
            )
            .await;
        assert_eq!(status, 200, "{edited}");
        assert_eq!(edited["price_cap_pence"], 55000);
        assert_eq!(
            edited["title"], created["title"],
            "fields not named stay as they were"
        );

        // Publish it; a published version never changes.
        let (status, published) = app
            .post_empty("/v1/specifications/UPW-STD/versions/1/publish", &q)
            .await;
        assert_eq!(status, 200, "{published}");
        assert_eq!(published["status"], "published");
        assert!(published["published_at"].is_string());
        let (status, refused) = app
            .patch(
                "/v1/specifications/UPW-STD/versions/1",
                &q,
                &json!({ "price_cap_pence": 1 }),
            )
            .await;
        assert_eq!(status, 409, "{refused}");
        assert_eq!(refused["current_state"], "published");
        let (status, again) = app
            .post_empty("/v1/specifications/UPW-STD/versions/1/publish", &q)
            .await;
        assert_eq!(status, 409, "{again}");
        let (_, v1) = app.get("/v1/specifications/UPW-STD/versions/1", &q).await;
        assert_eq!(v1["price_cap_pence"], 55000);

        // A change is a new version, started from the latest.
        let (status, v2) = app
            .post(
                "/v1/specifications/UPW-STD/versions",
                &q,
                &json!({ "price_cap_pence": 58000 }),
            )
            .await;
        assert_eq!(status, 201, "{v2}");
        assert_eq!(v2["version"], 2);
        assert_eq!(v2["status"], "draft");
        assert_eq!(v2["price_cap_pence"], 58000);
        assert_eq!(v2["title"], published["title"]);
        // Only one draft at a time.
        let (status, second_draft) = app
            .post("/v1/specifications/UPW-STD/versions", &q, &json!({}))
            .await;
        assert_eq!(status, 409, "{second_draft}");

        // Reading the code shows the latest published version and every version.
        let (status, detail) = app.get("/v1/specifications/UPW-STD", &q).await;
        assert_eq!(status, 200);
        assert_eq!(detail["latest_published"]["version"], 1);
        assert_eq!(detail["versions"].as_array().map(Vec::len), Some(2));

        let (_, _) = app
            .post_empty("/v1/specifications/UPW-STD/versions/2/publish", &q)
            .await;
        let (_, detail) = app.get("/v1/specifications/UPW-STD", &q).await;
        assert_eq!(detail["latest_published"]["version"], 2);

        // Retire version 1; retiring twice or retiring a draft is refused.
        let (status, retired) = app
            .post_empty("/v1/specifications/UPW-STD/versions/1/retire", &q)
            .await;
        assert_eq!(status, 200, "{retired}");
        assert_eq!(retired["status"], "retired");
        assert!(retired["retired_at"].is_string());
        let (status, _) = app
            .post_empty("/v1/specifications/UPW-STD/versions/1/retire", &q)
            .await;
        assert_eq!(status, 409);
        let (status, _) = app
            .post_empty("/v1/specifications/UPW-STD/versions/1/publish", &q)
            .await;
        assert_eq!(status, 409);

        // Every change left an audit row: create, edit, publish, version, publish, retire.
        assert_eq!(app.audit_count(), 6);
    }
);

both_backends!(a_code_is_created_once, |app: TestApp| async move {
    let q = app.token("quality");
    let (status, _) = app
        .post("/v1/specifications", &q, &specification_body("BBR"))
        .await;
    assert_eq!(status, 201);
    let before = app.snapshot().await;
    let (status, problem) = app
        .post("/v1/specifications", &q, &specification_body("BBR"))
        .await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(app.snapshot().await, before);
});

both_backends!(missing_things_are_404_problems, |app: TestApp| async move {
    let q = app.token("quality");
    for path in [
        "/v1/specifications/NOPE",
        "/v1/specifications/NOPE/versions/1",
        "/v1/specifications/NOPE/versions/not-a-number",
    ] {
        let (status, _) = app.get(path, &q).await;
        assert_eq!(status, 404, "{path}");
    }
    let (status, _) = app
        .post_empty("/v1/specifications/NOPE/versions/1/publish", &q)
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .post("/v1/specifications/NOPE/versions", &q, &json!({}))
        .await;
    assert_eq!(status, 404);
});

both_backends!(
    lists_filter_by_category_and_status_and_paginate,
    |app: TestApp| async move {
        let q = app.token("quality");
        let codes = ["AAA", "BBB", "CCC", "DDD", "EEE"];
        for (i, code) in codes.iter().enumerate() {
            let mut body = specification_body(code);
            if i % 2 == 1 {
                body["category"] = json!("alcohol_treatment");
                body["needs"] = json!(["alcohol"]);
            }
            let (status, _) = app.post("/v1/specifications", &q, &body).await;
            assert_eq!(status, 201);
        }
        app.post_empty("/v1/specifications/AAA/versions/1/publish", &q)
            .await;
        app.post_empty("/v1/specifications/BBB/versions/1/publish", &q)
            .await;

        // Walk all pages of two.
        let mut seen = Vec::new();
        let mut path = "/v1/specifications?limit=2".to_owned();
        loop {
            let (status, page) = app.get(&path, &q).await;
            assert_eq!(status, 200, "{page}");
            let items = page["items"].as_array().cloned().unwrap_or_default();
            assert!(items.len() <= 2);
            seen.extend(
                items
                    .iter()
                    .map(|s| s["code"].as_str().unwrap_or("").to_owned()),
            );
            match page["next"].as_str() {
                Some(next) => path = format!("/v1/specifications?limit=2&after={next}"),
                None => break,
            }
        }
        assert_eq!(seen, codes);

        let (_, alcohol) = app
            .get("/v1/specifications?category=alcohol_treatment", &q)
            .await;
        let alcohol: Vec<&str> = alcohol["items"]
            .as_array()
            .map(|a| a.iter().filter_map(|s| s["code"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(alcohol, ["BBB", "DDD"]);

        let (_, published) = app.get("/v1/specifications?status=published", &q).await;
        let published: Vec<&str> = published["items"]
            .as_array()
            .map(|a| a.iter().filter_map(|s| s["code"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(published, ["AAA", "BBB"]);

        let (_, both) = app
            .get(
                "/v1/specifications?status=published&category=alcohol_treatment",
                &q,
            )
            .await;
        assert_eq!(both["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(both["next"], json!(null));

        for bad in [
            "?status=pending",
            "?category=juggling",
            "?limit=0",
            "?limit=501",
            "?limit=ten",
            "?after=garbage",
        ] {
            let (status, problem) = app.get(&format!("/v1/specifications{bad}"), &q).await;
            assert_eq!(status, 422, "{bad}: {problem}");
            assert!(problem["errors"][0]["field"].is_string());
        }
    }
);

both_backends!(
    drafts_are_the_quality_teams_alone,
    |app: TestApp| async move {
        let q = app.token("quality");
        app.post("/v1/specifications", &q, &specification_body("PUB"))
            .await;
        app.post_empty("/v1/specifications/PUB/versions/1/publish", &q)
            .await;
        app.post("/v1/specifications", &q, &specification_body("DRAFT"))
            .await;

        for role in ["offender_manager", "provider", "commissioner", "admin"] {
            let t = app.token(role);
            let (status, page) = app.get("/v1/specifications", &t).await;
            assert_eq!(status, 200);
            let codes: Vec<&str> = page["items"]
                .as_array()
                .map(|a| a.iter().filter_map(|s| s["code"].as_str()).collect())
                .unwrap_or_default();
            assert_eq!(codes, ["PUB"], "{role} sees only published");
            let (status, _) = app.get("/v1/specifications/DRAFT", &t).await;
            assert_eq!(status, 404, "{role}");
            let (status, _) = app.get("/v1/specifications/DRAFT/versions/1", &t).await;
            assert_eq!(status, 404, "{role}");
            let (status, _) = app.get("/v1/specifications/PUB", &t).await;
            assert_eq!(status, 200, "{role}");
        }
    }
);

both_backends!(
    only_the_quality_team_writes_specifications,
    |app: TestApp| async move {
        let q = app.token("quality");
        app.post("/v1/specifications", &q, &specification_body("OWN"))
            .await;
        let before = app.snapshot().await;
        for role in ["offender_manager", "provider", "commissioner", "admin"] {
            let t = app.token(role);
            let (status, _) = app
                .post("/v1/specifications", &t, &specification_body("NEW"))
                .await;
            assert_eq!(status, 403, "{role} create");
            let (status, _) = app
                .patch(
                    "/v1/specifications/OWN/versions/1",
                    &t,
                    &json!({"title": "x"}),
                )
                .await;
            assert_eq!(status, 403, "{role} edit");
            let (status, _) = app
                .post_empty("/v1/specifications/OWN/versions/1/publish", &t)
                .await;
            assert_eq!(status, 403, "{role} publish");
            let (status, _) = app
                .post_empty("/v1/specifications/OWN/versions/1/retire", &t)
                .await;
            assert_eq!(status, 403, "{role} retire");
            let (status, _) = app
                .post("/v1/specifications/OWN/versions", &t, &json!({}))
                .await;
            assert_eq!(status, 403, "{role} version");
        }
        assert_eq!(
            app.snapshot().await,
            before,
            "refused writes change nothing"
        );
    }
);

both_backends!(
    concurrent_publishes_publish_once,
    |app: TestApp| async move {
        let q = app.token("quality");
        app.post("/v1/specifications", &q, &specification_body("RACE"))
            .await;
        let attempts =
            (0..8).map(|_| app.post_empty("/v1/specifications/RACE/versions/1/publish", &q));
        let results = futures_util::future::join_all(attempts).await;
        let ok = results.iter().filter(|(s, _)| *s == 200).count();
        let conflicts = results.iter().filter(|(s, _)| *s == 409).count();
        assert_eq!((ok, conflicts), (1, 7), "{results:?}");
        // One create and one publish audited.
        assert_eq!(app.audit_count(), 2);
    }
);
