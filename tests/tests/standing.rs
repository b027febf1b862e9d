//! A provider's standing and the orders it holds, on both backends: suspension or
//! revocation withdraws its pending offers and matches their orders again at once, never
//! to it; a provider that is not a member cannot accept; revocation takes back the orders
//! it accepted but has not started (budget counted once, its delivery reports refused);
//! suspension leaves them with it and tells the offender manager.

use chrono::Datelike;
use provider_hub_tests::orders::{free_places, order, until_status};
use provider_hub_tests::{
    both_backends, json, manager_token, purchase, seed_market, upw_provider, TestApp,
};
use serde_json::Value;

/// The events of `kind` the caller may read about `order_id`.
async fn events(app: &TestApp, token: &str, kind: &str, order_id: &str) -> Vec<Value> {
    let (s, page) = app
        .get(
            &format!("/v1/events?type={kind}&order_id={order_id}&limit=500"),
            token,
        )
        .await;
    assert_eq!(s, 200, "{page}");
    page["items"].as_array().expect("items").clone()
}

async fn change_standing(app: &TestApp, provider: &str, action: &str) -> Value {
    let (s, body) = app
        .post(
            &format!("/v1/providers/{provider}/{action}"),
            &app.token("quality"),
            &json!({"reason": "safeguarding concerns under investigation"}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    body
}

async fn accept(app: &TestApp, provider: &str, offer: &str) -> (u16, Value) {
    app.post_empty(
        &format!("/v1/offers/{offer}/accept"),
        &app.provider_token(provider),
    )
    .await
}

fn id(v: &Value, field: &str) -> String {
    v[field]
        .as_str()
        .unwrap_or_else(|| panic!("no {field} in {v}"))
        .to_owned()
}

both_backends!(
    suspension_withdraws_pending_offers_and_places_them_with_another_member,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (cheap_p, cheap_l) = upw_provider(&app, "SUS-A", 30_000, 2, 3, 80).await;
        let (other_p, other_l) = upw_provider(&app, "SUS-B", 40_000, 2, 3, 80).await;
        let o = purchase(&app, "SY-SHF", "X200001").await;
        assert_eq!(o["listing_id"], cheap_l.as_str(), "{o}");
        let order_id = id(&o, "id");
        let offer = id(&o["offer"], "id");

        let suspended = change_standing(&app, &cheap_p, "suspend").await;
        assert_eq!(suspended["status"], "suspended");

        // At once, in the suspension's transaction: the offer is withdrawn, its place is
        // back, and the order is offered to the other member.
        let o = order(&app, &order_id).await;
        assert_eq!(o["status"], "offered", "{o}");
        assert_eq!(o["listing_id"], other_l.as_str());
        assert_eq!(o["provider_id"], other_p.as_str());
        assert_eq!(free_places(&app, &cheap_p, &cheap_l).await, vec![2]);
        assert_eq!(free_places(&app, &other_p, &other_l).await, vec![1]);
        let (s, withdrawn) = app
            .get("/v1/offers?status=withdrawn", &app.provider_token(&cheap_p))
            .await;
        assert_eq!(s, 200, "{withdrawn}");
        let items = withdrawn["items"].as_array().expect("items");
        assert_eq!(items.len(), 1, "{withdrawn}");
        assert_eq!(items[0]["id"], offer.as_str());
        assert_eq!(items[0]["reason"], "the provider was suspended");

        // The suspended provider cannot accept it, and is told why.
        let (s, problem) = accept(&app, &cheap_p, &offer).await;
        assert_eq!(s, 409, "{problem}");
        assert_eq!(problem["current_state"], "withdrawn");
        let detail = problem["detail"].as_str().expect("detail");
        assert!(
            detail.contains("not a member") && detail.contains("suspended"),
            "{detail}"
        );
        // The other member can.
        let new_offer = id(&o["offer"], "id");
        let (s, accepted) = accept(&app, &other_p, &new_offer).await;
        assert_eq!((s, accepted["status"].as_str()), (200, Some("accepted")));

        // offer.withdrawn: seen by the area's offender manager and the provider concerned,
        // not by another area or another provider.
        let ann = manager_token("SY-SHF", "om-ann");
        let seen = events(&app, &ann, "offer.withdrawn", &order_id).await;
        assert_eq!(seen.len(), 1, "{seen:?}");
        assert_eq!(seen[0]["provider_id"], cheap_p.as_str());
        assert_eq!(seen[0]["offer_id"], offer.as_str());
        assert_eq!(seen[0]["data"]["status"], "withdrawn");
        assert_eq!(
            events(
                &app,
                &app.provider_token(&cheap_p),
                "offer.withdrawn",
                &order_id
            )
            .await
            .len(),
            1
        );
        assert!(events(
            &app,
            &app.provider_token(&other_p),
            "offer.withdrawn",
            &order_id
        )
        .await
        .is_empty());
        assert!(events(
            &app,
            &manager_token("SY-ROT", "om-rot"),
            "offer.withdrawn",
            &order_id
        )
        .await
        .is_empty());
        // The other member's offer followed.
        let created = events(
            &app,
            &app.provider_token(&other_p),
            "offer.created",
            &order_id,
        )
        .await;
        assert_eq!(created.len(), 1, "{created:?}");
    }
);

both_backends!(
    with_no_other_member_the_order_waits_and_returns_on_reinstatement,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (p, l) = upw_provider(&app, "SUS-C", 30_000, 1, 3, 80).await;
        let o = purchase(&app, "SY-SHF", "X200002").await;
        let order_id = id(&o, "id");
        let offer = id(&o["offer"], "id");
        change_standing(&app, &p, "suspend").await;

        let o = order(&app, &order_id).await;
        assert_eq!(
            o["status"], "unmatched",
            "never to the suspended provider: {o}"
        );
        assert_eq!(o["listing_id"], Value::Null);
        let excluded = o["explanation"]["excluded"]
            .as_array()
            .expect("excluded")
            .iter()
            .find(|x| x["rule"] == "membership")
            .cloned()
            .unwrap_or_default();
        assert_eq!(excluded["excluded"], 1, "{o}");
        assert!(o["explanation"]["no_candidate_reason"].is_string(), "{o}");
        assert_eq!(free_places(&app, &p, &l).await, vec![1]);
        let (s, problem) = accept(&app, &p, &offer).await;
        assert_eq!(s, 409, "{problem}");

        // Reinstated, a member again: the worker places the order with it.
        change_standing(&app, &p, "reinstate").await;
        let o = until_status(&app, &order_id, "offered").await;
        assert_eq!(o["listing_id"], l.as_str());
        let (s, accepted) = accept(&app, &p, &id(&o["offer"], "id")).await;
        assert_eq!((s, accepted["status"].as_str()), (200, Some("accepted")));
    }
);

