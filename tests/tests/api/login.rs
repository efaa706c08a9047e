//! Login, registration and e-mail links (with the `/auth/…` aliases) against MariaDB, Redis,
//! the outbox mailer and, for SES v2 + DynamoDB, moto's server.

use std::time::{Duration, Instant};

use muistot_tests::*;
use mysql_async::prelude::*;

const PASSWORD_PATHS: [&str; 4] = ["/login", "/auth/login", "/auth/password", "/login/"];

#[tokio::test]
async fn password_login_on_every_spelling() {
    let app = TestApp::spawn().await;
    let (_, name, email, password) = app.password_user("pw").await;
    for path in PASSWORD_PATHS {
        let r = app
            .password_login(path, json!({"username": name, "password": password}))
            .await;
        r.assert_status(200);
        assert_eq!(r.text, "", "{path}: empty body");
        let token = r.session_token();
        assert_eq!(token.len(), 52);
        assert!(token.starts_with("dG9rZW46"));
        app.get("/auth/status", Some(&token))
            .await
            .assert_status(200);
        let me = app.get("/me", Some(&token)).await;
        me.assert_status(200);
        assert_eq!(me.json()["username"], json!(name));
    }
    // by e-mail, domain in another case (normalised), and the username in another case
    let upper = email.replace("example.com", "EXAMPLE.com");
    let r = app
        .password_login("/auth/login", json!({"email": upper, "password": password}))
        .await;
    r.assert_status(200);
    let r = app
        .password_login(
            "/login",
            json!({"username": name.to_uppercase(), "password": password}),
        )
        .await;
    r.assert_status(200);
    // the session is for the name as stored
    // (docs/compatibility.md#sessions-use-the-username-as-stored)
    let me = app.get("/me", Some(&r.session_token())).await;
    assert_eq!(me.json()["username"], json!(name));
}

#[tokio::test]
async fn password_login_refusals() {
    let app = TestApp::spawn().await;
    let (_, name, _, password) = app.password_user("pwr").await;
    for path in ["/login", "/auth/login"] {
        let r = app
            .password_login(
                path,
                json!({"username": name, "password": "wrong password"}),
            )
            .await;
        r.assert_status(400);
        assert_eq!(r.error_message(), "Bad Request");
        assert!(r.header("authorization").is_none());
        let r = app
            .password_login(
                path,
                json!({"username": "nobody#0000", "password": password}),
            )
            .await;
        r.assert_status(400);
        assert_eq!(r.error_message(), "Bad Request");
        let r = app
            .password_login(
                path,
                json!({"username": name, "email": "a@b.fi", "password": password}),
            )
            .await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["body", "__root__"]));
        assert_eq!(
            r.json()["error"]["errors"][0]["msg"],
            "Only one identifier allowed"
        );
        let r = app
            .password_login(path, json!({"password": password}))
            .await;
        r.assert_status(422);
        assert_eq!(r.json()["error"]["errors"][0]["msg"], "Identifier Required");
        let r = app.password_login(path, json!({"username": name})).await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["body", "password"]));
        let r = app
            .password_login(path, json!({"email": "not-an-address", "password": "x"}))
            .await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["body", "email"]));
    }
    // unverified: 403 Not verified, only with the right password
    let unverified = unique_name("unv");
    app.create_user_with_password(&unverified, &new_email("unv"), "secret password", false)
        .await;
    let r = app
        .password_login(
            "/auth/login",
            json!({"username": unverified, "password": "secret password"}),
        )
        .await;
    r.assert_status(403);
    assert!(r.error_message().contains("verified"));
    let r = app
        .password_login(
            "/auth/login",
            json!({"username": unverified, "password": "nope nope"}),
        )
        .await;
    r.assert_status(400);
    // a migrated user without a hash cannot log in with any password
    let legacy = unique_name("legacy");
    app.create_user(&legacy).await;
    let r = app
        .password_login("/login", json!({"username": legacy, "password": ""}))
        .await;
    r.assert_status(400);
}

