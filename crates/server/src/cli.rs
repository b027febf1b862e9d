//! The `provider-hub` command line: serve the hub, migrate its database, mint local tokens, write the
//! OpenAPI document.

use std::path::PathBuf;
use std::process::ExitCode;

use std::fmt::Write as _;
use std::io::Write as _;

use crate::settings::{DatabaseSettings, Group, HubSettings, LogSettings, Settings, TokenSettings};
use crate::token::{local_subject, mint, TokenRequest};
use crate::{Application, Config};
use clap::{Parser, Subcommand};
use provider_hub_domain::Role;

#[derive(Parser)]
#[command(
    name = "provider-hub",
    version,
    about = "Provider Hub: spot-purchasing rehabilitation interventions",
    after_help = "Each setting is a --flag or its HUB_* environment variable (the flag wins); \
                  `provider-hub <COMMAND> --help` lists the settings the command reads."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the HTTP API (migrations are applied first).
    Serve {
        #[command(flatten)]
        settings: Box<Settings>,
        #[command(flatten)]
        log: LogSettings,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        database: DatabaseSettings,
        #[command(flatten)]
        log: LogSettings,
    },
    /// Seed a demo market (South Yorkshire) and approve its sentence plans, which buys;
    /// print what was bought. A second run adds nothing.
    Demo {
        #[command(flatten)]
        database: DatabaseSettings,
        #[command(flatten)]
        tokens: TokenSettings,
        #[command(flatten)]
        hub: HubSettings,
    },
    /// Print a signed token for local use.
    Token {
        /// offender_manager, provider, quality, commissioner, admin, court or analyst.
        #[arg(long)]
        role: String,
        /// The area, for an offender_manager (e.g. SY-SHF).
        #[arg(long)]
        area: Option<String>,
        /// The provider id, for a provider.
        #[arg(long = "provider-id")]
        provider_id: Option<String>,
        /// The court's code, for a court (e.g. SHF-MC).
        #[arg(long)]
        court: Option<String>,
        /// The subject (who the token names); defaults to one naming the role and its
        /// area or provider, e.g. `local-provider-prv_…`, `local-offender_manager-SY-SHF`.
        #[arg(long)]
        sub: Option<String>,
        /// Lifetime in seconds, from 1 to 2678400 (31 days); the hub allows 30 s of clock skew.
        #[arg(long, default_value_t = 8 * 3600)]
        ttl: i64,
        #[command(flatten)]
        database: DatabaseSettings,
        #[command(flatten)]
        tokens: TokenSettings,
    },
    /// Write the OpenAPI document (default: openapi/openapi.json; `-` for stdout).
    Openapi {
        #[arg(default_value = "openapi/openapi.json")]
        path: PathBuf,
    },
    /// Work with the audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the audit trail's hash chain; name the first row that breaks it (exit 1).
    Verify {
        #[command(flatten)]
        database: DatabaseSettings,
    },
}

/// The configuration from the settings given (the rest at their defaults).
fn config(groups: &[&dyn Group]) -> Result<Config, String> {
    Config::from_env_with(|name| {
        groups
            .iter()
            .find_map(|group| group.get(name))
            .map(str::to_owned)
    })
}

