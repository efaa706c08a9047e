//! Input limits and lock-contention retries (issue: reliability and security).

use muistot_tests::*;
use mysql_async::prelude::Queryable;

#[tokio::test]
async fn oversized_body_is_413_envelope() {
    let app = TestApp::spawn().await;
    let (_, _, su) = app.superuser().await;
    let big = format!("{{\"id\": \"{}\"}}", "a".repeat(5 * 1024 * 1024));
    let r = app
        .req(Method::POST, "/projects", Some(&su))
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], 413);
    // Refused before the body is read whole: announce 8 MiB, send 4.5 MiB, and the
    // answer comes without the rest (also for anonymous callers and unknown paths).
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(app.addr).await.unwrap();
    let head = "POST /nowhere HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 8388608\r\n\r\n";
    s.write_all(head.as_bytes()).await.unwrap();
    let _ = s.write_all(&vec![b' '; 4_700_000]).await;
    let mut buf = vec![0u8; 4096];
    let n = tokio::time::timeout(std::time::Duration::from_secs(5), s.read(&mut buf))
        .await
        .expect("answered without the whole body")
        .unwrap();
    let text = String::from_utf8_lossy(&buf[..n]);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("\"code\":413"), "{text}");
}

#[tokio::test]
async fn deeply_nested_or_huge_json_is_4xx() {
    let app = TestApp::spawn().await;
    let (_, _, su) = app.superuser().await;
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let r = app
        .req(Method::POST, "/projects", Some(&su))
        .header("content-type", "application/json")
        .body(nested)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let wide = json!({"id": "wide-project", "info": {"lang": "fi", "name": "x"},
                      "admins": vec!["someone"; 50_000]});
    let r = app
        .send(Method::POST, "/projects", Some(&su), Some(wide))
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
}

#[tokio::test]
async fn long_query_strings_and_many_headers_are_4xx() {
    let app = TestApp::spawn().await;
    let r = app
        .get(
            &format!("/projects/abcd?include_sites={}", "x".repeat(60_000)),
            None,
        )
        .await;
    assert!(r.status.is_client_error(), "{}", r.status);
    let mut req = app.req(Method::GET, "/projects", None);
    for i in 0..500 {
        req = req.header(format!("x-flood-{i}"), "y".repeat(100));
    }
    let status = req.send().await.unwrap().status();
    assert!(status.is_client_error() || status.is_success(), "{status}");
    assert!(!status.is_server_error());
}

/// A deadlock (1213) in the middle of a write is retried: a trigger raises it on the first
/// two attempts (a SEQUENCE is not transactional, so it counts across rollbacks).
#[tokio::test]
async fn deadlocks_are_retried_a_bounded_number_of_times() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    let (victim_id, victim, _) = app.user("deadlocked").await;
    let mut c = app.db().await;
    let seq = format!("deadlocks_{victim_id}");
    c.query_drop(format!("CREATE SEQUENCE {seq} START WITH 1"))
        .await
        .unwrap();
    c.query_drop(format!(
        "CREATE TRIGGER trg_{seq} BEFORE INSERT ON project_admins FOR EACH ROW
         IF NEW.user_id = {victim_id} AND NEXTVAL({seq}) <= 2 THEN
           SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'Deadlock found';
         END IF"
    ))
    .await
    .unwrap();
    let id = unique("retried");
    let body = json!({"id": id, "info": {"lang": "fi", "name": "x"}, "admins": [victim]});
    let r = app
        .send(Method::POST, "/projects", Some(&su), Some(body))
        .await;
    r.assert_status(201);
    let (projects, attempts): (i64, i64) = c
        .exec_first(
            format!("SELECT (SELECT COUNT(*) FROM projects WHERE name = ?), NEXTVAL({seq}) - 1"),
            (&id,),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(projects, 1);
    assert_eq!(attempts, 3, "two deadlocks, then success");

    // A deadlock that never clears ends as a 503 after the bounded retries.
    c.query_drop(format!("DROP TRIGGER trg_{seq}"))
        .await
        .unwrap();
    c.query_drop(format!(
        "CREATE TRIGGER trg_{seq} BEFORE INSERT ON project_admins FOR EACH ROW
         IF NEW.user_id = {victim_id} THEN
           SIGNAL SQLSTATE '40001' SET MYSQL_ERRNO = 1213, MESSAGE_TEXT = 'Deadlock found';
         END IF"
    ))
    .await
    .unwrap();
    let id2 = unique("hopeless");
    let body = json!({"id": id2, "info": {"lang": "fi", "name": "x"}, "admins": [victim]});
    let r = app
        .send(Method::POST, "/projects", Some(&su), Some(body))
        .await;
    c.query_drop(format!("DROP TRIGGER trg_{seq}"))
        .await
        .unwrap();
    c.query_drop(format!("DROP SEQUENCE {seq}")).await.unwrap();
    r.assert_status(503);
    let n: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM projects WHERE name = ?",
        (&id2,),
    )
    .await;
    assert_eq!(n, 0);
}
