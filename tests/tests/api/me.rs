//! The current user (`/me`).

use muistot_tests::*;

#[tokio::test]
async fn me_requires_a_session() {
    let app = TestApp::spawn().await;
    for (method, path) in [
        (Method::GET, "/me"),
        (Method::DELETE, "/me"),
        (Method::DELETE, "/me/sessions"),
        (Method::POST, "/me/email?email=a@example.com"),
        (Method::POST, "/me/username?username=someone"),
        (Method::PUT, "/me/password?password=long%20enough"),
    ] {
        let r = app.send(method.clone(), path, None, None).await;
        r.assert_status(401);
        assert_eq!(
            r.header("www-authenticate"),
            Some("Bearer"),
            "{method} {path}"
        );
    }
    let r = app
        .send(Method::PATCH, "/me", None, Some(json!({"city": "Oulu"})))
        .await;
    r.assert_status(401);
    // bad input is 422 before 401 (docs/api-conventions.md#order-of-checks)
    let r = app
        .send(Method::PATCH, "/me", None, Some(json!({"country": "xx"})))
        .await;
    r.assert_status(422);
    let r = app
        .send(Method::POST, "/me/email?email=nope", None, None)
        .await;
    r.assert_status(422);
}

#[tokio::test]
async fn read_and_patch_personal_data() {
    let app = TestApp::spawn().await;
    let (_, name, email, password) = app.password_user("me").await;
    let token = app.log_in(&name, &password).await;
    let r = app.get("/me", Some(&token)).await;
    r.assert_status(200);
    assert_eq!(r.json(), json!({"username": name, "email": email}));

    let patch = |body: Value| app.send(Method::PATCH, "/me", Some(&token), Some(body));
    for _ in 0..2 {
        let r = patch(json!({"country": "fi"})).await;
        r.assert_status(204);
        assert_eq!(r.text, "");
    }
    let me = app.get("/me", Some(&token)).await.json();
    assert_eq!(me["country"], "FI");
    assert!(me["modified_at"].as_str().unwrap().len() == 19);
    // only sent keys change
    patch(json!({"first_name": "Aino", "city": "Oulu", "birth_date": "1990-5-17"}))
        .await
        .assert_status(204);
    let me = app.get("/me", Some(&token)).await.json();
    assert_eq!(
        (
            &me["first_name"],
            &me["city"],
            &me["country"],
            &me["birth_date"]
        ),
        (
            &json!("Aino"),
            &json!("Oulu"),
            &json!("FI"),
            &json!("1990-05-17")
        )
    );
    patch(json!({})).await.assert_status(204);
    patch(json!({"city": null, "last_name": "Virtanen"}))
        .await
        .assert_status(204);
    let me = app.get("/me", Some(&token)).await.json();
    assert!(
        me.get("city").is_none(),
        "null clears; absent in output: {me}"
    );
    assert_eq!(me["first_name"], "Aino");
    assert_eq!(me["last_name"], "Virtanen");
    // ISO 3166: alpha-3, subdivisions
    // (docs/compatibility.md#country-codes-include-subdivisions)
    for (sent, stored) in [
        ("swe", "SE"),
        ("fi-01", "FI-01"),
        ("GB-ENG", "GB"),
        ("se", "SE"),
    ] {
        patch(json!({"country": sent})).await.assert_status(204);
        assert_eq!(
            app.get("/me", Some(&token)).await.json()["country"],
            stored,
            "{sent}"
        );
    }
    for (body, loc) in [
        (json!({"country": "xx"}), "country"),
        (json!({"country": "FI-99"}), "country"),
        (json!({"city": "x".repeat(256)}), "city"),
        (json!({"birth_date": "2020-01-01T10:00:00"}), "birth_date"),
        (json!({"first_name": ["a"]}), "first_name"),
    ] {
        let r = patch(body).await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["body", loc]));
    }
    let r = patch(json!({"country": "zz"})).await;
    assert_eq!(
        r.json()["error"]["errors"][0]["msg"],
        "Country lookup failed"
    );
    patch(json!({"city": "ä".repeat(255)}))
        .await
        .assert_status(204);
}

