//! The configuration parser's tests: every setting, its default and its refusals.

use super::*;
use std::collections::HashMap;

fn config(vars: &[(&str, &str)]) -> Result<Config, String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::from_env_with(|k| map.get(k).cloned())
}

#[test]
fn defaults_run_on_sqlite_in_the_data_directory() {
    let c = config(&[]).expect("defaults are valid");
    assert_eq!(c.database_url, "sqlite://./data/provider-hub.sqlite3");
    assert_eq!(c.listen, DEFAULT_LISTEN);
    assert!(c.uses_shared_secret());
}

#[test]
fn refuses_two_key_sources_and_weak_secrets() {
    assert!(config(&[
        ("HUB_JWT_SECRET", &"x".repeat(40)),
        ("HUB_JWKS_URL", "http://idp/jwks")
    ])
    .is_err());
    assert!(config(&[("HUB_JWT_SECRET", "short")]).is_err());
    assert!(config(&[("HUB_DB_POOL_SIZE", "0")]).is_err());
    assert!(config(&[("HUB_OFFER_WORKING_DAYS", "0")]).is_err());
    assert!(config(&[("HUB_WORKER_INTERVAL_MS", "10")]).is_err());
    assert_eq!(config(&[]).map(|c| c.offer_working_days), Ok(2));
    assert_eq!(
        config(&[("HUB_OFFER_WORKING_DAYS", "5")]).map(|c| c.offer_working_days),
        Ok(5)
    );
    assert!(config(&[("HUB_PLAN_REVIEW_MONTHS", "0")]).is_err());
    assert!(config(&[("HUB_PLAN_REVIEW_MONTHS", "37")]).is_err());
    assert_eq!(config(&[]).map(|c| c.plan_review_months), Ok(6));
    assert_eq!(
        config(&[("HUB_PLAN_REVIEW_MONTHS", "12")]).map(|c| c.plan_review_months),
        Ok(12)
    );
    assert_eq!(
        config(&[]).map(|c| c.breach_rule),
        Ok(provider_hub_domain::enforcement::BreachRule::default())
    );
    assert_eq!(
        config(&[("HUB_BREACH_FAILURES", "3"), ("HUB_BREACH_MONTHS", "6")])
            .map(|c| (c.breach_rule.failures, c.breach_rule.months)),
        Ok((3, 6))
    );
    assert!(config(&[("HUB_BREACH_FAILURES", "0")]).is_err());
    assert!(config(&[("HUB_BREACH_MONTHS", "37")]).is_err());
    assert!(config(&[("HUB_OCID_PREFIX", "ocds 213czf")]).is_err());
    assert!(config(&[("HUB_OCID_PREFIX", "ocds-213czf-")]).is_err());
    assert_eq!(
        config(&[]).map(|c| c.ocid_prefix),
        Ok("ocds-prvhub".to_owned())
    );
    assert_eq!(
        config(&[("HUB_OCID_PREFIX", "ocds-213czf")]).map(|c| c.ocid_prefix),
        Ok("ocds-213czf".to_owned())
    );
    assert!(config(&[("HUB_PUBLISHER_NAME", &"x".repeat(201))]).is_err());
}

#[test]
fn the_secret_key_is_configured_as_base64_or_kept_in_the_data_directory() {
    assert!(config(&[("HUB_SECRET_KEY", "too short")])
        .expect_err("refused")
        .contains("HUB_SECRET_KEY"));
    assert!(config(&[("HUB_WEBHOOK_ALLOW_PRIVATE", "yes")]).is_err());
    // Local sign-in: on for a loopback hub, off on the network unless said so.
    let local = |pairs: &[(&str, &str)]| config(pairs).map(|c| c.local_sign_in_allowed());
    assert_eq!(local(&[]), Ok(true));
    assert_eq!(local(&[("HUB_LISTEN", "[::1]:8080")]), Ok(true));
    assert_eq!(local(&[("HUB_LISTEN", "localhost:8080")]), Ok(true));
    assert_eq!(local(&[("HUB_LISTEN", "0.0.0.0:8080")]), Ok(false));
    assert_eq!(local(&[("HUB_LISTEN", "10.0.0.5:8080")]), Ok(false));
    assert_eq!(
        local(&[
            ("HUB_LISTEN", "0.0.0.0:8080"),
            ("HUB_LOCAL_SIGN_IN", "true")
        ]),
        Ok(true)
    );
    assert_eq!(local(&[("HUB_LOCAL_SIGN_IN", "false")]), Ok(false));
    assert!(config(&[("HUB_LOCAL_SIGN_IN", "maybe")]).is_err());
    assert_eq!(
        config(&[("HUB_WEBHOOK_ALLOW_PRIVATE", "true")]).map(|c| c.webhooks.allow_private),
        Ok(true)
    );
    assert_eq!(config(&[]).map(|c| c.webhooks.allow_private), Ok(false));
    let (_, text) = provider_hub_market::secrets::SecretKey::generate();
    assert!(config(&[("HUB_SECRET_KEY", &text)]).is_ok());

    let dir = std::env::temp_dir().join(format!("hub-key-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut c = config(&[]).expect("defaults");
    c.data_dir = dir.clone();
    let first = c.secret_key().expect("generated");
    let sealed = first.seal("test", "owner", "whsec_x");
    let second = c.secret_key().expect("read back");
    assert_eq!(
        second.open("test", "owner", &sealed).as_deref(),
        Ok("whsec_x")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.join(SECRET_KEY_FILE))
            .expect("key file")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn generates_a_secret_once_and_keeps_it() {
    let dir = std::env::temp_dir().join(format!("hub-secret-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let first = load_or_create_secret(&dir).expect("created");
    let second = load_or_create_secret(&dir).expect("read back");
    assert_eq!(first, second);
    assert_eq!(first.len(), 64);
    let _ = std::fs::remove_dir_all(&dir);
}
