//! Events and signed webhooks, on both backends: a provider's webhook receives every
//! event about its offers and orders, signed, retried after failures, in order per order;
//! the same events are polled at `/v1/events` by whoever may see them; a delivery that
//! fails its last try is dead until an admin re-drives it.

use std::collections::{BTreeSet, HashMap};

use provider_hub_tests::{
    both_backends, json, manager_token, purchase, register_provider, seed_market, upw_provider,
    Receiver, TestApp,
};
use serde_json::Value;

/// Every event the caller may read, following the cursor to the end.
async fn all_events(app: &TestApp, token: &str) -> Vec<Value> {
    let mut events = Vec::new();
    let mut path = "/v1/events?limit=3".to_owned();
    loop {
        let (s, page) = app.get(&path, token).await;
        assert_eq!(s, 200, "{page}");
        events.extend(page["items"].as_array().expect("items").iter().cloned());
        match page["next"].as_str() {
            Some(next) => path = format!("/v1/events?limit=3&after={next}"),
            None => return events,
        }
    }
}

fn kinds(events: &[Value]) -> Vec<String> {
    events
        .iter()
        .map(|e| e["type"].as_str().expect("type").to_owned())
        .collect()
}

async fn register(app: &TestApp, provider: &str, url: &str) -> String {
    let (s, hook) = app
        .put(
            &format!("/v1/providers/{provider}/webhook"),
            &app.provider_token(provider),
            &json!({ "url": url }),
        )
        .await;
    assert_eq!(s, 200, "{hook}");
    assert_eq!(hook["url"], url);
    hook["secret"].as_str().expect("a secret").to_owned()
}

async fn pending_deliveries(app: &TestApp, provider: &str) -> usize {
    let (s, page) = app
        .get(
            "/v1/webhook-deliveries?status=pending",
            &app.provider_token(provider),
        )
        .await;
    assert_eq!(s, 200, "{page}");
    page["items"].as_array().expect("items").len()
}

