//! Memories: flags, visibility, placeholders, writes.

use muistot_tests::*;
use mysql_async::prelude::*;

#[tokio::test]
async fn create_list_and_read() {
    let app = TestApp::spawn().await;
    let (author, author_name, token) = app.user("mauth").await;
    let (_, _, other_token) = app.user("moth").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let path = memories_path(&p, &s);

    app.send(Method::POST, &path, None, Some(json!({"title": "t"})))
        .await
        .assert_status(401);
    // 422 before 401, and a title is required (null too).
    let r = app
        .send(Method::POST, &path, None, Some(json!({"story": "s"})))
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["body", "title"]));
    let r = app
        .send(
            Method::POST,
            &path,
            Some(&token),
            Some(json!({"title": null})),
        )
        .await;
    r.assert_status(422);
    let r = app
        .send(
            Method::POST,
            &path,
            Some(&token),
            Some(json!({"title": "", "story": null})),
        )
        .await;
    r.assert_status(201);
    let loc = r.location_path().unwrap();
    let id = r.location_id().unwrap();
    assert_eq!(loc, memory_path(&p, &s, id));
    // Not auto-published: the author sees it waiting, others do not see it.
    let r = app.get(&loc, Some(&token)).await;
    r.assert_status(200);
    let m = r.json();
    assert_eq!(m["user"], json!(author_name));
    assert_eq!(m["title"], json!(""));
    assert!(m.get("story").is_none());
    assert_eq!(m["own"], json!(true));
    assert_eq!(m["waiting_approval"], json!(true));
    assert_eq!(m["comments_count"], json!(0));
    assert!(m["modified_at"].as_str().unwrap().len() == 19);
    app.get(&loc, None).await.assert_status(404);
    app.get(&loc, Some(&other_token)).await.assert_status(404);

    for _ in 0..3 {
        memory(&app, &s, Some(author), true).await;
    }
    let anon = app.get(&path, None).await.json();
    assert_eq!(items(&anon).len(), 3);
    let first = &anon["items"][0];
    assert!(first.get("own").is_none() && first.get("waiting_approval").is_none());
    let mine = app.get(&path, Some(&token)).await.json();
    assert_eq!(items(&mine).len(), 4);
    assert_eq!(mine["items"][1]["waiting_approval"], json!(false));
    let theirs = app.get(&path, Some(&other_token)).await.json();
    assert_eq!(items(&theirs).len(), 3);
    assert_eq!(theirs["items"][0]["own"], json!(false));
    assert!(theirs["items"][0].get("waiting_approval").is_none());

    let r = app.get(&memory_path(&p, &s, 0), None).await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["path", "memory"]));
    app.get(&format!("{path}/abc"), None)
        .await
        .assert_status(422);
    let r = app.get(&memory_path(&p, &s, 99_999_999), None).await;
    r.assert_status(404);
    assert_eq!(r.error_message(), "Memory not found");
}

#[tokio::test]
async fn admins_and_superusers_see_unpublished_memories() {
    let app = TestApp::spawn().await;
    let (admin, _, admin_token) = app.user("madm").await;
    let (author, _, _) = app.user("mauth").await;
    let (_, _, su_token) = app.superuser().await;
    let p = published_project(&app, &[admin]).await;
    let s = site(&app, &p, true, None).await;
    let hidden = memory(&app, &s, Some(author), false).await;
    let shown = memory(&app, &s, Some(author), true).await;
    for token in [&admin_token, &su_token] {
        let r = app.get(&memory_path(&p, &s, hidden), Some(token)).await;
        r.assert_status(200);
        assert_eq!(r.json()["waiting_approval"], json!(true));
        assert_eq!(r.json()["own"], json!(false));
        let l = app.get(&memories_path(&p, &s), Some(token)).await.json();
        assert_eq!(ids(&l), vec![json!(hidden), json!(shown)]);
        // Admins see `waiting_approval` only on unpublished memories.
        assert!(l["items"][1].get("waiting_approval").is_none());
    }
}

