//! Connections: one diesel connection type over SQLite and PostgreSQL, the pool, and
//! embedded migrations per backend (write transactions: [`crate::transaction`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;
use diesel::r2d2::{self, ManageConnection};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::StoreError;

/// SQL naming the PostgreSQL database a connection is to, so that a process using several
/// (the tests do) tells them apart: its name, server address and port.
pub(crate) const PG_DATABASE_NAME: &str = "current_database() || '@' || \
     COALESCE(host(inet_server_addr()), 'socket') || ':' || COALESCE(inet_server_port(), 0)";

/// SQL naming the SQLite database a connection is to: its file (empty in memory).
pub(crate) const SQLITE_DATABASE_FILE: &str =
    "COALESCE((SELECT file FROM pragma_database_list WHERE name = 'main'), '')";

pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");
pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");

/// A connection to either backend; every query in the store is written once against it.
#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Pg(PgConnection),
    Sqlite(SqliteConnection),
}

/// Which backend a database URL names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseTarget {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DatabaseTarget {
    /// `postgres://…` or `postgresql://…` is PostgreSQL; `sqlite://path`, `sqlite:path`
    /// or a plain file path is SQLite.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(Self::Postgres(url.to_owned()));
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty()
            || path == ":memory:"
            || url.contains("://") && !url.starts_with("sqlite://")
        {
            return Err(StoreError::Config(format!(
                "unsupported database URL `{}`: use postgres://… or sqlite://path/to/file",
                redact(url)
            )));
        }
        Ok(Self::Sqlite(PathBuf::from(path)))
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Self::Postgres(_) => "postgres",
            Self::Sqlite(_) => "sqlite",
        }
    }
}

/// A URL fit for logs: any password is replaced.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let userinfo = &url[scheme_end + 3..at];
            match userinfo.find(':') {
                Some(colon) => format!(
                    "{}{}:***{}",
                    &url[..scheme_end + 3],
                    &userinfo[..colon],
                    &url[at..]
                ),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Opens connections for the pool, configuring SQLite for safe concurrent use.
#[derive(Debug, Clone)]
pub struct HubConnectionManager {
    target: DatabaseTarget,
    /// How long a statement waits for a lock (a SQLite writer for another writer, a
    /// PostgreSQL row or advisory lock) before it fails as busy.
    lock_timeout: Duration,
}

/// The longest a PostgreSQL statement may run.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(60);

impl HubConnectionManager {
    pub fn new(target: DatabaseTarget, lock_timeout: Duration) -> Self {
        Self {
            target,
            lock_timeout,
        }
    }

    /// The database this opens connections to.
    pub fn target(&self) -> &DatabaseTarget {
        &self.target
    }

    pub fn establish(&self) -> Result<DbConn, diesel::ConnectionError> {
        let lock_ms = self.lock_timeout.as_millis().max(1);
        match &self.target {
            DatabaseTarget::Postgres(url) => {
                let mut conn = PgConnection::establish(url)?;
                conn.batch_execute(&format!(
                    "SET lock_timeout = '{lock_ms}ms'; SET statement_timeout = '{}ms';",
                    STATEMENT_TIMEOUT.as_millis()
                ))
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Pg(conn))
            }
            DatabaseTarget::Sqlite(path) => {
                let mut conn = SqliteConnection::establish(&path.to_string_lossy())?;
                // WAL lets readers run beside the writer; FULL sync keeps every committed write.
                conn.batch_execute(&format!(
                    "PRAGMA busy_timeout = {lock_ms}; PRAGMA foreign_keys = ON; \
                     PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                ))
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConn::Sqlite(conn))
            }
        }
    }
}

impl ManageConnection for HubConnectionManager {
    type Connection = DbConn;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConn, r2d2::Error> {
        self.establish().map_err(r2d2::Error::ConnectionError)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), r2d2::Error> {
        conn.batch_execute("SELECT 1")
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        <DbConn as diesel::r2d2::R2D2Connection>::is_broken(conn)
    }
}

pub type Pool = r2d2::Pool<HubConnectionManager>;
pub type PooledConn = r2d2::PooledConnection<HubConnectionManager>;

/// Pool settings an operator may tune.
#[derive(Debug, Clone)]
pub struct PoolOptions {
    pub max_size: u32,
    /// How long a request waits for a pooled connection.
    pub connection_timeout: Duration,
    /// How long a statement waits for a lock.
    pub lock_timeout: Duration,
}

impl Default for PoolOptions {
    fn default() -> Self {
        Self {
            max_size: 10,
            connection_timeout: Duration::from_secs(5),
            lock_timeout: Duration::from_secs(10),
        }
    }
}

/// Opens the database a URL names (creating a SQLite file and its folder if needed),
/// runs pending migrations, and returns a pool.
pub fn connect(url: &str, options: &PoolOptions) -> Result<Pool, StoreError> {
    let target = DatabaseTarget::parse(url)?;
    if let DatabaseTarget::Sqlite(path) = &target {
        ensure_parent_dir(path)?;
    }
    let manager = HubConnectionManager::new(target, options.lock_timeout);
    {
        let mut conn = manager
            .establish()
            .map_err(|e| StoreError::Config(format!("cannot open the database: {e}")))?;
        run_migrations(&mut conn)?;
        if matches!(conn, DbConn::Pg(_)) {
            let learned = manager
                .establish()
                .map_err(|e| e.to_string())
                .and_then(|mut waiter| crate::busy::learn_postgres(&mut conn, &mut waiter));
            if let Err(e) = learned {
                tracing::warn!(error = %e, "lock and statement timeouts are recognised only in English");
            }
        }
    }
    r2d2::Pool::builder()
        .max_size(options.max_size)
        // No `SELECT 1` before every use (a round trip per request on PostgreSQL): a
        // connection that failed is known as broken when it comes back (`has_broken`)
        // and replaced, and one left idle is closed after ten minutes (r2d2's default).
        .test_on_check_out(false)
        .connection_timeout(options.connection_timeout)
        .build(manager)
        .map_err(|e| StoreError::Config(format!("cannot open the database pool: {e}")))
}

fn ensure_parent_dir(path: &Path) -> Result<(), StoreError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Config(format!("cannot create the folder {}: {e}", dir.display()))
        }),
        _ => Ok(()),
    }
}

