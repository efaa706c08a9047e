//! `MUISTOT_MAIL=ses`: Amazon SES v2 `SendEmail` with an HTML and a text body.

use async_trait::async_trait;
use aws_sdk_sesv2::{
    types::{Body, Content, Destination, EmailContent, Message as SesMessage},
    Client,
};

use super::mailer::{Composer, LoginMail, Mailer};
use crate::error::{ApiError, Cause};

pub struct SesMailer {
    client: Client,
    composer: Composer,
}

impl SesMailer {
    pub fn new(aws: &crate::aws::SdkConfig, composer: Composer) -> Self {
        crate::telemetry::link_mark!("store", "ses");
        Self {
            client: Client::new(aws),
            composer,
        }
    }
}

fn utf8(data: String) -> Result<Content, ApiError> {
    Content::builder()
        .data(data)
        .charset("UTF-8")
        .build()
        .map_err(|e| ApiError::Mail(Cause::with("ses: message content", e)))
}

#[async_trait]
impl Mailer for SesMailer {
    async fn send(&self, mail: &LoginMail) -> Result<(), ApiError> {
        let m = self.composer.compose(mail);
        let message = SesMessage::builder()
            .subject(utf8(m.subject)?)
            .body(
                Body::builder()
                    .html(utf8(m.html)?)
                    .text(utf8(m.text)?)
                    .build(),
            )
            .build();
        let result = self
            .client
            .send_email()
            .from_email_address(m.from)
            .destination(Destination::builder().to_addresses(m.to).build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await;
        match result {
            Ok(out) => {
                tracing::info!(
                    message_id = out.message_id().unwrap_or("-"),
                    user = %mail.username,
                    "login mail sent with SES"
                );
                Ok(())
            }
            // The SDK's errors name the operation and the service's reason, not the body.
            Err(e) => Err(ApiError::Mail(Cause::with("ses: SendEmail", e))),
        }
    }
}
