//! Webhooks reach only public addresses, and their signing secrets are sealed at rest, on
//! both backends: a URL pointing at this machine, a private network or a cloud metadata
//! service is refused when registered (in any spelling), and a name that resolves to one
//! is refused again when a delivery is sent, so nothing reaches it; the operator can
//! allow internal addresses for local testing. The database holds no secret in clear,
//! deliveries still verify with the secret shown once, and a hub given another key
//! refuses to start.

use std::sync::Arc;
use std::time::{Duration, Instant};

use provider_hub_server::dispatcher::{self, DispatchOptions, Dispatcher};
use provider_hub_tests::{
    both_backends, json, purchase, seed_market, upw_provider, Receiver, TestApp, TEST_SECRET_KEY,
};
use serde_json::Value;

/// What the webhooks table holds for `provider`: its URL and stored secret.
fn stored(app: &TestApp, provider: &str) -> Option<(String, String)> {
    use diesel::prelude::*;
    use provider_hub_store::schema::webhooks as w;
    w::table
        .filter(w::provider_id.eq(provider))
        .select((w::url, w::secret))
        .first(&mut app.db.connect())
        .optional()
        .expect("read the webhooks table")
}

async fn register(app: &TestApp, provider: &str, url: &str) -> (u16, Value) {
    app.put(
        &format!("/v1/providers/{provider}/webhook"),
        &app.provider_token(provider),
        &json!({ "url": url }),
    )
    .await
}

/// A dispatcher on the test hub's database, as a hub process with `allow_private` runs it.
fn dispatcher_on(app: &TestApp, allow_private: bool) -> Dispatcher {
    let pool = provider_hub_server::open_database(&app.config).expect("database");
    let mut settings = app.config.webhooks;
    settings.allow_private = allow_private;
    dispatcher::spawn(
        pool,
        app.clock.clone(),
        DispatchOptions {
            settings,
            key: Arc::new(app.config.secret_key().expect("the test key")),
            timeout: Duration::from_millis(app.config.webhook_timeout_ms),
            every: Duration::from_millis(app.config.dispatch_interval_ms),
        },
    )
}

