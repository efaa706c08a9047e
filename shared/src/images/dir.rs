//! Images in a local folder (the default for local runs).

use std::path::PathBuf;

use async_trait::async_trait;

use chrono::{DateTime, Utc};

use super::store::{ImageStore, StoredImage};
use crate::error::ApiError;

pub struct DirImageStore {
    root: PathBuf,
}

impl DirImageStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// Names reach here only after the route's pattern check; refuse anything that could
    /// leave the folder all the same.
    fn path(&self, name: &str) -> Result<PathBuf, ApiError> {
        if name.is_empty() || name.contains(['/', '\\']) || name.starts_with('.') {
            return Err(ApiError::NotFound("Not Found".into()));
        }
        Ok(self.root.join(name))
    }
}

fn unavailable(e: std::io::Error) -> ApiError {
    ApiError::unavailable("image folder", e)
}

#[async_trait]
impl ImageStore for DirImageStore {
    async fn put(&self, name: &str, bytes: &[u8]) -> Result<(), ApiError> {
        tokio::fs::create_dir_all(&self.root)
            .await
            .map_err(unavailable)?;
        let path = self.path(name)?;
        // Write under a temporary name and rename, so readers never see half a file.
        let tmp = self.root.join(format!(".{name}.part"));
        tokio::fs::write(&tmp, bytes).await.map_err(unavailable)?;
        tokio::fs::rename(&tmp, &path).await.map_err(unavailable)
    }

    async fn get(&self, name: &str) -> Result<Option<Vec<u8>>, ApiError> {
        match tokio::fs::read(self.path(name)?).await {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    async fn fetch(&self, name: &str) -> Result<Option<StoredImage>, ApiError> {
        let path = self.path(name)?;
        let bytes = match tokio::fs::read(&path).await {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(unavailable(e)),
        };
        let modified = tokio::fs::metadata(&path)
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .map(DateTime::<Utc>::from);
        Ok(Some(StoredImage::new(bytes, modified)))
    }

    async fn delete(&self, name: &str) -> Result<(), ApiError> {
        match tokio::fs::remove_file(self.path(name)?).await {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}
