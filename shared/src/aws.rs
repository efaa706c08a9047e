//! The AWS SDK configuration. `AppState::build` loads it once per process (a Lambda cold
//! start) and hands it to every client it makes. Region, credentials and
//! `AWS_ENDPOINT_URL` (moto in tests) come from the SDK's usual environment variables.
//!
//! Not a process-wide static on purpose: the config carries an HTTP connection pool bound
//! to the Tokio runtime that first used it, and tests run one runtime per server.

use aws_config::{BehaviorVersion, SdkConfig};

pub async fn aws_config() -> SdkConfig {
    aws_config::load_defaults(BehaviorVersion::latest()).await
}
