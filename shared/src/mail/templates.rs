//! The original's four templates (login and registration, Finnish and English) with the
//! typos and the invalid `<h>` element fixed; the registration wording is for *unverified*
//! users (docs/compatibility.md#login-mail-wording-and-templates).

use http::HeaderMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    Fi,
    En,
}

impl Lang {
    /// English when the request prefers it (`Accept-Language`, then `Content-Language`),
    /// else Finnish, the original's only language. Never refuses: login does not
    /// negotiate languages.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        for name in [
            http::header::ACCEPT_LANGUAGE,
            http::header::CONTENT_LANGUAGE,
        ] {
            let Some(value) = headers.get(name).and_then(|v| v.to_str().ok()) else {
                continue;
            };
            for item in value.split(',') {
                let tag = item.split(';').next().unwrap_or("").trim();
                let primary = tag.split('-').next().unwrap_or("").to_ascii_lowercase();
                match primary.as_str() {
                    "fi" => return Lang::Fi,
                    "en" => return Lang::En,
                    _ => {}
                }
            }
        }
        Lang::Fi
    }
}

pub struct Rendered {
    pub subject: String,
    pub html: String,
    pub text: String,
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

pub fn render(lang: Lang, register: bool, user: &str, link: &str) -> Rendered {
    let (html_lang, subject, greeting, intro, action, note) = match (lang, register) {
        (Lang::Fi, false) => (
            "fi",
            "Muistojakartalla Kirjautuminen",
            "Hei",
            "tässä on kirjautumislinkkisi Muistojakartalla-palveluun.",
            "Kirjaudu sisään napsauttamalla tästä",
            "Linkki on voimassa 10 minuuttia ja toimii kerran. Jos et pyytänyt linkkiä, voit jättää tämän viestin huomiotta.",
        ),
        (Lang::Fi, true) => (
            "fi",
            "Muistojakartalla Rekisteröinti",
            "Hei",
            "tervetuloa Muistojakartalla-palveluun! Vahvista sähköpostiosoitteesi alla olevalla linkillä.",
            "Kirjaudu sisään ja vahvista tilisi napsauttamalla tästä",
            "Linkki on voimassa 10 minuuttia ja toimii kerran. Jos et rekisteröitynyt palveluun, voit jättää tämän viestin huomiotta.",
        ),
        (Lang::En, false) => (
            "en",
            "Memories Login",
            "Hello",
            "here is your login link for the Memories on a Map service.",
            "Click here to log in",
            "The link is valid for 10 minutes and works once. If you did not ask for it, you can ignore this message.",
        ),
        (Lang::En, true) => (
            "en",
            "Memories on a Map Registration",
            "Hello",
            "welcome to the Memories on a Map service! Please verify your e-mail address with the link below.",
            "Click here to log in and verify your account",
            "The link is valid for 10 minutes and works once. If you did not register, you can ignore this message.",
        ),
    };
    layout(
        [html_lang, subject, greeting, intro, action, note],
        user,
        link,
    )
}

/// The mail that confirms deleting an account (docs/api-conventions.md#account-export-and-deletion):
/// the link carries the token that `DELETE /me/account` takes.
pub fn render_account_deletion(lang: Lang, user: &str, link: &str) -> Rendered {
    let texts = match lang {
        Lang::Fi => [
            "fi",
            "Muistojakartalla Tilin poistaminen",
            "Hei",
            "tilisi poistamista on pyydetty. Poisto tehdään vasta, kun vahvistat sen alla olevalla linkillä.",
            "Vahvista tilin poistaminen napsauttamalla tästä",
            "Linkki on voimassa 10 minuuttia ja toimii kerran. Jos et pyytänyt tilisi poistamista, voit jättää tämän viestin huomiotta; tilisi säilyy.",
        ],
        Lang::En => [
            "en",
            "Memories on a Map account deletion",
            "Hello",
            "deleting your account was requested. Nothing is deleted until you confirm it with the link below.",
            "Click here to confirm deleting your account",
            "The link is valid for 10 minutes and works once. If you did not ask for this, you can ignore this message; your account stays.",
        ],
    };
    layout(texts, user, link)
}

/// One mail's HTML and text from its wording: language, subject, greeting, intro, the
/// link's text and the closing note.
fn layout(texts: [&str; 6], user: &str, link: &str) -> Rendered {
    let [html_lang, subject, greeting, intro, action, note] = texts;
    let html = format!(
        "<!DOCTYPE html>\r\n<html lang=\"{html_lang}\">\r\n<head><meta charset=\"utf-8\"><title>{subject}</title></head>\r\n\
         <body>\r\n<h1>{greeting} {user},</h1>\r\n<p>{intro}</p>\r\n<p><a href=\"{href}\">{action}</a></p>\r\n<p>{note}</p>\r\n</body>\r\n</html>\r\n",
        subject = escape(subject),
        user = escape(user),
        href = escape(link),
    );
    let text =
        format!("{greeting} {user},\r\n\r\n{intro}\r\n\r\n{action}:\r\n{link}\r\n\r\n{note}\r\n");
    Rendered {
        subject: subject.to_string(),
        html,
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wording_follows_verification_and_language() {
        let r = render(Lang::Fi, true, "kissa<1>", "http://x#a=1&b=2");
        assert_eq!(r.subject, "Muistojakartalla Rekisteröinti");
        assert!(r.html.contains("<h1>Hei kissa&lt;1&gt;,</h1>"));
        assert!(r.html.contains("href=\"http://x#a=1&amp;b=2\""));
        assert!(r.text.contains("\r\nhttp://x#a=1&b=2\r\n"));
        assert!(!r.html.contains("<h>"));
        let r = render(Lang::En, false, "bob", "l");
        assert_eq!(r.subject, "Memories Login");
        assert!(r.html.contains("Click here to log in<"));
    }

    #[test]
    fn the_deletion_mail_says_what_the_link_does() {
        let r = render_account_deletion(Lang::En, "bob", "http://x#delete-account:token=t");
        assert_eq!(r.subject, "Memories on a Map account deletion");
        assert!(r.html.contains("href=\"http://x#delete-account:token=t\""));
        assert!(r.text.contains("confirm deleting your account"));
        let r = render_account_deletion(Lang::Fi, "bob", "l");
        assert!(r.subject.contains("Tilin poistaminen"));
    }

    #[test]
    fn language_from_headers() {
        let mut h = HeaderMap::new();
        assert_eq!(Lang::from_headers(&h), Lang::Fi);
        h.insert("accept-language", "de-DE, en-US;q=0.8".parse().unwrap());
        assert_eq!(Lang::from_headers(&h), Lang::En);
        h.insert("accept-language", "sv".parse().unwrap());
        assert_eq!(Lang::from_headers(&h), Lang::Fi);
    }
}