both_backends!(
    a_providers_webhook_gets_every_event_signed_retried_and_in_order,
    |app: TestApp| async move {
        seed_market(&app).await;
        let receiver = Receiver::start(3).await;
        let (provider, _) = upw_provider(&app, "EVT-1", 30_000, 5, 3, 80).await;
        let secret = register(&app, &provider, &receiver.url).await;
        assert!(
            secret.starts_with("whsec_") && secret.len() > 40,
            "{secret}"
        );
        // The secret is shown once: reading the webhook does not show it.
        let (s, hook) = app
            .get(
                &format!("/v1/providers/{provider}/webhook"),
                &app.provider_token(&provider),
            )
            .await;
        assert_eq!(s, 200, "{hook}");
        assert!(hook.get("secret").is_none(), "{hook}");
        assert!(!hook.to_string().contains(&secret));

        let pt = app.provider_token(&provider);
        let ann = manager_token("SY-SHF", "om-ann");
        let first = purchase(&app, "SY-SHF", "E000001").await;
        let second = purchase(&app, "SY-SHF", "E000002").await;
        let third = purchase(&app, "SY-SHF", "E000003").await;
        let offer = |o: &Value| o["offer"]["id"].as_str().expect("offered").to_owned();
        let (s, body) = app
            .post_empty(&format!("/v1/offers/{}/accept", offer(&first)), &pt)
            .await;
        assert_eq!(s, 200, "{body}");
        let (s, body) = app
            .post(
                &format!("/v1/offers/{}/decline", offer(&second)),
                &pt,
                &json!({"reason": "no supervisor free that week"}),
            )
            .await;
        assert_eq!(s, 200, "{body}");
        let third_id = third["id"].as_str().expect("order");
        let (s, body) = app
            .post(
                &format!("/v1/orders/{third_id}/cancel"),
                &ann,
                &json!({"reason": "sentence varied on appeal"}),
            )
            .await;
        assert_eq!(s, 200, "{body}");

        // What the provider may read at /v1/events is what its webhook must get.
        let events = all_events(&app, &pt).await;
        assert_eq!(
            kinds(&events),
            [
                "offer.created",
                "offer.created",
                "offer.created",
                "offer.accepted",
                "offer.declined",
                "offer.withdrawn",
                "order.cancelled"
            ],
            "{events:?}"
        );
        let expected: BTreeSet<String> = events
            .iter()
            .map(|e| e["id"].as_str().expect("id").to_owned())
            .collect();
        receiver
            .wait_for(20, "every event delivered", |got| {
                let delivered: BTreeSet<String> = got
                    .iter()
                    .filter(|r| r.answered < 300)
                    .filter_map(|r| r.event_id.clone())
                    .collect();
                delivered == expected
            })
            .await;
        let requests = receiver.requests();
        // The first three tries failed and were tried again, each with a valid signature
        // over the exact body, which is the event as listed.
        assert_eq!(
            requests.iter().filter(|r| r.answered == 503).count(),
            3,
            "exactly the first three requests failed"
        );
        let by_id: HashMap<String, &Value> = events
            .iter()
            .map(|e| (e["id"].as_str().expect("id").to_owned(), e))
            .collect();
        for r in &requests {
            assert!(r.signed_with(&secret), "bad signature on {:?}", r.event_id);
            assert!(
                !r.signed_with("whsec_another"),
                "a signature must depend on the secret"
            );
            let body = r.json();
            let id = r.event_id.clone().expect("event id header");
            assert_eq!(body["id"], id.as_str());
            let listed = by_id[&id];
            for field in [
                "type",
                "order_id",
                "offer_id",
                "area",
                "provider_id",
                "data",
            ] {
                assert_eq!(body[field], listed[field], "{field} of {id}");
            }
        }
        let retried: Vec<_> = requests.iter().filter(|r| r.attempt > Some(1)).collect();
        assert!(!retried.is_empty(), "failed deliveries are tried again");
        // In order per order: the events of one order arrive in the order they happened,
        // retries included.
        let position: HashMap<&str, usize> = events
            .iter()
            .enumerate()
            .map(|(i, e)| (e["id"].as_str().expect("id"), i))
            .collect();
        let mut last_of_order: HashMap<String, usize> = HashMap::new();
        for r in &requests {
            let body = r.json();
            let order = body["order_id"].as_str().expect("order").to_owned();
            let at = position[r.event_id.as_deref().expect("id")];
            let last = last_of_order.entry(order.clone()).or_insert(at);
            assert!(
                at >= *last,
                "order {order}: an earlier event arrived after a later one"
            );
            *last = at;
        }
        // The receiver has answered the last one; the hub records it a moment later.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while pending_deliveries(&app, &provider).await > 0 {
            assert!(
                std::time::Instant::now() < deadline,
                "deliveries left pending"
            );
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let (s, page) = app
            .get("/v1/webhook-deliveries?status=delivered", &pt)
            .await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(page["items"].as_array().expect("items").len(), 7, "{page}");
    }
);

