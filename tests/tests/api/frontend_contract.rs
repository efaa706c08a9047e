//! The requests of the 2022 React frontend (commit 7d7d8bf), replayed byte for byte as it
//! builds them: axios 0.21 defaults (`Accept`, `Accept-Language`, the stored
//! `Authorization` value, `Content-Type` per method and body), the `Origin` of a page on
//! another port, relative paths joined to the base URL, query parameters encoded by axios'
//! `buildURL`, and the login link's fragment split without decoding. Each test asserts
//! what the frontend reads from the answer. docs/frontend-contract.md lists the calls.

use muistot_tests::{FRONTEND_ORIGIN as ORIGIN, *};

/// axios' default `Accept` (lib/defaults.js).
const ACCEPT: &str = "application/json, text/plain, */*";

/// A request body as axios sees it.
enum Data {
    /// No `data` (GET, DELETE): no `Content-Type`.
    None,
    /// `null` data (`axios.post(url, null, {params})`): the method's default
    /// `Content-Type: application/x-www-form-urlencoded` and an empty body.
    Null,
    /// An object: `JSON.stringify`, `Content-Type: application/json`.
    Json(Value),
}

/// The axios instance of the frontend: `axios.defaults` as App.js and the reducers set
/// them, in a page served from [`ORIGIN`].
#[derive(Clone)]
struct Frontend<'a> {
    app: &'a TestApp,
    /// `axios.defaults.headers.common.Authorization`: the `authorization` response header
    /// exactly as stored in localStorage (`ChimneysGoToken`).
    authorization: Option<String>,
    /// `axios.defaults.headers.common['Accept-Language']` (settingsReducer: `fi` or `en`).
    language: &'static str,
}

impl<'a> Frontend<'a> {
    fn new(app: &'a TestApp, language: &'static str) -> Self {
        Self {
            app,
            authorization: None,
            language,
        }
    }

    /// With a stored `Authorization` value (`bearer <token>`).
    fn with_authorization(&self, value: &str) -> Self {
        Self {
            authorization: Some(value.to_string()),
            ..self.clone()
        }
    }

    /// With a session the harness started (stored as the server would have sent it).
    fn with_session(&self, token: &str) -> Self {
        self.with_authorization(&format!("bearer {token}"))
    }

    /// `baseURL` (App.js: `http://localhost:5600`, here the test server).
    fn base_url(&self) -> String {
        format!("http://{}", self.app.addr)
    }

    /// axios' buildFullPath: an absolute URL as is, else combineURLs(baseURL, url).
    fn full_url(&self, url: &str, params: &[(&str, &str)]) -> String {
        let absolute = url.starts_with("http://") || url.starts_with("https://");
        let mut full = if absolute {
            url.to_string()
        } else {
            format!(
                "{}/{}",
                self.base_url().trim_end_matches('/'),
                url.trim_start_matches('/')
            )
        };
        if !params.is_empty() {
            full.push(if full.contains('?') { '&' } else { '?' });
            full.push_str(&axios_query(params));
        }
        full
    }

    async fn request(
        &self,
        method: Method,
        url: &str,
        params: &[(&str, &str)],
        data: Data,
    ) -> Resp {
        let mut r = self
            .app
            .client
            .request(method, self.full_url(url, params))
            .header("Origin", ORIGIN)
            .header("Accept", ACCEPT)
            .header("Accept-Language", self.language);
        if let Some(a) = &self.authorization {
            r = r.header("Authorization", a);
        }
        r = match data {
            Data::None => r,
            Data::Null => r
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(""),
            Data::Json(v) => r
                .header("Content-Type", "application/json")
                .body(v.to_string()),
        };
        Resp::read(r.send().await.unwrap()).await
    }

    async fn get(&self, url: &str) -> Resp {
        self.request(Method::GET, url, &[], Data::None).await
    }

    async fn delete(&self, url: &str) -> Resp {
        self.request(Method::DELETE, url, &[], Data::None).await
    }

    /// `axios.post(url, null, {params})`.
    async fn post_params(&self, url: &str, params: &[(&str, &str)]) -> Resp {
        self.request(Method::POST, url, params, Data::Null).await
    }

    async fn post_json(&self, url: &str, body: Value) -> Resp {
        self.request(Method::POST, url, &[], Data::Json(body)).await
    }

    async fn patch_json(&self, url: &str, body: Value) -> Resp {
        self.request(Method::PATCH, url, &[], Data::Json(body))
            .await
    }

    /// LoginForm.js: `axios.post('/auth/email', null, {params: {email}})`.
    async fn ask_for_link(&self, email: &str) -> Resp {
        self.post_params("/auth/email", &[("email", email)]).await
    }

    /// initialurl.ts: the exchange, with the fragment's raw `user` and `token` as params.
    async fn exchange(&self, link: &FragmentLogin) -> Resp {
        self.post_params(
            "/auth/email/exchange",
            &[("user", &link.user), ("token", &link.token)],
        )
        .await
    }
}

/// `FileReader.readAsDataURL` of an image file.
fn data_url(bytes: &[u8], mime: &str) -> String {
    format!("data:{mime};base64,{}", b64(bytes))
}

/// models.ts convONM's `image`: `/^data:image\/.+;base64,/` removed from the first 100
/// characters (greedy: up to the last `;base64,` there).
fn conv_onm_image(data: &str) -> String {
    let head: String = data.chars().take(100).collect();
    let tail: String = data.chars().skip(100).collect();
    let prefix = "data:image/";
    let stripped = match head.rfind(";base64,") {
        Some(i) if head.starts_with(prefix) && i > prefix.len() => head[i + 8..].to_string(),
        _ => head,
    };
    stripped + &tail
}

