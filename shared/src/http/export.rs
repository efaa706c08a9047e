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
    images::{ExportFile, EXPORT_URL_LIFETIME},
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
    let bytes = whole(sites, format).await?;
    if bytes.len() <= state.config().max_response_bytes {
        return Ok(file(format, &filename, Body::from(bytes)));
    }
    let size = bytes.len();
    let file = ExportFile {
        bytes,
        content_type: format.media_type(),
        filename: &filename,
    };
    let url = store.publish(file, EXPORT_URL_LIFETIME).await?;
    tracing::info!(size, "export kept in the store, answered 303");
    let mut r = StatusCode::SEE_OTHER.into_response();
    let location = HeaderValue::from_str(&url)
        .map_err(|e| ApiError::internal(format!("export URL as a header: {e}")))?;
    r.headers_mut().insert(header::LOCATION, location);
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
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

/// The whole file in memory.
async fn whole(mut sites: AllSites, format: ExportFormat) -> ApiResult<Vec<u8>> {
    let mut bytes = format.head()?;
    let mut first = true;
    while let Some(chunk) = sites.next_chunk().await? {
        bytes.extend(format.encode(&chunk, first)?);
        first &= chunk.is_empty();
    }
    bytes.extend_from_slice(format.tail());
    Ok(bytes)
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
