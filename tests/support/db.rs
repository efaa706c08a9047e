//! The test databases on the MariaDB server: the run's own database (created and migrated
//! once per test binary run), further databases for tests that need one of their own, the
//! clean-up of databases that runs no longer use, and direct reads for assertions.

use std::{sync::OnceLock, time::Duration};

use muistot::db::{self, Db};
use mysql_async::prelude::*;

use super::{app::TestApp, names::random_hex};

/// Base URL of the MariaDB server tests may create databases on.
pub fn mysql_base() -> String {
    std::env::var("MUISTOT_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

/// The URL of a new database name, `muistot_test_<pid>_[<label>_]<random>`: the process id
/// tells the clean-up (here and in `.ci/test.sh`) whether its run is over.
pub fn new_database_url(label: Option<&str>) -> String {
    let label = label.map(|l| format!("{l}_")).unwrap_or_default();
    format!(
        "{}/muistot_test_{}_{label}{}",
        mysql_base(),
        std::process::id(),
        random_hex(8)
    )
}

/// Runs `f` to its end on a thread with a runtime of its own (callers may be inside a
/// runtime already).
fn on_own_runtime<F>(f: F) -> F::Output
where
    F: std::future::Future + Send + 'static,
    F::Output: Send + 'static,
{
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime")
            .block_on(f)
    })
    .join()
    .expect("database set-up")
}

/// Creates the database of `url` and applies the migrations.
pub fn create_migrated_database(url: &str) {
    let u = url.to_string();
    on_own_runtime(async move {
        db::create_database(&u, None)
            .await
            .expect("create the test database");
        let pool = Db::new(&u, None, Duration::from_secs(10)).expect("pool");
        db::migrate(&pool).await.expect("apply migrations");
        pool.pool().clone().disconnect().await.expect("disconnect");
    });
}

/// The database of this test binary run: created and migrated once, after dropping the
/// databases of runs that are over.
pub fn database_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let url = new_database_url(None);
        on_own_runtime(drop_stale_databases());
        create_migrated_database(&url);
        url
    })
}

/// The database name at the end of `url`.
pub fn database_name(url: &str) -> &str {
    url.rsplit('/').next().expect("a database URL")
}

/// Drops test databases left by test processes that are no longer running.
async fn drop_stale_databases() {
    let Ok(mut conn) = mysql_async::Conn::from_url(mysql_base()).await else {
        return;
    };
    let names: Vec<String> = conn
        .query("SHOW DATABASES LIKE 'muistot\\_test\\_%'")
        .await
        .unwrap_or_default();
    for name in names {
        let pid = name.split('_').nth(2).and_then(|p| p.parse::<u32>().ok());
        if let Some(pid) = pid {
            if !std::path::Path::new(&format!("/proc/{pid}")).exists() {
                let _ = conn.query_drop(format!("DROP DATABASE `{name}`")).await;
            }
        }
    }
}

impl TestApp {
    /// A connection to the run's database, for setting up and checking data directly.
    pub async fn db(&self) -> mysql_async::Conn {
        mysql_async::Conn::from_url(database_url()).await.unwrap()
    }
}

/// One column of one row, for assertions on stored state.
pub async fn scalar<T: FromValue + Send + 'static>(
    app: &TestApp,
    sql: &str,
    params: impl Into<mysql_async::Params> + Send,
) -> T {
    let mut c = app.db().await;
    c.exec_first(sql, params).await.unwrap().unwrap()
}
