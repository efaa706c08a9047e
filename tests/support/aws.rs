//! The AWS services on moto's server (started by `.ci/services.sh`): the environment that
//! points a test server at it, DynamoDB session tables, SES identities and the messages SES
//! accepted.

use serde_json::Value;

use super::{
    app::{config_from, Env},
    names::unique,
};

/// moto's server.
pub fn moto_url() -> String {
    std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "http://127.0.0.1:5055".into())
}

/// Environment that points a test server's AWS clients at moto with dummy credentials.
pub fn aws_env() -> Env {
    vec![
        ("AWS_ENDPOINT_URL", moto_url()),
        ("AWS_REGION", "eu-north-1".into()),
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
    ]
}

/// The SDK configuration the test server gets from [`aws_env`], for the tests' own clients.
pub async fn sdk_config() -> aws_config::SdkConfig {
    muistot::aws::sdk_config(&config_from(&aws_env())).await
}

/// A fresh DynamoDB session table on moto (key schema of the deployment template).
pub async fn dynamodb_table() -> String {
    let table = unique("sessions");
    let client = aws_sdk_dynamodb::Client::new(&sdk_config().await);
    muistot::sessions::DynamoDbSessionStore::create_table(&client, &table)
        .await
        .expect("create the session table on moto");
    table
}

/// [`aws_env`] plus DynamoDB sessions in a fresh table.
pub async fn dynamodb_env() -> Env {
    let mut env = aws_env();
    env.push((
        "MUISTOT_SESSIONS",
        format!("dynamodb://{}", dynamodb_table().await),
    ));
    env
}

/// A sender address that SES on moto accepts (identities are verified at once).
pub async fn ses_sender() -> String {
    let sender = format!("{}@muistot-test.example", unique("sender"));
    let client = aws_sdk_sesv2::Client::new(&sdk_config().await);
    client
        .create_email_identity()
        .email_identity(&sender)
        .send()
        .await
        .expect("create the SES identity on moto");
    sender
}

/// Every message SES on moto has accepted for `recipient` (HTML body), oldest first.
/// moto builds `data.json` by walking its live state; a request that other tests change
/// at that moment can get an error page instead, so a failed read is tried again.
pub async fn ses_messages_to(recipient: &str) -> Vec<Value> {
    let url = format!("{}/moto-api/data.json", moto_url());
    let mut data = Value::Null;
    for attempt in 1..=5 {
        let read = async {
            reqwest::get(&url)
                .await?
                .error_for_status()?
                .json::<Value>()
                .await
        };
        match read.await {
            Ok(v) => {
                data = v;
                break;
            }
            Err(e) if attempt == 5 => panic!("moto's data.json: {e}"),
            Err(_) => tokio::time::sleep(std::time::Duration::from_millis(200)).await,
        }
    }
    data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|m| m.to_string().contains(recipient))
        .collect()
}

/// A fresh bucket on moto.
pub async fn moto_bucket() -> String {
    let endpoint = moto_url();
    assert!(
        endpoint.starts_with("http://127.") || endpoint.starts_with("http://localhost"),
        "tests talk to a local moto only, not {endpoint}"
    );
    let bucket = format!("muistot-test-{}", &unique("x")[2..]);
    let r = reqwest::Client::new()
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "create bucket: {}", r.status());
    bucket
}
