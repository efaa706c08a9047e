//! Login and verification mail (docs/api-conventions.md#login-links): one [`Mailer`] trait, chosen
//! at start-up from `MUISTOT_MAIL`: SES v2 in AWS, an outbox folder of `.eml` files
//! locally, or only a log line. Tokens are never logged.

mod link;
mod mailer;
mod outbox;
#[cfg(feature = "ses")]
mod ses;
mod templates;

use std::sync::Arc;

pub use link::{account_deletion_link, link_user, login_link};
pub use mailer::{Composer, LogMailer, LoginMail, Mailer, Message, NotBuiltIn, Purpose};
pub use outbox::OutboxMailer;
#[cfg(feature = "ses")]
pub use ses::SesMailer;
pub use templates::Lang;

use crate::config::{Config, MailConfig};

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
