//! Moderation: reports of memories and comments and the hide threshold
//! (docs/api-conventions.md#reports).

use std::sync::Arc;

use muistot_tests::*;
use mysql_async::prelude::Queryable;

fn memory_report(p: &str, s: &str, m: i64) -> String {
    format!("{}/report", memory_path(p, s, m))
}

fn comment_report(p: &str, s: &str, m: i64, c: i64) -> String {
    format!("{}/report", comment_path(p, s, m, c))
}

async fn memory_reports(app: &TestApp, m: i64) -> i64 {
    scalar(
        app,
        "SELECT COUNT(*) FROM audit_memories WHERE memory_id = ?",
        (m,),
    )
    .await
}

async fn memory_published(app: &TestApp, m: i64) -> bool {
    scalar(app, "SELECT published FROM memories WHERE id = ?", (m,)).await
}

#[tokio::test]
async fn a_user_reports_a_memory_once_with_a_reason() {
    let app = TestApp::spawn().await;
    let (author, _, author_token) = app.user("rauthor").await;
    let (reporter, _, token) = app.user("reporter").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let m = memory(&app, &s, Some(author), true).await;
    let path = memory_report(&p, &s, m);

    app.send(Method::POST, &path, None, None)
        .await
        .assert_status(401);
    app.send(Method::POST, &path, Some(&author_token), None)
        .await
        .assert_status(403);
    let r = app
        .send(
            Method::POST,
            &path,
            Some(&token),
            Some(json!({"reason": "x".repeat(201)})),
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["body", "reason"]));
    assert_eq!(memory_reports(&app, m).await, 0);

    app.send(
        Method::POST,
        &path,
        Some(&token),
        Some(json!({"reason": "  Henkilötietoja  "})),
    )
    .await
    .assert_status(204);
    // A repeat is a 204 and changes nothing, not even the reason.
    app.send(
        Method::POST,
        &path,
        Some(&token),
        Some(json!({"reason": "toinen"})),
    )
    .await
    .assert_status(204);
    assert_eq!(memory_reports(&app, m).await, 1);
    let reason: String = scalar(
        &app,
        "SELECT reason FROM audit_memory_reasons WHERE memory_id = ? AND user_id = ?",
        (m, reporter),
    )
    .await;
    assert_eq!(reason, "Henkilötietoja");
    assert!(memory_published(&app, m).await);

    // No body at all is a report without a reason.
    let (other, _, other_token) = app.user("reporter").await;
    app.send(Method::POST, &path, Some(&other_token), None)
        .await
        .assert_status(204);
    let reason: Option<String> = scalar(
        &app,
        "SELECT reason FROM audit_memory_reasons WHERE memory_id = ? AND user_id = ?",
        (m, other),
    )
    .await;
    assert_eq!(reason, None);
    assert_eq!(memory_reports(&app, m).await, 2);
}

#[tokio::test]
async fn what_a_user_cannot_read_they_cannot_report() {
    let app = TestApp::spawn().await;
    let (author, _, _) = app.user("rauthor").await;
    let (_, _, token) = app.user("reporter").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let hidden = memory(&app, &s, Some(author), false).await;
    let r = app
        .send(
            Method::POST,
            &memory_report(&p, &s, hidden),
            Some(&token),
            None,
        )
        .await;
    r.assert_status(404);
    let read = app.get(&memory_path(&p, &s, hidden), Some(&token)).await;
    read.assert_status(404);
    assert_eq!(r.json(), read.json());
    app.send(
        Method::POST,
        &memory_report(&p, &s, 999_999_999),
        Some(&token),
        None,
    )
    .await
    .assert_status(404);
    // An unpublished project hides its memories, published or not.
    let hidden_project = unpublished_project(&app, &[]).await;
    let s2 = site(&app, &hidden_project, true, None).await;
    let m2 = memory(&app, &s2, Some(author), true).await;
    let r = app
        .send(
            Method::POST,
            &memory_report(&hidden_project, &s2, m2),
            Some(&token),
            None,
        )
        .await;
    r.assert_status(404);
    assert_eq!(r.error_message(), "Project not found");
    assert_eq!(memory_reports(&app, hidden).await, 0);
    assert_eq!(memory_reports(&app, m2).await, 0);
}

