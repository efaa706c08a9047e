//! Account export (`GET /me/export`) and deletion (`POST /me/account/delete-link`,
//! `DELETE /me/account`), against the real database and both shared session stores
//! (Redis, and DynamoDB on moto); docs/api-conventions.md#account-export-and-deletion.

use std::{collections::BTreeSet, sync::Arc};

use muistot::sessions::{DynamoDbSessionStore, SessionData, SessionStore};
use muistot_tests::*;
use mysql_async::prelude::*;

/// The test server on Redis sessions (the default) or on DynamoDB sessions (moto).
async fn app_on(dynamodb: bool) -> TestApp {
    if dynamodb {
        TestApp::spawn_with(dynamodb_env().await).await
    } else {
        TestApp::spawn().await
    }
}

/// A password user of `app`, logged in through the API (so the session is in the
/// server's own store): (id, username, email, password, token).
async fn logged_in(app: &TestApp, prefix: &str) -> (i32, String, String, String, String) {
    let (id, name, email, password) = app.password_user(prefix).await;
    let token = app.log_in(&name, &password).await;
    (id, name, email, password, token)
}

/// An image row uploaded by `user` with a file in the test server's folder; its name.
async fn stored_image(app: &TestApp, user: i32) -> (i32, String) {
    let name = uuid::Uuid::new_v4().to_string();
    std::fs::write(app.images_dir.path().join(&name), JPEG).unwrap();
    let mut c = app.db().await;
    let id: i32 = c
        .exec_first(
            "INSERT INTO images (uploader_id, file_name) VALUES (?, ?) RETURNING id",
            (user, &name),
        )
        .await
        .unwrap()
        .unwrap();
    (id, name)
}

async fn set_memory_image(app: &TestApp, memory: i64, image: i32) {
    let mut c = app.db().await;
    c.exec_drop(
        "UPDATE memories SET image_id = ? WHERE id = ?",
        (image, memory),
    )
    .await
    .unwrap();
}

async fn report_memory(app: &TestApp, memory: i64, user: i32) {
    let mut c = app.db().await;
    c.exec_drop(
        "INSERT INTO audit_memories (memory_id, user_id) VALUES (?, ?)",
        (memory, user),
    )
    .await
    .unwrap();
    // With its reason, as a report made through this API is stored.
    c.exec_drop(
        "INSERT INTO audit_memory_reasons (memory_id, user_id, reason) VALUES (?, ?, ?)",
        (memory, user, format!("reason of user {user}")),
    )
    .await
    .unwrap();
}

fn id_set(list: &Value) -> BTreeSet<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect()
}

fn int_set(list: &Value) -> BTreeSet<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

