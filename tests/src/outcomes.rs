//! Helpers for outcomes per person: delivering an order to completion, and recording a
//! person's reoffending once their measurement period is over.

use serde_json::{json, Value};

use crate::{attend_in_full, TestApp};

/// Accepts an order's offer, starts it today, attends it in full and completes it, as
/// its provider.
pub async fn complete(app: &TestApp, order: &Value) -> (String, String) {
    let p = order["provider_id"].as_str().expect("placed").to_owned();
    let id = order["id"].as_str().expect("order").to_owned();
    let pt = app.provider_token(&p);
    if let Some(offer) = order["offer"]["id"].as_str() {
        let (s, body) = app
            .post_empty(&format!("/v1/offers/{offer}/accept"), &pt)
            .await;
        assert_eq!(s, 200, "{body}");
    }
    let report = |kind: &'static str| {
        let (pt, id) = (pt.clone(), id.clone());
        async move {
            let (s, body) = app
                .post(
                    &format!("/v1/orders/{id}/delivery-events"),
                    &pt,
                    &json!({ "type": kind }),
                )
                .await;
            assert_eq!(s, 201, "{kind}: {body}");
        }
    };
    report("started").await;
    attend_in_full(app, &p, &id).await;
    report("completed").await;
    (id, p)
}

/// Records a person's proven reoffences for their next period not yet recorded.
pub async fn record_reoffending(app: &TestApp, crn: &str, proven_reoffences: i64) -> (u16, Value) {
    app.post(
        "/v1/reoffending",
        &app.token("commissioner"),
        &json!({ "crn": crn, "proven_reoffences": proven_reoffences }),
    )
    .await
}

/// Moves the hub's clock past a 12-month measurement period started today.
pub fn period_over(app: &TestApp) {
    app.clock.advance_days(370);
}

/// Pays a completed order's outcome milestone (the rest of its price) and sets its
/// outcome now, written as the store holds a recorded outcome: for fixtures whose dates
/// cannot wait the 12 months of a measurement period (the reports read payments and the
/// orders' outcome, not how they were earned).
pub fn outcome_paid_now(app: &TestApp, order: &str, outcome: &str) {
    use diesel::RunQueryDsl;
    let now = provider_hub_api::Clock::now(&*app.clock);
    let year = provider_hub_domain::payment::financial_year(now.date_naive());
    let at = now.naive_utc().format("%Y-%m-%d %H:%M:%S");
    let mut conn = app.db.connect();
    diesel::sql_query(format!(
        "INSERT INTO payments (id, order_id, milestone, amount_pence, area_code, provider_id, financial_year, created_at) \
         SELECT 'pay_outcome_' || id, id, 'outcome', \
                price_pence - (SELECT COALESCE(SUM(amount_pence), 0) FROM payments WHERE order_id = '{order}'), \
                area_code, provider_id, {year}, '{at}' \
         FROM orders WHERE id = '{order}'"
    ))
    .execute(&mut conn)
    .expect("outcome payment");
    diesel::sql_query(format!(
        "UPDATE orders SET outcome = '{outcome}' WHERE id = '{order}'"
    ))
    .execute(&mut conn)
    .expect("outcome");
}