/// models.ts convONS's `id`: the title lower-cased, white space as `-`, `-` + Date.now().
fn conv_ons_id(title: &str) -> String {
    let lower: String = title
        .to_lowercase()
        .chars()
        .map(|c| if c.is_whitespace() { '-' } else { c })
        .collect();
    format!("{lower}-{}", chrono::Utc::now().timestamp_millis())
}

/// The page may read the response at all (`Access-Control-Allow-Origin`).
#[track_caller]
fn assert_readable(r: &Resp) {
    let allowed = r.header("access-control-allow-origin");
    assert!(
        allowed == Some("*") || allowed == Some(ORIGIN),
        "a page on {ORIGIN} cannot read this response: {r:?}"
    );
}

/// The page may read `header` of the response (`Access-Control-Expose-Headers`).
#[track_caller]
fn assert_exposed(r: &Resp, header: &str) {
    assert_readable(r);
    let exposed = r
        .header("access-control-expose-headers")
        .unwrap_or_default()
        .to_ascii_lowercase();
    assert!(
        exposed.split(',').any(|h| h.trim() == header),
        "`{header}` is not exposed to the page: {exposed:?}"
    );
}

/// `Location` is absolute and on the API's own origin (posts.ts GETs it as is).
#[track_caller]
fn assert_absolute_location(r: &Resp, fe: &Frontend<'_>, path: &str) -> String {
    let location = r.header("location").expect("a Location header").to_string();
    assert_eq!(location, format!("{}{path}", fe.base_url()));
    assert_exposed(r, "location");
    location
}

// ---------------------------------------------------------------------------------------
// App start-up: projects, sites, memories, images.

/// projectReducer.initProjects → projects.ts getAllProjects → convNOP.
#[tokio::test]
async fn projects_list_has_what_convnop_reads() {
    let app = TestApp::spawn().await;
    let (admin, admin_name, admin_token) = app.user("feadm").await;
    let p = published_project(&app, &[admin]).await;
    for lang in ["fi", "en"] {
        for fe in [
            Frontend::new(&app, lang),
            Frontend::new(&app, lang).with_session(&admin_token),
        ] {
            let r = fe.get("projects").await;
            r.assert_status(200);
            assert_readable(&r);
            let list = r.json();
            let project = find_item(&list, p.as_str())
                .unwrap_or_else(|| panic!("{p} not listed in {lang}: {}", r.text));
            // title ← info.name (the project has only a Finnish localisation)
            assert_eq!(project["info"]["name"], json!(format!("Projekti {p}")));
            // moderators ← admins: the verify buttons compare them with /me's username
            assert_eq!(project["admins"], json!([admin_name]));
        }
    }
}

/// postReducer.initPosts → posts.ts getSites(project, null): no query at all → convNOS.
#[tokio::test]
async fn sites_list_has_what_convnos_reads() {
    let app = TestApp::spawn().await;
    let (admin, _, admin_token) = app.user("feadm").await;
    let (creator, _, creator_token) = app.user("fecre").await;
    let p = published_project(&app, &[admin]).await;
    let shown = site(&app, &p, true, None).await;
    let waiting = site(&app, &p, false, Some(creator)).await;
    memory(&app, &shown, Some(creator), true).await;
    let path = format!("projects/{p}/sites");

    // anonymous, English UI: Finnish-only sites still listed, in Finnish
    let r = Frontend::new(&app, "en").get(&path).await;
    r.assert_status(200);
    assert_readable(&r);
    assert_eq!(ids(&r.json()), vec![json!(shown)]);
    let item = &r.json()["items"][0];
    assert_eq!(item["info"]["name"], json!(format!("Paikka {shown}")));
    assert_eq!(item["location"]["lat"], json!(60.17));
    assert_eq!(item["location"]["lon"], json!(24.94));
    assert_eq!(item["memories_count"], json!(1));
    // no image: convNOS falls back to placeholder.jpg
    assert!(item.get("image").is_none());
    assert!(item.get("own").is_none() && item.get("waiting_approval").is_none());

    // MyPosts: `own === true`
    let r = Frontend::new(&app, "fi")
        .with_session(&creator_token)
        .get(&path)
        .await;
    r.assert_status(200);
    let list = r.json();
    let mine = find_item(&list, waiting.as_str()).expect("the creator sees the waiting site");
    assert_eq!(mine["own"], json!(true));

    // UnverifiedPosts: `waiting_approval === true` for the project's admins
    let r = Frontend::new(&app, "fi")
        .with_session(&admin_token)
        .get(&path)
        .await;
    r.assert_status(200);
    let list = r.json();
    let waiting_item = find_item(&list, waiting.as_str()).expect("admins see the waiting site");
    assert_eq!(waiting_item["waiting_approval"], json!(true));
    let shown_item = find_item(&list, shown.as_str()).unwrap();
    assert_ne!(shown_item["waiting_approval"], json!(true));
}

/// PostView renders "by: creator" / "modified: modifier" from the list item (convNOS
/// copies `creator` and `modifier`); without them every site reads "by: anonymous".
#[tokio::test]
async fn sites_list_names_creator_and_modifier() {
    let app = TestApp::spawn().await;
    let (creator, creator_name, _) = app.user("fecre").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, Some(creator)).await;
    let r = Frontend::new(&app, "fi")
        .get(&format!("projects/{p}/sites"))
        .await;
    r.assert_status(200);
    let item = &r.json()["items"][0];
    assert_eq!(item["id"], json!(s));
    assert_eq!(
        (item.get("creator"), item.get("modifier")),
        (Some(&json!(creator_name)), Some(&json!(creator_name))),
        "PostView.js:104-111 reads `creator`/`modifier`: {item}"
    );
}

