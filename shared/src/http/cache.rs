//! HTTP caching of reads (docs/api-conventions.md#caching): every `200` answer to a `GET`
//! gets a strong `ETag` of its body and honours `If-None-Match` with a bodiless `304`; its
//! `Cache-Control` says whether shared caches (the CDN, docs/architecture.md#the-cdn) may
//! keep it. An answer may be public only when nothing about the caller could be in it: no
//! `Authorization` on the request, not a login or `/me` route, and no caller flag (`own`,
//! `waiting_approval`) in the body. Everything else is `private, no-store`; errors and
//! redirects are `no-store`. A route that sets its own `Cache-Control` (images) keeps it.

use axum::{
    body::{Body, Bytes},
    extract::{Request, State},
    http::{header, HeaderMap, HeaderValue, Method, StatusCode},
    middleware::Next,
    response::{IntoResponse, Response},
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use sha2::{Digest, Sha256};

use crate::{error::ApiError, state::AppState};

/// Answers that depend on the caller, or on nothing a shared cache may keep.
const PRIVATE: &str = "private, no-store";
/// Errors and redirects: not worth keeping, and an error may be passing.
const NO_STORE: &str = "no-store";
/// The request headers a cacheable answer depends on. `Authorization` is named too: a
/// browser (or any cache keyed by `Vary`) must not answer a signed-in request with the
/// anonymous copy it kept, which lacks the caller's own unpublished content and flags.
const VARY: &str = "Accept-Language, Accept, Authorization";

/// First path segments of the routes whose answers are about the caller's session or
/// account (login, registration, `/auth/status`, `/me`): never public, whoever asks.
const ACCOUNT_ROUTES: [&str; 5] = ["auth", "login", "me", "oauth", "register"];

/// Keys that only caller-specific answers carry (docs/api-conventions.md#memories-and-comments).
/// Searched as `"key":`, which in JSON text can only be a key: inside a string the quotes
/// would be escaped.
const CALLER_FLAGS: [&[u8]; 2] = [b"\"own\":", b"\"waiting_approval\":"];

/// Marks an answer that is the same for every caller whatever its text (the OpenAPI
/// document names the flags as schema properties): its body is not searched for them.
#[derive(Clone, Copy, Debug)]
pub struct SameForEveryone;

/// The middleware: see the module's documentation.
pub async fn http_cache(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if !matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let personal =
        req.headers().contains_key(header::AUTHORIZATION) || is_account_route(req.uri().path());
    let if_none_match = req.headers().get(header::IF_NONE_MATCH).cloned();
    let response = next.run(req).await;
    if response.headers().contains_key(header::CACHE_CONTROL) {
        return response;
    }
    if response.status() != StatusCode::OK {
        return with_cache_control(response, NO_STORE);
    }
    let cap = state.config().max_response_bytes;
    let Some(len) = exact_len(&response).filter(|len| *len <= cap as u64) else {
        // A streamed or oversized body is not buffered to be hashed or searched, so
        // nothing vouches for it being anonymous.
        return with_cache_control(response, PRIVATE);
    };
    let (mut parts, body) = response.into_parts();
    let bytes = match read_body(body, len).await {
        Ok(bytes) => bytes,
        Err(e) => return e.into_response(),
    };
    let flagged =
        parts.extensions.get::<SameForEveryone>().is_none() && carries_caller_flags(&bytes);
    if flagged && !personal {
        tracing::warn!("an anonymous answer carried caller flags; served as private");
    }
    let policy = if personal || flagged {
        HeaderValue::from_static(PRIVATE)
    } else {
        public_policy(
            state.config().cache_max_age_secs,
            state.config().cache_swr_secs,
        )
    };
    let tag = strong_etag(&bytes);
    let headers = &mut parts.headers;
    headers.insert(header::CACHE_CONTROL, policy);
    headers.append(header::VARY, HeaderValue::from_static(VARY));
    if let Ok(v) = HeaderValue::from_str(&tag) {
        headers.insert(header::ETAG, v);
    }
    let matched = if_none_match
        .as_ref()
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| none_match_fails(v, &tag));
    if matched {
        parts.status = StatusCode::NOT_MODIFIED;
        strip_content_headers(headers);
        return Response::from_parts(parts, Body::empty());
    }
    Response::from_parts(parts, Body::from(bytes))
}

/// `Cache-Control` of an anonymous answer about published content.
fn public_policy(max_age: u64, swr: u64) -> HeaderValue {
    let text = format!("public, max-age={max_age}, stale-while-revalidate={swr}");
    HeaderValue::from_str(&text).unwrap_or(HeaderValue::from_static(PRIVATE))
}

fn with_cache_control(mut response: Response, value: &'static str) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static(value));
    response
}

fn is_account_route(path: &str) -> bool {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    ACCOUNT_ROUTES.contains(&first)
}

/// The body's length when it is known before reading (axum's JSON, text and HTML bodies).
fn exact_len(response: &Response) -> Option<u64> {
    use axum::body::HttpBody as _;
    response.body().size_hint().exact()
}

