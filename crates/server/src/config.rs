//! Configuration from `HUB_*` environment variables, with defaults that run the hub
//! on its embedded SQLite database with no setup.

use std::path::{Path, PathBuf};

use rand::RngCore;

/// Everything the hub needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// `sqlite://path` (default: a file in the data directory) or `postgres://…`.
    pub database_url: String,
    /// Address to listen on.
    pub listen: String,
    /// Where the hub keeps its SQLite file and generated secret.
    pub data_dir: PathBuf,
    /// HS256 secret; generated into the data directory when no key is configured.
    pub jwt_secret: Option<String>,
    /// RS256/ES256 public key, as PEM text or a path to a PEM file.
    pub jwt_public_key_pem: Option<String>,
    /// An identity provider's JWKS URL.
    pub jwks_url: Option<String>,
    pub jwt_issuer: String,
    pub jwt_audience: String,
    pub pool_size: u32,
    /// HTTP worker threads (default: the number of CPUs).
    pub workers: Option<usize>,
    /// Working days an offer waits for the provider's answer (HUB_OFFER_WORKING_DAYS, 1-20).
    pub offer_working_days: u32,
    /// Months from a sentence plan's approval to its review (HUB_PLAN_REVIEW_MONTHS, 1-36).
    pub plan_review_months: u32,
    /// When an order is flagged for breach: HUB_BREACH_FAILURES warnings within
    /// HUB_BREACH_MONTHS months.
    pub breach_rule: provider_hub_domain::enforcement::BreachRule,
    /// How often the background worker expires offers and retries unmatched orders
    /// (HUB_WORKER_INTERVAL_MS, 50-3600000; default 5000).
    pub worker_interval_ms: u64,
    /// The key webhook signing secrets are sealed with (HUB_SECRET_KEY, base64 of 32
    /// bytes); generated into the data directory when none is configured.
    pub secret_key: Option<String>,
    /// Webhook URLs allowed, retries and leases (`HUB_WEBHOOK_*`).
    pub webhooks: provider_hub_market::webhooks::Settings,
    /// How long one webhook POST may take (`HUB_WEBHOOK_TIMEOUT_MS`).
    pub webhook_timeout_ms: u64,
    /// How often the dispatcher looks for due deliveries when idle (`HUB_DISPATCH_INTERVAL_MS`).
    pub dispatch_interval_ms: u64,
    /// Writes per client (`HUB_RATE_LIMIT_PER_SECOND`, `HUB_RATE_LIMIT_BURST`); none when 0.
    pub rate_limit: Option<provider_hub_api::rate_limit::RateLimit>,
    /// How long a request waits for the database — a pooled connection, a lock — before
    /// it is answered 503 (`HUB_DB_TIMEOUT_MS`).
    pub db_timeout_ms: u64,
    /// The ocid prefix of published awards (HUB_OCID_PREFIX).
    pub ocid_prefix: String,
    /// The publisher named in published award packages (HUB_PUBLISHER_NAME).
    pub publisher_name: String,
    /// The hub's public URL (HUB_PUBLIC_URL); session cookies are `Secure` when it is https.
    pub public_url: Option<String>,
    /// The web session secret (HUB_SESSION_KEY); generated into the data directory when unset.
    pub session_key: Option<String>,
    /// Minutes a web session may sit unused before it is signed out (HUB_SESSION_IDLE_MINUTES).
    pub session_idle_minutes: u64,
    /// Web sign-in through an OpenID Connect identity provider (`HUB_OIDC_*`); the local
    /// sign-in page when unset.
    pub oidc: Option<provider_hub_web::OidcSettings>,
    /// The local sign-in page (HUB_LOCAL_SIGN_IN); unset: on only when the hub listens on
    /// a loopback address. Never with an identity provider.
    pub local_sign_in: Option<bool>,
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_ISSUER: &str = "provider-hub";
pub const DEFAULT_AUDIENCE: &str = "provider-hub";
const SECRET_FILE: &str = "jwt-secret";
const SECRET_KEY_FILE: &str = "secret-key";
const SESSION_KEY_FILE: &str = "session-key";