#[tokio::test]
async fn parents_hide_memories_except_for_their_authors() {
    let app = TestApp::spawn().await;
    let (author, _, author_token) = app.user("mauth").await;
    let (creator, _, creator_token) = app.user("mcrea").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, false, Some(creator)).await;
    let m = memory(&app, &s, Some(author), true).await;
    let r = app.get(&memories_path(&p, &s), None).await;
    r.assert_status(404);
    assert_eq!(r.error_message(), "Site not found");
    app.get(&memory_path(&p, &s, m), None)
        .await
        .assert_status(404);
    // The memory's author passes the hidden parent; the site's creator sees the list.
    app.get(&memory_path(&p, &s, m), Some(&author_token))
        .await
        .assert_status(200);
    let l = app.get(&memories_path(&p, &s), Some(&creator_token)).await;
    l.assert_status(200);
    assert_eq!(ids(&l.json()), vec![json!(m)]);
    // A missing project is named as such, even for a missing site.
    let r = app
        .get(&memories_path("no-such-project", "no-such-site"), None)
        .await;
    r.assert_status(404);
    assert_eq!(r.error_message(), "Project not found");
    // Creating under a hidden site: 404 unless the caller can see it.
    let (_, _, other_token) = app.user("mother").await;
    app.send(
        Method::POST,
        &memories_path(&p, &s),
        Some(&other_token),
        Some(json!({"title": "t"})),
    )
    .await
    .assert_status(404);
    app.send(
        Method::POST,
        &memories_path(&p, &s),
        Some(&creator_token),
        Some(json!({"title": "t"})),
    )
    .await
    .assert_status(201);
}

#[tokio::test]
async fn modify_by_the_author_only() {
    let app = TestApp::spawn().await;
    let (admin, _, admin_token) = app.user("madm").await;
    let (author, _, token) = app.user("mauth").await;
    let (_, _, other_token) = app.user("moth").await;
    let p = published_project(&app, &[admin]).await;
    let s = site(&app, &p, true, None).await;
    let m = memory(&app, &s, Some(author), true).await;
    let path = memory_path(&p, &s, m);

    app.send(Method::PATCH, &path, Some(&token), Some(json!({})))
        .await
        .assert_status(304);
    // A title cannot be removed.
    let r = app
        .send(
            Method::PATCH,
            &path,
            Some(&token),
            Some(json!({"title": null})),
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["body", "title"]));
    let r = app
        .send(
            Method::PATCH,
            &path,
            Some(&token),
            Some(json!({"title": "Uusi", "story": null})),
        )
        .await;
    r.assert_status(204);
    assert_eq!(r.location_path().unwrap(), path);
    let body = app.get(&path, None).await.json();
    assert_eq!(body["title"], json!("Uusi"));
    assert!(body.get("story").is_none());
    // Same values again: still a change (204).
    app.send(
        Method::PATCH,
        &path,
        Some(&token),
        Some(json!({"title": "Uusi"})),
    )
    .await
    .assert_status(204);
    for t in [&admin_token, &other_token] {
        let r = app
            .send(Method::PATCH, &path, Some(t), Some(json!({"title": "x"})))
            .await;
        r.assert_status(403);
    }
    let hidden = memory(&app, &s, Some(author), false).await;
    app.send(
        Method::PATCH,
        &memory_path(&p, &s, hidden),
        Some(&other_token),
        Some(json!({"title": "x"})),
    )
    .await
    .assert_status(404);
    // Editing keeps the published state.
    let published: bool = scalar(&app, "SELECT published FROM memories WHERE id = ?", (m,)).await;
    assert!(published);
}

