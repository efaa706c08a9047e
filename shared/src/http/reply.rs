//! Success responses (docs/api-conventions.md#success-responses) and the absolute URLs of
//! `Location` headers.

use axum::{
    extract::FromRequestParts,
    http::{header, request::Parts, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use crate::state::AppState;

/// A collection: `{"items": [...]}`.
#[derive(serde::Serialize)]
pub struct Items<T> {
    pub items: Vec<T>,
}

/// The public base URL of this request: configured, else from the forwarding headers.
#[derive(Clone, Debug)]
pub struct BaseUrl(pub String);

impl BaseUrl {
    pub fn join(&self, path: &str) -> String {
        format!("{}{}", self.0, path)
    }
}

impl FromRequestParts<AppState> for BaseUrl {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if let Some(url) = &state.config().public_url {
            return Ok(BaseUrl(url.clone()));
        }
        let h = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
        let proto = h("x-forwarded-proto")
            .map(|p| p.split(',').next().unwrap_or("http").trim().to_string())
            .unwrap_or_else(|| "http".into());
        let host = h("x-forwarded-host")
            .or_else(|| h("host"))
            .or_else(|| parts.uri.authority().map(|a| a.as_str()))
            .unwrap_or("localhost");
        let host: String = host
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
            .collect();
        let proto = if proto == "https" { "https" } else { "http" };
        Ok(BaseUrl(format!("{proto}://{host}")))
    }
}

/// The bodiless answers of the API.
#[derive(Debug)]
pub enum Reply {
    /// 201 with the new resource's URL.
    Created(String),
    /// 204 with the modified resource's (or parent collection's) URL.
    Changed(String),
    /// 204 without a `Location`.
    NoContent,
    /// 304: nothing changed.
    NotModified,
    /// 200 with an empty body.
    Ok,
}

impl IntoResponse for Reply {
    fn into_response(self) -> Response {
        let with_location = |status: StatusCode, url: String| {
            let mut r = status.into_response();
            if let Ok(v) = HeaderValue::from_str(&url) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        };
        match self {
            Reply::Created(url) => with_location(StatusCode::CREATED, url),
            Reply::Changed(url) => with_location(StatusCode::NO_CONTENT, url),
            Reply::NoContent => StatusCode::NO_CONTENT.into_response(),
            Reply::NotModified => StatusCode::NOT_MODIFIED.into_response(),
            Reply::Ok => StatusCode::OK.into_response(),
        }
    }
}
