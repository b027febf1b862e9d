//! Shaping a plan before approval: items removed or deferred with a reason are not
//! bought, and put back; a sequenced item starts only after the earlier one; impossible
//! sequences are refused in words.

use super::*;

both_backends!(
    items_removed_or_deferred_with_a_reason_are_not_bought,
    |app: TestApp| async move {
        seed_market(&app).await;
        upw_listing(&app, "UPW-1", &[3]).await;
        let plan = assessed(
            &app,
            "X200004",
            "X200004-1",
            true,
            json!([{"type": "unpaid_work", "hours": 120}]),
            &["accommodation", "finance"],
            app.today(),
        )
        .await;
        let ann = manager_token(AREA, "om-ann");
        let plan_id = id(&plan);
        let accommodation = id(item_of(&plan, "accommodation"));
        let finance = id(item_of(&plan, "finance_benefit_debt"));
        let upw = id(item_of(&plan, "unpaid_work"));
        let base = format!("/v1/sentence-plans/{plan_id}/items");

        // A reason is needed, and only the plan's own items are shaped.
        let (s, problem) = app
            .post(
                &format!("{base}/{finance}/remove"),
                &ann,
                &json!({"reason": "  "}),
            )
            .await;
        assert_eq!(s, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "reason");
        let (s, _) = app
            .post(
                &format!("{base}/item_nope/remove"),
                &ann,
                &json!({"reason": "x"}),
            )
            .await;
        assert_eq!(s, 404);
        let other = manager_token("SY-ROT", "om-rot");
        let (s, _) = app
            .post(
                &format!("{base}/{finance}/remove"),
                &other,
                &json!({"reason": "x"}),
            )
            .await;
        assert_eq!(s, 404, "another area's plan does not exist for them");

        let (s, shaped) = app
            .post(
                &format!("{base}/{finance}/remove"),
                &ann,
                &json!({"reason": "benefits already sorted by the job centre"}),
            )
            .await;
        assert_eq!(s, 200, "{shaped}");
        let (s, shaped) = app
            .post(
                &format!("{base}/{accommodation}/defer"),
                &ann,
                &json!({"reason": "moving next month"}),
            )
            .await;
        assert_eq!(s, 200, "{shaped}");
        assert_eq!(
            item_of(&shaped, "finance_benefit_debt")["set_aside"],
            "removed"
        );
        assert_eq!(
            item_of(&shaped, "finance_benefit_debt")["set_aside_reason"],
            "benefits already sorted by the job centre"
        );
        assert_eq!(item_of(&shaped, "accommodation")["set_aside"], "deferred");
        // Restored, then deferred again.
        let (s, shaped) = app
            .post_empty(&format!("{base}/{accommodation}/restore"), &ann)
            .await;
        assert_eq!(s, 200, "{shaped}");
        assert_eq!(item_of(&shaped, "accommodation")["set_aside"], Value::Null);
        let (s, _) = app
            .post(
                &format!("{base}/{accommodation}/defer"),
                &ann,
                &json!({"reason": "moving next month"}),
            )
            .await;
        assert_eq!(s, 200);
        // Only unpaid work is costed now.
        let (_, shaped) = app
            .get(&format!("/v1/sentence-plans/{plan_id}"), &ann)
            .await;
        assert_eq!(shaped["total_pence"], 45_000, "{shaped}");
        assert_eq!(shaped["unpriced_items"], 0, "{shaped}");

        let (s, approval) = app
            .post_empty(&format!("/v1/sentence-plans/{plan_id}/approve"), &ann)
            .await;
        assert_eq!(s, 200, "{approval}");
        let bought = approval["orders"].as_array().expect("orders");
        assert_eq!(bought.len(), 1, "{approval}");
        assert_eq!(bought[0]["plan_item"]["id"], upw.as_str());

        // An approved plan is no longer shaped.
        let (s, problem) = app
            .post(
                &format!("{base}/{upw}/remove"),
                &ann,
                &json!({"reason": "too late"}),
            )
            .await;
        assert_eq!(s, 409, "{problem}");
        // Every change is in the audit trail.
        let trail =
            provider_hub_store::audit::for_entity(&mut app.db.connect(), "sentence_plan", &plan_id)
                .expect("audit");
        let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "sentence_plan.created",
                "sentence_plan.item_removed",
                "sentence_plan.item_deferred",
                "sentence_plan.item_restored",
                "sentence_plan.item_deferred",
                "sentence_plan.approved",
            ]
        );
        assert!(
            trail[1]
                .after_state
                .as_deref()
                .is_some_and(|a| a.contains("job centre")),
            "the reason is audited"
        );
    }
);