/// An unknown username costs the same bcrypt work as a wrong password
/// (docs/compatibility.md#login-does-not-reveal-which-accounts-exist).
#[tokio::test]
async fn unknown_users_take_as_long_as_wrong_passwords() {
    let app = TestApp::spawn_with(vec![("MUISTOT_BCRYPT_COST", "10".into())]).await;
    let name = unique_name("timing");
    let hash = muistot::passwords::hash("right password".into(), 10)
        .await
        .unwrap();
    let mut c = app.db().await;
    c.exec_drop(
        "INSERT INTO users (username, email, password_hash, verified) VALUES (?, ?, ?, 1)",
        (&name, new_email("timing"), hash.as_bytes()),
    )
    .await
    .unwrap();
    async fn median(app: &TestApp, user: &str) -> Duration {
        let mut times = Vec::new();
        for _ in 0..5 {
            let t = Instant::now();
            app.password_login(
                "/login",
                json!({"username": user, "password": "wrong password"}),
            )
            .await
            .assert_status(400);
            times.push(t.elapsed());
        }
        times.sort();
        times[2]
    }
    // warm the dummy hash
    median(&app, "nobody#warm").await;
    let known = median(&app, &name).await;
    let unknown = median(&app, "nobody#1234").await;
    println!("wrong password: {known:?}, unknown user: {unknown:?}");
    assert!(
        unknown * 2 > known,
        "unknown user answered in {unknown:?}, known user in {known:?}"
    );
}

#[tokio::test]
async fn register_confirm_and_log_in_on_both_spellings() {
    let app = TestApp::spawn().await;
    for (register, confirm) in [
        ("/register", "/register/confirm"),
        ("/auth/register", "/auth/confirm"),
    ] {
        let name = unique_name("Reg");
        let email = new_email("reg");
        let r = app.register(register, &name, &email, "long enough").await;
        r.assert_status(201);
        assert_eq!(r.text, "");
        assert!(r.header("location").is_none());
        assert!(r.header("authorization").is_none());
        let mails = app.outbox_mails_to(&email);
        assert_eq!(mails.len(), 1);
        let mail = &mails[0];
        // unverified → registration wording, typos fixed
        // (docs/compatibility.md#login-mail-wording-and-templates)
        assert!(mail.contains("vahvista tilisi"), "{mail}");
        assert!(!mail.contains("Muistojakrtalla") && !mail.contains("<h>"));
        let (user, token, verified) = login_link(mail).unwrap();
        assert_eq!((user.as_str(), verified.as_str()), (name.as_str(), "false"));
        assert_eq!(token.len(), 200);
        // the table holds only a SHA-256 of the token
        let stored: String = scalar(
            &app,
            "SELECT v.verifier FROM user_email_verifiers v JOIN users u ON u.id = v.user_id \
             WHERE u.username = ?",
            (&name,),
        )
        .await;
        assert_eq!(stored.len(), 64);
        assert_ne!(stored, token);

        let login = json!({"username": name, "password": "long enough"});
        app.password_login("/login", login.clone())
            .await
            .assert_status(403);
        let path = format!("{confirm}?{}", exchange_query(&user, &"x".repeat(200)));
        let r = app.send(Method::POST, &path, None, None).await;
        r.assert_status(404);
        assert_eq!(r.error_message(), "Not Found");
        let path = format!("{confirm}?{}", exchange_query(&user, &token));
        let r = app.send(Method::POST, &path, None, None).await;
        r.assert_status(204);
        assert_eq!(r.text, "");
        // single use
        app.send(Method::POST, &path, None, None)
            .await
            .assert_status(404);
        app.password_login("/login", login).await.assert_status(200);
    }
}

#[tokio::test]
async fn register_validates_and_reports_clashes() {
    let app = TestApp::spawn().await;
    let (_, taken_name, taken_email, _) = app.password_user("taken").await;
    let reg = |body: Value| app.send(Method::POST, "/auth/register", None, Some(body));
    let ok_email = new_email("new");
    for (body, loc) in [
        (
            json!({"username": "abc", "email": ok_email, "password": "long enough"}),
            "username",
        ),
        (
            json!({"username": "a/bcd", "email": ok_email, "password": "long enough"}),
            "username",
        ),
        (
            json!({"username": "valid name", "email": "nope", "password": "long enough"}),
            "email",
        ),
        (
            json!({"username": "valid name", "email": ok_email, "password": "short"}),
            "password",
        ),
        (
            json!({"username": "valid name", "email": ok_email}),
            "password",
        ),
    ] {
        let r = reg(body).await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["body", loc]));
    }
    let r = reg(json!({"username": taken_name.to_lowercase(), "email": ok_email, "password": "long enough"})).await;
    r.assert_status(409);
    assert_eq!(r.error_message(), "Username already in use");
    let r = reg(
        json!({"username": unique_name("free"), "email": taken_email, "password": "long enough"}),
    )
    .await;
    r.assert_status(409);
    assert_eq!(r.error_message(), "Email already in use");
    assert!(app.outbox_mails_to(&ok_email).is_empty());

    // with a session: 403 and the bare JSON string, as the original answered
    let (_, _, token) = app.user("signedin").await;
    for path in ["/register", "/auth/register"] {
        let r = app
            .send(
                Method::POST,
                path,
                Some(&token),
                Some(json!({"username": unique_name("x"), "email": ok_email, "password": "long enough"})),
            )
            .await;
        r.assert_status(403);
        assert_eq!(r.json(), json!("Already signed-in"));
    }
}

