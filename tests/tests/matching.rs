//! Matching at the point of need, on both backends: offers and their answers, expiry
//! and re-matching (never to the same listing), retries of unmatched orders when the
//! market changes, cancellation, area policies, and places never sold twice.

use std::time::{Duration as StdDuration, Instant};

use chrono::Duration;
use provider_hub_tests::orders::{free_places, order, until_status};
use provider_hub_tests::{
    accredit, both_backends, create_listing, ids, json, listing_body, manager_token, purchase,
    register_provider, seed_market, upw_provider, TestApp,
};
use serde_json::Value;

both_backends!(
    an_offer_accepted_commits_the_start_date,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (p, l) = upw_provider(&app, "CH-A", 40_000, 3, 4, 80).await;
        let o = purchase(&app, "SY-SHF", "X100001").await;
        assert_eq!(o["status"], "offered", "{o}");
        assert_eq!(o["listing_id"], l.as_str());
        assert_eq!(o["provider_id"], p.as_str());
        assert_eq!(
            o["starts_on"],
            (app.today() + Duration::days(4)).to_string()
        );
        assert_eq!(o["committed_start_date"], Value::Null);
        let e = &o["explanation"];
        assert_eq!(
            (e["considered"].as_u64(), e["candidates"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(e["policy"], "best_price");
        assert_eq!(free_places(&app, &p, &l).await, vec![2], "one place held");

        let pt = app.provider_token(&p);
        let (s, offers) = app.get("/v1/offers?status=pending", &pt).await;
        assert_eq!(s, 200, "{offers}");
        let offer = offers["items"][0].clone();
        assert_eq!(offer["order_id"], o["id"]);
        assert_eq!(offer["crn"], "X100001");
        assert_eq!(offer["price_pence"], 40_000);
        let offer_id = offer["id"].as_str().expect("offer id");
        // Offers wait two working days.
        let expires: chrono::DateTime<chrono::Utc> = offer["expires_at"]
            .as_str()
            .expect("expiry")
            .parse()
            .expect("time");
        assert!(expires > chrono::Utc::now() + Duration::days(1));

        // Another provider neither sees nor answers it.
        let other = register_provider(&app, "CH-OTHER").await;
        let ot = app.provider_token(&other);
        let (_, theirs) = app.get("/v1/offers", &ot).await;
        assert_eq!(theirs["items"], json!([]));
        let (s, _) = app
            .post_empty(&format!("/v1/offers/{offer_id}/accept"), &ot)
            .await;
        assert_eq!(s, 404);

        let (s, accepted) = app
            .post_empty(&format!("/v1/offers/{offer_id}/accept"), &pt)
            .await;
        assert_eq!(
            (s, accepted["status"].as_str()),
            (200, Some("accepted")),
            "{accepted}"
        );
        let (s, again) = app
            .post_empty(&format!("/v1/offers/{offer_id}/accept"), &pt)
            .await;
        assert_eq!(
            (s, again["current_state"].as_str()),
            (409, Some("accepted"))
        );
        let o = order(&app, o["id"].as_str().expect("id")).await;
        assert_eq!(o["status"], "accepted");
        assert_eq!(
            o["committed_start_date"],
            (app.today() + Duration::days(4)).to_string()
        );
        assert_eq!(o["offer"]["status"], "accepted");
        assert_eq!(
            free_places(&app, &p, &l).await,
            vec![2],
            "the place stays sold"
        );

        // A price change never alters the placed order.
        let (s, _) = app
            .patch(
                &format!("/v1/listings/{l}"),
                &pt,
                &json!({"price_pence": 45_000}),
            )
            .await;
        assert_eq!(s, 200);
        let o = order(&app, o["id"].as_str().expect("id")).await;
        assert_eq!(o["price_pence"], 40_000);
    }
);

both_backends!(
    a_declined_offer_is_matched_again_never_to_the_same_listing,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (cheap_p, cheap_l) = upw_provider(&app, "CH-C", 30_000, 2, 3, 80).await;
        let (dear_p, dear_l) = upw_provider(&app, "CH-D", 50_000, 2, 3, 80).await;
        let o = purchase(&app, "SY-SHF", "X100002").await;
        assert_eq!(o["listing_id"], cheap_l.as_str());
        let id = o["id"].as_str().expect("id").to_owned();
        let offer = o["offer"]["id"].as_str().expect("offer").to_owned();
        let cheap = app.provider_token(&cheap_p);
        let (s, problem) = app
            .post(
                &format!("/v1/offers/{offer}/decline"),
                &cheap,
                &json!({"reason": "  "}),
            )
            .await;
        assert_eq!(
            (s, problem["errors"][0]["field"].as_str()),
            (422, Some("reason"))
        );
        let (s, declined) = app
            .post(
                &format!("/v1/offers/{offer}/decline"),
                &cheap,
                &json!({"reason": "no supervisor that week"}),
            )
            .await;
        assert_eq!(
            (s, declined["status"].as_str()),
            (200, Some("declined")),
            "{declined}"
        );
        assert_eq!(declined["reason"], "no supervisor that week");
        assert_eq!(
            free_places(&app, &cheap_p, &cheap_l).await,
            vec![2],
            "the place is released"
        );

        let o = order(&app, &id).await;
        assert_eq!(o["status"], "offered", "matched again at once: {o}");
        assert_eq!(o["listing_id"], dear_l.as_str());
        assert_eq!(o["price_pence"], 50_000);
        let excluded: Vec<(String, u64)> = o["explanation"]["excluded"]
            .as_array()
            .expect("excluded")
            .iter()
            .map(|x| {
                (
                    x["rule"].as_str().unwrap_or("").to_owned(),
                    x["excluded"].as_u64().unwrap_or(0),
                )
            })
            .filter(|(_, n)| *n > 0)
            .collect();
        assert_eq!(excluded, vec![("not_declined".to_owned(), 1)]);
        assert_eq!(free_places(&app, &dear_p, &dear_l).await, vec![1]);

        // Declined again: nothing is left, the order is unmatched and holds no place.
        let second = o["offer"]["id"].as_str().expect("offer").to_owned();
        let (s, _) = app
            .post(
                &format!("/v1/offers/{second}/decline"),
                &app.provider_token(&dear_p),
                &json!({"reason": "full"}),
            )
            .await;
        assert_eq!(s, 200);
        let o = order(&app, &id).await;
        assert_eq!(o["status"], "unmatched");
        assert_eq!(o["listing_id"], Value::Null);
        assert_eq!(
            o["explanation"]["no_candidate_reason"],
            "every remaining listing has already declined or let expire an offer for this order"
        );
        assert_eq!(free_places(&app, &dear_p, &dear_l).await, vec![2]);
        let (_, declined) = app
            .get("/v1/offers?status=declined", &app.token("quality"))
            .await;
        assert_eq!(ids(&declined).len(), 2, "the quality team sees every offer");
    }
);

both_backends!(
    an_expired_offer_releases_its_place_and_the_order_moves_on,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (first_p, first_l) = upw_provider(&app, "CH-E", 30_000, 1, 10, 80).await;
        let (_, second_l) = upw_provider(&app, "CH-F", 35_000, 1, 10, 80).await;
        let o = purchase(&app, "SY-SHF", "X100003").await;
        assert_eq!(o["listing_id"], first_l.as_str());
        let id = o["id"].as_str().expect("id").to_owned();
        let offer = o["offer"]["id"].as_str().expect("offer").to_owned();

        // Four days later (at least two working days), the worker expires the offer and
        // the order moves to the other listing.
        app.clock.advance_days(4);
        let started = Instant::now();
        let o = loop {
            let now = order(&app, &id).await;
            if now["listing_id"] == second_l.as_str() {
                break now;
            }
            assert!(
                started.elapsed() < StdDuration::from_secs(10),
                "never moved on: {now}"
            );
            actix_web::rt::time::sleep(StdDuration::from_millis(50)).await;
        };
        assert_eq!(o["status"], "offered");
        assert_eq!(o["listing_id"], second_l.as_str(), "{o}");
        assert_eq!(free_places(&app, &first_p, &first_l).await, vec![1]);
        let (s, problem) = app
            .post_empty(
                &format!("/v1/offers/{offer}/accept"),
                &app.provider_token(&first_p),
            )
            .await;
        assert_eq!(
            (s, problem["current_state"].as_str()),
            (409, Some("expired")),
            "{problem}"
        );
    }
);