#[tokio::test]
async fn comments_are_reported_and_hidden_at_the_threshold() {
    let app = TestApp::spawn_with(vec![("MUISTOT_REPORT_HIDE_THRESHOLD", "2".into())]).await;
    let (author, _, author_token) = app.user("rauthor").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let m = memory(&app, &s, Some(author), true).await;
    let c = comment(&app, m, author, true).await;
    let path = comment_report(&p, &s, m, c);
    app.send(Method::POST, &path, Some(&author_token), None)
        .await
        .assert_status(403);
    let (_, _, first) = app.user("reporter").await;
    let (_, _, second) = app.user("reporter").await;
    let (_, _, third) = app.user("reporter").await;
    app.send(
        Method::POST,
        &path,
        Some(&first),
        Some(json!({"reason": "roskaa"})),
    )
    .await
    .assert_status(204);
    app.send(Method::POST, &path, Some(&first), None)
        .await
        .assert_status(204);
    let published: bool = scalar(&app, "SELECT published FROM comments WHERE id = ?", (c,)).await;
    assert!(
        published,
        "one reporter, reported twice, is below a threshold of 2"
    );
    app.send(Method::POST, &path, Some(&second), None)
        .await
        .assert_status(204);
    let published: bool = scalar(&app, "SELECT published FROM comments WHERE id = ?", (c,)).await;
    assert!(!published);
    // Hidden now: to the next reporter the comment is as gone as to a reader.
    app.send(Method::POST, &path, Some(&third), None)
        .await
        .assert_status(404);
    let reasons: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM audit_comment_reasons WHERE comment_id = ?",
        (c,),
    )
    .await;
    assert_eq!(reasons, 2);
    // The author still sees it, waiting for approval.
    let r = app
        .get(&comment_path(&p, &s, m, c), Some(&author_token))
        .await;
    r.assert_status(200);
    assert_eq!(r.json()["waiting_approval"], json!(true));
}