/// The local developer's flow: e-mail login through the outbox, on both spellings.
#[tokio::test]
async fn email_login_through_the_outbox() {
    let app = TestApp::spawn().await;
    for (request, exchange) in [
        ("/login/email-only", "/login/email-only/exchange"),
        ("/auth/email", "/auth/email/exchange"),
    ] {
        let email = format!("{}@Example.COM", unique("Mail"));
        let stored_email = email.replace("Example.COM", "example.com");
        let r = app
            .send(
                Method::POST,
                &format!("{request}?email={email}"),
                None,
                None,
            )
            .await;
        r.assert_status(204);
        assert_eq!(r.text, "");
        let mails = app.outbox_mails_to(&stored_email);
        assert_eq!(mails.len(), 1, "one .eml for {stored_email}");
        let (user, token, verified) = login_link(&mails[0]).unwrap();
        assert_eq!(verified, "false");
        assert!(mails[0].contains("http://localhost:3000#email-login:user="));
        // a generated name: Adjective + Noun + # + 4 digits
        let (words, digits) = user.split_once('#').unwrap();
        assert!(words.chars().next().unwrap().is_uppercase());
        assert_eq!(digits.len(), 4);

        // a second request within 5 minutes is refused, nothing sent
        let r = app
            .send(
                Method::POST,
                &format!("{request}?email={stored_email}"),
                None,
                None,
            )
            .await;
        r.assert_status(429);
        assert_eq!(app.outbox_mails_to(&stored_email).len(), 1);

        let q = |user: &str, token: &str| format!("{exchange}?{}", exchange_query(user, token));
        for bad in [&"A".repeat(200), "äöå", ""] {
            let r = app.send(Method::POST, &q(&user, bad), None, None).await;
            r.assert_status(404);
            assert_eq!(r.error_message(), "Not found");
        }
        // the name in another case still finds the link; the session is canonical
        let r = app
            .send(Method::POST, &q(&user.to_lowercase(), &token), None, None)
            .await;
        r.assert_status(200);
        assert_eq!(r.text, "");
        let session = r.session_token();
        let me = app.get("/me", Some(&session)).await;
        me.assert_status(200);
        assert_eq!(me.json()["username"], json!(user));
        assert_eq!(me.json()["email"], json!(stored_email));
        // single use
        app.send(Method::POST, &q(&user, &token), None, None)
            .await
            .assert_status(404);
        // log out
        let r = app.send(Method::DELETE, "/me", Some(&session), None).await;
        r.assert_status(204);
        assert_eq!(r.text, "");
        app.get("/auth/status", Some(&session))
            .await
            .assert_status(401);
    }
}

