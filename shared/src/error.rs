//! One error type for the whole API (docs/api-conventions.md#errors): what went wrong,
//! in the words the client will read. Its status and JSON envelope are the HTTP layer's
//! business (`http/envelope.rs`); this module imports nothing of the crate, so every floor can use it
//! (docs/architecture.md#floors-of-sharedsrc).

use std::{error::Error as StdError, fmt};

use serde::Serialize;

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
    /// A posting limit is reached; the seconds until its window ends (`Retry-After`).
    #[error("Too Many Requests")]
    RateLimited(u64),
    /// A dependency (database, session store, mail) is unreachable or timed out.
    #[error("Service Unavailable")]
    Unavailable(#[source] Cause),
    /// The database gave up on lock contention (deadlock, lock wait timeout); nothing was
    /// committed, so the request guard may run the request again.
    #[error("Service Unavailable")]
    Busy(#[source] Cause),
    /// The login mail could not be sent; nothing was kept. The cause is logged.
    #[error("Could not send the e-mail, please try again later")]
    Mail(#[source] Cause),
    /// A programming or data error; the cause is logged, never returned.
    #[error("Internal Server Error")]
    Internal(#[source] Cause),
}

/// Boxed error of a dependency, kept as the cause of an [`ApiError`].
pub type BoxError = Box<dyn StdError + Send + Sync + 'static>;

/// Why a request failed on our side: what we were doing and, when there is one, the error
/// that stopped it. The chain goes to the log ([`ApiError::log_chain`]), never to the client.
#[derive(Debug)]
pub struct Cause {
    context: String,
    source: Option<BoxError>,
}

impl Cause {
    /// A cause with no underlying error (e.g. "insert returned no id").
    pub fn new(context: impl Into<String>) -> Self {
        Self {
            context: context.into(),
            source: None,
        }
    }

    /// `context` caused by `source`.
    pub fn with(context: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self {
            context: context.into(),
            source: Some(source.into()),
        }
    }
}

impl fmt::Display for Cause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.context)
    }
}

impl StdError for Cause {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn StdError + 'static))
    }
}

impl From<String> for Cause {
    fn from(context: String) -> Self {
        Self::new(context)
    }
}

impl From<&str> for Cause {
    fn from(context: &str) -> Self {
        Self::new(context)
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
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
    /// A programming or data error: `context` says what was expected.
    pub fn internal(cause: impl Into<Cause>) -> Self {
        Self::Internal(cause.into())
    }
    /// A dependency is unreachable: `context` names it, `source` is its error.
    pub fn unavailable(context: &str, source: impl Into<BoxError>) -> Self {
        Self::Unavailable(Cause::with(context, source))
    }

    /// The error and every cause below it, `: `-separated, for the log.
    pub fn log_chain(&self) -> String {
        let mut out = self.to_string();
        let mut next = StdError::source(self);
        while let Some(e) = next {
            out.push_str(": ");
            out.push_str(&e.to_string());
            next = e.source();
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_chain_keeps_every_cause() {
        let io = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "refused");
        let e = ApiError::unavailable("database unreachable", io);
        assert_eq!(e.to_string(), "Service Unavailable");
        assert_eq!(
            e.log_chain(),
            "Service Unavailable: database unreachable: refused"
        );
        let source = StdError::source(&e).and_then(StdError::source).unwrap();
        assert!(source.downcast_ref::<std::io::Error>().is_some());
        assert_eq!(
            ApiError::internal("no id").log_chain(),
            "Internal Server Error: no id"
        );
    }
}
