//! `TestApp`: the merged router of every group, served on 127.0.0.1:0 by a thread with its
//! own runtime, against the run's database, the real Redis and a temporary folder for
//! images and mail.
//!
//! Each test starts its own server so tests can pick configuration; they share the run's
//! database and keep their data apart by unique names.

use std::{net::SocketAddr, path::Path, sync::Arc, time::Duration};

use muistot::{
    config::Config,
    routes::{self, Group},
    AppState,
};

use super::{accounts::redis_url, db::database_url, logs, mail::outbox_in};

/// Environment for one test server, as `(variable, value)`.
pub type Env = Vec<(&'static str, String)>;

/// A running server; the other support modules add helpers to set up data and send
/// requests.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub config: Config,
    pub images_dir: Arc<tempfile::TempDir>,
    _shutdown: std::sync::mpsc::Sender<()>,
}

/// The environment of a server on this machine's services: the database of
/// `database_url`, Redis sessions, a cheap bcrypt cost, images in the folder `images` and
/// mail written to the folder `outbox`.
pub fn local_env(database_url: &str, images: &Path, outbox: &Path) -> Env {
    vec![
        ("MUISTOT_DATABASE_URL", database_url.to_string()),
        ("MUISTOT_SESSIONS", redis_url()),
        ("MUISTOT_BCRYPT_COST", "4".into()),
        ("MUISTOT_IMAGES", format!("dir:{}", images.display())),
        ("MUISTOT_MAIL", format!("outbox:{}", outbox.display())),
    ]
}

/// `env` with each of `overrides` set, in place of the same variable.
pub fn with_overrides(mut env: Env, overrides: Env) -> Env {
    for (k, v) in overrides {
        env.retain(|(key, _)| *key != k);
        env.push((k, v));
    }
    env
}

/// The configuration a process with (only) `env` would read.
pub fn config_from(env: &Env) -> Config {
    Config::from_lookup(|k| {
        env.iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.clone())
    })
    .expect("test configuration")
}

/// Overrides that publish new content at once.
pub fn auto_publish() -> Env {
    vec![("MUISTOT_AUTO_PUBLISH", "true".into())]
}

/// The server with new content published at once.
pub async fn auto_publish_app() -> TestApp {
    TestApp::spawn_with(auto_publish()).await
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(vec![]).await
    }

    pub async fn spawn_with(overrides: Env) -> Self {
        logs::capture();
        let images_dir = Arc::new(
            tempfile::Builder::new()
                .prefix("muistot-test")
                .tempdir()
                .expect("temp dir"),
        );
        let env = with_overrides(
            local_env(
                database_url(),
                images_dir.path(),
                &outbox_in(images_dir.path()),
            ),
            overrides,
        );
        let config = config_from(&env);
        let (addr_tx, addr_rx) = tokio::sync::oneshot::channel();
        let (stop_tx, stop_rx) = std::sync::mpsc::channel::<()>();
        let server_config = config.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let state = AppState::build(server_config).await.expect("app state");
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                let app = axum::ServiceExt::<axum::extract::Request>::into_make_service(
                    routes::service(state, Group::ALL),
                );
                let server = axum::serve(listener, app);
                tokio::select! {
                    _ = server => {}
                    _ = tokio::task::spawn_blocking(move || { let _ = stop_rx.recv(); }) => {}
                }
            });
        });
        // Awaited, not blocked on: the test's own runtime may be serving a proxy meanwhile.
        let addr = tokio::time::timeout(Duration::from_secs(30), addr_rx)
            .await
            .expect("server start timed out")
            .expect("server started");
        Self {
            addr,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            config,
            images_dir,
            _shutdown: stop_tx,
        }
    }
}