impl Config {
    /// Reads the environment; `get` is `std::env::var` in production and a map in tests.
    pub fn from_env_with(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let data_dir = PathBuf::from(non_empty("HUB_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = non_empty("HUB_DATABASE_URL").unwrap_or_else(|| {
            format!(
                "sqlite://{}",
                data_dir.join("provider-hub.sqlite3").display()
            )
        });
        let pool_size = match non_empty("HUB_DB_POOL_SIZE") {
            None => 10,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=200).contains(n))
                .ok_or("HUB_DB_POOL_SIZE must be a number from 1 to 200")?,
        };
        let workers = match non_empty("HUB_WORKERS") {
            None => None,
            Some(v) => Some(
                v.parse::<usize>()
                    .ok()
                    .filter(|n| (1..=256).contains(n))
                    .ok_or("HUB_WORKERS must be a number from 1 to 256")?,
            ),
        };
        let offer_working_days = match non_empty("HUB_OFFER_WORKING_DAYS") {
            None => provider_hub_domain::order::DEFAULT_OFFER_WORKING_DAYS,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=20).contains(n))
                .ok_or("HUB_OFFER_WORKING_DAYS must be a number from 1 to 20")?,
        };
        let plan_review_months = match non_empty("HUB_PLAN_REVIEW_MONTHS") {
            None => provider_hub_domain::revision::DEFAULT_REVIEW_MONTHS,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|n| provider_hub_domain::revision::REVIEW_MONTHS.contains(n))
                .ok_or("HUB_PLAN_REVIEW_MONTHS must be a number from 1 to 36")?,
        };
        let breach_rule = {
            use provider_hub_domain::enforcement::{
                BreachRule, MAX_RULE_FAILURES, MAX_RULE_MONTHS,
            };
            let defaults = BreachRule::default();
            let read = |name: &str, default: u32, max: u32| -> Result<u32, String> {
                match non_empty(name) {
                    None => Ok(default),
                    Some(v) => v
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (1..=max).contains(n))
                        .ok_or(format!("{name} must be a number from 1 to {max}")),
                }
            };
            BreachRule::new(
                read("HUB_BREACH_FAILURES", defaults.failures, MAX_RULE_FAILURES)?,
                read("HUB_BREACH_MONTHS", defaults.months, MAX_RULE_MONTHS)?,
            )?
        };
        let worker_interval_ms = match non_empty("HUB_WORKER_INTERVAL_MS") {
            None => 5_000,
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|n| (50..=3_600_000).contains(n))
                .ok_or("HUB_WORKER_INTERVAL_MS must be a number from 50 to 3600000")?,
        };
        let number = |name: &str, default: u64, min: u64, max: u64| -> Result<u64, String> {
            match non_empty(name) {
                None => Ok(default),
                Some(v) => v
                    .parse::<u64>()
                    .ok()
                    .filter(|n| (min..=max).contains(n))
                    .ok_or(format!("{name} must be a number from {min} to {max}")),
            }
        };
        let defaults = provider_hub_market::webhooks::Settings::default();
        let allow_http = match non_empty("HUB_WEBHOOK_ALLOW_HTTP").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(_) => return Err("HUB_WEBHOOK_ALLOW_HTTP must be true or false".into()),
        };
        let allow_private = match non_empty("HUB_WEBHOOK_ALLOW_PRIVATE").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(_) => return Err("HUB_WEBHOOK_ALLOW_PRIVATE must be true or false".into()),
        };
        let secret_key = non_empty("HUB_SECRET_KEY");
        if let Some(key) = &secret_key {
            provider_hub_market::secrets::SecretKey::from_base64(key).map_err(|why| {
                format!("HUB_SECRET_KEY {why}: it must be 32 random bytes written in base64 (make one with `openssl rand -base64 32`)")
            })?;
        }
        let webhook_timeout_ms = number("HUB_WEBHOOK_TIMEOUT_MS", 10_000, 100, 120_000)?;
        let webhooks = provider_hub_market::webhooks::Settings {
            allow_http,
            allow_private,
            max_attempts: number(
                "HUB_WEBHOOK_MAX_ATTEMPTS",
                defaults.max_attempts.into(),
                1,
                50,
            )? as u32,
            backoff_base_ms: number(
                "HUB_WEBHOOK_BACKOFF_MS",
                defaults.backoff_base_ms,
                10,
                3_600_000,
            )?,
            backoff_cap_ms: number(
                "HUB_WEBHOOK_BACKOFF_CAP_MS",
                defaults.backoff_cap_ms,
                10,
                86_400_000,
            )?,
            // A lease outlives the longest send, so only a dead process loses one.
            lease_ms: webhook_timeout_ms * 2 + 5_000,
        };
        let dispatch_interval_ms = number("HUB_DISPATCH_INTERVAL_MS", 1_000, 50, 3_600_000)?;
        let per_second = number("HUB_RATE_LIMIT_PER_SECOND", 50, 0, 100_000)?;
        let burst = number("HUB_RATE_LIMIT_BURST", per_second * 2, 1, 1_000_000)?;
        let rate_limit = (per_second > 0).then_some(provider_hub_api::rate_limit::RateLimit {
            per_second: per_second as f64,
            burst: burst as f64,
        });
        let db_timeout_ms = number("HUB_DB_TIMEOUT_MS", 5_000, 100, 600_000)?;
        let ocid_prefix = match non_empty("HUB_OCID_PREFIX") {
            None => provider_hub_market::awards::DEFAULT_OCID_PREFIX.to_owned(),
            Some(v) => {
                let v = v.trim().to_owned();
                let ok = v.len() <= 64
                    && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    && !v.ends_with('-');
                if !ok {
                    return Err("HUB_OCID_PREFIX must be up to 64 letters, digits and '-', not ending in '-' (e.g. ocds-213czf)".into());
                }
                v
            }
        };
        let publisher_name = match non_empty("HUB_PUBLISHER_NAME") {
            None => provider_hub_market::awards::DEFAULT_PUBLISHER_NAME.to_owned(),
            Some(v) if v.trim().chars().count() <= 200 => v.trim().to_owned(),
            Some(_) => return Err("HUB_PUBLISHER_NAME must be at most 200 characters".into()),
        };
        let public_url = non_empty("HUB_PUBLIC_URL").map(|v| v.trim().to_owned());
        if let Some(url) = &public_url {
            if !(url.starts_with("https://") || url.starts_with("http://"))
                || url::Url::parse(url).is_err()
            {
                return Err("HUB_PUBLIC_URL must be an http:// or https:// URL".into());
            }
        }
        let session_key = non_empty("HUB_SESSION_KEY");
        if session_key.as_ref().is_some_and(|k| k.len() < 32) {
            return Err("HUB_SESSION_KEY must be at least 32 characters".into());
        }
        let session_idle_minutes = number("HUB_SESSION_IDLE_MINUTES", 30, 1, 1440)?;
        let oidc = oidc_settings(&non_empty)?;
        let local_sign_in = match non_empty("HUB_LOCAL_SIGN_IN").as_deref() {
            None => None,
            Some("false") | Some("0") => Some(false),
            Some("true") | Some("1") => Some(true),
            Some(_) => return Err("HUB_LOCAL_SIGN_IN must be true or false".into()),
        };
        if local_sign_in == Some(true) && oidc.is_some() {
            return Err(
                "HUB_LOCAL_SIGN_IN=true cannot go with HUB_OIDC_ISSUER: sign-in goes through the identity provider"
                    .into(),
            );
        }
        let config = Config {
            public_url,
            session_key,
            session_idle_minutes,
            oidc,
            local_sign_in,
            database_url,
            listen: non_empty("HUB_LISTEN").unwrap_or_else(|| DEFAULT_LISTEN.into()),
            data_dir,
            jwt_secret: non_empty("HUB_JWT_SECRET"),
            jwt_public_key_pem: non_empty("HUB_JWT_PUBLIC_KEY_PEM"),
            jwks_url: non_empty("HUB_JWKS_URL"),
            jwt_issuer: non_empty("HUB_JWT_ISSUER").unwrap_or_else(|| DEFAULT_ISSUER.into()),
            jwt_audience: non_empty("HUB_JWT_AUDIENCE").unwrap_or_else(|| DEFAULT_AUDIENCE.into()),
            pool_size,
            workers,
            offer_working_days,
            plan_review_months,
            breach_rule,
            worker_interval_ms,
            secret_key,
            webhooks,
            webhook_timeout_ms,
            dispatch_interval_ms,
            rate_limit,
            db_timeout_ms,
            ocid_prefix,
            publisher_name,
        };
        let key_sources = [
            config.jwt_secret.is_some(),
            config.jwt_public_key_pem.is_some(),
            config.jwks_url.is_some(),
        ];
        if key_sources.iter().filter(|set| **set).count() > 1 {
            return Err(
                "set only one of HUB_JWT_SECRET, HUB_JWT_PUBLIC_KEY_PEM and HUB_JWKS_URL".into(),
            );
        }
        if config.jwt_secret.as_ref().is_some_and(|s| s.len() < 32) {
            return Err("HUB_JWT_SECRET must be at least 32 characters".into());
        }
        Ok(config)
    }

    pub fn from_env() -> Result<Self, String> {
        Self::from_env_with(|k| std::env::var(k).ok())
    }

    /// True when tokens are signed with a shared secret (the embedded default).
    pub fn uses_shared_secret(&self) -> bool {
        self.jwt_public_key_pem.is_none() && self.jwks_url.is_none()
    }

    /// The HS256 secret: configured, or kept in the data directory (made on first use).
    pub fn shared_secret(&self) -> Result<Vec<u8>, String> {
        if let Some(s) = &self.jwt_secret {
            return Ok(s.as_bytes().to_vec());
        }
        load_or_create_secret(&self.data_dir)
    }

    /// The key webhook signing secrets are sealed with: HUB_SECRET_KEY, or kept in the
    /// data directory (`secret-key`, made on first use, readable by its owner only).
    pub fn secret_key(&self) -> Result<provider_hub_market::secrets::SecretKey, String> {
        use provider_hub_market::secrets::SecretKey;
        if let Some(text) = &self.secret_key {
            return SecretKey::from_base64(text).map_err(|why| format!("HUB_SECRET_KEY {why}"));
        }
        let path = self.data_dir.join(SECRET_KEY_FILE);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(&self.data_dir)
                    .map_err(|e| format!("cannot create {}: {e}", self.data_dir.display()))?;
                let (_, text) = SecretKey::generate();
                write_private(&path, &text)?;
                // Another process may have raced us to it; whatever is on disk is the key.
                std::fs::read_to_string(&path)
                    .map_err(|e| format!("cannot read {}: {e}", path.display()))?
            }
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        SecretKey::from_base64(&text).map_err(|why| format!("{} {why}", path.display()))
    }

    /// The web session secret: configured, or kept in the data directory (made on first use).
    pub fn session_secret(&self) -> Result<Vec<u8>, String> {
        if let Some(s) = &self.session_key {
            return Ok(s.as_bytes().to_vec());
        }
        load_or_create(&self.data_dir, SESSION_KEY_FILE)
    }

    /// The web front end's settings.
    pub fn web_settings(&self) -> Result<provider_hub_web::Settings, String> {
        Ok(provider_hub_web::Settings {
            session_secret: self.session_secret()?,
            secure_cookies: self
                .public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://")),
            idle_timeout: std::time::Duration::from_secs(self.session_idle_minutes * 60),
            oidc: self.oidc.clone(),
            local_sign_in: self.local_sign_in_allowed(),
            webhooks: self.webhooks,
        })
    }

    /// Whether the local sign-in page (anyone may sign in as anyone) is on: never with an
    /// identity provider; as HUB_LOCAL_SIGN_IN says; else only on a loopback address, so a
    /// hub reachable from the network never offers it by accident.
    pub fn local_sign_in_allowed(&self) -> bool {
        if self.oidc.is_some() {
            return false;
        }
        self.local_sign_in
            .unwrap_or_else(|| listens_on_loopback(&self.listen))
    }

    /// The public key PEM, read from a file when the setting is a path.
    pub fn public_key_pem(&self) -> Result<Option<Vec<u8>>, String> {
        match &self.jwt_public_key_pem {
            None => Ok(None),
            Some(v) if v.trim_start().starts_with("-----BEGIN") => Ok(Some(v.as_bytes().to_vec())),
            Some(path) => std::fs::read(path)
                .map(Some)
                .map_err(|e| format!("cannot read HUB_JWT_PUBLIC_KEY_PEM file {path}: {e}")),
        }
    }
}

