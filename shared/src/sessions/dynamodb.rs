//! DynamoDB sessions (`MUISTOT_SESSIONS=dynamodb://TABLE`). One item per session:
//!
//! | attribute | type | |
//! | --- | --- | --- |
//! | `token` | S | partition key: standard base64 of the store key (`token:` + 32 random bytes) |
//! | `user` | S | username as stored in `users`; partition key of the GSI `by-user` |
//! | `data` | S | the session JSON (docs/api-conventions.md#sessions) |
//! | `expires_at` | N | epoch seconds; the table's TTL attribute |
//!
//! Posting-limit counters (`SessionStore::hit`) are items `limit#<name>` with a number
//! `hits` and the same `expires_at`; without `user` they are not in the GSI.
//!
//! DynamoDB deletes expired items late, so every read also checks `expires_at`. The
//! per-user index is a GSI whose entries vanish with their items, so it never holds stale
//! tokens (docs/compatibility.md#per-user-session-indexes-hold-no-stale-tokens). A GSI is
//! eventually consistent: a session created in the same instant as a "log out everywhere"
//! may be missed by it (typically well under a second).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_trait::async_trait;
use aws_sdk_dynamodb::{
    error::SdkError,
    types::{
        AttributeDefinition, AttributeValue, BillingMode, DeleteRequest, GlobalSecondaryIndex,
        KeySchemaElement, KeyType, Projection, ProjectionType, ReturnValue, ScalarAttributeType,
        TimeToLiveSpecification, WriteRequest,
    },
    Client,
};
use base64::{engine::general_purpose::STANDARD, Engine};

use super::store::{SessionData, SessionStore};
use crate::error::{ApiError, Cause};

/// Names the deployment template must use.
pub const PARTITION_KEY: &str = "token";
pub const USER_ATTR: &str = "user";
pub const DATA_ATTR: &str = "data";
pub const TTL_ATTR: &str = "expires_at";
/// The count of a posting-limit counter item (`limit#<name>`).
pub const HITS_ATTR: &str = "hits";
pub const USER_INDEX: &str = "by-user";