both_backends!(
    offender_managers_poll_their_areas_events_and_providers_only_their_own,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (provider, _) = upw_provider(&app, "EVT-2", 30_000, 1, 3, 80).await;
        let other = register_provider(&app, "EVT-3").await;
        let pt = app.provider_token(&provider);
        let ann = manager_token("SY-SHF", "om-ann");
        let first = purchase(&app, "SY-SHF", "E000011").await;
        // The only place is held by the first order: the second is unmatched.
        let second = purchase(&app, "SY-SHF", "E000012").await;
        assert_eq!(second["status"], "unmatched", "{second}");
        let offer = first["offer"]["id"].as_str().expect("offered");
        app.post_empty(&format!("/v1/offers/{offer}/accept"), &pt)
            .await;

        let area = all_events(&app, &ann).await;
        assert_eq!(
            kinds(&area),
            ["offer.created", "order.unmatched", "offer.accepted"],
            "{area:?}"
        );
        assert_eq!(area[1]["order_id"], second["id"]);
        assert_eq!(area[1]["provider_id"], Value::Null);
        assert!(
            area[1]["data"]["reason"]
                .as_str()
                .is_some_and(|r| !r.is_empty()),
            "an unmatched order says why: {}",
            area[1]
        );
        assert_eq!(area[0]["data"]["price_pence"], 30_000);
        assert_eq!(area[2]["data"]["status"], "accepted");
        // No personal data: events carry ids, never the person's details.
        for e in &area {
            let text = e.to_string();
            assert!(
                !text.contains("E00001") && !text.contains("1990-04-01"),
                "{text}"
            );
        }
        // Another area's manager, and another provider, see none of it.
        let rot = manager_token("SY-ROT", "om-rot");
        assert!(all_events(&app, &rot).await.is_empty());
        assert!(all_events(&app, &app.provider_token(&other))
            .await
            .is_empty());
        // The provider sees its offer's events, not the unmatched order.
        assert_eq!(
            kinds(&all_events(&app, &pt).await),
            ["offer.created", "offer.accepted"]
        );
        // The quality team sees everything.
        assert_eq!(all_events(&app, &app.token("quality")).await.len(), 3);

        // Polling: after the last cursor there is nothing until something happens.
        let last = area[2]["cursor"].as_str().expect("cursor").to_owned();
        let (s, page) = app.get(&format!("/v1/events?after={last}"), &ann).await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(page["items"], json!([]));
        let first_id = first["id"].as_str().expect("order");
        app.post(
            &format!("/v1/orders/{first_id}/cancel"),
            &ann,
            &json!({"reason": "moved out of the area"}),
        )
        .await;
        let (_, page) = app.get(&format!("/v1/events?after={last}"), &ann).await;
        assert_eq!(
            kinds(page["items"].as_array().expect("items")),
            ["order.cancelled"]
        );
        assert_eq!(page["items"][0]["data"]["previous_status"], "accepted");
        // Filters, and what is refused.
        let (s, page) = app
            .get(
                &format!("/v1/events?order_id={first_id}&type=offer.accepted"),
                &ann,
            )
            .await;
        assert_eq!(s, 200, "{page}");
        assert_eq!(page["items"].as_array().expect("items").len(), 1);
        for kind in ["offer.eaten", ""] {
            let (s, problem) = app.get(&format!("/v1/events?type={kind}"), &ann).await;
            assert_eq!(s, 422, "type={kind}: {problem}");
            assert_eq!(problem["errors"][0]["field"], "type");
        }
        let (s, problem) = app.get("/v1/events?after=not-a-cursor", &ann).await;
        assert_eq!(s, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "after");
    }
);

