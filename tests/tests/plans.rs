//! The costed sentence plan and its approval, which creates and matches the orders:
//! costing from the live market, idempotent approval, area isolation, lead times, and
//! that approval and order creation are one transaction. On both backends.

use chrono::{Duration, NaiveDate};
use provider_hub_tests::{
    accredit, both_backends, create_listing, ids, json, listing_body, manager_token,
    register_provider, seed_market, TestApp,
};
use serde_json::Value;

/// An unpaid-work provider, accredited, with a published listing at `price` and five
/// places starting three days from today.
async fn upw_provider(app: &TestApp, registration: &str, price: i64) -> (String, String) {
    let p = register_provider(app, registration).await;
    accredit(app, &p, "unpaid_work", 80).await;
    let l = create_listing(app, &p, &listing_body(price)).await;
    let pt = app.provider_token(&p);
    let start = app.today() + Duration::days(3);
    let (s, body) = app
        .put(
            &format!("/v1/listings/{l}/capacity"),
            &pt,
            &json!({"slots": [{"starts_on": start.to_string(), "places": 5}]}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = app
        .post_empty(&format!("/v1/listings/{l}/publish"), &pt)
        .await;
    assert_eq!(s, 200, "{body}");
    (p, l)
}

/// A case in Sheffield with an assessment recorded by om-ann, countersigned by om-bob:
/// unpaid work and alcohol treatment ordered, alcohol a high linked need.
async fn approved_assessment(app: &TestApp, crn: &str, body: Value) -> String {
    let ann = manager_token("SY-SHF", "om-ann");
    let bob = manager_token("SY-SHF", "om-bob");
    let (s, case) = app
        .post(
            "/v1/cases",
            &ann,
            &json!({"crn": crn, "sex": "male", "date_of_birth": "1990-04-01", "area": "SY-SHF"}),
        )
        .await;
    assert_eq!(s, 201, "{case}");
    let (s, a) = app.post("/v1/assessments", &ann, &body).await;
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_str().expect("id").to_owned();
    let (s, _) = app
        .post_empty(&format!("/v1/assessments/{id}/submit"), &ann)
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .get(&format!("/v1/assessments/{id}/sentence-plan"), &ann)
        .await;
    assert_eq!(s, 404, "no plan before the countersignature");
    let (s, body) = app
        .post_empty(&format!("/v1/assessments/{id}/approve"), &bob)
        .await;
    assert_eq!(s, 200, "{body}");
    id
}

fn sentenced(crn: &str, external_ref: &str, sentence_date: NaiveDate) -> Value {
    let mut body = provider_hub_tests::assessment_body(external_ref, crn);
    body["sentence_date"] = json!(sentence_date.to_string());
    body
}

async fn approve(app: &TestApp, plan: &str, token: &str, key: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/v1/sentence-plans/{plan}/approve")))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .send()
        .await
        .expect("POST")
}

both_backends!(
    an_approved_assessment_yields_a_costed_plan_whose_approval_creates_orders,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (_, dear) = upw_provider(&app, "CH-1", 52_000).await;
        let (cheap_provider, cheap) = upw_provider(&app, "CH-2", 45_000).await;
        let today = app.today();
        let sentence = today - Duration::days(2);
        let assessment =
            approved_assessment(&app, "X123456", sentenced("X123456", "OASYS-1", sentence)).await;
        let ann = manager_token("SY-SHF", "om-ann");

        let (s, plan) = app
            .get(&format!("/v1/assessments/{assessment}/sentence-plan"), &ann)
            .await;
        assert_eq!(s, 200, "{plan}");
        assert_eq!(plan["status"], "proposed");
        assert_eq!(plan["crn"], "X123456");
        let items = plan["items"].as_array().expect("items");
        assert_eq!(
            items.len(),
            2,
            "unpaid work, and alcohol treatment covering the alcohol need: {plan}"
        );
        let upw = &items[0];
        assert_eq!(upw["category"], "unpaid_work");
        assert_eq!(upw["priority"], 1);
        assert_eq!(
            upw["requirement"],
            json!({"type": "unpaid_work", "hours": 120})
        );
        assert_eq!(
            upw["required_by"],
            (sentence + Duration::days(14)).to_string()
        );
        assert_eq!(upw["late"], false);
        // The cheaper of the two listings is quoted, with its first free start date.
        assert_eq!(upw["quote"]["listing_id"], cheap.as_str());
        assert_eq!(upw["quote"]["provider_id"], cheap_provider.as_str());
        assert_eq!(upw["quote"]["price_pence"], 45_000);
        assert_eq!(
            upw["quote"]["starts_on"],
            (today + Duration::days(3)).to_string()
        );
        assert_ne!(upw["quote"]["listing_id"], dear.as_str());
        assert_eq!(upw["no_provider"], Value::Null);
        let alcohol = &items[1];
        assert_eq!(alcohol["category"], "alcohol_treatment");
        assert_eq!(alcohol["needs"], json!(["alcohol"]));
        assert_eq!(alcohol["quote"], Value::Null);
        assert_eq!(
            alcohol["no_provider"],
            "no alcohol_treatment listing is on the market"
        );
        assert_eq!(plan["total_pence"], 45_000);
        assert_eq!(plan["unpriced_items"], 1);
        let plan_id = plan["id"].as_str().expect("plan id").to_owned();

        // Approval creates one open order per item.
        let first = approve(&app, &plan_id, &ann, "approve-1").await;
        assert_eq!(first.status().as_u16(), 200);
        assert!(first.headers().get("Idempotent-Replayed").is_none());
        let approval: Value = first.json().await.expect("json");
        assert_eq!(approval["plan"]["status"], "approved");
        assert_eq!(approval["plan"]["approved_by"], "om-ann");
        let orders = approval["orders"].as_array().expect("orders");
        assert_eq!(orders.len(), 2);
        for (order, item) in orders.iter().zip(items) {
            assert_eq!(order["crn"], "X123456");
            assert_eq!(order["plan_item"]["id"], item["id"]);
            assert_eq!(order["category"], item["category"]);
            assert_eq!(order["required_by"], item["required_by"]);
        }
        // Each order was matched at once: unpaid work offered to the cheaper listing with
        // a place held; alcohol treatment unmatched, with the reason.
        assert_eq!(orders[0]["status"], "offered");
        assert_eq!(orders[0]["listing_id"], cheap.as_str());
        assert_eq!(orders[0]["price_pence"], 45_000);
        assert_eq!(orders[0]["offer"]["status"], "pending");
        assert_eq!(
            orders[0]["explanation"]["chosen"]["listing_id"],
            cheap.as_str()
        );
        assert_eq!(
            orders[0]["explanation"]["runner_up"]["listing_id"],
            dear.as_str()
        );
        assert_eq!(orders[1]["status"], "unmatched");
        assert_eq!(
            orders[1]["explanation"]["no_candidate_reason"],
            "no alcohol_treatment listing is on the market"
        );
        let order_ids: Vec<Value> = orders.iter().map(|o| o["id"].clone()).collect();
        let item_orders: Vec<Value> = approval["plan"]["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|i| i["order_id"].clone())
            .collect();
        assert_eq!(item_orders, order_ids);

        // The same key replays; another key, or another manager, creates nothing new.
        let replay = approve(&app, &plan_id, &ann, "approve-1").await;
        assert_eq!(replay.status().as_u16(), 200);
        assert_eq!(
            replay
                .headers()
                .get("Idempotent-Replayed")
                .and_then(|v| v.to_str().ok()),
            Some("true")
        );
        let replayed: Value = replay.json().await.expect("json");
        assert_eq!(replayed["orders"], approval["orders"]);
        let bob = manager_token("SY-SHF", "om-bob");
        let again: Value = approve(&app, &plan_id, &bob, "approve-2")
            .await
            .json()
            .await
            .expect("json");
        let again_ids: Vec<Value> = again["orders"]
            .as_array()
            .expect("orders")
            .iter()
            .map(|o| o["id"].clone())
            .collect();
        assert_eq!(again_ids, order_ids, "approving twice creates nothing new");
        assert_eq!(again["plan"]["approved_by"], "om-ann");

        let (s, page) = app.get("/v1/orders?crn=X123456", &ann).await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(
            ids(&page),
            order_ids
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect::<Vec<_>>()
        );
        let (_, offered) = app.get("/v1/orders?status=offered", &ann).await;
        assert_eq!(
            ids(&offered),
            vec![order_ids[0].as_str().unwrap_or("").to_owned()]
        );
        let (_, unmatched) = app.get("/v1/orders?status=unmatched", &ann).await;
        assert_eq!(
            ids(&unmatched),
            vec![order_ids[1].as_str().unwrap_or("").to_owned()]
        );
        let (_, open) = app.get("/v1/orders?status=open", &ann).await;
        assert_eq!(open["items"], json!([]));
        let (s, problem) = app.get("/v1/orders?status=sold", &ann).await;
        assert_eq!(
            (s, problem["errors"][0]["field"].as_str()),
            (422, Some("status"))
        );
        let (_, one) = app.get("/v1/orders?limit=1", &ann).await;
        assert_eq!(ids(&one).len(), 1);
        let next = one["next"].as_str().expect("a second page");
        let (_, two) = app
            .get(&format!("/v1/orders?limit=1&after={next}"), &ann)
            .await;
        assert_eq!(ids(&two).len(), 1);
        assert_ne!(ids(&one), ids(&two));

        let first_order = order_ids[0].as_str().expect("id");
        let (s, order) = app.get(&format!("/v1/orders/{first_order}"), &ann).await;
        assert_eq!(s, 200, "{order}");
        assert_eq!(order["plan_item"]["requirement"]["type"], "unpaid_work");
        assert_eq!(order["plan_id"], plan_id.as_str());
    }
);

both_backends!(
    concurrent_approvals_of_one_plan_create_its_orders_once,
    |app: TestApp| async move {
        seed_market(&app).await;
        let assessment = approved_assessment(
            &app,
            "X200000",
            sentenced("X200000", "OASYS-C", app.today()),
        )
        .await;
        let (ann, bob) = (
            manager_token("SY-SHF", "om-ann"),
            manager_token("SY-SHF", "om-bob"),
        );
        let (_, plan) = app
            .get(&format!("/v1/assessments/{assessment}/sentence-plan"), &ann)
            .await;
        let plan_id = plan["id"].as_str().expect("plan id").to_owned();
        let approvals = (0..8).map(|i| {
            let token = if i % 2 == 0 { ann.clone() } else { bob.clone() };
            let (app, plan_id) = (&app, plan_id.clone());
            async move {
                let r = approve(app, &plan_id, &token, &format!("key-{i}")).await;
                let status = r.status().as_u16();
                let body: Value = r.json().await.expect("json");
                (status, body)
            }
        });
        let answers = futures_util::future::join_all(approvals).await;
        let mut seen = None;
        for (status, body) in answers {
            assert_eq!(status, 200, "{body}");
            let orders: Vec<Value> = body["orders"]
                .as_array()
                .expect("orders")
                .iter()
                .map(|o| o["id"].clone())
                .collect();
            assert_eq!(orders.len(), 2);
            assert!(
                seen.get_or_insert(orders.clone()) == &orders,
                "every answer shows the same orders"
            );
        }
        let (_, page) = app.get("/v1/orders?crn=X200000", &ann).await;
        assert_eq!(ids(&page).len(), 2, "exactly one order per item");
    }
);

both_backends!(
    plans_and_orders_stay_in_their_area,
    |app: TestApp| async move {
        seed_market(&app).await;
        let assessment = approved_assessment(
            &app,
            "X300000",
            sentenced("X300000", "OASYS-A", app.today()),
        )
        .await;
        let ann = manager_token("SY-SHF", "om-ann");
        let rot = manager_token("SY-ROT", "om-rot");
        let plan_path = format!("/v1/assessments/{assessment}/sentence-plan");
        let (_, plan) = app.get(&plan_path, &ann).await;
        let plan_id = plan["id"].as_str().expect("plan id").to_owned();

        let (s, _) = app.get(&plan_path, &rot).await;
        assert_eq!(s, 404);
        let audit = app.audit_count();
        let (s, _) = app
            .post_empty(&format!("/v1/sentence-plans/{plan_id}/approve"), &rot)
            .await;
        assert_eq!(s, 404, "another area's manager cannot approve");
        for role in ["quality", "commissioner", "provider", "admin"] {
            let (s, _) = app
                .post_empty(
                    &format!("/v1/sentence-plans/{plan_id}/approve"),
                    &app.token(role),
                )
                .await;
            assert_eq!(s, 403, "{role} cannot approve a plan");
        }
        assert_eq!(app.audit_count(), audit, "nothing changed");
        let (s, _) = app.get(&plan_path, &app.token("quality")).await;
        assert_eq!(s, 200, "the quality team reads every plan");

        let (s, approval) = app
            .post_empty(&format!("/v1/sentence-plans/{plan_id}/approve"), &ann)
            .await;
        assert_eq!(s, 200, "{approval}");
        let order = approval["orders"][0]["id"]
            .as_str()
            .expect("order")
            .to_owned();
        let (s, _) = app.get(&format!("/v1/orders/{order}"), &rot).await;
        assert_eq!(s, 404);
        let (_, page) = app.get("/v1/orders", &rot).await;
        assert_eq!(page["items"], json!([]));
        for role in ["quality", "commissioner"] {
            let (s, page) = app.get("/v1/orders", &app.token(role)).await;
            assert_eq!((s, ids(&page).len()), (200, 2), "{role} reads every area");
        }
        let (s, _) = app.get("/v1/orders", &app.token("admin")).await;
        assert_eq!(s, 403);
        let (s, _) = app
            .get(&format!("/v1/orders/{order}"), &app.token("admin"))
            .await;
        assert_eq!(s, 403);
        // A provider sees only orders placed with it: none here.
        let (s, page) = app.get("/v1/orders", &app.token("provider")).await;
        assert_eq!((s, &page["items"]), (200, &json!([])));
        let (s, _) = app
            .get(&format!("/v1/orders/{order}"), &app.token("provider"))
            .await;
        assert_eq!(s, 404);
    }
);

both_backends!(
    a_failed_approval_leaves_no_half_made_purchase,
    |app: TestApp| async move {
        use diesel::prelude::*;
        use provider_hub_store::orders::{insert, OrderRow};
        use provider_hub_store::schema::{audit_log, orders, plan_items};

        seed_market(&app).await;
        let assessment = approved_assessment(
            &app,
            "X400000",
            sentenced("X400000", "OASYS-T", app.today()),
        )
        .await;
        let ann = manager_token("SY-SHF", "om-ann");
        let (_, plan) = app
            .get(&format!("/v1/assessments/{assessment}/sentence-plan"), &ann)
            .await;
        let plan_id = plan["id"].as_str().expect("plan id").to_owned();
        let second_item = plan["items"][1]["id"].as_str().expect("item").to_owned();

        // Something already holds the second item's order: creating it will fail after
        // the plan was marked approved and the first order was inserted.
        let mut conn = app.db.connect();
        let now = chrono::Utc::now().naive_utc();
        insert(
            &mut conn,
            &OrderRow {
                id: "ord_blocker".into(),
                plan_id: plan_id.clone(),
                plan_item_id: second_item.clone(),
                crn: "X400000".into(),
                area_code: "SY-SHF".into(),
                category: provider_hub_domain::Category::AlcoholTreatment,
                specification_code: None,
                required_by: app.today(),
                status: provider_hub_domain::order::OrderStatus::Cancelled,
                created_by: "test".into(),
                created_at: now,
                updated_at: now,
                listing_id: None,
                provider_id: None,
                price_pence: None,
                starts_on: None,
                explanation: None,
                cancel_reason: None,
                actual_start: None,
                outcome: None,
                budget_approved_by: None,
                list_price_pence: None,
                multiplier_bps: None,
            },
        )
        .expect("blocker");
        let audit = app.audit_count();
        let (s, problem) = app
            .post_empty(&format!("/v1/sentence-plans/{plan_id}/approve"), &ann)
            .await;
        assert_eq!(s, 409, "{problem}");

        let (_, after) = app
            .get(&format!("/v1/assessments/{assessment}/sentence-plan"), &ann)
            .await;
        assert_eq!(after["status"], "proposed", "the plan is not approved");
        let made: Vec<String> = orders::table
            .filter(orders::plan_id.eq(&plan_id))
            .select(orders::id)
            .load(&mut conn)
            .expect("orders");
        assert_eq!(
            made,
            vec!["ord_blocker".to_owned()],
            "no order of the failed approval remains"
        );
        assert_eq!(
            app.audit_count(),
            audit,
            "no audit row of the failed approval remains"
        );

        // Once the obstacle is gone the approval goes through whole.
        diesel::delete(orders::table.filter(orders::id.eq("ord_blocker")))
            .execute(&mut conn)
            .expect("remove blocker");
        let (s, approval) = app
            .post_empty(&format!("/v1/sentence-plans/{plan_id}/approve"), &ann)
            .await;
        assert_eq!(s, 200, "{approval}");
        assert_eq!(approval["orders"].as_array().map(Vec::len), Some(2));
        let items: i64 = plan_items::table
            .filter(plan_items::plan_id.eq(&plan_id))
            .count()
            .get_result(&mut conn)
            .expect("items");
        assert_eq!(items, 2);
        let approved: i64 = audit_log::table
            .filter(audit_log::action.eq("sentence_plan.approved"))
            .count()
            .get_result(&mut conn)
            .expect("audit");
        assert_eq!(approved, 1);
    }
);

both_backends!(
    commissioners_set_the_lead_times_new_plans_use,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (s, times) = app.get("/v1/lead-times", &app.token("provider")).await;
        assert_eq!(s, 200, "{times}");
        let times = times.as_array().expect("list");
        assert_eq!(times.len(), 13);
        let upw = times
            .iter()
            .find(|t| t["category"] == "unpaid_work")
            .expect("unpaid work");
        assert_eq!(
            (upw["days"].as_u64(), upw["default_days"].as_u64()),
            (Some(14), Some(14))
        );
        assert_eq!(upw["updated_by"], Value::Null);

        let commissioner = app.token("commissioner");
        let audit = app.audit_count();
        let (s, _) = app
            .put(
                "/v1/lead-times/unpaid_work",
                &app.token("offender_manager"),
                &json!({"days": 30}),
            )
            .await;
        assert_eq!(s, 403);
        for (days, field) in [
            (json!(0), "days"),
            (json!(366), "days"),
            (json!("ten"), "days"),
        ] {
            let (s, problem) = app
                .put(
                    "/v1/lead-times/unpaid_work",
                    &commissioner,
                    &json!({"days": days}),
                )
                .await;
            assert_eq!(
                (s, problem["errors"][0]["field"].as_str()),
                (422, Some(field)),
                "{problem}"
            );
        }
        let (s, _) = app
            .put(
                "/v1/lead-times/juggling",
                &commissioner,
                &json!({"days": 30}),
            )
            .await;
        assert_eq!(s, 404);
        assert_eq!(app.audit_count(), audit, "refusals change nothing");

        let (s, set) = app
            .put(
                "/v1/lead-times/unpaid_work",
                &commissioner,
                &json!({"days": 30}),
            )
            .await;
        assert_eq!(s, 200, "{set}");
        assert_eq!(
            (set["days"].as_u64(), set["default_days"].as_u64()),
            (Some(30), Some(14))
        );
        assert_eq!(set["updated_by"], "test-commissioner");

        let sentence = app.today() - Duration::days(1);
        let assessment =
            approved_assessment(&app, "X500000", sentenced("X500000", "OASYS-L", sentence)).await;
        let (_, plan) = app
            .get(
                &format!("/v1/assessments/{assessment}/sentence-plan"),
                &manager_token("SY-SHF", "om-ann"),
            )
            .await;
        assert_eq!(plan["items"][0]["category"], "unpaid_work");
        assert_eq!(plan["items"][0]["lead_time_days"], 30);
        assert_eq!(
            plan["items"][0]["required_by"],
            (sentence + Duration::days(30)).to_string()
        );
        assert_eq!(
            plan["items"][1]["lead_time_days"], 21,
            "others keep their default"
        );
    }
);
