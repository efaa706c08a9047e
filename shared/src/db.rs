//! The MariaDB pool, error classification and the migration runner.

use std::{path::Path, time::Duration};

use mysql_async::{prelude::*, Conn, OptsBuilder, Pool, PoolConstraints, PoolOpts, TxOpts};

use crate::config::DbPoolConfig;
use crate::error::{ApiError, Cause};

/// Seconds the server waits past the pool's idle timeout before closing an unused
/// connection itself, so the pool never hands out one the server is closing.
pub const SERVER_IDLE_MARGIN_SECS: u64 = 5;

/// The connection options of `url`. With `ca` (a PEM file of root certificates, such
/// as the RDS CA bundle), every connection uses TLS and the server's certificate must
/// chain to one of those roots and name the URL's host; the web PKI roots are not
/// trusted then. Without it, the URL's own `require_ssl`/`verify_ca` settings apply.
pub fn connect_opts(url: &str, ca: Option<&Path>) -> Result<OptsBuilder, mysql_async::Error> {
    let opts = mysql_async::Opts::from_url(url)?;
    if ca.is_some() || opts.ssl_opts().is_some() {
        // mysql_async builds its TLS client on rustls's process-wide provider, which rustls
        // cannot choose by itself when more than one is linked (a test binary may bring
        // ring beside aws-lc-rs): the first TLS connection would panic. Installing the
        // one the AWS SDK uses too is idempotent; an earlier choice stays.
        let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    }
    let ssl = match ca {
        Some(ca) => Some(
            opts.ssl_opts()
                .cloned()
                .unwrap_or_default()
                .with_root_certs(vec![ca.to_path_buf().into()])
                .with_disable_built_in_roots(true),
        ),
        None => opts.ssl_opts().cloned(),
    };
    Ok(OptsBuilder::from_opts(opts).ssl_opts(ssl))
}

/// The pool plus the timeout every checkout obeys; cheap to clone.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    timeout: Duration,
    /// The database's name, which keeps counters of two databases that share one session
    /// store apart (`http::limit`).
    name: String,
}

pub type Tx = mysql_async::Transaction<'static>;

impl Db {
    /// Builds the pool once per process (Lambda cold start or local server start), with the
    /// bounds of a long-running server. Connections are opened lazily; call [`Db::ping`] to
    /// open one during init. With `ca`, see [`connect_opts`].
    pub fn new(
        url: &str,
        ca: Option<&Path>,
        timeout: Duration,
    ) -> Result<Self, mysql_async::Error> {
        Self::with_pool(url, ca, timeout, DbPoolConfig::default_for(false))
    }

    /// [`Db::new`] with the given bounds: at most `pool.max` connections open at once (a
    /// checkout past it waits up to `timeout`, then is a 503), each closed after
    /// `pool.idle_timeout_secs` unused.
    pub fn with_pool(
        url: &str,
        ca: Option<&Path>,
        timeout: Duration,
        pool: DbPoolConfig,
    ) -> Result<Self, mysql_async::Error> {
        let idle = Duration::from_secs(pool.idle_timeout_secs.max(1));
        let name = mysql_async::Opts::from_url(url)?
            .db_name()
            .unwrap_or_default()
            .to_string();
        let builder = connect_opts(url, ca)?
            // Without CLIENT_FOUND_ROWS, affected rows count only rows that changed, as
            // the original server's connections did.
            .client_found_rows(false)
            // Stay on the configured address: by default the driver switches to the
            // server's Unix socket when it finds one, which bypasses proxies and TLS.
            .prefer_socket(false)
            // A connection unused for `idle` is closed by the pool, or, when the process
            // was frozen meanwhile (a Lambda instance between requests), never handed out
            // again: the pool opens a new one instead of trying it.
            .conn_ttl(idle)
            .init(vec![
                "SET NAMES utf8mb4 COLLATE utf8mb4_unicode_ci".to_string(),
                // The server closes what a frozen or vanished instance left open a little
                // after the pool would have, instead of after its default 8 hours.
                format!(
                    "SET time_zone = '+00:00', wait_timeout = {}",
                    idle.as_secs() + SERVER_IDLE_MARGIN_SECS
                ),
            ])
            .pool_opts(
                PoolOpts::default()
                    // `new` refuses only a minimum above the maximum, which 0 never is.
                    .with_constraints(PoolConstraints::new(0, pool.max.max(1)).unwrap_or_default())
                    // The default COM_RESET_CONNECTION on every return to the pool drops
                    // the prepared-statement cache and re-runs the init statements: about
                    // four extra round trips and a re-prepare of every query per request.
                    // We keep no session state (no user variables, temporary tables or
                    // isolation changes), and open transactions are rolled back anyway.
                    .with_reset_connection(false)
                    .with_inactive_connection_ttl(idle)
                    .with_ttl_check_interval(
                        (idle / 2).clamp(Duration::from_secs(1), Duration::from_secs(30)),
                    ),
            );
        Ok(Self {
            pool: Pool::new(builder),
            timeout,
            name,
        })
    }

