//! Black-box test harness: the merged router served on port 0 against a fresh MariaDB
//! database (one per test binary run, migrations applied) and the real Redis.
//!
//! Each test starts its own server (a thread with its own runtime) so tests can pick
//! configuration; they share the binary's database and isolate data by unique names.

use std::{
    net::SocketAddr,
    sync::{Arc, OnceLock},
    time::Duration,
};

use muistot::{
    config::Config,
    db::{self, Db},
    routes::{self, Group},
    sessions::{RedisSessionStore, SessionData, SessionStore},
    AppState,
};
use mysql_async::prelude::*;

pub use reqwest::{Method, StatusCode};
pub use serde_json::{json, Value};

/// Base URL of the MariaDB server tests may create databases on.
pub fn mysql_base() -> String {
    std::env::var("MUISTOT_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

pub fn redis_url() -> String {
    std::env::var("MUISTOT_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379/0".into())
}

/// The database of this test binary run: created and migrated once.
pub fn database_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let name = format!(
            "muistot_test_{}_{}",
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let url = format!("{}/{}", mysql_base(), name);
        let u = url.clone();
        // Own runtime on its own thread: callers may be inside a runtime already.
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                drop_stale_databases().await;
                db::create_database(&u, None)
                    .await
                    .expect("create the test database");
                let pool = Db::new(&u, None, Duration::from_secs(10)).unwrap();
                db::migrate(&pool).await.expect("apply migrations");
                pool.pool().clone().disconnect().await.unwrap();
            })
        })
        .join()
        .expect("database set-up");
        url
    })
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

/// A name unique within this run, valid as a project/site id.
pub fn unique(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

/// A running server plus helpers to set up data directly in the database.
pub struct TestApp {
    pub addr: SocketAddr,
    pub client: reqwest::Client,
    pub config: Config,
    pub images_dir: Arc<tempfile::TempDir>,
    _shutdown: std::sync::mpsc::Sender<()>,
}

/// Environment overrides for one test server.
pub type Env = Vec<(&'static str, String)>;

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
        let outbox = images_dir.path().join("outbox");
        let mut env: Vec<(String, String)> = vec![
            ("MUISTOT_DATABASE_URL".into(), database_url().to_string()),
            ("MUISTOT_SESSIONS".into(), redis_url()),
            ("MUISTOT_BCRYPT_COST".into(), "4".into()),
            (
                "MUISTOT_IMAGES".into(),
                format!("dir:{}", images_dir.path().display()),
            ),
            (
                "MUISTOT_MAIL".into(),
                format!("outbox:{}", outbox.display()),
            ),
        ];
        for (k, v) in overrides {
            env.retain(|(key, _)| key != k);
            env.push((k.to_string(), v));
        }
        let config =
            Config::from_lookup(|k| env.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone()))
                .expect("test configuration");
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

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// A request builder for `path`, with the token if given.
    pub fn req(&self, method: Method, path: &str, token: Option<&str>) -> reqwest::RequestBuilder {
        let mut r = self.client.request(method, self.url(path));
        if let Some(t) = token {
            r = r.header("Authorization", format!("bearer {t}"));
        }
        r
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Resp {
        Resp::from(self.req(Method::GET, path, token).send().await.unwrap()).await
    }

    /// GET with an `Accept-Language` header.
    pub async fn get_lang(&self, path: &str, token: Option<&str>, lang: &str) -> Resp {
        let r = self
            .req(Method::GET, path, token)
            .header("Accept-Language", lang);
        Resp::from(r.send().await.unwrap()).await
    }

    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let mut r = self.req(method, path, token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        Resp::from(r.send().await.unwrap()).await
    }

    pub async fn db(&self) -> mysql_async::Conn {
        mysql_async::Conn::from_url(database_url()).await.unwrap()
    }

    /// Inserts a verified user; returns its id.
    pub async fn create_user(&self, username: &str) -> i32 {
        let mut c = self.db().await;
        let email = format!("{}@example.com", username.replace(['#', ' '], "_"));
        c.exec_first(
            "INSERT INTO users (username, email, verified) VALUES (?, ?, 1) RETURNING id",
            (username, email),
        )
        .await
        .unwrap()
        .unwrap()
    }

    pub async fn make_superuser(&self, user_id: i32) {
        let mut c = self.db().await;
        c.exec_drop("INSERT INTO superusers (user_id) VALUES (?)", (user_id,))
            .await
            .unwrap();
    }

    /// A session token for `username`, stored the way login stores it.
    pub async fn login_as(&self, username: &str) -> String {
        let store = RedisSessionStore::connect(
            &redis_url(),
            self.config.session_lifetime_secs,
            Duration::from_secs(5),
        )
        .await
        .unwrap();
        let key = store
            .create(&SessionData::for_user(username))
            .await
            .unwrap();
        muistot::sessions::token::encode(&key)
    }

    /// A new user with a session: (user id, username, token).
    pub async fn user(&self, prefix: &str) -> (i32, String, String) {
        let name = unique(prefix);
        let id = self.create_user(&name).await;
        let token = self.login_as(&name).await;
        (id, name, token)
    }

    pub async fn superuser(&self) -> (i32, String, String) {
        let (id, name, token) = self.user("super").await;
        self.make_superuser(id).await;
        (id, name, token)
    }
}

/// A response with its body read.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
}