pub struct DynamoDbSessionStore {
    client: Client,
    table: String,
    lifetime_secs: u64,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn unavailable<E, R>(e: SdkError<E, R>) -> ApiError
where
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
{
    ApiError::unavailable("session store", e)
}

fn s(v: impl Into<String>) -> AttributeValue {
    AttributeValue::S(v.into())
}

fn n(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

impl DynamoDbSessionStore {
    pub fn new(aws: &crate::aws::SdkConfig, table: impl Into<String>, lifetime_secs: u64) -> Self {
        crate::telemetry::link_mark!("store", "dynamodb");
        Self {
            client: Client::new(aws),
            table: table.into(),
            lifetime_secs,
        }
    }

    fn item_key(key: &[u8]) -> AttributeValue {
        s(STANDARD.encode(key))
    }

    /// Creates the table with the layout above (TTL on `expires_at`, GSI `by-user`), for
    /// local runs and tests; deployed tables come from the template. No-op if it exists.
    pub async fn create_table(client: &Client, table: &str) -> Result<(), ApiError> {
        let attr = |name: &str| {
            AttributeDefinition::builder()
                .attribute_name(name)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(|e| ApiError::Internal(Cause::with("DynamoDB table definition", e)))
        };
        let hash = |name: &str| {
            KeySchemaElement::builder()
                .attribute_name(name)
                .key_type(KeyType::Hash)
                .build()
                .map_err(|e| ApiError::Internal(Cause::with("DynamoDB table definition", e)))
        };
        let created = client
            .create_table()
            .table_name(table)
            .billing_mode(BillingMode::PayPerRequest)
            .attribute_definitions(attr(PARTITION_KEY)?)
            .attribute_definitions(attr(USER_ATTR)?)
            .key_schema(hash(PARTITION_KEY)?)
            .global_secondary_indexes(
                GlobalSecondaryIndex::builder()
                    .index_name(USER_INDEX)
                    .key_schema(hash(USER_ATTR)?)
                    .projection(
                        Projection::builder()
                            .projection_type(ProjectionType::KeysOnly)
                            .build(),
                    )
                    .build()
                    .map_err(|e| ApiError::Internal(Cause::with("DynamoDB table definition", e)))?,
            )
            .send()
            .await;
        match created {
            Ok(_) => {}
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_in_use_exception()) =>
            {
                return Ok(())
            }
            Err(e) => return Err(unavailable(e)),
        }
        client
            .update_time_to_live()
            .table_name(table)
            .time_to_live_specification(
                TimeToLiveSpecification::builder()
                    .enabled(true)
                    .attribute_name(TTL_ATTR)
                    .build()
                    .map_err(|e| ApiError::Internal(Cause::with("DynamoDB table definition", e)))?,
            )
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    /// The tokens the per-user index lists for `user`, page by page. The index is
    /// eventually consistent and TTL deletion lags, so callers judge each item themselves.
    async fn keys_of(&self, user: &str) -> Result<Vec<AttributeValue>, ApiError> {
        let mut keys = Vec::new();
        let mut start = None;
        loop {
            let page = self
                .client
                .query()
                .table_name(&self.table)
                .index_name(USER_INDEX)
                .key_condition_expression("#u = :u")
                .expression_attribute_names("#u", USER_ATTR)
                .expression_attribute_values(":u", s(user))
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(unavailable)?;
            keys.extend(
                page.items()
                    .iter()
                    .filter_map(|item| item.get(PARTITION_KEY).cloned()),
            );
            match page.last_evaluated_key() {
                Some(k) if !k.is_empty() => start = Some(k.clone()),
                _ => break,
            }
        }
        Ok(keys)
    }

    /// How many of `keys` are sessions that have not expired, each read consistently
    /// with `GetItem` (the permission authentication has already; a user has few
    /// sessions).
    async fn count_live(&self, keys: Vec<AttributeValue>) -> Result<u64, ApiError> {
        let now = now_secs();
        let mut live = 0u64;
        for key in keys {
            let item = self
                .client
                .get_item()
                .table_name(&self.table)
                .key(PARTITION_KEY, key)
                .consistent_read(true)
                .projection_expression("#e")
                .expression_attribute_names("#e", TTL_ATTR)
                .send()
                .await
                .map_err(unavailable)?;
            let expires = item
                .item()
                .and_then(|i| i.get(TTL_ATTR))
                .and_then(|v| v.as_n().ok())
                .and_then(|n| n.parse::<u64>().ok());
            if expires.is_some_and(|e| e >= now) {
                live += 1;
            }
        }
        Ok(live)
    }

    /// Deletes items by key, 25 a request, retrying what DynamoDB leaves unprocessed.
    async fn delete_keys(&self, keys: Vec<AttributeValue>) -> Result<(), ApiError> {
        for chunk in keys.chunks(25) {
            let mut requests = chunk
                .iter()
                .map(|k| {
                    DeleteRequest::builder()
                        .key(PARTITION_KEY, k.clone())
                        .build()
                        .map(|d| WriteRequest::builder().delete_request(d).build())
                        .map_err(|e| {
                            ApiError::Internal(Cause::with("DynamoDB table definition", e))
                        })
                })
                .collect::<Result<Vec<_>, _>>()?;
            for attempt in 0..8u32 {
                if requests.is_empty() {
                    break;
                }
                let out = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, requests)
                    .send()
                    .await
                    .map_err(unavailable)?;
                requests = out
                    .unprocessed_items()
                    .and_then(|m| m.get(&self.table))
                    .cloned()
                    .unwrap_or_default();
                if !requests.is_empty() {
                    tokio::time::sleep(Duration::from_millis(20 << attempt)).await;
                }
            }
            if !requests.is_empty() {
                return Err(ApiError::Unavailable(
                    "session store: sessions left after retries".into(),
                ));
            }
        }
        Ok(())
    }
}

#[async_trait]
impl SessionStore for DynamoDbSessionStore {
    async fn create_at(&self, key: &[u8], session: &SessionData) -> Result<bool, ApiError> {
        let json = serde_json::to_string(session)
            .map_err(|e| ApiError::Internal(Cause::with("DynamoDB table definition", e)))?;
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item(PARTITION_KEY, Self::item_key(key))
            .item(USER_ATTR, s(&session.user))
            .item(DATA_ATTR, s(&json))
            .item(TTL_ATTR, n(now_secs() + self.lifetime_secs))
            // Two sessions never share a token.
            .condition_expression("attribute_not_exists(#t)")
            .expression_attribute_names("#t", PARTITION_KEY)
            .send()
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn touch(&self, key: &[u8]) -> Result<Option<SessionData>, ApiError> {
        let now = now_secs();
        // One round trip: re-arm the expiry only if the item exists and has not expired
        // (TTL deletion lags), and read it back. Whole seconds: `>=` makes the lifetime a
        // lower bound (a session lives `lifetime` to `lifetime + 1` s after its last use).
        let updated = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, Self::item_key(key))
            .update_expression("SET #e = :e")
            .condition_expression("attribute_exists(#t) AND #e >= :now")
            .expression_attribute_names("#t", PARTITION_KEY)
            .expression_attribute_names("#e", TTL_ATTR)
            .expression_attribute_values(":e", n(now + self.lifetime_secs))
            .expression_attribute_values(":now", n(now))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match updated {
            Ok(out) => Ok(out
                .attributes()
                .and_then(|a| a.get(DATA_ATTR))
                .and_then(|v| v.as_s().ok())
                // An item we cannot read is no session rather than a server fault.
                .and_then(|json| serde_json::from_str(json).ok())),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_conditional_check_failed_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn end(&self, key: &[u8], _user: &str) -> Result<(), ApiError> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, Self::item_key(key))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn end_all(&self, user: &str) -> Result<(), ApiError> {
        let keys = self.keys_of(user).await?;
        self.delete_keys(keys).await
    }

    async fn hit(&self, name: &str, ttl_secs: u64) -> Result<u64, ApiError> {
        // `#` never occurs in the base64 of a session key, so a counter is no session;
        // the TTL attribute removes it like an ended session.
        let updated = self
            .client
            .update_item()
            .table_name(&self.table)
            .key(PARTITION_KEY, s(format!("limit#{name}")))
            .update_expression("ADD #c :one SET #e = if_not_exists(#e, :e)")
            .expression_attribute_names("#c", HITS_ATTR)
            .expression_attribute_names("#e", TTL_ATTR)
            .expression_attribute_values(":one", n(1))
            .expression_attribute_values(":e", n(now_secs() + ttl_secs))
            .return_values(ReturnValue::UpdatedNew)
            .send()
            .await
            .map_err(unavailable)?;
        updated
            .attributes()
            .and_then(|a| a.get(HITS_ATTR))
            .and_then(|v| v.as_n().ok())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| ApiError::internal("DynamoDB counter returned no count"))
    }

    async fn count(&self, user: &str) -> Result<u64, ApiError> {
        let keys = self.keys_of(user).await?;
        self.count_live(keys).await
    }
}
