//! The mailed link's `user` as the 2022 frontend sends it back: the fragment's value is
//! taken without decoding and encoded again as a query parameter, so the exchange and the
//! registration confirm receive the name percent-encoded twice (docs/frontend-contract.md).
//! Both that and a once-encoded name must work; malformed encoding is the usual 404.

use muistot_tests::*;
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// What JavaScript's `encodeURIComponent` leaves alone.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// The fragment's pairs split on `&` and `=` without decoding, as the frontend reads them.
fn raw_fragment(mail: &str) -> (String, String) {
    let start = mail.find("#email-login:").expect("a login link") + "#email-login:".len();
    let rest = &mail[start..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .unwrap_or(rest.len());
    let fragment = rest[..end].replace("&amp;", "&");
    let value = |key: &str| {
        fragment
            .split('&')
            .filter_map(|pair| pair.split_once('='))
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.to_string())
            .unwrap_or_else(|| panic!("no {key} in {fragment}"))
    };
    (value("user"), value("token"))
}

/// The query axios 0.21 builds from `params: {user, token}`: `encodeURIComponent`, then
/// `%20` back to `+` (and a few characters no link value holds).
fn axios_query(user: &str, token: &str) -> String {
    let encode = |v: &str| {
        utf8_percent_encode(v, URI_COMPONENT)
            .to_string()
            .replace("%20", "+")
    };
    format!("user={}&token={}", encode(user), encode(token))
}

/// The query a client that decodes the link first would build.
fn decoded_query(mail: &str) -> String {
    let (user, token, _) = login_link(mail).expect("a login link");
    serde_urlencoded::to_string([("user", user), ("token", token)]).unwrap()
}

/// Asks for a login link for `email`; the newest mail to it.
async fn request_link(app: &TestApp, email: &str) -> String {
    app.send(
        Method::POST,
        &format!("/auth/email?email={email}"),
        None,
        None,
    )
    .await
    .assert_status(204);
    app.outbox_mails_to(email)
        .pop()
        .expect("a mail in the outbox")
}

/// Exchanges with `query`; the username the new session belongs to.
async fn exchange(app: &TestApp, path: &str, query: &str) -> String {
    let r = app
        .send(Method::POST, &format!("{path}?{query}"), None, None)
        .await;
    r.assert_status(200);
    let me = app.get("/me", Some(&r.session_token())).await;
    me.assert_status(200);
    me.json()["username"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_new_address_logs_in_from_the_frontend() {
    let app = TestApp::spawn().await;
    let email = format!("{}@example.com", unique("gen"));
    let mail = request_link(&app, &email).await;
    let (user, token) = raw_fragment(&mail);
    // every generated name has a `#`, percent-encoded in the link
    assert!(user.contains("%23"), "{user}");
    let (name, _, verified) = login_link(&mail).unwrap();
    assert_eq!(verified, "false");
    let query = axios_query(&user, &token);
    assert!(query.contains("%2523"), "encoded twice: {query}");
    assert_eq!(exchange(&app, "/auth/email/exchange", &query).await, name);
}

#[tokio::test]
async fn a_generated_style_name_logs_in_from_the_frontend_and_from_a_decoding_client() {
    let app = TestApp::spawn().await;
    let name = unique_name("NimetönSeikkailija");
    let email = format!("{}@example.com", unique("nimeton"));
    app.create_user_with_password(&name, &email, "long enough", false)
        .await;
    let mail = request_link(&app, &email).await;
    let (user, token) = raw_fragment(&mail);
    assert!(user.starts_with("Nimet%C3%B6nSeikkailija%23"), "{user}");
    let query = axios_query(&user, &token);
    assert!(query.starts_with("user=Nimet%25C3%25B6n"), "{query}");
    assert_eq!(exchange(&app, "/auth/email/exchange", &query).await, name);

    // the next link, sent by a client that decoded it first, works on the seed path
    let mail = request_link(&app, &email).await;
    let (_, _, verified) = login_link(&mail).unwrap();
    assert_eq!(verified, "true", "verified by the first exchange");
    assert_eq!(
        exchange(&app, "/login/email-only/exchange", &decoded_query(&mail)).await,
        name
    );
}

#[tokio::test]
async fn a_name_with_a_space_confirms_and_logs_in_both_ways() {
    let app = TestApp::spawn().await;
    let name = unique_name("Äly Kissa");
    let email = format!("{}@example.com", unique("space"));
    app.send(
        Method::POST,
        "/auth/register",
        None,
        Some(json!({"username": name, "email": email, "password": "long enough"})),
    )
    .await
    .assert_status(201);
    let mail = app.outbox_mails_to(&email).pop().unwrap();
    let (user, token) = raw_fragment(&mail);
    assert!(user.contains("%20") && !user.contains('+'), "{user}");
    // the frontend sends verification links to the exchange too, but /auth/confirm is
    // its verify endpoint: both accept the twice-encoded name
    let r = app
        .send(
            Method::POST,
            &format!("/auth/confirm?{}", axios_query(&user, &token)),
            None,
            None,
        )
        .await;
    r.assert_status(204);

    let mail = request_link(&app, &email).await;
    let (user, token) = raw_fragment(&mail);
    assert_eq!(
        exchange(&app, "/auth/email/exchange", &axios_query(&user, &token)).await,
        name
    );
    let mail = request_link(&app, &email).await;
    assert_eq!(
        exchange(&app, "/auth/email/exchange", &decoded_query(&mail)).await,
        name
    );
}

#[tokio::test]
async fn registration_confirm_accepts_a_once_encoded_name_on_the_seed_path() {
    let app = TestApp::spawn().await;
    let name = unique_name("Pöllö");
    let email = format!("{}@example.com", unique("conf"));
    app.send(
        Method::POST,
        "/register",
        None,
        Some(json!({"username": name, "email": email, "password": "long enough"})),
    )
    .await
    .assert_status(201);
    let mail = app.outbox_mails_to(&email).pop().unwrap();
    let r = app
        .send(
            Method::POST,
            &format!("/register/confirm?{}", decoded_query(&mail)),
            None,
            None,
        )
        .await;
    r.assert_status(204);
}

#[tokio::test]
async fn malformed_encoding_of_the_name_is_not_found() {
    let app = TestApp::spawn().await;
    let email = format!("{}@example.com", unique("bad"));
    let mail = request_link(&app, &email).await;
    let (_, token) = raw_fragment(&mail);
    // after the query's own decoding: a dangling `%`, a non-hex escape, bytes not UTF-8
    for user in ["%25", "abc%252", "Nimet%25zz", "%25FF%25FE", "x%25C3"] {
        for (path, message) in [
            ("/auth/email/exchange", "Not found"),
            ("/login/email-only/exchange", "Not found"),
            ("/auth/confirm", "Not Found"),
            ("/register/confirm", "Not Found"),
        ] {
            let r = app
                .send(
                    Method::POST,
                    &format!("{path}?user={user}&token={token}"),
                    None,
                    None,
                )
                .await;
            r.assert_status(404);
            assert_eq!(r.error_message(), message, "{path} {user}");
        }
    }
    // the link is still unused: none of the above consumed it
    let (user, token) = raw_fragment(&mail);
    let (name, _, _) = login_link(&mail).unwrap();
    assert_eq!(
        exchange(&app, "/auth/email/exchange", &axios_query(&user, &token)).await,
        name
    );
}