/// Applies every pending migration of the connection's backend.
/// On PostgreSQL, server processes starting together take turns: a session advisory
/// lock is held while migrations run, so two never apply the same one at once.
pub fn run_migrations(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    /// The advisory lock key of migrations ("hubmigr" as bytes).
    const MIGRATION_LOCK: i64 = 0x0068_7562_6d69_6772;
    match conn {
        DbConn::Pg(c) => {
            c.batch_execute(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
            let applied: Result<Vec<String>, String> = c
                .run_pending_migrations(POSTGRES_MIGRATIONS)
                .map(|v| v.iter().map(|m| m.to_string()).collect())
                .map_err(|e| e.to_string());
            let unlocked = c.batch_execute(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
            let applied = applied.map_err(StoreError::Migration)?;
            unlocked?;
            Ok(applied)
        }
        DbConn::Sqlite(c) => Ok(c
            .run_pending_migrations(SQLITE_MIGRATIONS)
            .map_err(|e| StoreError::Migration(e.to_string()))?
            .iter()
            .map(|m| m.to_string())
            .collect()),
    }
}

/// Reverts every applied migration (used by the migration round-trip test and operators).
pub fn revert_all_migrations(conn: &mut DbConn) -> Result<Vec<String>, StoreError> {
    let reverted = match conn {
        DbConn::Pg(c) => c.revert_all_migrations(POSTGRES_MIGRATIONS),
        DbConn::Sqlite(c) => c.revert_all_migrations(SQLITE_MIGRATIONS),
    }
    .map_err(|e| StoreError::Migration(e.to_string()))?;
    Ok(reverted.iter().map(|v| v.to_string()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chooses_the_backend_from_the_url() {
        assert_eq!(
            DatabaseTarget::parse("postgres://u@h/db").ok(),
            Some(DatabaseTarget::Postgres("postgres://u@h/db".into()))
        );
        assert_eq!(
            DatabaseTarget::parse("sqlite://data/hub.sqlite3").ok(),
            Some(DatabaseTarget::Sqlite("data/hub.sqlite3".into()))
        );
        assert_eq!(
            DatabaseTarget::parse("./hub.db").ok(),
            Some(DatabaseTarget::Sqlite("./hub.db".into()))
        );
        assert!(DatabaseTarget::parse("mysql://h/db").is_err());
        assert!(DatabaseTarget::parse(":memory:").is_err());
        assert!(DatabaseTarget::parse("").is_err());
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://hub:s3cret@db:5432/hub"),
            "postgres://hub:***@db:5432/hub"
        );
        assert_eq!(redact("postgres://hub@db/hub"), "postgres://hub@db/hub");
    }
}
