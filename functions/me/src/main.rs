//! Lambda function for the me routes: build the state once per cold start, then serve.

use muistot::routes::{service, Group};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    muistot::telemetry::init_json();
    let state = muistot::state::from_env().await?;
    lambda_http::run(service(state, &[Group::Me])).await
}