/// Twenty users report one memory at once with a threshold of five: exactly five reports
/// land, the fifth unpublishes the memory, and the fifteen after it find nothing to report.
#[tokio::test]
async fn parallel_reports_hide_at_exactly_the_threshold() {
    let app =
        Arc::new(TestApp::spawn_with(vec![("MUISTOT_REPORT_HIDE_THRESHOLD", "5".into())]).await);
    let (author, _, _) = app.user("rauthor").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let m = memory(&app, &s, Some(author), true).await;
    let mut tokens = Vec::new();
    for _ in 0..20 {
        tokens.push(app.user("reporter").await.2);
    }
    let path = memory_report(&p, &s, m);
    let mut handles = Vec::new();
    for token in tokens {
        let app = app.clone();
        let path = path.clone();
        handles.push(tokio::spawn(async move {
            app.send(
                Method::POST,
                &path,
                Some(&token),
                Some(json!({"reason": "x"})),
            )
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
    let mut expected = vec![204; 5];
    expected.extend([404; 15]);
    assert_eq!(statuses, expected);
    assert_eq!(memory_reports(&app, m).await, 5);
    assert!(!memory_published(&app, m).await);
}

fn queue_path(p: &str, query: &str) -> String {
    format!("/projects/{p}/moderation?{query}")
}

/// The items of every page of a queue, following `next` with the given `limit`.
async fn whole_queue(app: &TestApp, p: &str, query: &str, token: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut path = queue_path(p, &format!("{query}&limit=2"));
    loop {
        let r = app.get(&path, Some(token)).await;
        r.assert_status(200);
        let body = r.json();
        assert!(items_of(&body).len() <= 2, "{}", r.text);
        items.extend(items_of(&body).iter().cloned());
        match body["next"].as_str() {
            Some(cursor) => path = queue_path(p, &format!("{query}&limit=2&cursor={cursor}")),
            None => return items,
        }
    }
}

fn items_of(body: &Value) -> &Vec<Value> {
    body["items"].as_array().expect("items")
}

async fn report_as(app: &TestApp, path: &str, reason: Option<&str>) {
    let (_, _, token) = app.user("reporter").await;
    let body = reason.map(|r| json!({ "reason": r }));
    app.send(Method::POST, path, Some(&token), body)
        .await
        .assert_status(204);
}

#[tokio::test]
async fn the_queue_lists_waiting_memories_of_its_project_oldest_first_in_pages() {
    let app = TestApp::spawn().await;
    let (admin, _, admin_token) = app.user("qadmin").await;
    let (_, _, super_token) = app.superuser().await;
    let (author, author_name, _) = app.user("qauthor").await;
    let p = published_project(&app, &[admin]).await;
    let other = published_project(&app, &[admin]).await;
    let s = site(&app, &p, true, None).await;
    let s_other = site(&app, &other, true, None).await;
    let mut waiting = Vec::new();
    for i in 0..5 {
        waiting.push(memory(&app, &s, Some(author), false).await);
        // Published, deleted and other projects' memories are not waiting here.
        memory(&app, &s, Some(author), true).await;
        memory(&app, &s_other, Some(author), false).await;
        if i == 2 {
            let deleted = memory(&app, &s, Some(author), false).await;
            let mut c = app.db().await;
            c.exec_drop("UPDATE memories SET deleted = 1 WHERE id = ?", (deleted,))
                .await
                .unwrap();
        }
    }
    for token in [&admin_token, &super_token] {
        let items = whole_queue(&app, &p, "kind=memory&state=waiting", token).await;
        let ids: Vec<i64> = items
            .iter()
            .map(|i| i["memory"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, waiting);
    }
    let r = app.get(&queue_path(&p, ""), Some(&admin_token)).await;
    r.assert_status(200);
    let body = r.json();
    let first = &items_of(&body)[0];
    assert_eq!(first["kind"], json!("memory"));
    assert_eq!(first["site"], json!(s));
    assert_eq!(first["memory"], json!(waiting[0]));
    assert_eq!(first["title"], json!("Muisto"));
    assert_eq!(first["text"], json!("Tarina"));
    assert_eq!(first["author"], json!(author_name));
    assert_eq!(first["published"], json!(false));
    assert_eq!(first["reports"], json!(0));
    assert_eq!(first["reasons"], json!([]));
    assert!(first["created_at"].as_str().unwrap().len() == 19, "{first}");
    assert!(first.get("comment").is_none());
    // The answer is the caller's own: never kept by a shared cache.
    assert!(r.header("cache-control").unwrap().contains("private"));

    // A cursor of another queue or project is refused.
    let r = app
        .get(&queue_path(&p, "kind=memory&limit=1"), Some(&admin_token))
        .await;
    let cursor = r.json()["next"].as_str().unwrap().to_string();
    for query in [
        format!("kind=comment&cursor={cursor}"),
        format!("kind=memory&state=reported&cursor={cursor}"),
    ] {
        let r = app.get(&queue_path(&p, &query), Some(&admin_token)).await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["query", "cursor"]));
    }
    let r = app
        .get(
            &queue_path(&other, &format!("cursor={cursor}")),
            Some(&admin_token),
        )
        .await;
    r.assert_status(422);
    for (query, field) in [
        ("kind=site&state=reported", "state"),
        ("kind=project", "kind"),
        ("state=all", "state"),
        ("limit=0", "limit"),
    ] {
        let r = app.get(&queue_path(&p, query), Some(&admin_token)).await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["query", field]), "{query}");
    }
}

#[tokio::test]
async fn only_the_projects_admins_and_superusers_see_its_queue() {
    let app = TestApp::spawn().await;
    let (admin, _, _) = app.user("qadmin").await;
    let (other_admin, _, other_admin_token) = app.user("qother").await;
    let (author, _, author_token) = app.user("qauthor").await;
    let (_, _, user_token) = app.user("quser").await;
    let p = published_project(&app, &[admin]).await;
    let hidden = unpublished_project(&app, &[admin]).await;
    published_project(&app, &[other_admin]).await;
    let s = site(&app, &p, true, Some(author)).await;
    memory(&app, &s, Some(author), false).await;
    app.get(&queue_path(&p, ""), None).await.assert_status(401);
    let unknown = app
        .get(&queue_path("no-such-project-x", ""), Some(&user_token))
        .await;
    unknown.assert_status(404);
    for token in [&other_admin_token, &author_token, &user_token] {
        for project in [&p, &hidden] {
            for query in ["", "kind=site", "kind=comment&state=reported"] {
                let r = app.get(&queue_path(project, query), Some(token)).await;
                r.assert_status(404);
                assert_eq!(r.json(), unknown.json(), "{project} {query}");
            }
        }
    }
}

#[tokio::test]
async fn reported_items_carry_their_counts_and_reasons_until_dismissed() {
    let app = TestApp::spawn_with(vec![("MUISTOT_REPORT_HIDE_THRESHOLD", "3".into())]).await;
    let (admin, _, admin_token) = app.user("qadmin").await;
    let (author, author_name, author_token) = app.user("qauthor").await;
    let (_, _, reader_token) = app.user("qreader").await;
    let p = published_project(&app, &[admin]).await;
    let s = site(&app, &p, true, None).await;
    let fine = memory(&app, &s, Some(author), true).await;
    let bad = memory(&app, &s, Some(author), true).await;
    memory(&app, &s, Some(author), true).await; // never reported
    let c = comment(&app, fine, author, true).await;
    report_as(&app, &memory_report(&p, &s, fine), Some("väärä paikka")).await;
    for reason in [Some("mainos"), None, Some("roskaa")] {
        report_as(&app, &memory_report(&p, &s, bad), reason).await;
    }
    report_as(&app, &comment_report(&p, &s, fine, c), Some("asiaton")).await;

    let items = whole_queue(&app, &p, "kind=memory&state=reported", &admin_token).await;
    let ids: Vec<i64> = items
        .iter()
        .map(|i| i["memory"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [fine, bad]);
    assert_eq!(items[0]["reports"], json!(1));
    assert_eq!(items[0]["published"], json!(true));
    assert_eq!(items[0]["reasons"][0]["reason"], json!("väärä paikka"));
    assert_eq!(items[1]["reports"], json!(3));
    assert_eq!(
        items[1]["published"],
        json!(false),
        "hidden at the threshold"
    );
    let reasons: Vec<&str> = items[1]["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 2);
    assert!(reasons.contains(&"mainos") && reasons.contains(&"roskaa"));
    // Hidden by reports, it now also waits for approval.
    let waiting = whole_queue(&app, &p, "kind=memory", &admin_token).await;
    assert_eq!(waiting.len(), 1);
    assert_eq!(waiting[0]["memory"], json!(bad));
    assert_eq!(waiting[0]["reports"], json!(3));

    let comments = whole_queue(&app, &p, "kind=comment&state=reported", &admin_token).await;
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["comment"], json!(c));
    assert_eq!(comments[0]["memory"], json!(fine));
    assert_eq!(comments[0]["text"], json!("Kommentti"));
    assert_eq!(comments[0]["author"], json!(author_name));
    assert_eq!(comments[0]["reasons"][0]["reason"], json!("asiaton"));

    // Dismissal: the admins only; readers are refused, hidden items are not found.
    let dismiss = format!("{}/reports", memory_path(&p, &s, fine));
    app.send(Method::DELETE, &dismiss, None, None)
        .await
        .assert_status(401);
    for token in [&author_token, &reader_token] {
        app.send(Method::DELETE, &dismiss, Some(token), None)
            .await
            .assert_status(403);
    }
    let hidden = format!("{}/reports", memory_path(&p, &s, bad));
    app.send(Method::DELETE, &hidden, Some(&reader_token), None)
        .await
        .assert_status(404);
    assert_eq!(memory_reports(&app, fine).await, 1);
    app.send(Method::DELETE, &dismiss, Some(&admin_token), None)
        .await
        .assert_status(204);
    app.send(Method::DELETE, &dismiss, Some(&admin_token), None)
        .await
        .assert_status(204);
    assert_eq!(memory_reports(&app, fine).await, 0);
    let reasons: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM audit_memory_reasons WHERE memory_id = ?",
        (fine,),
    )
    .await;
    assert_eq!(reasons, 0);
    app.send(
        Method::DELETE,
        &format!("{}/reports", comment_path(&p, &s, fine, c)),
        Some(&admin_token),
        None,
    )
    .await
    .assert_status(204);
    let items = whole_queue(&app, &p, "kind=memory&state=reported", &admin_token).await;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["memory"], json!(bad));
    assert!(
        whole_queue(&app, &p, "kind=comment&state=reported", &admin_token)
            .await
            .is_empty()
    );
    // Dismissing leaves publishing to the moderator.
    assert!(memory_published(&app, fine).await);
}