/// `HUB_OIDC_ISSUER`, `_CLIENT_ID`, `_CLIENT_SECRET` and `_REDIRECT_URL` all or none; the
/// claims naming the role and its scope default to the API's (`role`, `area`, `provider_id`).
fn oidc_settings(
    non_empty: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<provider_hub_web::OidcSettings>, String> {
    let required = [
        "HUB_OIDC_ISSUER",
        "HUB_OIDC_CLIENT_ID",
        "HUB_OIDC_CLIENT_SECRET",
        "HUB_OIDC_REDIRECT_URL",
    ];
    let values: Vec<Option<String>> = required.iter().map(|k| non_empty(k)).collect();
    if values.iter().all(Option::is_none) {
        return Ok(None);
    }
    let missing: Vec<&str> = required
        .iter()
        .zip(&values)
        .filter(|(_, v)| v.is_none())
        .map(|(k, _)| *k)
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "OpenID Connect sign-in needs all of HUB_OIDC_ISSUER, HUB_OIDC_CLIENT_ID, HUB_OIDC_CLIENT_SECRET and HUB_OIDC_REDIRECT_URL; missing {}",
            missing.join(", ")
        ));
    }
    let [issuer, client_id, client_secret, redirect_url] =
        <[Option<String>; 4]>::try_from(values).map_err(|_| "OIDC settings".to_owned())?;
    let (issuer, client_id, client_secret, redirect_url) = (
        issuer.unwrap_or_default(),
        client_id.unwrap_or_default(),
        client_secret.unwrap_or_default(),
        redirect_url.unwrap_or_default(),
    );
    for (name, value) in [
        ("HUB_OIDC_ISSUER", &issuer),
        ("HUB_OIDC_REDIRECT_URL", &redirect_url),
    ] {
        if url::Url::parse(value).is_err() {
            return Err(format!("{name} must be a URL"));
        }
    }
    Ok(Some(provider_hub_web::OidcSettings {
        issuer,
        client_id,
        client_secret,
        redirect_url,
        role_claim: non_empty("HUB_OIDC_ROLE_CLAIM").unwrap_or_else(|| "role".into()),
        area_claim: non_empty("HUB_OIDC_AREA_CLAIM").unwrap_or_else(|| "area".into()),
        provider_claim: non_empty("HUB_OIDC_PROVIDER_CLAIM")
            .unwrap_or_else(|| "provider_id".into()),
    }))
}