impl Resp {
    async fn from(r: reqwest::Response) -> Self {
        let status = r.status();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        Self {
            status,
            headers,
            text,
        }
    }
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The path part of the `Location` header.
    pub fn location_path(&self) -> Option<String> {
        let loc = self.header("location")?;
        let after_scheme = loc.split_once("://").map(|(_, r)| r).unwrap_or(loc);
        Some(
            after_scheme
                .find('/')
                .map(|i| after_scheme[i..].to_string())
                .unwrap_or_default(),
        )
    }
    pub fn error_message(&self) -> String {
        self.json()["error"]["message"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
    /// `loc` of the first validation error.
    pub fn error_loc(&self) -> Value {
        self.json()["error"]["errors"][0]["loc"].clone()
    }
    #[track_caller]
    pub fn assert_status(&self, expected: u16) -> &Self {
        assert_eq!(
            self.status.as_u16(),
            expected,
            "unexpected status; body: {}",
            self.text
        );
        self
    }
}

/// A TCP proxy the test controls, to put between the app and a dependency and cut it.
pub mod proxy {
    use std::{
        net::SocketAddr,
        sync::{
            atomic::{AtomicU8, Ordering},
            Arc,
        },
    };
    use tokio::{
        io::AsyncWriteExt,
        net::{TcpListener, TcpStream},
        sync::watch,
    };

    const OPEN: u8 = 0;
    const CUT: u8 = 1;
    const STALL: u8 = 2;

    pub struct Proxy {
        pub addr: SocketAddr,
        mode: Arc<AtomicU8>,
        generation: watch::Sender<u64>,
    }

    impl Proxy {
        /// Listens on 127.0.0.1:0 and forwards every connection to `target`.
        pub async fn start(target: SocketAddr) -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let addr = listener.local_addr().unwrap();
            let mode = Arc::new(AtomicU8::new(OPEN));
            let (generation, _) = watch::channel(0u64);
            let m = mode.clone();
            let gen_tx = generation.clone();
            tokio::spawn(async move {
                loop {
                    let Ok((mut client, _)) = listener.accept().await else {
                        return;
                    };
                    match m.load(Ordering::SeqCst) {
                        CUT => {
                            let _ = client.shutdown().await;
                            continue;
                        }
                        STALL => {
                            // Accept and say nothing: the peer waits until its own timeout.
                            let mut rx = gen_tx.subscribe();
                            tokio::spawn(async move {
                                let _ = rx.changed().await;
                                drop(client);
                            });
                            continue;
                        }
                        _ => {}
                    }
                    let mut rx = gen_tx.subscribe();
                    tokio::spawn(async move {
                        let Ok(mut server) = TcpStream::connect(target).await else {
                            return;
                        };
                        tokio::select! {
                            biased;
                            _ = rx.changed() => {}
                            _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        }
                    });
                }
            });
            Self {
                addr,
                mode,
                generation,
            }
        }

        /// Drops every open connection and refuses new ones.
        pub async fn cut(&self) {
            self.mode.store(CUT, Ordering::SeqCst);
            self.generation.send_modify(|g| *g += 1);
            // Let the forwarding tasks see the change before the test goes on.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }

        /// Drops open connections; new ones are accepted but never answered.
        pub async fn stall(&self) {
            self.mode.store(STALL, Ordering::SeqCst);
            self.generation.send_modify(|g| *g += 1);
            // Let the forwarding tasks see the change before the test goes on.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }

        pub async fn restore(&self) {
            self.mode.store(OPEN, Ordering::SeqCst);
            self.generation.send_modify(|g| *g += 1);
            // Let the forwarding tasks see the change before the test goes on.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// Everything the code under test logs, captured in memory (debug level for our crates)
/// so tests can check that no secret ever reaches the logs.
pub mod logs {
    use std::sync::{Arc, Mutex, OnceLock};

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn buffer() -> &'static Buffer {
        static BUF: OnceLock<Buffer> = OnceLock::new();
        BUF.get_or_init(|| {
            let buf = Buffer::default();
            let writer = buf.clone();
            let _ = tracing_subscriber::fmt()
                .json()
                .with_env_filter(tracing_subscriber::EnvFilter::new(
                    "debug,muistot=trace,tower_http=debug,hyper=info,h2=info,rustls=info,aws_smithy_runtime=info,aws_config=info",
                ))
                .with_writer(move || writer.clone())
                .try_init();
            buf
        })
    }

    /// Starts capturing (idempotent); call before spawning the app under test.
    pub fn capture() {
        buffer();
    }

    /// All log output so far.
    pub fn text() -> String {
        String::from_utf8_lossy(&buffer().0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

// ---------------------------------------------------------------------------------------
// Login, mail and AWS (moto) helpers.

/// moto's server (started by `.ci/services.sh`).
pub fn moto_url() -> String {
    std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "http://127.0.0.1:5055".into())
}

/// Environment that points a test server's AWS clients at moto with dummy credentials.
pub fn aws_env() -> Env {
    vec![
        ("AWS_ENDPOINT_URL", moto_url()),
        ("AWS_REGION", "eu-north-1".into()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
    ]
}

/// The SDK configuration the test server gets from [`aws_env`], for the tests' own clients.
pub async fn sdk_config() -> aws_config::SdkConfig {
    let env = aws_env();
    let config = Config::from_lookup(|k| {
        env.iter()
            .find(|(key, _)| *key == k)
            .map(|(_, v)| v.clone())
    })
    .expect("aws test configuration");
    muistot::aws::sdk_config(&config).await
}

/// A fresh DynamoDB session table on moto (key schema of the deployment template).
pub async fn dynamodb_table() -> String {
    let table = unique("sessions");
    let client = aws_sdk_dynamodb::Client::new(&sdk_config().await);
    muistot::sessions::DynamoDbSessionStore::create_table(&client, &table)
        .await
        .expect("create the session table on moto");
    table
}

/// [`aws_env`] plus DynamoDB sessions in a fresh table.
pub async fn dynamodb_env() -> Env {
    let mut env = aws_env();
    env.push((
        "MUISTOT_SESSIONS",
        format!("dynamodb://{}", dynamodb_table().await),
    ));
    env
}

/// A sender address that SES on moto accepts (identities are verified at once).
pub async fn ses_sender() -> String {
    let sender = format!("{}@muistot-test.example", unique("sender"));
    let client = aws_sdk_sesv2::Client::new(&sdk_config().await);
    client
        .create_email_identity()
        .email_identity(&sender)
        .send()
        .await
        .expect("create the SES identity on moto");
    sender
}

/// Every message SES on moto has accepted for `recipient` (HTML body), oldest first.
pub async fn ses_messages_to(recipient: &str) -> Vec<Value> {
    let data: Value = reqwest::get(format!("{}/moto-api/data.json", moto_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.to_string().contains(recipient))
        .collect()
}

/// The `user`, `token`, `verified` of the first `#email-login:` link in a mail's text
/// (plain or HTML).
pub fn login_link(mail: &str) -> Option<(String, String, String)> {
    let start = mail.find("#email-login:")? + "#email-login:".len();
    let rest = &mail[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .unwrap_or(rest.len());
    let query = rest[..end].replace("&amp;", "&");
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(&query).ok()?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    Some((get("user")?, get("token")?, get("verified")?))
}

/// A username valid under the UID rule and unique within the run.
pub fn unique_name(prefix: &str) -> String {
    format!(
        "{prefix}#{}",
        &uuid::Uuid::new_v4().simple().to_string()[..10]
    )
}

impl TestApp {
    /// The outbox folder of the default mailer.
    pub fn outbox(&self) -> std::path::PathBuf {
        self.images_dir.path().join("outbox")
    }

    /// The `.eml` files in the outbox addressed to `recipient`, oldest first.
    pub fn outbox_mails_to(&self, recipient: &str) -> Vec<String> {
        let Ok(dir) = std::fs::read_dir(self.outbox()) else {
            return Vec::new();
        };
        let mut files: Vec<_> = dir
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files
            .into_iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter(|m| m.contains(&format!("\r\nTo: {recipient}\r\n")))
            .collect()
    }

    /// Inserts a user with a bcrypt password (cost 4); returns its id.
    pub async fn create_user_with_password(
        &self,
        username: &str,
        email: &str,
        password: &str,
        verified: bool,
    ) -> i32 {
        let hash = muistot::passwords::hash(password.to_string(), 4)
            .await
            .unwrap();
        let mut c = self.db().await;
        c.exec_first(
            "INSERT INTO users (username, email, password_hash, verified) VALUES (?, ?, ?, ?) \
             RETURNING id",
            (username, email, hash.as_bytes(), verified),
        )
        .await
        .unwrap()
        .unwrap()
    }

    /// `POST path` with a password-login body.
    pub async fn password_login(&self, path: &str, body: Value) -> Resp {
        self.send(Method::POST, path, None, Some(body)).await
    }

    /// A verified user with a password: (id, username, email, password).
    pub async fn password_user(&self, prefix: &str) -> (i32, String, String, String) {
        let name = unique_name(prefix);
        let email = format!("{}@example.com", unique(prefix));
        let password = "correct horse".to_string();
        let id = self
            .create_user_with_password(&name, &email, &password, true)
            .await;
        (id, name, email, password)
    }
}

impl Resp {
    /// The token of a login response's `Authorization: bearer <token>` header.
    #[track_caller]
    pub fn session_token(&self) -> String {
        let value = self
            .header("authorization")
            .unwrap_or_else(|| panic!("no Authorization header: {self:?}"));
        value
            .strip_prefix("bearer ")
            .unwrap_or_else(|| panic!("not `bearer <token>`: {value}"))
            .to_string()
    }
}