#[tokio::test]
async fn waiting_sites_and_comments_are_queued_with_their_parents() {
    let app = TestApp::spawn().await;
    let (admin, _, admin_token) = app.user("qadmin").await;
    let (author, author_name, _) = app.user("qauthor").await;
    let p = published_project(&app, &[admin]).await;
    let s = site(&app, &p, true, Some(author)).await;
    let draft = site(&app, &p, false, Some(author)).await;
    let m = memory(&app, &s, Some(author), true).await;
    let c = comment(&app, m, author, false).await;
    comment(&app, m, author, true).await;
    // Another project of the same admin: its waiting and reported items stay in its queue.
    let other = published_project(&app, &[admin]).await;
    let s_other = site(&app, &other, true, Some(author)).await;
    site(&app, &other, false, Some(author)).await;
    let m_other = memory(&app, &s_other, Some(author), true).await;
    let c_other = comment(&app, m_other, author, false).await;
    let c_reported = comment(&app, m_other, author, true).await;
    report_as(
        &app,
        &comment_report(&other, &s_other, m_other, c_reported),
        None,
    )
    .await;
    report_as(&app, &memory_report(&other, &s_other, m_other), None).await;
    for query in ["kind=memory&state=reported", "kind=comment&state=reported"] {
        assert!(
            whole_queue(&app, &p, query, &admin_token).await.is_empty(),
            "{query}"
        );
    }
    let theirs = whole_queue(&app, &other, "kind=comment", &admin_token).await;
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["comment"], json!(c_other));
    let theirs = whole_queue(&app, &other, "kind=comment&state=reported", &admin_token).await;
    assert_eq!(theirs.len(), 1);
    assert_eq!(theirs[0]["comment"], json!(c_reported));
    let sites = whole_queue(&app, &p, "kind=site&state=waiting", &admin_token).await;
    assert_eq!(sites.len(), 1);
    assert_eq!(sites[0]["kind"], json!("site"));
    assert_eq!(sites[0]["site"], json!(draft));
    assert_eq!(sites[0]["title"], json!(format!("Paikka {draft}")));
    assert_eq!(sites[0]["author"], json!(author_name));
    assert!(sites[0].get("memory").is_none());
    let comments = whole_queue(&app, &p, "kind=comment", &admin_token).await;
    assert_eq!(comments.len(), 1);
    assert_eq!(comments[0]["comment"], json!(c));
    assert_eq!(comments[0]["memory"], json!(m));
    assert_eq!(comments[0]["site"], json!(s));
}