#[tokio::test]
async fn email_login_for_a_known_verified_user_uses_the_login_wording() {
    let app = TestApp::spawn_with(vec![(
        "MUISTOT_LOGIN_URL",
        "https://muistot.example".into(),
    )])
    .await;
    let (_, name, email, _) = app.password_user("Known").await;
    let r = app
        .req(Method::POST, &format!("/auth/email?email={email}"), None)
        .header("Accept-Language", "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    let mails = app.outbox_mails_to(&email);
    assert_eq!(mails.len(), 1);
    let (user, _, verified) = login_link(&mails[0]).unwrap();
    assert_eq!((user.as_str(), verified.as_str()), (name.as_str(), "true"));
    assert!(mails[0].contains("https://muistot.example#email-login:"));
    assert!(
        mails[0].contains("Subject: Memories Login\r\n"),
        "{}",
        mails[0]
    );
    assert!(mails[0].contains("Click here to log in<"));
}

#[tokio::test]
async fn email_links_expire_and_the_resend_window_passes() {
    let app = TestApp::spawn().await;
    let email = new_email("exp");
    app.ask_for_link(&email).await.assert_status(204);
    let (user, token, _) = login_link(&app.outbox_mails_to(&email)[0]).unwrap();
    let mut c = app.db().await;
    let age = |minutes: i64| {
        format!(
            "UPDATE user_email_verifiers v JOIN users u ON u.id = v.user_id \
             SET v.created_at = NOW() - INTERVAL {minutes} MINUTE WHERE u.email = '{email}'"
        )
    };
    c.query_drop(age(10)).await.unwrap();
    app.exchange_link(&user, &token).await.assert_status(404);
    // older than 5 minutes: a new link may be sent; it replaces the old one
    c.query_drop(age(5)).await.unwrap();
    app.ask_for_link(&email).await.assert_status(204);
    let mails = app.outbox_mails_to(&email);
    assert_eq!(mails.len(), 2);
    let (_, token2, _) = login_link(&mails[1]).unwrap();
    assert_ne!(token, token2);
    c.query_drop(age(9)).await.unwrap();
    app.exchange_link(&user, &token2).await.assert_status(200);
}

#[tokio::test]
async fn oauth_listing_and_status() {
    let app = TestApp::spawn().await;
    for path in ["/oauth", "/auth/oauth"] {
        let r = app.get(path, None).await;
        r.assert_status(200);
        assert_eq!(r.json(), json!({"oauth_providers": []}));
    }
    let app2 = TestApp::spawn_with(vec![("MUISTOT_OAUTH_PROVIDERS", "google,github".into())]).await;
    let r = app2.get("/auth/oauth", None).await;
    assert_eq!(r.json(), json!({"oauth_providers": ["google", "github"]}));

    let r = app.get("/auth/status", None).await;
    r.assert_status(401);
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    let (_, _, token) = app.user("status").await;
    let r = app.get("/auth/status", Some(&token)).await;
    r.assert_status(200);
    assert_eq!(r.text, "");
    app.send(Method::DELETE, "/me", Some(&token), None)
        .await
        .assert_status(204);
    app.get("/auth/status", Some(&token))
        .await
        .assert_status(401);
}

#[tokio::test]
async fn email_parameter_is_validated() {
    let app = TestApp::spawn().await;
    for path in [
        "/auth/email",
        "/auth/email?email=nope",
        "/login/email-only?email=a@b",
    ] {
        let r = app.send(Method::POST, path, None, None).await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["query", "email"]));
    }
    let r = app
        .send(Method::POST, "/auth/email/exchange?user=x", None, None)
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["query", "token"]));
}

/// The deployed flow: SES v2 and DynamoDB sessions, both on moto.
#[tokio::test]
async fn email_login_through_ses_with_dynamodb_sessions() {
    let sender = ses_sender().await;
    let mut env = dynamodb_env().await;
    env.push(("MUISTOT_MAIL", "ses".into()));
    env.push(("MUISTOT_MAIL_FROM", format!("Muistotkartalla <{sender}>")));
    let app = TestApp::spawn_with(env).await;
    let email = new_email("ses");
    app.ask_for_link(&email).await.assert_status(204);
    let messages = ses_messages_to(&email).await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    let body = messages[0]["body"].as_str().unwrap();
    assert!(body.contains("<h1>Hei "), "{body}");
    let (user, token, verified) = login_link(body).unwrap();
    assert_eq!(verified, "false");
    let r = app.exchange_link(&user, &token).await;
    r.assert_status(200);
    let session = r.session_token();
    let me = app.get("/me", Some(&session)).await;
    me.assert_status(200);
    assert_eq!(me.json()["username"], json!(user));
    assert_eq!(me.json()["email"], json!(email));
    app.send(Method::DELETE, "/me", Some(&session), None)
        .await
        .assert_status(204);
    app.get("/me", Some(&session)).await.assert_status(401);
}

/// A failed send is a 503 that leaves no account and no verifier behind.
#[tokio::test]
async fn failed_mail_leaves_nothing_behind() {
    let mut env = aws_env();
    env.push(("MUISTOT_MAIL", "ses".into()));
    // never created as an SES identity: moto rejects the message
    env.push((
        "MUISTOT_MAIL_FROM",
        format!("{}@unverified.example", unique("nobody")),
    ));
    let app = TestApp::spawn_with(env).await;
    let email = new_email("fail");
    let r = app.ask_for_link(&email).await;
    r.assert_status(503);
    assert!(r.error_message().contains("e-mail"), "{}", r.text);
    let name = unique_name("failreg");
    let r = app
        .register("/auth/register", &name, &email, "long enough")
        .await;
    r.assert_status(503);
    let users: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM users WHERE email = ? OR username = ?",
        (&email, &name),
    )
    .await;
    assert_eq!(users, 0);
    // an existing account keeps working and gets no dangling verifier
    let (id, _, known, _) = app.password_user("failknown").await;
    app.ask_for_link(&known).await.assert_status(503);
    let verifiers: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM user_email_verifiers WHERE user_id = ?",
        (id,),
    )
    .await;
    assert_eq!(verifiers, 0);
}