/// Whether `listen` (`host:port`) names a loopback address or `localhost`.
fn listens_on_loopback(listen: &str) -> bool {
    if let Ok(addr) = listen.parse::<std::net::SocketAddr>() {
        return addr.ip().is_loopback();
    }
    listen
        .rsplit_once(':')
        .is_some_and(|(host, _)| host.eq_ignore_ascii_case("localhost"))
}

fn load_or_create_secret(data_dir: &Path) -> Result<Vec<u8>, String> {
    load_or_create(data_dir, SECRET_FILE)
}

/// A random secret kept in a private file of the data directory, made on first use.
fn load_or_create(data_dir: &Path, file: &str) -> Result<Vec<u8>, String> {
    let path = data_dir.join(file);
    match std::fs::read_to_string(&path) {
        Ok(text) if text.trim().len() >= 32 => return Ok(text.trim().as_bytes().to_vec()),
        Ok(_) => return Err(format!("{} is too short to be a secret", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    }
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let secret = hex::encode(bytes);
    write_private(&path, &secret)?;
    // Another process may have raced us to it; whatever is on disk now is the secret.
    std::fs::read_to_string(&path)
        .map(|t| t.trim().as_bytes().to_vec())
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write_private(path: &Path, contents: &str) -> Result<(), String> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut file) => file
            .write_all(contents.as_bytes())
            .and_then(|_| file.sync_all())
            .map_err(|e| format!("cannot write {}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(format!("cannot create {}: {e}", path.display())),
    }
}

#[cfg(test)]
mod tests;