fn log_path(p: &str) -> String {
    format!("/projects/{p}/moderation/log")
}

/// The whole trail, newest first, read in pages of `limit`.
async fn whole_log(app: &TestApp, p: &str, token: &str, limit: u32) -> Vec<Value> {
    let mut items = Vec::new();
    let mut path = format!("{}?limit={limit}", log_path(p));
    loop {
        let r = app.get(&path, Some(token)).await;
        r.assert_status(200);
        let body = r.json();
        items.extend(items_of(&body).iter().cloned());
        match body["next"].as_str() {
            Some(c) => path = format!("{}?limit={limit}&cursor={c}", log_path(p)),
            None => return items,
        }
    }
}

/// (action, kind, target, from, to, actor) of each entry.
fn entries(log: &[Value]) -> Vec<(String, String, String, Value, Value, Value)> {
    log.iter()
        .map(|e| {
            (
                e["action"].as_str().unwrap().to_string(),
                e["kind"].as_str().unwrap().to_string(),
                e["target"].as_str().unwrap().to_string(),
                e["from"].clone(),
                e["to"].clone(),
                e["actor"].clone(),
            )
        })
        .collect()
}

async fn publish(app: &TestApp, token: &str, body: Value) -> u16 {
    app.send(Method::POST, "/admin/publish", Some(token), Some(body))
        .await
        .status
        .as_u16()
}

