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
}

impl MemorySessionStore {
    pub fn new(lifetime_secs: u64) -> Self {
        Self {
            lifetime: Duration::from_secs(lifetime_secs),
            sessions: Mutex::new(HashMap::new()),
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
}
