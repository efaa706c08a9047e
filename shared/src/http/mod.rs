//! HTTP plumbing shared by every router: extractors that answer with our envelope,
//! language negotiation, `Location` URLs, and the common success responses.

pub mod envelope;
pub mod extract;
pub mod guard;
pub mod lang;
pub mod reply;

pub use extract::{ApiJson, ApiPath, QueryMap};
pub use lang::RequestLang;
pub use reply::{BaseUrl, Reply};
