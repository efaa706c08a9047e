//! `POST /admin/publish`.

use muistot_tests::*;
use mysql_async::prelude::*;

const PUBLISH: &str = "/admin/publish";

#[tokio::test]
async fn order_model_checks() {
    let app = TestApp::spawn().await;
    let (_, _, su) = app.superuser().await;
    let cases = [
        (
            json!({"type": "project", "identifier": 12}),
            "Wrong type for identifier",
        ),
        (
            json!({"type": "project", "identifier": "abcd", "parents": {"project": "abcd"}}),
            "Incorrect parent count",
        ),
        (json!({"type": "site", "identifier": "abcd"}), "Bad parents"),
        (
            json!({"type": "site", "identifier": 12, "parents": {"project": "abcd"}}),
            "Wrong type for identifier",
        ),
        (
            json!({"type": "site", "identifier": "abcd", "parents": {}}),
            "Incorrect parent count",
        ),
        (
            json!({"type": "site", "identifier": "abcd", "parents": {"site": "abcd"}}),
            "Bad parents",
        ),
        (
            json!({"type": "memory", "identifier": "abcd",
                "parents": {"project": "pppp", "site": "ssss"}}),
            "Wrong type for identifier",
        ),
        (
            json!({"type": "memory", "identifier": 1, "parents": {"project": "pppp"}}),
            "Incorrect parent count",
        ),
        (
            json!({"type": "memory", "identifier": 1,
                "parents": {"project": "pppp", "memory": 4}}),
            "Bad parents",
        ),
        (
            json!({"type": "memory", "identifier": 1, "parents": {"project": 5, "site": "ssss"}}),
            "Wrong type for project",
        ),
        (
            json!({"type": "comment", "identifier": 1,
                "parents": {"project": "pppp", "site": "ssss", "memory": "mmmm"}}),
            "Wrong type for memory",
        ),
    ];
    for (body, msg) in cases {
        let r = app
            .send(Method::POST, PUBLISH, Some(&su), Some(body.clone()))
            .await;
        r.assert_status(422);
        let e = &r.json()["error"]["errors"][0];
        assert_eq!(e["loc"], json!(["body", "__root__"]), "{body}");
        assert_eq!(e["msg"], json!(msg), "{body}");
        assert_eq!(e["type"], json!("assertion_error"));
    }
    // Field errors instead of model errors.
    let r = app
        .send(
            Method::POST,
            PUBLISH,
            Some(&su),
            Some(json!({"type": "user", "identifier": 1})),
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["body", "type"]));
    let r = app
        .send(
            Method::POST,
            PUBLISH,
            Some(&su),
            Some(json!({"type": "site", "identifier": "abcd", "parents": {"owner": "x"}})),
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["body", "parents", "owner"]));
    let r = app
        .send(
            Method::POST,
            PUBLISH,
            Some(&su),
            Some(json!({"type": "site"})),
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["body", "identifier"]));
    // 422 comes before 401.
    app.send(Method::POST, PUBLISH, None, Some(json!({"type": "x"})))
        .await
        .assert_status(422);
}