/// MementoList → posts.ts getMemories → convNOM.
#[tokio::test]
async fn memories_list_has_what_convnom_reads() {
    let app = TestApp::spawn().await;
    let (author, author_name, token) = app.user("feauth").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let shown = memory(&app, &s, Some(author), true).await;
    let waiting = memory(&app, &s, Some(author), false).await;
    let path = format!("projects/{p}/sites/{s}/memories");

    let r = Frontend::new(&app, "en").get(&path).await;
    r.assert_status(200);
    assert_readable(&r);
    assert_eq!(ids(&r.json()), vec![json!(shown)]);
    let m = &r.json()["items"][0];
    assert_eq!(m["title"], json!("Muisto"));
    assert_eq!(m["story"], json!("Tarina"));
    assert_eq!(m["user"], json!(author_name)); // author
    assert!(m.get("image").is_none()); // → placeholder.jpg

    let r = Frontend::new(&app, "fi")
        .with_session(&token)
        .get(&path)
        .await;
    r.assert_status(200);
    assert_eq!(ids(&r.json()), vec![json!(shown), json!(waiting)]);
    assert_eq!(r.json()["items"][1]["own"], json!(true));
    assert_eq!(r.json()["items"][1]["waiting_approval"], json!(true));
}

/// images.ts getImageURL: `<img src=baseURL + '/images/' + name>`, `placeholder.jpg` for
/// everything without an image, and `undefined` for a project without one.
#[tokio::test]
async fn image_urls_the_views_build() {
    let app = TestApp::spawn().await;
    let r = app
        .client
        .get(app.url("/images/placeholder.jpg"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    // ProjectInfo: getImageURL(project.image) with no image
    let r = app.get("/images/undefined", None).await;
    r.assert_status(303);
    assert_eq!(
        r.header("location"),
        Some(app.url("/images/placeholder.jpg").as_str())
    );
}

// ---------------------------------------------------------------------------------------
// Login: the link, the exchange, password login, registration.

/// LoginForm.js: the e-mail form; the mail's link in the format initialurl.ts reads.
#[tokio::test]
async fn login_form_mails_a_link_initialurl_can_read() {
    let app = TestApp::spawn().await;
    let email = format!("{}@Example.COM", unique("fe.Mail"));
    let stored = email.replace("Example.COM", "example.com");
    let r = Frontend::new(&app, "en").ask_for_link(&email).await;
    r.assert_status(204);
    assert_readable(&r);
    let mail = app.only_mail(&stored);
    // Accept-Language `en` (settingsReducer) → the English registration wording
    assert!(
        mail.contains("Subject: Memories on a Map Registration\r\n"),
        "{mail}"
    );
    let link = mailed_link(&mail);
    let login = FragmentLogin::parse(&link);
    let keys: Vec<&str> = login.pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(keys, ["user", "token", "verified"], "{link}");
    assert_eq!(login.pairs[2].1, "false");
    assert!(!login.verified, "a new account goes to /set-username");
    // the values are percent-encoded with %20 for a space, never `+`, and hold no `:`
    for (_, v) in &login.pairs {
        assert!(!v.contains('+') && !v.contains(':'), "{link}");
    }
    assert_eq!(login.token.len(), 200);
}

/// initialurl.ts checkLocation: the link's raw values through axios' params, i.e. the
/// name percent-encoded twice; the session from the exposed `Authorization` header.
#[tokio::test]
async fn exchange_like_initialurl_with_a_generated_name() {
    let app = TestApp::spawn().await;
    let email = new_email("fegen");
    let fe = Frontend::new(&app, "fi");
    fe.ask_for_link(&email).await.assert_status(204);
    let login = FragmentLogin::from_mail(&app.only_mail(&email));
    let generated: String = scalar(
        &app,
        "SELECT username FROM users WHERE email = ?",
        (&email,),
    )
    .await;
    assert!(generated.contains('#'));
    // what goes on the wire: `#` is `%23` in the link and `%2523` in the query
    assert!(fe
        .full_url(
            "/auth/email/exchange",
            &[("user", &login.user), ("token", &login.token)]
        )
        .contains("%2523"));
    let r = fe.exchange(&login).await;
    r.assert_status(200);
    assert_exposed(&r, "authorization");
    let stored = r.header("authorization").unwrap().to_string();
    assert!(stored.starts_with("bearer "), "{stored}");
    let me = fe.with_authorization(&stored).get("me").await;
    me.assert_status(200);
    assert_eq!(me.json()["username"], json!(generated));
    assert_eq!(me.json()["email"], json!(email));
    // single use: the same link again is a 404 (axios rejects; the frontend logs it)
    fe.exchange(&login).await.assert_status(404);
}

/// (c) A name with a space, `ö` and `#`: `%20` in the link survives the double encoding
/// (a `+` would reach the server as a literal `+`).
#[tokio::test]
async fn exchange_keeps_a_name_with_a_space() {
    let app = TestApp::spawn().await;
    let name = format!("Nimetön Kissa#{}", random_hex(8));
    let email = new_email("fespace");
    app.create_user_with_password(&name, &email, "long enough", true)
        .await;
    let fe = Frontend::new(&app, "fi");
    fe.ask_for_link(&email).await.assert_status(204);
    let link = mailed_link(&app.only_mail(&email));
    let login = FragmentLogin::parse(&link);
    assert!(login.user.contains("%20"), "{link}");
    assert!(!login.user.contains('+'), "{link}");
    let r = fe.exchange(&login).await;
    r.assert_status(200);
    let me = fe
        .with_authorization(r.header("authorization").unwrap())
        .get("me")
        .await;
    me.assert_status(200);
    assert_eq!(me.json()["username"], json!(name));
}

/// (b) `verified` is `true`/`false`: a returning verified user is not sent to
/// /set-username (with `0`/`1` everybody was).
#[tokio::test]
async fn returning_users_are_not_sent_to_set_username() {
    let app = TestApp::spawn().await;
    let email = new_email("feback");
    let fe = Frontend::new(&app, "fi");
    fe.ask_for_link(&email).await.assert_status(204);
    let first = FragmentLogin::from_mail(&app.only_mail(&email));
    assert!(!first.verified);
    fe.exchange(&first).await.assert_status(200);
    // the used link is gone, so a new one may be asked for at once
    fe.ask_for_link(&email).await.assert_status(204);
    let mails = app.outbox_mails_to(&email);
    assert_eq!(mails.len(), 2);
    let second = FragmentLogin::from_mail(&mails[1]);
    assert_eq!(second.pairs[2], ("verified".into(), "true".into()));
    assert!(second.verified);
    fe.exchange(&second).await.assert_status(200);
    // a known password account gets `true` too
    let (_, _, known, _) = app.password_user("feknown").await;
    fe.ask_for_link(&known).await.assert_status(204);
    assert!(FragmentLogin::from_mail(&app.only_mail(&known)).verified);
}

/// register.ts (not reachable from the 2022 UI, kept in the contract): 201 → no error,
/// else `response.data.error.message`. The mailed link goes through the e-mail exchange
/// (initialurl.ts posts every link there); `/auth/confirm` takes the same encoding.
#[tokio::test]
async fn registration_and_its_link() {
    let app = TestApp::spawn().await;
    let fe = Frontend::new(&app, "fi");
    let name = format!("Äly Kettu#{}", random_hex(8));
    let email = new_email("fereg");
    let body = json!({"username": name, "email": email, "password": "long enough"});
    let r = fe.post_json("/auth/register", body.clone()).await;
    r.assert_status(201);
    assert_readable(&r);
    let r = fe.post_json("/auth/register", body).await;
    r.assert_status(409);
    assert_readable(&r);
    assert_eq!(r.error_message(), "Username already in use");

    let login = FragmentLogin::from_mail(&app.only_mail(&email));
    assert!(!login.verified);
    let r = fe.exchange(&login).await;
    r.assert_status(200);
    let me = fe
        .with_authorization(r.header("authorization").unwrap())
        .get("me")
        .await;
    assert_eq!(me.json()["username"], json!(name));
    // verified by the link: the password works now
    fe.post_json(
        "/auth/login",
        json!({"username": name, "password": "long enough"}),
    )
    .await
    .assert_status(200);

    // (a) `/auth/confirm` decodes `user` once more, as the exchange does
    let name2 = format!("Söpö Orava#{}", random_hex(8));
    let email2 = new_email("fereg2");
    fe.post_json(
        "/auth/register",
        json!({"username": name2, "email": email2, "password": "long enough"}),
    )
    .await
    .assert_status(201);
    let login2 = FragmentLogin::from_mail(&app.only_mail(&email2));
    let r = fe
        .post_params(
            "/auth/confirm",
            &[("user", &login2.user), ("token", &login2.token)],
        )
        .await;
    r.assert_status(204);
    fe.post_json(
        "/auth/login",
        json!({"username": name2, "password": "long enough"}),
    )
    .await
    .assert_status(200);
}

/// login.ts (loginReducer.login; no 2022 view calls it): 200 → `headers.authorization`;
/// failures are read as `response.data.error.message`.
#[tokio::test]
async fn password_login_like_login_ts() {
    let app = TestApp::spawn().await;
    let (_, name, _, password) = app.password_user("fepw").await;
    let fe = Frontend::new(&app, "fi");
    let r = fe
        .post_json(
            "/auth/login",
            json!({"username": name, "password": password}),
        )
        .await;
    r.assert_status(200);
    assert_exposed(&r, "authorization");
    let me = fe
        .with_authorization(r.header("authorization").unwrap())
        .get("me")
        .await;
    assert_eq!(me.json()["username"], json!(name));
    let r = fe
        .post_json(
            "/auth/login",
            json!({"username": name, "password": "wrong password"}),
        )
        .await;
    r.assert_status(400);
    assert_readable(&r);
    assert_eq!(r.error_message(), "Bad Request");
}

/// A token whose session has ended (expired, logged out elsewhere, password changed)
/// stays in localStorage: App.js sends it with every request and has no way to drop it
/// (initLoggedUser only clears it on a 2xx other than 200; axios rejects a 401). If
/// public reads and the login form answer 401, the user sees no projects and cannot ask
/// for a new link until they clear the site's storage by hand.
#[tokio::test]
async fn an_ended_session_does_not_lock_the_frontend_out() {
    let app = TestApp::spawn().await;
    let p = published_project(&app, &[]).await;
    site(&app, &p, true, None).await;
    let (_, _, token) = app.user("festale").await;
    app.send(Method::DELETE, "/me", Some(&token), None)
        .await
        .assert_status(204);
    let fe = Frontend::new(&app, "fi").with_session(&token);
    let r = fe.get("projects").await;
    assert_eq!(
        r.status.as_u16(),
        200,
        "App start-up with a stale token: {}",
        r.text
    );
    let r = fe.get(&format!("projects/{p}/sites")).await;
    assert_eq!(
        r.status.as_u16(),
        200,
        "sites with a stale token: {}",
        r.text
    );
    let r = fe.ask_for_link(&new_email("festale")).await;
    assert_eq!(
        r.status.as_u16(),
        204,
        "login form with a stale token: {}",
        r.text
    );
}

// ---------------------------------------------------------------------------------------
// The signed-in user: /me, the username, personal data.

/// loginReducer.initLoggedUser: GET `me` with the stored header; 200 → the user state.
#[tokio::test]
async fn me_with_the_stored_header() {
    let app = TestApp::spawn().await;
    let (_, name, token) = app.user("feme").await;
    let r = Frontend::new(&app, "fi")
        .with_session(&token)
        .get("me")
        .await;
    r.assert_status(200);
    assert_readable(&r);
    assert_eq!(r.json()["username"], json!(name));
    assert!(r.json()["email"]
        .as_str()
        .unwrap()
        .ends_with("@example.com"));
}

/// user.ts changeUsername: `POST me/username?username=…` (null body); the new
/// `Authorization` goes to localStorage. 409 / 304 are rejected by axios and logged.
#[tokio::test]
async fn set_username_like_user_ts() {
    let app = TestApp::spawn().await;
    let (_, _, token) = app.user("fern").await;
    let (_, taken, _) = app.user("fetaken").await;
    let fe = Frontend::new(&app, "fi").with_session(&token);
    let sfx = random_hex(8);
    let name = format!("Söpö Orava#{sfx}");
    // `+` for the space, %C3%B6 for ö, %23 for # on the wire
    assert!(fe
        .full_url("me/username", &[("username", &name)])
        .ends_with(&format!("username=S%C3%B6p%C3%B6+Orava%23{sfx}")));
    let r = fe.post_params("me/username", &[("username", &name)]).await;
    r.assert_status(204);
    assert_exposed(&r, "authorization");
    let stored = r.header("authorization").unwrap().to_string();
    let me = fe.with_authorization(&stored).get("me").await;
    me.assert_status(200);
    assert_eq!(me.json()["username"], json!(name));
    let after = fe.with_authorization(&stored);
    let r = after
        .post_params("me/username", &[("username", &taken)])
        .await;
    r.assert_status(409);
    assert_readable(&r);
    assert_eq!(r.error_message(), "Username in use");
    after
        .post_params("me/username", &[("username", &name)])
        .await
        .assert_status(304);
}

/// After a rename the tab keeps sending the old token: changeUsername writes the new one
/// to localStorage only, not to `axios.defaults` (until the page is reloaded).
#[tokio::test]
async fn the_tab_keeps_working_after_a_rename() {
    let app = TestApp::spawn().await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let (_, _, token) = app.user("ferename").await;
    let fe = Frontend::new(&app, "fi").with_session(&token);
    let name = format!("Veikeä Kettu#{}", random_hex(8));
    fe.post_params("me/username", &[("username", &name)])
        .await
        .assert_status(204);
    let r = fe.get(&format!("projects/{p}/sites/{s}/memories")).await;
    assert_eq!(
        r.status.as_u16(),
        200,
        "the tab's old token after a rename: {}",
        r.text
    );
    let r = fe
        .post_json(
            &format!("projects/{p}/sites/{s}/memories"),
            json!({"title": "Heti nimen jälkeen", "story": "",
                   "image": conv_onm_image(&data_url(PNG, "image/png"))}),
        )
        .await;
    assert_eq!(
        r.status.as_u16(),
        201,
        "a memory from the tab after a rename: {}",
        r.text
    );
}

/// UserSettings.js → user.ts changeUserSettings: PATCH `me` with all five keys, the
/// inputs' values (country typed in two letters, the date input's `YYYY-MM-DD`).
#[tokio::test]
async fn user_settings_with_every_field_filled() {
    let app = TestApp::spawn().await;
    let (_, _, token) = app.user("fesettings").await;
    let fe = Frontend::new(&app, "fi").with_session(&token);
    let r = fe
        .patch_json(
            "me",
            json!({"first_name": "Matti", "last_name": "Meikäläinen", "country": "fi",
                   "city": "Oulu", "birth_date": "1970-01-31"}),
        )
        .await;
    r.assert_status(204);
    assert_readable(&r);
    let me = fe.get("me").await.json();
    assert_eq!(me["first_name"], json!("Matti"));
    assert_eq!(me["last_name"], json!("Meikäläinen"));
    assert_eq!(me["country"], json!("FI"));
    assert_eq!(me["city"], json!("Oulu"));
    assert_eq!(me["birth_date"], json!("1970-01-31"));
}

/// The desktop form sends `""` for every input left empty (the mobile one makes all of
/// them required); the filled ones must still be saved.
#[tokio::test]
async fn user_settings_with_inputs_left_empty() {
    let app = TestApp::spawn().await;
    let (_, _, token) = app.user("fesettings").await;
    let fe = Frontend::new(&app, "fi").with_session(&token);
    let r = fe
        .patch_json(
            "me",
            json!({"first_name": "", "last_name": "", "country": "", "city": "Oulu",
                   "birth_date": ""}),
        )
        .await;
    assert!(
        r.status.is_success(),
        "PATCH /me with empty inputs: {} {}",
        r.status,
        r.text
    );
    assert_eq!(fe.get("me").await.json()["city"], json!("Oulu"));
}

// ---------------------------------------------------------------------------------------
// Writing: memories, sites, pictures, publishing, deleting.

/// NewMemento → posts.ts createMemory: convONM body, 201, then GET of the absolute
/// `Location` with the same defaults → convNOM; the image served for `<img>`.
#[tokio::test]
async fn new_memento_reads_back_through_location() {
    let app = TestApp::spawn().await;
    let (_, author_name, token) = app.user("feauth").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let fe = Frontend::new(&app, "fi").with_session(&token);
    let body = json!({"title": "Muistoja kylältä", "story": "",
                      "image": conv_onm_image(&data_url(PNG, "image/png"))});
    assert!(!body["image"].as_str().unwrap().starts_with("data:"));
    let r = fe
        .post_json(&format!("projects/{p}/sites/{s}/memories"), body)
        .await;
    r.assert_status(201);
    let id = r.location_id().expect("the memory id ends the Location");
    let location = assert_absolute_location(&r, &fe, &memory_path(&p, &s, id));
    let m = fe.get(&location).await;
    m.assert_status(200);
    assert_readable(&m);
    let m = m.json();
    assert_eq!(m["id"], json!(id));
    assert_eq!(m["title"], json!("Muistoja kylältä"));
    assert_eq!(m["user"], json!(author_name));
    assert_eq!(m["own"], json!(true));
    assert_eq!(m["waiting_approval"], json!(true));
    let image = m["image"].as_str().expect("the uploaded image's name");
    assert_eq!(app.image_bytes(image).await, PNG);
}

/// NewPostCombined → postReducer.createSite → posts.ts createSite: convONS body (the
/// image as the whole data URL), 201, GET of the absolute `Location` → convNOS.
#[tokio::test]
async fn new_site_reads_back_through_location() {
    let app = TestApp::spawn().await;
    let (_, _, token) = app.user("fesite").await;
    let p = published_project(&app, &[]).await;
    let fe = Frontend::new(&app, "fi").with_session(&token);
    let title = format!("Vanha tehdas {}", random_hex(8));
    let id = conv_ons_id(&title);
    let r = fe
        .post_json(
            &format!("projects/{p}/sites"),
            json!({"id": id, "info": {"lang": "fi", "name": title},
                   "location": {"lat": 65.0121, "lon": 25.4651},
                   "image": data_url(PNG, "image/png")}),
        )
        .await;
    r.assert_status(201);
    let location = assert_absolute_location(&r, &fe, &site_path(&p, &id));
    let got = fe.get(&location).await;
    got.assert_status(200);
    let s = got.json();
    assert_eq!(s["id"], json!(id));
    assert_eq!(s["info"]["name"], json!(title));
    assert_eq!(s["location"]["lat"], json!(65.0121));
    assert_eq!(s["location"]["lon"], json!(25.4651));
    assert_eq!(s["memories_count"], json!(0));
    assert_eq!(s["own"], json!(true));
    assert_eq!(s["waiting_approval"], json!(true));
    let image = s["image"].as_str().expect("the uploaded image's name");
    let r = app.get(&format!("/images/{image}"), None).await;
    r.assert_status(200);
    // the image of a site without one: `null` → convNOS's placeholder (`o.image || …`)
    let title2 = format!("Ilman kuvaa {}", random_hex(8));
    fe.post_json(
        &format!("projects/{p}/sites"),
        json!({"id": conv_ons_id(&title2), "info": {"lang": "fi", "name": title2},
               "location": {"lat": 65.0, "lon": 25.0}, "image": null}),
    )
    .await
    .assert_status(201);
}

/// convONS makes the id from the title as typed: a Finnish title has `ä`/`ö` in it.
#[tokio::test]
#[ignore = "open difference (g): site ids keep the original's rule; see docs/frontend-contract.md"]
async fn a_site_with_a_finnish_title_is_created() {
    let app = TestApp::spawn().await;
    let (_, _, token) = app.user("fesite").await;
    let p = published_project(&app, &[]).await;
    let fe = Frontend::new(&app, "fi").with_session(&token);
    let title = format!("Kylän kaivo {}", random_hex(8));
    let id = conv_ons_id(&title);
    let r = fe
        .post_json(
            &format!("projects/{p}/sites"),
            json!({"id": id, "info": {"lang": "fi", "name": title},
                   "location": {"lat": 65.0, "lon": 25.0}, "image": null}),
        )
        .await;
    assert_eq!(
        r.status.as_u16(),
        201,
        "site id {id:?} built by convONS: {}",
        r.text
    );
}

/// convONS sets `info.lang` to the UI language (localStorage `ChimneysGoLanguage`).
#[tokio::test]
#[ignore = "open difference (h): sites are created in the project's default language; see docs/frontend-contract.md"]
async fn a_site_from_the_english_ui_is_created() {
    let app = TestApp::spawn().await;
    let (_, _, token) = app.user("fesite").await;
    let p = published_project(&app, &[]).await;
    let fe = Frontend::new(&app, "en").with_session(&token);
    let title = format!("Old mill {}", random_hex(8));
    let r = fe
        .post_json(
            &format!("projects/{p}/sites"),
            json!({"id": conv_ons_id(&title), "info": {"lang": "en", "name": title},
                   "location": {"lat": 65.0, "lon": 25.0}, "image": null}),
        )
        .await;
    assert_eq!(
        r.status.as_u16(),
        201,
        "a site from the English UI in a Finnish project: {}",
        r.text
    );
}

/// EditPost → postReducer.changeSitePicture → posts.ts ChangeSitePicture: PATCH with the
/// whole data URL and an extra `_method: "patch"`; offered to admins and `own` sites.
#[tokio::test]
async fn change_site_picture_like_edit_post() {
    let app = TestApp::spawn().await;
    let (admin, _, admin_token) = app.user("feadm").await;
    let (creator, _, creator_token) = app.user("fecre").await;
    let p = published_project(&app, &[admin]).await;
    let s = site(&app, &p, true, Some(creator)).await;
    let path = format!("projects/{p}/sites/{s}");
    for (token, mime, bytes) in [
        (&creator_token, "image/png", PNG),
        (&admin_token, "image/jpeg", JPEG),
    ] {
        let fe = Frontend::new(&app, "fi").with_session(token);
        let r = fe
            .patch_json(
                &path,
                json!({"image": data_url(bytes, mime), "_method": "patch"}),
            )
            .await;
        r.assert_status(204);
        assert_readable(&r);
        let image = fe.get(&path).await.json()["image"]
            .as_str()
            .expect("the new image")
            .to_string();
        assert_eq!(app.image_bytes(&image).await, bytes);
    }
}

/// PostView / MementoList verify buttons → posts.ts toggleVerifySite / toggleVerifyMemory:
/// `publish` is the item's `waiting_approval` (`verify || false`); a memory's
/// `identifier` is a number.
#[tokio::test]
async fn verify_buttons_publish_like_post_reducer() {
    let app = TestApp::spawn().await;
    let (admin, _, admin_token) = app.user("feadm").await;
    let (author, _, _) = app.user("feauth").await;
    let p = published_project(&app, &[admin]).await;
    let s = site(&app, &p, false, Some(author)).await;
    let m = memory(&app, &s, Some(author), false).await;
    let fe = Frontend::new(&app, "fi").with_session(&admin_token);
    let anon = Frontend::new(&app, "fi");
    let sites = format!("projects/{p}/sites");
    let memories = format!("projects/{p}/sites/{s}/memories");

    let r = fe
        .post_json(
            "/admin/publish",
            json!({"type": "site", "identifier": s, "parents": {"project": p},
                   "publish": true}),
        )
        .await;
    r.assert_status(204);
    assert_readable(&r);
    assert_eq!(ids(&anon.get(&sites).await.json()), vec![json!(s)]);
    let r = fe
        .post_json(
            "/admin/publish",
            json!({"type": "memory", "identifier": m,
                   "parents": {"project": p, "site": s}, "publish": true}),
        )
        .await;
    r.assert_status(204);
    assert_eq!(ids(&anon.get(&memories).await.json()), vec![json!(m)]);
    // "unverify": the published memory has no `waiting_approval` → publish: false
    let r = fe
        .post_json(
            "/admin/publish",
            json!({"type": "memory", "identifier": m,
                   "parents": {"project": p, "site": s}, "publish": false}),
        )
        .await;
    r.assert_status(204);
    assert!(ids(&anon.get(&memories).await.json()).is_empty());
}

/// postReducer.deletePost drops the site from the map only when the answer is 200.
#[tokio::test]
#[ignore = "open difference (i): DELETE of a site keeps its 204; see docs/frontend-contract.md"]
async fn delete_site_answers_what_delete_post_checks() {
    let app = TestApp::spawn().await;
    let (admin, _, admin_token) = app.user("feadm").await;
    let p = published_project(&app, &[admin]).await;
    let s = site(&app, &p, true, None).await;
    let fe = Frontend::new(&app, "fi").with_session(&admin_token);
    let r = fe.delete(&format!("projects/{p}/sites/{s}")).await;
    assert!(r.status.is_success(), "{r:?}");
    assert_readable(&r);
    assert!(ids(&Frontend::new(&app, "fi")
        .get(&format!("projects/{p}/sites"))
        .await
        .json())
    .is_empty());
    assert_eq!(
        r.status.as_u16(),
        200,
        "postReducer.js:79 removes the site only on 200"
    );
}

/// PostView shows "delete" on the user's `own` sites as well as to moderators.
#[tokio::test]
#[ignore = "open difference (j): only admins delete sites; see docs/frontend-contract.md"]
async fn creator_may_delete_an_own_site() {
    let app = TestApp::spawn().await;
    let (creator, _, creator_token) = app.user("fecre").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, Some(creator)).await;
    let fe = Frontend::new(&app, "fi").with_session(&creator_token);
    let r = fe.delete(&format!("projects/{p}/sites/{s}")).await;
    assert!(
        r.status.is_success(),
        "PostView.js:133-135 offers delete on own sites: {} {}",
        r.status,
        r.text
    );
}

/// posts.ts deleteMemory (no 2022 view calls it): DELETE by the author.
#[tokio::test]
async fn delete_memory_by_its_author() {
    let app = TestApp::spawn().await;
    let (author, _, token) = app.user("feauth").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let m = memory(&app, &s, Some(author), true).await;
    let fe = Frontend::new(&app, "fi").with_session(&token);
    let r = fe
        .delete(&format!("projects/{p}/sites/{s}/memories/{m}"))
        .await;
    r.assert_status(204);
    assert_readable(&r);
}

// ---------------------------------------------------------------------------------------
// CORS: the page on localhost:3000 talks to the API on another port.

/// A signed-in page sends `Authorization` on every request, and JSON bodies: each is
/// preflighted. The answer must name `authorization` (the `*` wildcard does not cover it,
/// Fetch standard "CORS non-wildcard request-header name").
#[tokio::test]
async fn preflights_allow_what_the_signed_in_frontend_sends() {
    let app = TestApp::spawn().await;
    let memories = "/projects/some-project/sites/some-site/memories";
    let site = "/projects/some-project/sites/some-site";
    for (method, path, request_headers) in [
        ("GET", "/me", "authorization"),
        ("GET", "/projects", "authorization"),
        ("POST", memories, "authorization,content-type"),
        ("POST", "/me/username", "authorization"),
        ("PATCH", site, "authorization,content-type"),
        ("PATCH", "/me", "authorization,content-type"),
        ("DELETE", site, "authorization"),
        ("POST", "/admin/publish", "authorization,content-type"),
    ] {
        let r = app
            .client
            .request(Method::OPTIONS, app.url(path))
            .header("Origin", ORIGIN)
            .header("Access-Control-Request-Method", method)
            .header("Access-Control-Request-Headers", request_headers)
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "{method} {path}: {}", r.status());
        let h = |name: &str| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_ascii_lowercase()
        };
        let origin = h("access-control-allow-origin");
        assert!(
            origin == "*" || origin == ORIGIN,
            "{method} {path}: {origin}"
        );
        let methods = h("access-control-allow-methods");
        assert!(
            methods == "*"
                || methods
                    .split(',')
                    .any(|m| m.trim() == method.to_lowercase()),
            "{method} {path}: allowed methods {methods:?}"
        );
        let allowed = h("access-control-allow-headers");
        let listed = |name: &str| allowed.split(',').any(|x| x.trim() == name);
        assert!(
            listed("authorization"),
            "{method} {path}: `authorization` must be listed explicitly, got {allowed:?}"
        );
        assert!(
            !request_headers.contains("content-type") || listed("content-type") || listed("*"),
            "{method} {path}: {allowed:?}"
        );
    }
}

