//! The per-project count of published sites (`project_site_counts`, kept by triggers):
//! after every kind of write, through the API or in plain SQL, it equals `COUNT(*)` of the
//! published sites, and the very next `GET /projects` says so
//! (docs/compatibility.md#projects-keep-a-count-of-their-published-sites).

use muistot_tests::*;
use mysql_async::prelude::*;

/// The project's internal id.
async fn project_id(app: &TestApp, name: &str) -> i32 {
    scalar(app, "SELECT id FROM projects WHERE name = ?", (name,)).await
}

/// The stored count and `COUNT(*)` of published sites of project `id`.
async fn stored_and_counted(app: &TestApp, id: i32) -> (i64, i64) {
    app.db()
        .await
        .exec_first(
            "SELECT COALESCE((SELECT published FROM project_site_counts WHERE project_id = ?), 0),
                (SELECT COUNT(*) FROM sites WHERE project_id = ? AND published = 1)",
            (id, id),
        )
        .await
        .unwrap()
        .unwrap()
}

/// `sites_count` of `project` in the list and in its own read.
async fn listed_counts(app: &TestApp, project: &str) -> (Value, Value) {
    let list = app.get("/projects", None).await;
    list.assert_status(200);
    let listed = find_item(&list.json(), project)
        .map(|p| p["sites_count"].clone())
        .unwrap_or(Value::Null);
    let own = app.get(&format!("/projects/{project}"), None).await;
    own.assert_status(200);
    (listed, own.json()["sites_count"].clone())
}

/// The stored count equals `COUNT(*)` and `want`, and both reads show `want`.
async fn assert_count(app: &TestApp, project: &str, want: i64, after: &str) {
    let id = project_id(app, project).await;
    assert_eq!(
        stored_and_counted(app, id).await,
        (want, want),
        "stored and counted after {after}"
    );
    assert_eq!(
        listed_counts(app, project).await,
        (json!(want), json!(want)),
        "GET /projects and GET /projects/{{project}} after {after}"
    );
}

fn new_site(id: &str) -> Value {
    json!({"id": id, "info": {"lang": "fi", "name": "Paikka", "abstract": "Lyhyesti"},
           "location": {"lat": 60.75, "lon": 24.56}})
}

fn publish_order(project: &str, site: &str, publish: bool) -> Value {
    json!({"type": "site", "identifier": site, "parents": {"project": project}, "publish": publish})
}

#[tokio::test]
async fn the_count_follows_every_api_write_in_the_next_read() {
    let app = TestApp::spawn().await;
    let auto = auto_publish_app().await;
    let (admin, _, token) = app.user("cntadm").await;
    let p = published_project(&app, &[admin]).await;
    assert_count(&app, &p, 0, "project creation").await;

    // Created for review: not counted until published.
    let first = unique("paikka");
    app.send(
        Method::POST,
        &sites_path(&p),
        Some(&token),
        Some(new_site(&first)),
    )
    .await
    .assert_status(201);
    assert_count(&app, &p, 0, "creating an unpublished site").await;
    app.send(
        Method::POST,
        "/admin/publish",
        Some(&token),
        Some(publish_order(&p, &first, true)),
    )
    .await
    .assert_status(204);
    assert_count(&app, &p, 1, "publishing it").await;
    // Publishing what is published changes nothing (304).
    app.send(
        Method::POST,
        "/admin/publish",
        Some(&token),
        Some(publish_order(&p, &first, true)),
    )
    .await
    .assert_status(304);
    assert_count(&app, &p, 1, "publishing it again").await;

    // Created published (MUISTOT_AUTO_PUBLISH).
    let second = unique("paikka");
    auto.send(
        Method::POST,
        &sites_path(&p),
        Some(&token),
        Some(new_site(&second)),
    )
    .await
    .assert_status(201);
    assert_count(&app, &p, 2, "creating a published site").await;

    // Edited and localised: still counted once.
    app.send(
        Method::PATCH,
        &site_path(&p, &second),
        Some(&token),
        Some(json!({"location": {"lat": 61.5, "lon": 25.5}})),
    )
    .await
    .assert_status(204);
    assert_count(&app, &p, 2, "moving a published site on the map").await;

    // Deleted (the API's delete unpublishes), and unpublished by order.
    app.send(Method::DELETE, &site_path(&p, &second), Some(&token), None)
        .await
        .assert_status(204);
    assert_count(&app, &p, 1, "deleting a site").await;
    app.send(
        Method::POST,
        "/admin/publish",
        Some(&token),
        Some(publish_order(&p, &first, false)),
    )
    .await
    .assert_status(204);
    assert_count(&app, &p, 0, "unpublishing the last one").await;
    app.send(
        Method::POST,
        "/admin/publish",
        Some(&token),
        Some(publish_order(&p, &second, true)),
    )
    .await
    .assert_status(204);
    assert_count(&app, &p, 1, "republishing a deleted site").await;
}

