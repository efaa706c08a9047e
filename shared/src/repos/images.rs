//! Image rows and their files. Files are written before commit and removed again if the
//! request fails; replaced images are deleted after commit
//! (docs/compatibility.md#image-files-leave-nothing-behind).

use std::sync::Arc;

use mysql_async::prelude::*;

use crate::error::ApiError;
use crate::images::{upload, ImageStore};

/// Uploads made during one request. Unless [`Uploads::commit`] is called, their files are
/// deleted when this is dropped, so a failed request leaves no orphan behind.
pub struct Uploads {
    store: Arc<dyn ImageStore>,
    written: Vec<String>,
    replaced: Vec<String>,
}

impl Uploads {
    pub fn new(store: Arc<dyn ImageStore>) -> Self {
        Self {
            store,
            written: Vec::new(),
            replaced: Vec::new(),
        }
    }

    /// Checks and stores `value` (an `image` field) and inserts its row; returns its id.
    pub async fn add(
        &mut self,
        q: &mut impl Queryable,
        uploader: i32,
        value: &str,
    ) -> Result<i32, ApiError> {
        let image = upload::decode(value)?;
        let name = uuid::Uuid::new_v4().to_string();
        let id: i32 = q
            .exec_first(
                "INSERT INTO images (uploader_id, file_name) VALUES (?, ?) RETURNING id",
                (uploader, &name),
            )
            .await?
            .ok_or_else(|| ApiError::internal("image insert returned no id"))?;
        self.store.put(&name, &image.bytes).await?;
        self.written.push(name);
        Ok(id)
    }

    /// Deletes the row of an image that is being replaced or removed; its file goes after
    /// commit.
    pub async fn discard(
        &mut self,
        q: &mut impl Queryable,
        image_id: Option<i32>,
    ) -> Result<(), ApiError> {
        let Some(id) = image_id else { return Ok(()) };
        let name: Option<String> = q
            .exec_first("SELECT file_name FROM images WHERE id = ?", (id,))
            .await?;
        q.exec_drop("DELETE FROM images WHERE id = ?", (id,))
            .await?;
        if let Some(name) = name {
            self.replaced.push(name);
        }
        Ok(())
    }

    /// Call after the transaction committed: keeps new files, deletes replaced ones.
    pub async fn commit(mut self) {
        self.written.clear();
        for name in std::mem::take(&mut self.replaced) {
            if let Err(e) = self.store.delete(&name).await {
                tracing::warn!(error = %e.log_chain(), "could not delete a replaced image");
            }
        }
    }
}

impl Drop for Uploads {
    fn drop(&mut self) {
        if self.written.is_empty() {
            return;
        }
        let store = self.store.clone();
        let names = std::mem::take(&mut self.written);
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                for name in names {
                    let _ = store.delete(&name).await;
                }
            });
        }
    }
}
