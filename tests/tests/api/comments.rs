//! Comments.

use muistot_tests::*;

#[tokio::test]
async fn create_list_read() {
    let app = TestApp::spawn().await;
    let (admin, _, admin_token) = app.user("cadm").await;
    let (author, author_name, token) = app.user("cauth").await;
    let p = published_project(&app, &[admin]).await;
    let s = site(&app, &p, true, None).await;
    let m = memory(&app, &s, Some(author), true).await;
    let path = comments_path(&p, &s, m);

    app.send(Method::POST, &path, None, Some(json!({"comment": "x"})))
        .await
        .assert_status(401);
    let r = app
        .send(
            Method::POST,
            &path,
            Some(&token),
            Some(json!({"comment": "a".repeat(2501)})),
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["body", "comment"]));
    let mut created = Vec::new();
    for text in ["a\u{0}", &"a".repeat(2500), " b b "] {
        let r = app
            .send(
                Method::POST,
                &path,
                Some(&token),
                Some(json!({ "comment": text })),
            )
            .await;
        r.assert_status(201);
        let loc = r.location_path().unwrap();
        let id = r.location_id().unwrap();
        assert_eq!(loc, comment_path(&p, &s, m, id));
        created.push(id);
    }
    // Not auto-published: anonymous sees nothing, the author and the admin do.
    app.get(&comment_path(&p, &s, m, created[0]), None)
        .await
        .assert_status(404);
    assert!(ids(&app.get(&path, None).await.json()).is_empty());
    let r = app
        .get(&comment_path(&p, &s, m, created[2]), Some(&token))
        .await;
    r.assert_status(200);
    let body = r.json();
    assert_eq!(body["comment"], json!("b b"));
    assert_eq!(body["user"], json!(author_name));
    assert_eq!(body["own"], json!(true));
    assert_eq!(body["waiting_approval"], json!(true));
    let r = app
        .get(&comment_path(&p, &s, m, created[0]), Some(&token))
        .await;
    assert_eq!(r.json()["comment"], json!("a\u{0}"));
    let l = app.get(&path, Some(&admin_token)).await.json();
    assert_eq!(ids(&l).len(), 3);
    assert_eq!(l["items"][0]["waiting_approval"], json!(true));
    assert_eq!(l["items"][0]["own"], json!(false));
    let r = app.get(&comment_path(&p, &s, m, 123_456_789), None).await;
    r.assert_status(404);
    assert_eq!(r.error_message(), "Comment not found");
    // A comment under the wrong memory is not found there.
    let m2 = memory(&app, &s, Some(author), true).await;
    app.get(&comment_path(&p, &s, m2, created[0]), Some(&token))
        .await
        .assert_status(404);
}

#[tokio::test]
async fn edits_go_back_to_review_unless_auto_publish() {
    for auto in [false, true] {
        let app = TestApp::spawn_with(vec![("MUISTOT_AUTO_PUBLISH", auto.to_string())]).await;
        let (admin, _, admin_token) = app.user("cadm").await;
        let (author, _, token) = app.user("cauth").await;
        let (_, _, other_token) = app.user("coth").await;
        let p = published_project(&app, &[admin]).await;
        let s = site(&app, &p, true, None).await;
        let m = memory(&app, &s, Some(author), true).await;
        let c = comment(&app, m, author, true).await;
        let path = comment_path(&p, &s, m, c);
        for t in [&other_token, &admin_token] {
            app.send(Method::PATCH, &path, Some(t), Some(json!({"comment": "x"})))
                .await
                .assert_status(403);
        }
        let r = app
            .send(
                Method::PATCH,
                &path,
                Some(&token),
                Some(json!({"comment": "uusi"})),
            )
            .await;
        r.assert_status(204);
        assert_eq!(r.location_path().unwrap(), path);
        let published: bool =
            scalar(&app, "SELECT published FROM comments WHERE id = ?", (c,)).await;
        assert_eq!(published, auto, "auto_publish={auto}");
        let r = app.get(&path, Some(&token)).await;
        assert_eq!(r.json()["comment"], json!("uusi"));
        if !auto {
            // Unpublished now: hidden from others (404 rather than 403).
            app.send(
                Method::PATCH,
                &path,
                Some(&other_token),
                Some(json!({"comment": "x"})),
            )
            .await
            .assert_status(404);
        }
    }
}

#[tokio::test]
async fn delete_is_hard() {
    let app = TestApp::spawn().await;
    let (admin, _, admin_token) = app.user("cadm").await;
    let (author, _, token) = app.user("cauth").await;
    let (_, _, other_token) = app.user("coth").await;
    let (_, _, su_token) = app.superuser().await;
    let p = published_project(&app, &[admin]).await;
    let s = site(&app, &p, true, None).await;
    let m = memory(&app, &s, Some(author), true).await;
    let c = comment(&app, m, author, true).await;
    let hidden = comment(&app, m, author, false).await;
    app.send(
        Method::DELETE,
        &comment_path(&p, &s, m, c),
        Some(&other_token),
        None,
    )
    .await
    .assert_status(403);
    app.send(
        Method::DELETE,
        &comment_path(&p, &s, m, hidden),
        Some(&other_token),
        None,
    )
    .await
    .assert_status(404);
    let r = app
        .send(
            Method::DELETE,
            &comment_path(&p, &s, m, c),
            Some(&token),
            None,
        )
        .await;
    r.assert_status(204);
    assert_eq!(r.location_path().unwrap(), comments_path(&p, &s, m));
    let left: i64 = scalar(&app, "SELECT COUNT(*) FROM comments WHERE id = ?", (c,)).await;
    assert_eq!(left, 0);
    app.send(
        Method::DELETE,
        &comment_path(&p, &s, m, c),
        Some(&token),
        None,
    )
    .await
    .assert_status(404);
    for t in [&admin_token, &su_token] {
        let c = comment(&app, m, author, false).await;
        app.send(Method::DELETE, &comment_path(&p, &s, m, c), Some(t), None)
            .await
            .assert_status(204);
    }
}

#[tokio::test]
async fn comments_can_be_switched_off() {
    let app = TestApp::spawn_with(vec![("MUISTOT_DISABLE_COMMENTS", "1".into())]).await;
    let (author, _, token) = app.user("cauth").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let m = memory(&app, &s, Some(author), true).await;
    let c = comment(&app, m, author, true).await;
    let r = app.get(&comments_path(&p, &s, m), None).await;
    r.assert_status(404);
    assert_eq!(r.error_message(), "Not Found");
    app.get(&comment_path(&p, &s, m, c), None)
        .await
        .assert_status(404);
    app.send(
        Method::POST,
        &comments_path(&p, &s, m),
        Some(&token),
        Some(json!({"comment": "x"})),
    )
    .await
    .assert_status(404);
    // The rest of the API is unaffected.
    app.get(&memory_path(&p, &s, m), None)
        .await
        .assert_status(200);
}
