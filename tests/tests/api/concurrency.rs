//! Races: parallel requests on the same data end consistent, without 500s.

use std::sync::Arc;

use muistot_tests::*;
use mysql_async::prelude::Queryable;

#[tokio::test]
async fn parallel_renames_to_one_username() {
    let app = Arc::new(TestApp::spawn().await);
    let target = unique_name("wanted");
    let mut users = Vec::new();
    for _ in 0..10 {
        users.push(app.user("renamer").await);
    }
    let mut handles = Vec::new();
    for (_, _, token) in &users {
        let app = app.clone();
        let token = token.clone();
        let path = format!("/me/username?username={}", target.replace('#', "%23"));
        handles.push(tokio::spawn(async move {
            app.send(Method::POST, &path, Some(&token), None).await
        }));
    }
    let mut statuses = Vec::new();
    for h in handles {
        statuses.push(h.await.unwrap().status.as_u16());
    }
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|s| **s == 204).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        9,
        "{statuses:?}"
    );
    let holders: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM users WHERE username = ?",
        (&target,),
    )
    .await;
    assert_eq!(holders, 1);
    // the losers are still logged in under their old names, the winner under the new one
    let still_in = {
        let mut n = 0;
        for (_, _, token) in &users {
            if app.get("/me", Some(token)).await.status == 200 {
                n += 1;
            }
        }
        n
    };
    assert_eq!(still_in, 10);
}

/// Twenty memories created at once at one site (ten users, two each): every one is a 201
/// with its own Location, exactly twenty rows exist, and the site's `memories_count` is the
/// number of published rows (all of them: new content is published at once here).
#[tokio::test]
async fn parallel_memory_creates_at_one_site() {
    let app = Arc::new(auto_publish_app().await);
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let mut tokens = Vec::new();
    for _ in 0..10 {
        tokens.push(app.user("poster").await.2);
    }
    let path = memories_path(&p, &s);
    let mut handles = Vec::new();
    for i in 0..20 {
        let app = app.clone();
        let path = path.clone();
        let token = tokens[i % tokens.len()].clone();
        handles.push(tokio::spawn(async move {
            let body = json!({"title": format!("Muisto {i}"), "story": "Rinnakkain"});
            app.send(Method::POST, &path, Some(&token), Some(body))
                .await
        }));
    }
    let mut locations = std::collections::BTreeSet::new();
    for h in handles {
        let r = h.await.unwrap();
        r.assert_status(201);
        locations.insert(r.location_path().unwrap());
    }
    assert_eq!(locations.len(), 20, "{locations:?}");
    let mut c = app.db().await;
    let rows: Vec<(i64, bool)> = c
        .exec(
            "SELECT m.id, m.published FROM memories m JOIN sites s ON s.id = m.site_id
             WHERE s.name = ? ORDER BY m.id",
            (&s,),
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 20);
    let from_db: std::collections::BTreeSet<String> =
        rows.iter().map(|(id, _)| format!("{path}/{id}")).collect();
    assert_eq!(from_db, locations);
    let published = rows.iter().filter(|(_, p)| *p).count();
    assert_eq!(published, 20);
    let site = app.get(&site_path(&p, &s), None).await;
    site.assert_status(200);
    assert_eq!(site.json()["memories_count"], json!(published));
}

/// Sends `n` publish orders at once, alternating the flag and the admin; returns statuses.
async fn publish_race(
    app: &Arc<TestApp>,
    tokens: &[String; 2],
    order: impl Fn(bool) -> Value,
    n: usize,
) -> Vec<u16> {
    let mut handles = Vec::new();
    for i in 0..n {
        let app = app.clone();
        let token = tokens[i % 2].clone();
        let body = order((i / 2) % 2 == 0);
        handles.push(tokio::spawn(async move {
            let r = app
                .send(Method::POST, "/admin/publish", Some(&token), Some(body))
                .await;
            (r.status.as_u16(), r.text)
        }));
    }
    let mut statuses = Vec::new();
    for h in handles {
        let (status, text) = h.await.unwrap();
        assert!(status == 204 || status == 304, "{status}: {text}");
        statuses.push(status);
    }
    statuses
}

/// Two admins publish and unpublish one memory and one site at once. Every answer is 204
/// or 304, and the answers are consistent with one serial order: starting unpublished,
/// each 204 flipped the flag, so it ends published exactly when the 204s are odd. One
/// more publish then answers 204 exactly when the stored flag was off.
#[tokio::test]
async fn parallel_publish_and_unpublish_by_two_admins() {
    let app = Arc::new(TestApp::spawn().await);
    let (a, _, a_token) = app.user("puba").await;
    let (b, _, b_token) = app.user("pubb").await;
    let tokens = [a_token, b_token];
    let p = published_project(&app, &[a, b]).await;
    let s = site(&app, &p, false, None).await;
    let m = memory(&app, &s, None, false).await;

    let memory_order = |publish: bool| {
        json!({"type": "memory", "identifier": m, "parents": {"project": p, "site": s},
               "publish": publish})
    };
    let site_order = |publish: bool| json!({"type": "site", "identifier": s, "parents": {"project": p}, "publish": publish});
    let memory_flag = "SELECT published FROM memories WHERE id = ?";
    let site_flag = "SELECT published FROM sites WHERE name = ?";

    let statuses = publish_race(&app, &tokens, memory_order, 20).await;
    let flips = statuses.iter().filter(|s| **s == 204).count();
    assert!(flips >= 1, "{statuses:?}");
    let stored: bool = scalar(&app, memory_flag, (m,)).await;
    assert_eq!(stored, flips % 2 == 1, "memory: {statuses:?}");
    let r = app
        .send(
            Method::POST,
            "/admin/publish",
            Some(&tokens[0]),
            Some(memory_order(true)),
        )
        .await;
    r.assert_status(if stored { 304 } else { 204 });
    assert!(scalar::<bool>(&app, memory_flag, (m,)).await);

    let statuses = publish_race(&app, &tokens, site_order, 20).await;
    let flips = statuses.iter().filter(|s| **s == 204).count();
    assert!(flips >= 1, "{statuses:?}");
    let stored: bool = scalar(&app, site_flag, (&s,)).await;
    assert_eq!(stored, flips % 2 == 1, "site: {statuses:?}");
    let r = app
        .send(
            Method::POST,
            "/admin/publish",
            Some(&tokens[1]),
            Some(site_order(true)),
        )
        .await;
    r.assert_status(if stored { 304 } else { 204 });
    assert!(scalar::<bool>(&app, site_flag, (&s,)).await);
}