/// Errors are read as `error.response.data.error.message`: the page must be allowed to
/// read error answers too.
#[tokio::test]
async fn error_answers_are_readable_by_the_page() {
    let app = TestApp::spawn().await;
    let fe = Frontend::new(&app, "fi");
    let r = fe.get("projects/no-such-project/sites").await;
    r.assert_status(404);
    assert_readable(&r);
    assert_eq!(r.error_message(), "Project not found");
    let r = fe.ask_for_link("not-an-address").await;
    r.assert_status(422);
    assert_readable(&r);
    let r = fe
        .post_json(
            "projects/no-such-project/sites/x-site/memories",
            json!({"title": "t"}),
        )
        .await;
    r.assert_status(401);
    assert_readable(&r);
    assert!(!r.error_message().is_empty());
}

// ---------------------------------------------------------------------------------------
// A whole visit.

/// A new user: login form → mail → the link opened → /me → /set-username → a memory
/// with a photo → the list → logout (the 2022 frontend logs out in the browser only).
#[tokio::test]
async fn new_user_journey() {
    let app = TestApp::spawn().await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let memories = format!("projects/{p}/sites/{s}/memories");
    let email = new_email("fenew");

    // LoginForm: the link
    let page = Frontend::new(&app, "fi");
    page.ask_for_link(&email).await.assert_status(204);
    let link = mailed_link(&app.only_mail(&email));

    // the link opened: checkLocation posts before App's effect sets any header
    let login = FragmentLogin::parse(&link);
    assert!(!login.verified, "first login: on to /set-username");
    let r = page.exchange(&login).await;
    r.assert_status(200);
    assert_exposed(&r, "authorization");
    let first = r.header("authorization").unwrap().to_string();
    let page = page.with_authorization(&first);

    // App's effect: initLoggedUser
    let me = page.get("me").await;
    me.assert_status(200);
    let generated = me.json()["username"].as_str().unwrap().to_string();
    assert!(generated.contains('#'));

    // SetUserName: a name with ö, a space and #
    let name = format!("Nokkela Insinööri #{}", random_hex(8));
    let r = page
        .post_params("me/username", &[("username", &name)])
        .await;
    r.assert_status(204);
    assert_exposed(&r, "authorization");
    let renamed = r.header("authorization").unwrap().to_string();
    // the page keeps sending the token it had: the rename keeps that session going
    assert_eq!(renamed, first);

    // the next page load takes the new token from localStorage
    let page = Frontend::new(&app, "fi").with_authorization(&renamed);
    let me = page.get("me").await;
    me.assert_status(200);
    assert_eq!(me.json()["username"], json!(name));

    // NewMemento with a photo
    let r = page
        .post_json(
            &memories,
            json!({"title": "Ensimmäinen muistoni", "story": "Tehtaan pilli soi aamuisin.",
                   "image": conv_onm_image(&data_url(PNG, "image/png"))}),
        )
        .await;
    r.assert_status(201);
    let id = r.location_id().unwrap();
    let location = assert_absolute_location(&r, &page, &memory_path(&p, &s, id));
    let m = page.get(&location).await;
    m.assert_status(200);
    assert_eq!(m.json()["user"], json!(name));
    assert_eq!(m.json()["own"], json!(true));
    assert!(m.json()["image"].is_string());

    // MementoList
    let list = page.get(&memories).await;
    list.assert_status(200);
    assert_eq!(ids(&list.json()), vec![json!(id)]);
    assert_eq!(list.json()["items"][0]["user"], json!(name));
    assert_eq!(list.json()["items"][0]["waiting_approval"], json!(true));

    // logout: the header is dropped in the browser; nothing is sent to the server
    let anonymous = Frontend::new(&app, "fi");
    let list = anonymous.get(&memories).await;
    list.assert_status(200);
    assert!(
        ids(&list.json()).is_empty(),
        "the waiting memory is the author's only"
    );
    // so the session itself lives on until it expires (the server is never told)
    page.get("me").await.assert_status(200);
}
