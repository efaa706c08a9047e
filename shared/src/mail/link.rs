//! The login link's fragment, `<login_url>#email-login:user=…&token=…&verified=…`, written
//! for the 2022 frontend and read back from it (docs/frontend-contract.md).
//!
//! The frontend splits the fragment on `&` and `=` without decoding and hands `user` to
//! axios as a query parameter, which encodes it again: the exchange receives the name
//! percent-encoded twice. [`link_user`] undoes the second encoding. That is safe because a
//! username cannot contain `%` (the UID rule), so a `%` left after the usual query
//! decoding can only be an encoding.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Everything but RFC 3986's unreserved characters is encoded: a space becomes `%20`, not
/// `+` (the second decode is a plain percent-decode, as in the original server), and `:`,
/// which the frontend splits the fragment on, never appears raw.
const LINK_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// The link mailed for login and verification. `verified` is `true`/`false`: the frontend
/// compares the value with the string `"true"` and sends everyone else to choose a name.
pub fn login_link(login_url: &str, user: &str, token: &str, verified: bool) -> String {
    format!(
        "{login_url}#email-login:user={}&token={}&verified={verified}",
        utf8_percent_encode(user, LINK_VALUE),
        utf8_percent_encode(token, LINK_VALUE),
    )
}

/// The link that confirms deleting an account, `<login_url>#delete-account:token=…`: a page
/// that reads it sends the token to `DELETE /me/account` with the session it has
/// (docs/api-conventions.md#account-export-and-deletion).
pub fn account_deletion_link(login_url: &str, token: &str) -> String {
    format!(
        "{login_url}#delete-account:token={}",
        utf8_percent_encode(token, LINK_VALUE),
    )
}

/// The username of a link's `user` parameter, after the query's own decoding: decoded
/// once more when it still holds percent-encoding. `None` (the caller's 404) when that
/// encoding is malformed or does not decode to UTF-8.
pub fn link_user(raw: &str) -> Option<String> {
    if !raw.contains('%') {
        return Some(raw.to_string());
    }
    if !well_formed(raw.as_bytes()) {
        return None;
    }
    percent_decode_str(raw)
        .decode_utf8()
        .ok()
        .map(|name| name.into_owned())
}

/// Every `%` starts a `%XX` escape of two hex digits.
fn well_formed(bytes: &[u8]) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let escape = bytes.get(i + 1..i + 3);
            if !escape.is_some_and(|hex| hex.iter().all(u8::is_ascii_hexdigit)) {
                return false;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deletion_link_carries_only_the_token() {
        assert_eq!(
            account_deletion_link("http://localhost:3000", "AbC-_9"),
            "http://localhost:3000#delete-account:token=AbC-_9"
        );
    }

    #[test]
    fn link_matches_the_frontend_format() {
        let link = login_link(
            "http://localhost:3000",
            "NimetönSuunnistaja#3713",
            "AbC-_9",
            false,
        );
        assert_eq!(
            link,
            "http://localhost:3000#email-login:user=Nimet%C3%B6nSuunnistaja%233713&token=AbC-_9&verified=false"
        );
        assert!(
            login_link("u", "a b:c", "t", true).ends_with("user=a%20b%3Ac&token=t&verified=true")
        );
    }

    #[test]
    fn plain_names_pass_unchanged() {
        assert_eq!(
            link_user("NimetönKissa#0042").as_deref(),
            Some("NimetönKissa#0042")
        );
        assert_eq!(link_user("a b+c").as_deref(), Some("a b+c"));
    }

    #[test]
    fn a_name_encoded_once_more_is_decoded() {
        assert_eq!(
            link_user("Nimet%C3%B6nSeikkailija%236238").as_deref(),
            Some("NimetönSeikkailija#6238")
        );
        assert_eq!(link_user("a%20b").as_deref(), Some("a b"));
        // a plain percent-decode, as the original: `+` stays
        assert_eq!(link_user("a+b%23").as_deref(), Some("a+b#"));
    }

    #[test]
    fn malformed_or_non_utf8_encoding_is_not_a_name() {
        for raw in ["%", "abc%2", "abc%zz", "%G0x", "x%C3", "%FF%FE"] {
            assert_eq!(link_user(raw), None, "{raw}");
        }
    }

    #[test]
    fn the_frontends_round_trip_gives_back_the_name() {
        // what the frontend sends is the link's value, encoded again by axios; the
        // query decoding undoes axios, link_user undoes the link
        for name in ["NimetönSeikkailija#6238", "Äly Kissa#0001", "a:b.c_d-e@f"] {
            let link = login_link("u", name, "t", false);
            let value = link
                .split("user=")
                .nth(1)
                .and_then(|rest| rest.split('&').next())
                .unwrap();
            assert!(!value.contains(':'), "{value}");
            assert_eq!(link_user(value).as_deref(), Some(name));
        }
    }
}
