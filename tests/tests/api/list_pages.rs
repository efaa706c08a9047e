//! The memory and comment lists in pages: keyset cursors bound to the parent, the `Link`
//! header and the response size cap (docs/api-conventions.md#pages).

use muistot_tests::*;

/// The path and query of the `Link: <…>; rel="next"` header, checked for form.
#[track_caller]
fn next_link(r: &Resp) -> Option<String> {
    let link = r.header("link")?;
    let (url, rel) = link.split_once(">; ").unwrap();
    assert_eq!(rel, "rel=\"next\"", "{link}");
    let url = url.strip_prefix('<').unwrap();
    let rest = url.strip_prefix("http://").unwrap();
    Some(rest[rest.find('/').unwrap()..].to_string())
}

fn item_ids(r: &Resp) -> Vec<i64> {
    items(&r.json())
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

/// Walks a list from `first` by `next` (checking the `Link` header names the same page),
/// calling `insert` after each page; gives the ids seen and the ids inserted.
async fn walk<F, Fut>(app: &TestApp, first: String, mut insert: F) -> (Vec<i64>, Vec<i64>)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = i64>,
{
    let mut seen = Vec::new();
    let mut inserted = Vec::new();
    let mut path = first;
    for _ in 0..100 {
        let r = app.get(&path, None).await;
        r.assert_status(200);
        let v = r.json();
        assert!(v.as_object().unwrap().contains_key("next"), "{}", r.text);
        seen.extend(item_ids(&r));
        inserted.push(insert().await);
        match v["next"].as_str() {
            None => {
                assert!(r.header("link").is_none());
                return (seen, inserted);
            }
            Some(next) => {
                let link = next_link(&r).expect("Link with next");
                assert!(link.contains(&format!("cursor={next}")), "{link}");
                path = link;
            }
        }
    }
    panic!("no last page");
}

/// Every id once: the ones there before, and those inserted before the last page.
#[track_caller]
fn assert_walked(seen: &[i64], before: &[i64], inserted: &[i64]) {
    let mut want = before.to_vec();
    want.extend(&inserted[..inserted.len() - 1]);
    assert_eq!(seen, want);
}

#[tokio::test]
async fn memory_pages_walk_every_memory_once_while_memories_are_inserted() {
    let app = TestApp::spawn().await;
    let (user, _, _) = app.user("lpmem").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let mut before = Vec::new();
    for i in 0..7 {
        before.push(memory(&app, &s, Some(user), true).await);
        // Unlisted for an anonymous caller: never in a page.
        if i % 3 == 0 {
            memory(&app, &s, Some(user), false).await;
        }
    }
    let path = memories_path(&p, &s);
    let first = format!("{path}?limit=3");
    let (seen, inserted) = walk(&app, first, || memory(&app, &s, Some(user), true)).await;
    assert_walked(&seen, &before, &inserted);
    // The comments ride along, and the Link keeps include_comments.
    let r = app
        .get(&format!("{path}?include_comments=true&limit=2"), None)
        .await;
    r.assert_status(200);
    assert_eq!(item_ids(&r), before[..2]);
    assert!(items(&r.json())[0]["comments"].is_array(), "{}", r.text);
    let link = next_link(&r).unwrap();
    assert!(link.contains("include_comments=true"), "{link}");
    // A cursor alone pages by 100; without limit and cursor the original shape.
    let next = r.json()["next"].as_str().unwrap().to_string();
    let r = app.get(&format!("{path}?cursor={next}"), None).await;
    r.assert_status(200);
    assert_eq!(r.json()["next"], Value::Null);
    assert_eq!(item_ids(&r).len(), before.len() + inserted.len() - 2);
    let r = app.get(&path, None).await;
    assert!(r.json().get("next").is_none() && r.header("link").is_none());
}

#[tokio::test]
async fn comment_pages_walk_every_comment_once_while_comments_are_inserted() {
    let app = TestApp::spawn().await;
    let (user, _, _) = app.user("lpcom").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let m = memory(&app, &s, Some(user), true).await;
    let mut before = Vec::new();
    for i in 0..8 {
        before.push(comment(&app, m, user, true).await);
        if i % 3 == 0 {
            comment(&app, m, user, false).await;
        }
    }
    let path = comments_path(&p, &s, m);
    let (seen, inserted) = walk(&app, format!("{path}?limit=3"), || {
        comment(&app, m, user, true)
    })
    .await;
    assert_walked(&seen, &before, &inserted);
    let r = app.get(&path, None).await;
    r.assert_status(200);
    assert!(r.json().get("next").is_none() && r.header("link").is_none());
    assert_eq!(item_ids(&r).len(), before.len() + inserted.len());
}

#[tokio::test]
async fn tampered_and_foreign_cursors_are_422() {
    let app = TestApp::spawn().await;
    let (user, _, _) = app.user("lpcur").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let t = site(&app, &p, true, None).await;
    let m = memory(&app, &s, Some(user), true).await;
    let n = memory(&app, &s, Some(user), true).await;
    for _ in 0..3 {
        memory(&app, &t, Some(user), true).await;
        comment(&app, m, user, true).await;
        comment(&app, n, user, true).await;
    }
    let cursor = |path: String| {
        let app = &app;
        async move {
            let r = app.get(&format!("{path}?limit=1"), None).await;
            r.assert_status(200);
            r.json()["next"].as_str().unwrap().to_string()
        }
    };
    for (mine, foreign) in [
        (memories_path(&p, &t), memories_path(&p, &s)),
        (comments_path(&p, &s, n), comments_path(&p, &s, m)),
    ] {
        let next = cursor(mine.clone()).await;
        // Another site's or memory's cursor.
        let r = app.get(&format!("{foreign}?cursor={next}"), None).await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["query", "cursor"]));
        // Edited, cut, or not a cursor at all.
        let mut edited: Vec<char> = next.chars().collect();
        edited[3] = if edited[3] == 'A' { 'B' } else { 'A' };
        let edited: String = edited.into_iter().collect();
        for bad in [edited.as_str(), &next[..10], "x", "%20"] {
            let r = app.get(&format!("{mine}?cursor={bad}"), None).await;
            r.assert_status(422);
            assert_eq!(r.error_loc(), json!(["query", "cursor"]), "{bad}");
        }
        for bad in ["0", "1001", "x"] {
            let r = app.get(&format!("{mine}?limit={bad}"), None).await;
            r.assert_status(422);
            assert_eq!(r.error_loc(), json!(["query", "limit"]), "{bad}");
        }
        // The right list's cursor works.
        let r = app.get(&format!("{mine}?cursor={next}"), None).await;
        r.assert_status(200);
        assert_eq!(item_ids(&r).len(), 2);
    }
    // A cursor names its kind of list: one of another kind is refused even when its
    // scope id is this list's (memory m's comments vs the memories of a site whose
    // internal id is m).
    use muistot::http::page::{Cursor, Scope};
    let id = i32::try_from(m).unwrap();
    let comments = comments_path(&p, &s, m);
    for (scope, status) in [
        (Scope::memories(id), 422),
        (Scope::sites(id), 422),
        (Scope::comments(id), 200),
    ] {
        let c = Cursor { scope, after_id: 0 }.encode();
        let r = app.get(&format!("{comments}?cursor={c}"), None).await;
        r.assert_status(status);
    }
}

