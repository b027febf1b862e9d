//! `GET /v1/quality/threshold/preview`, from outside: what a new quality threshold would
//! change is judged by the membership rule itself (standing, the current accreditation,
//! its score) and the listing search's own query (only published listings searches
//! show), for the quality team only, and changes nothing.

use provider_hub_tests::*;
use serde_json::Value;

async fn preview(app: &TestApp, threshold: &str) -> Value {
    let (s, p) = app
        .get(
            &format!("/v1/quality/threshold/preview?threshold={threshold}"),
            &app.token("quality"),
        )
        .await;
    assert_eq!(s, 200, "{p}");
    p
}

/// The ids under `key` of the preview's category `category`.
fn providers_in(p: &Value, category: &str, key: &str) -> Vec<String> {
    p["categories"]
        .as_array()
        .expect("categories")
        .iter()
        .filter(|c| c["category"] == category)
        .flat_map(|c| c[key].as_array().cloned().unwrap_or_default())
        .filter_map(|x| x["id"].as_str().map(str::to_owned))
        .collect()
}

fn listings_leaving(p: &Value) -> Vec<String> {
    p["listings_leaving_search"]
        .as_array()
        .expect("listings")
        .iter()
        .filter_map(|x| x["id"].as_str().map(str::to_owned))
        .collect()
}

/// Everything the preview could touch: providers with their membership, the threshold,
/// what searches show, and the stored state's summary.
async fn state(app: &TestApp) -> Value {
    let q = app.token("quality");
    let (_, providers) = app.get("/v1/providers?limit=500", &q).await;
    let (_, threshold) = app.get("/v1/quality/threshold", &q).await;
    let (_, listings) = app
        .get("/v1/listings?limit=500", &app.token("offender_manager"))
        .await;
    json!({"providers": providers, "threshold": threshold, "listings": listings,
        "rest": app.snapshot().await})
}

both_backends!(
    the_preview_follows_the_membership_rule_and_changes_nothing,
    |app: TestApp| async move {
        seed_market(&app).await;
        let q = app.token("quality");
        // Published listings at 65 and 90; one at 65 paused (not in search today); one
        // at 65 whose provider is suspended (not a member today); an applicant at 55
        // with an alcohol-treatment accreditation only.
        let (low, low_listing) = upw_provider(&app, "REG-TP-LOW", 40_000, 2, 7, 65).await;
        let (high, _) = upw_provider(&app, "REG-TP-HIGH", 41_000, 2, 7, 90).await;
        let (paused, paused_listing) = upw_provider(&app, "REG-TP-PAUSED", 42_000, 2, 7, 65).await;
        let (s, body) = app
            .post_empty(
                &format!("/v1/listings/{paused_listing}/pause"),
                &app.provider_token(&paused),
            )
            .await;
        assert_eq!(s, 200, "{body}");
        let (suspended, _) = upw_provider(&app, "REG-TP-SUSP", 43_000, 2, 7, 65).await;
        let (s, body) = app
            .post(
                &format!("/v1/providers/{suspended}/suspend"),
                &q,
                &json!({"reason": "under review"}),
            )
            .await;
        assert_eq!(s, 200, "{body}");
        let applicant = register_provider(&app, "REG-TP-APPL").await;
        accredit(&app, &applicant, "alcohol_treatment", 55).await;
        let before = state(&app).await;

        // Raised to 70: the low and paused providers leave unpaid work (the suspended
        // one is no member today); only the low provider's published listing leaves
        // search.
        let p = preview(&app, "70").await;
        assert_eq!(
            (p["current"].as_u64(), p["proposed"].as_u64()),
            (Some(60), Some(70))
        );
        let mut leaving = providers_in(&p, "unpaid_work", "leaving");
        leaving.sort();
        let mut expected = vec![low.clone(), paused.clone()];
        expected.sort();
        assert_eq!(leaving, expected);
        assert!(!leaving.contains(&high) && !leaving.contains(&suspended));
        assert_eq!(listings_leaving(&p), vec![low_listing.clone()]);
        assert!(providers_in(&p, "alcohol_treatment", "joining").is_empty());

        // Lowered to 50: the applicant would join alcohol treatment; no one leaves.
        let p = preview(&app, "50").await;
        assert_eq!(
            providers_in(&p, "alcohol_treatment", "joining"),
            vec![applicant]
        );
        assert!(providers_in(&p, "unpaid_work", "leaving").is_empty());
        assert!(listings_leaving(&p).is_empty());

        // Nothing changed: the same providers, threshold, search and audit trail.
        assert_eq!(state(&app).await, before);

        // Bad values are refused in the caller's words; other roles may not ask.
        for bad in ["101", "-5", "seventy", "7.5"] {
            let (s, body) = app
                .get(
                    &format!("/v1/quality/threshold/preview?threshold={bad}"),
                    &q,
                )
                .await;
            assert_eq!(s, 422, "{bad}: {body}");
            assert_eq!(body["errors"][0]["field"], "threshold", "{body}");
        }
        let (s, body) = app.get("/v1/quality/threshold/preview", &q).await;
        assert_eq!(s, 422, "{body}");
        for role in ["offender_manager", "provider", "commissioner", "admin"] {
            let (s, _) = app
                .get(
                    "/v1/quality/threshold/preview?threshold=70",
                    &app.token(role),
                )
                .await;
            assert_eq!(s, 403, "{role}");
        }
    }
);
