//! The `provider-hub` command line as a new user runs it.

use std::process::Command;

fn hub(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_provider-hub"))
        .args(args)
        .env_clear()
        .env("HUB_DATA_DIR", data_dir)
        .output()
        .expect("run provider-hub")
}

fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hub-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn token_generates_and_keeps_a_secret_and_signs_with_it() {
    let dir = temp_dir("token");
    let out = hub(
        &dir,
        &["token", "--role", "offender_manager", "--area", "SY-SHF"],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8(out.stdout)
        .expect("utf8")
        .trim()
        .to_owned();
    assert_eq!(token.split('.').count(), 3, "a JWT");

    let secret =
        std::fs::read_to_string(dir.join("jwt-secret")).expect("secret kept in the data dir");
    provider_hub_server::install_crypto();
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_audience(&["provider-hub"]);
    validation.set_issuer(&["provider-hub"]);
    let data = jsonwebtoken::decode::<serde_json::Value>(
        &token,
        &jsonwebtoken::DecodingKey::from_secret(secret.trim().as_bytes()),
        &validation,
    )
    .expect("the token verifies with the kept secret");
    assert_eq!(data.claims["role"], "offender_manager");
    assert_eq!(data.claims["area"], "SY-SHF");

    // A second token uses the same secret: the first one was not replaced.
    let again = hub(&dir, &["token", "--role", "quality"]);
    assert!(again.status.success());
    assert_eq!(
        std::fs::read_to_string(dir.join("jwt-secret")).expect("secret"),
        secret
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn token_refuses_a_role_without_its_scope() {
    let dir = temp_dir("scope");
    for args in [
        vec!["token", "--role", "offender_manager"],
        vec!["token", "--role", "provider"],
        vec!["token", "--role", "quality", "--provider-id", "prv_1"],
        vec!["token", "--role", "wizard"],
    ] {
        let out = hub(&dir, &args);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(!out.stderr.is_empty(), "{args:?} says why");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn migrate_creates_the_embedded_database() {
    let dir = temp_dir("migrate");
    let out = hub(&dir, &["migrate"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.join("provider-hub.sqlite3").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn openapi_writes_the_document() {
    let dir = temp_dir("openapi");
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("openapi.json");
    let out = hub(&dir, &["openapi", path.to_str().expect("path")]);
    assert!(out.status.success());
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("written")).expect("json");
    assert!(doc["paths"]["/v1/specifications"].is_object());
    let _ = std::fs::remove_dir_all(&dir);
}
