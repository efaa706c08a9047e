//! The outermost request guard: a request id in scope for error bodies, one deadline for
//! the whole request (a request never hangs on a dead dependency), the body limit, and a
//! bounded retry of requests that failed on a MariaDB deadlock or lock timeout.

use std::{
    collections::HashSet,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    body::{Body, Bytes},
    extract::{FromRequestParts, Request, State},
    http::request::Parts,
    middleware::Next,
    response::{IntoResponse, Response},
};

use crate::{error::ApiError, state::AppState};

/// Largest request body: a 3 000 000-character image plus the rest of the JSON
/// (docs/api-conventions.md#images).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Attempts after the first for a request that hit a deadlock (1213) or lock timeout (1205).
pub const MAX_RETRIES: u32 = 3;

/// Marks a response whose whole request may be run again: it failed before committing
/// anything because of lock contention.
#[derive(Clone, Copy, Debug)]
pub struct Retryable;

/// What one request has done that its retries must not do again (count against a
/// posting limit, `http::limit`): shared by every attempt of the request.
#[derive(Clone, Debug, Default)]
pub struct Attempts(Arc<Mutex<HashSet<&'static str>>>);

impl Attempts {
    /// `true` the first time `what` is asked for in this request, `false` on its retries.
    pub fn first(&self, what: &'static str) -> bool {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(what)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Attempts {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<Attempts>()
            .cloned()
            .unwrap_or_default())
    }
}

/// The id of the request being served, if called within one.
pub fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-")
        .to_string();
    let deadline = Duration::from_secs(state.config().request_timeout_secs.max(1));
    REQUEST_ID
        .scope(id, async move {
            match tokio::time::timeout(deadline, run(req, next)).await {
                Ok(response) => response,
                Err(_) => ApiError::Unavailable("request deadline exceeded".into()).into_response(),
            }
        })
        .await
}

async fn run(req: Request, next: Next) -> Response {
    let (mut parts, body) = req.into_parts();
    parts.extensions.insert(Attempts::default());
    // Reading stops at the limit: an oversized body is refused without being buffered.
    let bytes: Bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(b) => b,
        Err(e) => {
            let too_large = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>())
                || e.to_string().contains("length limit");
            return if too_large {
                ApiError::PayloadTooLarge("Request body too large".into()).into_response()
            } else {
                ApiError::BadRequest("Could not read the request body".into()).into_response()
            };
        }
    };
    let mut attempt = 0;
    loop {
        let mut req = Request::new(Body::from(bytes.clone()));
        *req.method_mut() = parts.method.clone();
        *req.uri_mut() = parts.uri.clone();
        *req.version_mut() = parts.version;
        *req.headers_mut() = parts.headers.clone();
        *req.extensions_mut() = parts.extensions.clone();
        let response = next.clone().run(req).await;
        if response.extensions().get::<Retryable>().is_none() || attempt >= MAX_RETRIES {
            return response;
        }
        attempt += 1;
        tracing::warn!(attempt, "retrying a request after lock contention");
        tokio::time::sleep(Duration::from_millis(20 * 2u64.pow(attempt))).await;
    }
}
