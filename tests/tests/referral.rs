//! The referral pack (issue 16, part 7), on both backends: the provider that accepted an
//! order reads what delivery needs — the requirement, the needs it addresses with their
//! severity, the risk of serious harm, the offender manager's contact and notes — and
//! nothing more; every read is recorded for the offender manager; another provider, or a
//! provider whose offer is pending, finds nothing; once the order has ended and is
//! settled the pack is closed.

use provider_hub_tests::orders::{alcohol_provider, sentenced_to_both};
use provider_hub_tests::outcomes::{period_over, record_reoffending};
use provider_hub_tests::{
    attend_in_full, both_backends, json, manager_token, register_provider, seed_market, TestApp,
};

both_backends!(
    a_provider_reads_the_pack_of_its_accepted_order_only_and_each_read_is_recorded,
    |app: TestApp| async move {
        seed_market(&app).await;
        let provider = alcohol_provider(&app, "REF-1").await;
        let other = register_provider(&app, "REF-2").await;
        let pt = app.provider_token(&provider);
        let ann = manager_token("SY-SHF", "om-ann");
        let (upw, alcohol) = sentenced_to_both(&app, "F000001").await;
        assert_eq!(alcohol["status"], "offered", "{alcohol}");
        assert_eq!(alcohol["provider_id"], json!(provider));
        let order = alcohol["id"].as_str().expect("id").to_owned();
        let pack_path = format!("/v1/orders/{order}/referral-pack");

        // While the offer is pending the provider finds nothing; another provider never.
        let (s, _) = app.get(&pack_path, &pt).await;
        assert_eq!(s, 404);

        // The offender manager sets the contact and notes for delivery.
        let (s, contact) = app
            .put(
                "/v1/cases/F000001/contact",
                &ann,
                &json!({"name": "Ann Hughes", "email": "ann.hughes@probation.example", "phone": "0114 496 0000"}),
            )
            .await;
        assert_eq!(s, 200, "{contact}");
        let (s, got) = app.get("/v1/cases/F000001/contact", &ann).await;
        assert_eq!(s, 200, "{got}");
        assert_eq!(got["name"], "Ann Hughes");
        let (s, notes) = app
            .put(
                &format!("/v1/orders/{order}/referral-notes"),
                &ann,
                &json!({"notes": "Needs a ground-floor room; Polish interpreter"}),
            )
            .await;
        assert_eq!(s, 200, "{notes}");

        let offer = alcohol["offer"]["id"].as_str().expect("offer");
        let (s, body) = app
            .post_empty(&format!("/v1/offers/{offer}/accept"), &pt)
            .await;
        assert_eq!(s, 200, "{body}");

        let (s, pack) = app.get(&pack_path, &pt).await;
        assert_eq!(s, 200, "{pack}");
        assert_eq!(
            pack["requirement"],
            json!({"type": "alcohol_treatment", "months": 6})
        );
        assert_eq!(
            pack["needs"],
            json!([{"need": "alcohol", "severity": "high", "linked_to_offending": true}])
        );
        assert_eq!(pack["risk_of_serious_harm"], "medium");
        assert_eq!(pack["offender_manager"]["name"], "Ann Hughes");
        assert_eq!(
            pack["offender_manager"]["email"],
            "ann.hughes@probation.example"
        );
        assert_eq!(
            pack["notes"],
            "Needs a ground-floor room; Polish interpreter"
        );
        // Nothing more: no person, no other needs, no other orders, no assessment scores.
        let text = pack.to_string();
        for absent in [
            "F000001",
            "1990-04-01",
            "accommodation",
            "finance",
            "reoffending",
            "tier",
            upw["id"].as_str().expect("id"),
        ] {
            assert!(!text.contains(absent), "{absent} in {text}");
        }

        // Another provider, or an order not placed with this one: nothing.
        let (s, _) = app.get(&pack_path, &app.provider_token(&other)).await;
        assert_eq!(s, 404);
        let upw_id = upw["id"].as_str().expect("id");
        let (s, _) = app
            .get(&format!("/v1/orders/{upw_id}/referral-pack"), &pt)
            .await;
        assert_eq!(s, 404);
        // Only providers read packs.
        let (s, _) = app.get(&pack_path, &ann).await;
        assert_eq!(s, 403);

        // The offender manager sees who read it and when; another area's sees nothing.
        let (s, reads) = app
            .get(&format!("/v1/orders/{order}/referral-pack/reads"), &ann)
            .await;
        assert_eq!(s, 200, "{reads}");
        let reads = reads["items"].as_array().expect("items");
        assert_eq!(reads.len(), 1, "{reads:?}");
        assert_eq!(reads[0]["provider_id"], json!(provider));
        assert!(reads[0]["reader"].is_string() && reads[0]["read_at"].is_string());
        let rotherham = manager_token("SY-ROT", "om-rot");
        let (s, _) = app
            .get(
                &format!("/v1/orders/{order}/referral-pack/reads"),
                &rotherham,
            )
            .await;
        assert_eq!(s, 404);
        let (s, _) = app
            .put(
                &format!("/v1/orders/{order}/referral-notes"),
                &rotherham,
                &json!({"notes": "x"}),
            )
            .await;
        assert_eq!(s, 404);

        // Bad notes and contacts are refused and change nothing.
        let before = app.snapshot().await;
        let (s, problem) = app
            .put(
                &format!("/v1/orders/{order}/referral-notes"),
                &ann,
                &json!({"notes": "a".repeat(2001)}),
            )
            .await;
        assert_eq!(s, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "notes");
        let (s, problem) = app
            .put(
                "/v1/cases/F000001/contact",
                &ann,
                &json!({"name": "", "email": "nope"}),
            )
            .await;
        assert_eq!(s, 422, "{problem}");
        assert_eq!(app.snapshot().await, before);

        // Delivered and completed: still readable until its payments are settled.
        let deliver = |kind: &'static str| {
            let (app, pt, order) = (&app, pt.clone(), order.clone());
            async move {
                let (s, body) = app
                    .post(
                        &format!("/v1/orders/{order}/delivery-events"),
                        &pt,
                        &json!({"type": kind}),
                    )
                    .await;
                assert_eq!(s, 201, "{kind}: {body}");
            }
        };
        deliver("started").await;
        attend_in_full(&app, &provider, &order).await;
        deliver("completed").await;
        let (s, _) = app.get(&pack_path, &pt).await;
        assert_eq!(s, 200);
        // The person's outcome recorded once their measurement period is over.
        period_over(&app);
        let (s, body) = record_reoffending(&app, "F000001", 1).await;
        assert_eq!(s, 200, "{body}");
        let (s, problem) = app.get(&pack_path, &pt).await;
        assert_eq!(s, 409, "{problem}");
        // Every successful read was recorded: two.
        let (_, reads) = app
            .get(&format!("/v1/orders/{order}/referral-pack/reads"), &ann)
            .await;
        assert_eq!(reads["items"].as_array().expect("items").len(), 2);
    }
);