#[tokio::test]
async fn change_email() {
    let app = TestApp::spawn().await;
    let (_, _, email, _) = app.password_user("em").await;
    let (_, _, other_email, _) = app.password_user("em2").await;
    let (_, name, _) = app.user("emx").await;
    let _ = name;
    let token = app
        .password_login(
            "/login",
            json!({"email": email, "password": "correct horse"}),
        )
        .await
        .session_token();
    let app = &app;
    let post = |e: &str| {
        let path = format!("/me/email?email={e}");
        let token = token.clone();
        async move { app.send(Method::POST, &path, Some(&token), None).await }
    };
    let r = post("not-an-address").await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["query", "email"]));
    post(&email.to_uppercase()).await.assert_status(304);
    let r = post(&other_email).await;
    r.assert_status(409);
    assert_eq!(r.error_message(), "Email in use");
    let new = new_email("new");
    let r = post(&new).await;
    r.assert_status(204);
    assert_eq!(r.text, "");
    // sessions are kept
    let me = app.get("/me", Some(&token)).await;
    me.assert_status(200);
    assert_eq!(me.json()["email"], json!(new));
}

#[tokio::test]
async fn change_username() {
    let app = TestApp::spawn().await;
    let app = &app;
    let (_, name, _, password) = app.password_user("ren").await;
    let (_, victim, _, victim_password) = app.password_user("victim").await;
    let login =
        |n: &str, p: &str| app.password_login("/login", json!({"username": n, "password": p}));
    let token = login(&name, &password).await.session_token();
    let other_session = login(&name, &password).await.session_token();
    let victim_token = login(&victim, &victim_password).await.session_token();
    let post = |n: &str, t: &str| {
        let q = serde_urlencoded::to_string([("username", n)]).unwrap();
        let t = t.to_string();
        async move {
            app.send(Method::POST, &format!("/me/username?{q}"), Some(&t), None)
                .await
        }
    };
    for bad in ["ab", "a/bcd", ""] {
        let r = post(bad, &token).await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["query", "username"]));
    }
    post(&name, &token).await.assert_status(304);
    // another's name, in any case: 409, and nobody is logged out
    let r = post(&victim.to_lowercase(), &token).await;
    r.assert_status(409);
    assert_eq!(r.error_message(), "Username in use");
    app.get("/auth/status", Some(&token))
        .await
        .assert_status(200);
    app.get("/auth/status", Some(&victim_token))
        .await
        .assert_status(200);

    // a case-only change of one's own name is a rename; the calling session goes on
    // under the new name (its token comes back), every other session of the user ends
    let renamed = name.to_uppercase();
    let r = post(&renamed, &token).await;
    r.assert_status(204);
    assert_eq!(r.text, "");
    let fresh = r.session_token();
    assert_eq!(fresh, token);
    app.get("/auth/status", Some(&other_session))
        .await
        .assert_status(401);
    app.get("/auth/status", Some(&victim_token))
        .await
        .assert_status(200);
    let me = app.get("/me", Some(&fresh)).await;
    me.assert_status(200);
    assert_eq!(me.json()["username"], json!(renamed));

    let brand_new = unique_name("brandnew");
    let r = post(&format!("  {brand_new} "), &fresh).await;
    r.assert_status(204);
    let newest = r.session_token();
    assert_eq!(newest, fresh);
    assert_eq!(
        app.get("/me", Some(&newest)).await.json()["username"],
        json!(brand_new)
    );
    login(&brand_new, &password).await.assert_status(200);
    login(&name, &password).await.assert_status(400);
}

