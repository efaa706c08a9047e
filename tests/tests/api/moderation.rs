//! Moderation: reports of memories and comments and the hide threshold
//! (docs/api-conventions.md#reports).

use std::sync::Arc;

use muistot_tests::*;

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
