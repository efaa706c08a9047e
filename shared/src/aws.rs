//! The AWS SDK configuration, loaded once per process (Lambda cold start) and shared by
//! every client. Region, credentials and `AWS_ENDPOINT_URL` (moto in tests) come from the
//! SDK's usual environment variables.

use aws_config::{BehaviorVersion, SdkConfig};
use tokio::sync::OnceCell;

static CONFIG: OnceCell<SdkConfig> = OnceCell::const_new();

pub async fn aws_config() -> &'static SdkConfig {
    CONFIG
        .get_or_init(|| aws_config::load_defaults(BehaviorVersion::latest()))
        .await
}