#[tokio::test]
async fn the_trail_records_each_moderation_action_once() {
    let app = TestApp::spawn_with(vec![("MUISTOT_REPORT_HIDE_THRESHOLD", "2".into())]).await;
    let (admin, admin_name, admin_token) = app.user("tadmin").await;
    let (_, helper_name, _) = app.user("thelper").await;
    let (author, _, author_token) = app.user("tauthor").await;
    let p = published_project(&app, &[admin]).await;
    let other = published_project(&app, &[admin]).await;
    let s = site(&app, &p, true, None).await;
    let s_other = site(&app, &other, true, None).await;
    let m = memory(&app, &s, Some(author), false).await;
    let m2 = memory(&app, &s, Some(author), true).await;
    let m_other = memory(&app, &s_other, Some(author), false).await;

    let order = |memory: i64, publish: bool| {
        json!({"type": "memory", "identifier": memory, "parents": {"project": p, "site": s},
               "publish": publish})
    };
    assert_eq!(publish(&app, &admin_token, order(m, true)).await, 204);
    assert_eq!(publish(&app, &admin_token, order(m, true)).await, 304);
    assert_eq!(publish(&app, &admin_token, order(m, false)).await, 204);
    let elsewhere = json!({"type": "memory", "identifier": m_other,
        "parents": {"project": other, "site": s_other}, "publish": true});
    assert_eq!(publish(&app, &admin_token, elsewhere).await, 204);
    report_as(&app, &memory_report(&p, &s, m2), None).await;
    report_as(&app, &memory_report(&p, &s, m2), None).await;
    let dismiss = format!("{}/reports", memory_path(&p, &s, m2));
    for _ in 0..2 {
        app.send(Method::DELETE, &dismiss, Some(&admin_token), None)
            .await
            .assert_status(204);
    }
    let admins = format!("/projects/{p}/admins?username={helper_name}");
    app.send(Method::POST, &admins, Some(&admin_token), None)
        .await
        .assert_status(201);
    for _ in 0..2 {
        app.send(Method::DELETE, &admins, Some(&admin_token), None)
            .await
            .assert_status(204);
    }
    app.send(Method::DELETE, &site_path(&p, &s), Some(&admin_token), None)
        .await
        .assert_status(204);
    app.send(
        Method::DELETE,
        &format!("/projects/{p}"),
        Some(&admin_token),
        None,
    )
    .await
    .assert_status(204);

    let me = json!(admin_name);
    let (ms, m2s) = (m.to_string(), m2.to_string());
    let st = |s: &str| json!(s);
    let want = vec![
        (
            "delete",
            "project",
            p.as_str(),
            st("published"),
            st("unpublished"),
            me.clone(),
        ),
        (
            "delete",
            "site",
            s.as_str(),
            st("published"),
            st("unpublished"),
            me.clone(),
        ),
        (
            "remove_admin",
            "user",
            helper_name.as_str(),
            st("admin"),
            st("not admin"),
            me.clone(),
        ),
        (
            "add_admin",
            "user",
            helper_name.as_str(),
            st("not admin"),
            st("admin"),
            me.clone(),
        ),
        (
            "dismiss_reports",
            "memory",
            m2s.as_str(),
            st("2 reports"),
            st("0 reports"),
            me.clone(),
        ),
        (
            "hide_reported",
            "memory",
            m2s.as_str(),
            st("published"),
            st("2 reports"),
            Value::Null,
        ),
        (
            "unpublish",
            "memory",
            ms.as_str(),
            st("published"),
            st("unpublished"),
            me.clone(),
        ),
        (
            "publish",
            "memory",
            ms.as_str(),
            st("unpublished"),
            st("published"),
            me.clone(),
        ),
    ];
    let want: Vec<_> = want
        .into_iter()
        .map(|(a, k, t, f, to, who)| (a.to_string(), k.to_string(), t.to_string(), f, to, who))
        .collect();
    // The project is unpublished now; its admins still read its trail.
    for limit in [3, 100] {
        let log = whole_log(&app, &p, &admin_token, limit).await;
        assert_eq!(entries(&log), want, "limit {limit}");
        assert!(log[0]["at"].as_str().unwrap().len() == 19);
    }
    let other_log = whole_log(&app, &other, &admin_token, 100).await;
    assert_eq!(other_log.len(), 1);
    assert_eq!(other_log[0]["target"], json!(m_other.to_string()));
    // Nobody else reads it, not even the author whose memory it names.
    let r = app.get(&log_path(&p), Some(&author_token)).await;
    r.assert_status(404);
    assert_eq!(r.error_message(), "Project not found");
    app.get(&log_path(&p), None).await.assert_status(401);
}

