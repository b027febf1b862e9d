//! Published awards on both backends: `GET /v1/awards` answers anyone, without a token, an
//! Open Contracting Data Standard 1.1 release package with exactly the accepted orders —
//! the right buyer, supplier, value, award criteria and every candidate's score — that
//! validates against the OCDS 1.1.5 release package schema, paginates, and carries nothing
//! about the people on probation.

use chrono::Duration;
use provider_hub_tests::{
    accredit, attend_in_full, both_backends, create_listing, fixture, json, listing_body,
    manager_token, purchase, register_provider, seed_market, upw_provider, TestApp,
};
use serde_json::Value;

const RELEASE_SCHEMA_URL: &str =
    "https://standard.open-contracting.org/schema/1__1__5/release-schema.json";

/// The release package schema, with the release schema it refers to by URL read from the
/// copies in `fixtures/ocds-1.1.5/` (nothing is fetched), as JSON Schema draft 4 with
/// formats (`date-time`, `uri`) checked.
fn package_schema() -> jsonschema::Validator {
    let read = |name: &str| -> Value {
        serde_json::from_slice(&fixture(&format!("ocds-1.1.5/{name}"))).expect("schema JSON")
    };
    let registry = jsonschema::Registry::new()
        .add(RELEASE_SCHEMA_URL, read("release-schema.json"))
        .expect("release schema")
        .prepare()
        .expect("registry");
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(true)
        .offline()
        .with_registry(&registry)
        .build(&read("release-package-schema.json"))
        .expect("package schema")
}

fn assert_valid(schema: &jsonschema::Validator, package: &Value) {
    let errors: Vec<String> = schema
        .iter_errors(package)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "not a valid OCDS 1.1.5 release package: {errors:#?}\n{package:#}"
    );
}

/// `GET /v1/awards?{query}` with no token: status, the `Link` header, the body as text.
async fn awards(app: &TestApp, query: &str) -> (u16, Option<String>, String) {
    let r = app
        .client
        .get(app.url(&format!("/v1/awards{query}")))
        .send()
        .await
        .expect("GET /v1/awards");
    let status = r.status().as_u16();
    let link = r
        .headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if status == 200 {
        assert_eq!(
            r.headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok()),
            Some("application/json")
        );
    }
    (status, link, r.text().await.expect("body"))
}

async fn package(app: &TestApp, query: &str) -> Value {
    let (s, _, text) = awards(app, query).await;
    assert_eq!(s, 200, "{text}");
    serde_json::from_str(&text).expect("JSON")
}

/// The award ids of a package's releases, in order.
fn awarded(package: &Value) -> Vec<String> {
    package["releases"]
        .as_array()
        .expect("releases")
        .iter()
        .map(|r| r["awards"][0]["id"].as_str().expect("award id").to_owned())
        .collect()
}

fn release<'a>(package: &'a Value, award: &str) -> &'a Value {
    package["releases"]
        .as_array()
        .expect("releases")
        .iter()
        .find(|r| r["awards"][0]["id"] == award)
        .unwrap_or_else(|| panic!("no release for {award}: {package}"))
}

/// The id of the award published for an accepted order, as a commissioner reads it on
/// the order (the public award itself says nothing of the order).
async fn award_of(app: &TestApp, order: &Value) -> String {
    let (s, view) = app
        .get(
            &format!("/v1/orders/{}", id(order)),
            &app.token("commissioner"),
        )
        .await;
    assert_eq!(s, 200, "{view}");
    view["award_id"]
        .as_str()
        .unwrap_or_else(|| panic!("no award id: {view}"))
        .to_owned()
}

async fn awards_of(app: &TestApp, orders: &[&Value]) -> Vec<String> {
    let mut ids = Vec::new();
    for o in orders {
        ids.push(award_of(app, o).await);
    }
    ids
}

/// Award ids in the order a package lists them: by day, then by the random id.
fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

