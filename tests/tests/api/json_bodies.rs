//! Every JSON body of the API is an object. serde's derived `Deserialize` would also take a
//! struct from an array, field by field (`["title", "story"]` stored a memory); each JSON
//! endpoint family must answer 422 at `["body"]` instead and write nothing.

use muistot_tests::*;

/// The array and scalar bodies tried on every endpoint: an array holding the values of a
/// valid object in field order (what serde would have accepted), and non-containers.
fn not_objects(array: Value) -> Vec<Value> {
    vec![array, json!("text"), json!(1), json!(null), json!([])]
}

/// Sends each body; every answer is the 422 envelope for a non-object body.
async fn refused(app: &TestApp, method: Method, path: &str, token: Option<&str>, array: Value) {
    for body in not_objects(array) {
        let r = app
            .send(method.clone(), path, token, Some(body.clone()))
            .await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["body"]), "{method} {path} {body}");
        assert_eq!(
            r.json()["error"]["errors"][0]["type"],
            json!("type_error.dict"),
            "{method} {path} {body}"
        );
    }
}

#[tokio::test]
async fn login_and_register_bodies_must_be_objects() {
    let app = TestApp::spawn().await;
    let (_, name, email, password) = app.password_user("arr").await;
    refused(
        &app,
        Method::POST,
        "/login",
        None,
        json!([name, null, password]),
    )
    .await;
    let new_name = unique_name("ArrReg");
    let new_email = new_email("arrreg");
    refused(
        &app,
        Method::POST,
        "/register",
        None,
        json!([new_name, new_email, "long enough"]),
    )
    .await;
    let users: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM users WHERE email = ?",
        (&new_email,),
    )
    .await;
    assert_eq!(users, 0);
    assert!(app.outbox_mails_to(&new_email).is_empty());
    // the same values as an object still work
    app.password_login("/login", json!({"email": email, "password": password}))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn project_bodies_must_be_objects() {
    let app = TestApp::spawn().await;
    let (_, _, su) = app.superuser().await;
    let id = unique("arrproj");
    refused(
        &app,
        Method::POST,
        "/projects",
        Some(&su),
        json!([id, ["fi", "Nimi"]]),
    )
    .await;
    let projects: i64 = scalar(&app, "SELECT COUNT(*) FROM projects WHERE name = ?", (&id,)).await;
    assert_eq!(projects, 0);

    let p = published_project(&app, &[]).await;
    refused(
        &app,
        Method::PATCH,
        &format!("/projects/{p}"),
        Some(&su),
        json!([["fi", "Uusi"]]),
    )
    .await;
    refused(
        &app,
        Method::PUT,
        &format!("/projects/{p}/localize"),
        Some(&su),
        json!(["en", "Renamed"]),
    )
    .await;
    let english: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM project_information pi JOIN projects p ON p.id = pi.project_id \
         JOIN languages l ON l.id = pi.lang_id WHERE p.name = ? AND l.lang = 'en'",
        (&p,),
    )
    .await;
    assert_eq!(english, 0);
}

#[tokio::test]
async fn site_bodies_must_be_objects() {
    let app = TestApp::spawn().await;
    let (_, _, su) = app.superuser().await;
    let p = published_project(&app, &[]).await;
    let id = unique("arrsite");
    refused(
        &app,
        Method::POST,
        &sites_path(&p),
        Some(&su),
        json!([id, ["fi", "Paikka"], [60.0, 25.0]]),
    )
    .await;
    let sites: i64 = scalar(&app, "SELECT COUNT(*) FROM sites WHERE name = ?", (&id,)).await;
    assert_eq!(sites, 0);

    let s = site(&app, &p, true, None).await;
    refused(
        &app,
        Method::PATCH,
        &site_path(&p, &s),
        Some(&su),
        json!([[10.0, 10.0]]),
    )
    .await;
    refused(
        &app,
        Method::PUT,
        &format!("{}/localize", site_path(&p, &s)),
        Some(&su),
        json!(["en", "Place"]),
    )
    .await;
    let moved: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM sites WHERE name = ? AND ST_Y(location) = 60.17",
        (&s,),
    )
    .await;
    assert_eq!(moved, 1, "the site stayed where it was");
}

#[tokio::test]
async fn memory_and_comment_bodies_must_be_objects() {
    let app = TestApp::spawn().await;
    let (user, _, token) = app.user("arrmem").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    // the reported bug: an array stored a memory
    let title = unique("Array memory");
    refused(
        &app,
        Method::POST,
        &memories_path(&p, &s),
        Some(&token),
        json!([title, "x"]),
    )
    .await;
    let stored: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM memories WHERE title = ?",
        (&title,),
    )
    .await;
    assert_eq!(stored, 0);

    let m = memory(&app, &s, Some(user), true).await;
    refused(
        &app,
        Method::PATCH,
        &memory_path(&p, &s, m),
        Some(&token),
        json!(["Changed"]),
    )
    .await;
    let kept: String = scalar(&app, "SELECT title FROM memories WHERE id = ?", (m,)).await;
    assert_eq!(kept, "Muisto");

    refused(
        &app,
        Method::POST,
        &comments_path(&p, &s, m),
        Some(&token),
        json!(["Hei"]),
    )
    .await;
    let comments: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM comments WHERE memory_id = ?",
        (m,),
    )
    .await;
    assert_eq!(comments, 0);
    let c = comment(&app, m, user, true).await;
    refused(
        &app,
        Method::PATCH,
        &comment_path(&p, &s, m, c),
        Some(&token),
        json!(["Muutettu"]),
    )
    .await;
    let kept: String = scalar(&app, "SELECT comment FROM comments WHERE id = ?", (c,)).await;
    assert_eq!(kept, "Kommentti");
}

#[tokio::test]
async fn me_and_publish_bodies_must_be_objects() {
    let app = TestApp::spawn().await;
    let (_, _, token) = app.user("arrme").await;
    refused(
        &app,
        Method::PATCH,
        "/me",
        Some(&token),
        json!(["Matti", "Meikäläinen"]),
    )
    .await;
    let me = app.get("/me", Some(&token)).await;
    me.assert_status(200);
    assert!(me.json().get("first_name").is_none_or(Value::is_null));

    let (_, _, su) = app.superuser().await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, false, None).await;
    refused(
        &app,
        Method::POST,
        "/admin/publish",
        Some(&su),
        json!(["site", s, {"project": p}, true]),
    )
    .await;
    let published: bool = scalar(&app, "SELECT published FROM sites WHERE name = ?", (&s,)).await;
    assert!(!published);
}
