//! Responses that many operations share, defined once under `components/responses` and
//! referenced from the operations through small [`IntoResponses`] sets, so an operation
//! lists e.g. `responses(Always, Invalid, Changed, (status = 404, …))`.
//!
//! The sets say which statuses can really happen:
//! * [`Always`]: 401 (a present but invalid or expired token is refused before routing,
//!   docs/api-conventions.md#authentication) and 503 (the session store or the database
//!   is unavailable, or the request deadline passed) — on every operation.
//! * [`Invalid`] (422) where the operation reads a path parameter, a query or a body.
//! * [`TooLarge`] (413) where the operation takes a body.
//! * [`NotLocalized`] (406) on the resource groups' language negotiation.
//! * `Unchanged` (304): added to every `GET` by [`add_conditional_reads`], since one
//!   layer answers them all (`http::cache`).

use std::collections::BTreeMap;

use serde_json::json;
use utoipa::{
    openapi::{
        extensions::Extensions,
        header::{Header, HeaderBuilder},
        ContentBuilder, Object, ObjectBuilder, Ref, RefOr, Response, ResponseBuilder, Type,
    },
    IntoResponses,
};

/// A set of shared responses: `(status, component name)` pairs.
macro_rules! response_set {
    ($($(#[$meta:meta])* $name:ident => [$(($status:literal, $component:literal)),+ $(,)?];)+) => {$(
        $(#[$meta])*
        pub struct $name;

        impl IntoResponses for $name {
            fn responses() -> BTreeMap<String, RefOr<Response>> {
                [$(($status, $component)),+]
                    .into_iter()
                    .map(|(s, c)| (s.to_string(), RefOr::Ref(Ref::from_response_name(c))))
                    .collect()
            }
        }
    )+};
}

response_set! {
    /// 401 and 503, possible on every operation.
    Always => [("401", "Unauthorized"), ("503", "Unavailable")];
    /// 422: a path parameter, query or body broke a rule.
    Invalid => [("422", "Invalid")];
    /// 413: the body is larger than the limit.
    TooLarge => [("413", "TooLarge")];
    /// 429: a posting limit is reached (docs/api-conventions.md#posting-limits).
    Limited => [("429", "Limited")];
    /// 406: no supported language, or the content has no text in the default language.
    NotLocalized => [("406", "NotLocalized")];
    /// 404 of the content groups: a named parent or the entity itself is missing or
    /// hidden from the caller (the two are not told apart).
    NotFound => [("404", "NotFound")];
    /// 403: the generic refusal, which names no privilege the caller has elsewhere.
    NoPrivileges => [("403", "NoPrivileges")];
    /// 400: an uploaded image that is neither a JPEG nor a PNG.
    BadImage => [("400", "BadImage")];
    /// 201 with `Location`.
    Created => [("201", "Created")];
    /// 204 with `Location`.
    Changed => [("204", "Changed")];
    /// 204 without headers.
    NoContent => [("204", "NoContent")];
    /// 304: nothing to change.
    NotModified => [("304", "NotModified")];
    /// 200, empty body, the new session in `Authorization`.
    SessionStarted => [("200", "SessionStarted")];
    /// 204 with a new session in `Authorization` (a rename).
    Renamed => [("204", "Renamed")];
}

/// Every component response the sets refer to, for `components/responses`.
pub fn components() -> Vec<(&'static str, Response)> {
    let location = || {
        required_header(
            "Absolute URL of the resource (or, after a delete, of its parent collection)",
            string_schema(None),
            json!("https://api.example.org/projects/demo-project"),
        )
    };
    let authorization = |what: &str| {
        required_header(
            &format!("{what}: `bearer <token>`; send it back as the `Authorization` header"),
            string_schema(Some("^bearer [A-Za-z0-9+/=_-]+$")),
            json!("bearer dG9rZW46AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="),
        )
    };
    vec![
        (
            "Unauthorized",
            error(
                "The token is invalid or expired, or the operation needs a session",
                json!({"error": {"code": 401, "message": "Unauthorized"}}),
            )
            .header(
                "WWW-Authenticate",
                required_header(
                    "Always `Bearer`",
                    string_schema(Some("^Bearer$")),
                    json!("Bearer"),
                ),
            )
            .build(),
        ),
        (
            "Unavailable",
            error(
                "A dependency (database, session store, mail) is unavailable or the request \
                 took too long; `request_id` names the request in the service's logs",
                json!({"error": {"code": 503, "message": "Service Unavailable",
                    "request_id": "3f1c9a56-2b0e-4d8e-9f3a-0d6c2a1b7e44"}}),
            )
            .build(),
        ),
        (
            "Invalid",
            error(
                "Request validation failed; `errors` has one entry per broken rule",
                json!({"error": {"code": 422, "message": "request validation error",
                    "errors": [{"loc": ["body", "info", "lang"], "msg": "No ISO639-1 ID Found",
                                "type": "value_error"}]}}),
            )
            .build(),
        ),
        (
            "TooLarge",
            error(
                "The request body is larger than 4 MiB",
                json!({"error": {"code": 413, "message": "Request body too large"}}),
            )
            .build(),
        ),
        (
            "Limited",
            error(
                "The caller created as many items of this kind as the posting limit allows \
                 in the current window",
                json!({"error": {"code": 429, "message": "Too Many Requests"}}),
            )
            .header(
                "Retry-After",
                required_header(
                    "Seconds until the window ends",
                    ObjectBuilder::new().schema_type(Type::Integer).build(),
                    json!(1800),
                ),
            )
            .build(),
        ),
        (
            "NotLocalized",
            error(
                "No supported language in `Accept-Language` (GET) / `Content-Language` (other \
                 methods), or the language is not enabled, or the content has no text in its \
                 default language",
                json!({"error": {"code": 406, "message": "Can not localize"}}),
            )
            .build(),
        ),
        (
            "NotFound",
            error(
                "No such project, site, memory or comment, or not visible to the caller",
                json!({"error": {"code": 404, "message": "Site not found"}}),
            )
            .build(),
        ),
        (
            "NoPrivileges",
            error(
                "The caller may not do this here (or the project takes posts from its admins only); the message names no other privilege",
                json!({"error": {"code": 403, "message": "Not enough privileges"}}),
            )
            .build(),
        ),
        (
            "BadImage",
            error(
                "`image` is not base64 of a JPEG or PNG",
                json!({"error": {"code": 400, "message": "Bad image"}}),
            )
            .build(),
        ),
        (
            "Created",
            ResponseBuilder::new()
                .description("Created; empty body")
                .header("Location", location())
                .build(),
        ),
        (
            "Changed",
            ResponseBuilder::new()
                .description("Changed; empty body")
                .header("Location", location())
                .build(),
        ),
        (
            "NoContent",
            ResponseBuilder::new()
                .description("Done; empty body")
                .build(),
        ),
        (
            "NotModified",
            ResponseBuilder::new()
                .description("Nothing to change; empty body")
                .build(),
        ),
        (
            "Unchanged",
            ResponseBuilder::new()
                .description(
                    "`If-None-Match` names the current `ETag`: the answer has not changed \
                     (docs/api-conventions.md#caching); empty body",
                )
                .header(
                    "ETag",
                    required_header(
                        "Strong tag of the body the 200 would have",
                        string_schema(Some("^\"[A-Za-z0-9_-]+\"$")),
                        json!("\"47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU\""),
                    ),
                )
                .header(
                    "Cache-Control",
                    required_header(
                        "As on the 200: `public, max-age=…, stale-while-revalidate=…` or `private, no-store`",
                        string_schema(None),
                        json!("public, max-age=30, stale-while-revalidate=300"),
                    ),
                )
                .build(),
        ),
        (
            "SessionStarted",
            ResponseBuilder::new()
                .description("Logged in; empty body")
                .header("Authorization", authorization("The new session"))
                .build(),
        ),
        (
            "Renamed",
            ResponseBuilder::new()
                .description("Renamed; every other session of the user has ended, the calling one goes on under the new name; empty body")
                .header(
                    "Authorization",
                    authorization("The calling session, now under the new name"),
                )
                .build(),
        ),
    ]
}

/// Every `GET` without a `304` of its own may answer `Unchanged` to `If-None-Match`
/// (docs/api-conventions.md#caching).
pub fn add_conditional_reads(doc: &mut utoipa::openapi::OpenApi) {
    for item in doc.paths.paths.values_mut() {
        if let Some(get) = item.get.as_mut() {
            get.responses
                .responses
                .entry("304".to_string())
                .or_insert_with(|| RefOr::Ref(Ref::from_response_name("Unchanged")));
        }
    }
}

/// An error response: the envelope as JSON with an example.
fn error(description: &str, example: serde_json::Value) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
            .example(Some(example))
            .build(),
    )
}

fn string_schema(pattern: Option<&str>) -> Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .pattern(pattern)
        .build()
}

/// A response header the server always sends. utoipa's `Header` has no `required` field,
/// so it is added as an extra key (extensions are written into the header object as is).
fn required_header(description: &str, schema: Object, example: serde_json::Value) -> Header {
    HeaderBuilder::new()
        .schema(Some(schema))
        .description(Some(description))
        .example(Some(example))
        .extensions(Some(Extensions::from_iter([("required", true)])))
        .build()
}
