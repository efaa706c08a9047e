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
    let mut c = app.db().await;
    let holders: i64 = c
        .exec_first("SELECT COUNT(*) FROM users WHERE username = ?", (&target,))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(holders, 1);
    // the losers are still logged in under their old names
    let still_in = {
        let mut n = 0;
        for (_, _, token) in &users {
            if app.get("/me", Some(token)).await.status == 200 {
                n += 1;
            }
        }
        n
    };
    assert_eq!(still_in, 9);
}
