//! HTTP caching of reads (docs/api-conventions.md#caching): anonymous reads of every family
//! are tagged, public for a short while and revalidate with `304`; whatever depends on the
//! caller is `private, no-store`; errors are `no-store`; images keep their own headers.

use muistot_tests::*;
use reqwest::Method;

const PUBLIC: &str = "public, max-age=30, stale-while-revalidate=300";
const PRIVATE: &str = "private, no-store";

/// One of everything, published, with its author and the project's admin.
struct Content {
    project: String,
    site: String,
    memory: i64,
    comment: i64,
    author: (i32, String),
    admin: String,
}

impl Content {
    async fn new(app: &TestApp) -> Self {
        let (admin_id, _, admin) = app.user("cache-admin").await;
        let (author_id, _, author) = app.user("cache-author").await;
        let project = published_project(app, &[admin_id]).await;
        let site = site(app, &project, true, Some(author_id)).await;
        let memory = memory(app, &site, Some(author_id), true).await;
        let comment = comment(app, memory, author_id, true).await;
        Self {
            project,
            site,
            memory,
            comment,
            author: (author_id, author),
            admin,
        }
    }

    /// Every family of reads an anonymous caller can make, with the content's names.
    fn reads(&self) -> Vec<String> {
        let p = format!("/projects/{}", self.project);
        let s = format!("{p}/sites/{}", self.site);
        let m = format!("{s}/memories/{}", self.memory);
        vec![
            "/".into(),
            "/languages?q=fi".into(),
            "/openapi.json".into(),
            "/docs".into(),
            "/projects".into(),
            p.clone(),
            format!("{p}?include_sites=true"),
            format!("{p}/sites"),
            format!("{p}/sites?limit=1"),
            format!("{p}/sites?bbox=24,60,25,61"),
            format!("{p}/sites?format=geojson"),
            format!("{p}/sites?lat=60.17&lon=24.94&n=5"),
            format!("{p}/sites/clusters?bbox=24,60,25,61&zoom=10"),
            s.clone(),
            format!("{s}?include_memories=true"),
            format!("{s}/memories"),
            format!("{s}/memories?include_comments=true"),
            m.clone(),
            format!("{m}/comments"),
            format!("{m}/comments/{}", self.comment),
        ]
    }
}

