//! Areas: admin creates them, everyone authenticated reads them.

use provider_hub_tests::{both_backends, json, TestApp};

both_backends!(
    admin_creates_and_everyone_reads_areas,
    |app: TestApp| async move {
        let admin = app.token("admin");
        for (code, name) in [
            ("SY-SHF", "Sheffield"),
            ("SY-ROT", "Rotherham"),
            ("SY-DON", "Doncaster"),
        ] {
            let (status, area) = app
                .post(
                    "/v1/areas",
                    &admin,
                    &json!({"code": code, "name": name, "region": "Yorkshire and the Humber"}),
                )
                .await;
            assert_eq!(status, 201, "{area}");
            assert_eq!(area["code"], code);
        }
        let (status, p) = app
            .post(
                "/v1/areas",
                &admin,
                &json!({"code": "SY-SHF", "name": "Again", "region": "Y"}),
            )
            .await;
        assert_eq!(status, 409, "{p}");

        let manager = app.token("offender_manager");
        let (status, page) = app.get("/v1/areas?limit=2", &manager).await;
        assert_eq!(status, 200);
        let codes: Vec<&str> = page["items"]
            .as_array()
            .map(|a| a.iter().filter_map(|x| x["code"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(codes, ["SY-DON", "SY-ROT"]);
        let next = page["next"].as_str().expect("a next cursor").to_owned();
        let (_, rest) = app
            .get(&format!("/v1/areas?limit=2&after={next}"), &manager)
            .await;
        assert_eq!(rest["items"][0]["code"], "SY-SHF");
        assert_eq!(rest["next"], json!(null));

        let (status, one) = app.get("/v1/areas/SY-SHF", &app.token("provider")).await;
        assert_eq!((status, one["name"].as_str()), (200, Some("Sheffield")));
        let (status, _) = app.get("/v1/areas/XX-NOPE", &manager).await;
        assert_eq!(status, 404);
        assert_eq!(app.audit_count(), 3);
    }
);

both_backends!(area_fields_are_validated, |app: TestApp| async move {
    let admin = app.token("admin");
    for bad in [
        json!({"code": "sy-shf", "name": "Sheffield", "region": "Y"}),
        json!({"code": "SY-SHF", "name": "", "region": "Y"}),
        json!({"code": "SY-SHF", "name": "Sheffield", "region": "  "}),
        json!({"code": "SY-SHF", "name": "Sheffield"}),
        json!({"code": "SY-SHF", "name": "Sheffield", "region": "Y", "extra": true}),
    ] {
        let (status, problem) = app.post("/v1/areas", &admin, &bad).await;
        assert_eq!(status, 422, "{bad}: {problem}");
    }
    assert_eq!(app.audit_count(), 0);
});