/// Two users with interleaved content; the export of one holds all of theirs and
/// nothing of the other's.
async fn export_holds_the_callers_rows_only(dynamodb: bool) {
    let app = app_on(dynamodb).await;
    let (a, a_name, a_email, a_password, a_token) = logged_in(&app, "expa").await;
    let (b, b_name, _, _, b_token) = logged_in(&app, "expb").await;
    let _second_a_session = app.log_in(&a_name, &a_password).await;
    app.send(
        Method::PATCH,
        "/me",
        Some(&a_token),
        Some(json!({"first_name": "Aino", "city": "Oulu"})),
    )
    .await
    .assert_status(204);
    let project = published_project(&app, &[a]).await;
    let other_project = published_project(&app, &[b]).await;
    let site = site(&app, &project, true, Some(a)).await;
    let a_pub = memory(&app, &site, Some(a), true).await;
    let b_pub = memory(&app, &site, Some(b), true).await;
    let a_unpub = memory(&app, &site, Some(a), false).await;
    let b_unpub = memory(&app, &site, Some(b), false).await;
    let a_on_b = comment(&app, b_pub, a, true).await;
    let b_on_a = comment(&app, a_pub, b, true).await;
    let a_unpub_comment = comment(&app, a_pub, a, false).await;
    let _b_on_b = comment(&app, b_pub, b, false).await;
    let (a_image, a_file) = stored_image(&app, a).await;
    set_memory_image(&app, a_pub, a_image).await;
    let (b_image, b_file) = stored_image(&app, b).await;
    set_memory_image(&app, b_pub, b_image).await;
    report_memory(&app, b_pub, a).await;
    report_memory(&app, a_pub, b).await;

    let r = app.get("/me/export", Some(&a_token)).await;
    r.assert_status(200);
    assert_eq!(r.header("cache-control"), Some("private, no-store"));
    let disposition = r.header("content-disposition").unwrap();
    assert!(
        disposition.starts_with("attachment; filename=\"muistot-export-")
            && disposition.ends_with(".json\""),
        "{disposition}"
    );
    let e = r.json();
    assert_eq!(e["account"]["username"], a_name.as_str());
    assert_eq!(e["account"]["email"], a_email.as_str());
    assert_eq!(e["account"]["verified"], true);
    assert_eq!(e["account"]["has_password"], true);
    assert_eq!(e["account"]["superuser"], false);
    assert_eq!(e["profile"]["first_name"], "Aino");
    assert_eq!(e["profile"]["city"], "Oulu");
    assert_eq!(e["admin_of"].as_array().unwrap().len(), 1);
    assert_eq!(e["admin_of"][0]["project"], project.as_str());
    assert_eq!(id_set(&e["memories"]), BTreeSet::from([a_pub, a_unpub]));
    assert_eq!(
        id_set(&e["comments"]),
        BTreeSet::from([a_on_b, a_unpub_comment])
    );
    let memories = e["memories"].as_array().unwrap();
    let published = memories.iter().find(|m| m["id"] == a_pub).unwrap();
    assert_eq!(published["project"], project.as_str());
    assert_eq!(published["site"], site.as_str());
    assert_eq!(published["published"], true);
    assert!(published["image"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/images/{a_file}")));
    let draft = memories.iter().find(|m| m["id"] == a_unpub).unwrap();
    assert_eq!(draft["published"], false);
    let on_b = e["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == a_on_b)
        .unwrap();
    assert_eq!(on_b["memory"], b_pub);
    assert_eq!(on_b["published"], true);
    assert_eq!(e["images"].as_array().unwrap().len(), 1);
    assert!(e["images"][0]["url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/images/{a_file}")));
    assert_eq!(int_set(&e["reports"]["memories"]), BTreeSet::from([b_pub]));
    assert_eq!(int_set(&e["reports"]["comments"]), BTreeSet::new());
    let reasons = e["reports"]["reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 1, "{reasons:?}");
    assert_eq!(reasons[0]["kind"], "memory");
    assert_eq!(reasons[0]["id"], b_pub);
    assert_eq!(reasons[0]["reason"], format!("reason of user {a}"));
    assert!(!e.to_string().contains(&format!("reason of user {b}")));
    assert_eq!(e["sessions"]["active"], 2);
    // Nothing of the other user: the id sets above are exact, and no name, file or
    // project of theirs appears anywhere.
    assert!(!id_set(&e["comments"]).contains(&b_on_a));
    let text = e.to_string();
    for foreign in [b_name.clone(), b_file.clone(), other_project.clone()] {
        assert!(!text.contains(&foreign), "{foreign} in {text}");
    }
    // The other user's export is theirs.
    let eb = app.get("/me/export", Some(&b_token)).await.json();
    assert_eq!(id_set(&eb["memories"]), BTreeSet::from([b_pub, b_unpub]));
    assert_eq!(eb["sessions"]["active"], 1);
    // Anonymous: 401.
    app.get("/me/export", None).await.assert_status(401);
}

#[tokio::test]
async fn export_holds_the_callers_rows_only_redis() {
    export_holds_the_callers_rows_only(false).await;
}

#[tokio::test]
async fn export_holds_the_callers_rows_only_dynamodb() {
    export_holds_the_callers_rows_only(true).await;
}

#[tokio::test]
async fn export_is_rate_limited_per_user() {
    let app = TestApp::spawn().await;
    let (_, _, token) = app.user("ratelim").await;
    let (_, _, other) = app.user("ratelim2").await;
    for _ in 0..5 {
        app.get("/me/export", Some(&token)).await.assert_status(200);
    }
    let r = app.get("/me/export", Some(&token)).await;
    r.assert_status(429);
    let retry: i64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=600).contains(&retry), "{retry}");
    assert_eq!(r.json()["error"]["code"], 429);
    // Another user is not limited by it.
    app.get("/me/export", Some(&other)).await.assert_status(200);
}

/// With the S3 store, an export past the response cap is a 303 to the same document kept
/// under the bucket's exports/ prefix; under the cap it is answered whole.
#[tokio::test]
async fn past_the_cap_the_export_is_kept_in_the_bucket() {
    let bucket = moto_bucket().await;
    let mut env = aws_env();
    env.push(("MUISTOT_IMAGES", format!("s3://{bucket}")));
    env.push(("MUISTOT_MAX_RESPONSE_BYTES", "600".into()));
    let app = TestApp::spawn_with(env).await;
    let (a, _, token) = app.user("bigexp").await;
    let small = app.get("/me/export", Some(&token)).await;
    small.assert_status(200);
    assert!(small.text.len() <= 600, "{}", small.text.len());
    let project = published_project(&app, &[]).await;
    let site = site(&app, &project, true, None).await;
    let m = memory(&app, &site, Some(a), true).await;
    let r = app.get("/me/export", Some(&token)).await;
    r.assert_status(303);
    assert_eq!(r.header("cache-control"), Some("private, no-store"));
    let url = r.header("location").unwrap().to_string();
    assert!(
        url.starts_with(&format!("{}/{bucket}/exports/", moto_url())),
        "{url}"
    );
    let file = reqwest::get(&url).await.unwrap();
    assert_eq!(file.status(), 200);
    let disposition = file.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment; filename=\"muistot-export-"));
    let e: Value = file.json().await.unwrap();
    assert_eq!(id_set(&e["memories"]), BTreeSet::from([m]));
}

