//! Lambda function for the login routes: build the state once per cold start, then serve.
//! It names its own router, so only the login handlers are linked; its backends (cargo
//! features of `muistot`, Cargo.toml) are DynamoDB sessions, login mail through SES.

use muistot::routes::{lambda_service, login, Group};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    muistot::telemetry::init_json();
    let state = muistot::state::from_env().await?;
    lambda_http::run(lambda_service(state, Group::Login, login::router())).await
}
