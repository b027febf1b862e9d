//! A place that frees up reaches the unmatched orders that can take it, on both backends:
//! one listing with one place, the first order offered it and the second unmatched; the
//! place freed by a cancellation, a decline or an expiry is offered to the second within
//! the background worker's interval, earliest required-by first.

use chrono::Duration;
use provider_hub_tests::orders::{order, until_status};
use provider_hub_tests::{
    both_backends, json, manager_token, purchase, purchase_sentenced, seed_market, upw_provider,
    TestApp,
};
use serde_json::Value;

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_owned()
}

/// One listing with one place: the first order is offered it, the second is unmatched for
/// want of a free place. Returns (provider, listing, first order, second order).
async fn one_place_two_orders(app: &TestApp, days: i64) -> (String, String, Value, Value) {
    seed_market(app).await;
    let (p, l) = upw_provider(app, "FREE-1", 30_000, 1, days, 80).await;
    let first = purchase(app, "SY-SHF", "X300001").await;
    assert_eq!(first["status"], "offered", "{first}");
    assert_eq!(first["listing_id"], l.as_str());
    let second = purchase(app, "SY-SHF", "X300002").await;
    assert_eq!(second["status"], "unmatched", "{second}");
    let reason = second["explanation"]["no_candidate_reason"]
        .as_str()
        .unwrap_or_default();
    assert!(reason.starts_with("no free place"), "{second}");
    (p, l, first, second)
}

both_backends!(
    a_place_freed_by_a_cancellation_reaches_the_unmatched_order,
    |app: TestApp| async move {
        let (_, l, first, second) = one_place_two_orders(&app, 3).await;
        let (s, cancelled) = app
            .post(
                &format!("/v1/orders/{}/cancel", id(&first)),
                &manager_token("SY-SHF", "om-ann"),
                &json!({"reason": "sentence varied on appeal"}),
            )
            .await;
        assert_eq!(s, 200, "{cancelled}");
        let o = until_status(&app, &id(&second), "offered").await;
        assert_eq!(o["listing_id"], l.as_str());
        // The order says why it moved on, and its area hears of it.
        let (s, events) = app
            .get(
                &format!("/v1/events?order_id={}&type=order.reopened", id(&second)),
                &manager_token("SY-SHF", "om-ann"),
            )
            .await;
        assert_eq!(s, 200, "{events}");
        assert_eq!(events["items"].as_array().map(Vec::len), Some(1));
    }
);

both_backends!(
    a_place_freed_by_a_decline_reaches_the_unmatched_order,
    |app: TestApp| async move {
        let (p, l, first, second) = one_place_two_orders(&app, 3).await;
        let (s, declined) = app
            .post(
                &format!(
                    "/v1/offers/{}/decline",
                    first["offer"]["id"].as_str().expect("offer")
                ),
                &app.provider_token(&p),
                &json!({"reason": "no supervisor that week"}),
            )
            .await;
        assert_eq!(s, 200, "{declined}");
        // The first order cannot go back to the listing that declined it; the second can.
        assert_eq!(order(&app, &id(&first)).await["status"], "unmatched");
        let o = until_status(&app, &id(&second), "offered").await;
        assert_eq!(o["listing_id"], l.as_str());
    }
);

both_backends!(
    a_place_freed_by_an_expiry_reaches_the_unmatched_order,
    |app: TestApp| async move {
        let (_, l, first, second) = one_place_two_orders(&app, 10).await;
        // Four days on (at least two working days) the first offer expires.
        app.clock.advance_days(4);
        let o = until_status(&app, &id(&second), "offered").await;
        assert_eq!(o["listing_id"], l.as_str());
        let first = order(&app, &id(&first)).await;
        assert_eq!(first["status"], "unmatched", "{first}");
    }
);

both_backends!(
    a_freed_place_goes_to_the_order_required_soonest,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (_, l) = upw_provider(&app, "FREE-2", 30_000, 1, 3, 80).await;
        let holder = purchase(&app, "SY-SHF", "X300011").await;
        assert_eq!(holder["status"], "offered");
        // Two wait: the older one is required later than the newer one.
        let later = purchase(&app, "SY-SHF", "X300012").await;
        let sooner =
            purchase_sentenced(&app, "SY-SHF", "X300013", app.today() - Duration::days(5)).await;
        assert_eq!(
            (later["status"].as_str(), sooner["status"].as_str()),
            (Some("unmatched"), Some("unmatched"))
        );
        assert!(
            sooner["required_by"].as_str() < later["required_by"].as_str(),
            "{sooner} {later}"
        );
        let (s, _) = app
            .post(
                &format!("/v1/orders/{}/cancel", id(&holder)),
                &manager_token("SY-SHF", "om-ann"),
                &json!({"reason": "sentence varied on appeal"}),
            )
            .await;
        assert_eq!(s, 200);
        let o = until_status(&app, &id(&sooner), "offered").await;
        assert_eq!(o["listing_id"], l.as_str());
        let later = order(&app, &id(&later)).await;
        assert_eq!(later["status"], "unmatched", "{later}");
        // Writing nothing for it: it was not reopened only to be left unmatched again.
        let (_, events) = app
            .get(
                &format!("/v1/events?order_id={}&type=order.reopened", id(&later)),
                &manager_token("SY-SHF", "om-ann"),
            )
            .await;
        assert_eq!(events["items"], json!([]), "{events}");
    }
);
