//! Every migration runs up, down and up again on both backends, and the schema the code
//! expects matches what the migrations make.

use diesel::prelude::*;
use provider_hub_store::db::{revert_all_migrations, run_migrations};
use provider_hub_store::schema::{
    accreditations, areas, audit_log, capacity_shares, cases, idempotency_keys, listing_areas,
    listing_prices, listings, providers, quality_threshold, specifications,
};
use provider_hub_tests::{Backend, TestDb};

fn round_trip(backend: Backend) {
    let db = TestDb::new(backend);
    let mut conn = db.connect();
    let applied = run_migrations(&mut conn).expect("up");
    assert!(!applied.is_empty());
    check_schema(&mut conn);
    let reverted = revert_all_migrations(&mut conn).expect("down");
    assert_eq!(reverted.len(), applied.len());
    assert!(
        areas::table.count().get_result::<i64>(&mut conn).is_err(),
        "tables are gone after down"
    );
    let again = run_migrations(&mut conn).expect("up again");
    assert_eq!(again, applied);
    check_schema(&mut conn);
}

/// Selecting every column of every table in schema.rs fails if a column is missing or mistyped.
fn check_schema(conn: &mut provider_hub_store::DbConn) {
    use provider_hub_store::{
        cases::CaseRow, listings::ListingRow, listings::PriceRow, providers::AccreditationRow,
        providers::ProviderRow,
    };
    assert_eq!(
        providers::table
            .select(ProviderRow::as_select())
            .load(conn)
            .expect("providers")
            .len(),
        0
    );
    assert_eq!(
        accreditations::table
            .select(AccreditationRow::as_select())
            .load(conn)
            .expect("accreditations")
            .len(),
        0
    );
    assert_eq!(
        listings::table
            .select(ListingRow::as_select())
            .load(conn)
            .expect("listings")
            .len(),
        0
    );
    assert_eq!(
        listing_prices::table
            .select(PriceRow::as_select())
            .load(conn)
            .expect("listing_prices")
            .len(),
        0
    );
    assert_eq!(
        cases::table
            .select(CaseRow::as_select())
            .load(conn)
            .expect("cases")
            .len(),
        0
    );
    let slots: Vec<(String, chrono::NaiveDate, i32, i32, i32)> = capacity_shares::table
        .select(capacity_shares::all_columns)
        .load(conn)
        .expect("capacity_shares");
    assert!(slots.is_empty());
    let served: Vec<(String, String)> = listing_areas::table
        .select(listing_areas::all_columns)
        .load(conn)
        .expect("listing_areas");
    assert!(served.is_empty());
    // The threshold row is made by the migration, at the documented default.
    let threshold: Vec<(i32, chrono::NaiveDateTime, String)> = quality_threshold::table
        .select((
            quality_threshold::threshold,
            quality_threshold::updated_at,
            quality_threshold::updated_by,
        ))
        .load(conn)
        .expect("quality_threshold");
    assert_eq!(threshold.len(), 1);
    assert_eq!(
        threshold[0].0,
        i32::from(provider_hub_domain::provider::DEFAULT_THRESHOLD)
    );
    assert_eq!(
        areas::table
            .select(areas::all_columns)
            .load::<(String, String, String, chrono::NaiveDateTime)>(conn)
            .expect("areas")
            .len(),
        0
    );
    assert_eq!(
        specifications::table
            .select(provider_hub_store::specifications::SpecificationRow::as_select())
            .load(conn)
            .expect("specifications")
            .len(),
        0
    );
    assert_eq!(
        audit_log::table
            .select(provider_hub_store::audit::AuditRow::as_select())
            .load(conn)
            .expect("audit_log")
            .len(),
        0
    );
    use provider_hub_store::schema::{assessments, lead_times, orders, plan_items, sentence_plans};
    let counts = [
        assessments::table
            .select(provider_hub_store::assessments::AssessmentRow::as_select())
            .load(conn)
            .expect("assessments")
            .len(),
        sentence_plans::table
            .select(provider_hub_store::plans::PlanRow::as_select())
            .load(conn)
            .expect("sentence_plans")
            .len(),
        plan_items::table
            .select(provider_hub_store::plans::PlanItemRow::as_select())
            .load(conn)
            .expect("plan_items")
            .len(),
        orders::table
            .select(provider_hub_store::orders::OrderRow::as_select())
            .load(conn)
            .expect("orders")
            .len(),
        provider_hub_store::plans::lead_times(conn)
            .expect("lead_times")
            .len(),
        lead_times::table
            .count()
            .get_result::<i64>(conn)
            .expect("count") as usize,
        provider_hub_store::schema::payments::table
            .select(provider_hub_store::payments::PaymentRow::as_select())
            .load(conn)
            .expect("payments")
            .len(),
        provider_hub_store::schema::delivery_events::table
            .select(provider_hub_store::payments::DeliveryEventRow::as_select())
            .load(conn)
            .expect("delivery_events")
            .len(),
        provider_hub_store::schema::offers::table
            .select(provider_hub_store::offers::OfferRow::as_select())
            .load(conn)
            .expect("offers")
            .len(),
        provider_hub_store::schema::matching_runs::table
            .select(provider_hub_store::matching::RunRow::as_select())
            .load(conn)
            .expect("matching_runs")
            .len(),
        provider_hub_store::schema::area_policies::table
            .select(provider_hub_store::matching::PolicyRow::as_select())
            .load(conn)
            .expect("area_policies")
            .len(),
        provider_hub_store::budgets::all(conn)
            .expect("budgets")
            .len(),
        provider_hub_store::schema::events::table
            .select(provider_hub_store::events::EventRow::as_select())
            .load(conn)
            .expect("events")
            .len(),
        provider_hub_store::schema::webhooks::table
            .select(provider_hub_store::webhooks::WebhookRow::as_select())
            .load(conn)
            .expect("webhooks")
            .len(),
        provider_hub_store::schema::webhook_deliveries::table
            .select(provider_hub_store::webhooks::DeliveryRow::as_select())
            .load(conn)
            .expect("webhook_deliveries")
            .len(),
    ];
    assert_eq!(counts, [0; 15]);
    // The published awards' query (every table it joins, on this backend's SQL).
    let awards = provider_hub_store::awards::list(conn, &Default::default(), None, 10)
        .expect("awards query");
    assert!(awards.items.is_empty() && awards.next.is_none());
    assert_eq!(
        idempotency_keys::table
            .select(provider_hub_store::idempotency::IdempotencyRecord::as_select())
            .load(conn)
            .expect("idempotency_keys")
            .len(),
        0
    );
}

#[test]
fn migrations_round_trip_on_sqlite() {
    round_trip(Backend::Sqlite);
}

#[test]
#[cfg_attr(
    not(hub_postgres),
    ignore = "set TEST_DATABASE_URL to run on PostgreSQL"
)]
fn migrations_round_trip_on_postgres() {
    round_trip(Backend::Postgres);
}

#[test]
fn both_backends_have_the_same_migrations() {
    let names = |dir: &str| {
        let mut v: Vec<String> = std::fs::read_dir(format!(
            "{}/../migrations/{dir}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .expect("migrations dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
        v.sort();
        v
    };
    assert_eq!(names("postgres"), names("sqlite"));
}
