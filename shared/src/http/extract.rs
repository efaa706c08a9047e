//! Our own JSON/path/query extractors, so malformed input gets the 422 envelope.

use std::collections::HashMap;

use axum::{
    body::Bytes,
    extract::{FromRequest, FromRequestParts, Path, Request},
    http::{header, request::Parts},
};
use serde::de::DeserializeOwned;

use crate::error::{ApiError, Cause, FieldError};
use crate::validation::parse_bool_str;

/// A JSON body deserialised into `T`; every failure is a 422 with the field's `loc`.
pub struct ApiJson<T>(pub T);

fn content_type_is_json(parts: &http::HeaderMap) -> bool {
    let Some(ct) = parts.get(header::CONTENT_TYPE) else {
        return true;
    };
    let Ok(ct) = ct.to_str() else { return false };
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    mime.is_empty()
        || mime == "application/json"
        || (mime.starts_with("application/") && mime.ends_with("+json"))
}

/// Parses JSON bytes into `T`, reporting errors in the validation-error shape
/// (docs/api-conventions.md#validation-errors).
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::validation(
            &["body"],
            "field required",
            "value_error.missing",
        ));
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        let offset = e.column().to_string();
        ApiError::validation(
            &["body", &offset],
            format!("Expecting value: {e}"),
            "value_error.jsondecode",
        )
    })?;
    // serde's derived `Deserialize` also builds a struct from a JSON array (field by field
    // in order); every body of this API is an object, so anything else is refused here.
    if !value.is_object() {
        return Err(not_a_dict());
    }
    from_value(value)
}

/// The 422 for a body that is not a JSON object.
fn not_a_dict() -> ApiError {
    ApiError::validation(&["body"], "value is not a valid dict", "type_error.dict")
}

/// Deserialises an already-parsed JSON value into `T` with the failing field's path.
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let mut loc: Vec<String> = vec!["body".into()];
        for seg in e.path().iter() {
            match seg {
                serde_path_to_error::Segment::Seq { index } => loc.push(index.to_string()),
                serde_path_to_error::Segment::Map { key } => loc.push(key.clone()),
                serde_path_to_error::Segment::Enum { variant } => loc.push(variant.clone()),
                serde_path_to_error::Segment::Unknown => {}
            }
        }
        let text = e.inner().to_string();
        let (msg, kind) = if let Some(field) = missing_field(&text) {
            loc.push(field);
            ("field required".to_string(), "value_error.missing")
        } else if text.starts_with("invalid type: null") {
            (
                "none is not an allowed value".to_string(),
                "type_error.none.not_allowed",
            )
        } else if text.starts_with("invalid type") {
            (text.clone(), "type_error")
        } else {
            (text.clone(), "value_error")
        };
        ApiError::Validation(vec![FieldError {
            loc,
            msg,
            kind: kind.into(),
        }])
    })
}

/// Like [`ApiJson`], for a body that may be left out: an empty body is `T::default()`.
pub struct OptionalJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Default> FromRequest<S> for OptionalJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let empty = req
            .headers()
            .get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() == b"0");
        if empty {
            return Ok(Self(T::default()));
        }
        if !content_type_is_json(req.headers()) {
            return Err(not_a_dict());
        }
        let bytes = read_body(req, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        parse_json(&bytes).map(OptionalJson)
    }
}

async fn read_body<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(req, state).await.map_err(|e| {
        if e.status() == http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge("Request body too large".into())
        } else {
            ApiError::BadRequest("Could not read the request body".into())
        }
    })
}

fn missing_field(text: &str) -> Option<String> {
    let rest = text.strip_prefix("missing field `")?;
    Some(rest.split('`').next()?.to_string())
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !content_type_is_json(req.headers()) {
            return Err(not_a_dict());
        }
        let bytes = read_body(req, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// Path parameters; a value of the wrong type is a 422 at `["path", name]`.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::path::ErrorKind;
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(axum::extract::rejection::PathRejection::FailedToDeserializePathParams(e)) => {
                let key = match e.kind() {
                    ErrorKind::ParseErrorAtKey { key, .. }
                    | ErrorKind::InvalidUtf8InPathParam { key } => key.clone(),
                    _ => String::new(),
                };
                Err(ApiError::validation(
                    &["path", &key],
                    "value is not a valid integer",
                    "type_error.integer",
                ))
            }
            Err(e) => Err(ApiError::Internal(Cause::with("request extensions", e))),
        }
    }
}

/// The query string as a map (the last value of a repeated key wins), with typed getters
/// that report errors at `["query", name]`.
pub struct QueryMap(pub HashMap<String, String>);

impl<S: Send + Sync> FromRequestParts<S> for QueryMap {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let query = parts.uri.query().unwrap_or("");
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|_| ApiError::validation(&["query"], "invalid query string", "value_error"))?;
        Ok(QueryMap(pairs.into_iter().collect()))
    }
}

impl QueryMap {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str)
    }

    pub fn required(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).ok_or_else(|| {
            ApiError::validation(&["query", name], "field required", "value_error.missing")
        })
    }

    pub fn bool_or(&self, name: &str, default: bool) -> Result<bool, ApiError> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => parse_bool_str(v).ok_or_else(|| {
                ApiError::validation(
                    &["query", name],
                    "value could not be parsed to a boolean",
                    "type_error.bool",
                )
            }),
        }
    }

    pub fn f64_opt(&self, name: &str) -> Result<Option<f64>, ApiError> {
        self.get(name)
            .map(|v| {
                v.trim().parse::<f64>().map_err(|_| {
                    ApiError::validation(
                        &["query", name],
                        "value is not a valid float",
                        "type_error.float",
                    )
                })
            })
            .transpose()
    }

    pub fn i64_opt(&self, name: &str) -> Result<Option<i64>, ApiError> {
        self.get(name)
            .map(|v| {
                v.trim().parse::<i64>().map_err(|_| {
                    ApiError::validation(
                        &["query", name],
                        "value is not a valid integer",
                        "type_error.integer",
                    )
                })
            })
            .transpose()
    }
}