both_backends!(
    a_provider_that_is_no_longer_a_member_cannot_accept,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (p, _) = upw_provider(&app, "SUS-D", 30_000, 1, 3, 70).await;
        let o = purchase(&app, "SY-SHF", "X200003").await;
        let order_id = id(&o, "id");
        let offer = id(&o["offer"], "id");
        // The threshold rises above its score while the offer waits.
        let (s, _) = app
            .put(
                "/v1/quality/threshold",
                &app.token("quality"),
                &json!({"threshold": 75}),
            )
            .await;
        assert_eq!(s, 200);
        let (s, problem) = accept(&app, &p, &offer).await;
        assert_eq!(s, 409, "{problem}");
        assert_eq!(problem["current_state"], "pending");
        let detail = problem["detail"].as_str().expect("detail");
        assert!(
            detail.contains("not a member for unpaid_work")
                && detail.contains("below the quality threshold of 75"),
            "{detail}"
        );
        let o = order(&app, &order_id).await;
        assert_eq!(o["status"], "offered", "nothing changed: {o}");
    }
);

fn year(app: &TestApp) -> i32 {
    let d = app.today() + chrono::Duration::days(3);
    if d.month() >= 4 {
        d.year()
    } else {
        d.year() - 1
    }
}

both_backends!(
    revocation_takes_back_accepted_orders_not_started,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (bad_p, bad_l) = upw_provider(&app, "REV-A", 30_000, 2, 3, 80).await;
        let (good_p, good_l) = upw_provider(&app, "REV-B", 40_000, 2, 3, 80).await;
        let commissioner = app.token("commissioner");
        let budget = format!("/v1/budgets/SY-SHF/{}", year(&app));
        let (s, body) = app
            .put(
                &budget,
                &commissioner,
                &json!({"allocated_pence": 1_000_000}),
            )
            .await;
        assert_eq!(s, 200, "{body}");
        let o = purchase(&app, "SY-SHF", "X200004").await;
        assert_eq!(o["listing_id"], bad_l.as_str());
        let order_id = id(&o, "id");
        let bad_offer = id(&o["offer"], "id");
        let (s, _) = accept(&app, &bad_p, &bad_offer).await;
        assert_eq!(s, 200);
        let (_, b) = app.get(&budget, &commissioner).await;
        assert_eq!(
            (b["committed_pence"].as_i64(), b["offered_pence"].as_i64()),
            (Some(30_000), Some(0))
        );

        let revoked = change_standing(&app, &bad_p, "revoke").await;
        assert_eq!(revoked["status"], "revoked");

        // Taken back and placed again at once, with the other member.
        let o = order(&app, &order_id).await;
        assert_eq!(o["status"], "offered", "{o}");
        assert_eq!(o["listing_id"], good_l.as_str());
        assert_eq!(o["provider_id"], good_p.as_str());
        assert_eq!(o["price_pence"], 40_000);
        assert_eq!(free_places(&app, &bad_p, &bad_l).await, vec![2]);
        assert_eq!(free_places(&app, &good_p, &good_l).await, vec![1]);
        // Counted once: no longer committed at the old price, offered at the new one.
        let (_, b) = app.get(&budget, &commissioner).await;
        assert_eq!(
            (
                b["committed_pence"].as_i64(),
                b["offered_pence"].as_i64(),
                b["remaining_pence"].as_i64()
            ),
            (Some(0), Some(40_000), Some(960_000)),
            "{b}"
        );

        // The offender manager is told; so is the revoked provider.
        let ann = manager_token("SY-SHF", "om-ann");
        let told = events(&app, &ann, "order.provider_revoked", &order_id).await;
        assert_eq!(told.len(), 1, "{told:?}");
        assert_eq!(told[0]["provider_id"], bad_p.as_str());
        assert_eq!(told[0]["data"]["previous_status"], "accepted");
        assert_eq!(
            events(
                &app,
                &app.provider_token(&bad_p),
                "order.provider_revoked",
                &order_id
            )
            .await
            .len(),
            1
        );
        assert!(events(
            &app,
            &manager_token("SY-ROT", "om-rot"),
            "order.provider_revoked",
            &order_id
        )
        .await
        .is_empty());

        // The revoked provider can neither report delivery on it nor be paid for it.
        let (s, problem) = app
            .post(
                &format!("/v1/orders/{order_id}/delivery-events"),
                &app.provider_token(&bad_p),
                &json!({"type": "started"}),
            )
            .await;
        assert_eq!(s, 404, "{problem}");
        let (s, problem) = accept(&app, &bad_p, &bad_offer).await;
        assert_eq!(s, 409, "{problem}");

        // The new provider accepts and starts: committed once, at its price; paid to it.
        let (s, _) = accept(&app, &good_p, &id(&o["offer"], "id")).await;
        assert_eq!(s, 200);
        let (s, delivered) = app
            .post(
                &format!("/v1/orders/{order_id}/delivery-events"),
                &app.provider_token(&good_p),
                &json!({"type": "started"}),
            )
            .await;
        assert_eq!(s, 201, "{delivered}");
        let (_, b) = app.get(&budget, &commissioner).await;
        assert_eq!(
            (b["committed_pence"].as_i64(), b["offered_pence"].as_i64()),
            (Some(40_000), Some(0)),
            "{b}"
        );
        let (s, payments) = app
            .get(&format!("/v1/payments?provider_id={bad_p}"), &commissioner)
            .await;
        assert_eq!(s, 200, "{payments}");
        assert_eq!(payments["items"], json!([]), "{payments}");
        let (_, payments) = app
            .get(&format!("/v1/payments?provider_id={good_p}"), &commissioner)
            .await;
        assert_eq!(payments["items"].as_array().map(Vec::len), Some(1));

        // Published: the revoked provider's award stays, as its cancellation of the day it
        // was withdrawn; the new provider's acceptance is an award of its own.
        let r = app
            .client
            .get(app.url("/v1/awards"))
            .send()
            .await
            .expect("awards");
        assert_eq!(r.status().as_u16(), 200);
        let package: Value = r.json().await.expect("JSON");
        let releases = package["releases"].as_array().expect("releases");
        let by_supplier = |p: &str| -> Vec<&Value> {
            releases
                .iter()
                .filter(|r| r["awards"][0]["suppliers"][0]["id"] == p)
                .collect()
        };
        let withdrawn = by_supplier(&bad_p);
        assert_eq!(withdrawn.len(), 1, "{package}");
        assert_eq!(withdrawn[0]["tag"], json!(["awardCancellation"]));
        assert_eq!(withdrawn[0]["awards"][0]["status"], "cancelled");
        assert_eq!(withdrawn[0]["awards"][0]["value"]["amount"], 300.0);
        assert_eq!(
            withdrawn[0]["date"],
            format!("{}T00:00:00Z", app.today()),
            "{package}"
        );
        let current = by_supplier(&good_p);
        assert_eq!(current.len(), 1, "{package}");
        assert_eq!(current[0]["tag"], json!(["award"]));
        assert_eq!(current[0]["awards"][0]["status"], "active");
        assert_ne!(withdrawn[0]["ocid"], current[0]["ocid"]);
    }
);

