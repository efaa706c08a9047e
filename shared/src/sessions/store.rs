//! What a session holds and the trait every store implements.

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::token;
use crate::error::ApiError;

/// What a session stores, in the original server's JSON layout so that the old and new
/// servers can share one store (docs/api-conventions.md#sessions). `scopes`/`projects`
/// are written for that compatibility only: authorisation reads the database's current
/// rows (docs/compatibility.md#privileges-are-read-on-every-request).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionData {
    pub user: String,
    #[serde(default)]
    pub data: SessionGrants,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionGrants {
    #[serde(default)]
    pub scopes: Vec<String>,
    #[serde(default)]
    pub projects: Vec<String>,
}

impl SessionData {
    pub fn for_user(user: impl Into<String>) -> Self {
        Self {
            user: user.into(),
            data: SessionGrants::default(),
        }
    }
}

#[async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores `session` under `key` unless that key is already a session; whether it did.
    async fn create_at(&self, key: &[u8], session: &SessionData) -> Result<bool, ApiError>;
    /// Stores a new session under a fresh key from the OS random source and returns that
    /// key. A clash of 256-bit keys is practically impossible; `create_at` makes it
    /// harmless anyway.
    async fn create(&self, session: &SessionData) -> Result<Vec<u8>, ApiError> {
        for _ in 0..4 {
            let key = token::new_key()?;
            if self.create_at(&key, session).await? {
                return Ok(key);
            }
        }
        Err(ApiError::Internal(
            "could not allocate a unique session key".into(),
        ))
    }
    /// Reads the session and re-arms its inactivity timer; `None` if it has ended.
    async fn touch(&self, key: &[u8]) -> Result<Option<SessionData>, ApiError>;
    /// Ends one session.
    async fn end(&self, key: &[u8], user: &str) -> Result<(), ApiError>;
    /// Ends every session of `user`, and only that user's.
    async fn end_all(&self, user: &str) -> Result<(), ApiError>;
    /// Adds one to the counter `name` in one atomic step and returns its value, this one
    /// included; a new counter expires `ttl_secs` later. The posting limits count with it
    /// (`http::limit`), so parallel requests on any instance share one count.
    async fn hit(&self, name: &str, ttl_secs: u64) -> Result<u64, ApiError>;

    /// How many sessions of `user` are live now (not ended, not expired); for the
    /// account export (docs/api-conventions.md#account-export-and-deletion).
    async fn count(&self, user: &str) -> Result<u64, ApiError>;
}
