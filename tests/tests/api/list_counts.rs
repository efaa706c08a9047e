//! The per-memory count of published comments (`memory_comment_counts`,
//! shared/migrations/0008_memory_comment_counts.sql) and the per-site count of published
//! memories (`site_memory_counts`, 0010_site_memory_counts.sql), both kept by triggers:
//! after every kind of write, through the API or in plain SQL, each equals `COUNT(*)`, and
//! the very next read says so (docs/compatibility.md#memories-keep-a-count-of-their-published-comments,
//! docs/compatibility.md#sites-keep-a-count-of-their-published-memories).

use muistot_tests::*;
use mysql_async::prelude::*;

/// The stored count and `COUNT(*)` of published comments of memory `m`.
async fn stored_and_counted(app: &TestApp, m: i64) -> (i64, i64) {
    app.db()
        .await
        .exec_first(
            "SELECT COALESCE((SELECT published FROM memory_comment_counts WHERE memory_id = ?), 0),
                (SELECT COUNT(*) FROM comments WHERE memory_id = ? AND published = 1)",
            (m, m),
        )
        .await
        .unwrap()
        .unwrap()
}

/// `comments_count` of memory `m` in its site's list and in its own read.
async fn listed(app: &TestApp, p: &str, s: &str, m: i64) -> (Value, Value) {
    let list = app.get(&memories_path(p, s), None).await;
    list.assert_status(200);
    let item = list.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == json!(m))
        .map(|i| i["comments_count"].clone())
        .unwrap_or(Value::Null);
    let own = app.get(&memory_path(p, s, m), None).await;
    own.assert_status(200);
    (item, own.json()["comments_count"].clone())
}

async fn assert_count(app: &TestApp, (p, s, m): (&str, &str, i64), want: i64, after: &str) {
    assert_eq!(
        stored_and_counted(app, m).await,
        (want, want),
        "stored and counted after {after}"
    );
    assert_eq!(
        listed(app, p, s, m).await,
        (json!(want), json!(want)),
        "the list and the read after {after}"
    );
}

#[tokio::test]
async fn the_count_follows_every_write_in_the_next_read() {
    let app = TestApp::spawn().await;
    let (admin, _, admin_token) = app.user("ccadm").await;
    let (user, _, user_token) = app.user("ccusr").await;
    let p = published_project(&app, &[admin]).await;
    let s = site(&app, &p, true, None).await;
    let m = memory(&app, &s, Some(user), true).await;
    let other = memory(&app, &s, Some(user), true).await;
    let at = (p.as_str(), s.as_str(), m);
    assert_count(&app, at, 0, "nothing").await;

    // Through the API: a new comment waits for approval, then is published and unpublished.
    let r = app
        .send(
            Method::POST,
            &comments_path(&p, &s, m),
            Some(&user_token),
            Some(json!({"comment": "Hieno muisto"})),
        )
        .await;
    r.assert_status(201);
    let c = r.location_id().unwrap();
    assert_count(&app, at, 0, "a comment waiting for approval").await;
    for (publish, want) in [(true, 1), (false, 0), (true, 1)] {
        app.send(
            Method::POST,
            "/admin/publish",
            Some(&admin_token),
            Some(json!({"type": "comment", "identifier": c,
                        "parents": {"project": p, "site": s, "memory": m},
                        "publish": publish})),
        )
        .await
        .assert_status(204);
        assert_count(&app, at, want, &format!("publish = {publish}")).await;
    }
    app.send(
        Method::DELETE,
        &comment_path(&p, &s, m, c),
        Some(&user_token),
        None,
    )
    .await
    .assert_status(204);
    assert_count(&app, at, 0, "a delete through the API").await;

    // In plain SQL, as the original server writes.
    let plain = comment(&app, m, user, true).await;
    comment(&app, m, user, false).await;
    assert_count(&app, at, 1, "plain inserts").await;
    let mut sql = app.db().await;
    sql.exec_drop(
        "UPDATE comments SET published = 1 WHERE memory_id = ?",
        (m,),
    )
    .await
    .unwrap();
    assert_count(&app, at, 2, "a plain publish of several").await;
    sql.exec_drop(
        "UPDATE comments SET memory_id = ? WHERE id = ?",
        (other, plain),
    )
    .await
    .unwrap();
    assert_count(&app, at, 1, "a plain move to another memory").await;
    assert_count(&app, (&p, &s, other), 1, "a plain move, its new memory").await;
    sql.exec_drop("DELETE FROM comments WHERE memory_id = ?", (m,))
        .await
        .unwrap();
    assert_count(&app, at, 0, "a plain delete").await;

    // A rolled-back write leaves the count as it was.
    let mut tx = sql
        .start_transaction(mysql_async::TxOpts::default())
        .await
        .unwrap();
    tx.exec_drop(
        "INSERT INTO comments (memory_id, user_id, comment, published) VALUES (?, ?, 'x', 1)",
        (m, user),
    )
    .await
    .unwrap();
    tx.rollback().await.unwrap();
    assert_count(&app, at, 0, "a rolled-back insert").await;

    // Wrong counts (a database written without the triggers) are repaired by the next
    // migration run; a memory's deletion takes its row along.
    sql.exec_drop(
        "UPDATE memory_comment_counts SET published = 7 WHERE memory_id = ?",
        (other,),
    )
    .await
    .unwrap();
    let pool = muistot::db::Db::new(
        app.config.database_url.expose(),
        None,
        std::time::Duration::from_secs(10),
    )
    .unwrap();
    muistot::db::migrate(&pool).await.unwrap();
    assert_count(&app, (&p, &s, other), 1, "the migration's repair").await;
    sql.exec_drop("DELETE FROM memories WHERE id = ?", (other,))
        .await
        .unwrap();
    let rows: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM memory_comment_counts WHERE memory_id = ?",
        (other,),
    )
    .await;
    assert_eq!(rows, 0);
}