/// `GET path` with the request headers `headers`.
async fn get_with(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> Resp {
    let mut r = app.req(Method::GET, path, token);
    for (k, v) in headers {
        r = r.header(*k, *v);
    }
    Resp::read(r.send().await.unwrap()).await
}

#[track_caller]
fn strong_tag(r: &Resp, path: &str) -> String {
    let tag = r
        .header("etag")
        .unwrap_or_else(|| panic!("{path}: no ETag"))
        .to_string();
    assert!(
        tag.starts_with('"') && tag.ends_with('"') && tag.len() > 2,
        "{path}: not a strong tag: {tag}"
    );
    tag
}

#[track_caller]
fn varies_on_language_and_format(r: &Resp, path: &str) {
    let vary: Vec<String> = r
        .headers
        .get_all("vary")
        .iter()
        .flat_map(|v| v.to_str().unwrap().split(','))
        .map(|s| s.trim().to_ascii_lowercase())
        .collect();
    for h in ["accept-language", "accept", "authorization"] {
        assert!(
            vary.iter().any(|v| v == h),
            "{path}: Vary {vary:?} lacks {h}"
        );
    }
}

/// `path` answers 200 with a strong tag and `cache_control`, and the tag revalidates: `304`
/// with no body and the same validators, also when weak or in a list. A 200 in between is
/// a list that changed meanwhile (other tests add projects): then it must have a new tag,
/// and the exchange is tried again.
async fn revalidates(app: &TestApp, path: &str, token: Option<&str>, cache_control: &str) {
    for _ in 0..10 {
        let first = app.get(path, token).await;
        first.assert_status(200);
        assert_eq!(first.header("cache-control"), Some(cache_control), "{path}");
        varies_on_language_and_format(&first, path);
        let tag = strong_tag(&first, path);

        let again = get_with(app, path, token, &[("if-none-match", &tag)]).await;
        if again.status == 200 {
            assert_ne!(
                again.header("etag"),
                Some(tag.as_str()),
                "{path}: same tag, no 304"
            );
            continue;
        }
        again.assert_status(304);
        assert_eq!(again.text, "", "{path}: a 304 has no body");
        assert_eq!(again.header("etag"), Some(tag.as_str()), "{path}");
        assert_eq!(again.header("cache-control"), Some(cache_control), "{path}");
        assert_eq!(again.header("content-type"), None, "{path}");
        varies_on_language_and_format(&again, path);

        let list = format!("\"nope\", W/{tag}");
        let weak = get_with(app, path, token, &[("if-none-match", &list)]).await;
        if weak.status == 304 {
            let other = get_with(app, path, token, &[("if-none-match", "\"nope\"")]).await;
            other.assert_status(200);
            assert!(!other.text.is_empty(), "{path}");
            return;
        }
    }
    panic!("{path}: never answered 304 to its own tag");
}

#[tokio::test]
async fn anonymous_reads_of_every_family_are_public_and_revalidate() {
    let app = TestApp::spawn().await;
    let content = Content::new(&app).await;
    for path in content.reads() {
        revalidates(&app, &path, None, PUBLIC).await;
    }
}

#[tokio::test]
async fn the_lifetimes_are_configurable() {
    let app = TestApp::spawn_with(vec![
        ("MUISTOT_CACHE_MAX_AGE", "5".into()),
        ("MUISTOT_CACHE_SWR", "7".into()),
    ])
    .await;
    let r = app.get("/languages?q=en", None).await;
    r.assert_status(200);
    assert_eq!(
        r.header("cache-control"),
        Some("public, max-age=5, stale-while-revalidate=7")
    );
}

#[tokio::test]
async fn the_tag_follows_the_content_language_and_format() {
    let app = TestApp::spawn().await;
    let c = Content::new(&app).await;
    let site = format!("/projects/{}/sites/{}", c.project, c.site);
    let before = app.get(&site, None).await;
    let old = strong_tag(&before, &site);

    let mut db = app.db().await;
    mysql_async::prelude::Queryable::exec_drop(
        &mut db,
        "UPDATE site_information SET name = 'Uusi nimi' WHERE site_id = \
         (SELECT id FROM sites WHERE name = ?)",
        (&c.site,),
    )
    .await
    .unwrap();
    let after = get_with(&app, &site, None, &[("if-none-match", &old)]).await;
    after.assert_status(200);
    assert!(after.text.contains("Uusi nimi"), "{}", after.text);
    assert_ne!(strong_tag(&after, &site), old);

    // Another representation of the same URL has a tag of its own.
    let sites = format!("/projects/{}/sites", c.project);
    let json = app.get(&sites, None).await;
    let geo = app.get_accept(&sites, None, "application/geo+json").await;
    assert_eq!(geo.header("content-type"), Some("application/geo+json"));
    assert_ne!(strong_tag(&json, &sites), strong_tag(&geo, &sites));
    let english = app.get_lang(&sites, None, "en").await;
    english.assert_status(200);
    assert_eq!(english.header("cache-control"), Some(PUBLIC));
}

/// Whatever the token — a user's, the author's, an admin's, a superuser's, or one whose
/// session has ended — the answer is private; it is still tagged and revalidates.
#[tokio::test]
async fn every_signed_in_answer_is_private() {
    let app = TestApp::spawn().await;
    let c = Content::new(&app).await;
    let (_, _, user) = app.user("cache-user").await;
    let (_, _, superuser) = app.superuser().await;
    let (_, _, ended) = app.user("cache-ended").await;
    app.send(Method::DELETE, "/me", Some(&ended), None)
        .await
        .assert_status(204);
    for token in [&user, &c.author.1, &c.admin, &superuser, &ended] {
        for path in c.reads() {
            let r = app.get(&path, Some(token)).await;
            r.assert_status(200);
            assert_eq!(r.header("cache-control"), Some(PRIVATE), "{path}");
            varies_on_language_and_format(&r, &path);
        }
    }
    let site = format!("/projects/{}/sites/{}", c.project, c.site);
    revalidates(&app, &site, Some(&c.author.1), PRIVATE).await;
}

/// The author and the admin see unpublished content and the `own` / `waiting_approval`
/// flags; none of those answers is ever public.
#[tokio::test]
async fn no_answer_with_caller_flags_is_public() {
    let app = TestApp::spawn().await;
    let c = Content::new(&app).await;
    let (author_id, author) = (c.author.0, &c.author.1);
    let hidden_site = site(&app, &c.project, false, Some(author_id)).await;
    let hidden_memory = memory(&app, &hidden_site, Some(author_id), false).await;
    let hidden_comment = comment(&app, hidden_memory, author_id, false).await;
    let s = format!("/projects/{}/sites/{hidden_site}", c.project);
    let m = format!("{s}/memories/{hidden_memory}");
    let mut paths = c.reads();
    paths.extend([
        s.clone(),
        format!("{s}?include_memories=true"),
        format!("{s}/memories?include_comments=true"),
        m.clone(),
        format!("{m}/comments"),
        format!("{m}/comments/{hidden_comment}"),
    ]);
    let mut flagged = 0;
    for token in [author.as_str(), c.admin.as_str()] {
        for path in &paths {
            let r = app.get(path, Some(token)).await;
            r.assert_status(200);
            let cache_control = r.header("cache-control").unwrap_or_default();
            assert!(!cache_control.contains("public"), "{path}: {cache_control}");
            if r.text.contains("\"own\":") || r.text.contains("\"waiting_approval\":") {
                flagged += 1;
                assert_eq!(cache_control, PRIVATE, "{path}");
            }
        }
    }
    assert!(flagged >= 10, "the flags were seen only {flagged} times");
    // Anonymous callers do not see the unpublished content at all.
    app.get(&s, None).await.assert_status(404);
}

#[tokio::test]
async fn errors_redirects_and_account_routes_are_not_stored() {
    let app = TestApp::spawn().await;
    for (path, status) in [
        ("/projects/no-such-project", 404),
        ("/no/such/path", 404),
        ("/languages?q=1", 422),
        ("/me", 401),
        ("/auth/status", 401),
    ] {
        let r = app.get(path, None).await;
        r.assert_status(status);
        assert_eq!(r.header("cache-control"), Some("no-store"), "{path}");
        assert_eq!(r.header("etag"), None, "{path}");
    }
    // Refused before routing: still not kept.
    let r = app.get("/projects", Some("not-a-token")).await;
    r.assert_status(401);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let r = Resp::read(
        app.req(Method::HEAD, "/projects", None)
            .send()
            .await
            .unwrap(),
    )
    .await;
    r.assert_status(405);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    // The login routes' reads are about the caller even without a token.
    for path in ["/oauth", "/auth/oauth"] {
        let r = app.get(path, None).await;
        r.assert_status(200);
        assert_eq!(r.header("cache-control"), Some(PRIVATE), "{path}");
    }
    let (_, _, token) = app.user("cache-me").await;
    for path in ["/me", "/auth/status"] {
        let r = app.get(path, Some(&token)).await;
        r.assert_status(200);
        assert_eq!(r.header("cache-control"), Some(PRIVATE), "{path}");
    }
}

#[tokio::test]
async fn images_keep_their_own_headers() {
    let app = TestApp::spawn().await;
    let (_, _, token) = app.user("cache-images").await;
    for token in [None, Some(token.as_str())] {
        let r = app.get("/images/placeholder.jpg", token).await;
        r.assert_status(200);
        assert_eq!(r.header("cache-control"), Some("public, max-age=86400"));
        // Only the CORS layer's own `Vary`.
        let vary = r.header("vary").unwrap_or_default().to_ascii_lowercase();
        assert!(!vary.contains("accept-language"), "{vary}");
        let tag = r.header("etag").unwrap().to_string();
        let again = get_with(
            &app,
            "/images/placeholder.jpg",
            token,
            &[("if-none-match", &tag)],
        )
        .await;
        again.assert_status(304);
        assert_eq!(again.header("cache-control"), Some("public, max-age=86400"));
    }
    let r = app.get("/images/no-such-image.jpg", None).await;
    r.assert_status(303);
    assert_eq!(r.header("cache-control"), Some("no-cache"));
}

/// A body over the response cap is not buffered to be tagged, and so not vouched for.
#[tokio::test]
async fn bodies_over_the_cap_are_neither_tagged_nor_public() {
    let app = TestApp::spawn_with(vec![("MUISTOT_MAX_RESPONSE_BYTES", "2000".into())]).await;
    let r = app.get("/openapi.json", None).await;
    r.assert_status(200);
    assert!(r.text.len() > 2000);
    assert_eq!(r.header("etag"), None);
    assert_eq!(r.header("cache-control"), Some(PRIVATE));
    // Small answers of the same server are tagged as usual.
    revalidates(&app, "/languages?q=fi", None, PUBLIC).await;
}

/// Writes are left as they were: no validators, no caching headers.
#[tokio::test]
async fn writes_get_no_validators() {
    let app = TestApp::spawn().await;
    let c = Content::new(&app).await;
    let path = format!(
        "/projects/{}/sites/{}/memories/{}/comments",
        c.project, c.site, c.memory
    );
    let r = app
        .send(
            Method::POST,
            &path,
            Some(&c.author.1),
            Some(serde_json::json!({"comment": "Hyvä muisto"})),
        )
        .await;
    r.assert_status(201);
    assert_eq!(r.header("etag"), None);
    assert_eq!(r.header("cache-control"), None);
}
