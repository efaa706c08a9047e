//! The JSON envelope of an [`ApiError`] (docs/api-conventions.md#errors): `details` for
//! the admin-scope refusal, `errors` for validation, a request id for `5xx` (whose causes
//! are logged, never sent), `WWW-Authenticate` on `401`, and the mark that lets the
//! request guard retry a request that failed on lock contention.

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde_json::json;

use crate::error::ApiError;

/// The HTTP status of `e`.
pub fn status(e: &ApiError) -> StatusCode {
    match e {
        ApiError::BadRequest(_) => StatusCode::BAD_REQUEST,
        ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
        ApiError::Forbidden(..) => StatusCode::FORBIDDEN,
        ApiError::NotFound(_) => StatusCode::NOT_FOUND,
        ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ApiError::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
        ApiError::Conflict(_) => StatusCode::CONFLICT,
        ApiError::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
        ApiError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
        ApiError::TooManyRequests | ApiError::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
        ApiError::Unavailable(_) | ApiError::Busy(_) | ApiError::Mail(_) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = status(&self);
        let body = match &self {
            ApiError::Validation(errors) => json!({"error": {
                "code": status.as_u16(),
                "message": "request validation error",
                "errors": errors,
            }}),
            ApiError::Unavailable(_) | ApiError::Internal(_) | ApiError::Busy(_) => {
                // The whole chain of causes goes to the log with the request id, never to
                // the client.
                let request_id = super::guard::current_request_id();
                tracing::error!(status = status.as_u16(), cause = %self.log_chain(), request_id = ?request_id, "request failed");
                let message = status.canonical_reason().unwrap_or("Error");
                let mut error = json!({"code": status.as_u16(), "message": message});
                if let Some(id) = request_id {
                    error["request_id"] = json!(id);
                }
                json!({ "error": error })
            }
            ApiError::Mail(_) => {
                tracing::error!(status = status.as_u16(), cause = %self.log_chain(), "mail not sent");
                json!({"error": {"code": status.as_u16(), "message": self.to_string()}})
            }
            ApiError::Forbidden(message, details) if !details.is_empty() => json!({"error": {
                "code": status.as_u16(), "message": message, "details": details,
            }}),
            other => json!({"error": {"code": status.as_u16(), "message": other.to_string()}}),
        };
        let retryable = matches!(self, ApiError::Busy(_));
        let retry_after = match self {
            ApiError::RateLimited(secs) => Some(secs),
            _ => None,
        };
        let mut response = (status, Json(body)).into_response();
        if retryable {
            response.extensions_mut().insert(super::guard::Retryable);
        }
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Cause;
    use http_body_util::BodyExt;

    async fn body(e: ApiError) -> (StatusCode, serde_json::Value, Option<HeaderValue>) {
        let r = e.into_response();
        let status = r.status();
        let www = r.headers().get(header::WWW_AUTHENTICATE).cloned();
        let bytes = r.into_body().collect().await.unwrap().to_bytes();
        (status, serde_json::from_slice(&bytes).unwrap(), www)
    }

    #[tokio::test]
    async fn envelope_shapes() {
        let (s, b, _) = body(ApiError::not_found("Site")).await;
        assert_eq!(s, 404);
        assert_eq!(
            b,
            json!({"error": {"code": 404, "message": "Site not found"}})
        );

        let (s, b, www) = body(ApiError::unauthorized()).await;
        assert_eq!(s, 401);
        assert_eq!(b["error"]["message"], "Unauthorized");
        assert_eq!(www.unwrap(), "Bearer");

        let (s, b, _) = body(ApiError::validation(
            &["body", "id"],
            "field required",
            "value_error.missing",
        ))
        .await;
        assert_eq!(s, 422);
        assert_eq!(b["error"]["errors"][0]["loc"], json!(["body", "id"]));
        assert!(b["error"].get("details").is_none());

        let (s, b, _) = body(ApiError::Unavailable(Cause::new(
            "secret host 10.0.0.1 down",
        )))
        .await;
        assert_eq!(s, 503);
        assert_eq!(b["error"]["message"], "Service Unavailable");
        assert!(!b.to_string().contains("10.0.0.1"));
    }
}
