//! Listing search answers, and what placements and quotes read of the supply, are kept
//! per supply version (`provider_hub_store::supply`): every change to what they read
//! must move the version on, however it is made.

use diesel::RunQueryDsl;
use provider_hub_tests::{
    accredit, both_backends, create_listing, ids, json, listing_body, manager_token, proposed_plan,
    register_provider, seed_market, upw_provider, Backend, TestApp,
};

fn version(app: &TestApp) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Version {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        version: i64,
    }
    let mut conn = app.db.connect();
    diesel::sql_query("SELECT version FROM supply_versions WHERE id = 1")
        .get_result::<Version>(&mut conn)
        .expect("the supply version")
        .version
}

/// The seeded market and one accredited provider's published unpaid-work listing in
/// SY-SHF: the provider's id and the listing's.
async fn published_listing(app: &TestApp, registration: &str) -> (String, String) {
    seed_market(app).await;
    let p = register_provider(app, registration).await;
    accredit(app, &p, "unpaid_work", 70).await;
    let l = create_listing(app, &p, &listing_body(50_000)).await;
    let (s, body) = app
        .post_empty(
            &format!("/v1/listings/{l}/publish"),
            &app.provider_token(&p),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    (p, l)
}

both_backends!(
    a_change_to_any_table_a_search_or_a_placement_keeps_moves_the_version_on,
    |app: TestApp| async move {
        seed_market(&app).await;
        let p = register_provider(&app, "CH-0071").await;
        accredit(&app, &p, "unpaid_work", 70).await;
        create_listing(&app, &p, &listing_body(50_000)).await;
        let (s, body) = app
            .put(
                "/v1/areas/SY-SHF/policy",
                &app.token("commissioner"),
                &json!({"policy": "best_price"}),
            )
            .await;
        assert_eq!(s, 200, "{body}");
        // Each table changed by hand, as an operator might: a table whose trigger a
        // migration dropped (SQLite drops a table's triggers when it rebuilds the table)
        // would leave searches answering from before the change.
        for (table, column) in [
            ("listings", "title"),
            ("listing_areas", "area_code"),
            ("providers", "name"),
            ("specifications", "title"),
            ("accreditations", "score"),
            ("quality_threshold", "threshold"),
            ("area_policies", "policy"),
        ] {
            let before = version(&app);
            let mut conn = app.db.connect();
            let changed = diesel::sql_query(format!("UPDATE {table} SET {column} = {column}"))
                .execute(&mut conn)
                .expect("update");
            assert!(changed > 0, "{table} has rows to change");
            assert!(
                version(&app) > before,
                "changing {table} moved the supply version on"
            );
        }
    }
);

both_backends!(
    a_search_answers_the_supply_as_it_is_however_it_changed,
    |app: TestApp| async move {
        // Searches are answered from answers kept per supply version: every change to
        // what a search reads moves the version on, through the API or not.
        let (p, l) = published_listing(&app, "CH-0061").await;
        let om = app.token("offender_manager");
        let search = "/v1/listings?area=SY-SHF&category=unpaid_work";
        for _ in 0..2 {
            let (_, page) = app.get(search, &om).await;
            assert_eq!(ids(&page), std::slice::from_ref(&l));
        }
        // An operator renames the provider in SQL.
        {
            let mut conn = app.db.connect();
            diesel::sql_query(format!(
                "UPDATE providers SET name = 'Renamed by hand' WHERE id = '{p}'"
            ))
            .execute(&mut conn)
            .expect("rename");
        }
        let (_, page) = app.get(search, &om).await;
        assert_eq!(page["items"][0]["provider_name"], "Renamed by hand");
        // The threshold raised above the provider's score: not a member, not in search.
        let q = app.token("quality");
        let (s, _) = app
            .put("/v1/quality/threshold", &q, &json!({"threshold": 75}))
            .await;
        assert_eq!(s, 200);
        let (_, page) = app.get(search, &om).await;
        assert!(ids(&page).is_empty(), "{page}");
        // The quality team's search is its own: it still sees the listing.
        let (_, page) = app.get(search, &q).await;
        assert_eq!(ids(&page), std::slice::from_ref(&l));
        let (s, _) = app
            .put("/v1/quality/threshold", &q, &json!({"threshold": 60}))
            .await;
        assert_eq!(s, 200);
        let (_, page) = app.get(search, &om).await;
        assert_eq!(ids(&page), std::slice::from_ref(&l));
    }
);

both_backends!(
    a_plan_is_costed_and_bought_from_the_supply_as_it_is_however_it_changed,
    |app: TestApp| async move {
        // A placement's and a quote's listings, specifications, providers, accreditations
        // and threshold are kept per supply version too: changed in SQL (an operator,
        // another process), they are read again at the next costing and approval.
        seed_market(&app).await;
        let (_, cheap) = upw_provider(&app, "CH-0081", 40_000, 5, 3, 70).await;
        let (dear_provider, dear) = upw_provider(&app, "CH-0082", 50_000, 5, 3, 70).await;
        let (assessment, plan) = proposed_plan(&app, "SY-SHF", "X700081", app.today()).await;
        let ann = manager_token("SY-SHF", "om-ann");
        let costed = || async {
            let (s, body) = app
                .get(&format!("/v1/assessments/{assessment}/sentence-plan"), &ann)
                .await;
            assert_eq!(s, 200, "{body}");
            let quote = &body["items"][0]["quote"];
            (
                quote["listing_id"].as_str().map(str::to_owned),
                quote["price_pence"].as_i64(),
            )
        };
        assert_eq!(costed().await, (Some(cheap.clone()), Some(40_000)));
        assert_eq!(costed().await, (Some(cheap.clone()), Some(40_000)));
        let sql = |statement: String| {
            let mut conn = app.db.connect();
            let changed = diesel::sql_query(statement)
                .execute(&mut conn)
                .expect("sql");
            assert_eq!(changed, 1);
        };
        sql(format!(
            "UPDATE listings SET price_pence = 55000 WHERE id = '{cheap}'"
        ));
        assert_eq!(costed().await, (Some(dear.clone()), Some(50_000)));
        // The dearer provider's accreditation falls below the quality threshold.
        sql(format!(
            "UPDATE accreditations SET score = 10 WHERE provider_id = '{dear_provider}'"
        ));
        assert_eq!(costed().await, (Some(cheap.clone()), Some(55_000)));
        let (s, approval) = app
            .post_empty(&format!("/v1/sentence-plans/{plan}/approve"), &ann)
            .await;
        assert_eq!(s, 200, "{approval}");
        let order = &approval["orders"][0];
        assert_eq!(order["listing_id"], json!(cheap), "{approval}");
        assert_eq!(order["price_pence"], json!(55_000), "{approval}");
    }
);

/// A search on PostgreSQL waits for a reading of the supply version on the reader's own
/// connection: when that connection is cut (as a database restart or an operator would
/// cut it), the next search is read on a fresh one, answered 200 and fresh, not 503.
#[actix_web::test]
#[cfg_attr(
    not(hub_postgres),
    ignore = "set TEST_DATABASE_URL to run on PostgreSQL"
)]
async fn a_search_is_answered_afresh_after_the_version_reader_loses_its_connection() {
    #[derive(diesel::QueryableByName)]
    struct Cut {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        cut: i64,
    }
    let app = TestApp::spawn(Backend::Postgres).await;
    let (_, l) = published_listing(&app, "CH-0091").await;
    let om = app.token("offender_manager");
    let search = "/v1/listings?area=SY-SHF&category=unpaid_work";
    let (s, page) = app.get(search, &om).await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(ids(&page), vec![l.clone()]);

    // The reader of this database (the hub's server is on this machine, so the reader is
    // a task of an HTTP worker, with the statement as written in the store).
    let mut conn = app.db.connect();
    let cut = diesel::sql_query(
        "SELECT count(pg_terminate_backend(pid, 5000)) AS cut FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() \
         AND query = 'SELECT version FROM supply_versions WHERE id = 1'",
    )
    .get_result::<Cut>(&mut conn)
    .expect("the reader's connection cut")
    .cut;
    assert!(
        cut >= 1,
        "the version reader's connection was found and cut"
    );
    diesel::sql_query(format!(
        "UPDATE listings SET title = 'Renamed after the cut' WHERE id = '{l}'"
    ))
    .execute(&mut conn)
    .expect("rename");

    let (s, page) = app.get(search, &om).await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["items"][0]["title"], "Renamed after the cut", "{page}");
}
