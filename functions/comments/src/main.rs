//! Lambda function for the comments routes: build the state once per cold start, then serve.
//! It names its own router, so only the comments handlers are linked; its backends (cargo
//! features of `muistot`, Cargo.toml) are DynamoDB sessions.

use muistot::routes::{comments, lambda_service, Group};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    muistot::telemetry::init_json();
    let state = muistot::state::from_env().await?;
    lambda_http::run(lambda_service(state, Group::Comments, comments::router())).await
}
