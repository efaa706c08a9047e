//! The answer of a project export (docs/api-conventions.md#export): the file, streamed as
//! it is read; or, where the image store can keep files (S3, i.e. on Lambda, whose answer
//! is buffered and at most 6 MB), the file whole when it fits the response size cap, else
//! kept in the store and answered `303` to a URL that serves it for a few minutes.

use axum::{
    body::{Body, Bytes},
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};
use futures_util::stream;

use super::QueryMap;
use crate::{
    error::{ApiError, ApiResult},
    images::{ExportMeta, ExportStore, ExportUpload, EXPORT_URL_LIFETIME},
    models::export::ExportFormat,
    repos::site_pages::AllSites,
    state::AppState,
};

/// The `format` of the query: `geojson` (the default) or `csv`; else a 422 at
/// `["query", "format"]`.
pub fn export_format(query: &QueryMap) -> ApiResult<ExportFormat> {
    match query.get("format") {
        None => Ok(ExportFormat::GeoJson),
        Some(name) => ExportFormat::from_name(name).ok_or_else(|| {
            ApiError::validation(
                &["query", "format"],
                "format is geojson or csv",
                "value_error",
            )
        }),
    }
}

/// Answers the export of `sites` as the file `filename` (ASCII, without quotes).
pub async fn deliver(
    state: &AppState,
    sites: AllSites,
    format: ExportFormat,
    filename: String,
) -> ApiResult<Response> {
    let Some(store) = state.exports() else {
        return Ok(file(
            format,
            &filename,
            Body::from_stream(streamed(sites, format)),
        ));
    };
    let meta = ExportMeta {
        content_type: format.media_type(),
        filename: &filename,
    };
    let cap = state.config().max_response_bytes;
    match whole_or_kept(store, sites, format, meta, cap).await? {
        Written::Whole(bytes) => Ok(file(format, &filename, Body::from(bytes))),
        Written::Kept(url) => {
            let mut r = StatusCode::SEE_OTHER.into_response();
            let location = HeaderValue::from_str(&url)
                .map_err(|e| ApiError::internal(format!("export URL as a header: {e}")))?;
            r.headers_mut().insert(header::LOCATION, location);
            r.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(r)
        }
    }
}

/// An export written for an answer that cannot be streamed.
enum Written {
    /// At most the cap: the bytes.
    Whole(Vec<u8>),
    /// Past the cap: kept in the store, at this URL.
    Kept(String),
}

/// Reads the export into memory up to `cap` bytes; past them, writes it on to a file of
/// `store` as it is read (holding at most a part of the store's and one chunk of sites).
async fn whole_or_kept(
    store: &dyn ExportStore,
    mut sites: AllSites,
    format: ExportFormat,
    meta: ExportMeta<'_>,
    cap: usize,
) -> ApiResult<Written> {
    let mut buffer = format.head()?;
    let mut upload: Option<Box<dyn ExportUpload>> = None;
    let written = write_all(
        store,
        &mut sites,
        format,
        meta,
        cap,
        &mut buffer,
        &mut upload,
    )
    .await;
    match (written, upload) {
        (Ok(()), None) => Ok(Written::Whole(buffer)),
        (Ok(()), Some(upload)) => {
            let url = upload.finish(EXPORT_URL_LIFETIME).await?;
            tracing::info!("export past the response size cap kept in the store");
            Ok(Written::Kept(url))
        }
        (Err(e), upload) => {
            if let Some(upload) = upload {
                upload.abort().await;
            }
            Err(e)
        }
    }
}

/// The sites and the tail into `buffer`, which goes on into `upload` once it has passed
/// `cap` (the upload is started then).
async fn write_all(
    store: &dyn ExportStore,
    sites: &mut AllSites,
    format: ExportFormat,
    meta: ExportMeta<'_>,
    cap: usize,
    buffer: &mut Vec<u8>,
    upload: &mut Option<Box<dyn ExportUpload>>,
) -> ApiResult<()> {
    let mut first = true;
    loop {
        let done = match sites.next_chunk().await? {
            Some(chunk) => {
                buffer.extend(format.encode(&chunk, first)?);
                first &= chunk.is_empty();
                false
            }
            None => {
                buffer.extend_from_slice(format.tail());
                true
            }
        };
        if upload.is_none() && buffer.len() > cap {
            *upload = Some(store.create(meta).await?);
        }
        if let Some(upload) = upload.as_mut() {
            upload.write(buffer).await?;
            buffer.clear();
        }
        if done {
            return Ok(());
        }
    }
}

/// A `200` with the file's type and name.
fn file(format: ExportFormat, filename: &str, body: Body) -> Response {
    let mut r = (StatusCode::OK, body).into_response();
    let headers = r.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.media_type()),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// Where a streamed export is.
enum Stage {
    Head,
    /// Sites follow; `first`: none was written yet.
    Sites {
        first: bool,
    },
    Done,
}

/// The file as a stream of chunks, one statement's rows at a time. A failure after the
/// first bytes can only cut the answer short (the status is sent); it is logged.
fn streamed(
    sites: AllSites,
    format: ExportFormat,
) -> impl futures_util::Stream<Item = Result<Bytes, ApiError>> + Send + 'static {
    stream::try_unfold((sites, Stage::Head), move |(mut sites, stage)| async move {
        let (bytes, next) = match stage {
            Stage::Head => (format.head()?, Stage::Sites { first: true }),
            Stage::Sites { first } => match sites.next_chunk().await {
                Ok(Some(chunk)) => {
                    let bytes = format.encode(&chunk, first)?;
                    let first = first && chunk.is_empty();
                    (bytes, Stage::Sites { first })
                }
                Ok(None) => (format.tail().to_vec(), Stage::Done),
                Err(e) => {
                    tracing::error!(error = %e.log_chain(), "export cut short");
                    return Err(e);
                }
            },
            Stage::Done => return Ok(None),
        };
        Ok(Some((Bytes::from(bytes), (sites, next))))
    })
}
