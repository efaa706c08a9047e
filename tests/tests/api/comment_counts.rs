//! The per-memory count of published comments (`memory_comment_counts`, kept by triggers,
//! shared/migrations/0008_memory_comment_counts.sql): after every kind of write, through
//! the API or in plain SQL, it equals `COUNT(*)` of the published comments, and the very
//! next memory list says so (docs/compatibility.md#memories-keep-a-count-of-their-published-comments).

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
