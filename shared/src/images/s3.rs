//! Images in an S3 bucket (`MUISTOT_IMAGES=s3://BUCKET`), the store of deployed functions
//! (Lambda's disk is not kept). Objects are named like the `images.file_name` rows; kept
//! exports go under `exports/`, which the bucket's lifecycle rule expires.

use crate::aws::SdkConfig;
use async_trait::async_trait;
use aws_sdk_s3::{presigning::PresigningConfig, primitives::ByteStream, Client};
use chrono::{DateTime, Utc};

use super::export::{ExportFile, ExportStore, EXPORT_PREFIX};
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

#[async_trait]
impl ExportStore for S3ImageStore {
    async fn publish(
        &self,
        file: ExportFile<'_>,
        lifetime: std::time::Duration,
    ) -> Result<String, ApiError> {
        let extension = file.filename.rsplit_once('.').map_or("", |(_, e)| e);
        let key = format!("{EXPORT_PREFIX}{}.{extension}", uuid::Uuid::new_v4());
        self.client
            .put_object()
            .bucket(&self.bucket)
            .key(&key)
            .content_type(file.content_type)
            .content_disposition(format!("attachment; filename=\"{}\"", file.filename))
            .body(ByteStream::from(file.bytes))
            .send()
            .await
            .map_err(unavailable)?;
        let presigning = PresigningConfig::expires_in(lifetime)
            .map_err(|e| ApiError::internal(format!("export URL lifetime: {e}")))?;
        let request = self
            .client
            .get_object()
            .bucket(&self.bucket)
            .key(&key)
            .presigned(presigning)
            .await
            .map_err(unavailable)?;
        Ok(request.uri().to_string())
    }
}