/// The columns that reference `users.id`, from the schema's foreign keys.
async fn user_references(app: &TestApp) -> Vec<(String, String)> {
    let mut c = app.db().await;
    c.query(
        "SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE
         WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME = 'users'
           AND REFERENCED_COLUMN_NAME = 'id'",
    )
    .await
    .unwrap()
}

/// Rows anywhere that reference `user`, as "table.column" names.
async fn rows_referencing(app: &TestApp, user: i32) -> Vec<String> {
    let mut left = Vec::new();
    for (table, column) in user_references(app).await {
        let n: i64 = scalar(
            app,
            &format!("SELECT COUNT(*) FROM `{table}` WHERE `{column}` = ?"),
            (user,),
        )
        .await;
        if n > 0 {
            left.push(format!("{table}.{column}"));
        }
    }
    let own: i64 = scalar(app, "SELECT COUNT(*) FROM users WHERE id = ?", (user,)).await;
    if own > 0 {
        left.push("users.id".into());
    }
    left
}

/// The token of the newest deletion link mailed to `email`.
fn deletion_token(app: &TestApp, email: &str) -> String {
    let mail = app.outbox_mails_to(email).pop().expect("a deletion mail");
    let link = link_in(&mail, "http").filter(|l| l.contains("#delete-account:"));
    let link = link.unwrap_or_else(|| {
        let start = mail.find("#delete-account:").expect("a deletion link");
        mail[start..].split_whitespace().next().unwrap().to_string()
    });
    let query = &link[link.find("#delete-account:").unwrap() + "#delete-account:".len()..];
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap();
    pairs
        .into_iter()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v)
        .unwrap()
}

