//! Plan revisions and shaping a plan before approval (issue 16, parts 1 and 2): a person
//! assessed twice is never bought the same intervention twice; the revision keeps what is
//! ordered, buys what is new and ends only what the offender manager confirms; a revision
//! approved twice at once buys once; items removed or deferred with a reason are not
//! bought; a sequenced item starts only after the earlier one; plans due for review are
//! listed. On both backends.

use chrono::{Duration, Months, NaiveDate};
use provider_hub_tests::{
    accredit, both_backends, create_listing, json, listing_body, manager_token, register_provider,
    seed_market, TestApp,
};
use serde_json::Value;

mod shaping;

const AREA: &str = "SY-SHF";

/// An unpaid-work provider with a published listing and places on each of `days` from
/// today.
async fn upw_listing(app: &TestApp, registration: &str, days: &[i64]) -> (String, String) {
    let p = register_provider(app, registration).await;
    accredit(app, &p, "unpaid_work", 80).await;
    let l = create_listing(app, &p, &listing_body(45_000)).await;
    let pt = app.provider_token(&p);
    let slots: Vec<Value> = days
        .iter()
        .map(|d| json!({"starts_on": (app.today() + Duration::days(*d)).to_string(), "places": 5}))
        .collect();
    let (s, body) = app
        .put(
            &format!("/v1/listings/{l}/capacity"),
            &pt,
            &json!({ "slots": slots }),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = app
        .post_empty(&format!("/v1/listings/{l}/publish"), &pt)
        .await;
    assert_eq!(s, 200, "{body}");
    (p, l)
}

/// An assessment of `crn` (registered first when `register`), with `requirements` and
/// the needs given `medium` and linked to offending, sentenced on `sentence`,
/// countersigned; answers its plan.
async fn assessed(
    app: &TestApp,
    crn: &str,
    external_ref: &str,
    register: bool,
    requirements: Value,
    linked: &[&str],
    sentence: NaiveDate,
) -> Value {
    let ann = manager_token(AREA, "om-ann");
    let bob = manager_token(AREA, "om-bob");
    if register {
        let (s, case) = app
            .post(
                "/v1/cases",
                &ann,
                &json!({"crn": crn, "sex": "male", "date_of_birth": "1990-04-01", "area": AREA}),
            )
            .await;
        assert_eq!(s, 201, "{case}");
    }
    let mut body = provider_hub_tests::assessment_body(external_ref, crn);
    body["sentence_date"] = json!(sentence.to_string());
    body["requirements"] = requirements;
    for need in body["needs"].as_array_mut().expect("needs") {
        let on = linked.contains(&need["need"].as_str().unwrap_or(""));
        need["linked_to_offending"] = json!(on);
        need["severity"] = json!(if on { "medium" } else { "low" });
    }
    let (s, a) = app.post("/v1/assessments", &ann, &body).await;
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_str().expect("id").to_owned();
    let (s, _) = app
        .post_empty(&format!("/v1/assessments/{id}/submit"), &ann)
        .await;
    assert_eq!(s, 200);
    let (s, body) = app
        .post_empty(&format!("/v1/assessments/{id}/approve"), &bob)
        .await;
    assert_eq!(s, 200, "{body}");
    let (s, plan) = app
        .get(&format!("/v1/assessments/{id}/sentence-plan"), &ann)
        .await;
    assert_eq!(s, 200, "{plan}");
    plan
}

fn item_of<'a>(plan: &'a Value, category: &str) -> &'a Value {
    plan["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|i| i["category"] == category)
        .unwrap_or_else(|| panic!("no {category} item: {plan}"))
}

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

async fn orders_of(app: &TestApp, crn: &str) -> Vec<Value> {
    let (s, page) = app
        .get(
            &format!("/v1/orders?crn={crn}&limit=500"),
            &manager_token(AREA, "om-ann"),
        )
        .await;
    assert_eq!(s, 200, "{page}");
    page["items"].as_array().expect("orders").clone()
}

