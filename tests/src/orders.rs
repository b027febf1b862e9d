//! Reading orders and places as the tests' buyers see them, and waiting for the background
//! worker to move an order.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{manager_token, TestApp};

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
