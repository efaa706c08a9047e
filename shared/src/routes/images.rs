//! `GET /images/{image}`: stored and bundled images, with caching headers.

use std::sync::LazyLock;

use axum::{
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Router,
};
use chrono::{DateTime, Utc};
use regex::Regex;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::http::doc::responses::{Always, Invalid};
use crate::{
    error::{ApiError, ApiResult},
    http::{ApiPath, BaseUrl},
    images::{bundled, sniff_mime, StoredImage},
    state::AppState,
};

/// The group's routes, each declared once, by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    crate::telemetry::link_mark!("routes", "images");
    OpenApiRouter::new().routes(routes!(image))
}

/// What the function serves: [`routes`] without its part of the document.
pub fn router() -> Router<AppState> {
    routes().split_for_parts().0
}

/// Image names (docs/api-conventions.md#images); `\w` is Unicode-aware as in the original.
static NAME_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[\w-]{1,36}(?:\.[a-zA-Z0-9]{1,10})?$").expect("static regex"));

/// Stored names are random and never rewritten, so a copy may be kept long; the bundled
/// images change only with a release.
const STORED_CACHE: &str = "public, max-age=31536000, immutable";
const BUNDLED_CACHE: &str = "public, max-age=86400";

/// When the bundled images are said to have changed (they change only with a release).
static BUNDLED_MODIFIED: LazyLock<Option<DateTime<Utc>>> =
    LazyLock::new(|| DateTime::from_timestamp(1_649_116_800, 0));

fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

#[utoipa::path(get, path = "/images/{image}", tag = "images", operation_id = "images_images_image",
    summary = "An uploaded or bundled image",
    params(("image" = String, Path, pattern = "^[\\w-]{1,36}(?:\\.[a-zA-Z0-9]{1,10})?$")),
    responses(
        (status = 200, description = "The bytes, with `ETag`, `Last-Modified`, `Cache-Control`", content_type = "image/*"),
        (status = 303, description = "No such image: `Location` is the placeholder image"),
        (status = 304, description = "Not modified (`If-None-Match`)"),
        Always, Invalid
    ))]
async fn image(
    State(state): State<AppState>,
    ApiPath(name): ApiPath<String>,
    base: BaseUrl,
    headers: HeaderMap,
) -> ApiResult<Response> {
    if !NAME_RE.is_match(&name) {
        return Err(ApiError::validation(
            &["path", "image"],
            format!("string does not match regex \"{}\"", NAME_RE.as_str()),
            "value_error.str.regex",
        ));
    }
    let (image, cache) = match bundled(&name) {
        Some(bytes) => (
            StoredImage::new(bytes.to_vec(), *BUNDLED_MODIFIED),
            BUNDLED_CACHE,
        ),
        None => match state.images().fetch(&name).await? {
            Some(image) => (image, STORED_CACHE),
            None => {
                let mut r = StatusCode::SEE_OTHER.into_response();
                let to = base.join("/images/placeholder.jpg");
                if let Ok(v) = HeaderValue::from_str(&to) {
                    r.headers_mut().insert(header::LOCATION, v);
                }
                r.headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
                return Ok(r);
            }
        },
    };
    let etag = format!("\"{}\"", image.etag);
    let mut out = HeaderMap::new();
    if let Ok(v) = HeaderValue::from_str(&etag) {
        out.insert(header::ETAG, v);
    }
    if let Some(t) = image.modified {
        if let Ok(v) = HeaderValue::from_str(&http_date(t)) {
            out.insert(header::LAST_MODIFIED, v);
        }
    }
    out.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    let not_modified = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if not_modified {
        return Ok((StatusCode::NOT_MODIFIED, out).into_response());
    }
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(sniff_mime(&image.bytes)),
    );
    out.insert(
        header::HeaderName::from_static("x-content-type-options"),
        HeaderValue::from_static("nosniff"),
    );
    Ok((StatusCode::OK, out, image.bytes).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_pattern() {
        for ok in [
            "placeholder.jpg",
            "1dc15d85-8433-11ec-8f55-0242ac140005",
            "a",
            "kuva_ä",
        ] {
            assert!(NAME_RE.is_match(ok), "{ok}");
        }
        for bad in [
            "",
            "a.b.c",
            "../etc",
            "a b",
            &"x".repeat(37),
            "a.toolongextension",
        ] {
            assert!(!NAME_RE.is_match(bad), "{bad}");
        }
    }

    #[test]
    fn dates_are_http_dates() {
        let t = DateTime::from_timestamp(1_649_116_800, 0).unwrap();
        assert_eq!(http_date(t), "Tue, 05 Apr 2022 00:00:00 GMT");
    }
}
