//! Every list pages the same way: `{"items", "next"}`, a `Link: rel="next"` header that
//! keeps the filters, and a cursor that belongs to its own list.

use provider_hub_tests::{both_backends, json, seed_market, upw_provider, TestApp};
use serde_json::Value;

/// GET with the whole response: status, `Link` header, JSON body.
async fn get_linked(app: &TestApp, url: &str, token: &str) -> (u16, Option<String>, Value) {
    let res = app
        .client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("send");
    let status = res.status().as_u16();
    let link = res
        .headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, link, res.json().await.expect("json"))
}

/// The URL of a `<url>; rel="next"` header.
fn next_url(link: &str) -> String {
    assert!(link.ends_with("; rel=\"next\""), "{link}");
    link.trim_start_matches('<')
        .split('>')
        .next()
        .expect("url")
        .to_owned()
}

/// Every page of the list at `url`, following its `Link` headers: each page answered 200,
/// its `next` the cursor the Link ends with, the page size (`limit`, as `limit=N`) kept,
/// and the last page with neither `next` nor a Link.
async fn read_by_links(app: &TestApp, url: &str, token: &str, limit: &str) -> Vec<Value> {
    let mut url = app.url(url);
    let mut pages = Vec::new();
    loop {
        let (status, link, page) = get_linked(app, &url, token).await;
        assert_eq!(status, 200, "{page}");
        pages.push(page.clone());
        match link {
            Some(link) => {
                let next = next_url(&link);
                assert!(next.contains(limit), "the page size is kept: {next}");
                let cursor = page["next"].as_str().expect("next beside the Link");
                assert!(next.ends_with(&format!("after={cursor}")), "{next}");
                url = next;
            }
            None => {
                assert_eq!(page["next"], Value::Null, "{page}");
                return pages;
            }
        }
    }
}

both_backends!(
    following_link_headers_reads_a_filtered_list_once,
    |app: TestApp| async move {
        seed_market(&app).await;
        let admin = app.token("admin");
        for n in 0..5 {
            let (s, body) = app
                .post(
                    "/v1/areas",
                    &admin,
                    &json!({"code": format!("WY-A{n}"), "name": format!("West {n}"), "region": "West Yorkshire"}),
                )
                .await;
            assert_eq!(s, 201, "{body}");
        }
        let quality = app.token("quality");

        // Two at a time, following the Link header: every area once, in order; the page
        // size is kept, and the last page has neither `next` nor a Link.
        let read = read_by_links(&app, "/v1/areas?limit=2", &quality, "limit=2").await;
        let pages = read.len();
        let seen: Vec<String> = read
            .iter()
            .flat_map(|page| page["items"].as_array().expect("items"))
            .map(|area| area["code"].as_str().expect("code").to_owned())
            .collect();
        let mut sorted = seen.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(seen, sorted, "in order, each once");
        assert_eq!(seen.len(), 7, "{seen:?}");
        assert_eq!(pages, 4);

        // A cursor of the areas list is not one of the specifications list's.
        let (_, _, first) = get_linked(&app, &app.url("/v1/areas?limit=1"), &quality).await;
        let cursor = first["next"].as_str().expect("next");
        let (status, problem) = app
            .get(&format!("/v1/specifications?after={cursor}"), &quality)
            .await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "after", "{problem}");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .expect("message")
                .contains("GET /v1/specifications"),
            "{problem}"
        );
        // Nor is a made-up one.
        let (status, _) = app.get("/v1/areas?after=abc", &quality).await;
        assert_eq!(status, 422);
    }
);

