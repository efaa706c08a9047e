//! The cross-cutting layers every group's router is served with: request ids, tracing,
//! CORS, the caching headers of reads, the request guard, the body limit, panic catching, authentication, the `HEAD`
//! refusal, and the answers for requests no route matches.

use std::{sync::Arc, time::Duration};

use axum::{
    extract::DefaultBodyLimit,
    http::{header, HeaderName, HeaderValue, Method, StatusCode, Uri},
    middleware,
    response::{IntoResponse, Response},
    Router,
};
use tower_http::{
    catch_panic::CatchPanicLayer,
    cors::{AllowOrigin, CorsLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

use super::{group::Group, table::known_routes};
use crate::{
    error::ApiError,
    http::{cache, guard, guard::MAX_BODY_BYTES, BaseUrl},
    state::AppState,
};

/// A request that no route of this router matches. In AWS, API Gateway hands whatever matches
/// none of its routes (`$default`) to the common function, so the answer follows the whole
/// route table ([`table`]), not only this router: a known path with another method is a 405; a known
/// route of another function in this build is a spelling API Gateway did not route (e.g. a
/// trailing slash), redirected with 307 to the spelling it does; anything else 404.
/// Locally every router is merged, so only the 404 and 405 cases can happen.
async fn unmatched(groups: Arc<[Group]>, method: Method, uri: Uri, base: BaseUrl) -> Response {
    let path = uri.path();
    let known = known_routes(path);
    if known.is_empty() {
        return ApiError::NotFound("Not Found".into()).into_response();
    }
    let served_elsewhere = known.iter().any(|(name, m)| {
        **m == method && Group::from_name(name).is_some_and(|g| !groups.contains(&g))
    });
    if served_elsewhere {
        let target = match uri.query() {
            Some(q) => base.join(&format!("{path}?{q}")),
            None => base.join(path),
        };
        let mut res = StatusCode::TEMPORARY_REDIRECT.into_response();
        if let Ok(v) = HeaderValue::from_str(&target) {
            res.headers_mut().insert(header::LOCATION, v);
        }
        return res;
    }
    if known.iter().any(|(_, m)| **m == method) {
        // A route of a function that is not part of this build.
        return ApiError::NotFound("Not Found".into()).into_response();
    }
    ApiError::MethodNotAllowed.into_response()
}

/// `HEAD` is not implied by `GET`, as in the original (axum would answer it with the GET
/// handler): 405 on a known path, 404 elsewhere, as for any method no route has.
async fn refuse_head(req: axum::extract::Request, next: middleware::Next) -> Response {
    if req.method() != Method::HEAD {
        return next.run(req).await;
    }
    if known_routes(req.uri().path()).is_empty() {
        ApiError::NotFound("Not Found".into()).into_response()
    } else {
        ApiError::MethodNotAllowed.into_response()
    }
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// `routes` with the cross-cutting layers of `routes::router` (`groups` decide what an unmatched
/// request answers).
pub(super) fn with_layers(state: AppState, routes: Router<AppState>, groups: &[Group]) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    routes
        // Only matched routes: their pattern names the metric, never a concrete path.
        .route_layer(middleware::from_fn(route_latency))
        .fallback({
            let groups: Arc<[Group]> = groups.into();
            move |method: Method, uri: Uri, base: BaseUrl| unmatched(groups, method, uri, base)
        })
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn(refuse_head))
        .layer(middleware::from_fn_with_state(state.clone(), crate::http::auth::authenticate))
        .layer(catch_panics())
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), guard::guard))
        // Outside the guard, so that its 413 and 503 answers are marked `no-store` too.
        .layer(middleware::from_fn_with_state(state.clone(), cache::http_cache))
        .layer(cors(&state))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            // The X-Ray trace id beside the request id: one step from an error body's
            // request_id to the trace (docs/operations.md#tracing).
            let trace_id = crate::telemetry::trace_id(req.headers());
            let trace_id = trace_id.as_deref().unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id, trace_id = %trace_id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// One EMF metric line per request that reached a route: its latency in the router, by
/// route pattern and status (docs/operations.md#metrics). Counting the lines by route and
/// status gives what users do: logins by method, links sent, things created, publish
/// actions, rate-limit refusals (429).
async fn route_latency(req: axum::extract::Request, next: middleware::Next) -> Response {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map(|p| format!("{} {}", req.method(), p.as_str()));
    let started = std::time::Instant::now();
    let res = next.run(req).await;
    if let Some(route) = route {
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        crate::telemetry::metric(
            "Latency",
            crate::telemetry::Unit::Milliseconds,
            ms,
            &[("Route", &route), ("Status", res.status().as_str())],
        );
    }
    res
}

/// The answer to a request whose handler (or authentication) panicked.
pub type PanicResponder = fn(Box<dyn std::any::Any + Send + 'static>) -> Response;

/// Turns a panic below it into the 500 envelope of [`ApiError::Internal`] instead of a
/// dropped connection. It sits inside the request guard, so the envelope carries the
/// request id; the panic message goes to the log only, never to the client.
pub fn catch_panics() -> CatchPanicLayer<PanicResponder> {
    CatchPanicLayer::custom(panic_response as PanicResponder)
}

fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    ApiError::internal(format!("handler panicked: {message}")).into_response()
}