/// The provider's deliveries, once one of them satisfies `done` (or fails after 20 s).
async fn wait_for_delivery(app: &TestApp, provider: &str, done: impl Fn(&Value) -> bool) -> Value {
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let (s, page) = app
            .get(
                &format!("/v1/webhook-deliveries?provider_id={provider}"),
                &app.token("admin"),
            )
            .await;
        assert_eq!(s, 200, "{page}");
        if let Some(found) = page["items"]
            .as_array()
            .and_then(|items| items.iter().find(|d| done(d)))
        {
            return found.clone();
        }
        assert!(Instant::now() < until, "timed out; deliveries: {page}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

both_backends!(
    webhook_urls_pointing_at_internal_addresses_are_refused_and_nothing_is_stored,
    adjust = |c: &mut provider_hub_tests::Config| c.webhooks.allow_private = false,
    |app: TestApp| async move {
        seed_market(&app).await;
        let (provider, _) = upw_provider(&app, "SSRF-1", 30_000, 2, 3, 80).await;
        let audit_rows = app.audit_count();
        for (url, why) in [
            ("https://127.0.0.1:9/", "loopback"),
            ("http://127.0.0.1:9/hook", "loopback"),
            ("https://2130706433/", "loopback"),
            ("https://0x7f.1/", "loopback"),
            ("https://0177.0.0.1/", "loopback"),
            ("https://127.0.0.1./", "loopback"),
            ("https://[::1]:8443/", "loopback"),
            ("https://[::ffff:127.0.0.1]/", "loopback"),
            ("https://localhost/hook", "localhost"),
            ("https://localhost./hook", "localhost"),
            (
                "https://169.254.169.254/latest/meta-data/",
                "cloud metadata",
            ),
            ("https://[fd00:ec2::254]/", "cloud metadata"),
            (
                "https://metadata.google.internal/computeMetadata/v1/",
                "cloud metadata",
            ),
            ("https://10.0.0.8/", "private network"),
            ("https://172.16.5.4/", "private network"),
            ("https://192.168.1.1/", "private network"),
            ("https://[::ffff:10.0.0.1]/", "private network"),
            ("https://100.64.0.1/", "shared"),
            ("https://169.254.10.10/", "link-local"),
            ("https://[fe80::1]/", "link-local"),
            ("https://[fd12:3456::1]/", "unique-local"),
            ("https://0.0.0.0/", "unspecified"),
            ("https://224.0.0.251/", "multicast"),
            ("https://255.255.255.255/", "broadcast"),
            ("https://192.0.2.10/", "documentation"),
            ("https://intranet/hook", "single-label"),
        ] {
            let (s, problem) = register(&app, &provider, url).await;
            assert_eq!(s, 422, "{url}: {problem}");
            assert_eq!(problem["errors"][0]["field"], "url", "{url}: {problem}");
            let message = problem["errors"][0]["message"].as_str().unwrap_or("");
            assert!(
                message.contains(why) && message.contains("public internet addresses"),
                "{url}: the reason should say {why}: {problem}"
            );
        }
        // Credentials in front of a public-looking name do not hide the address.
        let (s, problem) = register(&app, &provider, "https://hooks.example.org@127.0.0.1/").await;
        assert_eq!(s, 422, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "url");
        // Nothing stored, nothing audited.
        let (s, _) = app
            .get(
                &format!("/v1/providers/{provider}/webhook"),
                &app.provider_token(&provider),
            )
            .await;
        assert_eq!(s, 404, "nothing was registered");
        assert_eq!(stored(&app, &provider), None);
        assert_eq!(app.audit_count(), audit_rows);
        // A public name is accepted.
        let (s, hook) = register(&app, &provider, "https://hooks.example.org/hub").await;
        assert_eq!(s, 200, "{hook}");
    }
);

both_backends!(
    secrets_are_sealed_at_rest_and_deliveries_still_verify_with_the_secret_shown_once,
    |app: TestApp| async move {
        seed_market(&app).await;
        let receiver = Receiver::start(0).await;
        let (provider, _) = upw_provider(&app, "SEAL-1", 30_000, 2, 3, 80).await;
        // The test hub allows internal addresses: the loopback receiver is accepted.
        let (s, hook) = register(&app, &provider, &receiver.url).await;
        assert_eq!(s, 200, "{hook}");
        let secret = hook["secret"].as_str().expect("secret").to_owned();
        assert!(secret.starts_with("whsec_"), "{hook}");
        let (_, column) = stored(&app, &provider).expect("stored");
        assert!(
            !column.contains("whsec_"),
            "no clear secret in the database: {column}"
        );
        assert!(!column.contains(&secret["whsec_".len()..]), "{column}");
        assert!(column.starts_with("sealed:v1:"), "{column}");

        purchase(&app, "SY-SHF", "S000001").await;
        receiver
            .wait_for(20, "the offer's event", |got| !got.is_empty())
            .await;
        let delivered = &receiver.requests()[0];
        assert!(
            delivered.signed_with(&secret),
            "verifies with the secret shown once"
        );
        assert!(
            !delivered.signed_with(&column),
            "not with what the database holds"
        );
    }
);

both_backends!(
    a_hub_started_with_another_key_refuses_to_start_and_clear_secrets_are_sealed_at_start,
    |app: TestApp| async move {
        seed_market(&app).await;
        let receiver = Receiver::start(0).await;
        let (provider, _) = upw_provider(&app, "SEAL-2", 30_000, 2, 3, 80).await;
        let (s, hook) = register(&app, &provider, &receiver.url).await;
        assert_eq!(s, 200, "{hook}");

        // Another key, configured or generated into an empty data directory: refused.
        let mut other = app.config.clone();
        other.listen = "127.0.0.1:0".into();
        other.secret_key = Some("b3RoZXIta2V5LW90aGVyLWtleS1vdGhlci1rZXktISE=".into());
        let refused = provider_hub_server::Application::build(&other)
            .err()
            .expect("a hub with another key does not start");
        assert!(
            refused.contains("does not open the webhook signing secrets"),
            "{refused}"
        );
        other.secret_key = None;
        other.data_dir =
            std::env::temp_dir().join(format!("hub-key-{}", uuid::Uuid::new_v4().simple()));
        let refused = provider_hub_server::Application::build(&other)
            .err()
            .expect("a hub with a newly generated key does not start");
        assert!(refused.contains("secret-key file"), "{refused}");
        let _ = std::fs::remove_dir_all(&other.data_dir);

        // A secret kept in clear by an older hub is sealed when a hub starts.
        let clear = "whsec_0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab";
        {
            use diesel::prelude::*;
            use provider_hub_store::schema::webhooks as w;
            diesel::update(w::table.filter(w::provider_id.eq(&provider)))
                .set(w::secret.eq(clear))
                .execute(&mut app.db.connect())
                .expect("write a clear secret");
        }
        let mut same = app.config.clone();
        same.listen = "127.0.0.1:0".into();
        same.secret_key = Some(TEST_SECRET_KEY.into());
        let restarted = provider_hub_server::Application::build(&same).expect("starts");
        let handle = restarted.handle();
        actix_web::rt::spawn(restarted.run_until_stopped());
        handle.stop(true).await;
        let (_, column) = stored(&app, &provider).expect("stored");
        assert!(
            column.starts_with("sealed:v1:") && !column.contains("whsec_"),
            "{column}"
        );
        // And deliveries are signed with it.
        purchase(&app, "SY-SHF", "S000002").await;
        receiver
            .wait_for(20, "the offer's event", |got| !got.is_empty())
            .await;
        assert!(receiver.requests()[0].signed_with(clear));
    }
);

both_backends!(
    a_name_that_resolves_to_an_internal_address_is_refused_when_sending,
    |app: TestApp| async move {
        seed_market(&app).await;
        let receiver = Receiver::start(0).await;
        let (provider, _) = upw_provider(&app, "REBIND-1", 30_000, 2, 3, 80).await;
        // Registered while internal addresses were allowed, under a name: `localhost`
        // stands for any public name later re-pointed at an internal address.
        let by_name = receiver.url.replace("127.0.0.1", "localhost");
        let (s, hook) = register(&app, &provider, &by_name).await;
        assert_eq!(s, 200, "{hook}");
        // The hub then runs with internal addresses refused.
        app.stop_dispatcher();
        let refusing = dispatcher_on(&app, false);
        purchase(&app, "SY-SHF", "R000001").await;
        let failed = wait_for_delivery(&app, &provider, |d| {
            d["last_error"]
                .as_str()
                .is_some_and(|e| e.starts_with("refused"))
        })
        .await;
        let error = failed["last_error"].as_str().unwrap_or("");
        assert!(
            error.contains("localhost resolves to") && error.contains("loopback"),
            "{failed}"
        );
        assert!(error.contains("public internet addresses"), "{failed}");
        assert_eq!(failed["status"], "pending", "retried later: {failed}");
        assert!(failed["attempts"].as_i64() >= Some(1), "{failed}");
        assert_eq!(failed["last_status"], Value::Null);

        // The same receiver by address: refused before any connection too.
        let (s, hook) = register(&app, &provider, &receiver.url).await;
        assert_eq!(s, 200, "{hook}");
        let failed = wait_for_delivery(&app, &provider, |d| {
            d["last_error"]
                .as_str()
                .is_some_and(|e| e.contains("address 127.0.0.1 is a loopback"))
        })
        .await;
        assert_eq!(failed["status"], "pending", "{failed}");
        assert!(
            receiver.requests().is_empty(),
            "nothing reached the receiver"
        );

        // Allowed again, the receiver gets it: it was reachable all along.
        refusing.stop_and_join();
        let allowing = dispatcher_on(&app, true);
        receiver
            .wait_for(20, "the delivery once allowed", |got| !got.is_empty())
            .await;
        allowing.stop_and_join();
    }
);