async fn answer(app: &TestApp, order: &Value, how: &str) -> Value {
    let offer = order["offer"]["id"].as_str().expect("offer");
    let provider = order["provider_id"].as_str().expect("provider");
    let (s, body) = app
        .post(
            &format!("/v1/offers/{offer}/{how}"),
            &app.provider_token(provider),
            &json!({"reason": "no supervisor that week"}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    body
}

async fn deliver(app: &TestApp, order: &Value, steps: &[&str]) {
    let id = order["id"].as_str().expect("order");
    let provider = order["provider_id"].as_str().expect("provider");
    for step in steps {
        if *step == "completed" {
            attend_in_full(app, provider, id).await;
        }
        let (s, body) = app
            .post(
                &format!("/v1/orders/{id}/delivery-events"),
                &app.provider_token(provider),
                &json!({"type": step}),
            )
            .await;
        assert_eq!(s, 201, "{step}: {body}");
    }
}

fn id(order: &Value) -> String {
    order["id"].as_str().expect("order id").to_owned()
}

both_backends!(
    accepted_orders_are_published_as_ocds_awards,
    |app: TestApp| async move {
        seed_market(&app).await;
        let schema = package_schema();
        let (s, _, empty) = awards(&app, "").await;
        assert_eq!(s, 200, "public, even with nothing to publish");
        let empty: Value = serde_json::from_str(&empty).expect("JSON");
        assert_eq!(empty["releases"], json!([]));

        // Three unpaid-work providers in Sheffield: the cheapest wins at best price.
        let (cheap_p, cheap_l) = upw_provider(&app, "CH-CHEAP", 40_000, 20, 3, 70).await;
        let (mid_p, mid_l) = upw_provider(&app, "CH-MID", 45_000, 20, 5, 90).await;
        let (dear_p, dear_l) = upw_provider(&app, "CH-DEAR", 50_000, 20, 2, 95).await;
        // And one in Rotherham only.
        let rot_p = register_provider(&app, "CH-ROT").await;
        accredit(&app, &rot_p, "unpaid_work", 85).await;
        let mut body = listing_body(38_000);
        body["areas"] = json!(["SY-ROT"]);
        let rot_l = create_listing(&app, &rot_p, &body).await;
        let start = (app.today() + Duration::days(4)).to_string();
        let (s, _) = app
            .put(
                &format!("/v1/listings/{rot_l}/capacity"),
                &app.provider_token(&rot_p),
                &json!({"slots": [{"starts_on": start, "places": 5}]}),
            )
            .await;
        assert_eq!(s, 200);
        let (s, _) = app
            .post_empty(
                &format!("/v1/listings/{rot_l}/publish"),
                &app.provider_token(&rot_p),
            )
            .await;
        assert_eq!(s, 200);

        let crns = [
            "X700001", "X700002", "X700003", "X700004", "X700005", "X700006", "X700007", "X700008",
            "X700009",
        ];
        let mut orders = Vec::new();
        for crn in &crns[..7] {
            let o = purchase(&app, "SY-SHF", crn).await;
            assert_eq!(o["listing_id"], cheap_l.as_str(), "{o}");
            orders.push(o);
        }
        // Accepted and left so; in delivery; completed; failed; accepted then cancelled.
        for o in &orders[..5] {
            answer(&app, o, "accept").await;
        }
        deliver(&app, &orders[1], &["started"]).await;
        deliver(&app, &orders[2], &["started", "completed"]).await;
        deliver(&app, &orders[3], &["started", "failed"]).await;
        let (s, cancelled) = app
            .post(
                &format!("/v1/orders/{}/cancel", id(&orders[4])),
                &manager_token("SY-SHF", "om-ann"),
                &json!({"reason": "sentence varied on appeal"}),
            )
            .await;
        assert_eq!((s, cancelled["status"].as_str()), (200, Some("cancelled")));
        // Left pending; declined (offered again, to the next provider, and pending).
        let declined = answer(&app, &orders[6], "decline").await;
        assert_eq!(declined["status"], "declined");

        // Best value in Sheffield from now on: quality and an early start count.
        let (s, _) = app
            .put(
                "/v1/areas/SY-SHF/policy",
                &app.token("commissioner"),
                &json!({"policy": "best_value", "weights": {"price": 1, "quality": 1000, "days": 300}}),
            )
            .await;
        assert_eq!(s, 200);
        let valued = purchase(&app, "SY-SHF", crns[7]).await;
        answer(&app, &valued, "accept").await;
        let rotherham = purchase(&app, "SY-ROT", crns[8]).await;
        assert_eq!(rotherham["listing_id"], rot_l.as_str());
        answer(&app, &rotherham, "accept").await;

        // Exactly the accepted orders; all accepted today, so in the order of their ids.
        let all = package(&app, "").await;
        assert_valid(&schema, &all);
        if std::env::var("AWARDS_SHOW").is_ok() {
            println!("{all:#}");
        }
        // The schema is strict enough to notice a mistake.
        let mut wrong = all.clone();
        wrong["releases"][0]["tag"] = json!(["awarded"]);
        wrong["releases"][1]["awards"][0]["date"] = json!("yesterday");
        assert_eq!(schema.iter_errors(&wrong).count(), 2);
        let accepted: Vec<&Value> = orders[..5].iter().chain([&valued, &rotherham]).collect();
        let award_ids = awards_of(&app, &accepted).await;
        let expected = sorted(award_ids.clone());
        assert_eq!(awarded(&all), expected);
        assert_eq!(all["version"], "1.1");
        assert_eq!(all["publisher"]["name"], "Provider Hub");
        assert_eq!(
            all["extensions"],
            json!(["https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/v1.1.5/extension.json"])
        );
        assert_eq!(all["uri"], app.url("/v1/awards"));

        // The first: buyer, supplier, value, item, criteria and every candidate's score.
        let first = release(&all, &award_ids[0]);
        assert_eq!(first["ocid"], format!("ocds-prvhub-{}", award_ids[0]));
        assert_eq!(first["id"], format!("{}-award", award_ids[0]));
        assert_eq!(
            first["date"],
            format!("{}T00:00:00Z", app.today()),
            "dated by the day"
        );
        assert_eq!(first["tag"], json!(["award"]));
        assert_eq!(
            first["buyer"],
            json!({"id": "area-SY-SHF", "name": "Joint commissioning board for Sheffield (SY-SHF)"})
        );
        let award = &first["awards"][0];
        assert_eq!(award["status"], "active");
        assert_eq!(
            award["suppliers"],
            json!([{"id": cheap_p, "name": "Provider CH-CHEAP"}])
        );
        assert_eq!(award["value"], json!({"amount": 400.0, "currency": "GBP"}));
        assert_eq!(
            award["contractPeriod"]["startDate"],
            format!("{}T00:00:00Z", app.today() + Duration::days(3))
        );
        assert_eq!(award["relatedBid"], cheap_l.as_str());
        assert_eq!(award["items"][0]["id"], "UPW-STD/1");
        assert_eq!(award["items"][0]["classification"]["id"], "UPW-STD");
        let tender = &first["tender"];
        assert_eq!(tender["awardCriteria"], "priceOnly");
        assert_eq!(tender["numberOfTenderers"], 3);
        assert_eq!(tender["items"], award["items"]);
        let roles = |p: &Value| -> Vec<(String, Vec<String>)> {
            p["parties"]
                .as_array()
                .expect("parties")
                .iter()
                .map(|o| {
                    (
                        o["id"].as_str().expect("id").to_owned(),
                        serde_json::from_value(o["roles"].clone()).expect("roles"),
                    )
                })
                .collect()
        };
        let parties = roles(first);
        assert_eq!(
            parties[..2],
            [
                (
                    "area-SY-SHF".to_owned(),
                    vec!["buyer".to_owned(), "procuringEntity".to_owned()]
                ),
                (
                    cheap_p.clone(),
                    vec!["supplier".to_owned(), "tenderer".to_owned()]
                ),
            ]
        );
        assert_eq!(
            parties.len(),
            2,
            "competitors are counted, never named: {parties:?}"
        );
        let bids: Vec<(String, String, f64, u64, u64, f64)> = first["bids"]["details"]
            .as_array()
            .expect("bids")
            .iter()
            .map(|b| {
                (
                    b["id"].as_str().expect("id").to_owned(),
                    b["tenderers"][0]["name"].as_str().expect("name").to_owned(),
                    b["value"]["amount"].as_f64().expect("value"),
                    b["rank"].as_u64().expect("rank"),
                    b["qualityScore"].as_u64().expect("score"),
                    b["cost"]["amount"].as_f64().expect("cost"),
                )
            })
            .collect();
        assert_eq!(
            bids,
            vec![(
                cheap_l.clone(),
                "Provider CH-CHEAP".into(),
                400.0,
                1,
                70,
                400.0
            )],
            "only the awarded bid is published"
        );
        // No competitor's listing, provider, price or score anywhere in the release.
        let text = first.to_string();
        for competitor in [&mid_l, &mid_p, &dear_l, &dear_p] {
            assert!(
                !text.contains(competitor.as_str()),
                "{competitor} in {text}"
            );
        }
        assert!(
            !text.contains("CH-MID") && !text.contains("CH-DEAR"),
            "{text}"
        );

        // Delivered, completed or failed, an award stays active; a cancelled one is
        // published as its cancellation, keeping the supplier and price it had.
        for award in &award_ids[1..4] {
            assert_eq!(release(&all, award)["awards"][0]["status"], "active");
        }
        let gone = release(&all, &award_ids[4]);
        assert_eq!(gone["tag"], json!(["awardCancellation"]));
        assert_eq!(gone["id"], format!("{}-awardCancellation", award_ids[4]));
        assert_eq!(gone["date"], format!("{}T00:00:00Z", app.today()));
        assert_eq!(gone["awards"][0]["status"], "cancelled");
        assert_eq!(gone["awards"][0]["suppliers"][0]["id"], cheap_p.as_str());
        assert_eq!(gone["awards"][0]["value"]["amount"], 400.0);

        // Placed at best value: rated criteria with the weights, bids ranked by cost
        // (price + £10 per quality point short of 100 + £3 per day to the start).
        let valued_release = release(&all, &award_ids[5]);
        let tender = &valued_release["tender"];
        assert_eq!(tender["awardCriteria"], "ratedCriteria");
        let details = tender["awardCriteriaDetails"].as_str().expect("details");
        assert!(
            details.contains("price × 1 + 1000 pence per point")
                && details.contains("300 pence per day"),
            "{details}"
        );
        let costs: Vec<(&str, u64, f64)> = valued_release["bids"]["details"]
            .as_array()
            .expect("bids")
            .iter()
            .map(|b| {
                (
                    b["id"].as_str().expect("id"),
                    b["rank"].as_u64().expect("rank"),
                    b["cost"]["amount"].as_f64().expect("cost"),
                )
            })
            .collect();
        assert_eq!(costs, vec![(dear_l.as_str(), 1, 556.0)]);
        assert_eq!(valued_release["tender"]["numberOfTenderers"], 3);
        assert_eq!(
            valued_release["awards"][0]["suppliers"][0]["id"],
            dear_p.as_str()
        );
        // The earlier awards keep the criteria they were placed under.
        assert_eq!(
            release(&all, &award_ids[0])["tender"]["awardCriteria"],
            "priceOnly"
        );

        // The order view shows the same ranking.
        let (_, view) = app
            .get(
                &format!("/v1/orders/{}", id(&valued)),
                &manager_token("SY-SHF", "om-ann"),
            )
            .await;
        let ranked: Vec<&str> = view["explanation"]["ranking"]
            .as_array()
            .expect("ranking")
            .iter()
            .filter_map(|c| c["listing_id"].as_str())
            .collect();
        assert_eq!(
            ranked,
            vec![dear_l.as_str(), mid_l.as_str(), cheap_l.as_str()]
        );

        // Nothing about the people: no case reference, no date of birth, no sex or risk.
        let (_, _, text) = awards(&app, "").await;
        for crn in crns {
            assert!(!text.contains(crn), "{crn} is published");
        }
        for personal in ["1990-04-01", "\"male\"", "medium", "crn", "date_of_birth"] {
            assert!(!text.contains(personal), "{personal} is published");
        }

        // Filters: an area, and the day of acceptance.
        let rot = package(&app, "?area=SY-ROT").await;
        assert_valid(&schema, &rot);
        assert_eq!(awarded(&rot), vec![award_ids[6].clone()]);
        assert_eq!(rot["releases"][0]["buyer"]["id"], "area-SY-ROT");
        let today = app.today();
        let same_day = package(&app, &format!("?from={today}&to={today}")).await;
        assert_eq!(awarded(&same_day), expected);
        let tomorrow = today + Duration::days(1);
        let later = package(&app, &format!("?from={tomorrow}")).await;
        assert_eq!(later["releases"], json!([]));
        let earlier = package(&app, &format!("?to={}", today - Duration::days(1))).await;
        assert_eq!(earlier["releases"], json!([]));
        let backwards = format!("?from={tomorrow}&to={today}");
        for (query, field) in [
            ("?area=sheffield", "area"),
            ("?area=WY-LDS", "area"),
            ("?from=yesterday", "from"),
            (backwards.as_str(), "to"),
            ("?limit=0", "limit"),
            ("?limit=501", "limit"),
            ("?after=not-a-cursor", "after"),
        ] {
            let (s, _, text) = awards(&app, query).await;
            let problem: Value = serde_json::from_str(&text).expect("problem");
            assert_eq!(
                (s, problem["errors"][0]["field"].as_str()),
                (422, Some(field)),
                "{query}: {problem}"
            );
        }
    }
);

both_backends!(
    awards_paginate_with_a_link_to_the_next_page,
    |app: TestApp| async move {
        seed_market(&app).await;
        let schema = package_schema();
        upw_provider(&app, "CH-ONE", 40_000, 10, 3, 80).await;
        upw_provider(&app, "CH-TWO", 42_000, 10, 3, 80).await;
        let mut accepted = Vec::new();
        for i in 0..5 {
            let o = purchase(&app, "SY-SHF", &format!("X71000{i}")).await;
            answer(&app, &o, "accept").await;
            accepted.push(award_of(&app, &o).await);
        }
        let accepted = sorted(accepted);
        // A pending one is not an award.
        purchase(&app, "SY-SHF", "X710009").await;

        let mut seen = Vec::new();
        let mut next = Some(app.url("/v1/awards?limit=2&area=SY-SHF"));
        let mut pages = 0;
        while let Some(url) = next {
            let r = app.client.get(&url).send().await.expect("page");
            assert_eq!(r.status().as_u16(), 200);
            next = r
                .headers()
                .get("link")
                .and_then(|v| v.to_str().ok())
                .map(|link| {
                    let url = link
                        .strip_prefix('<')
                        .and_then(|l| l.strip_suffix(">; rel=\"next\""))
                        .unwrap_or_else(|| panic!("a next link: {link}"));
                    assert!(
                        url.contains("limit=2") && url.contains("area=SY-SHF"),
                        "{url}"
                    );
                    url.to_owned()
                });
            let page: Value = r.json().await.expect("JSON");
            assert_valid(&schema, &page);
            assert!(page["releases"].as_array().is_some_and(|r| r.len() <= 2));
            assert_eq!(page["uri"], url.as_str(), "a page names itself");
            seen.extend(awarded(&page));
            pages += 1;
        }
        assert_eq!(pages, 3, "2 + 2 + 1");
        assert_eq!(seen, accepted, "every award once, in order");
        let (_, link, _) = awards(&app, "?limit=5").await;
        assert_eq!(link, None, "no next page after the last award");
    }
);

both_backends!(
    the_ocid_prefix_and_publisher_are_the_operators,
    adjust = |c: &mut provider_hub_tests::Config| {
        c.ocid_prefix = "ocds-213czf".into();
        c.publisher_name = "Yorkshire Probation Commissioning".into();
    },
    |app: TestApp| async move {
        seed_market(&app).await;
        upw_provider(&app, "CH-ONE", 40_000, 10, 3, 80).await;
        let o = purchase(&app, "SY-SHF", "X720001").await;
        answer(&app, &o, "accept").await;
        let p = package(&app, "").await;
        assert_valid(&package_schema(), &p);
        assert_eq!(p["publisher"]["name"], "Yorkshire Probation Commissioning");
        assert_eq!(
            p["releases"][0]["ocid"],
            format!("ocds-213czf-{}", award_of(&app, &o).await)
        );
    }
);

both_backends!(
    awards_of_one_persons_orders_cannot_be_grouped,
    |app: TestApp| async move {
        seed_market(&app).await;
        // Unpaid work, and alcohol treatment: one plan makes an order of each.
        upw_provider(&app, "CH-UPW", 40_000, 5, 3, 80).await;
        let q = app.token("quality");
        let mut spec = provider_hub_tests::specification_body("ALC-STD");
        spec["title"] = json!("Alcohol treatment, community");
        spec["category"] = json!("alcohol_treatment");
        spec["needs"] = json!(["alcohol"]);
        let (s, body) = app.post("/v1/specifications", &q, &spec).await;
        assert_eq!(s, 201, "{body}");
        let (s, body) = app
            .post_empty("/v1/specifications/ALC-STD/versions/1/publish", &q)
            .await;
        assert_eq!(s, 200, "{body}");
        let alc_p = register_provider(&app, "CH-ALC").await;
        accredit(&app, &alc_p, "alcohol_treatment", 80).await;
        let mut listing = listing_body(30_000);
        listing["specification_code"] = json!("ALC-STD");
        let alc_l = create_listing(&app, &alc_p, &listing).await;
        let pt = app.provider_token(&alc_p);
        let start = (app.today() + Duration::days(3)).to_string();
        let (s, body) = app
            .put(
                &format!("/v1/listings/{alc_l}/capacity"),
                &pt,
                &json!({"slots": [{"starts_on": start, "places": 5}]}),
            )
            .await;
        assert_eq!(s, 200, "{body}");
        let (s, body) = app
            .post_empty(&format!("/v1/listings/{alc_l}/publish"), &pt)
            .await;
        assert_eq!(s, 200, "{body}");

        let ann = manager_token("SY-SHF", "om-ann");
        let bob = manager_token("SY-SHF", "om-bob");
        let (s, body) = app
            .post(
                "/v1/cases",
                &ann,
                &json!({"crn": "X730001", "sex": "male", "date_of_birth": "1990-04-01", "area": "SY-SHF"}),
            )
            .await;
        assert_eq!(s, 201, "{body}");
        let mut assessment = provider_hub_tests::assessment_body("OASYS-X730001", "X730001");
        assessment["sentence_date"] = json!(app.today().to_string());
        let (s, a) = app.post("/v1/assessments", &ann, &assessment).await;
        assert_eq!(s, 201, "{a}");
        let assessment = a["id"].as_str().expect("id");
        app.post_empty(&format!("/v1/assessments/{assessment}/submit"), &ann)
            .await;
        let (s, body) = app
            .post_empty(&format!("/v1/assessments/{assessment}/approve"), &bob)
            .await;
        assert_eq!(s, 200, "{body}");
        let (_, plan) = app
            .get(&format!("/v1/assessments/{assessment}/sentence-plan"), &ann)
            .await;
        let plan = plan["id"].as_str().expect("plan");
        let (s, approval) = app
            .post_empty(&format!("/v1/sentence-plans/{plan}/approve"), &ann)
            .await;
        assert_eq!(s, 200, "{approval}");
        let orders: Vec<Value> = approval["orders"].as_array().expect("orders").clone();
        assert_eq!(orders.len(), 2, "{approval}");
        for o in &orders {
            assert_eq!(o["status"], "offered", "{o}");
            answer(&app, o, "accept").await;
        }

        let (_, link, text) = awards(&app, "?limit=1").await;
        let link = link.expect("a second page");
        let all = package(&app, "").await;
        assert_valid(&package_schema(), &all);
        let releases = all["releases"].as_array().expect("releases");
        assert_eq!(releases.len(), 2);
        let order_ids: Vec<String> = orders.iter().map(id).collect();
        // The order ids' hex; its head is the creation millisecond, which the orders of
        // one plan share or nearly share.
        let hexes: Vec<String> = order_ids
            .iter()
            .map(|o| o.trim_start_matches("ord_").to_owned())
            .collect();
        let everything = format!("{all}{text}{link}");
        for hex in &hexes {
            assert!(!everything.contains(&hex[..12]), "an order id is published");
        }
        let mut ids = Vec::new();
        for r in releases {
            let award = r["awards"][0]["id"].as_str().expect("award id").to_owned();
            assert_eq!(award.len(), 32, "{award}");
            assert!(award.bytes().all(|b| b.is_ascii_hexdigit()), "{award}");
            assert!(!order_ids.contains(&award) && !hexes.contains(&award));
            assert_eq!(r["ocid"], format!("ocds-prvhub-{award}"));
            assert_eq!(r["tender"]["id"], award.as_str());
            for date in [&r["date"], &r["awards"][0]["date"]] {
                assert_eq!(date, &json!(format!("{}T00:00:00Z", app.today())));
            }
            for bid in r["bids"]["details"].as_array().expect("bids") {
                assert_eq!(bid.get("daysToStart"), None, "{bid}");
            }
            ids.push(award);
        }
        // Random ids: no shared head, as the time-ordered order ids have.
        assert_ne!(ids[0][..8], ids[1][..8], "{ids:?}");
        // Stable across reads, and the same the hub keeps on each order.
        let again = package(&app, "").await;
        assert_eq!(awarded(&again), awarded(&all));
        let mut kept = vec![
            award_of(&app, &orders[0]).await,
            award_of(&app, &orders[1]).await,
        ];
        kept.sort();
        assert_eq!(awarded(&all), kept);
        assert_eq!(
            all["publishedDate"],
            json!(format!("{}T00:00:00Z", app.today()))
        );
    }
);