fn cors(state: &AppState) -> CorsLayer {
    let origins = &state.config().cors_origins;
    let allow = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    CorsLayer::new()
        .allow_origin(allow)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PATCH,
            Method::PUT,
            Method::DELETE,
        ])
        // Listed, as in template.yaml: a browser never lets `*` stand for `Authorization`,
        // so a wildcard would fail every signed-in request from another origin.
        .allow_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::CONTENT_LANGUAGE,
            header::ACCEPT_LANGUAGE,
        ])
        // The login token and created resources' URLs are read from these headers; a
        // script paging a list or saving an export reads the other two.
        .expose_headers([
            header::AUTHORIZATION,
            header::LOCATION,
            header::LINK,
            header::CONTENT_DISPOSITION,
        ])
        .max_age(Duration::from_secs(600))
}

#[cfg(test)]
mod panic_tests {
    use axum::{body::Body, http::Request, routing::get};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    use super::*;
    use crate::state::AppState;

    const SECRET: &str = "secret detail of the failure";

    async fn boom() -> &'static str {
        panic!("{SECRET}")
    }

    async fn send(router: Router, uri: &str) -> (StatusCode, String, Option<String>) {
        let req = Request::builder()
            .uri(uri)
            .header("x-request-id", "req-panic-1")
            .body(Body::empty())
            .expect("request");
        let res = router.oneshot(req).await.expect("infallible");
        let status = res.status();
        let header = res
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = res.into_body().collect().await.expect("body").to_bytes();
        (status, String::from_utf8_lossy(&bytes).into_owned(), header)
    }

    /// A panicking handler behind the production layers (guard, request-id propagation)
    /// answers the 500 envelope with the request id, and the panic message stays out of it.
    #[tokio::test]
    async fn a_panic_answers_the_internal_error_envelope() {
        let state: AppState = crate::routes::test_support::offline_state();
        let router = Router::new()
            .route("/boom", get(boom))
            .route("/fine", get(|| async { "fine" }))
            .layer(catch_panics())
            .layer(middleware::from_fn_with_state(state.clone(), guard::guard))
            .layer(PropagateRequestIdLayer::x_request_id())
            .with_state(state);
        let (status, body, header) = send(router.clone(), "/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
        let json: serde_json::Value = serde_json::from_str(&body).expect("JSON body");
        assert_eq!(
            json,
            serde_json::json!({"error": {
                "code": 500, "message": "Internal Server Error", "request_id": "req-panic-1"
            }})
        );
        assert!(!body.contains(SECRET), "{body}");
        assert_eq!(header.as_deref(), Some("req-panic-1"));
        // The service is still usable after the panic.
        let (status, body, _) = send(router, "/fine").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body, "fine");
    }

    /// The same through the production stack of layers (authentication, guard, request
    /// ids): the request id is the one the client sent, in the body and the header.
    #[tokio::test]
    async fn the_production_layers_catch_a_panic() {
        let state = crate::routes::test_support::offline_state();
        let routes = Router::new().route("/boom", get(boom));
        let router = with_layers(state, routes, &[]);
        let (status, body, header) = send(router, "/boom").await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
        let json: serde_json::Value = serde_json::from_str(&body).expect("JSON body");
        assert_eq!(json["error"]["code"], 500);
        assert_eq!(json["error"]["request_id"], "req-panic-1");
        assert!(!body.contains(SECRET), "{body}");
        assert_eq!(header.as_deref(), Some("req-panic-1"));
    }

    /// Without the layer the panic escapes the service (the case the layer exists for).
    #[tokio::test]
    async fn without_the_layer_the_panic_escapes() {
        let router: Router = Router::new().route("/boom", get(boom));
        let handle = tokio::spawn(async move { send(router, "/boom").await });
        assert!(handle.await.is_err_and(|e| e.is_panic()));
    }
}

#[cfg(test)]
mod unmatched_tests {
    use axum::{body::Body, http::Request};
    use tower::ServiceExt;

    use super::*;

    async fn send(groups: &[Group], method: Method, uri: &str) -> Response {
        let req = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", "api.example.com")
            .header("x-forwarded-proto", "https")
            .body(Body::empty())
            .expect("request");
        let state = crate::routes::test_support::offline_state();
        crate::routes::service(state, groups)
            .oneshot(req)
            .await
            .expect("infallible")
    }

    /// What the common function answers for requests API Gateway routes to `$default`.
    #[tokio::test]
    async fn the_common_function_answers_what_api_gateway_did_not_route() {
        let common = [Group::Common];
        let r = send(&common, Method::PUT, "/projects").await;
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
        let r = send(&common, Method::GET, "/no/such/path").await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        // A trailing-slash spelling of a route another function of this build serves.
        let r = send(&common, Method::POST, "/projects/?lang=fi").await;
        assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
        assert_eq!(
            r.headers()[header::LOCATION],
            "https://api.example.com/projects?lang=fi"
        );
        // Locally every router is merged: the same request reaches its handler instead.
        let r = send(Group::ALL, Method::PUT, "/projects").await;
        assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    }
}
