//! The mailed link's `user` as the 2022 frontend sends it back: the fragment's value is
//! taken without decoding and encoded again as a query parameter, so the exchange and the
//! registration confirm receive the name percent-encoded twice (docs/frontend-contract.md).
//! Both that and a once-encoded name must work; malformed encoding is the usual 404.

use muistot_tests::*;

/// The link's raw `user` and `token`, as the frontend reads them from the fragment.
#[track_caller]
fn raw_fragment(mail: &str) -> (String, String) {
    let login = FragmentLogin::from_mail(mail);
    (login.user, login.token)
}

/// The query the frontend's axios builds from `params: {user, token}`.
fn frontend_query(user: &str, token: &str) -> String {
    axios_query(&[("user", user), ("token", token)])
}

/// The query a client that decodes the link first would build.
fn decoded_query(mail: &str) -> String {
    let (user, token, _) = login_link(mail).expect("a login link");
    exchange_query(&user, &token)
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
    let email = new_email("gen");
    let mail = app.request_link(&email).await;
    let (user, token) = raw_fragment(&mail);
    // every generated name has a `#`, percent-encoded in the link
    assert!(user.contains("%23"), "{user}");
    let (name, _, verified) = login_link(&mail).unwrap();
    assert_eq!(verified, "false");
    let query = frontend_query(&user, &token);
    assert!(query.contains("%2523"), "encoded twice: {query}");
    assert_eq!(exchange(&app, "/auth/email/exchange", &query).await, name);
}

#[tokio::test]
async fn a_generated_style_name_logs_in_from_the_frontend_and_from_a_decoding_client() {
    let app = TestApp::spawn().await;
    let name = unique_name("NimetönSeikkailija");
    let email = new_email("nimeton");
    app.create_user_with_password(&name, &email, "long enough", false)
        .await;
    let mail = app.request_link(&email).await;
    let (user, token) = raw_fragment(&mail);
    assert!(user.starts_with("Nimet%C3%B6nSeikkailija%23"), "{user}");
    let query = frontend_query(&user, &token);
    assert!(query.starts_with("user=Nimet%25C3%25B6n"), "{query}");
    assert_eq!(exchange(&app, "/auth/email/exchange", &query).await, name);

    // the next link, sent by a client that decoded it first, works on the seed path
    let mail = app.request_link(&email).await;
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
    let email = new_email("space");
    app.register("/auth/register", &name, &email, "long enough")
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
            &format!("/auth/confirm?{}", frontend_query(&user, &token)),
            None,
            None,
        )
        .await;
    r.assert_status(204);

    let mail = app.request_link(&email).await;
    let (user, token) = raw_fragment(&mail);
    assert_eq!(
        exchange(&app, "/auth/email/exchange", &frontend_query(&user, &token)).await,
        name
    );
    let mail = app.request_link(&email).await;
    assert_eq!(
        exchange(&app, "/auth/email/exchange", &decoded_query(&mail)).await,
        name
    );
}

#[tokio::test]
async fn registration_confirm_accepts_a_once_encoded_name_on_the_seed_path() {
    let app = TestApp::spawn().await;
    let name = unique_name("Pöllö");
    let email = new_email("conf");
    app.register("/register", &name, &email, "long enough")
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
    let email = new_email("bad");
    let mail = app.request_link(&email).await;
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
        exchange(&app, "/auth/email/exchange", &frontend_query(&user, &token)).await,
        name
    );
}
