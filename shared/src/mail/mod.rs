//! Login and verification mail (docs/api-conventions.md#login-links): one [`Mailer`] trait, chosen
//! at start-up from `MUISTOT_MAIL`: SES v2 in AWS, an outbox folder of `.eml` files
//! locally, or only a log line. Tokens are never logged.

mod link;
mod outbox;
#[cfg(feature = "ses")]
mod ses;
mod templates;

use std::sync::Arc;

use async_trait::async_trait;

pub use link::{link_user, login_link};
pub use outbox::OutboxMailer;
#[cfg(feature = "ses")]
pub use ses::SesMailer;
pub use templates::Lang;

use crate::{
    config::{Config, MailConfig},
    error::ApiError,
};

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
}

impl std::fmt::Debug for LoginMail {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginMail")
            .field("username", &self.username)
            .field("verified", &self.verified)
            .field("lang", &self.lang)
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
        let link = login_link(&self.login_url, &mail.username, &mail.token, mail.verified);
        let t = templates::render(mail.lang, !mail.verified, &mail.username, &link);
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

/// The mailer `config` asks for; `aws` is the process's shared SDK configuration.
#[cfg(feature = "ses")]
pub async fn from_config(
    config: &Config,
    aws: Option<&crate::aws::SdkConfig>,
) -> Result<Arc<dyn Mailer>, String> {
    let composer = Composer::new(config);
    Ok(match &config.mail {
        MailConfig::Log => Arc::new(LogMailer),
        MailConfig::Outbox(dir) => Arc::new(OutboxMailer::new(dir.clone(), composer)?),
        MailConfig::Ses => {
            let aws = aws.ok_or("ses needs the AWS configuration")?;
            Arc::new(SesMailer::new(aws, composer))
        }
    })
}

/// The mailer `config` asks for, in a build without SES: that one is [`NotBuiltIn`].
#[cfg(not(feature = "ses"))]
pub async fn from_config(config: &Config) -> Result<Arc<dyn Mailer>, String> {
    let composer = Composer::new(config);
    Ok(match &config.mail {
        MailConfig::Log => Arc::new(LogMailer),
        MailConfig::Outbox(dir) => Arc::new(OutboxMailer::new(dir.clone(), composer)?),
        MailConfig::Ses => Arc::new(NotBuiltIn),
    })
}
