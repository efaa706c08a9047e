//! The one AWS `SdkConfig` of a process, shared by every AWS client (DynamoDB sessions,
//! SES mail, S3 images). Built once at start-up, only when some store needs AWS.

use std::time::Duration;

use aws_config::{timeout::TimeoutConfig, BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

use crate::config::{Config, ImagesConfig, MailConfig, SessionsConfig};

/// Whether any configured store talks to AWS.
pub fn needed(config: &Config) -> bool {
    matches!(config.sessions, SessionsConfig::DynamoDb { .. })
        || matches!(config.mail, MailConfig::Ses)
        || matches!(config.images, ImagesConfig::S3 { .. })
}

/// Loads the SDK configuration: the SDK's default chain (environment, Lambda role),
/// overridden by what `config.aws` names, with the API's I/O timeout on every call so a
/// slow AWS dependency becomes a 503 instead of a hung request.
pub async fn sdk_config(config: &Config) -> SdkConfig {
    let timeout = Duration::from_secs(config.io_timeout_secs.max(1));
    let mut loader = aws_config::defaults(BehaviorVersion::latest()).timeout_config(
        TimeoutConfig::builder()
            .connect_timeout(timeout)
            .operation_attempt_timeout(timeout)
            .operation_timeout(timeout * 2)
            .build(),
    );
    let aws = &config.aws;
    if let Some(url) = &aws.endpoint_url {
        loader = loader.endpoint_url(url);
    }
    if let Some(region) = &aws.region {
        loader = loader.region(Region::new(region.clone()));
    }
    if let Some((id, secret, token)) = &aws.credentials {
        loader = loader.credentials_provider(Credentials::new(
            id.expose(),
            secret.expose(),
            token.as_ref().map(|t| t.expose().to_string()),
            None,
            "muistot-config",
        ));
    }
    loader.load().await
}
