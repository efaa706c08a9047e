//! `MUISTOT_MAIL=outbox:DIR`: every message becomes one `.eml` file (RFC 5322, MIME
//! multipart/alternative, UTF-8 in 8bit so the link is readable in any editor). Written
//! to a temporary name and renamed, so a reader never sees half a message.

use std::path::PathBuf;

use async_trait::async_trait;
use base64::{engine::general_purpose::STANDARD, Engine};

use super::mailer::{Composer, LoginMail, Mailer, Message};
use crate::error::{ApiError, Cause};

pub struct OutboxMailer {
    dir: PathBuf,
    composer: Composer,
}

impl OutboxMailer {
    /// Creates the folder if it can. Not fatal when it cannot (e.g. a read-only Lambda
    /// file system where mail is not this function's business): sending then fails
    /// with a 503 and a logged cause.
    pub fn new(dir: PathBuf, composer: Composer) -> Result<Self, String> {
        if let Err(e) = std::fs::create_dir_all(&dir) {
            tracing::warn!(dir = %dir.display(), error = %e, "MUISTOT_MAIL: cannot create the outbox folder");
        }
        Ok(Self { dir, composer })
    }

    pub fn dir(&self) -> &std::path::Path {
        &self.dir
    }
}

#[async_trait]
impl Mailer for OutboxMailer {
    async fn send(&self, mail: &LoginMail) -> Result<(), ApiError> {
        let message = self.composer.compose(mail);
        let id = uuid::Uuid::new_v4().simple().to_string();
        let now = chrono::Utc::now();
        let name = format!("{}-{id}.eml", now.format("%Y%m%dT%H%M%S%.3fZ"));
        let eml = to_eml(&message, &id, now);
        let tmp = self.dir.join(format!(".{id}.tmp"));
        let path = self.dir.join(&name);
        let write = async {
            tokio::fs::create_dir_all(&self.dir).await?;
            tokio::fs::write(&tmp, eml.as_bytes()).await?;
            tokio::fs::rename(&tmp, &path).await
        };
        if let Err(e) = write.await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(ApiError::Mail(Cause::with(
                format!("outbox {}", self.dir.display()),
                e,
            )));
        }
        // The file holds the link; the log only says where it is.
        tracing::info!(file = %path.display(), user = %mail.username, "login mail written to the outbox");
        Ok(())
    }
}

/// One header line's value with CR/LF removed (no header injection).
fn clean(s: &str) -> String {
    s.chars().filter(|c| *c != '\r' && *c != '\n').collect()
}

/// RFC 2047 encoded-word for non-ASCII header text.
fn encode_word(s: &str) -> String {
    if s.is_ascii() {
        s.to_string()
    } else {
        format!("=?UTF-8?B?{}?=", STANDARD.encode(s))
    }
}

/// `Name <addr>` with the display name encoded when needed.
fn address(s: &str) -> String {
    let s = clean(s);
    match s.rfind('<') {
        Some(i) if i > 0 => {
            let name = s[..i].trim().trim_matches('"');
            format!("{} {}", encode_word(name), &s[i..])
        }
        _ => s,
    }
}

pub fn to_eml(m: &Message, id: &str, now: chrono::DateTime<chrono::Utc>) -> String {
    let boundary = format!("=_muistot_{id}");
    let domain = m
        .from
        .rsplit_once('@')
        .map(|(_, d)| d.trim_end_matches('>').to_string())
        .unwrap_or_else(|| "muistot.localhost".into());
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{id}@{domain}>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n\
         --{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{text}\r\n\
         --{boundary}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{html}\r\n\
         --{boundary}--\r\n",
        from = address(&m.from),
        to = address(&m.to),
        subject = encode_word(&clean(&m.subject)),
        date = now.to_rfc2822(),
        domain = clean(&domain),
        text = m.text,
        html = m.html,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eml_headers_are_encoded_and_clean() {
        let m = Message {
            from: "Muistot Äly <no-reply@example.com>".into(),
            to: "a@b.fi\r\nBcc: evil@x.com".into(),
            subject: "Rekisteröinti".into(),
            html: "<p>x</p>".into(),
            text: "x".into(),
        };
        let eml = to_eml(&m, "abc", chrono::Utc::now());
        assert!(eml.contains("From: =?UTF-8?B?"));
        assert!(eml.contains("To: a@b.fiBcc: evil@x.com\r\n"));
        assert!(!eml.contains("\r\nBcc:"));
        assert!(eml.contains("Subject: =?UTF-8?B?"));
        assert!(eml.contains("Message-ID: <abc@example.com>"));
        assert!(eml.ends_with("--=_muistot_abc--\r\n"));
    }
}
