//! Lambda function for the images routes: build the state once per cold start, then serve.
//! It names its own router, so only the images handlers are linked; its backends (cargo
//! features of `muistot`, Cargo.toml) are DynamoDB sessions, images from S3.

use muistot::routes::{images, lambda_service, Group};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    muistot::telemetry::init_json();
    let state = muistot::state::from_env().await?;
    lambda_http::run(lambda_service(state, Group::Images, images::router())).await
}
