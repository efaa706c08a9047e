//! The traits of a store that keeps a project export too large for one Lambda response,
//! for a short while, at a URL of its own (docs/api-conventions.md#export). The file is
//! written as it is read, so that no export is held whole.

use std::time::Duration;

use async_trait::async_trait;

use crate::error::ApiError;

/// How long the URL of a kept export serves it.
pub const EXPORT_URL_LIFETIME: Duration = Duration::from_secs(300);

/// Where kept exports go in the store: a bucket's lifecycle rule expires this prefix.
pub const EXPORT_PREFIX: &str = "exports/";

/// How a browser should save an export.
#[derive(Clone, Copy, Debug)]
pub struct ExportMeta<'a> {
    pub content_type: &'a str,
    /// The name given in `Content-Disposition: attachment` (ASCII, no quotes).
    pub filename: &'a str,
}

#[async_trait]
pub trait ExportStore: Send + Sync {
    /// Starts a file under [`EXPORT_PREFIX`] and a random name.
    async fn create(&self, meta: ExportMeta<'_>) -> Result<Box<dyn ExportUpload>, ApiError>;
}

/// A kept export being written: its bytes in order, then [`ExportUpload::finish`], or
/// [`ExportUpload::abort`] after a failure.
#[async_trait]
pub trait ExportUpload: Send {
    async fn write(&mut self, bytes: &[u8]) -> Result<(), ApiError>;
    /// Completes the file and answers a URL that serves it without credentials for
    /// `lifetime`.
    async fn finish(self: Box<Self>, lifetime: Duration) -> Result<String, ApiError>;
    /// Drops what was written.
    async fn abort(self: Box<Self>);
}
