//! The `HUB_*` settings as the command line reads them: each a `--flag` and its `HUB_*`
//! environment variable (the flag wins), grouped by what uses them, so each
//! subcommand's `--help` lists the settings that apply to it. Values are read as text
//! here and checked in [`crate::Config::from_env_with`], whose messages name the
//! variable.

use clap::Args;

/// A group of settings.
pub trait Group {
    /// The value given for the setting named by its variable, if any.
    fn get(&self, env: &str) -> Option<&str>;
}

/// Declares a group of settings: its fields (each `Option<String>`, with its flag, its
/// variable and its help) and `get`, a setting's value by its variable's name.
macro_rules! settings {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $( $(#[doc = $doc:literal])* $field:ident: $env:literal, $value:literal; )*
        }
    ) => {
        #[derive(Args, Debug, Clone, Default)]
        $(#[$meta])*
        pub struct $name {
            $(
                $(#[doc = $doc])*
                #[arg(long, env = $env, value_name = $value, hide_env_values = true)]
                pub $field: Option<String>,
            )*
        }

        impl Group for $name {
            fn get(&self, env: &str) -> Option<&str> {
                match env {
                    $( $env => self.$field.as_deref(), )*
                    _ => None,
                }
            }
        }
    };
}

settings! {
    /// Where the hub keeps its data.
    #[command(next_help_heading = "Database")]
    pub struct DatabaseSettings {
        /// `sqlite://path`, a plain path, or `postgres://user:pass@host:5432/db`
        /// [default: sqlite://$HUB_DATA_DIR/provider-hub.sqlite3]
        database_url: "HUB_DATABASE_URL", "URL";
        /// The SQLite file and the generated JWT secret, secret key and session key
        /// [default: ./data]
        data_dir: "HUB_DATA_DIR", "DIR";
        /// Database connections per process, 1–200 [default: 10]
        db_pool_size: "HUB_DB_POOL_SIZE", "N";
        /// The longest a request waits for a database connection or a lock before it is
        /// answered 503, in ms, 100–600000 [default: 5000]
        db_timeout_ms: "HUB_DB_TIMEOUT_MS", "MS";
    }
}

settings! {
    /// How API tokens are verified (and, with a shared secret, minted).
    #[command(next_help_heading = "Tokens")]
    pub struct TokenSettings {
        /// HS256 secret, 32+ characters [default: generated into $HUB_DATA_DIR/jwt-secret]
        jwt_secret: "HUB_JWT_SECRET", "SECRET";
        /// RS256 or ES256 public key: PEM text or a path to a PEM file
        jwt_public_key_pem: "HUB_JWT_PUBLIC_KEY_PEM", "PEM";
        /// An identity provider's JWKS URL (RS256/ES256)
        jwks_url: "HUB_JWKS_URL", "URL";
        /// Required `iss` [default: provider-hub]
        jwt_issuer: "HUB_JWT_ISSUER", "ISSUER";
        /// Required `aud` [default: provider-hub]
        jwt_audience: "HUB_JWT_AUDIENCE", "AUDIENCE";
    }
}

settings! {
    /// What the hub is and how it buys.
    #[command(next_help_heading = "Hub")]
    pub struct HubSettings {
        /// Address and port to listen on [default: 127.0.0.1:8080]
        listen: "HUB_LISTEN", "ADDR";
        /// Working days (Monday–Friday) an offer waits for the provider's answer, 1–20
        /// [default: 2]
        offer_working_days: "HUB_OFFER_WORKING_DAYS", "DAYS";
        /// Months from a sentence plan's approval to its review, 1–36 [default: 6]
        plan_review_months: "HUB_PLAN_REVIEW_MONTHS", "MONTHS";
        /// A person's warnings (unacceptable failures) within HUB_BREACH_MONTHS that flag
        /// the case for breach, 1–10 [default: 2]
        breach_failures: "HUB_BREACH_FAILURES", "N";
        /// The breach rule's window in months, 1–36 [default: 12]
        breach_months: "HUB_BREACH_MONTHS", "MONTHS";
    }
}

settings! {
    /// How the running hub serves, retries and delivers.
    #[command(next_help_heading = "Serving")]
    pub struct ServeSettings {
        /// HTTP worker threads, 1–256 [default: the number of CPUs]
        workers: "HUB_WORKERS", "N";
        /// How often the background worker expires offers and retries unmatched orders,
        /// in ms, 50–3600000 [default: 5000]
        worker_interval_ms: "HUB_WORKER_INTERVAL_MS", "MS";
        /// How often the webhook dispatcher looks for due deliveries when idle, in ms,
        /// 50–3600000 [default: 1000]
        dispatch_interval_ms: "HUB_DISPATCH_INTERVAL_MS", "MS";
        /// The key webhook signing secrets are sealed with: 32 bytes in base64
        /// [default: generated into $HUB_DATA_DIR/secret-key]
        secret_key: "HUB_SECRET_KEY", "BASE64";
        /// How long one webhook POST may take, in ms, 100–120000 [default: 10000]
        webhook_timeout_ms: "HUB_WEBHOOK_TIMEOUT_MS", "MS";
        /// Tries before a delivery is dead, 1–50 [default: 12]
        webhook_max_attempts: "HUB_WEBHOOK_MAX_ATTEMPTS", "N";
        /// The first retry's delay, in ms; it doubles with each try [default: 5000]
        webhook_backoff_ms: "HUB_WEBHOOK_BACKOFF_MS", "MS";
        /// The longest delay between tries, in ms [default: 3600000]
        webhook_backoff_cap_ms: "HUB_WEBHOOK_BACKOFF_CAP_MS", "MS";
        /// Accept `http://` webhook URLs (development only): true or false [default: false]
        webhook_allow_http: "HUB_WEBHOOK_ALLOW_HTTP", "BOOL";
        /// Accept and deliver to webhook URLs on internal addresses (local testing only):
        /// true or false [default: false]
        webhook_allow_private: "HUB_WEBHOOK_ALLOW_PRIVATE", "BOOL";
        /// Writes per second a client may make on average; 0 turns the limit off
        /// [default: 50]
        rate_limit_per_second: "HUB_RATE_LIMIT_PER_SECOND", "N";
        /// Writes a client may make at once [default: twice the rate]
        rate_limit_burst: "HUB_RATE_LIMIT_BURST", "N";
        /// The prefix of published awards' ocids [default: ocds-prvhub]
        ocid_prefix: "HUB_OCID_PREFIX", "PREFIX";
        /// The publisher named in published award packages [default: Provider Hub]
        publisher_name: "HUB_PUBLISHER_NAME", "NAME";
    }
}

settings! {
    /// The web front end's sign-in and sessions.
    #[command(next_help_heading = "Web")]
    pub struct WebSettings {
        /// The hub's address as browsers reach it; session cookies are Secure when https://
        public_url: "HUB_PUBLIC_URL", "URL";
        /// The web session secret, 32+ characters
        /// [default: generated into $HUB_DATA_DIR/session-key]
        session_key: "HUB_SESSION_KEY", "SECRET";
        /// Minutes a web session may sit unused before it is signed out, 1–1440
        /// [default: 30]
        session_idle_minutes: "HUB_SESSION_IDLE_MINUTES", "MINUTES";
        /// The local sign-in page (anyone may sign in as anyone): true or false
        /// [default: on when listening on loopback]
        local_sign_in: "HUB_LOCAL_SIGN_IN", "BOOL";
        /// The OpenID Connect identity provider web sign-in uses (with the three below)
        oidc_issuer: "HUB_OIDC_ISSUER", "URL";
        /// The hub's client id at the identity provider
        oidc_client_id: "HUB_OIDC_CLIENT_ID", "ID";
        /// The hub's client secret at the identity provider
        oidc_client_secret: "HUB_OIDC_CLIENT_SECRET", "SECRET";
        /// Where the identity provider sends people back: https://<hub>/sign-in/callback
        oidc_redirect_url: "HUB_OIDC_REDIRECT_URL", "URL";
        /// The ID token claim holding the hub role [default: role]
        oidc_role_claim: "HUB_OIDC_ROLE_CLAIM", "CLAIM";
        /// The claim holding an offender manager's area [default: area]
        oidc_area_claim: "HUB_OIDC_AREA_CLAIM", "CLAIM";
        /// The claim holding a provider's id [default: provider_id]
        oidc_provider_claim: "HUB_OIDC_PROVIDER_CLAIM", "CLAIM";
    }
}

settings! {
    /// What the hub logs, and how.
    #[command(next_help_heading = "Logging")]
    pub struct LogSettings {
        /// Log filter, `tracing` env-filter syntax (e.g. provider_hub_api=debug)
        /// [default: info]
        log: "HUB_LOG", "FILTER";
        /// `json` for structured logs, one JSON object a line [default: text]
        log_format: "HUB_LOG_FORMAT", "FORMAT";
    }
}

/// Every setting `serve` reads.
#[derive(Args, Debug, Clone, Default)]
pub struct Settings {
    #[command(flatten)]
    pub database: DatabaseSettings,
    #[command(flatten)]
    pub tokens: TokenSettings,
    #[command(flatten)]
    pub hub: HubSettings,
    #[command(flatten)]
    pub serve: ServeSettings,
    #[command(flatten)]
    pub web: WebSettings,
}

impl Group for Settings {
    fn get(&self, env: &str) -> Option<&str> {
        self.database
            .get(env)
            .or_else(|| self.tokens.get(env))
            .or_else(|| self.hub.get(env))
            .or_else(|| self.serve.get(env))
            .or_else(|| self.web.get(env))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, FromArgMatches, Parser};

    #[derive(Parser)]
    struct All {
        #[command(flatten)]
        settings: Settings,
        #[command(flatten)]
        log: LogSettings,
    }

    #[test]
    fn every_flag_is_read_back_under_its_variable() {
        let command = All::command();
        let named: Vec<(String, String)> = command
            .get_arguments()
            .filter_map(|a| {
                let env = a.get_env()?.to_str()?.to_owned();
                Some((a.get_long()?.to_owned(), env))
            })
            .collect();
        assert!(named.len() >= 38, "{named:?}");
        let mut argv = vec!["hub".to_owned()];
        for (long, env) in &named {
            assert_eq!(
                format!("HUB_{}", long.to_uppercase().replace('-', "_")),
                *env
            );
            argv.push(format!("--{long}"));
            argv.push(format!("value of {env}"));
        }
        let matches = command.try_get_matches_from(argv).expect("parsed");
        let all = All::from_arg_matches(&matches).expect("settings");
        for (_, env) in &named {
            let value = all.settings.get(env).or_else(|| all.log.get(env));
            assert_eq!(value, Some(format!("value of {env}").as_str()));
        }
    }
}
