//! The login mail, its composition (link and template) and the trait every mailer
//! implements.

use async_trait::async_trait;

use super::{
    link::{account_deletion_link, login_link},
    templates::{self, Lang},
};
use crate::{config::Config, error::ApiError};

/// What the backend asks to send after creating a verifier.
#[derive(Clone)]
pub struct LoginMail {
    /// Recipient, as stored.
    pub to: String,
    pub username: String,
    /// The 200-character verifier; exists only in the mail
    /// (docs/compatibility.md#link-tokens-are-stored-hashed).
    pub token: String,
    /// The user's current `verified`: unverified users get the registration wording.
    pub verified: bool,
    pub lang: Lang,
    /// What the link does: log in, or confirm deleting the account.
    pub purpose: Purpose,
}

/// What a mailed link is for. Both kinds are single-use verifiers valid for 10 minutes,
/// kept in separate tables (docs/api-conventions.md#account-export-and-deletion).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Purpose {
    #[default]
    Login,
    DeleteAccount,
}

impl std::fmt::Debug for LoginMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginMail")
            .field("username", &self.username)
            .field("verified", &self.verified)
            .field("lang", &self.lang)
            .field("purpose", &self.purpose)
            .finish_non_exhaustive()
    }
}

/// A rendered message.
#[derive(Clone, Debug)]
pub struct Message {
    pub from: String,
    pub to: String,
    pub subject: String,
    pub html: String,
    pub text: String,
}

/// Sender address and link target, shared by every mailer.
#[derive(Clone, Debug)]
pub struct Composer {
    pub from: String,
    pub login_url: String,
}

impl Composer {
    pub fn new(config: &Config) -> Self {
        Self {
            from: config.mail_from.clone(),
            login_url: config.login_url.clone(),
        }
    }

    pub fn compose(&self, mail: &LoginMail) -> Message {
        let t = match mail.purpose {
            Purpose::Login => {
                let link = login_link(&self.login_url, &mail.username, &mail.token, mail.verified);
                templates::render(mail.lang, !mail.verified, &mail.username, &link)
            }
            Purpose::DeleteAccount => {
                let link = account_deletion_link(&self.login_url, &mail.token);
                templates::render_account_deletion(mail.lang, &mail.username, &link)
            }
        };
        Message {
            from: self.from.clone(),
            to: mail.to.clone(),
            subject: t.subject,
            html: t.html,
            text: t.text,
        }
    }
}

#[async_trait]
pub trait Mailer: Send + Sync {
    /// Sends (or stores) the mail; a failure is [`ApiError::Mail`] (503) so the caller
    /// can roll back the account and verifier it was about to commit.
    async fn send(&self, mail: &LoginMail) -> Result<(), ApiError>;
}

/// `MUISTOT_MAIL=log`: records that a mail would have gone out, without its link.
pub struct LogMailer;

#[async_trait]
impl Mailer for LogMailer {
    async fn send(&self, mail: &LoginMail) -> Result<(), ApiError> {
        tracing::info!(
            user = %mail.username,
            verified = mail.verified,
            "login mail not sent (MUISTOT_MAIL=log)"
        );
        Ok(())
    }
}

/// Stands in for a mailer this function was built without (the `ses` cargo feature is
/// off, docs/architecture.md): the function serves no route that sends mail, so this
/// answers only if that ever changes, with a 500 that says so.
pub struct NotBuiltIn;

#[async_trait]
impl Mailer for NotBuiltIn {
    async fn send(&self, _: &LoginMail) -> Result<(), ApiError> {
        Err(ApiError::Internal(
            "the SES mailer is not built into this function".into(),
        ))
    }
}
