//! Reading orders and places as the tests' buyers see them, and waiting for the background
//! worker to move an order.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{json, manager_token, register_provider, TestApp};

/// The order as the Sheffield offender manager who bought it reads it.
pub async fn order(app: &TestApp, id: &str) -> Value {
    let (s, order) = app
        .get(
            &format!("/v1/orders/{id}"),
            &manager_token("SY-SHF", "om-ann"),
        )
        .await;
    assert_eq!(s, 200, "{order}");
    order
}

/// Waits (up to 10 s) for the background worker to bring the order to `status`.
pub async fn until_status(app: &TestApp, id: &str, status: &str) -> Value {
    let started = Instant::now();
    loop {
        let o = order(app, id).await;
        if o["status"] == status {
            return o;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "order never became {status}: {o}"
        );
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The free places of each start date of a listing, as its provider reads them.
pub async fn free_places(app: &TestApp, provider: &str, listing: &str) -> Vec<u64> {
    let (s, l) = app
        .get(
            &format!("/v1/listings/{listing}"),
            &app.provider_token(provider),
        )
        .await;
    assert_eq!(s, 200, "{l}");
    l["capacity"]
        .as_array()
        .expect("capacity")
        .iter()
        .filter_map(|c| c["free"].as_u64())
        .collect()
}

/// An alcohol treatment specification and a provider with a listing of it in Sheffield.
pub async fn alcohol_provider(app: &TestApp, registration: &str) -> String {
    let q = app.token("quality");
    let mut spec = crate::specification_body("ALC-TRT");
    spec["category"] = json!("alcohol_treatment");
    spec["needs"] = json!(["alcohol"]);
    let (s, body) = app.post("/v1/specifications", &q, &spec).await;
    assert_eq!(s, 201, "{body}");
    let (s, body) = app
        .post_empty("/v1/specifications/ALC-TRT/versions/1/publish", &q)
        .await;
    assert_eq!(s, 200, "{body}");
    let provider = register_provider(app, registration).await;
    crate::accredit(app, &provider, "alcohol_treatment", 80).await;
    let pt = app.provider_token(&provider);
    let mut listing = crate::listing_body(40_000);
    listing["specification_code"] = json!("ALC-TRT");
    let l = crate::create_listing(app, &provider, &listing).await;
    let start = app.today() + chrono::Duration::days(5);
    let (s, body) = app
        .put(
            &format!("/v1/listings/{l}/capacity"),
            &pt,
            &json!({"slots": [{"starts_on": start.to_string(), "places": 3}]}),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = app
        .post_empty(&format!("/v1/listings/{l}/publish"), &pt)
        .await;
    assert_eq!(s, 200, "{body}");
    provider
}

/// A Sheffield case sentenced today to unpaid work and alcohol treatment (alcohol a high
/// need linked to offending); its plan approved. Returns the orders by category.
pub async fn sentenced_to_both(app: &TestApp, crn: &str) -> (Value, Value) {
    let ann = manager_token("SY-SHF", "om-ann");
    let bob = manager_token("SY-SHF", "om-bob");
    let (s, body) = app
        .post(
            "/v1/cases",
            &ann,
            &json!({"crn": crn, "sex": "male", "date_of_birth": "1990-04-01", "area": "SY-SHF"}),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    let mut assessment = crate::assessment_body(&format!("OASYS-{crn}"), crn);
    assessment["sentence_date"] = json!(app.today().to_string());
    let (s, a) = app.post("/v1/assessments", &ann, &assessment).await;
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_str().expect("id");
    app.post_empty(&format!("/v1/assessments/{id}/submit"), &ann)
        .await;
    let (s, body) = app
        .post_empty(&format!("/v1/assessments/{id}/approve"), &bob)
        .await;
    assert_eq!(s, 200, "{body}");
    let (_, plan) = app
        .get(&format!("/v1/assessments/{id}/sentence-plan"), &ann)
        .await;
    let plan = plan["id"].as_str().expect("plan");
    let (s, approval) = app
        .post_empty(&format!("/v1/sentence-plans/{plan}/approve"), &ann)
        .await;
    assert_eq!(s, 200, "{approval}");
    let orders = approval["orders"].as_array().expect("orders");
    let of = |category: &str| {
        orders
            .iter()
            .find(|o| o["category"] == category)
            .cloned()
            .unwrap_or_else(|| panic!("no {category} order in {approval}"))
    };
    (of("unpaid_work"), of("alcohol_treatment"))
}

/// Records an order's outcome straight in storage, as the outcome measurement fills
/// `orders.outcome` for each order it attributes (`no_proven_reoffence_12m` or
/// `proven_reoffence_12m`).
pub fn set_outcome(app: &TestApp, order_id: &str, outcome: &str) {
    use diesel::prelude::*;
    use provider_hub_store::schema::orders;
    let mut conn = app.db.connect();
    let updated = diesel::update(orders::table.find(order_id))
        .set(orders::outcome.eq(outcome))
        .execute(&mut conn)
        .expect("set the outcome");
    assert_eq!(updated, 1, "order {order_id}");
}

/// Takes an offered order through delivery as its provider: accepts the offer, starts,
/// and ends it `completed` (after attending in full) or `failed`.
pub async fn deliver(app: &TestApp, order: &Value, ending: &str) {
    let provider = order["provider_id"].as_str().expect("provider");
    let id = order["id"].as_str().expect("id");
    let offer = order["offer"]["id"].as_str().expect("offer");
    let pt = app.provider_token(provider);
    let (s, body) = app
        .post_empty(&format!("/v1/offers/{offer}/accept"), &pt)
        .await;
    assert_eq!(s, 200, "{body}");
    let event = |kind: &str| json!({ "type": kind });
    let (s, body) = app
        .post(
            &format!("/v1/orders/{id}/delivery-events"),
            &pt,
            &event("started"),
        )
        .await;
    assert_eq!(s, 201, "{body}");
    if ending == "completed" {
        crate::attend_in_full(app, provider, id).await;
    }
    let (s, body) = app
        .post(
            &format!("/v1/orders/{id}/delivery-events"),
            &pt,
            &event(ending),
        )
        .await;
    assert_eq!(s, 201, "{body}");
}