both_backends!(
    an_unmatched_order_is_placed_when_the_market_changes,
    |app: TestApp| async move {
        seed_market(&app).await;
        let o = purchase(&app, "SY-SHF", "X100004").await;
        assert_eq!(o["status"], "unmatched");
        assert_eq!(
            o["explanation"]["no_candidate_reason"],
            "no unpaid_work listing is on the market"
        );
        let id = o["id"].as_str().expect("id").to_owned();

        // A provider below the threshold lists; nothing changes until the threshold is lowered.
        let (p, l) = {
            let p = register_provider(&app, "CH-LOW").await;
            accredit(&app, &p, "unpaid_work", 50).await;
            let l = create_listing(&app, &p, &listing_body(30_000)).await;
            let start = (app.today() + Duration::days(5)).to_string();
            let (s, _) = app
                .put(
                    &format!("/v1/listings/{l}/capacity"),
                    &app.provider_token(&p),
                    &json!({"slots": [{"starts_on": start, "places": 4}]}),
                )
                .await;
            assert_eq!(s, 200);
            (p, l)
        };
        let (s, _) = app
            .post_empty(
                &format!("/v1/listings/{l}/publish"),
                &app.provider_token(&p),
            )
            .await;
        assert_eq!(s, 409, "not a member: cannot publish");
        let (s, _) = app
            .put(
                "/v1/quality/threshold",
                &app.token("quality"),
                &json!({"threshold": 50}),
            )
            .await;
        assert_eq!(s, 200);
        let (s, _) = app
            .post_empty(
                &format!("/v1/listings/{l}/publish"),
                &app.provider_token(&p),
            )
            .await;
        assert_eq!(s, 200);
        let o = until_status(&app, &id, "offered").await;
        assert_eq!(o["listing_id"], l.as_str());
        assert_eq!(free_places(&app, &p, &l).await, vec![3]);
    }
);

