//! Images in an S3 bucket (`MUISTOT_IMAGES=s3://BUCKET`), the store of deployed functions
//! (Lambda's disk is not kept). Objects are named like the `images.file_name` rows; kept
//! exports go under `exports/`, which the bucket's lifecycle rule expires.

use crate::aws::SdkConfig;
use async_trait::async_trait;
use aws_sdk_s3::{
    presigning::PresigningConfig,
    primitives::ByteStream,
    types::{CompletedMultipartUpload, CompletedPart},
    Client,
};
use chrono::{DateTime, Utc};

use super::export::{ExportMeta, ExportStore, ExportUpload, EXPORT_PREFIX};
use super::store::{sniff_mime, ImageStore, StoredImage};
use crate::error::ApiError;

pub struct S3ImageStore {
    client: Client,
    bucket: String,
}

fn unavailable(e: impl std::error::Error + Send + Sync + 'static) -> ApiError {
    ApiError::unavailable("image bucket", e)
}

impl S3ImageStore {
    /// A client over the shared SDK configuration. With a custom endpoint (moto, MinIO)
    /// buckets are addressed by path, as such servers expect.
    pub fn new(sdk: &SdkConfig, bucket: impl Into<String>) -> Self {
        crate::telemetry::link_mark!("store", "s3");
        let mut config = aws_sdk_s3::config::Builder::from(sdk);
        if sdk.endpoint_url().is_some() {
            config = config.force_path_style(true);
        }
        Self {
            client: Client::from_conf(config.build()),
            bucket: bucket.into(),
        }
    }

    async fn object(&self, name: &str) -> Result<Option<StoredImage>, ApiError> {
        let out = match self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(name)
            .send()
            .await
        {
            Ok(out) => out,
            Err(e) if e.as_service_error().is_some_and(|s| s.is_no_such_key()) => return Ok(None),
            Err(e) => return Err(unavailable(e)),
        };
        let modified = out
            .last_modified()
            .and_then(|t| DateTime::<Utc>::from_timestamp(t.secs(), 0));
        let etag = out.e_tag().map(|t| t.trim_matches('"').to_string());
        let bytes = out.body.collect().await.map_err(unavailable)?.to_vec();
        let mut image = StoredImage::new(bytes, modified);
        if let Some(tag) = etag.filter(|t| !t.is_empty() && t.is_ascii()) {
            image.etag = tag;
        }
        Ok(Some(image))
    }
}

#[async_trait]
impl ImageStore for S3ImageStore {
    async fn put(&self, name: &str, bytes: &[u8]) -> Result<(), ApiError> {
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(name)
            .content_type(sniff_mime(bytes))
            .body(ByteStream::from(bytes.to_vec()))
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }

    async fn get(&self, name: &str) -> Result<Option<Vec<u8>>, ApiError> {
        Ok(self.object(name).await?.map(|i| i.bytes))
    }

    async fn fetch(&self, name: &str) -> Result<Option<StoredImage>, ApiError> {
        self.object(name).await
    }

    async fn delete(&self, name: &str) -> Result<(), ApiError> {
        self.client
            .delete_object()
            .bucket(&self.bucket)
            .key(name)
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

/// Bytes of each part of a kept export but the last (S3 wants at least 5 MiB): what an
/// export holds in memory at most, besides one chunk of sites. A file of one part is put
/// whole, without a multipart upload.
const EXPORT_PART_BYTES: usize = 8 * 1024 * 1024;

#[async_trait]
impl ExportStore for S3ImageStore {
    async fn create(&self, meta: ExportMeta<'_>) -> Result<Box<dyn ExportUpload>, ApiError> {
        let extension = meta.filename.rsplit_once('.').map_or("", |(_, e)| e);
        Ok(Box::new(S3ExportUpload {
            client: self.client.clone(),
            bucket: self.bucket.clone(),
            key: format!("{EXPORT_PREFIX}{}.{extension}", uuid::Uuid::new_v4()),
            content_type: meta.content_type.to_string(),
            disposition: format!("attachment; filename=\"{}\"", meta.filename),
            upload_id: None,
            buffer: Vec::new(),
            parts: Vec::new(),
        }))
    }
}

/// A kept export: one object put whole, or a multipart upload of [`EXPORT_PART_BYTES`]
/// parts once the first part is full.
struct S3ExportUpload {
    client: Client,
    bucket: String,
    key: String,
    content_type: String,
    disposition: String,
    /// The multipart upload, once started.
    upload_id: Option<String>,
    buffer: Vec<u8>,
    parts: Vec<CompletedPart>,
}

impl S3ExportUpload {
    /// The buffer as the next part, starting the multipart upload at the first.
    async fn send_part(&mut self) -> Result<(), ApiError> {
        let upload_id = match &self.upload_id {
            Some(id) => id.clone(),
            None => {
                let out = self
                    .client
                    .create_multipart_upload()
                    .bucket(&self.bucket)
                    .key(&self.key)
                    .content_type(&self.content_type)
                    .content_disposition(&self.disposition)
                    .send()
                    .await
                    .map_err(unavailable)?;
                let id = out
                    .upload_id()
                    .ok_or_else(|| ApiError::internal("S3 started an upload without an id"))?
                    .to_string();
                self.upload_id = Some(id.clone());
                id
            }
        };
        let number = i32::try_from(self.parts.len() + 1)
            .map_err(|_| ApiError::internal("too many export parts"))?;
        let out = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(upload_id)
            .part_number(number)
            .body(ByteStream::from(std::mem::take(&mut self.buffer)))
            .send()
            .await
            .map_err(unavailable)?;
        self.parts.push(
            CompletedPart::builder()
                .part_number(number)
                .set_e_tag(out.e_tag().map(str::to_string))
                .build(),
        );
        Ok(())
    }

    /// Completes the multipart upload, or puts the buffer as the whole object.
    async fn complete(&mut self) -> Result<(), ApiError> {
        if self.upload_id.is_none() {
            self.client
                .put_object()
                .bucket(&self.bucket)
                .key(&self.key)
                .content_type(&self.content_type)
                .content_disposition(&self.disposition)
                .body(ByteStream::from(std::mem::take(&mut self.buffer)))
                .send()
                .await
                .map_err(unavailable)?;
            return Ok(());
        }
        if !self.buffer.is_empty() {
            self.send_part().await?;
        }
        self.client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .set_upload_id(self.upload_id.clone())
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(std::mem::take(&mut self.parts)))
                    .build(),
            )
            .send()
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

#[async_trait]
impl ExportUpload for S3ExportUpload {
    async fn write(&mut self, bytes: &[u8]) -> Result<(), ApiError> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= EXPORT_PART_BYTES {
            self.send_part().await?;
        }
        Ok(())
    }

    async fn finish(
        mut self: Box<Self>,
        lifetime: std::time::Duration,
    ) -> Result<String, ApiError> {
        if let Err(e) = self.complete().await {
            self.abort().await;
            return Err(e);
        }
        let presigning = PresigningConfig::expires_in(lifetime)
            .map_err(|e| ApiError::internal(format!("export URL lifetime: {e}")))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .presigned(presigning)
            .await
            .map_err(unavailable)?;
        Ok(request.uri().to_string())
    }

    async fn abort(self: Box<Self>) {
        let Some(upload_id) = &self.upload_id else {
            return;
        };
        let aborted = self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(upload_id)
            .send()
            .await;
        if let Err(e) = aborted {
            // The bucket's lifecycle rule removes it within a day.
            tracing::warn!(error = %e, key = %self.key, "export upload not aborted");
        }
    }
}
