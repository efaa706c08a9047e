//! HTTP plumbing shared by every router: extractors that answer with our envelope,
//! language negotiation, `Location` URLs, and the common success responses.

pub mod auth;
pub mod envelope;
pub mod extract;
pub mod guard;
pub mod lang;
pub mod reply;

pub use auth::{AuthUser, MaybeUser};
pub use extract::{ApiJson, ApiPath, QueryMap};
pub use lang::RequestLang;
pub use reply::{BaseUrl, Reply};
