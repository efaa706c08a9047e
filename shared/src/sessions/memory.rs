//! In-process sessions for development without Redis (`MUISTOT_SESSIONS=memory`).
//! Sessions vanish with the process and are not shared between Lambda instances.

use std::{
    collections::HashMap,
    sync::Mutex,
    time::{Duration, Instant},
};

use async_trait::async_trait;

use super::store::{SessionData, SessionStore};
use crate::error::ApiError;

pub struct MemorySessionStore {
    lifetime: Duration,
    sessions: Mutex<HashMap<Vec<u8>, (SessionData, Instant)>>,
    counters: Mutex<HashMap<String, (u64, Instant)>>,
}

impl MemorySessionStore {
    pub fn new(lifetime_secs: u64) -> Self {
        Self {
            lifetime: Duration::from_secs(lifetime_secs),
            sessions: Mutex::new(HashMap::new()),
            counters: Mutex::new(HashMap::new()),
        }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<Vec<u8>, (SessionData, Instant)>> {
        // A panic elsewhere cannot leave the map half-updated: every update is one call.
        self.sessions.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[async_trait]
impl SessionStore for MemorySessionStore {
    async fn create_at(&self, key: &[u8], session: &SessionData) -> Result<bool, ApiError> {
        let mut map = self.map();
        let now = Instant::now();
        map.retain(|_, (_, expires)| *expires > now);
        if map.contains_key(key) {
            return Ok(false);
        }
        map.insert(key.to_vec(), (session.clone(), now + self.lifetime));
        Ok(true)
    }

    async fn touch(&self, key: &[u8]) -> Result<Option<SessionData>, ApiError> {
        let mut map = self.map();
        let now = Instant::now();
        match map.get_mut(key) {
            Some((data, expires)) if *expires > now => {
                *expires = now + self.lifetime;
                Ok(Some(data.clone()))
            }
            Some(_) => {
                map.remove(key);
                Ok(None)
            }
            None => Ok(None),
        }
    }

    async fn end(&self, key: &[u8], _user: &str) -> Result<(), ApiError> {
        self.map().remove(key);
        Ok(())
    }

    async fn end_all(&self, user: &str) -> Result<(), ApiError> {
        self.map().retain(|_, (data, _)| data.user != user);
        Ok(())
    }

    async fn count(&self, user: &str) -> Result<u64, ApiError> {
        let now = Instant::now();
        let live = self
            .map()
            .values()
            .filter(|(data, expires)| data.user == user && *expires > now)
            .count();
        Ok(live as u64)
    }

    async fn hit(&self, name: &str, ttl_secs: u64) -> Result<u64, ApiError> {
        let mut counters = self.counters.lock().unwrap_or_else(|p| p.into_inner());
        let now = Instant::now();
        counters.retain(|_, (_, expires)| *expires > now);
        let entry = counters
            .entry(name.to_string())
            .or_insert((0, now + Duration::from_secs(ttl_secs)));
        entry.0 += 1;
        Ok(entry.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn counters_count_and_expire() {
        let store = MemorySessionStore::new(60);
        assert_eq!(store.hit("a", 60).await.unwrap(), 1);
        assert_eq!(store.hit("a", 60).await.unwrap(), 2);
        assert_eq!(store.hit("b", 60).await.unwrap(), 1);
        assert_eq!(store.hit("c", 0).await.unwrap(), 1);
        // A counter whose time is up starts again.
        assert_eq!(store.hit("c", 0).await.unwrap(), 1);
    }
}