/// A deadlock after the trail entry is written (a trigger fails the first attempt's
/// change of the row) rolls the entry back with the action; the retried request records
/// the action once.
#[tokio::test]
async fn a_retried_action_is_recorded_once() {
    let app = TestApp::spawn().await;
    let (admin, _, admin_token) = app.user("tadmin").await;
    let (author, _, _) = app.user("tauthor").await;
    let p = published_project(&app, &[admin]).await;
    let s = site(&app, &p, true, None).await;
    let m = memory(&app, &s, Some(author), false).await;
    let mut c = app.db().await;
    let seq = format!("trail_deadlocks_{m}");
    c.query_drop(format!("CREATE SEQUENCE {seq} START WITH 1"))
        .await
        .unwrap();
    // One deadlock for the publish (an UPDATE of the memory), one for the dismissal (a
    // DELETE of its reports); a SEQUENCE counts across rollbacks.
    c.query_drop(format!(
        "CREATE TRIGGER trg_{seq}_publish BEFORE UPDATE ON memories FOR EACH ROW
         IF NEW.id = {m} AND NEXTVAL({seq}) = 1 THEN
           SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'Deadlock found';
         END IF"
    ))
    .await
    .unwrap();
    c.query_drop(format!(
        "CREATE TRIGGER trg_{seq}_dismiss BEFORE DELETE ON audit_memories FOR EACH ROW
         IF OLD.memory_id = {m} AND NEXTVAL({seq}) = 3 THEN
           SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'Deadlock found';
         END IF"
    ))
    .await
    .unwrap();
    let order = json!({"type": "memory", "identifier": m, "parents": {"project": p, "site": s}});
    let status = publish(&app, &admin_token, order).await;
    report_as(&app, &memory_report(&p, &s, m), Some("x")).await;
    let dismissed = app
        .send(
            Method::DELETE,
            &format!("{}/reports", memory_path(&p, &s, m)),
            Some(&admin_token),
            None,
        )
        .await;
    let attempts: i64 = c
        .query_first(format!("SELECT NEXTVAL({seq}) - 1"))
        .await
        .unwrap()
        .unwrap();
    c.query_drop(format!("DROP TRIGGER trg_{seq}_publish"))
        .await
        .unwrap();
    c.query_drop(format!("DROP TRIGGER trg_{seq}_dismiss"))
        .await
        .unwrap();
    c.query_drop(format!("DROP SEQUENCE {seq}")).await.unwrap();
    assert_eq!(status, 204);
    dismissed.assert_status(204);
    assert_eq!(
        attempts, 4,
        "publish: deadlock, retry; dismissal: deadlock, retry"
    );
    assert!(memory_published(&app, m).await);
    assert_eq!(memory_reports(&app, m).await, 0);
    let log = whole_log(&app, &p, &admin_token, 100).await;
    let actions: Vec<&str> = log.iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["dismiss_reports", "publish"]);
}

/// A user logged in through the API, so the session lives in the server's own store
/// (Redis or DynamoDB): (id, token).
async fn signed_in(app: &TestApp, prefix: &str) -> (i32, String) {
    let (id, name, _, password) = app.password_user(prefix).await;
    (id, app.log_in(&name, &password).await)
}

