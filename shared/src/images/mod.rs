//! Uploaded images: decoded and checked by content (docs/api-conventions.md#images),
//! stored under a server-chosen random name through an [`ImageStore`].

mod dir;
mod export;
#[cfg(feature = "s3")]
mod s3;
mod store;
pub mod upload;

pub use dir::DirImageStore;
#[cfg(feature = "s3")]
pub use s3::S3ImageStore;

pub use export::{ExportMeta, ExportStore, ExportUpload, EXPORT_PREFIX, EXPORT_URL_LIFETIME};
pub use store::{bundled, content_tag, sniff_mime, ImageKind, ImageStore, NotBuiltIn, StoredImage};
