//! Starting a session at login and answering with its token in `Authorization: bearer …`
//! (docs/api-conventions.md#sessions); shared by the login and me routes.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
};

use crate::{
    error::{ApiError, ApiResult, Cause},
    sessions::{token, SessionData},
    state::AppState,
};

/// A new session holding `data`; its store key.
pub async fn start(state: &AppState, data: &SessionData) -> ApiResult<Vec<u8>> {
    state.sessions().create(data).await
}

/// Puts the session `key` back with `data` (after a rename ended it with the old name's
/// sessions); a fresh key only if `key` was taken meanwhile.
pub async fn resume(state: &AppState, key: &[u8], data: &SessionData) -> ApiResult<Vec<u8>> {
    if state.sessions().create_at(key, data).await? {
        Ok(key.to_vec())
    } else {
        state.sessions().create(data).await
    }
}

/// `status` with the session in `Authorization: bearer <token>` and an empty body.
pub fn response(status: StatusCode, key: &[u8]) -> Response {
    let mut r = status.into_response();
    match HeaderValue::from_str(&format!("bearer {}", token::encode(key))) {
        Ok(v) => {
            r.headers_mut().insert(header::AUTHORIZATION, v);
            r
        }
        Err(e) => ApiError::Internal(Cause::with("session header", e)).into_response(),
    }
}