    /// The database's name (empty when the URL names none).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A connection from the pool, or 503 when the database cannot be reached in time.
    pub async fn conn(&self) -> Result<Conn, ApiError> {
        match tokio::time::timeout(self.timeout, self.pool.get_conn()).await {
            Ok(Ok(conn)) => Ok(conn),
            Ok(Err(e)) => Err(classify(e)),
            Err(_) => Err(ApiError::Unavailable("database connect timed out".into())),
        }
    }

    /// Starts a transaction on a pooled connection. Dropping it without commit rolls back.
    pub async fn begin(&self) -> Result<Tx, ApiError> {
        self.start(TxOpts::default()).await
    }

    /// Starts a read-only transaction whose statements all read one snapshot: for answers
    /// assembled from several statements.
    pub async fn begin_snapshot(&self) -> Result<Tx, ApiError> {
        let mut opts = TxOpts::default();
        opts.with_readonly(true).with_consistent_snapshot(true);
        self.start(opts).await
    }

    async fn start(&self, opts: TxOpts) -> Result<Tx, ApiError> {
        let fut = self.pool.start_transaction(opts);
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(Ok(tx)) => Ok(tx),
            Ok(Err(e)) => Err(classify(e)),
            Err(_) => Err(ApiError::Unavailable("database connect timed out".into())),
        }
    }

    pub async fn ping(&self) -> Result<(), ApiError> {
        let mut c = self.conn().await?;
        c.ping().await.map_err(classify)
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }
}

/// MariaDB error numbers the application reacts to.
pub mod codes {
    pub const DUPLICATE_KEY: u16 = 1062;
    pub const FK_PARENT_MISSING: u16 = 1452;
    pub const FK_ROW_REFERENCED: u16 = 1451;
    pub const LOCK_WAIT_TIMEOUT: u16 = 1205;
    pub const DEADLOCK: u16 = 1213;
    pub const DATA_TOO_LONG: u16 = 1406;
}

impl From<mysql_async::Error> for ApiError {
    fn from(e: mysql_async::Error) -> Self {
        classify(e)
    }
}

/// The server error number, if `e` is one.
pub fn server_code(e: &mysql_async::Error) -> Option<u16> {
    match e {
        mysql_async::Error::Server(s) => Some(s.code),
        _ => None,
    }
}

/// Maps a driver error to the API's status: integrity clashes 409, input that the
/// database refuses 422, lost connections and lock trouble 503, anything else 500
/// (docs/compatibility.md#database-errors-are-classified).
pub fn classify(e: mysql_async::Error) -> ApiError {
    use codes::*;
    match &e {
        mysql_async::Error::Server(s) => match s.code {
            DUPLICATE_KEY | FK_PARENT_MISSING | FK_ROW_REFERENCED => {
                ApiError::Conflict("Integrity Violation".into())
            }
            DATA_TOO_LONG => ApiError::validation(
                &["body"],
                "value too long for storage",
                "value_error.any_str.max_length",
            ),
            LOCK_WAIT_TIMEOUT | DEADLOCK => ApiError::Busy(Cause::with("database busy", e)),
            _ => ApiError::Internal(Cause::with("database error", e)),
        },
        mysql_async::Error::Io(_) | mysql_async::Error::Driver(_) => {
            ApiError::unavailable("database unreachable", e)
        }
        _ => ApiError::Internal(Cause::with("database error", e)),
    }
}

const MIGRATIONS: &[(&str, &str)] = &[
    ("0001_schema", include_str!("../migrations/0001_schema.sql")),
    (
        "0002_routines",
        include_str!("../migrations/0002_routines.sql"),
    ),
    (
        "0003_login_attempts",
        include_str!("../migrations/0003_login_attempts.sql"),
    ),
    (
        "0004_site_tiles",
        include_str!("../migrations/0004_site_tiles.sql"),
    ),
    (
        "0005_site_cells",
        include_str!("../migrations/0005_site_cells.sql"),
    ),
    (
        "0006_project_site_counts",
        include_str!("../migrations/0006_project_site_counts.sql"),
    ),
    (
        "0007_moderation",
        include_str!("../migrations/0007_moderation.sql"),
    ),
    (
        "0008_memory_comment_counts",
        include_str!("../migrations/0008_memory_comment_counts.sql"),
    ),
    (
        "0009_account",
        include_str!("../migrations/0009_account.sql"),
    ),
    (
        "0010_site_memory_counts",
        include_str!("../migrations/0010_site_memory_counts.sql"),
    ),
];

