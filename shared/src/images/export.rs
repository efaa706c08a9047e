//! The trait of a store that keeps a project export too large for one Lambda response,
//! for a short while, at a URL of its own (docs/api-conventions.md#export).

use std::time::Duration;

use async_trait::async_trait;

use crate::error::ApiError;

/// How long the URL of a kept export serves it.
pub const EXPORT_URL_LIFETIME: Duration = Duration::from_secs(300);

/// Where kept exports go in the store: a bucket's lifecycle rule expires this prefix.
pub const EXPORT_PREFIX: &str = "exports/";

/// A finished export file and how a browser should save it.
pub struct ExportFile<'a> {
    pub bytes: Vec<u8>,
    pub content_type: &'a str,
    /// The name given in `Content-Disposition: attachment` (ASCII, no quotes).
    pub filename: &'a str,
}

#[async_trait]
pub trait ExportStore: Send + Sync {
    /// Stores `file` under [`EXPORT_PREFIX`] and a random name, and answers a URL that
    /// serves it without credentials for `lifetime`.
    async fn publish(&self, file: ExportFile<'_>, lifetime: Duration) -> Result<String, ApiError>;
}
