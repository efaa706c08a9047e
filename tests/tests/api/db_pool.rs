//! Bounded database connections (README, "Database connections"): instances with the
//! Lambda pool settings never hold more than their pools allow, a request that finds the
//! pool at its bound waits `MUISTOT_IO_TIMEOUT` and gets a 503, and idle connections are
//! closed.
//!
//! Connections are counted in `information_schema.PROCESSLIST` by database, so the tests
//! that count use a database of their own (other tests share the run's).

use std::{
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use muistot::{config::LAMBDA_POOL_MAX, db::Db};
use muistot_tests::*;
use mysql_async::prelude::*;

/// A migrated database of this test's own with one published project of a few published
/// sites; its URL and the project's name.
async fn own_database(label: &str) -> (String, String) {
    let url = new_database_url(Some(label));
    create_migrated_database(&url);
    let mut c = mysql_async::Conn::from_url(&url).await.unwrap();
    c.query_drop(
        "INSERT INTO projects (name, default_language_id, published) VALUES ('pool-project', 1, 1);
         INSERT INTO project_information (project_id, lang_id, name)
             SELECT id, 1, 'Pool' FROM projects WHERE name = 'pool-project';
         INSERT INTO sites (project_id, name, published, location)
             SELECT p.id, CONCAT('pool-site-', seq), 1, POINT(24 + seq / 100, 60)
             FROM projects p, seq_1_to_20 WHERE p.name = 'pool-project';
         INSERT INTO site_information (site_id, lang_id, name) SELECT id, 1, name FROM sites;",
    )
    .await
    .unwrap();
    c.disconnect().await.unwrap();
    (url, "pool-project".into())
}

/// A connection that names no database, so it is not among those it counts.
async fn observer() -> mysql_async::Conn {
    mysql_async::Conn::from_url(mysql_base()).await.unwrap()
}

/// Connections open to the database of `url`, as the server sees them.
async fn connections_to(observer: &mut mysql_async::Conn, url: &str) -> i64 {
    observer
        .exec_first(
            "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE DB = ?",
            (database_name(url),),
        )
        .await
        .unwrap()
        .unwrap()
}

async fn drop_database(url: &str) {
    observer()
        .await
        .query_drop(format!("DROP DATABASE IF EXISTS `{}`", database_name(url)))
        .await
        .unwrap();
}

/// Runs `clients` concurrent request loops against each of `apps` for `duration` while
/// sampling the database's connections every few milliseconds; the largest number seen.
/// Every answer must be a 200.
async fn peak_connections_under_load(
    apps: &[TestApp],
    url: &str,
    project: &str,
    clients: usize,
    duration: Duration,
) -> i64 {
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let stop = stop.clone();
        let url = url.to_string();
        tokio::spawn(async move {
            let mut o = observer().await;
            let mut peak = 0;
            while !stop.load(Ordering::Relaxed) {
                peak = peak.max(connections_to(&mut o, &url).await);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            peak
        })
    };
    let paths = [
        "/projects".to_string(),
        format!("/projects/{project}"),
        format!("/projects/{project}/sites"),
    ];
    let until = Instant::now() + duration;
    let mut loops = Vec::new();
    for app in apps {
        for client in 0..clients {
            let (base, http, paths) = (app.url(""), app.client.clone(), paths.clone());
            loops.push(tokio::spawn(async move {
                let mut answered = 0;
                while Instant::now() < until {
                    let path = &paths[(client + answered) % paths.len()];
                    let r = http.get(format!("{base}{path}")).send().await.unwrap();
                    assert_eq!(r.status(), 200, "{path}: {}", r.text().await.unwrap());
                    answered += 1;
                }
                answered
            }));
        }
    }
    let mut answered = 0;
    for l in loops {
        answered += l.await.unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let peak = sampler.await.unwrap();
    eprintln!(
        "{} instance(s) × {clients} clients: {answered} answers in {duration:?}, at most {peak} connections",
        apps.len()
    );
    peak
}

#[tokio::test]
async fn lambda_instances_never_hold_more_than_their_pools() {
    const INSTANCES: usize = 4;
    const CLIENTS: usize = 12;
    let (url, project) = own_database("pool").await;
    let mut instances = Vec::new();
    for _ in 0..INSTANCES {
        // As in Lambda: the runtime names the function, and the pool takes its default.
        let app = TestApp::spawn_with(vec![
            ("MUISTOT_DATABASE_URL", url.clone()),
            ("AWS_LAMBDA_FUNCTION_NAME", "muistot-test-projects".into()),
        ])
        .await;
        assert_eq!(app.config.db_pool.max, LAMBDA_POOL_MAX);
        instances.push(app);
    }
    let peak =
        peak_connections_under_load(&instances, &url, &project, CLIENTS, Duration::from_secs(3))
            .await;
    assert!(
        peak <= (INSTANCES * LAMBDA_POOL_MAX) as i64,
        "{INSTANCES} instances with pools of {LAMBDA_POOL_MAX} held {peak} connections"
    );
    assert!(peak >= INSTANCES as i64, "every instance was used: {peak}");
    drop(instances);

    // The same load on one server-sized pool opens more than a Lambda pool would: the
    // bound above is the pool's doing, not the load's.
    let server = TestApp::spawn_with(vec![("MUISTOT_DATABASE_URL", url.clone())]).await;
    let peak = peak_connections_under_load(
        std::slice::from_ref(&server),
        &url,
        &project,
        CLIENTS,
        Duration::from_secs(2),
    )
    .await;
    assert!(peak > LAMBDA_POOL_MAX as i64, "server pool held {peak}");
    drop(server);
    drop_database(&url).await;
}

/// The admin's `PATCH` waits on a row lock the test holds, keeping the instance's only
/// connection in a long transaction; the next request waits `MUISTOT_IO_TIMEOUT` for a
/// connection and answers the 503 envelope, and once the lock is gone both go through.
#[tokio::test]
async fn a_pool_at_its_bound_answers_503_after_the_io_timeout() {
    let app = TestApp::spawn_with(vec![
        ("MUISTOT_DB_POOL_MAX", "1".into()),
        ("MUISTOT_IO_TIMEOUT", "1".into()),
    ])
    .await;
    let (admin, _, token) = app.user("pooladm").await;
    let p = published_project(&app, &[admin]).await;
    app.get("/projects", None).await.assert_status(200);

    let mut holder = app.db().await;
    let mut lock = holder
        .start_transaction(mysql_async::TxOpts::default())
        .await
        .unwrap();
    lock.exec_drop("SELECT id FROM projects WHERE name = ? FOR UPDATE", (&p,))
        .await
        .unwrap();
    let patch = {
        let req = app
            .req(Method::PATCH, &format!("/projects/{p}"), Some(&token))
            .json(&json!({"contact": {"has_research_permit": false, "can_contact": true}}));
        tokio::spawn(async move { Resp::read(req.send().await.unwrap()).await })
    };
    // Until the PATCH's transaction waits for the lock this connection holds.
    let start = Instant::now();
    loop {
        let waiting: i64 = lock
            .query_first(
                "SELECT COUNT(*) FROM information_schema.INNODB_LOCK_WAITS w
                 JOIN information_schema.INNODB_TRX t ON t.trx_id = w.blocking_trx_id
                 WHERE t.trx_mysql_thread_id = CONNECTION_ID()",
            )
            .await
            .unwrap()
            .unwrap();
        if waiting > 0 {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the PATCH never waited"
        );
        // InnoDB refreshes these tables only when they were not read for 0.1 s.
        tokio::time::sleep(Duration::from_millis(150)).await;
    }

    for _ in 0..2 {
        let start = Instant::now();
        let r = app.get("/projects", None).await;
        let took = start.elapsed();
        r.assert_status(503);
        let e = &r.json()["error"];
        assert_eq!(e["message"], "Service Unavailable");
        assert!(e["request_id"].as_str().is_some_and(|id| !id.is_empty()));
        assert!(
            took >= Duration::from_millis(900) && took < Duration::from_secs(3),
            "answered after {took:?}"
        );
    }

    lock.commit().await.unwrap();
    patch.await.unwrap().assert_status(204);
    app.get("/projects", None).await.assert_status(200);
}

/// Connections unused for `MUISTOT_DB_IDLE_TIMEOUT` are closed (a thawed instance opens a
/// fresh one), and the server is told to close them itself a little later.
#[tokio::test]
async fn idle_connections_are_closed() {
    let (url, _) = own_database("idle").await;
    let app = TestApp::spawn_with(vec![
        ("MUISTOT_DATABASE_URL", url.clone()),
        ("MUISTOT_DB_IDLE_TIMEOUT", "1".into()),
    ])
    .await;
    let mut o = observer().await;
    app.get("/projects", None).await.assert_status(200);
    assert!(connections_to(&mut o, &url).await >= 1);
    let start = Instant::now();
    while connections_to(&mut o, &url).await > 0 {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "idle connections still open after {:?}",
            start.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.get("/projects", None).await.assert_status(200);

    let db = Db::with_pool(&url, None, Duration::from_secs(5), app.config.db_pool).unwrap();
    let server_timeout: u64 = db
        .conn()
        .await
        .unwrap()
        .query_first("SELECT @@SESSION.wait_timeout")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(server_timeout, 1 + muistot::db::SERVER_IDLE_MARGIN_SECS);
    db.pool().clone().disconnect().await.unwrap();
    drop(app);
    drop_database(&url).await;
}

/// What a thawed instance finds when the server closed its connections meanwhile (its
/// `wait_timeout`, a fail-over, the proxy's idle timeout): the pool notices on checkout and
/// opens new ones; the requests answer 200, not 503.
#[tokio::test]
async fn connections_the_server_closed_are_replaced_not_failed() {
    let (url, project) = own_database("closed").await;
    let app = TestApp::spawn_with(vec![
        ("MUISTOT_DATABASE_URL", url.clone()),
        ("AWS_LAMBDA_FUNCTION_NAME", "muistot-test-projects".into()),
    ])
    .await;
    let mut o = observer().await;
    for _ in 0..3 {
        app.get(&format!("/projects/{project}"), None)
            .await
            .assert_status(200);
        let ids: Vec<u64> = o
            .exec(
                "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ?",
                (database_name(&url),),
            )
            .await
            .unwrap();
        assert!(!ids.is_empty(), "the pool keeps its connection");
        for id in ids {
            o.query_drop(format!("KILL CONNECTION {id}")).await.unwrap();
        }
        // "Meanwhile": the server's side of the socket is closed before the next request.
        tokio::time::sleep(Duration::from_millis(100)).await;
        app.get("/projects", None).await.assert_status(200);
    }
    drop(app);
    drop_database(&url).await;
}