/// Deleting by a mailed link, keeping published content: the account and everything
/// personal goes, published content stays without an author, sessions end, the user
/// cannot log in again, and a repeated call is a 401.
async fn deletion_by_link_keeps_published_content(dynamodb: bool) {
    let app = app_on(dynamodb).await;
    let (a, a_name, a_email, a_password, token) = logged_in(&app, "dela").await;
    let other_session = app.log_in(&a_name, &a_password).await;
    let (b, _, _, _, b_token) = logged_in(&app, "delb").await;
    app.send(
        Method::PATCH,
        "/me",
        Some(&token),
        Some(json!({"last_name": "Virtanen"})),
    )
    .await
    .assert_status(204);
    let project = published_project(&app, &[a, b]).await;
    let site = site(&app, &project, true, Some(a)).await;
    let a_pub = memory(&app, &site, Some(a), true).await;
    let a_unpub = memory(&app, &site, Some(a), false).await;
    let b_pub = memory(&app, &site, Some(b), true).await;
    let a_pub_comment = comment(&app, b_pub, a, true).await;
    let a_unpub_comment = comment(&app, b_pub, a, false).await;
    let b_on_a = comment(&app, a_pub, b, true).await;
    let (kept_image, kept_file) = stored_image(&app, a).await;
    set_memory_image(&app, a_pub, kept_image).await;
    let (gone_image, gone_file) = stored_image(&app, a).await;
    set_memory_image(&app, a_unpub, gone_image).await;
    report_memory(&app, b_pub, a).await;
    // A login link asked for before the deletion must not work after it.
    let login_mail = app.request_link(&a_email).await;
    let (link_user, link_token, _) = login_link(&login_mail).unwrap();

    app.send(Method::POST, "/me/account/delete-link", Some(&token), None)
        .await
        .assert_status(204);
    let delete_token = deletion_token(&app, &a_email);
    // A wrong token is refused and changes nothing.
    app.send(
        Method::DELETE,
        "/me/account",
        Some(&token),
        Some(json!({"published": "keep", "token": "x".repeat(200)})),
    )
    .await
    .assert_status(403);
    app.send(
        Method::DELETE,
        "/me/account",
        Some(&token),
        Some(json!({"published": "keep", "token": delete_token})),
    )
    .await
    .assert_status(204);

    assert_eq!(rows_referencing(&app, a).await, Vec::<String>::new());
    let author: Option<i32> =
        scalar(&app, "SELECT user_id FROM memories WHERE id = ?", (a_pub,)).await;
    assert_eq!(author, None, "published memory kept without an author");
    let n: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM comments WHERE id = ? AND user_id IS NULL",
        (a_pub_comment,),
    )
    .await;
    assert_eq!(n, 1, "published comment kept without an author");
    let n: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM memories WHERE id = ?",
        (a_unpub,),
    )
    .await;
    assert_eq!(n, 0, "unpublished memory deleted");
    let n: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM comments WHERE id IN (?, ?)",
        (a_unpub_comment, b_on_a),
    )
    .await;
    assert_eq!(
        n, 1,
        "only the other user's comment on the kept memory stays"
    );
    let files = image_files(&app);
    assert!(files.contains(&kept_file), "the kept memory's image stays");
    assert!(
        !files.contains(&gone_file),
        "the unpublished memory's image is gone"
    );
    let n: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM images WHERE id = ?",
        (gone_image,),
    )
    .await;
    assert_eq!(n, 0);
    // Reads show the placeholder author.
    let m = app
        .get(&memory_path(&project, &site, a_pub), Some(&b_token))
        .await;
    m.assert_status(200);
    assert_eq!(m.json()["user"], "-");
    let list = app
        .get(&comments_path(&project, &site, b_pub), Some(&b_token))
        .await;
    list.assert_status(200);
    let kept = find_item(&list.json(), a_pub_comment).cloned().unwrap();
    assert_eq!(kept["user"], "-");

    // Every session ended; a repeat is a 401, never a 500.
    app.get("/me", Some(&token)).await.assert_status(401);
    app.get("/me", Some(&other_session))
        .await
        .assert_status(401);
    app.send(
        Method::DELETE,
        "/me/account",
        Some(&token),
        Some(json!({"published": "keep", "password": a_password})),
    )
    .await
    .assert_status(401);
    // No login: neither by password nor by the link mailed before.
    let r = app
        .password_login(
            "/login",
            json!({"username": a_name, "password": a_password}),
        )
        .await;
    assert!(r.header("authorization").is_none(), "{r:?}");
    assert!(r.status.is_client_error(), "{r:?}");
    let r = app.exchange_link(&link_user, &link_token).await;
    assert!(r.header("authorization").is_none(), "{r:?}");
    assert!(r.status.is_client_error(), "{r:?}");
    // The other user is untouched.
    app.get("/me", Some(&b_token)).await.assert_status(200);
}

