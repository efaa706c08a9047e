//! Typed path ids: each extractor reads its own `{name}` segment and checks it, so a
//! handler names what it addresses (`ProjectId`, `SiteId`, `MemoryId`, `CommentId`)
//! instead of parsing strings. A bad value is a 422 at `["path", name]`, before the login
//! requirement (docs/api-conventions.md#order-of-checks); list them in path order, so the
//! first bad segment is the one reported.

use std::collections::HashMap;

use axum::{extract::FromRequestParts, http::request::Parts};

use super::extract::ApiPath;
use crate::{error::ApiError, validation::EntityId};

/// The raw `{name}` segment of the matched route.
async fn segment<S: Send + Sync>(
    parts: &mut Parts,
    state: &S,
    name: &'static str,
) -> Result<String, ApiError> {
    let ApiPath(mut params) =
        ApiPath::<HashMap<String, String>>::from_request_parts(parts, state).await?;
    params
        .remove(name)
        .ok_or_else(|| ApiError::internal(format!("the route has no {{{name}}} segment")))
}

/// A memory or comment id: an integer greater than zero.
fn positive(name: &str, raw: &str) -> Result<i64, ApiError> {
    let loc = ["path", name];
    match raw.trim().parse::<i64>() {
        Ok(n) if n > 0 => Ok(n),
        Ok(_) => Err(ApiError::validation(
            &loc,
            "ensure this value is greater than 0",
            "value_error.number.not_gt",
        )),
        Err(_) => Err(ApiError::validation(
            &loc,
            "value is not a valid integer",
            "type_error.integer",
        )),
    }
}

macro_rules! path_id {
    ($(#[$doc:meta])* $name:ident($inner:ty), $segment:literal, $parse:expr) => {
        $(#[$doc])*
        #[derive(Clone, Debug)]
        pub struct $name(pub $inner);

        impl<S: Send + Sync> FromRequestParts<S> for $name {
            type Rejection = ApiError;

            async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
                let raw = segment(parts, state, $segment).await?;
                let parse: fn(&str) -> Result<$inner, ApiError> = $parse;
                parse(&raw).map($name)
            }
        }
    };
}

path_id!(
    /// `{project}`: a project's name (PID).
    ProjectId(EntityId),
    "project",
    |raw| EntityId::parse(&["path", "project"], raw).map_err(|e| ApiError::Validation(vec![e]))
);
path_id!(
    /// `{site}`: a site's name (SID).
    SiteId(EntityId),
    "site",
    |raw| EntityId::parse(&["path", "site"], raw).map_err(|e| ApiError::Validation(vec![e]))
);
path_id!(
    /// `{memory}`: a memory's number (MID).
    MemoryId(i64),
    "memory",
    |raw| positive("memory", raw)
);
path_id!(
    /// `{comment}`: a comment's number (CID).
    CommentId(i64),
    "comment",
    |raw| positive("comment", raw)
);

/// The ids of a memory's path, extracted in path order (one handler argument).
pub type MemoryPathIds = (ProjectId, SiteId, MemoryId);
/// The ids of a comment's path, extracted in path order (one handler argument).
pub type CommentPathIds = (ProjectId, SiteId, MemoryId, CommentId);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_positive_integers() {
        assert_eq!(positive("memory", " 12 ").ok(), Some(12));
        for (raw, kind) in [
            ("0", "value_error.number.not_gt"),
            ("-3", "value_error.number.not_gt"),
            ("x", "type_error.integer"),
            ("", "type_error.integer"),
        ] {
            match positive("comment", raw) {
                Err(ApiError::Validation(errors)) => {
                    assert_eq!(errors[0].loc, ["path", "comment"]);
                    assert_eq!(errors[0].kind, kind);
                }
                other => panic!("{raw:?}: {other:?}"),
            }
        }
    }
}