#[tokio::test]
async fn guards_and_results() {
    let app = TestApp::spawn().await;
    let (admin, _, admin_token) = app.user("padm").await;
    let (other_admin, _, other_token) = app.user("poth").await;
    let (_, _, user_token) = app.user("puser").await;
    let (_, _, su_token) = app.superuser().await;
    let p = published_project(&app, &[admin]).await;
    published_project(&app, &[other_admin]).await;
    let s = site(&app, &p, false, None).await;
    let order = |publish: bool| json!({"type": "site", "identifier": s, "parents": {"project": p}, "publish": publish});
    app.send(Method::POST, PUBLISH, None, Some(order(true)))
        .await
        .assert_status(401);
    let r = app
        .send(Method::POST, PUBLISH, Some(&user_token), Some(order(true)))
        .await;
    r.assert_status(403);
    assert_eq!(
        r.json()["error"]["details"][0],
        json!("Required (authenticated,admin)")
    );
    // An admin of another project learns nothing
    // (docs/compatibility.md#a-refused-publish-says-nothing).
    let r = app
        .send(Method::POST, PUBLISH, Some(&other_token), Some(order(true)))
        .await;
    r.assert_status(403);
    assert_eq!(
        r.json(),
        json!({"error": {"code": 403, "message": "Not enough privileges"}})
    );
    let r = app
        .send(
            Method::POST,
            PUBLISH,
            Some(&other_token),
            Some(json!({"type": "project", "identifier": "no-such-project"})),
        )
        .await;
    r.assert_status(403);

    app.send(
        Method::POST,
        PUBLISH,
        Some(&admin_token),
        Some(order(false)),
    )
    .await
    .assert_status(304);
    let r = app
        .send(Method::POST, PUBLISH, Some(&admin_token), Some(order(true)))
        .await;
    r.assert_status(204);
    assert!(r.text.is_empty());
    app.get(&site_path(&p, &s), None).await.assert_status(200);
    app.send(Method::POST, PUBLISH, Some(&admin_token), Some(order(true)))
        .await
        .assert_status(304);
    // `publish` defaults to true; the project name matches case-insensitively
    // (docs/compatibility.md#privileges-are-read-on-every-request).
    let upper = json!({"type": "site", "identifier": s, "parents": {"project": p.to_uppercase()},
                       "publish": "no"});
    app.send(Method::POST, PUBLISH, Some(&su_token), Some(upper))
        .await
        .assert_status(204);
    let r = app
        .send(
            Method::POST,
            PUBLISH,
            Some(&su_token),
            Some(json!({"type": "project", "identifier": "no-such-project"})),
        )
        .await;
    r.assert_status(404);
    // Losing the admin row takes effect at once
    // (docs/compatibility.md#privileges-are-read-on-every-request).
    let mut c = app.db().await;
    c.exec_drop("DELETE FROM project_admins WHERE user_id = ?", (admin,))
        .await
        .unwrap();
    app.send(Method::POST, PUBLISH, Some(&admin_token), Some(order(true)))
        .await
        .assert_status(403);
    // Projects themselves.
    let (admin2, _, admin2_token) = app.user("padm2").await;
    let q = unpublished_project(&app, &[admin2]).await;
    app.send(
        Method::POST,
        PUBLISH,
        Some(&admin2_token),
        Some(json!({"type": "project", "identifier": q, "parents": {}})),
    )
    .await
    .assert_status(204);
    app.get(&format!("/projects/{q}"), None)
        .await
        .assert_status(200);
}

#[tokio::test]
async fn targets_must_lie_in_the_named_parents() {
    let app = TestApp::spawn().await;
    let (admin, _, token) = app.user("padm").await;
    let (author, _, _) = app.user("pauth").await;
    let a = published_project(&app, &[admin]).await;
    let b = published_project(&app, &[]).await;
    let sa = site(&app, &a, true, None).await;
    let sb = site(&app, &b, false, None).await;
    let ma = memory(&app, &sa, Some(author), false).await;
    let mb = memory(&app, &sb, Some(author), false).await;
    let ca = comment(&app, ma, author, false).await;
    let send = |body: Value| app.send(Method::POST, PUBLISH, Some(&token), Some(body));

    // Naming project A does not reach B's site, memory or comment
    // (docs/compatibility.md#publishing-stays-inside-the-named-parents).
    let r = send(json!({"type": "site", "identifier": sb, "parents": {"project": a}})).await;
    r.assert_status(404);
    assert_eq!(r.error_message(), "Site not found");
    let r = send(json!({"type": "memory", "identifier": mb,
                        "parents": {"project": a, "site": sa}}))
    .await;
    r.assert_status(404);
    assert_eq!(r.error_message(), "Memory not found");
    let r = send(json!({"type": "memory", "identifier": mb,
                        "parents": {"project": a, "site": sb}}))
    .await;
    r.assert_status(404);
    assert_eq!(r.error_message(), "Parents were not found");
    let r = send(json!({"type": "comment", "identifier": ca,
                        "parents": {"project": a, "site": sa, "memory": mb}}))
    .await;
    r.assert_status(404);
    assert_eq!(r.error_message(), "Parents were not found");
    let published: bool = scalar(&app, "SELECT published FROM sites WHERE name = ?", (&sb,)).await;
    assert!(!published);

    send(json!({"type": "memory", "identifier": ma, "parents": {"project": a, "site": sa}}))
        .await
        .assert_status(204);
    send(json!({"type": "comment", "identifier": ca.to_string(),
                "parents": {"project": a, "site": sa, "memory": ma}}))
    .await
    .assert_status(204);
    app.get(&comment_path(&a, &sa, ma, ca), None)
        .await
        .assert_status(200);

    // Ids of 1000 and more are ids like any other.
    let mut c = app.db().await;
    let big: i64 = 7_000_000 + i64::from(admin);
    c.exec_drop(
        "INSERT INTO memories (id, site_id, user_id, title, published)
         SELECT ?, id, ?, 't', 0 FROM sites WHERE name = ?",
        (big, author, &sa),
    )
    .await
    .unwrap();
    send(json!({"type": "memory", "identifier": big, "parents": {"project": a, "site": sa}}))
        .await
        .assert_status(204);
}
