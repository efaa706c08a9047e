//! Login mails: the outbox folder the default mailer writes `.eml` files to, the login link
//! in a mail, and the requests around it (ask for a link, exchange it for a session).

use std::path::{Path, PathBuf};

use reqwest::Method;

use super::{app::TestApp, http::Resp};

/// What starts the fragment of a login link (`<login url>#email-login:user=…`).
const LINK_FRAGMENT: &str = "#email-login:";

/// The outbox folder of a server whose images are in `images_dir`.
pub fn outbox_in(images_dir: &Path) -> PathBuf {
    images_dir.join("outbox")
}

/// The first link in `mail` (plain or HTML) that begins with `start`, as a browser opens
/// it: up to white space, a quote or a tag, with the HTML's `&amp;` decoded.
pub fn link_in(mail: &str, start: &str) -> Option<String> {
    let rest = &mail[mail.find(start)?..];
    let end = rest
        .find(|c: char| c.is_whitespace() || c == '"' || c == '<')
        .unwrap_or(rest.len());
    Some(rest[..end].replace("&amp;", "&"))
}

/// The `user`, `token`, `verified` of the first login link in a mail's text (plain or
/// HTML), decoded.
pub fn login_link(mail: &str) -> Option<(String, String, String)> {
    let link = link_in(mail, LINK_FRAGMENT)?;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(&link[LINK_FRAGMENT.len()..]).ok()?;
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    Some((get("user")?, get("token")?, get("verified")?))
}

/// The query `user=…&token=…` of an exchange (or a confirmation), each value encoded once,
/// as a client that decoded the link builds it.
pub fn exchange_query(user: &str, token: &str) -> String {
    serde_urlencoded::to_string([("user", user), ("token", token)]).unwrap()
}

impl TestApp {
    /// The outbox folder of the default mailer.
    pub fn outbox(&self) -> PathBuf {
        outbox_in(self.images_dir.path())
    }

    /// The `.eml` files in the outbox addressed to `recipient`, oldest first.
    pub fn outbox_mails_to(&self, recipient: &str) -> Vec<String> {
        let Ok(dir) = std::fs::read_dir(self.outbox()) else {
            return Vec::new();
        };
        let mut files: Vec<_> = dir
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        files
            .into_iter()
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter(|m| m.contains(&format!("\r\nTo: {recipient}\r\n")))
            .collect()
    }

    /// The one mail in the outbox for `email`.
    #[track_caller]
    pub fn only_mail(&self, email: &str) -> String {
        let mails = self.outbox_mails_to(email);
        assert_eq!(mails.len(), 1, "one mail to {email}");
        mails[0].clone()
    }

    /// `POST /auth/email?email=…`: asks for a login link.
    pub async fn ask_for_link(&self, email: &str) -> Resp {
        self.send(
            Method::POST,
            &format!("/auth/email?email={email}"),
            None,
            None,
        )
        .await
    }

    /// Asks for a login link for `email` (204); the newest mail to it.
    pub async fn request_link(&self, email: &str) -> String {
        self.ask_for_link(email).await.assert_status(204);
        self.outbox_mails_to(email)
            .pop()
            .expect("a mail in the outbox")
    }

    /// `POST /auth/email/exchange` with a link's `user` and `token`, encoded once.
    pub async fn exchange_link(&self, user: &str, token: &str) -> Resp {
        self.send(
            Method::POST,
            &format!("/auth/email/exchange?{}", exchange_query(user, token)),
            None,
            None,
        )
        .await
    }
}
