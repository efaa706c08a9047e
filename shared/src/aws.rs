//! The one AWS `SdkConfig` of a process, shared by every AWS client (DynamoDB sessions,
//! SES mail, S3 images). Built once at start-up, only when some store needs AWS.
//!
//! Built from [`Config::aws`] alone, without `aws-config`'s default provider chains: in
//! Lambda the region and the role's credentials are environment variables
//! (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), which
//! `Config` reads, and so does local development against moto. The chains (profiles,
//! SSO, IMDS, ECS, web identity through STS) were 0.7 MiB of every function that uses
//! AWS (arm64) and are not needed where these run.

use std::time::Duration;

use aws_credential_types::{provider::SharedCredentialsProvider, Credentials};
use aws_smithy_runtime_api::client::behavior_version::BehaviorVersion;
use aws_types::{
    region::Region,
    sdk_config::{RetryConfig, SharedHttpClient, TimeoutConfig},
};

pub use aws_types::SdkConfig;

use crate::config::{Config, ImagesConfig, MailConfig, SessionsConfig};

/// Whether any configured store talks to AWS.
pub fn needed(config: &Config) -> bool {
    matches!(config.sessions, SessionsConfig::DynamoDb { .. })
        || matches!(config.mail, MailConfig::Ses)
        || matches!(config.images, ImagesConfig::S3 { .. })
}

/// The SDK configuration that `config.aws` names (endpoint, region, credentials), with
/// the API's I/O timeout on every call so a slow AWS dependency becomes a 503 instead of
/// a hung request. Without credentials every AWS call fails (a 503), as it would have
/// with the SDK's chain finding none; start-up says so once.
pub async fn sdk_config(config: &Config) -> SdkConfig {
    let timeout = Duration::from_secs(config.io_timeout_secs.max(1));
    let aws = &config.aws;
    let mut builder = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        // What aws-config chose: standard mode, 3 attempts.
        .retry_config(RetryConfig::standard())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(timeout)
                .operation_attempt_timeout(timeout)
                .operation_timeout(timeout * 2)
                .build(),
        )
        .region(aws.region.clone().map(Region::new));
    if let Some(url) = &aws.endpoint_url {
        builder = builder.endpoint_url(url);
        if url
            .get(..7)
            .is_some_and(|s| s.eq_ignore_ascii_case("http://"))
        {
            // Without it the SDK's default client serves, only slower to build.
            if let Some(client) = plain_http_client() {
                builder = builder.http_client(client);
            }
        }
    }
    match &aws.credentials {
        Some((id, secret, token)) => {
            builder =
                builder.credentials_provider(SharedCredentialsProvider::new(Credentials::new(
                    id.expose(),
                    secret.expose(),
                    token.as_ref().map(|t| t.expose().to_string()),
                    None,
                    "muistot-config",
                )));
        }
        None => tracing::warn!(
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set: AWS calls will fail"
        ),
    }
    if aws.region.is_none() {
        tracing::warn!("AWS_REGION is not set: AWS calls will fail");
    }
    builder.build()
}

/// The client for a plain-HTTP endpoint (moto, local runs): the SDK's default client
/// reads and parses the system's root certificates when a client is built (at start-up,
/// a few milliseconds), which a connection without TLS never uses. Its trust store is
/// empty, so it could not verify any HTTPS server: used only for `http://` endpoints.
/// `None` if the TLS context cannot be built (then the default client is used).
fn plain_http_client() -> Option<SharedHttpClient> {
    use aws_smithy_http_client::tls::{
        rustls_provider::CryptoMode, Provider, TlsContext, TrustStore,
    };
    let context = TlsContext::builder()
        .with_trust_store(TrustStore::empty())
        .build()
        .inspect_err(|e| tracing::warn!(error = %e, "plain-HTTP AWS client: default client used"))
        .ok()?;
    Some(
        aws_smithy_http_client::Builder::new()
            .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
            .tls_context(context)
            .build_https(),
    )
}