/// Splits a migration file on its `-- @@` separator lines.
fn statements(sql: &str) -> impl Iterator<Item = &str> {
    sql.split("\n-- @@\n").map(str::trim).filter(|s| {
        s.lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with("--"))
    })
}

/// Creates the database named in `url` if it does not exist (local runs and tests).
pub async fn create_database(url: &str, ca: Option<&Path>) -> Result<(), mysql_async::Error> {
    let name = mysql_async::Opts::from_url(url)?
        .db_name()
        .ok_or_else(|| mysql_async::Error::Other("the database URL names no database".into()))?
        .to_string();
    let mut conn = Conn::new(connect_opts(url, ca)?.db_name(None::<String>)).await?;
    let quoted = name.replace('`', "``");
    conn.query_drop(format!(
        "CREATE DATABASE IF NOT EXISTS `{quoted}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    ))
    .await?;
    conn.disconnect().await
}

/// Applies every migration. Each statement is idempotent, so this is safe to run on
/// every deploy and on a database created by the original server.
pub async fn migrate(db: &Db) -> Result<(), ApiError> {
    let mut conn = db.conn().await?;
    for (name, sql) in MIGRATIONS {
        for stmt in statements(sql) {
            conn.query_drop(stmt).await.map_err(|e| {
                ApiError::Internal(Cause::with(
                    format!("migration {name} failed at\n{stmt}"),
                    e,
                ))
            })?;
        }
    }
    repair_audit_foreign_keys(&mut conn).await?;
    // Needs SUPER/privileges that managed databases may not grant; the events then only
    // run where an operator enabled the scheduler.
    if let Err(e) = conn.query_drop("SET GLOBAL event_scheduler = ON").await {
        tracing::warn!(error = %e, "could not enable the event scheduler");
    }
    Ok(())
}

/// Loads the demo content of `migrations/demo.sql` (local runs only).
pub async fn load_demo_data(db: &Db) -> Result<(), ApiError> {
    let mut conn = db.conn().await?;
    for stmt in statements(include_str!("../migrations/demo.sql")) {
        conn.query_drop(stmt).await?;
    }
    Ok(())
}

/// The original created the audit tables' FKs without a delete rule
/// (docs/compatibility.md#audit-tables-no-longer-block-deletes). Replace
/// any such FK with an `ON DELETE CASCADE` one; a no-op on a migrated database.
async fn repair_audit_foreign_keys(conn: &mut Conn) -> Result<(), ApiError> {
    let rows: Vec<(String, String, String, String, String)> = conn
        .query(
            "SELECT rc.TABLE_NAME, rc.CONSTRAINT_NAME, k.COLUMN_NAME, k.REFERENCED_TABLE_NAME,
                    k.REFERENCED_COLUMN_NAME
             FROM information_schema.REFERENTIAL_CONSTRAINTS rc
             JOIN information_schema.KEY_COLUMN_USAGE k
               ON k.CONSTRAINT_SCHEMA = rc.CONSTRAINT_SCHEMA
              AND k.CONSTRAINT_NAME = rc.CONSTRAINT_NAME
              AND k.TABLE_NAME = rc.TABLE_NAME
             WHERE rc.CONSTRAINT_SCHEMA = DATABASE()
               AND rc.TABLE_NAME IN ('audit_comments', 'audit_memories')
               AND rc.DELETE_RULE <> 'CASCADE'",
        )
        .await?;
    for (table, constraint, column, ref_table, ref_column) in rows {
        // Identifiers come from information_schema of our own fixed tables; quote anyway.
        let q = |s: &str| format!("`{}`", s.replace('`', "``"));
        // MariaDB cannot drop and re-add a constraint of the same name in one ALTER.
        conn.query_drop(format!(
            "ALTER TABLE {} DROP FOREIGN KEY {}",
            q(&table),
            q(&constraint)
        ))
        .await?;
        conn.query_drop(format!(
            "ALTER TABLE {t} ADD CONSTRAINT {c} FOREIGN KEY ({col}) REFERENCES {rt} ({rc}) ON DELETE CASCADE",
            t = q(&table),
            c = q(&constraint),
            col = q(&column),
            rt = q(&ref_table),
            rc = q(&ref_column),
        ))
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migration_files_split_into_statements() {
        let n: usize = MIGRATIONS.iter().map(|(_, s)| statements(s).count()).sum();
        assert!(n > 20, "found {n} statements");
        for (_, sql) in MIGRATIONS {
            for s in statements(sql) {
                // A separator is a line of its own; comments may mention it.
                assert!(
                    !s.lines().any(|l| l.trim() == "-- @@"),
                    "separator left in {s}"
                );
            }
        }
    }
}
