//! One axum router per resource group, built from its handlers' `#[utoipa::path]`
//! (docs/architecture.md#adding-a-route). A Lambda binary serves its group through
//! [`lambda_service`]; the local server merges all of them. Same code path in both.

pub mod admin;
pub mod comments;
pub mod common;
mod group;
pub mod images;
mod layers;
pub mod login;
pub mod me;
pub mod memories;
pub mod projects;
pub mod sites;
pub mod table;

use axum::Router;
use tower::Layer;
use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;
use layers::with_layers;

pub use group::Group;
pub use layers::{catch_panics, PanicResponder};

pub use crate::http::guard::MAX_BODY_BYTES;

impl Group {
    /// The group's routes without the cross-cutting layers.
    pub fn routes(self) -> Router<AppState> {
        match self {
            Group::Common => common::router(),
            Group::Projects => projects::router(),
            Group::Sites => sites::router(),
            Group::Memories => memories::router(),
            Group::Comments => comments::router(),
            Group::Admin => admin::router(),
            Group::Images => images::router(),
            Group::Login => login::router(),
            Group::Me => me::router(),
        }
    }

    /// The group's routes with their part of the OpenAPI document (`openapi::document()`
    /// merges them). Linking this links every group: a Lambda function never calls it.
    pub fn openapi_router(self) -> OpenApiRouter<AppState> {
        match self {
            Group::Common => common::routes(),
            Group::Projects => projects::routes(),
            Group::Sites => sites::routes(),
            Group::Memories => memories::routes(),
            Group::Comments => comments::routes(),
            Group::Admin => admin::routes(),
            Group::Images => images::routes(),
            Group::Login => login::routes(),
            Group::Me => me::routes(),
        }
    }
}

/// The router of `groups` with the cross-cutting layers: authentication (every request,
/// unknown paths included), 404/405 envelopes, request ids, tracing, CORS, body limit.
pub fn router(state: AppState, groups: &[Group]) -> Router {
    let mut routes = Router::new();
    for g in groups {
        // MUISTOT_DISABLE_COMMENTS: the comment routes do not exist at all.
        if *g == Group::Comments && state.config().disable_comments {
            continue;
        }
        routes = routes.merge(g.routes());
    }
    with_layers(state, routes, groups)
}

/// The service of one Lambda function: `routes`, the router of `group` that the function's
/// `main` names itself, with the layers of [`router`]. Nothing here reaches the other
/// groups' routers, so a function's binary links only its own handlers
/// (docs/architecture.md).
pub fn lambda_service(
    state: AppState,
    group: Group,
    routes: Router<AppState>,
) -> NormalizePath<Router> {
    // MUISTOT_DISABLE_COMMENTS: the comment routes do not exist at all.
    let routes = if group == Group::Comments && state.config().disable_comments {
        Router::new()
    } else {
        routes
    };
    NormalizePathLayer::trim_trailing_slash().layer(with_layers(state, routes, &[group]))
}

/// `router` wrapped so that `/login/` and `/login` are the same route
/// (docs/api-conventions.md#paths-and-routing).
pub fn service(state: AppState, groups: &[Group]) -> NormalizePath<Router> {
    NormalizePathLayer::trim_trailing_slash().layer(router(state, groups))
}

#[cfg(test)]
pub(crate) mod test_support {
    use std::{sync::Arc, time::Duration};

    use crate::{
        config::Config, db::Db, images::DirImageStore, sessions::MemorySessionStore,
        state::AppState,
    };

    /// A state that needs no running service: a handler that reaches the database gets a
    /// quick 503 (nothing listens on port 1), which is all the probes of the tests need.
    pub(crate) fn offline_state() -> AppState {
        let config = Config::from_lookup(|_| None).expect("default configuration");
        let db = Db::new(
            "mysql://root@127.0.0.1:1/none",
            None,
            Duration::from_secs(1),
        )
        .expect("a pool is built lazily");
        AppState::from_parts(
            config,
            db,
            Arc::new(MemorySessionStore::new(60)),
            Arc::new(DirImageStore::new(std::env::temp_dir())),
            Arc::new(crate::mail::LogMailer),
        )
    }

    #[test]
    fn names_round_trip() {
        use super::Group;
        for g in Group::ALL {
            assert_eq!(Group::from_name(&g.name()), Some(*g));
        }
        assert_eq!(Group::Projects.name(), "projects");
        assert_eq!(Group::from_name("nope"), None);
    }
}