both_backends!(
    a_terminated_order_closes_its_pack_at_once,
    |app: TestApp| async move {
        seed_market(&app).await;
        let provider = alcohol_provider(&app, "REF-2").await;
        let (_, alcohol) = sentenced_to_both(&app, "F000002").await;
        let order = alcohol["id"].as_str().expect("id").to_owned();
        let offer = alcohol["offer"]["id"].as_str().expect("offer");
        let pt = app.provider_token(&provider);
        let (s, body) = app
            .post_empty(&format!("/v1/offers/{offer}/accept"), &pt)
            .await;
        assert_eq!(s, 200, "{body}");
        let (s, body) = app
            .post(
                &format!("/v1/orders/{order}/delivery-events"),
                &pt,
                &json!({"type": "started"}),
            )
            .await;
        assert_eq!(s, 201, "{body}");
        let pack = format!("/v1/orders/{order}/referral-pack");
        let (s, body) = app.get(&pack, &pt).await;
        assert_eq!(s, 200, "in delivery: {body}");
        // Remanded in custody: the order ends, nothing more is paid on it, and the pack
        // is closed to the provider at once.
        let (s, body) = app
            .post(
                &format!("/v1/orders/{order}/end"),
                &manager_token("SY-SHF", "om-ann"),
                &json!({"reason": "custody"}),
            )
            .await;
        assert_eq!(s, 200, "{body}");
        let (s, problem) = app.get(&pack, &pt).await;
        assert_eq!(
            (s, problem["current_state"].as_str()),
            (409, Some("terminated")),
            "{problem}"
        );
    }
);
