//! Orders filtered by area, category, provider and the days they were made: each filter
//! narrows, they combine, and a filter outside the caller's reach is refused, never ignored.

use provider_hub_tests::{
    both_backends, manager_token, purchase, seed_market, upw_provider, TestApp,
};
use serde_json::Value;

fn crns(page: &Value) -> Vec<String> {
    let mut crns: Vec<String> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|o| o["crn"].as_str().expect("crn").to_owned())
        .collect();
    crns.sort();
    crns
}

both_backends!(
    orders_are_filtered_by_area_category_provider_and_day,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (provider, _) = upw_provider(&app, "REG-FILTER-1", 40_000, 10, 3, 80).await;
        // Rotherham has no listing: its order is made, unmatched.
        purchase(&app, "SY-SHF", "X100001").await;
        app.clock.advance_days(1);
        purchase(&app, "SY-SHF", "X100002").await;
        purchase(&app, "SY-ROT", "X100003").await;
        let yesterday = app.today() - chrono::Duration::days(1);
        let today = app.today();

        let c = app.token("commissioner");
        let (s, all) = app.get("/v1/orders", &c).await;
        assert_eq!(s, 200, "{all}");
        assert_eq!(crns(&all), ["X100001", "X100002", "X100003"]);
        let (_, sheffield) = app.get("/v1/orders?area=SY-SHF", &c).await;
        assert_eq!(crns(&sheffield), ["X100001", "X100002"]);
        let (_, upw) = app
            .get("/v1/orders?category=unpaid_work&area=SY-ROT", &c)
            .await;
        assert_eq!(crns(&upw), ["X100003"]);
        let (_, none) = app.get("/v1/orders?category=accommodation", &c).await;
        assert_eq!(crns(&none), Vec::<String>::new());
        let (_, placed) = app
            .get(&format!("/v1/orders?provider_id={provider}"), &c)
            .await;
        assert!(
            placed["items"]
                .as_array()
                .expect("items")
                .iter()
                .all(|o| o["provider_id"] == provider.as_str()),
            "{placed}"
        );
        assert!(!crns(&placed).is_empty());
        let (_, first_day) = app
            .get(&format!("/v1/orders?from={yesterday}&to={yesterday}"), &c)
            .await;
        assert_eq!(crns(&first_day), ["X100001"]);
        let (_, second_day) = app
            .get(&format!("/v1/orders?from={today}&area=SY-SHF"), &c)
            .await;
        assert_eq!(crns(&second_day), ["X100002"]);

        // A list summarises each explanation; `expand=explanation` gives every candidate.
        let (_, summary) = app.get("/v1/orders?area=SY-SHF&limit=1", &c).await;
        let explanation = &summary["items"][0]["explanation"];
        assert!(explanation["candidates"].as_u64() >= Some(1), "{summary}");
        assert_eq!(explanation["ranking"], serde_json::json!([]));
        assert!(explanation["chosen"].is_object(), "{summary}");
        let (s, whole) = app
            .get("/v1/orders?area=SY-SHF&limit=1&expand=explanation", &c)
            .await;
        assert_eq!(s, 200, "{whole}");
        let explanation = &whole["items"][0]["explanation"];
        assert_eq!(
            explanation["ranking"].as_array().map(|r| r.len() as u64),
            explanation["candidates"].as_u64(),
            "{whole}"
        );
        let (s, problem) = app.get("/v1/orders?expand=everything", &c).await;
        assert_eq!(
            (s, problem["errors"][0]["field"].as_str()),
            (422, Some("expand"))
        );

        // An offender manager filters within their own area only.
        let ann = manager_token("SY-SHF", "om-ann");
        let (s, own) = app.get("/v1/orders?area=SY-SHF", &ann).await;
        assert_eq!((s, crns(&own).len()), (200, 2), "{own}");
        let (s, problem) = app.get("/v1/orders?area=SY-ROT", &ann).await;
        assert_eq!(s, 403, "{problem}");

        // Every bad filter is named at once; an unknown area is refused, not answered empty.
        let (s, problem) = app
            .get(
                "/v1/orders?area=WY-LDS&category=juggling&from=2026-02-30&crn=x1&status=lost",
                &c,
            )
            .await;
        assert_eq!(s, 422, "{problem}");
        let mut fields: Vec<&str> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().expect("field"))
            .collect();
        fields.sort();
        assert_eq!(
            fields,
            ["area", "category", "crn", "from", "status"],
            "{problem}"
        );
        let (s, problem) = app
            .get(&format!("/v1/orders?from={today}&to={yesterday}"), &c)
            .await;
        assert_eq!(s, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "to");
    }
);