both_backends!(
    cancelling_releases_the_place_and_refuses_what_cannot_be_cancelled,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (p, l) = upw_provider(&app, "CH-X", 30_000, 2, 3, 80).await;
        let o = purchase(&app, "SY-SHF", "X100005").await;
        let id = o["id"].as_str().expect("id").to_owned();
        let offer = o["offer"]["id"].as_str().expect("offer").to_owned();
        let ann = manager_token("SY-SHF", "om-ann");
        let rot = manager_token("SY-ROT", "om-rot");
        let path = format!("/v1/orders/{id}/cancel");
        let (s, _) = app.post(&path, &rot, &json!({"reason": "x"})).await;
        assert_eq!(s, 404, "another area's manager");
        let (s, problem) = app.post(&path, &ann, &json!({})).await;
        assert_eq!(
            (s, problem["errors"][0]["field"].as_str()),
            (422, Some("reason"))
        );
        assert_eq!(free_places(&app, &p, &l).await, vec![1]);

        let (s, cancelled) = app
            .post(&path, &ann, &json!({"reason": "sentence varied on appeal"}))
            .await;
        assert_eq!(s, 200, "{cancelled}");
        assert_eq!(cancelled["status"], "cancelled");
        assert_eq!(cancelled["cancel_reason"], "sentence varied on appeal");
        assert_eq!(cancelled["offer"]["status"], "cancelled");
        assert_eq!(
            free_places(&app, &p, &l).await,
            vec![2],
            "the place is released"
        );
        let (s, problem) = app.post(&path, &ann, &json!({"reason": "again"})).await;
        assert_eq!(
            (s, problem["current_state"].as_str()),
            (409, Some("cancelled"))
        );
        let (s, problem) = app
            .post_empty(
                &format!("/v1/offers/{offer}/accept"),
                &app.provider_token(&p),
            )
            .await;
        assert_eq!(
            (s, problem["current_state"].as_str()),
            (409, Some("cancelled"))
        );

        // An accepted order can be cancelled too, giving its place back.
        let o = purchase(&app, "SY-SHF", "X100006").await;
        let offer = o["offer"]["id"].as_str().expect("offer");
        let (s, _) = app
            .post_empty(
                &format!("/v1/offers/{offer}/accept"),
                &app.provider_token(&p),
            )
            .await;
        assert_eq!(s, 200);
        assert_eq!(free_places(&app, &p, &l).await, vec![1]);
        let id = o["id"].as_str().expect("id");
        let (s, c) = app
            .post(
                &format!("/v1/orders/{id}/cancel"),
                &ann,
                &json!({"reason": "moved area"}),
            )
            .await;
        assert_eq!((s, c["status"].as_str()), (200, Some("cancelled")));
        assert_eq!(free_places(&app, &p, &l).await, vec![2]);
    }
);