#[tokio::test]
async fn deletion_by_link_keeps_published_content_redis() {
    deletion_by_link_keeps_published_content(false).await;
}

#[tokio::test]
async fn deletion_by_link_keeps_published_content_dynamodb() {
    deletion_by_link_keeps_published_content(true).await;
}

/// Deleting by password, deleting published content too.
async fn deletion_by_password_deletes_published_content(dynamodb: bool) {
    let app = app_on(dynamodb).await;
    let (a, _, _, password, token) = logged_in(&app, "pwdel").await;
    let (b, _, _, _, _) = logged_in(&app, "pwdelb").await;
    let project = published_project(&app, &[b]).await;
    let site = site(&app, &project, true, Some(b)).await;
    let a_pub = memory(&app, &site, Some(a), true).await;
    let b_pub = memory(&app, &site, Some(b), true).await;
    let a_comment = comment(&app, b_pub, a, true).await;
    let (image, file) = stored_image(&app, a).await;
    set_memory_image(&app, a_pub, image).await;

    let wrong = app
        .send(
            Method::DELETE,
            "/me/account",
            Some(&token),
            Some(json!({"published": "delete", "password": "not it at all"})),
        )
        .await;
    wrong.assert_status(403);
    // Neither or both confirmations, or no choice: 422.
    for body in [
        json!({"published": "delete"}),
        json!({"published": "delete", "password": password, "token": "t"}),
        json!({"password": password}),
        json!({"published": "maybe", "password": password}),
    ] {
        app.send(Method::DELETE, "/me/account", Some(&token), Some(body))
            .await
            .assert_status(422);
    }
    app.send(
        Method::DELETE,
        "/me/account",
        Some(&token),
        Some(json!({"published": "delete", "password": password})),
    )
    .await
    .assert_status(204);
    assert_eq!(rows_referencing(&app, a).await, Vec::<String>::new());
    let n: i64 = scalar(&app, "SELECT COUNT(*) FROM memories WHERE id = ?", (a_pub,)).await;
    assert_eq!(n, 0);
    let n: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM comments WHERE id = ?",
        (a_comment,),
    )
    .await;
    assert_eq!(n, 0);
    assert!(!image_files(&app).contains(&file));
    let n: i64 = scalar(&app, "SELECT COUNT(*) FROM memories WHERE id = ?", (b_pub,)).await;
    assert_eq!(n, 1, "the other user's memory stays");
    app.get("/me", Some(&token)).await.assert_status(401);
}

#[tokio::test]
async fn deletion_by_password_deletes_published_content_redis() {
    deletion_by_password_deletes_published_content(false).await;
}

#[tokio::test]
async fn deletion_by_password_deletes_published_content_dynamodb() {
    deletion_by_password_deletes_published_content(true).await;
}

/// A deletion link and a login link of one user live side by side: asking for one
/// neither replaces nor uses the other, and a login token does not delete the account.
#[tokio::test]
async fn deletion_and_login_links_do_not_replace_each_other() {
    let app = TestApp::spawn().await;
    let (_, _, email, _, token) = logged_in(&app, "twolinks").await;
    let login_mail = app.request_link(&email).await;
    let (user, login_token, _) = login_link(&login_mail).unwrap();
    app.send(Method::POST, "/me/account/delete-link", Some(&token), None)
        .await
        .assert_status(204);
    let delete_token = deletion_token(&app, &email);
    assert_ne!(delete_token, login_token);
    app.send(
        Method::DELETE,
        "/me/account",
        Some(&token),
        Some(json!({"published": "keep", "token": login_token})),
    )
    .await
    .assert_status(403);
    app.exchange_link(&user, &login_token)
        .await
        .assert_status(200);
    app.get("/me", Some(&token)).await.assert_status(200);
}

