//! The local server: applies the migrations (creating the database if needed), then
//! serves every resource group on `MUISTOT_BIND`. Not deployed.

use std::process::ExitCode;

use muistot::{
    db::{self, Db},
    routes::{service, Group},
    AppState, Config,
};

#[tokio::main]
async fn main() -> ExitCode {
    muistot::telemetry::init_text();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("local: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), String> {
    let config = Config::from_env().map_err(|e| e.to_string())?;
    let url = config.database_url.expose().to_string();
    db::create_database(&url, config.database_ca.as_deref())
        .await
        .map_err(|e| format!("MUISTOT_DATABASE_URL: cannot create the database: {e}"))?;
    let pool = Db::new(
        &url,
        config.database_ca.as_deref(),
        std::time::Duration::from_secs(10),
    )
    .map_err(|e| e.to_string())?;
    db::migrate(&pool)
        .await
        .map_err(|e| format!("migrations failed: {}", e.log_chain()))?;
    if std::env::var("MUISTOT_DEMO_DATA").is_ok_and(|v| v == "true" || v == "1") {
        db::load_demo_data(&pool)
            .await
            .map_err(|e| format!("demo data: {}", e.log_chain()))?;
        tracing::info!("demo data loaded");
    }
    pool.pool().clone().disconnect().await.ok();
    let bind = config.bind.clone();
    let state = AppState::build(config).await.map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(&bind)
        .await
        .map_err(|e| format!("MUISTOT_BIND: cannot listen on {bind}: {e}"))?;
    tracing::info!("serving the Muistot API on http://{bind}");
    let app =
        axum::ServiceExt::<axum::extract::Request>::into_make_service(service(state, Group::ALL));
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .map_err(|e| e.to_string())
}
