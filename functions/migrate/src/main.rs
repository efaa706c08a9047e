//! Applies `muistot::db::migrate` to `MUISTOT_DATABASE_URL`, as an explicit deploy step
//! rather than on every cold start (migrations take DDL locks; a cold start should not).
//!
//! * CLI: `migrate [--create-database]` — exit code 0 when the schema is up to date.
//! * Lambda (when `AWS_LAMBDA_RUNTIME_API` is set): every invocation migrates and answers
//!   `{"status":"migrated",…}`; `{"create_database": true}` as payload also creates the
//!   database. A failure is an invocation error (`FunctionError` in `aws lambda invoke`).

use std::{process::ExitCode, time::Duration};

use lambda_http::lambda_runtime::{self, service_fn, LambdaEvent};
use muistot::{
    db::{self, Db},
    Config,
};
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Debug, Default, Deserialize)]
struct Order {
    /// `CREATE DATABASE IF NOT EXISTS` first (needs the privilege; off by default).
    #[serde(default)]
    create_database: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() {
        muistot::telemetry::init_json();
        return match lambda_runtime::run(service_fn(invoked)).await {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                tracing::error!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    muistot::telemetry::init_text();
    let mut order = Order::default();
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--create-database" => order.create_database = true,
            "-h" | "--help" => {
                println!(
                    "usage: migrate [--create-database]\n\
                     Applies the schema migrations to MUISTOT_DATABASE_URL (idempotent)."
                );
                return ExitCode::SUCCESS;
            }
            other => {
                eprintln!("migrate: unknown argument {other:?} (try --help)");
                return ExitCode::from(2);
            }
        }
    }
    match run(&order).await {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("migrate: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn invoked(event: LambdaEvent<Value>) -> Result<Value, lambda_runtime::Error> {
    // Any payload that is not an order (e.g. `{}` or nothing) means "just migrate".
    let order: Order = serde_json::from_value(event.payload).unwrap_or_default();
    let report = run(&order).await.inspect_err(|e| tracing::error!("{e}"))?;
    Ok(report)
}

/// Connects (once per run: this is not a request path), migrates, reports.
async fn run(order: &Order) -> Result<Value, String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let url = config.database_url.expose();
    // Name the target without the password.
    let target = describe(url);
    if order.create_database {
        db::create_database(url, config.database_ca.as_deref())
            .await
            .map_err(|e| format!("cannot create the database {target}: {e}"))?;
    }
    let pool = Db::new(url, config.database_ca.as_deref(), Duration::from_secs(30))
        .map_err(|e| format!("MUISTOT_DATABASE_URL: {e}"))?;
    let started = std::time::Instant::now();
    let result = db::migrate(&pool).await;
    pool.pool().clone().disconnect().await.ok();
    result.map_err(|e| format!("migrating {target} failed: {}", e.log_chain()))?;
    let elapsed_ms = started.elapsed().as_millis() as u64;
    tracing::info!(target = %target, elapsed_ms, "migrations applied");
    Ok(json!({"status": "migrated", "database": target, "elapsed_ms": elapsed_ms}))
}

/// `host:port/database` of a mysql:// URL (never the credentials).
fn describe(url: &str) -> String {
    match lambda_http::http::Uri::try_from(url) {
        Ok(uri) => format!(
            "{}:{}{}",
            uri.host().unwrap_or("?"),
            uri.port_u16().unwrap_or(3306),
            uri.path()
        ),
        Err(_) => "(unparsable URL)".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_the_target_without_credentials() {
        let d = describe("mysql://muistot:s3cr%40t@db.example.com:3307/muistot");
        assert_eq!(d, "db.example.com:3307/muistot");
        assert!(!describe("mysql://u:hunter2@h/db").contains("hunter2"));
    }

    #[test]
    fn payloads_other_than_an_order_just_migrate() {
        let o: Order = serde_json::from_value(json!({"create_database": true})).unwrap();
        assert!(o.create_database);
        let o: Order = serde_json::from_value(json!(null)).unwrap_or_default();
        assert!(!o.create_database);
    }
}