/// A person with a first plan approved (unpaid work offered, alcohol treatment
/// unmatched) and a second assessment still ordering unpaid work, no longer alcohol
/// treatment, and now an accommodation need: the revision's plan.
async fn revised(app: &TestApp, crn: &str) -> (Value, Value) {
    seed_market(app).await;
    upw_listing(app, "UPW-1", &[3]).await;
    let sentence = app.today() - Duration::days(2);
    let first = assessed(
        app,
        crn,
        &format!("{crn}-1"),
        true,
        json!([{"type": "unpaid_work", "hours": 120}, {"type": "alcohol_treatment", "months": 6}]),
        &[],
        sentence,
    )
    .await;
    let ann = manager_token(AREA, "om-ann");
    let (s, approval) = app
        .post_empty(&format!("/v1/sentence-plans/{}/approve", id(&first)), &ann)
        .await;
    assert_eq!(s, 200, "{approval}");
    assert_eq!(approval["orders"].as_array().map(Vec::len), Some(2));
    let second = assessed(
        app,
        crn,
        &format!("{crn}-2"),
        false,
        json!([{"type": "unpaid_work", "hours": 120}]),
        &["accommodation"],
        sentence,
    )
    .await;
    (approval, second)
}

both_backends!(
    a_second_assessment_revises_the_plan_and_never_buys_the_same_need_twice,
    |app: TestApp| async move {
        let (first, plan) = revised(&app, "X200001").await;
        let ann = manager_token(AREA, "om-ann");
        let first_orders = first["orders"].as_array().expect("orders");
        let (upw, alcohol) = (id(&first_orders[0]), id(&first_orders[1]));
        assert_eq!(first_orders[0]["status"], "offered");
        assert_eq!(first_orders[1]["status"], "unmatched");

        // The revision: unpaid work kept, accommodation to buy, alcohol treatment
        // proposed for ending.
        assert_eq!(plan["status"], "proposed");
        assert_eq!(plan["revises_plan_id"], first["plan"]["id"]);
        let accommodation = id(item_of(&plan, "accommodation"));
        let lines: Vec<(Value, Value, Value)> = plan["revision"]
            .as_array()
            .expect("revision")
            .iter()
            .map(|l| {
                (
                    l["proposal"].clone(),
                    l["category"].clone(),
                    l["order_id"].clone(),
                )
            })
            .collect();
        assert_eq!(
            lines,
            vec![
                (json!("keep"), json!("unpaid_work"), json!(upw)),
                (json!("buy"), json!("accommodation"), Value::Null),
                (json!("end"), json!("alcohol_treatment"), json!(alcohol)),
            ],
            "{plan}"
        );
        // Only what is bought is costed: accommodation, which no provider offers.
        assert_eq!(plan["total_pence"], 0);
        assert_eq!(plan["unpriced_items"], 1);

        // An ending the revision does not propose is refused, and nothing changes.
        let plan_id = id(&plan);
        let (s, problem) = app
            .post(
                &format!("/v1/sentence-plans/{plan_id}/approve"),
                &ann,
                &json!({"end_orders": [upw]}),
            )
            .await;
        assert_eq!(s, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "end_orders[0]");
        assert_eq!(orders_of(&app, "X200001").await.len(), 2);
        let (_, still) = app
            .get(&format!("/v1/sentence-plans/{plan_id}"), &ann)
            .await;
        assert_eq!(still["status"], "proposed");

        // Approving buys accommodation only and ends the alcohol treatment confirmed.
        let (s, approval) = app
            .post(
                &format!("/v1/sentence-plans/{plan_id}/approve"),
                &ann,
                &json!({"end_orders": [alcohol]}),
            )
            .await;
        assert_eq!(s, 200, "{approval}");
        let bought = approval["orders"].as_array().expect("orders");
        assert_eq!(bought.len(), 1, "{approval}");
        assert_eq!(bought[0]["category"], "accommodation");
        assert_eq!(bought[0]["plan_item"]["id"], accommodation.as_str());
        assert_eq!(approval["kept_orders"], json!([upw]));
        assert_eq!(approval["ended_orders"], json!([alcohol]));
        let review_on = app
            .today()
            .checked_add_months(Months::new(6))
            .expect("date");
        assert_eq!(approval["plan"]["review_on"], review_on.to_string());

        let orders = orders_of(&app, "X200001").await;
        assert_eq!(orders.len(), 3, "one new order, nothing bought twice");
        let status = |o: &str| {
            orders
                .iter()
                .find(|x| x["id"] == o)
                .map(|x| x["status"].clone())
                .expect("order")
        };
        assert_eq!(status(&upw), "offered", "the kept order runs on");
        assert_eq!(status(&alcohol), "cancelled");
        let (_, ended) = app.get(&format!("/v1/orders/{alcohol}"), &ann).await;
        assert!(
            ended["cancel_reason"]
                .as_str()
                .is_some_and(|r| r.starts_with("revised")),
            "{ended}"
        );
        // The earlier plan is superseded by the revision.
        let (_, earlier) = app
            .get(
                &format!(
                    "/v1/sentence-plans/{}",
                    first["plan"]["id"].as_str().expect("id")
                ),
                &ann,
            )
            .await;
        assert_eq!(earlier["superseded_by"], plan_id.as_str());
        // The ending is an event of the area.
        let (s, events) = app
            .get(&format!("/v1/events?order_id={alcohol}"), &ann)
            .await;
        assert_eq!(s, 200, "{events}");
        assert!(
            events["items"]
                .as_array()
                .expect("events")
                .iter()
                .any(|e| e["type"] == "order.cancelled"),
            "{events}"
        );
    }
);