both_backends!(
    suspension_leaves_accepted_orders_and_tells_the_offender_manager,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (p, l) = upw_provider(&app, "SUS-E", 30_000, 3, 3, 80).await;
        let kept = purchase(&app, "SY-SHF", "X200005").await;
        let kept_id = id(&kept, "id");
        let (s, _) = accept(&app, &p, &id(&kept["offer"], "id")).await;
        assert_eq!(s, 200);
        let waiting = purchase(&app, "SY-SHF", "X200006").await;
        let waiting_id = id(&waiting, "id");
        assert_eq!(waiting["status"], "offered");

        change_standing(&app, &p, "suspend").await;

        let o = order(&app, &kept_id).await;
        assert_eq!(o["status"], "accepted", "{o}");
        assert_eq!(o["provider_id"], p.as_str());
        let o = order(&app, &waiting_id).await;
        assert_eq!(o["status"], "unmatched", "{o}");
        assert_eq!(free_places(&app, &p, &l).await, vec![2]);

        let ann = manager_token("SY-SHF", "om-ann");
        let told = events(&app, &ann, "order.provider_suspended", &kept_id).await;
        assert_eq!(told.len(), 1, "{told:?}");
        assert_eq!(told[0]["provider_id"], p.as_str());
        assert_eq!(told[0]["data"]["status"], "accepted");
        assert!(
            events(&app, &ann, "order.provider_suspended", &waiting_id)
                .await
                .is_empty(),
            "only orders it keeps"
        );
        assert_eq!(
            events(&app, &ann, "offer.withdrawn", &waiting_id)
                .await
                .len(),
            1
        );
        assert!(events(
            &app,
            &manager_token("SY-ROT", "om-rot"),
            "order.provider_suspended",
            &kept_id
        )
        .await
        .is_empty());

        // The offender manager may cancel it and buy again.
        let (s, cancelled) = app
            .post(
                &format!("/v1/orders/{kept_id}/cancel"),
                &ann,
                &json!({"reason": "provider suspended; buying elsewhere"}),
            )
            .await;
        assert_eq!((s, cancelled["status"].as_str()), (200, Some("cancelled")));
    }
);
