//! What the 2022 React frontend (commit 7d7d8bf) does with a login link and a query:
//! axios 0.21's encoding of `params`, and initialurl.ts's reading of the link's fragment,
//! whose values it never decodes (docs/frontend-contract.md).

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use super::mail::link_in;

/// Where the frontend runs (create-react-app's port; the default `MUISTOT_LOGIN_URL`).
pub const FRONTEND_ORIGIN: &str = "http://localhost:3000";

/// What JavaScript's `encodeURIComponent` leaves alone: `A-Za-z0-9-_.!~*'()`.
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

/// JavaScript's `encodeURIComponent`: everything else as UTF-8 `%XX`.
pub fn encode_uri_component(s: &str) -> String {
    utf8_percent_encode(s, URI_COMPONENT).to_string()
}

/// `encode()` of axios 0.21's lib/helpers/buildURL.js: `encodeURIComponent`, then
/// `%3A` `%24` `%2C` `%20` `%5B` `%5D` turned back into `:` `$` `,` `+` `[` `]`.
pub fn axios_encode(s: &str) -> String {
    encode_uri_component(s)
        .replace("%3A", ":")
        .replace("%24", "$")
        .replace("%2C", ",")
        .replace("%20", "+")
        .replace("%5B", "[")
        .replace("%5D", "]")
}

/// The query axios builds from `params` (in order): `key=value` pairs joined by `&`.
pub fn axios_query(params: &[(&str, &str)]) -> String {
    params
        .iter()
        .map(|(k, v)| format!("{}={}", axios_encode(k), axios_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The login link of a mail for the frontend's origin, as the browser opens it.
#[track_caller]
pub fn mailed_link(mail: &str) -> String {
    link_in(mail, &format!("{FRONTEND_ORIGIN}#email-login:"))
        .unwrap_or_else(|| panic!("no login link for the frontend's origin in the mail: {mail}"))
}

/// What initialurl.ts makes of `window.location.hash`.
#[derive(Debug)]
pub struct FragmentLogin {
    /// The pairs in order, values as they stand in the fragment (never decoded).
    pub pairs: Vec<(String, String)>,
    pub user: String,
    pub token: String,
    /// `(params.verified.toLowerCase() || "true") === "true"`: false sends the user to
    /// /set-username (App.js `on_first_login`).
    pub verified: bool,
}

impl FragmentLogin {
    /// `hash.split(":", 2)[1].split("&").map(o => o.split("=", 2)).filter(o => o.length
    /// === 2)`; JavaScript's `split` with a limit drops what follows the limit.
    #[track_caller]
    pub fn parse(link: &str) -> Self {
        let hash = &link[link.find('#').expect("a fragment")..];
        assert!(hash.starts_with("#email-login"), "{hash}");
        let body = hash.split(':').nth(1).expect("`:` after the prefix");
        let mut pairs: Vec<(String, String)> = Vec::new();
        for piece in body.split('&') {
            let kv: Vec<&str> = piece.split('=').take(2).collect();
            if kv.len() == 2 {
                pairs.retain(|(k, _)| k != kv[0]);
                pairs.push((kv[0].to_string(), kv[1].to_string()));
            }
        }
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_else(|| panic!("no `{k}` in {hash}; the frontend would throw"))
        };
        let verified_raw = get("verified").to_lowercase();
        let verified = if verified_raw.is_empty() {
            "true"
        } else {
            &verified_raw
        } == "true";
        Self {
            user: get("user"),
            token: get("token"),
            verified,
            pairs,
        }
    }

    /// The link of `mail` for the frontend's origin, read as initialurl.ts reads it.
    #[track_caller]
    pub fn from_mail(mail: &str) -> Self {
        Self::parse(&mailed_link(mail))
    }
}