both_backends!(
    an_ending_not_confirmed_leaves_the_order_running,
    |app: TestApp| async move {
        let (first, plan) = revised(&app, "X200002").await;
        let alcohol = id(&first["orders"][1]);
        let (s, approval) = app
            .post_empty(
                &format!("/v1/sentence-plans/{}/approve", id(&plan)),
                &manager_token(AREA, "om-ann"),
            )
            .await;
        assert_eq!(s, 200, "{approval}");
        assert_eq!(approval["ended_orders"], json!([]));
        let orders = orders_of(&app, "X200002").await;
        assert_eq!(orders.len(), 3);
        let still = orders
            .iter()
            .find(|o| o["id"] == alcohol.as_str())
            .expect("order");
        assert_eq!(still["status"], "unmatched");
    }
);

both_backends!(
    a_revision_approved_twice_at_once_buys_once,
    |app: TestApp| async move {
        let (_, plan) = revised(&app, "X200003").await;
        let url = app.url(&format!("/v1/sentence-plans/{}/approve", id(&plan)));
        let send = |who: &str| {
            app.client
                .post(&url)
                .bearer_auth(manager_token(AREA, who))
                .json(&json!({"end_orders": []}))
                .send()
        };
        let (a, b) = futures_util::future::join(send("om-ann"), send("om-bob")).await;
        let a: Value = a.expect("POST").json().await.expect("json");
        let b: Value = b.expect("POST").json().await.expect("json");
        assert_eq!(a["plan"]["status"], "approved", "{a}");
        assert_eq!(b["plan"]["status"], "approved", "{b}");
        assert_eq!(orders_of(&app, "X200003").await.len(), 3, "bought once");
        let bought = a["orders"].as_array().map(Vec::len).unwrap_or(0);
        assert_eq!(bought, 1, "{a}");
    }
);

both_backends!(
    two_plans_of_one_person_approved_at_once_buy_each_need_once,
    |app: TestApp| async move {
        // Two assessments of one person, both countersigned before either plan is
        // approved: each plan proposes unpaid work; approved together, one buys it.
        seed_market(&app).await;
        upw_listing(&app, "UPW-1", &[3]).await;
        let sentence = app.today() - Duration::days(2);
        let upw = json!([{"type": "unpaid_work", "hours": 120}]);
        let first = assessed(
            &app,
            "X200009",
            "X200009-1",
            true,
            upw.clone(),
            &[],
            sentence,
        )
        .await;
        let second = assessed(&app, "X200009", "X200009-2", false, upw, &[], sentence).await;
        let send = |plan: &Value, who: &str| {
            app.client
                .post(app.url(&format!("/v1/sentence-plans/{}/approve", id(plan))))
                .bearer_auth(manager_token(AREA, who))
                .send()
        };
        let (a, b) =
            futures_util::future::join(send(&first, "om-ann"), send(&second, "om-bob")).await;
        let a: Value = a.expect("POST").json().await.expect("json");
        let b: Value = b.expect("POST").json().await.expect("json");
        assert_eq!(a["plan"]["status"], "approved", "{a}");
        assert_eq!(b["plan"]["status"], "approved", "{b}");
        let orders = orders_of(&app, "X200009").await;
        assert_eq!(orders.len(), 1, "unpaid work bought once: {orders:?}");
        let bought = |x: &Value| x["orders"].as_array().map(Vec::len).unwrap_or(0);
        assert_eq!(bought(&a) + bought(&b), 1, "{a} {b}");
    }
);

