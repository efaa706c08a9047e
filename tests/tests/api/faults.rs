//! Dependency faults: MariaDB or Redis cut or stalled behind a proxy mid-traffic. The
//! client sees 503 envelopes with a request id within the deadline, nothing panics, and
//! service resumes by itself once the dependency is back.

use std::time::{Duration, Instant};

use muistot_tests::{proxy::Proxy, *};

fn mysql_addr() -> std::net::SocketAddr {
    "127.0.0.1:3306".parse().unwrap()
}

fn redis_addr() -> std::net::SocketAddr {
    "127.0.0.1:6379".parse().unwrap()
}

/// The app's database URL with the proxy's address instead of the server's.
fn via(proxy: &Proxy) -> String {
    let url = database_url();
    let db = url.rsplit('/').next().unwrap();
    format!("mysql://root@{}/{}", proxy.addr, db)
}

async fn until_ok(app: &TestApp, path: &str, token: Option<&str>, within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let r = app.get(path, token).await;
        if r.status == 200 {
            return start.elapsed();
        }
        assert!(
            start.elapsed() < within,
            "not recovered after {within:?}: {} {}",
            r.status,
            r.text
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn assert_unavailable(r: &Resp) {
    r.assert_status(503);
    let e = &r.json()["error"];
    assert_eq!(e["code"], 503);
    assert_eq!(e["message"], "Service Unavailable");
    assert!(
        e["request_id"].as_str().is_some_and(|id| !id.is_empty()),
        "{}",
        r.text
    );
    assert!(
        !r.text.contains("127.0.0.1") && !r.text.to_lowercase().contains("mysql"),
        "{}",
        r.text
    );
}

#[tokio::test]
async fn database_cut_gives_503_then_recovers() {
    let proxy = Proxy::start(mysql_addr()).await;
    let app = TestApp::spawn_with(vec![
        ("MUISTOT_DATABASE_URL", via(&proxy)),
        ("MUISTOT_IO_TIMEOUT", "2".into()),
    ])
    .await;
    app.get("/projects", None).await.assert_status(200);
    proxy.cut().await;
    for _ in 0..5 {
        let start = Instant::now();
        let r = app.get("/projects", None).await;
        assert_unavailable(&r);
        assert!(
            start.elapsed() < Duration::from_secs(4),
            "took {:?}",
            start.elapsed()
        );
    }
    proxy.restore().await;
    let took = until_ok(&app, "/projects", None, Duration::from_secs(5)).await;
    eprintln!("database back: first 200 after {took:?}");
    for _ in 0..10 {
        app.get("/projects", None).await.assert_status(200);
    }
}

#[tokio::test]
async fn database_stall_gives_503_within_the_deadline() {
    let proxy = Proxy::start(mysql_addr()).await;
    let app = TestApp::spawn_with(vec![
        ("MUISTOT_DATABASE_URL", via(&proxy)),
        ("MUISTOT_IO_TIMEOUT", "1".into()),
        ("MUISTOT_REQUEST_TIMEOUT", "3".into()),
    ])
    .await;
    app.get("/projects", None).await.assert_status(200);
    proxy.stall().await;
    let start = Instant::now();
    let r = app.get("/projects", None).await;
    assert_unavailable(&r);
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "took {:?}",
        start.elapsed()
    );
    proxy.restore().await;
    until_ok(&app, "/projects", None, Duration::from_secs(5)).await;
}

#[tokio::test]
async fn session_store_cut_gives_503_then_recovers() {
    let proxy = Proxy::start(redis_addr()).await;
    let redis = format!("redis://{}/0", proxy.addr);
    let app = TestApp::spawn_with(vec![
        ("MUISTOT_SESSIONS", redis),
        ("MUISTOT_IO_TIMEOUT", "1".into()),
    ])
    .await;
    let (_, _, token) = app.user("faulty").await;
    app.get("/projects", Some(&token)).await.assert_status(200);
    proxy.cut().await;
    let start = Instant::now();
    let r = app.get("/projects", Some(&token)).await;
    assert_unavailable(&r);
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "took {:?}",
        start.elapsed()
    );
    // anonymous requests do not need the session store
    app.get("/projects", None).await.assert_status(200);
    proxy.restore().await;
    let took = until_ok(&app, "/projects", Some(&token), Duration::from_secs(8)).await;
    eprintln!("session store back: first 200 after {took:?}");
}
