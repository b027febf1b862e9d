//! Every candidate for an order ranked on demand (issue 19), on both backends: an order
//! keeps the best ten candidates in its explanation; `GET /v1/orders/{id}/ranking`
//! recomputes all of them over the market as it stands now, for those who read the
//! explanation and never for a provider.

use provider_hub_tests::{
    both_backends, manager_token, purchase, seed_market, upw_provider, TestApp,
};
use serde_json::Value;

fn listing_ids(ranking: &Value) -> Vec<String> {
    ranking
        .as_array()
        .expect("ranking")
        .iter()
        .filter_map(|c| c["listing_id"].as_str().map(str::to_owned))
        .collect()
}

both_backends!(
    every_candidate_is_ranked_on_demand_as_the_market_stands_now,
    |app: TestApp| async move {
        seed_market(&app).await;
        // Twelve listings, each dearer than the last: more than an explanation keeps.
        let mut listings = Vec::new();
        for i in 0..12 {
            let (p, l) =
                upw_provider(&app, &format!("RK-{i:02}"), 40_000 + 1_000 * i, 3, 3, 70).await;
            listings.push((p, l));
        }
        let o = purchase(&app, "SY-SHF", "R700001").await;
        let id = o["id"].as_str().expect("order").to_owned();
        assert_eq!(o["listing_id"], listings[0].1.as_str(), "{o}");
        let ann = manager_token("SY-SHF", "om-ann");

        // The stored explanation: the counts of all twelve, the best ten ranked.
        let (s, seen) = app.get(&format!("/v1/orders/{id}"), &ann).await;
        assert_eq!(s, 200, "{seen}");
        let stored = &seen["explanation"];
        assert_eq!(stored["candidates"], 12, "{stored}");
        let kept = listing_ids(&stored["ranking"]);
        let cheapest: Vec<String> = listings.iter().take(10).map(|(_, l)| l.clone()).collect();
        assert_eq!(kept, cheapest);
        assert_eq!(stored["ranking"][0], stored["chosen"]);
        assert_eq!(stored["earliest_start"], stored["chosen"]["starts_on"]);

        // On demand: all twelve, the same engine's order.
        let (s, whole) = app.get(&format!("/v1/orders/{id}/ranking"), &ann).await;
        assert_eq!(s, 200, "{whole}");
        assert_eq!(whole["order_id"], id.as_str());
        assert!(whole["ranked_at"].is_string(), "{whole}");
        let all: Vec<String> = listings.iter().map(|(_, l)| l.clone()).collect();
        assert_eq!(listing_ids(&whole["explanation"]["ranking"]), all);
        assert_eq!(whole["explanation"]["candidates"], 12);

        // As the market stands now: a listing paused since is no longer ranked, while the
        // order's stored explanation still says how it was placed.
        let (paused_p, paused_l) = &listings[2];
        let (s, body) = app
            .post_empty(
                &format!("/v1/listings/{paused_l}/pause"),
                &app.provider_token(paused_p),
            )
            .await;
        assert_eq!(s, 200, "{body}");
        let (_, now) = app.get(&format!("/v1/orders/{id}/ranking"), &ann).await;
        let ranked = listing_ids(&now["explanation"]["ranking"]);
        assert_eq!(ranked.len(), 11, "{now}");
        assert!(!ranked.contains(paused_l), "{now}");
        let (_, again) = app.get(&format!("/v1/orders/{id}"), &ann).await;
        assert_eq!(again["explanation"], seen["explanation"]);

        // The quality team and commissioners read it too.
        for role in ["quality", "commissioner"] {
            let (s, body) = app
                .get(&format!("/v1/orders/{id}/ranking"), &app.token(role))
                .await;
            assert_eq!(s, 200, "{role}: {body}");
        }
        // Never a provider, not even the one placed with; another area's manager is told
        // there is no such order.
        let (s, body) = app
            .get(
                &format!("/v1/orders/{id}/ranking"),
                &app.provider_token(&listings[0].0),
            )
            .await;
        assert_eq!(s, 403, "{body}");
        assert!(!body.to_string().contains(&listings[1].1), "{body}");
        let (s, body) = app
            .get(
                &format!("/v1/orders/{id}/ranking"),
                &manager_token("SY-ROT", "om-rob"),
            )
            .await;
        assert_eq!(s, 404, "{body}");
        let (s, _) = app.get("/v1/orders/ord_nonesuch/ranking", &ann).await;
        assert_eq!(s, 404);
    }
);
