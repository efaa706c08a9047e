//! Lambda function for the memories routes: build the state once per cold start, then serve.
//! It names its own router, so only the memories handlers are linked; its backends (cargo
//! features of `muistot`, Cargo.toml) are DynamoDB sessions, image uploads to S3.

use muistot::routes::{lambda_service, memories, Group};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    muistot::telemetry::init_json();
    let state = muistot::state::from_env().await?;
    lambda_http::run(lambda_service(state, Group::Memories, memories::router())).await
}
