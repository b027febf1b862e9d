//! Listing search answers are kept per supply version (`provider_hub_store::supply`):
//! every change to what a search reads must move the version on, however it is made.

use diesel::RunQueryDsl;
use provider_hub_tests::{
    accredit, both_backends, create_listing, ids, json, listing_body, register_provider,
    seed_market, TestApp,
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

both_backends!(
    a_change_to_any_table_a_search_reads_moves_the_version_on,
    |app: TestApp| async move {
        seed_market(&app).await;
        let p = register_provider(&app, "CH-0071").await;
        accredit(&app, &p, "unpaid_work", 70).await;
        create_listing(&app, &p, &listing_body(50_000)).await;
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
        seed_market(&app).await;
        let p = register_provider(&app, "CH-0061").await;
        accredit(&app, &p, "unpaid_work", 70).await;
        let l = create_listing(&app, &p, &listing_body(50_000)).await;
        let (s, _) = app
            .post_empty(
                &format!("/v1/listings/{l}/publish"),
                &app.provider_token(&p),
            )
            .await;
        assert_eq!(s, 200);
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
