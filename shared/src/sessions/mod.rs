//! Sessions: one trait, stores chosen at start-up from `MUISTOT_SESSIONS`.

#[cfg(feature = "dynamodb")]
pub mod dynamodb;
mod memory;
#[cfg(feature = "redis")]
mod redis_store;
mod store;
pub mod token;

#[cfg(feature = "dynamodb")]
pub use dynamodb::DynamoDbSessionStore;
pub use memory::MemorySessionStore;
#[cfg(feature = "redis")]
pub use redis_store::RedisSessionStore;

pub use store::{SessionData, SessionGrants, SessionStore};