#[tokio::test]
async fn the_count_follows_plain_sql_writes() {
    let app = TestApp::spawn().await;
    let p = published_project(&app, &[]).await;
    let q = published_project(&app, &[]).await;
    let (pid, qid) = (project_id(&app, &p).await, project_id(&app, &q).await);
    let mut c = app.db().await;
    let mut sql = async |statement: &str, params: mysql_async::Params| {
        c.exec_drop(statement, params).await.unwrap();
    };
    // What the original server (or an operator) writes, statement by statement.
    let a = unique("sql-a");
    let b = unique("sql-b");
    sql(
        "INSERT INTO sites (project_id, name, published, location)
         VALUES (?, ?, 1, POINT(24.9, 60.1)), (?, ?, 0, POINT(24.9, 60.2))",
        (pid, &a, pid, &b).into(),
    )
    .await;
    assert_count(&app, &p, 1, "a multi-row insert").await;
    sql(
        "UPDATE sites SET published = 1 WHERE project_id = ?",
        (pid,).into(),
    )
    .await;
    assert_count(&app, &p, 2, "publishing by UPDATE").await;
    sql(
        "UPDATE sites SET published = 1, modifier_id = NULL WHERE name = ?",
        (&a,).into(),
    )
    .await;
    assert_count(&app, &p, 2, "an UPDATE that leaves published as it is").await;
    sql(
        "UPDATE sites SET project_id = ? WHERE name = ?",
        (qid, &a).into(),
    )
    .await;
    assert_count(&app, &p, 1, "moving a published site away").await;
    assert_count(&app, &q, 1, "moving a published site in").await;
    sql(
        "UPDATE sites SET project_id = ?, published = 0 WHERE name = ?",
        (pid, &a).into(),
    )
    .await;
    assert_count(&app, &p, 1, "moving it back unpublished").await;
    assert_count(&app, &q, 0, "moving it back unpublished").await;
    sql(
        "INSERT INTO sites (project_id, name, published, location) VALUES (?, ?, 1, POINT(1, 1))
         ON DUPLICATE KEY UPDATE published = 1",
        (pid, &a).into(),
    )
    .await;
    assert_count(
        &app,
        &p,
        2,
        "publishing by INSERT … ON DUPLICATE KEY UPDATE",
    )
    .await;
    // REPLACE is a delete and an insert.
    sql(
        "REPLACE INTO sites (id, project_id, name, published, location)
         SELECT id, ?, name, 0, location FROM sites WHERE name = ?",
        (qid, &b).into(),
    )
    .await;
    assert_count(&app, &p, 1, "REPLACE into another project, unpublished").await;
    assert_count(&app, &q, 0, "REPLACE into another project, unpublished").await;
    sql("DELETE FROM sites WHERE name = ?", (&a,).into()).await;
    assert_count(&app, &p, 0, "DELETE").await;
    sql(
        "UPDATE sites SET published = 1 WHERE name = ?",
        (&b,).into(),
    )
    .await;
    assert_count(&app, &q, 1, "publishing in the other project").await;
    // A rolled-back write leaves no trace.
    let mut tx = c
        .start_transaction(mysql_async::TxOpts::default())
        .await
        .unwrap();
    tx.exec_drop("DELETE FROM sites WHERE name = ?", (&b,))
        .await
        .unwrap();
    tx.rollback().await.unwrap();
    assert_count(&app, &q, 1, "a rolled-back DELETE").await;

    // Deleting a project cascades to its sites without firing their triggers; its count
    // row goes with it.
    c.exec_drop("DELETE FROM projects WHERE id = ?", (qid,))
        .await
        .unwrap();
    let left: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM project_site_counts WHERE project_id = ?",
        (qid,),
    )
    .await;
    assert_eq!(left, 0);
    app.get(&format!("/projects/{q}"), None)
        .await
        .assert_status(404);
}

/// Sites created at once in a new project, through the API and in plain SQL on separate
/// connections (the original server's writes are not retried): every write succeeds and
/// each is counted once.
#[tokio::test]
async fn parallel_creates_are_each_counted_once() {
    let app = std::sync::Arc::new(auto_publish_app().await);
    let (admin, _, token) = app.user("parcnt").await;
    let p = published_project(&app, &[admin]).await;
    let id = project_id(&app, &p).await;
    let mut handles = Vec::new();
    for i in 0..16 {
        let (app, p, token) = (app.clone(), p.clone(), token.clone());
        handles.push(tokio::spawn(async move {
            let r = app
                .send(
                    Method::POST,
                    &sites_path(&p),
                    Some(&token),
                    Some(new_site(&unique(&format!("par{i}")))),
                )
                .await;
            r.assert_status(201);
        }));
    }
    for i in 0..8 {
        let app = app.clone();
        handles.push(tokio::spawn(async move {
            app.db()
                .await
                .exec_drop(
                    "INSERT INTO sites (project_id, name, published, location)
                     VALUES (?, ?, 1, POINT(24.9, 60.1))",
                    (id, unique(&format!("sqlpar{i}"))),
                )
                .await
                .expect("a plain insert beside the API's");
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    assert_count(&app, &p, 24, "24 parallel creates").await;
}
