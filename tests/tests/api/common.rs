//! `GET /`, `GET /languages` and the cross-cutting rules of docs/api-conventions.md.

use muistot_tests::*;

#[tokio::test]
async fn index_is_html_with_an_absolute_favicon_link() {
    let app = TestApp::spawn().await;
    let r = app.get("/", None).await;
    r.assert_status(200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(
        r.text
            .contains(&format!("href=\"http://{}/images/favicon.ico\"", app.addr)),
        "{}",
        r.text
    );
    assert!(r.text.contains("<html lang=\"en\">"));
}

#[tokio::test]
async fn languages_lookup() {
    let app = TestApp::spawn().await;
    let r = app.get("/languages?q=fi", None).await;
    r.assert_status(200);
    assert_eq!(
        r.text,
        r#"{"name":"Finnish","id":"fin","alpha_3":"fin","alpha_2":"fi"}"#
    );
    let r = app.get("/languages?q=se", None).await;
    assert_eq!(
        r.json(),
        json!({"name":"Northern Sami","id":"sme","alpha_3":"sme","alpha_2":"se"})
    );
    let r = app.get("/languages?q=smn", None).await;
    r.assert_status(200);
    assert!(r.json().get("alpha_2").is_none());
    app.get("/languages?q=xxx", None).await.assert_status(404);
    let r = app.get("/languages?q=FI", None).await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["query", "q"]));
    let r = app.get("/languages", None).await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["query", "q"]));
}

#[tokio::test]
async fn unknown_path_and_wrong_method_use_the_envelope() {
    let app = TestApp::spawn().await;
    let r = app.get("/no/such/path", None).await;
    r.assert_status(404);
    assert_eq!(
        r.json(),
        json!({"error": {"code": 404, "message": "Not Found"}})
    );
    let r = app.send(Method::PUT, "/projects", None, None).await;
    r.assert_status(405);
    assert_eq!(
        r.json(),
        json!({"error": {"code": 405, "message": "Method Not Allowed"}})
    );
    // HEAD is not implied by GET; a HEAD answer has no body to check.
    for path in [
        "/projects",
        "/",
        "/projects/some-project/sites",
        "/images/x.jpg",
    ] {
        let r = app.send(Method::HEAD, path, None, None).await;
        assert_eq!(r.status.as_u16(), 405, "HEAD {path}");
    }
    let r = app.send(Method::HEAD, "/no/such/path", None, None).await;
    assert_eq!(r.status.as_u16(), 404);
    app.get("/projects", None).await.assert_status(200);
}

#[tokio::test]
async fn invalid_tokens_are_401_everywhere() {
    let app = TestApp::spawn().await;
    for path in ["/", "/projects", "/no/such/path", "/languages?q=fi"] {
        for header in ["Basic abc", "", "bearer not*base64", "bearer äö"] {
            let r = app
                .client
                .get(app.url(path))
                .header("Authorization", header)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 401, "{path} with {header:?}");
            assert_eq!(r.headers()["www-authenticate"], "Bearer");
            let body: Value = r.json().await.unwrap();
            assert_eq!(body["error"]["code"], 401);
        }
    }
}

#[tokio::test]
async fn a_valid_token_is_accepted_and_an_ended_one_is_not() {
    let app = TestApp::spawn().await;
    let (_, name, token) = app.user("tok").await;
    app.get("/projects", Some(&token)).await.assert_status(200);
    // Deleting the user ends what the token can do.
    let mut c = app.db().await;
    mysql_async::prelude::Queryable::exec_drop(
        &mut c,
        "DELETE FROM users WHERE username = ?",
        (name,),
    )
    .await
    .unwrap();
    // Public reads go on as anonymous (the 2022 frontend keeps sending an ended token);
    // what needs a user is 401 as without one.
    app.get("/projects", Some(&token)).await.assert_status(200);
    app.get("/me", Some(&token)).await.assert_status(401);
}