both_backends!(
    an_areas_policy_chooses_among_candidates,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (_, cheap) = upw_provider(&app, "CH-P1", 30_000, 5, 10, 60).await;
        let (_, good) = upw_provider(&app, "CH-P2", 34_000, 5, 3, 100).await;
        let (s, policy) = app
            .get("/v1/areas/SY-SHF/policy", &app.token("offender_manager"))
            .await;
        assert_eq!(s, 200);
        assert_eq!(
            (policy["policy"].as_str(), &policy["weights"]),
            (Some("best_price"), &Value::Null)
        );
        let o = purchase(&app, "SY-SHF", "X100007").await;
        assert_eq!(o["listing_id"], cheap.as_str(), "best price");

        let commissioner = app.token("commissioner");
        for (body, field) in [
            (json!({"policy": "best_value"}), "weights"),
            (
                json!({"policy": "best_price", "weights": {"price": 1, "quality": 1, "days": 1}}),
                "weights",
            ),
            (
                json!({"policy": "best_value", "weights": {"price": 101, "quality": 1, "days": 1}}),
                "weights.price",
            ),
            (json!({"policy": "cheapest"}), "policy"),
        ] {
            let (s, problem) = app
                .put("/v1/areas/SY-SHF/policy", &commissioner, &body)
                .await;
            assert_eq!(
                (s, problem["errors"][0]["field"].as_str()),
                (422, Some(field)),
                "{body}: {problem}"
            );
        }
        let (s, _) = app
            .put(
                "/v1/areas/XX-NONE/policy",
                &commissioner,
                &json!({"policy": "best_price"}),
            )
            .await;
        assert_eq!(s, 404);
        // 40 quality points at 100p and 7 days sooner at 200p outweigh £40.
        let (s, set) = app
            .put(
                "/v1/areas/SY-SHF/policy",
                &commissioner,
                &json!({"policy": "best_value", "weights": {"price": 1, "quality": 100, "days": 200}}),
            )
            .await;
        assert_eq!(s, 200, "{set}");
        assert_eq!(set["weights"]["days"], 200);
        let o = purchase(&app, "SY-SHF", "X100008").await;
        assert_eq!(o["listing_id"], good.as_str(), "best value: {o}");
        assert_eq!(o["explanation"]["policy"], "best_value");
        assert_eq!(o["explanation"]["chosen"]["cost"], 34_000 + 3 * 200);
        assert_eq!(
            o["explanation"]["runner_up"]["cost"],
            30_000 + 40 * 100 + 10 * 200
        );
    }
);

both_backends!(
    concurrent_purchases_never_sell_a_place_twice,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (small_p, small) = upw_provider(&app, "CH-S", 20_000, 10, 3, 80).await;
        let (big_p, big) = upw_provider(&app, "CH-B", 40_000, 25, 3, 80).await;
        let purchases = (0..40).map(|i| {
            let app = &app;
            async move { purchase(app, "SY-SHF", &format!("X3{i:05}")).await }
        });
        let orders = futures_util::future::join_all(purchases).await;
        let on = |l: &str| orders.iter().filter(|o| o["listing_id"] == l).count();
        assert_eq!(
            on(&small),
            10,
            "exactly the ten places of the cheaper listing"
        );
        assert_eq!(on(&big), 25);
        let unmatched = orders.iter().filter(|o| o["status"] == "unmatched").count();
        assert_eq!(unmatched, 5);
        assert_eq!(free_places(&app, &small_p, &small).await, vec![0]);
        assert_eq!(free_places(&app, &big_p, &big).await, vec![0]);
        let (_, offers) = app
            .get("/v1/offers?limit=500", &app.provider_token(&small_p))
            .await;
        assert_eq!(ids(&offers).len(), 10);
    }
);