both_backends!(
    a_sequenced_item_starts_only_after_the_earlier_one,
    |app: TestApp| async move {
        seed_market(&app).await;
        // Places three and ten days from today.
        upw_listing(&app, "UPW-1", &[3, 10]).await;
        let sentence = app.today() - Duration::days(2);
        let plan = assessed(
            &app,
            "X200005",
            "X200005-1",
            true,
            json!([{"type": "unpaid_work", "hours": 120}]),
            &["accommodation"],
            sentence,
        )
        .await;
        let ann = manager_token(AREA, "om-ann");
        let plan_id = id(&plan);
        let upw = id(item_of(&plan, "unpaid_work"));
        let accommodation = id(item_of(&plan, "accommodation"));
        let url = format!("/v1/sentence-plans/{plan_id}/sequence");

        // Unknown items, an item after itself and a circle are refused in words.
        let (s, problem) = app
            .post(
                &url,
                &ann,
                &json!({"sequence": [{"item": "item_nope", "after": upw}]}),
            )
            .await;
        assert_eq!(s, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "sequence[0].item");
        let (s, problem) = app
            .post(
                &url,
                &ann,
                &json!({"sequence": [{"item": upw, "after": upw}]}),
            )
            .await;
        assert_eq!(s, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "sequence[0]");
        let (s, problem) = app
            .post(
                &url,
                &ann,
                &json!({"sequence": [
                    {"item": upw, "after": accommodation},
                    {"item": accommodation, "after": upw}
                ]}),
            )
            .await;
        assert_eq!(s, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "sequence");
        assert!(
            problem["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("circle")),
            "{problem}"
        );
        let (_, unchanged) = app
            .get(&format!("/v1/sentence-plans/{plan_id}"), &ann)
            .await;
        assert_eq!(unchanged["sequence"], json!([]));

        // Unpaid work after accommodation: accommodation has no provider, so it waits on
        // accommodation's required-by date (sentence + 7 days).
        let (s, shaped) = app
            .post(
                &url,
                &ann,
                &json!({"sequence": [{"item": upw, "after": accommodation}]}),
            )
            .await;
        assert_eq!(s, 200, "{shaped}");
        assert_eq!(shaped["sequence"][0]["item"], upw.as_str());
        let (s, approval) = app
            .post_empty(&format!("/v1/sentence-plans/{plan_id}/approve"), &ann)
            .await;
        assert_eq!(s, 200, "{approval}");
        let order = approval["orders"]
            .as_array()
            .expect("orders")
            .iter()
            .find(|o| o["category"] == "unpaid_work")
            .expect("unpaid work order")
            .clone();
        let accommodation_by = sentence + Duration::days(7);
        assert_eq!(order["status"], "offered", "{order}");
        // Not the place in three days: the one in ten, after accommodation's start.
        assert_eq!(
            order["starts_on"],
            (app.today() + Duration::days(10)).to_string(),
            "{order}"
        );
        // Its own 14 days' lead time counted from accommodation's start.
        assert_eq!(
            order["required_by"],
            (accommodation_by + Duration::days(14)).to_string()
        );
        assert_eq!(
            order["plan_item"]["not_before"],
            (accommodation_by + Duration::days(1)).to_string()
        );
    }
);
