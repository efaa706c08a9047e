//! One error type for the whole API, mapped to the status and JSON envelope
//! (docs/api-conventions.md#errors).

use axum::{
    http::{header, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json,
};
use serde::Serialize;
use serde_json::json;

/// One violated input rule, in the pydantic-like shape of the original server.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldError {
    /// Where: `"path"`, `"query"` or `"body"`, then field names and list positions.
    #[schema(example = json!(["body", "info", "lang"]))]
    pub loc: Vec<String>,
    pub msg: String,
    #[serde(rename = "type")]
    #[schema(example = "value_error.str.regex")]
    pub kind: String,
}

/// The error envelope every failure answers with.
#[derive(Serialize, utoipa::ToSchema)]
#[schema(example = json!({"error": {"code": 404, "message": "Site not found"}}))]
#[serde(deny_unknown_fields)]
pub struct ErrorEnvelope {
    pub error: ErrorBody,
}

#[derive(Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    /// Equal to the HTTP status.
    pub code: u16,
    pub message: String,
    /// Further lines of the error text, when it had several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Vec<String>>,
    /// One entry per violated rule (422 only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
    /// Id of the request in the service's logs (5xx only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
}

impl FieldError {
    pub fn new(loc: &[&str], msg: impl Into<String>, kind: impl Into<String>) -> Self {
        Self {
            loc: loc.iter().map(|s| s.to_string()).collect(),
            msg: msg.into(),
            kind: kind.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Unauthorized(String),
    /// Message and optional detail lines.
    #[error("{0}")]
    Forbidden(String, Vec<String>),
    #[error("{0}")]
    NotFound(String),
    #[error("Method Not Allowed")]
    MethodNotAllowed,
    #[error("{0}")]
    NotAcceptable(String),
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("request validation error")]
    Validation(Vec<FieldError>),
    #[error("Too Many Requests")]
    TooManyRequests,
    /// A dependency (database, session store, mail) is unreachable or timed out.
    #[error("Service Unavailable")]
    Unavailable(String),
    /// The database gave up on lock contention (deadlock, lock wait timeout); nothing was
    /// committed, so the request guard may run the request again.
    #[error("Service Unavailable")]
    Busy(String),
    /// The login mail could not be sent; nothing was kept. The cause is logged.
    #[error("Could not send the e-mail, please try again later")]
    Mail(String),
    /// A programming or data error; the cause is logged, never returned.
    #[error("Internal Server Error")]
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Self::Forbidden(..) => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Self::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::PayloadTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::Unavailable(_) | Self::Busy(_) | Self::Mail(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn unauthorized() -> Self {
        Self::Unauthorized("Unauthorized".into())
    }
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }
    pub fn forbidden(msg: impl Into<String>) -> Self {
        Self::Forbidden(msg.into(), Vec::new())
    }
    /// The generic privilege refusal; says nothing about what the caller may do elsewhere.
    pub fn no_privileges() -> Self {
        Self::forbidden("Not enough privileges")
    }
    pub fn validation(loc: &[&str], msg: impl Into<String>, kind: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError::new(loc, msg, kind)])
    }
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = match &self {
            Self::Validation(errors) => json!({"error": {
                "code": status.as_u16(),
                "message": "request validation error",
                "errors": errors,
            }}),
            Self::Unavailable(cause) | Self::Internal(cause) | Self::Busy(cause) => {
                // Causes go to the log with the request id, never to the client.
                let request_id = crate::http::guard::current_request_id();
                tracing::error!(status = status.as_u16(), cause = %cause, request_id = ?request_id, "request failed");
                let message = status.canonical_reason().unwrap_or("Error");
                let mut error = json!({"code": status.as_u16(), "message": message});
                if let Some(id) = request_id {
                    error["request_id"] = json!(id);
                }
                json!({ "error": error })
            }
            Self::Mail(cause) => {
                tracing::error!(status = status.as_u16(), cause = %cause, "mail not sent");
                json!({"error": {"code": status.as_u16(), "message": self.to_string()}})
            }
            Self::Forbidden(message, details) if !details.is_empty() => json!({"error": {
                "code": status.as_u16(), "message": message, "details": details,
            }}),
            other => json!({"error": {"code": status.as_u16(), "message": other.to_string()}}),
        };
        let retryable = matches!(self, Self::Busy(_));
        let mut response = (status, Json(body)).into_response();
        if retryable {
            response
                .extensions_mut()
                .insert(crate::http::guard::Retryable);
        }
        if status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        response
    }
}

impl From<mysql_async::Error> for ApiError {
    fn from(e: mysql_async::Error) -> Self {
        crate::db::classify(e)
    }
}

#[cfg(feature = "redis")]
impl From<redis::RedisError> for ApiError {
    fn from(e: redis::RedisError) -> Self {
        Self::Unavailable(format!("session store: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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

        let (s, b, _) = body(ApiError::Unavailable("secret host 10.0.0.1 down".into())).await;
        assert_eq!(s, 503);
        assert_eq!(b["error"]["message"], "Service Unavailable");
        assert!(!b.to_string().contains("10.0.0.1"));
    }
}