both_backends!(
    a_provider_sees_its_own_placement_never_its_competitors_ranking,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (cheap_p, cheap_l) = upw_provider(&app, "CH-CHEAP", 40_000, 5, 3, 70).await;
        let (mid_p, mid_l) = upw_provider(&app, "CH-MID", 45_123, 5, 5, 91).await;
        let (dear_p, dear_l) = upw_provider(&app, "CH-DEAR", 50_321, 5, 2, 97).await;
        let o = purchase(&app, "SY-SHF", "X640001").await;
        let id = o["id"].as_str().expect("order").to_owned();
        assert_eq!(o["provider_id"], cheap_p.as_str());
        let competitors = [
            mid_p.as_str(),
            mid_l.as_str(),
            dear_p.as_str(),
            dear_l.as_str(),
            // The competitors' prices as JSON values (an id's hex digits may hold the
            // same digits, never after a colon).
            ":45123",
            ":50321",
            "\"quality_score\":91",
            "\"quality_score\":97",
        ];

        // The offender manager sees the whole explanation: every candidate, ranked.
        let (s, seen) = app
            .get(
                &format!("/v1/orders/{id}"),
                &manager_token("SY-SHF", "om-ann"),
            )
            .await;
        assert_eq!(s, 200, "{seen}");
        let text = seen.to_string();
        for c in competitors {
            assert!(text.contains(c), "the offender manager sees {c}");
        }
        assert_eq!(
            seen["explanation"]["runner_up"]["listing_id"],
            mid_l.as_str()
        );
        assert_eq!(seen["placement"], Value::Null);

        // The provider sees its own placement, as offered, as accepted and in delivery.
        let pt = app.provider_token(&cheap_p);
        let offer = o["offer"]["id"].as_str().expect("offer");
        let mut views = Vec::new();
        let (_, offered) = app.get(&format!("/v1/orders/{id}"), &pt).await;
        views.push(offered);
        let (_, listed) = app.get("/v1/orders", &pt).await;
        views.push(listed);
        let (s, accepted) = app
            .post_empty(&format!("/v1/offers/{offer}/accept"), &pt)
            .await;
        assert_eq!(s, 200, "{accepted}");
        views.push(accepted);
        let (_, offers) = app.get("/v1/offers", &pt).await;
        views.push(offers);
        let (s, started) = app
            .post(
                &format!("/v1/orders/{id}/delivery-events"),
                &pt,
                &json!({"type": "started"}),
            )
            .await;
        assert_eq!(s, 201, "{started}");
        views.push(started);
        let (_, read) = app.get(&format!("/v1/orders/{id}"), &pt).await;
        views.push(read.clone());
        for view in &views {
            let text = view.to_string();
            for c in competitors {
                assert!(!text.contains(c), "the provider sees {c}: {text}");
            }
            assert!(
                !text.contains("runner_up") && !text.contains("ranking"),
                "{text}"
            );
        }
        assert_eq!(read["explanation"], Value::Null);
        let placement = &read["placement"];
        assert_eq!(placement["policy"], "best_price");
        assert_eq!(
            (&placement["considered"], &placement["candidates"]),
            (&json!(3), &json!(3))
        );
        assert_eq!(placement["chosen"]["listing_id"], cheap_l.as_str());
        assert_eq!(placement["chosen"]["provider_id"], cheap_p.as_str());
        assert_eq!(placement["chosen"]["price_pence"], 40_000);
        assert_eq!(placement["chosen"]["quality_score"], 70);
    }
);
