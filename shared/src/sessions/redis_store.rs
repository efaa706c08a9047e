//! Redis sessions in the original layout (`token:<bytes>` → JSON, `user:<name>` → set of
//! keys), without its stale-index weakness: the index expires with the user's last
//! session, is pruned on every login, and a purge deletes only keys that still belong to
//! that user (docs/compatibility.md#per-user-session-indexes-hold-no-stale-tokens).

use std::time::Duration;

use async_trait::async_trait;
use redis::{aio::ConnectionManager, Script};

use super::store::{SessionData, SessionStore};
use crate::error::{ApiError, Cause};

impl From<redis::RedisError> for ApiError {
    fn from(e: redis::RedisError) -> Self {
        ApiError::unavailable("session store", e)
    }
}

const CREATE: &str = r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  redis.call('SADD', KEYS[2], KEYS[1])
  redis.call('EXPIRE', KEYS[2], ARGV[2])
  for _, k in ipairs(redis.call('SMEMBERS', KEYS[2])) do
    if redis.call('EXISTS', k) == 0 then redis.call('SREM', KEYS[2], k) end
  end
  return 1
end
return 0";

const TOUCH: &str = r"
if redis.call('EXPIRE', KEYS[1], ARGV[1]) == 0 then return false end
local v = redis.call('GET', KEYS[1])
local ok, s = pcall(cjson.decode, v)
if ok and type(s) == 'table' and type(s['user']) == 'string' then
  local idx = 'user:' .. s['user']
  if redis.call('TTL', idx) < tonumber(ARGV[1]) then redis.call('EXPIRE', idx, ARGV[1]) end
end
return v";

const END_ALL: &str = r"
for _, k in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local v = redis.call('GET', k)
  if v then
    local ok, s = pcall(cjson.decode, v)
    if ok and type(s) == 'table' and s['user'] == ARGV[1] then redis.call('DEL', k) end
  end
end
redis.call('DEL', KEYS[1])
return 1";

const HIT: &str = r"
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return n";

/// Live sessions in the user's index: members whose key still exists and names the user.
const COUNT: &str = r"
local n = 0
for _, k in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local v = redis.call('GET', k)
  if v then
    local ok, s = pcall(cjson.decode, v)
    if ok and type(s) == 'table' and s['user'] == ARGV[1] then n = n + 1 end
  end
end
return n";

pub struct RedisSessionStore {
    conn: ConnectionManager,
    lifetime_secs: u64,
    timeout: Duration,
    create: Script,
    touch: Script,
    end_all: Script,
    hit: Script,
    count: Script,
}

fn user_index(user: &str) -> Vec<u8> {
    let mut k = b"user:".to_vec();
    k.extend_from_slice(user.as_bytes());
    k
}

impl RedisSessionStore {
    /// Connects once (during init); the manager reconnects by itself after failures.
    pub async fn connect(
        url: &str,
        lifetime_secs: u64,
        timeout: Duration,
    ) -> Result<Self, ApiError> {
        crate::telemetry::link_mark!("store", "redis");
        let client =
            redis::Client::open(url).map_err(|e| ApiError::unavailable("session store URL", e))?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1);
        let conn =
            tokio::time::timeout(timeout, ConnectionManager::new_with_config(client, config))
                .await
                .map_err(|_| ApiError::Unavailable("session store connect timed out".into()))??;
        Ok(Self {
            conn,
            lifetime_secs,
            timeout,
            create: Script::new(CREATE),
            touch: Script::new(TOUCH),
            end_all: Script::new(END_ALL),
            hit: Script::new(HIT),
            count: Script::new(COUNT),
        })
    }

    async fn run<T>(
        &self,
        fut: impl std::future::Future<Output = redis::RedisResult<T>>,
    ) -> Result<T, ApiError> {
        match tokio::time::timeout(self.timeout, fut).await {
            Ok(r) => r.map_err(ApiError::from),
            Err(_) => Err(ApiError::Unavailable("session store timed out".into())),
        }
    }
}

#[async_trait]
impl SessionStore for RedisSessionStore {
    async fn create_at(&self, key: &[u8], session: &SessionData) -> Result<bool, ApiError> {
        let json = serde_json::to_string(session)
            .map_err(|e| ApiError::Internal(Cause::with("session JSON", e)))?;
        let index = user_index(&session.user);
        let mut conn = self.conn.clone();
        let stored: i64 = self
            .run(
                self.create
                    .key(key)
                    .key(&index)
                    .arg(&json)
                    .arg(self.lifetime_secs)
                    .invoke_async(&mut conn),
            )
            .await?;
        Ok(stored == 1)
    }

    async fn touch(&self, key: &[u8]) -> Result<Option<SessionData>, ApiError> {
        let mut conn = self.conn.clone();
        let value: Option<Vec<u8>> = self
            .run(
                self.touch
                    .key(key)
                    .arg(self.lifetime_secs)
                    .invoke_async(&mut conn),
            )
            .await?;
        // A value we cannot read is treated as no session rather than a server fault.
        Ok(value.and_then(|v| serde_json::from_slice(&v).ok()))
    }

    async fn end(&self, key: &[u8], user: &str) -> Result<(), ApiError> {
        let mut conn = self.conn.clone();
        let mut pipe = redis::pipe();
        pipe.atomic()
            .del(key)
            .ignore()
            .srem(user_index(user), key)
            .ignore();
        self.run(pipe.query_async::<()>(&mut conn)).await
    }

    async fn end_all(&self, user: &str) -> Result<(), ApiError> {
        let mut conn = self.conn.clone();
        let _: i64 = self
            .run(
                self.end_all
                    .key(user_index(user))
                    .arg(user)
                    .invoke_async(&mut conn),
            )
            .await?;
        Ok(())
    }

    async fn hit(&self, name: &str, ttl_secs: u64) -> Result<u64, ApiError> {
        // `limit:` keeps counters apart from `token:` and `user:` keys.
        let key = format!("limit:{name}");
        let mut conn = self.conn.clone();
        self.run(
            self.hit
                .key(key)
                .arg(ttl_secs.max(1))
                .invoke_async(&mut conn),
        )
        .await
    }

    async fn count(&self, user: &str) -> Result<u64, ApiError> {
        let mut conn = self.conn.clone();
        let n: u64 = self
            .run(
                self.count
                    .key(user_index(user))
                    .arg(user)
                    .invoke_async(&mut conn),
            )
            .await?;
        Ok(n)
    }
}