#[tokio::test]
async fn soft_deleted_memories_read_as_placeholders() {
    let app = TestApp::spawn().await;
    let (admin, _, admin_token) = app.user("madm").await;
    let (author, _, token) = app.user("mauth").await;
    let (_, _, other_token) = app.user("moth").await;
    let (_, _, su_token) = app.superuser().await;
    let p = published_project(&app, &[admin]).await;
    let s = site(&app, &p, true, None).await;
    let m = memory(&app, &s, Some(author), true).await;
    comment(&app, m, author, true).await;
    let path = memory_path(&p, &s, m);
    app.send(Method::DELETE, &path, Some(&other_token), None)
        .await
        .assert_status(403);
    app.send(Method::DELETE, &path, None, None)
        .await
        .assert_status(401);
    for _ in 0..2 {
        let r = app.send(Method::DELETE, &path, Some(&token), None).await;
        r.assert_status(204);
        assert_eq!(r.location_path().unwrap(), memories_path(&p, &s));
    }
    // Reads keep working and show placeholders; counts stay
    // (docs/compatibility.md#deleted-memories-and-authors-read-as-placeholders).
    let r = app.get(&path, None).await;
    r.assert_status(200);
    let body = r.json();
    assert_eq!(
        (
            body["title"].clone(),
            body["story"].clone(),
            body["user"].clone()
        ),
        (json!("-"), json!("-"), json!("-"))
    );
    assert!(body.get("image").is_none());
    assert_eq!(body["comments_count"], json!(1));
    let r = app
        .get(
            &format!("{}?include_comments=true", memories_path(&p, &s)),
            Some(&token),
        )
        .await;
    r.assert_status(200);
    assert_eq!(r.json()["items"][0]["own"], json!(true));
    assert_eq!(ids_of(&r.json()["items"][0]["comments"]).len(), 1);
    let site_body = app
        .get(
            &format!("{}?include_memories=true", site_path(&p, &s)),
            None,
        )
        .await;
    site_body.assert_status(200);
    assert_eq!(site_body.json()["memories_count"], json!(1));
    // Admins and superusers may delete too.
    for t in [&admin_token, &su_token] {
        let m2 = memory(&app, &s, Some(author), true).await;
        app.send(Method::DELETE, &memory_path(&p, &s, m2), Some(t), None)
            .await
            .assert_status(204);
    }
}

#[tokio::test]
async fn memories_of_deleted_accounts_stay_readable() {
    let app = TestApp::spawn().await;
    let (gone, _, _) = app.user("mgone").await;
    let (_, _, token) = app.user("mread").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let m = memory(&app, &s, Some(gone), true).await;
    let mut c = app.db().await;
    c.exec_drop("DELETE FROM users WHERE id = ?", (gone,))
        .await
        .unwrap();
    for t in [None, Some(token.as_str())] {
        let r = app.get(&memory_path(&p, &s, m), t).await;
        r.assert_status(200);
        assert_eq!(r.json()["user"], json!("-"));
        assert_eq!(r.json()["title"], json!("Muisto"));
        let l = app.get(&memories_path(&p, &s), t).await;
        l.assert_status(200);
        assert_eq!(l.json()["items"][0]["user"], json!("-"));
    }
}

#[tokio::test]
async fn embedded_comments_use_the_callers_view() {
    let app = TestApp::spawn().await;
    let (author, _, token) = app.user("mauth").await;
    let (other, _, other_token) = app.user("moth").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let shown = memory(&app, &s, Some(other), true).await;
    let own_hidden = memory(&app, &s, Some(author), false).await;
    let c1 = comment(&app, shown, other, true).await;
    let c2 = comment(&app, shown, author, false).await;
    let c3 = comment(&app, own_hidden, author, false).await;
    comment(&app, shown, other, false).await;

    // The author's own unpublished memory does not break the list, and their own
    // unpublished comments show with their flags
    // (docs/compatibility.md#embedded-lists-follow-the-callers-view).
    let r = app
        .get(
            &format!("{}?include_comments=true", memories_path(&p, &s)),
            Some(&token),
        )
        .await;
    r.assert_status(200);
    let list = r.json();
    let memories = items(&list);
    assert_eq!(memories.len(), 2);
    assert_eq!(ids_of(&memories[0]["comments"]), vec![json!(c1), json!(c2)]);
    assert_eq!(memories[0]["comments"][1]["waiting_approval"], json!(true));
    assert_eq!(memories[0]["comments"][0]["own"], json!(false));
    assert_eq!(ids_of(&memories[1]["comments"]), vec![json!(c3)]);
    let r = app
        .get(
            &format!("{}?include_comments=true", memories_path(&p, &s)),
            None,
        )
        .await;
    let list = r.json();
    let memories = items(&list);
    assert_eq!(memories.len(), 1);
    assert_eq!(ids_of(&memories[0]["comments"]), vec![json!(c1)]);
    assert!(memories[0]["comments"][0].get("own").is_none());
    // The single read too, on one's own unpublished memory.
    let r = app
        .get(
            &format!("{}?include_comments=yes", memory_path(&p, &s, own_hidden)),
            Some(&token),
        )
        .await;
    r.assert_status(200);
    assert_eq!(r.json()["comments"][0]["id"], json!(c3));
    let r = app
        .get(
            &format!("{}?include_comments=maybe", memory_path(&p, &s, shown)),
            Some(&other_token),
        )
        .await;
    r.assert_status(422);
}
