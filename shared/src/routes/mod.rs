//! One axum router per resource group. A Lambda binary serves its group through
//! [`service`]; the local server merges all of them. Same code path in both.

pub mod common;
pub mod login;
pub mod me;
pub mod projects;

use std::time::Duration;

use axum::{
    extract::DefaultBodyLimit,
    http::{header, HeaderName, HeaderValue, Method},
    middleware, Router,
};
use tower::Layer;
use tower_http::{
    cors::{AllowOrigin, Any, CorsLayer},
    normalize_path::{NormalizePath, NormalizePathLayer},
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};

use crate::{auth, error::ApiError, http::guard, state::AppState};

/// Largest request body: a 3 000 000-character image plus the rest of the JSON (§9).
pub const MAX_BODY_BYTES: usize = 4 * 1024 * 1024;

/// The resource groups, one Lambda function each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    Common,
    Projects,
    Login,
    Me,
}

impl Group {
    pub const ALL: &'static [Group] = &[Group::Common, Group::Projects, Group::Login, Group::Me];

    /// The group's routes without the cross-cutting layers.
    pub fn routes(self) -> Router<AppState> {
        match self {
            Group::Common => common::router(),
            Group::Projects => projects::router(),
            Group::Login => login::router(),
            Group::Me => me::router(),
        }
    }

    /// Every `(method, path)` the group's router serves, paths in axum's `{param}`
    /// spelling (the OpenAPI one too). Tests check each row against the router and the
    /// whole table against the OpenAPI document.
    pub fn routes_table(self) -> &'static [Route] {
        match self {
            Group::Common => common::ROUTES,
            Group::Projects => projects::ROUTES,
            Group::Login => login::ROUTES,
            Group::Me => me::ROUTES,
        }
    }
}

/// One served route: HTTP method (upper case) and path.
pub type Route = (&'static str, &'static str);

async fn not_found() -> ApiError {
    ApiError::NotFound("Not Found".into())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// The router of `groups` with the cross-cutting layers: authentication (every request,
/// unknown paths included), 404/405 envelopes, request ids, tracing, CORS, body limit.
pub fn router(state: AppState, groups: &[Group]) -> Router {
    let mut routes = Router::new();
    for g in groups {
        routes = routes.merge(g.routes());
    }
    let request_id = HeaderName::from_static("x-request-id");
    routes
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(state.clone(), auth::authenticate))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(middleware::from_fn_with_state(state.clone(), guard::guard))
        .layer(cors(&state))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// `router` wrapped so that `/login/` and `/login` are the same route (§0.1).
pub fn service(state: AppState, groups: &[Group]) -> NormalizePath<Router> {
    NormalizePathLayer::trim_trailing_slash().layer(router(state, groups))
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
        .allow_headers(Any)
        // The login token and created resources' URLs are read from these headers.
        .expose_headers([header::AUTHORIZATION, header::LOCATION])
        .max_age(Duration::from_secs(600))
}
