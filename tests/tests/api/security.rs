//! Security properties checked as tests: token entropy, secrets kept out of the logs,
//! CORS in production configuration.

use muistot_tests::*;
use mysql_async::prelude::Queryable;

#[tokio::test]
async fn session_tokens_carry_256_random_bits() {
    let app = TestApp::spawn().await;
    let mut seen = std::collections::HashSet::new();
    for _ in 0..200 {
        let token = app.login_as("entropy-user").await;
        let key = muistot::sessions::token::decode(&token).unwrap();
        assert_eq!(&key[..6], b"token:");
        assert_eq!(key.len() - 6, 32, "32 random bytes = 256 bits");
        assert!(seen.insert(key[6..].to_vec()));
    }
    // every bit position varies across 200 tokens (a stuck bit would betray a weak source)
    let keys: Vec<Vec<u8>> = seen.into_iter().collect();
    for byte in 0..32 {
        for bit in 0..8 {
            let ones = keys.iter().filter(|k| k[byte] & (1 << bit) != 0).count();
            assert!(
                ones > 40 && ones < 160,
                "bit {byte}.{bit} set {ones}/200 times"
            );
        }
    }
}

#[tokio::test]
async fn secrets_never_reach_the_logs() {
    let app0 = TestApp::spawn().await;
    let db_name = database_name(database_url());
    let password = format!("Db-Secret-{}", uuid::Uuid::new_v4().simple());
    let user = format!("mlog{}", random_hex(8));
    let mut c = app0.db().await;
    c.query_drop(format!(
        "CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'"
    ))
    .await
    .unwrap();
    c.query_drop(format!("GRANT ALL ON `{db_name}`.* TO '{user}'@'%'"))
        .await
        .unwrap();
    // Through a proxy, so the test can also make the database fail and log a fault.
    let proxy = proxy::Proxy::start("127.0.0.1:3306".parse().unwrap()).await;
    let url = format!("mysql://{user}:{password}@{}/{db_name}", proxy.addr);
    let app = TestApp::spawn_with(vec![
        ("MUISTOT_DATABASE_URL", url),
        ("MUISTOT_IO_TIMEOUT", "1".into()),
    ])
    .await;

    let (_, _, token) = app.user("logged").await;
    app.get("/projects", Some(&token)).await.assert_status(200);
    app.get("/no/such/path", Some(&token))
        .await
        .assert_status(404);
    let forged = format!("{}A", &token[..token.len() - 1]);
    app.get("/projects", Some(&forged)).await;
    proxy.cut().await;
    app.get("/projects", Some(&token)).await.assert_status(503);
    proxy.restore().await;
    c.query_drop(format!("DROP USER '{user}'@'%'"))
        .await
        .unwrap();

    let logs = logs::text();
    assert!(
        logs.contains("request failed"),
        "the fault was not logged; capture is not working"
    );
    for secret in [&token, &forged, &password] {
        assert!(!logs.contains(secret.as_str()), "a secret reached the logs");
    }
}

#[tokio::test]
async fn cors_allows_only_configured_origins_in_production() {
    let app = TestApp::spawn_with(vec![(
        "MUISTOT_CORS_ORIGINS",
        "https://muistotkartalla.fi".into(),
    )])
    .await;
    let allowed = app
        .req(Method::GET, "/projects", None)
        .header("Origin", "https://muistotkartalla.fi")
        .send()
        .await
        .unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://muistotkartalla.fi"
    );
    let other = app
        .req(Method::GET, "/projects", None)
        .header("Origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert!(other.headers().get("access-control-allow-origin").is_none());
    let preflight = app
        .client
        .request(Method::OPTIONS, app.url("/projects"))
        .header("Origin", "https://evil.example")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .unwrap();
    assert!(preflight
        .headers()
        .get("access-control-allow-origin")
        .is_none());
}

/// Parallel guesses cannot get past the password-login limit: of 20 concurrent wrong
/// attempts exactly 10 are checked, the rest are 429; the right password is then refused
/// too until the window passes; other accounts are unaffected; unknown names behave alike.
#[tokio::test]
async fn password_login_limit_holds_under_parallel_requests() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let (_, name, _, password) = app.password_user("guessed").await;
    let (_, other, _, other_password) = app.password_user("bystander").await;
    let ghost = unique_name("ghost");
    for subject in [name.clone(), ghost] {
        let mut handles = Vec::new();
        for i in 0..20 {
            let app = app.clone();
            let body = json!({"username": subject, "password": format!("wrong-{i}")});
            handles.push(tokio::spawn(async move {
                app.password_login("/login", body).await.status.as_u16()
            }));
        }
        let mut statuses = Vec::new();
        for h in handles {
            statuses.push(h.await.unwrap());
        }
        statuses.sort();
        let checked = statuses.iter().filter(|s| **s == 400).count();
        let limited = statuses.iter().filter(|s| **s == 429).count();
        assert_eq!((checked, limited), (10, 10), "{subject}: {statuses:?}");
    }
    let r = app
        .password_login("/login", json!({"username": name, "password": password}))
        .await;
    r.assert_status(429);
    assert_eq!(r.json()["error"]["message"], "Too Many Requests");
    // the same account under another spelling of its name is the same subject
    app.password_login(
        "/auth/login",
        json!({"username": name.to_uppercase(), "password": "x"}),
    )
    .await
    .assert_status(429);
    app.password_login(
        "/login",
        json!({"username": other, "password": other_password}),
    )
    .await
    .assert_status(200);
}

/// The e-mail link limit holds under parallel requests: one mail, the rest 429.
#[tokio::test]
async fn email_login_limit_holds_under_parallel_requests() {
    let app = std::sync::Arc::new(TestApp::spawn().await);
    let email = format!("{}@example.com", unique_name("parallel").replace('#', ""));
    let mut handles = Vec::new();
    for _ in 0..10 {
        let app = app.clone();
        let path = format!("/login/email-only?email={}", email.replace('@', "%40"));
        handles.push(tokio::spawn(async move {
            app.send(Method::POST, &path, None, None)
                .await
                .status
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.unwrap());
    }
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|s| **s == 204).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 429).count(),
        9,
        "{statuses:?}"
    );
    assert_eq!(app.outbox_mails_to(&email).len(), 1);
    let accounts: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM users WHERE email = ?",
        (&email,),
    )
    .await;
    assert_eq!(accounts, 1);
}