#[tokio::test]
async fn an_ended_session_is_anonymous_where_no_user_is_needed() {
    let app = TestApp::spawn().await;
    // well-formed, but no such session
    let ended = "dG9rZW46AAAA";
    for path in ["/", "/projects", "/languages?q=fi"] {
        app.get(path, Some(ended)).await.assert_status(200);
    }
    app.get("/no/such/path", Some(ended))
        .await
        .assert_status(404);
    for path in ["/me", "/auth/status"] {
        let r = app.get(path, Some(ended)).await;
        r.assert_status(401);
        assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    }
    // logging in again works with the ended token still sent
    let email = new_email("ended");
    app.send(
        Method::POST,
        &format!("/auth/email?email={email}"),
        Some(ended),
        None,
    )
    .await
    .assert_status(204);
    let mail = app.outbox_mails_to(&email).pop().unwrap();
    let (user, token, _) = login_link(&mail).unwrap();
    let query = exchange_query(&user, &token);
    let r = app
        .send(
            Method::POST,
            &format!("/auth/email/exchange?{query}"),
            Some(ended),
            None,
        )
        .await;
    r.assert_status(200);
    app.get("/me", Some(&r.session_token()))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn trailing_slash_is_the_same_route() {
    let app = TestApp::spawn().await;
    app.get("/projects/", None).await.assert_status(200);
}

#[tokio::test]
async fn language_negotiation() {
    let app = TestApp::spawn().await;
    let get = |lang: &'static str| {
        app.req(Method::GET, "/projects", None)
            .header("Accept-Language", lang)
            .send()
    };
    assert_eq!(get("az").await.unwrap().status(), 406);
    let r = get("az").await.unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body,
        json!({"error": {"code": 406, "message": "Can not localize"}})
    );
    assert_eq!(get("en-US,en;q=0.5").await.unwrap().status(), 200);
    assert_eq!(
        get("az,bg,yf,fi-AA,en-US,en;q=0.5").await.unwrap().status(),
        200
    );
    assert_eq!(get("FI").await.unwrap().status(), 200);
    assert_eq!(get("").await.unwrap().status(), 200);
}

#[tokio::test]
async fn cors_exposes_the_login_header() {
    let app = TestApp::spawn().await;
    let r = app
        .req(Method::GET, "/projects", None)
        .header("Origin", "http://localhost:3000")
        .send()
        .await
        .unwrap();
    let exposed = r.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(
        ["authorization", "location", "link", "content-disposition"]
            .iter()
            .all(|h| exposed.contains(h)),
        "{exposed}"
    );
}

/// Path ids are checked before the login requirement and before the body
/// (docs/api-conventions.md#order-of-checks): the first bad segment, in path order, is
/// the 422, for anonymous callers too.
#[tokio::test]
async fn a_bad_path_id_is_422_before_the_login_and_the_body() {
    let app = TestApp::spawn().await;
    let cases = [
        (
            Method::POST,
            "/projects/x!/admins?username=someone",
            None,
            ["path", "project"],
        ),
        (
            Method::DELETE,
            "/projects/x!/sites/also!bad",
            None,
            ["path", "project"],
        ),
        (
            Method::DELETE,
            "/projects/proj/sites/s!",
            None,
            ["path", "site"],
        ),
        (
            Method::DELETE,
            "/projects/proj/sites/site/memories/0",
            None,
            ["path", "memory"],
        ),
        (
            Method::PATCH,
            "/projects/proj/sites/site/memories/1/comments/x",
            Some(json!("not an object")),
            ["path", "comment"],
        ),
        (
            Method::POST,
            "/projects/proj/sites/site/memories/-2/comments",
            Some(json!([1])),
            ["path", "memory"],
        ),
    ];
    for (method, path, body, loc) in cases {
        let r = app.send(method.clone(), path, None, body).await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(loc), "{method} {path}");
    }
}
