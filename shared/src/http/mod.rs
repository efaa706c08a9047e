//! HTTP plumbing shared by every router: extractors that answer with our envelope,
//! language negotiation, `Location` URLs, the common success responses, and the caching
//! headers of reads.

pub mod auth;
pub mod bbox;
pub mod cache;
pub mod doc;
pub mod envelope;
pub mod export;
pub mod extract;
pub mod format;
pub mod guard;
pub mod lang;
pub mod limit;
pub mod page;
pub mod paged;
pub mod path;
pub mod reply;
pub mod session;
pub mod site_list;

pub use auth::{AuthUser, MaybeUser};
pub use extract::{ApiJson, ApiPath, OptionalJson, QueryMap};
pub use lang::RequestLang;
pub use path::{CommentId, CommentPathIds, MemoryId, MemoryPathIds, ProjectId, SiteId};
pub use reply::{BaseUrl, Items, Reply};