#[tokio::test]
async fn an_expired_deletion_link_is_refused() {
    let app = TestApp::spawn().await;
    let (a, _, email, _, token) = logged_in(&app, "expired").await;
    app.send(Method::POST, "/me/account/delete-link", Some(&token), None)
        .await
        .assert_status(204);
    let delete_token = deletion_token(&app, &email);
    let mut c = app.db().await;
    c.exec_drop(
        "UPDATE account_deletion_verifiers SET created_at = NOW() - INTERVAL 10 MINUTE \
         WHERE user_id = ?",
        (a,),
    )
    .await
    .unwrap();
    app.send(
        Method::DELETE,
        "/me/account",
        Some(&token),
        Some(json!({"published": "keep", "token": delete_token})),
    )
    .await
    .assert_status(403);
    app.get("/me", Some(&token)).await.assert_status(200);
}

/// In a database of its own (the shared one has superusers from other tests): the only
/// admin of a project cannot leave while no other superuser exists; a superuser lets them.
#[tokio::test]
async fn the_last_admin_of_a_project_cannot_vanish() {
    let url = new_database_url(Some("account"));
    create_migrated_database(&url);
    let app = TestApp::spawn_with(vec![("MUISTOT_DATABASE_URL", url.clone())]).await;
    let mut c = mysql_async::Conn::from_url(url.as_str()).await.unwrap();
    let hash = muistot::passwords::hash("correct horse".into(), 4)
        .await
        .unwrap();
    let admin = add_user(&mut c, "lastadmin", &hash).await;
    let other = add_user(&mut c, "otheruser", &hash).await;
    for (name, admins) in [("yksin", vec![admin]), ("kaksin", vec![admin, other])] {
        let id: i32 = c
            .exec_first(
                "INSERT INTO projects (name, default_language_id, published)
                 SELECT ?, id, 1 FROM languages WHERE lang = 'fi' RETURNING id",
                (name,),
            )
            .await
            .unwrap()
            .unwrap();
        for a in admins {
            c.exec_drop(
                "INSERT INTO project_admins (project_id, user_id) VALUES (?, ?)",
                (id, a),
            )
            .await
            .unwrap();
        }
    }
    let token = app.log_in("lastadmin", "correct horse").await;
    let body = json!({"published": "keep", "password": "correct horse"});
    let r = app
        .send(
            Method::DELETE,
            "/me/account",
            Some(&token),
            Some(body.clone()),
        )
        .await;
    r.assert_status(409);
    assert_eq!(r.error_message(), "Last admin of projects: yksin");
    let n: i64 = scalar_in(&mut c, "SELECT COUNT(*) FROM users WHERE id = ?", admin).await;
    assert_eq!(n, 1, "nothing deleted");
    // A superuser of its own does not count: it goes with the account.
    c.exec_drop("INSERT INTO superusers (user_id) VALUES (?)", (admin,))
        .await
        .unwrap();
    app.send(
        Method::DELETE,
        "/me/account",
        Some(&token),
        Some(body.clone()),
    )
    .await
    .assert_status(409);
    // Another superuser remains: the account may go.
    c.exec_drop("INSERT INTO superusers (user_id) VALUES (?)", (other,))
        .await
        .unwrap();
    app.send(Method::DELETE, "/me/account", Some(&token), Some(body))
        .await
        .assert_status(204);
    let n: i64 = scalar_in(
        &mut c,
        "SELECT COUNT(*) FROM project_admins WHERE user_id = ?",
        admin,
    )
    .await;
    assert_eq!(n, 0);
    let n: i64 = scalar_in(&mut c, "SELECT COUNT(*) FROM users WHERE id = ?", admin).await;
    assert_eq!(n, 0);
}