/// Twenty parallel memory creates by one user under a limit of five per window: exactly
/// five get through, the rest are `429` with `Retry-After`; other users and superusers
/// keep posting; reports have their own count.
async fn posting_limits_hold_under_parallel_requests(app: TestApp) {
    let app = Arc::new(app);
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let (poster, token) = signed_in(&app, "poster").await;
    let path = memories_path(&p, &s);
    let mut handles = Vec::new();
    for i in 0..20 {
        let (app, path, token) = (app.clone(), path.clone(), token.clone());
        handles.push(tokio::spawn(async move {
            let body = json!({"title": format!("Muisto {i}")});
            app.send(Method::POST, &path, Some(&token), Some(body))
                .await
        }));
    }
    let mut created = 0;
    for h in handles {
        let r = h.await.unwrap();
        match r.status.as_u16() {
            201 => created += 1,
            429 => {
                let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
                assert!((1..=3600).contains(&wait), "{wait}");
                assert_eq!(r.json()["error"]["code"], json!(429));
            }
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert_eq!(created, 5);
    let rows: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM memories WHERE user_id = ?",
        (poster,),
    )
    .await;
    assert_eq!(rows, 5);
    // The limit is per user and per kind.
    let (_, other) = signed_in(&app, "poster").await;
    app.send(
        Method::POST,
        &path,
        Some(&other),
        Some(json!({"title": "t"})),
    )
    .await
    .assert_status(201);
    let (super_id, _, _, super_password) = app.password_user("super").await;
    app.make_superuser(super_id).await;
    let super_name: String =
        scalar(&app, "SELECT username FROM users WHERE id = ?", (super_id,)).await;
    let superuser = app.log_in(&super_name, &super_password).await;
    for _ in 0..6 {
        app.send(
            Method::POST,
            &path,
            Some(&superuser),
            Some(json!({"title": "t"})),
        )
        .await
        .assert_status(201);
    }
    let (author, _) = signed_in(&app, "rauthor").await;
    let mut statuses = Vec::new();
    for _ in 0..3 {
        let m = memory(&app, &s, Some(author), true).await;
        let r = app
            .send(Method::POST, &memory_report(&p, &s, m), Some(&token), None)
            .await;
        statuses.push(r.status.as_u16());
    }
    assert_eq!(statuses, [204, 204, 429]);
}

fn limits() -> Vec<(&'static str, String)> {
    vec![("MUISTOT_POSTING_LIMITS", "memories=5,reports=2".into())]
}

#[tokio::test]
async fn posting_limits_hold_in_redis() {
    posting_limits_hold_under_parallel_requests(TestApp::spawn_with(limits()).await).await;
}

#[tokio::test]
async fn posting_limits_hold_in_dynamodb() {
    let mut env = dynamodb_env().await;
    env.extend(limits());
    posting_limits_hold_under_parallel_requests(TestApp::spawn_with(env).await).await;
}

/// Twenty parallel e-mail link requests for twenty addresses from one client address,
/// under a limit of three: exactly three links go out. Entries a client writes into
/// `X-Forwarded-For` itself do not make it another client; another address is counted
/// on its own.
#[tokio::test]
async fn email_links_are_limited_per_client_address() {
    let app =
        Arc::new(TestApp::spawn_with(vec![("MUISTOT_POSTING_LIMITS", "links=3".into())]).await);
    let client = format!("198.51.100.{}", std::process::id() % 250);
    let mut handles = Vec::new();
    for i in 0..20 {
        let (app, client) = (app.clone(), client.clone());
        handles.push(tokio::spawn(async move {
            let email = new_email("limited");
            let r = app
                .req(Method::POST, &format!("/auth/email?email={email}"), None)
                .header("x-forwarded-for", format!("10.0.0.{i}, {client}"))
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let retry = r.headers().get("retry-after").is_some();
            (status, retry)
        }));
    }
    let mut sent = 0;
    for h in handles {
        match h.await.unwrap() {
            (204, _) => sent += 1,
            (429, retry) => assert!(retry, "429 without Retry-After"),
            (other, _) => panic!("unexpected {other}"),
        }
    }
    assert_eq!(sent, 3);
    let r = app
        .req(
            Method::POST,
            &format!("/auth/email?email={}", new_email("other")),
            None,
        )
        .header("x-forwarded-for", "203.0.113.77")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
}