#[tokio::test]
async fn past_the_size_cap_the_whole_list_is_a_first_page() {
    let cap = 3_000;
    let app = TestApp::spawn_with(vec![("MUISTOT_MAX_RESPONSE_BYTES", cap.to_string())]).await;
    let (user, _, _) = app.user("lpcap").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let m = memory(&app, &s, Some(user), true).await;
    let mut memories = vec![m];
    let mut comments = Vec::new();
    for _ in 0..40 {
        memories.push(memory(&app, &s, Some(user), true).await);
        comments.push(comment(&app, m, user, true).await);
    }
    for (path, all) in [
        (memories_path(&p, &s), memories),
        (comments_path(&p, &s, m), comments),
    ] {
        let r = app.get(&path, None).await;
        r.assert_status(200);
        assert!(r.text.len() <= cap, "{}", r.text.len());
        let mut seen = item_ids(&r);
        assert!(!seen.is_empty() && seen.len() < all.len(), "{}", r.text);
        let mut next = r.json()["next"]
            .as_str()
            .expect("next past the cap")
            .to_string();
        let link = next_link(&r).expect("Link past the cap");
        assert!(link.ends_with(&format!("cursor={next}")), "{link}");
        // Following the pages gives every item once, each answer within the cap.
        for _ in 0..100 {
            let r = app.get(&format!("{path}?cursor={next}"), None).await;
            r.assert_status(200);
            assert!(r.text.len() <= cap);
            seen.extend(item_ids(&r));
            match r.json()["next"].as_str() {
                Some(n) => next = n.to_string(),
                None => break,
            }
        }
        assert_eq!(seen, all, "{path}");
    }
}

/// A project read with `include_sites` stays under the size cap too: past it, the sites
/// that fit and `sites_next`, the site list's page that continues them; following it
/// gives every visible site once.
#[tokio::test]
async fn a_project_read_embeds_sites_up_to_the_cap() {
    let cap = 4_000;
    let app = TestApp::spawn_with(vec![("MUISTOT_MAX_RESPONSE_BYTES", cap.to_string())]).await;
    let p = published_project(&app, &[]).await;
    let mut all = Vec::new();
    for k in 0..40 {
        all.push(site_at(&app, &p, true, None, 60.0 + f64::from(k) / 100.0, 25.0).await);
    }
    site(&app, &p, false, None).await; // hidden from anonymous callers
    let r = app
        .get(&format!("/projects/{p}?include_sites=true"), None)
        .await;
    r.assert_status(200);
    assert!(r.text.len() <= cap, "{} bytes", r.text.len());
    let body = r.json();
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect()
    };
    let mut seen = names(&body["sites"]);
    assert!(!seen.is_empty() && seen.len() < all.len(), "{}", seen.len());
    let mut next = body["sites_next"].as_str().map(str::to_string);
    while let Some(url) = next {
        let path = url
            .split_once("127.0.0.1")
            .map_or(url.as_str(), |(_, rest)| {
                rest.split_once('/').map_or(rest, |(_, p)| p)
            });
        let r = app.get(&format!("/{path}"), None).await;
        r.assert_status(200);
        seen.extend(names(&r.json()["items"]));
        next = r.json()["next"].as_str().map(str::to_string);
    }
    assert_eq!(seen, all);
    // Under the cap nothing changes: every site, no `sites_next`.
    let roomy = TestApp::spawn().await;
    let q = published_project(&roomy, &[]).await;
    let s = site(&roomy, &q, true, None).await;
    let body = roomy
        .get(&format!("/projects/{q}?include_sites=true"), None)
        .await
        .json();
    assert_eq!(names(&body["sites"]), vec![s]);
    assert!(body.get("sites_next").is_none());
}
