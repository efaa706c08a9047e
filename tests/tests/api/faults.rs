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
    format!(
        "mysql://root@{}/{}",
        proxy.addr,
        database_name(database_url())
    )
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

/// `GET path` is a 503 envelope within four seconds.
async fn assert_unavailable_quickly(app: &TestApp, path: &str, token: Option<&str>) {
    let start = Instant::now();
    let r = app.get(path, token).await;
    assert_unavailable(&r);
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "took {:?}",
        start.elapsed()
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
        assert_unavailable_quickly(&app, "/projects", None).await;
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
    assert_unavailable_quickly(&app, "/projects", None).await;
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
    assert_unavailable_quickly(&app, "/projects", Some(&token)).await;
    // anonymous requests do not need the session store
    app.get("/projects", None).await.assert_status(200);
    proxy.restore().await;
    let took = until_ok(&app, "/projects", Some(&token), Duration::from_secs(8)).await;
    eprintln!("session store back: first 200 after {took:?}");
}

/// Rows of the project called `name` (and of its localisation, contact and admins), plus
/// rows of those tables that lost their project.
async fn project_rows(app: &TestApp, name: &str) -> (i64, i64, i64) {
    let projects = scalar(app, "SELECT COUNT(*) FROM projects WHERE name = ?", (name,)).await;
    let info = scalar(
        app,
        "SELECT COUNT(*) FROM project_information WHERE name = ?",
        (name,),
    )
    .await;
    let orphans = scalar(
        app,
        "SELECT (SELECT COUNT(*) FROM project_information i
                 WHERE NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = i.project_id))
              + (SELECT COUNT(*) FROM project_contact t
                 WHERE NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = t.project_id))
              + (SELECT COUNT(*) FROM project_admins a
                 WHERE NOT EXISTS (SELECT 1 FROM projects p WHERE p.id = a.project_id))",
        (),
    )
    .await;
    (projects, info, orphans)
}

/// The database connection is lost while a project is being written (its project,
/// localisation and contact rows are in, its admin row is being inserted): the client gets
/// a 503 envelope, none of the rows survive, and the same request succeeds once the
/// database is reachable again.
#[tokio::test]
async fn connection_lost_mid_write_leaves_nothing_half_written() {
    use mysql_async::prelude::Queryable;
    let proxy = Proxy::start(mysql_addr()).await;
    let app = TestApp::spawn_with(vec![
        ("MUISTOT_DATABASE_URL", via(&proxy)),
        ("MUISTOT_AUTO_PUBLISH", "true".into()),
    ])
    .await;
    let (_, _, su) = app.superuser().await;
    let (_, admin, _) = app.user("halfadm").await;
    let name = unique("half");
    // Test-only: the admin row of this one project takes two seconds to insert.
    let trigger = format!("trg_test_slow_{}", name.replace('-', "_"));
    let mut c = app.db().await;
    c.query_drop(format!(
        "CREATE TRIGGER {trigger} BEFORE INSERT ON project_admins FOR EACH ROW
         BEGIN
           IF (SELECT name FROM projects WHERE id = NEW.project_id) = '{name}' THEN
             DO SLEEP(2);
           END IF;
         END"
    ))
    .await
    .unwrap();
    let body = json!({
        "id": name,
        "info": {"lang": "fi", "name": name, "abstract": "Kesken"},
        "contact": {"contact_email": "info@example.org", "can_contact": true,
                    "has_research_permit": false},
        "admins": [admin],
    });

    let app = std::sync::Arc::new(app);
    let request = {
        let (app, su, body) = (app.clone(), su.clone(), body.clone());
        tokio::spawn(async move {
            let start = Instant::now();
            let r = app
                .send(Method::POST, "/projects", Some(&su), Some(body))
                .await;
            (r, start.elapsed())
        })
    };
    // Wait until the project, localisation and contact rows are written (visible to a
    // dirty read) and the admin row is in its slow insert; then cut the connection.
    let mut dirty = app.db().await;
    dirty
        .query_drop("SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED")
        .await
        .unwrap();
    let written = "SELECT (SELECT COUNT(*) FROM projects WHERE name = ?)
                        + (SELECT COUNT(*) FROM project_information WHERE name = ?)
                        + (SELECT COUNT(*) FROM project_contact t JOIN projects p
                           ON p.id = t.project_id WHERE p.name = ?)";
    let start = Instant::now();
    loop {
        let rows: i64 = dirty
            .exec_first(written, (&name, &name, &name))
            .await
            .unwrap()
            .unwrap();
        if rows == 3 {
            break;
        }
        if start.elapsed() > Duration::from_secs(5) || request.is_finished() {
            let (r, _) = request.await.unwrap();
            panic!("never half-written ({rows} rows): {} {}", r.status, r.text);
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    proxy.cut().await;
    let (r, took) = request.await.unwrap();
    assert_unavailable(&r);
    eprintln!("cut mid-write: 503 after {took:?}");

    // The server notices the lost client once the sleep is over and rolls back.
    let start = Instant::now();
    loop {
        let rows: i64 = dirty
            .exec_first(written, (&name, &name, &name))
            .await
            .unwrap()
            .unwrap();
        if rows == 0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "{rows} rows still there"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    c.query_drop(format!("DROP TRIGGER {trigger}"))
        .await
        .unwrap();
    assert_eq!(project_rows(&app, &name).await, (0, 0, 0));

    proxy.restore().await;
    let mut attempts = 0;
    let r = loop {
        // The first request after the cut may still meet a pooled connection that died.
        let r = app
            .send(Method::POST, "/projects", Some(&su), Some(body.clone()))
            .await;
        attempts += 1;
        if r.status != 503 || attempts == 3 {
            break r;
        }
    };
    r.assert_status(201);
    assert_eq!(project_rows(&app, &name).await, (1, 1, 0));
    let p = app.get(&format!("/projects/{name}"), Some(&su)).await;
    p.assert_status(200);
    assert_eq!(p.json()["admins"], json!([admin]));
}