/// The stored count and `COUNT(*)` of published memories of site `name`.
async fn site_stored_and_counted(app: &TestApp, name: &str) -> (i64, i64) {
    app.db()
        .await
        .exec_first(
            "SELECT COALESCE((SELECT k.published FROM site_memory_counts k
                              JOIN sites s ON s.id = k.site_id WHERE s.name = ?), 0),
                (SELECT COUNT(*) FROM memories m JOIN sites s ON s.id = m.site_id
                 WHERE s.name = ? AND m.published = 1)",
            (name, name),
        )
        .await
        .unwrap()
        .unwrap()
}

/// The site's `memories_count` in its read, the project's list and a nearest search
/// around it, and the stored count, all `want` (`COUNT(*)` too).
async fn assert_site_count(app: &TestApp, p: &str, s: &str, want: i64, after: &str) {
    assert_eq!(
        site_stored_and_counted(app, s).await,
        (want, want),
        "stored and counted after {after}"
    );
    let read = app.get(&site_path(p, s), None).await;
    read.assert_status(200);
    let list = app.get(&sites_path(p), None).await;
    let near = app
        .get(&format!("{}?n=1&lat=60.17&lon=24.94", sites_path(p)), None)
        .await;
    let in_list = |r: &Resp| {
        r.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == json!(s))
            .map(|i| i["memories_count"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(
        (
            read.json()["memories_count"].clone(),
            in_list(&list),
            in_list(&near)
        ),
        (json!(want), json!(want), json!(want)),
        "read, list and nearest after {after}"
    );
}

#[tokio::test]
async fn the_site_memory_count_follows_every_write_in_the_next_read() {
    let app = TestApp::spawn().await;
    let (admin, _, admin_token) = app.user("smadm").await;
    let (user, _, user_token) = app.user("smusr").await;
    let p = published_project(&app, &[admin]).await;
    let s = site(&app, &p, true, None).await;
    let t = site_at(&app, &p, true, None, 61.5, 23.75).await;
    assert_site_count(&app, &p, &s, 0, "nothing").await;

    let r = app
        .send(
            Method::POST,
            &memories_path(&p, &s),
            Some(&user_token),
            Some(json!({"title": "Muistan tämän", "story": "Tarina"})),
        )
        .await;
    r.assert_status(201);
    let m = r.location_id().unwrap();
    assert_site_count(&app, &p, &s, 0, "a memory waiting for approval").await;
    for (publish, want) in [(true, 1), (false, 0), (true, 1)] {
        app.send(
            Method::POST,
            "/admin/publish",
            Some(&admin_token),
            Some(json!({"type": "memory", "identifier": m,
                        "parents": {"project": p, "site": s}, "publish": publish})),
        )
        .await
        .assert_status(204);
        assert_site_count(&app, &p, &s, want, &format!("publish = {publish}")).await;
    }

    // In plain SQL, as the original server writes.
    let plain = memory(&app, &s, Some(user), true).await;
    memory(&app, &s, Some(user), false).await;
    assert_site_count(&app, &p, &s, 2, "plain inserts").await;
    let mut sql = app.db().await;
    sql.exec_drop(
        "UPDATE memories m JOIN sites s ON s.id = m.site_id SET m.published = 1 WHERE s.name = ?",
        (&s,),
    )
    .await
    .unwrap();
    assert_site_count(&app, &p, &s, 3, "a plain publish of several").await;
    sql.exec_drop(
        "UPDATE memories SET site_id = (SELECT id FROM sites WHERE name = ?) WHERE id = ?",
        (&t, plain),
    )
    .await
    .unwrap();
    assert_site_count(&app, &p, &s, 2, "a plain move to another site").await;
    assert_eq!(site_stored_and_counted(&app, &t).await, (1, 1));
    sql.exec_drop("DELETE FROM memories WHERE id = ?", (m,))
        .await
        .unwrap();
    assert_site_count(&app, &p, &s, 1, "a plain delete").await;

    // Repaired by the next migration run; a site's deletion takes its row along.
    sql.exec_drop(
        "UPDATE site_memory_counts k JOIN sites s ON s.id = k.site_id
         SET k.published = 9 WHERE s.name = ?",
        (&s,),
    )
    .await
    .unwrap();
    let pool = muistot::db::Db::new(
        app.config.database_url.expose(),
        None,
        std::time::Duration::from_secs(10),
    )
    .unwrap();
    muistot::db::migrate(&pool).await.unwrap();
    assert_site_count(&app, &p, &s, 1, "the migration's repair").await;
    let id: i32 = scalar(&app, "SELECT id FROM sites WHERE name = ?", (&t,)).await;
    sql.exec_drop("DELETE FROM sites WHERE id = ?", (id,))
        .await
        .unwrap();
    let rows: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM site_memory_counts WHERE site_id = ?",
        (id,),
    )
    .await;
    assert_eq!(rows, 0);
}
