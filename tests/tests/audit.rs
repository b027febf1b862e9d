//! The tamper-evident audit trail on both backends: concurrent writes keep one chain,
//! and `provider-hub audit verify` names the first row that was changed or removed.

use diesel::prelude::*;
use provider_hub_store::schema::audit_log;
use provider_hub_tests::{both_backends, json, seed_market, TestApp};

/// Runs `provider-hub audit verify` on the test's database: (succeeded, what it said).
fn verify(app: &TestApp) -> (bool, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hub-peer"))
        .args(["audit", "verify"])
        .env_clear()
        .env("HUB_DATABASE_URL", &app.db.url)
        .env("HUB_DATA_DIR", std::env::temp_dir())
        .output()
        .expect("run audit verify");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), said)
}

both_backends!(
    an_edited_or_removed_audit_row_breaks_the_chain_there,
    |app: TestApp| async move {
        seed_market(&app).await;
        // Concurrent audited writes still make one chain.
        let admin = app.token("admin");
        let creates = (0..12).map(|i| {
            let (app, admin) = (&app, admin.clone());
            async move {
                app.post(
                    "/v1/areas",
                    &admin,
                    &json!({"code": format!("AR-{i:02}"), "name": format!("Area {i}"), "region": "Test"}),
                )
                .await
                .0
            }
        });
        let statuses = futures_util::future::join_all(creates).await;
        assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
        let rows = app.audit_count();
        let (ok, said) = verify(&app);
        assert!(ok, "{said}");
        assert!(said.contains(&format!("intact: {rows} rows")), "{said}");

        let mut conn = app.db.connect();
        let ids: Vec<i64> = audit_log::table
            .select(audit_log::id)
            .order(audit_log::id.asc())
            .load(&mut conn)
            .expect("ids");
        // Edit a row in the middle: the chain breaks at that row.
        let edited = ids[ids.len() / 2];
        diesel::update(audit_log::table.filter(audit_log::id.eq(edited)))
            .set(audit_log::after_state.eq(Some("{\"allocated_pence\":0}")))
            .execute(&mut conn)
            .expect("tamper");
        let (ok, said) = verify(&app);
        assert!(!ok, "{said}");
        assert!(said.contains(&format!("broken at row {edited} ")), "{said}");

        // Removing a row breaks it at the row after.
        let removed = ids[2];
        diesel::delete(audit_log::table.filter(audit_log::id.eq(removed)))
            .execute(&mut conn)
            .expect("remove");
        let (ok, said) = verify(&app);
        assert!(!ok);
        assert!(
            said.contains(&format!("broken at row {} ", ids[3])),
            "{said}"
        );
    }
);

/// Verifying a database that is not there is an error that says so, and creates nothing:
/// a mistyped data directory never reads as an intact, empty trail.
#[test]
fn verifying_a_database_that_is_not_there_is_an_error() {
    let dir = std::env::temp_dir().join(format!("hub-verify-missing-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let missing = dir.join("no-such-hub.sqlite3");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_hub-peer"))
        .args(["audit", "verify"])
        .env_clear()
        .env(
            "HUB_DATABASE_URL",
            format!("sqlite://{}", missing.display()),
        )
        .env("HUB_DATA_DIR", &dir)
        .output()
        .expect("run audit verify");
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    let created = missing.exists();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!out.status.success(), "{said}");
    assert!(said.contains("no database at"), "{said}");
    assert!(!said.contains("intact"), "{said}");
    assert!(!created, "verify created {}", missing.display());
}