pub fn main() -> ExitCode {
    let result = run(Cli::parse().command);
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("provider-hub: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(command: Command) -> Result<(), String> {
    match command {
        // The document comes from the code alone: no configuration needed.
        Command::Openapi { path } => write_openapi(&path),
        Command::Serve { settings, log } => {
            init_tracing(&log);
            serve(config(&[settings.as_ref()])?)
        }
        Command::Migrate { database, log } => {
            init_tracing(&log);
            let config = config(&[&database])?;
            crate::open_database(&config)?;
            println!(
                "migrations applied to {}",
                provider_hub_store::db::redact(&config.database_url)
            );
            Ok(())
        }
        Command::Demo {
            database,
            tokens,
            hub,
        } => demo(&config(&[&database, &tokens, &hub])?),
        Command::Audit {
            command: AuditCommand::Verify { database },
        } => {
            let config = config(&[&database])?;
            // Verifying is reading: a database that is not there is an error, not an
            // empty trail (opening it would create and migrate it).
            if let Ok(provider_hub_store::DatabaseTarget::Sqlite(path)) =
                provider_hub_store::DatabaseTarget::parse(&config.database_url)
            {
                if !path.exists() {
                    return Err(format!(
                        "no database at {}: nothing to verify (HUB_DATA_DIR or HUB_DATABASE_URL names the hub's database)",
                        path.display()
                    ));
                }
            }
            let pool = crate::open_database(&config)?;
            let mut conn = pool.get().map_err(|e| e.to_string())?;
            // What is committed and not sealed yet (e.g. left by a process killed between
            // a commit and its seal) is sealed first, as any hub process would.
            provider_hub_store::seal_pending(&mut conn).map_err(|e| e.to_string())?;
            match provider_hub_store::audit::verify(&mut conn).map_err(|e| e.to_string())? {
                (None, checked) => {
                    let unsealed =
                        provider_hub_store::audit::unsealed(&mut conn).map_err(|e| e.to_string())?;
                    if unsealed > 0 {
                        println!(
                            "audit trail intact: {checked} rows checked; {unsealed} rows committed since are not sealed yet"
                        );
                    } else {
                        println!("audit trail intact: {checked} rows checked");
                    }
                    Ok(())
                }
                (Some(id), checked) => Err(format!(
                    "audit trail broken at row {id} (the {checked}th row): it was changed, or a row before it was removed or inserted"
                )),
            }
        }
        Command::Token {
            role,
            area,
            provider_id,
            court,
            sub,
            ttl,
            database,
            tokens,
        } => {
            let role: Role = role.parse()?;
            let token = mint(
                &config(&[&database, &tokens])?,
                &TokenRequest {
                    role,
                    sub: sub.unwrap_or_else(|| {
                        local_subject(
                            role,
                            area.as_deref(),
                            provider_id.as_deref(),
                            court.as_deref(),
                        )
                    }),
                    area,
                    provider_id,
                    court,
                    ttl_seconds: ttl,
                },
            )?;
            println!("{token}");
            Ok(())
        }
    }
}

fn write_openapi(path: &std::path::Path) -> Result<(), String> {
    let json = provider_hub_api::openapi()
        .to_pretty_json()
        .map_err(|e| format!("cannot render the OpenAPI document: {e}"))?;
    if path.as_os_str() == "-" {
        println!("{json}");
        return Ok(());
    }
    std::fs::write(path, format!("{json}\n"))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    println!("wrote {}", path.display());
    Ok(())
}

fn demo(config: &Config) -> Result<(), String> {
    let pool = crate::open_database(config)?;
    let mut conn = pool.get().map_err(|e| e.to_string())?;
    let settings = provider_hub_market::placement::Settings {
        offer_working_days: config.offer_working_days,
        plan_review_months: config.plan_review_months,
        breach_rule: config.breach_rule,
    };
    let report = provider_hub_demo::run(&mut conn, settings, chrono::Utc::now())
        .map_err(|e| format!("the demo market could not be seeded: {e}"))?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "database: {}",
        provider_hub_store::db::redact(&config.database_url)
    );
    let _ = write!(out, "{report}");
    let host = &config.listen;
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Next: start the hub on this database and read what was bought:"
    );
    let _ = writeln!(
        out,
        "  provider-hub serve                      (or: cargo run --release -- serve)"
    );
    if config.uses_shared_secret() {
        let _ = writeln!(out, "  T=$(provider-hub token --role commissioner)");
        let _ = writeln!(
            out,
            "  OM=$(provider-hub token --role offender_manager --area SY-SHF)"
        );
    } else {
        let _ = writeln!(
            out,
            "  T=<a commissioner's token from your identity provider (issuer {}, audience {})>",
            config.jwt_issuer, config.jwt_audience
        );
    }
    let _ = writeln!(
        out,
        "  curl -s \"http://{host}/v1/orders?status=offered\" -H \"Authorization: Bearer $T\""
    );
    let _ = writeln!(
        out,
        "  curl -s \"http://{host}/v1/orders?status=unmatched\" -H \"Authorization: Bearer $T\""
    );
    if config.uses_shared_secret() {
        let _ = writeln!(
            out,
            "  curl -s \"http://{host}/v1/orders?crn=S100001\" -H \"Authorization: Bearer $OM\""
        );
    }
    // A reader that stops early (`provider-hub demo | head`) is no failure: the market
    // is seeded either way.
    let mut stdout = std::io::stdout().lock();
    match stdout
        .write_all(out.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write the report: {e}"))
        }
        _ => Ok(()),
    }
}

fn serve(config: Config) -> Result<(), String> {
    let system = actix_web::rt::System::new();
    system.block_on(async move {
        let app = Application::build(&config)?;
        let host = config.listen.rsplit_once(':').map(|(h, _)| h).unwrap_or("127.0.0.1");
        let base = format!("http://{host}:{}", app.port());
        tracing::info!(
            listen = %config.listen,
            database = %provider_hub_store::db::redact(&config.database_url),
            "Provider Hub is listening"
        );
        println!("Provider Hub listening on {base}");
        println!("  database: {}", provider_hub_store::db::redact(&config.database_url));
        match &config.oidc {
            Some(oidc) => println!("  web:      {base}/  (sign-in through {})", oidc.issuer),
            None if config.local_sign_in_allowed() => {
                println!("  web:      {base}/  (local sign-in: for local use only)")
            }
            None => println!(
                "  web:      {base}/  (no sign-in: set HUB_OIDC_* for an identity provider, or HUB_LOCAL_SIGN_IN=true on a trusted network)"
            ),
        }
        println!("  API docs: {base}/docs/  (OpenAPI: {base}/v1/openapi.json)");
        if config.uses_shared_secret() {
            println!("  a token:  provider-hub token --role quality   (or: cargo run --release -- token --role quality)");
        } else {
            println!("  tokens:   from your identity provider (issuer {}, audience {})", config.jwt_issuer, config.jwt_audience);
        }
        app.run_until_stopped().await.map_err(|e| e.to_string())
    })
}

fn init_tracing(log: &LogSettings) {
    use tracing_subscriber::EnvFilter;
    let filter = log
        .get("HUB_LOG")
        .and_then(|f| EnvFilter::try_new(f).ok())
        .unwrap_or_else(|| EnvFilter::new("info"));
    let json = log.get("HUB_LOG_FORMAT") == Some("json");
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}