both_backends!(
    budgets_are_a_page_filtered_by_area_and_year,
    |app: TestApp| async move {
        seed_market(&app).await;
        let commissioner = app.token("commissioner");
        for (area, year) in [("SY-SHF", 2026), ("SY-SHF", 2027), ("SY-ROT", 2026)] {
            let (s, body) = app
                .put(
                    &format!("/v1/budgets/{area}/{year}"),
                    &commissioner,
                    &json!({"allocated_pence": 1_000_000}),
                )
                .await;
            assert_eq!(s, 200, "{body}");
        }
        let keys = |page: &Value| -> Vec<(String, i64)> {
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|b| {
                    (
                        b["area"].as_str().expect("area").to_owned(),
                        b["financial_year"].as_i64().expect("year"),
                    )
                })
                .collect()
        };
        let (s, all) = app.get("/v1/budgets", &commissioner).await;
        assert_eq!(s, 200, "{all}");
        assert_eq!(
            keys(&all),
            vec![
                ("SY-ROT".to_owned(), 2026),
                ("SY-SHF".to_owned(), 2026),
                ("SY-SHF".to_owned(), 2027)
            ]
        );
        let (_, sheffield) = app.get("/v1/budgets?area=SY-SHF", &commissioner).await;
        assert_eq!(keys(&sheffield).len(), 2, "{sheffield}");
        let (_, year) = app
            .get("/v1/budgets?financial_year=2026", &commissioner)
            .await;
        assert_eq!(keys(&year).len(), 2, "{year}");
        let (_, first) = app.get("/v1/budgets?limit=1", &commissioner).await;
        let cursor = first["next"].as_str().expect("next");
        let (_, rest) = app
            .get(
                &format!("/v1/budgets?limit=5&after={cursor}"),
                &commissioner,
            )
            .await;
        assert_eq!(keys(&rest).len(), 2, "{rest}");

        // An unknown area and a year out of range are both named, at once.
        let (s, problem) = app
            .get("/v1/budgets?area=WY-LDS&financial_year=1066", &commissioner)
            .await;
        assert_eq!(s, 422, "{problem}");
        let fields: Vec<&str> = problem["errors"]
            .as_array()
            .expect("errors")
            .iter()
            .map(|e| e["field"].as_str().expect("field"))
            .collect();
        assert_eq!(fields, vec!["financial_year", "area"], "{problem}");
        let (s, problem) = app.get("/v1/budgets?area=WY-LDS", &commissioner).await;
        assert_eq!(s, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "area");
    }
);

both_backends!(
    a_kept_listing_search_pages_as_every_list_does,
    |app: TestApp| async move {
        seed_market(&app).await;
        for (registration, price) in [("PG-ONE", 40_000), ("PG-TWO", 45_000), ("PG-THREE", 50_000)]
        {
            upw_provider(&app, registration, price, 10, 3, 80).await;
        }
        let manager = app.token("offender_manager");
        // Every published listing a page at a time, following the Link header; the second
        // reading is answered from the pages kept for the supply's version, and must page
        // exactly as the first (its `next` given out once, tagged, in body and Link alike).
        let mut readings = Vec::new();
        for _ in 0..2 {
            readings.push(read_by_links(&app, "/v1/listings?limit=1", &manager, "limit=1").await);
        }
        assert_eq!(
            readings[0], readings[1],
            "a kept page is the page made afresh"
        );
        let ids: Vec<&str> = readings[0]
            .iter()
            .flat_map(|p| p["items"].as_array().expect("items"))
            .map(|l| l["id"].as_str().expect("id"))
            .collect();
        let mut unique = ids.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(ids.len(), 3, "a page each: {ids:?}");
        assert_eq!(unique.len(), ids.len(), "each listing once: {ids:?}");

        // The kept page's cursor is the listings' own: the areas list refuses it, and the
        // listings refuse the areas'.
        let cursor = readings[0][0]["next"].as_str().expect("next");
        let (status, problem) = app
            .get(&format!("/v1/areas?after={cursor}"), &manager)
            .await;
        assert_eq!(status, 422, "{problem}");
        let (_, areas) = app.get("/v1/areas?limit=1", &manager).await;
        let theirs = areas["next"].as_str().expect("areas' next");
        let (status, problem) = app
            .get(&format!("/v1/listings?after={theirs}"), &manager)
            .await;
        assert_eq!(status, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "after", "{problem}");
    }
);