#[tokio::test]
async fn change_password_in_query_or_body() {
    let app = TestApp::spawn().await;
    let (_, name, _, password) = app.password_user("pwc").await;
    let login =
        |p: &str| app.password_login("/auth/login", json!({"username": name, "password": p}));
    let a = login(&password).await.session_token();
    let b = login(&password).await.session_token();
    let r = app
        .send(Method::PUT, "/me/password?password=short", Some(&a), None)
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["query", "password"]));
    let r = app.send(Method::PUT, "/me/password", Some(&a), None).await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["query", "password"]));
    let r = app
        .send(
            Method::PUT,
            "/me/password?password=new%20password%201",
            Some(&a),
            None,
        )
        .await;
    r.assert_status(200);
    assert_eq!(r.text, "");
    app.get("/me", Some(&a)).await.assert_status(401);
    app.get("/me", Some(&b)).await.assert_status(401);
    login(&password).await.assert_status(400);
    let c = login("new password 1").await.session_token();

    // the JSON body form (docs/compatibility.md#password-change-takes-the-query-or-a-body)
    let r = app
        .send(
            Method::PUT,
            "/me/password",
            Some(&c),
            Some(json!({"password": "short"})),
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["body", "password"]));
    let r = app
        .send(
            Method::PUT,
            "/me/password",
            Some(&c),
            Some(json!({"password": "body password"})),
        )
        .await;
    r.assert_status(200);
    app.get("/me", Some(&c)).await.assert_status(401);
    login("body password").await.assert_status(200);
}

#[tokio::test]
async fn log_out_here_or_everywhere() {
    let app = TestApp::spawn().await;
    let (_, name, _, password) = app.password_user("out").await;
    let (_, _, bystander) = app.user("bystander").await;
    let a = app.log_in(&name, &password).await;
    let b = app.log_in(&name, &password).await;
    let c = app.log_in(&name, &password).await;
    let r = app.send(Method::DELETE, "/me", Some(&a), None).await;
    r.assert_status(204);
    assert_eq!(r.text, "");
    assert!(r.header("content-type").is_none());
    app.get("/me", Some(&a)).await.assert_status(401);
    app.get("/me", Some(&b)).await.assert_status(200);
    let r = app
        .send(Method::DELETE, "/me/sessions", Some(&b), None)
        .await;
    r.assert_status(204);
    assert_eq!(r.text, "");
    app.get("/me", Some(&b)).await.assert_status(401);
    app.get("/me", Some(&c)).await.assert_status(401);
    app.get("/me", Some(&bystander)).await.assert_status(200);
}

#[tokio::test]
async fn empty_strings_leave_personal_data_as_it_is() {
    let app = TestApp::spawn().await;
    let (_, _, token) = app.user("meempty").await;
    let set = json!({"first_name": "Matti", "last_name": "Meikäläinen", "country": "FI",
                     "city": "Oulu", "birth_date": "1970-01-31"});
    app.send(Method::PATCH, "/me", Some(&token), Some(set))
        .await
        .assert_status(204);
    // the 2022 settings form: "" for every input left empty, one field filled in
    let form = json!({"first_name": "", "last_name": " ", "country": "", "city": "Kemi",
                      "birth_date": ""});
    app.send(Method::PATCH, "/me", Some(&token), Some(form))
        .await
        .assert_status(204);
    let me = app.get("/me", Some(&token)).await.json();
    assert_eq!(me["first_name"], json!("Matti"));
    assert_eq!(me["last_name"], json!("Meikäläinen"));
    assert_eq!(me["city"], json!("Kemi"));
    assert!(
        me["country"].as_str().is_some_and(|c| !c.is_empty()),
        "{me}"
    );
    assert_eq!(me["birth_date"], json!("1970-01-31"));
    // null still clears
    app.send(
        Method::PATCH,
        "/me",
        Some(&token),
        Some(json!({"city": null})),
    )
    .await
    .assert_status(204);
    assert!(app.get("/me", Some(&token)).await.json()["city"].is_null());
}