both_backends!(
    a_delivery_dead_after_its_last_try_is_redriven_by_an_admin,
    adjust = |c: &mut provider_hub_tests::Config| c.webhooks.max_attempts = 2,
    |app: TestApp| async move {
        seed_market(&app).await;
        let receiver = Receiver::start(0).await;
        receiver
            .failing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let (provider, _) = upw_provider(&app, "EVT-4", 30_000, 2, 3, 80).await;
        let secret = register(&app, &provider, &receiver.url).await;
        let pt = app.provider_token(&provider);
        purchase(&app, "SY-SHF", "E000021").await;
        receiver
            .wait_for(10, "two failed tries", |got| got.len() >= 2)
            .await;
        let admin = app.token("admin");
        let dead = loop {
            let (s, page) = app.get("/v1/webhook-deliveries?status=dead", &admin).await;
            assert_eq!(s, 200, "{page}");
            if let Some(d) = page["items"].as_array().and_then(|i| i.first()) {
                break d.clone();
            }
            actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
        };
        assert_eq!(dead["attempts"], 2, "{dead}");
        assert_eq!(dead["last_status"], 503, "{dead}");
        assert_eq!(dead["type"], "offer.created");
        // No third try once dead.
        actix_web::rt::time::sleep(std::time::Duration::from_millis(600)).await;
        assert_eq!(receiver.requests().len(), 2);
        let (_, hook) = app
            .get(&format!("/v1/providers/{provider}/webhook"), &admin)
            .await;
        assert_eq!(
            (hook["pending"].clone(), hook["dead"].clone()),
            (json!(0), json!(1))
        );

        // Only an admin re-drives, and only a dead delivery.
        let id = dead["id"].as_str().expect("delivery");
        let (s, _) = app
            .post_empty(&format!("/v1/webhook-deliveries/{id}/redrive"), &pt)
            .await;
        assert_eq!(s, 403);
        receiver
            .failing
            .store(false, std::sync::atomic::Ordering::SeqCst);
        let (s, again) = app
            .post_empty(&format!("/v1/webhook-deliveries/{id}/redrive"), &admin)
            .await;
        assert_eq!(s, 200, "{again}");
        assert_eq!(
            (again["status"].clone(), again["attempts"].clone()),
            (json!("pending"), json!(0))
        );
        receiver
            .wait_for(10, "the re-driven delivery", |got| {
                got.iter().any(|r| r.answered == 204)
            })
            .await;
        let delivered = receiver
            .requests()
            .into_iter()
            .find(|r| r.answered == 204)
            .expect("delivered");
        assert!(delivered.signed_with(&secret));
        assert_eq!(delivered.event_id.as_deref(), dead["event_id"].as_str());
        let (s, problem) = app
            .post_empty(&format!("/v1/webhook-deliveries/{id}/redrive"), &admin)
            .await;
        assert!(s == 409 || s == 200, "{problem}");
        let (s, problem) = app
            .post_empty("/v1/webhook-deliveries/dlv_none/redrive", &admin)
            .await;
        assert_eq!(s, 404, "{problem}");
    }
);

both_backends!(
    webhooks_need_https_their_own_provider_and_a_new_secret_each_time,
    adjust = |c: &mut provider_hub_tests::Config| c.webhooks.allow_http = false,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (provider, _) = upw_provider(&app, "EVT-5", 30_000, 2, 3, 80).await;
        let (other, _) = upw_provider(&app, "EVT-6", 40_000, 2, 3, 80).await;
        let pt = app.provider_token(&provider);
        let path = format!("/v1/providers/{provider}/webhook");
        for (url, why) in [
            ("http://hooks.example.org/hub", "plain http"),
            ("hooks.example.org/hub", "not absolute"),
            ("https://user:pw@hooks.example.org/hub", "credentials"),
        ] {
            let (s, problem) = app.put(&path, &pt, &json!({ "url": url })).await;
            assert_eq!(s, 422, "{why}: {problem}");
            assert_eq!(problem["errors"][0]["field"], "url", "{why}");
        }
        let (s, _) = app.get(&path, &pt).await;
        assert_eq!(s, 404, "nothing was registered");
        let url = "https://hooks.example.org/hub";
        let first = register(&app, &provider, url).await;
        let second = register(&app, &provider, url).await;
        assert_ne!(first, second, "registering again makes a new secret");
        // Another provider neither sees nor changes it.
        let (s, _) = app
            .put(&path, &app.provider_token(&other), &json!({ "url": url }))
            .await;
        assert_eq!(s, 404);
        let (s, _) = app.get(&path, &app.provider_token(&other)).await;
        assert_eq!(s, 404);
        let (s, hook) = app.get(&path, &app.token("admin")).await;
        assert_eq!(s, 200, "{hook}");
        assert_eq!(hook["url"], url);
        // Removed: gone, and its events are no longer queued for it.
        let r = app
            .client
            .delete(app.url(&path))
            .bearer_auth(&pt)
            .send()
            .await
            .expect("delete");
        assert_eq!(r.status().as_u16(), 204);
        let (s, _) = app.get(&path, &pt).await;
        assert_eq!(s, 404);
        purchase(&app, "SY-SHF", "E000031").await;
        let (_, page) = app.get("/v1/webhook-deliveries", &pt).await;
        assert_eq!(page["items"], json!([]));
        assert_eq!(kinds(&all_events(&app, &pt).await), ["offer.created"]);
    }
);