both_backends!(
    plans_due_for_review_are_listed_for_their_area,
    |app: TestApp| async move {
        let (first, plan) = revised(&app, "X200006").await;
        let ann = manager_token(AREA, "om-ann");
        let review_on = app
            .today()
            .checked_add_months(Months::new(6))
            .expect("date");
        let due = |on: NaiveDate| format!("/v1/sentence-plans?due_for_review={on}");
        // Only the active plan: the first is listed until the revision is approved.
        let (s, page) = app.get(&due(review_on), &ann).await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(provider_hub_tests::ids(&page), vec![id(&first["plan"])]);
        let (s, _) = app
            .post_empty(&format!("/v1/sentence-plans/{}/approve", id(&plan)), &ann)
            .await;
        assert_eq!(s, 200);
        let (_, page) = app.get(&due(review_on), &ann).await;
        assert_eq!(provider_hub_tests::ids(&page), vec![id(&plan)]);
        assert_eq!(page["items"][0]["review_on"], review_on.to_string());
        assert_eq!(page["items"][0]["crn"], "X200006");
        // Not due the day before.
        let (_, page) = app.get(&due(review_on - Duration::days(1)), &ann).await;
        assert_eq!(page["items"], json!([]));
        // Commissioners and the quality team read any area; another area's manager sees
        // none of it, and may not ask for it.
        for role in ["commissioner", "quality"] {
            let (s, page) = app
                .get(&format!("{}&area={AREA}", due(review_on)), &app.token(role))
                .await;
            assert_eq!(s, 200, "{role}: {page}");
            assert_eq!(provider_hub_tests::ids(&page), vec![id(&plan)], "{role}");
        }
        let rot = manager_token("SY-ROT", "om-rot");
        let (s, page) = app.get(&due(review_on), &rot).await;
        assert_eq!(s, 200);
        assert_eq!(page["items"], json!([]));
        let (s, _) = app
            .get(&format!("{}&area={AREA}", due(review_on)), &rot)
            .await;
        assert_eq!(s, 403);
        let (s, problem) = app.get("/v1/sentence-plans", &ann).await;
        assert_eq!(s, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "due_for_review");
        let (s, _) = app.get(&due(review_on), &app.token("admin")).await;
        assert_eq!(s, 403);
    }
);

both_backends!(
    an_order_in_delivery_no_longer_needed_is_ended_as_revised,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (provider, _) = upw_listing(&app, "UPW-1", &[3]).await;
        let sentence = app.today() - Duration::days(2);
        let first = assessed(
            &app,
            "X200007",
            "X200007-1",
            true,
            json!([{"type": "unpaid_work", "hours": 120}]),
            &[],
            sentence,
        )
        .await;
        let ann = manager_token(AREA, "om-ann");
        let (s, approval) = app
            .post_empty(&format!("/v1/sentence-plans/{}/approve", id(&first)), &ann)
            .await;
        assert_eq!(s, 200, "{approval}");
        let upw = id(&approval["orders"][0]);
        let offer = approval["orders"][0]["offer"]["id"]
            .as_str()
            .expect("offer")
            .to_owned();
        let pt = app.provider_token(&provider);
        let (s, body) = app
            .post_empty(&format!("/v1/offers/{offer}/accept"), &pt)
            .await;
        assert_eq!(s, 200, "{body}");
        let (s, body) = app
            .post(
                &format!("/v1/orders/{upw}/delivery-events"),
                &pt,
                &json!({"type": "started"}),
            )
            .await;
        assert_eq!(s, 201, "{body}");

        // Assessed again: unpaid work no longer ordered, accommodation now a need.
        let plan = assessed(
            &app,
            "X200007",
            "X200007-2",
            false,
            json!([]),
            &["accommodation"],
            sentence,
        )
        .await;
        let end_line = plan["revision"]
            .as_array()
            .expect("revision")
            .iter()
            .find(|l| l["proposal"] == "end")
            .expect("an end line")
            .clone();
        assert_eq!(end_line["order_id"], upw.as_str());
        assert_eq!(end_line["order_status"], "in_delivery");
        let (s, approval) = app
            .post(
                &format!("/v1/sentence-plans/{}/approve", id(&plan)),
                &ann,
                &json!({"end_orders": [upw]}),
            )
            .await;
        assert_eq!(s, 200, "{approval}");
        assert_eq!(approval["ended_orders"], json!([upw]));
        let (_, ended) = app.get(&format!("/v1/orders/{upw}"), &ann).await;
        assert_eq!(ended["status"], "terminated", "{ended}");
        assert_eq!(ended["ending"]["reason"], "revised", "{ended}");
        // The provider is told.
        let (s, events) = app.get(&format!("/v1/events?order_id={upw}"), &pt).await;
        assert_eq!(s, 200, "{events}");
        assert!(
            events["items"]
                .as_array()
                .expect("events")
                .iter()
                .any(|e| e["type"] == "order.terminated"),
            "{events}"
        );
    }
);