/// Two admins of one project deleting their accounts at once: one goes, the other is
/// refused as the last admin (the admin rows are locked while they are judged).
#[tokio::test]
async fn two_admins_leaving_at_once_leave_one_behind() {
    let url = new_database_url(Some("account_race"));
    create_migrated_database(&url);
    let app = TestApp::spawn_with(vec![("MUISTOT_DATABASE_URL", url.clone())]).await;
    let mut c = mysql_async::Conn::from_url(url.as_str()).await.unwrap();
    let hash = muistot::passwords::hash("correct horse".into(), 4)
        .await
        .unwrap();
    let first = add_user(&mut c, "ensimmainen", &hash).await;
    let second = add_user(&mut c, "toinen", &hash).await;
    let project: i32 = c
        .exec_first(
            "INSERT INTO projects (name, default_language_id, published)
             SELECT 'pari', id, 1 FROM languages WHERE lang = 'fi' RETURNING id",
            (),
        )
        .await
        .unwrap()
        .unwrap();
    for user in [first, second] {
        c.exec_drop(
            "INSERT INTO project_admins (project_id, user_id) VALUES (?, ?)",
            (project, user),
        )
        .await
        .unwrap();
    }
    let t1 = app.log_in("ensimmainen", "correct horse").await;
    let t2 = app.log_in("toinen", "correct horse").await;
    let body = json!({"published": "keep", "password": "correct horse"});
    let (r1, r2) = tokio::join!(
        app.send(Method::DELETE, "/me/account", Some(&t1), Some(body.clone())),
        app.send(Method::DELETE, "/me/account", Some(&t2), Some(body.clone())),
    );
    let mut statuses = [r1.status.as_u16(), r2.status.as_u16()];
    statuses.sort_unstable();
    assert_eq!(statuses, [204, 409], "{r1:?} {r2:?}");
    let admins: i64 = scalar_in(
        &mut c,
        "SELECT COUNT(*) FROM project_admins WHERE project_id = ?",
        project,
    )
    .await;
    assert_eq!(admins, 1);
}

async fn add_user(c: &mut mysql_async::Conn, name: &str, hash: &str) -> i32 {
    c.exec_first(
        "INSERT INTO users (username, email, password_hash, verified) VALUES (?, ?, ?, 1) \
         RETURNING id",
        (name, format!("{name}@example.com"), hash.as_bytes()),
    )
    .await
    .unwrap()
    .unwrap()
}

async fn scalar_in(c: &mut mysql_async::Conn, sql: &str, id: i32) -> i64 {
    c.exec_first(sql, (id,)).await.unwrap().unwrap()
}

/// `count` of every shared store: live sessions of one user only.
async fn count_suite(store: Arc<dyn SessionStore>) {
    let alice = unique_name("alice");
    let bob = unique_name("bob");
    assert_eq!(store.count(&alice).await.unwrap(), 0);
    let a1 = store.create(&SessionData::for_user(&alice)).await.unwrap();
    let _a2 = store.create(&SessionData::for_user(&alice)).await.unwrap();
    let _b1 = store.create(&SessionData::for_user(&bob)).await.unwrap();
    assert_eq!(store.count(&alice).await.unwrap(), 2);
    assert_eq!(store.count(&bob).await.unwrap(), 1);
    store.end(&a1, &alice).await.unwrap();
    assert_eq!(store.count(&alice).await.unwrap(), 1);
    store.end_all(&alice).await.unwrap();
    assert_eq!(store.count(&alice).await.unwrap(), 0);
    assert_eq!(store.count(&bob).await.unwrap(), 1);
}

#[tokio::test]
async fn session_count_redis() {
    count_suite(Arc::new(redis_store(960).await)).await;
}

#[tokio::test]
async fn session_count_dynamodb() {
    let table = dynamodb_table().await;
    count_suite(Arc::new(DynamoDbSessionStore::new(
        &sdk_config().await,
        table,
        960,
    )))
    .await;
}