async fn read_body(body: Body, len: u64) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(body, len as usize)
        .await
        .map_err(|e| ApiError::internal(format!("reading a response body to tag it: {e}")))
}

/// A strong validator: the quoted URL-safe base64 of the body's SHA-256.
pub fn strong_etag(body: &[u8]) -> String {
    format!("\"{}\"", URL_SAFE_NO_PAD.encode(Sha256::digest(body)))
}

/// Whether a caller flag has a value in `body`. `null` is no value: the single-site read
/// writes every field, flags included, as `null` for anonymous callers.
fn carries_caller_flags(body: &[u8]) -> bool {
    CALLER_FLAGS.iter().any(|flag| {
        memchr::memmem::find_iter(body, flag).any(|at| {
            let value = body[at + flag.len()..].trim_ascii_start();
            !value.starts_with(b"null")
        })
    })
}

/// Whether `If-None-Match: header` names the current `tag`, so that a `GET` is answered
/// `304` (RFC 9110 13.1.2): `*`, or a list of entity tags compared weakly (`W/"x"`
/// matches `"x"`; a CDN that compresses an answer may weaken its tag).
pub fn none_match_fails(header: &str, tag: &str) -> bool {
    let header = header.trim();
    if header == "*" {
        return true;
    }
    let opaque = tag.trim_start_matches("W/");
    entity_tags(header).any(|t| t.trim_start_matches("W/") == opaque)
}

/// The entity tags of a comma-separated list, each with its quotes (and `W/` if weak);
/// a comma inside quotes does not split.
fn entity_tags(list: &str) -> impl Iterator<Item = &str> {
    let mut rest = list;
    std::iter::from_fn(move || loop {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            return None;
        }
        let start = if rest.starts_with("W/") { 2 } else { 0 };
        let after = &rest[start..];
        if !after.starts_with('"') {
            // Not an entity tag: skip to the next comma.
            let next = rest.find(',').unwrap_or(rest.len());
            rest = &rest[next..];
            continue;
        }
        let Some(close) = after[1..].find('"') else {
            rest = "";
            return None;
        };
        let end = start + 1 + close + 1;
        let tag = &rest[..end];
        rest = &rest[end..];
        return Some(tag);
    })
}

/// A `304` carries the validators and caching headers of the `200` it stands for, not
/// the description of a body it does not have (RFC 9110 15.4.5).
fn strip_content_headers(headers: &mut HeaderMap) {
    for name in [
        header::CONTENT_TYPE,
        header::CONTENT_LENGTH,
        header::CONTENT_LANGUAGE,
    ] {
        headers.remove(name);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_none_match_compares_weakly_over_a_list() {
        let tag = strong_etag(b"{}");
        assert!(none_match_fails(&tag, &tag));
        assert!(none_match_fails("*", &tag));
        assert!(none_match_fails(&format!("W/{tag}"), &tag));
        assert!(none_match_fails(&format!("\"a,b\", W/\"x\" ,{tag}"), &tag));
        assert!(!none_match_fails("\"other\"", &tag));
        assert!(!none_match_fails("", &tag));
        assert!(!none_match_fails("garbage, \"unclosed", &tag));
        // The tag without its quotes is not an entity tag.
        assert!(!none_match_fails(tag.trim_matches('"'), &tag));
    }

    #[test]
    fn the_tag_is_strong_quoted_and_follows_the_body() {
        let a = strong_etag(b"{\"items\":[]}");
        assert!(a.starts_with('"') && a.ends_with('"') && !a.starts_with("W/"));
        assert_eq!(a, strong_etag(b"{\"items\":[]}"));
        assert_ne!(a, strong_etag(b"{\"items\":[1]}"));
    }

    #[test]
    fn caller_flags_are_found_only_as_keys() {
        assert!(carries_caller_flags(br#"{"items":[{"id":1,"own":true}]}"#));
        assert!(carries_caller_flags(br#"{"waiting_approval":false}"#));
        // The words inside a text (quotes escaped) are not flags.
        assert!(!carries_caller_flags(br#"{"story":"my \"own\": house"}"#));
        assert!(!carries_caller_flags(br#"{"title":"own"}"#));
        // The single-site read writes absent flags as null.
        assert!(!carries_caller_flags(
            br#"{"waiting_approval":null,"own": null}"#
        ));
        assert!(carries_caller_flags(
            br#"{"own":null,"memories":[{"own":true}]}"#
        ));
    }

    #[test]
    fn account_routes_are_recognised_by_their_first_segment() {
        for p in [
            "/me",
            "/auth/status",
            "/oauth",
            "/login/email-only",
            "/register",
        ] {
            assert!(is_account_route(p), "{p}");
        }
        for p in ["/", "/projects", "/projects/me", "/languages", "/melody"] {
            assert!(!is_account_route(p), "{p}");
        }
    }
}
