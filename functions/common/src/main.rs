//! Lambda function for the common routes: build the state once per cold start, then serve.
//! It names its own router, so only the common handlers are linked; its backends (cargo
//! features of `muistot`, Cargo.toml) are DynamoDB sessions.

use muistot::routes::{common, lambda_service, Group};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    muistot::telemetry::init_json();
    let state = muistot::state::from_env().await?;
    lambda_http::run(lambda_service(state, Group::Common, common::router())).await
}
