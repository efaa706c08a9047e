//! Packaging (issue #5): `template.yaml`, the route table (`routes::table::route_table()`,
//! read from the committed `docs/openapi.json`) and the API Gateway events of `events/` must
//! agree, and every event must get the status its file name says
//! when it goes through `lambda_http`'s own deserialisation into its function's router.
//!
//! The checks that concern one function are tests of their own (`packaging::<function>::…`),
//! so a function whose router has not landed yet fails by name while the others pass.
//!
//! Here: the route table against the template and the routers. The template is read in
//! `packaging/template.rs`, the events are checked in `packaging/events.rs`, how the
//! functions are built and deployed in `packaging/deploy.rs`, and the optional CDN in
//! `packaging/cdn.rs`.

mod cdn;
mod deploy;
mod events;
mod operations;
mod template;

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
};

use axum::{extract::MatchedPath, middleware, Router};
use http::{HeaderValue, StatusCode};
use muistot::{
    routes::{self, table::route_table, Group},
    AppState,
};
use serde_json::{json, Value};
use tower::{Layer, ServiceExt};
use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};

use self::{
    deploy::has_a_function_crate,
    events::{events_get_their_status, events_state},
    template::{template, Route},
};

/// The nine functions that serve the API, by binary name (= `Group::name()`).
const FUNCTIONS: [&str; 9] = [
    "common", "images", "login", "projects", "sites", "memories", "comments", "me", "admin",
];
/// The function that applies migrations; deployed without an HTTP route.
const MIGRATE: &str = "migrate";
/// The function API Gateway sends unmatched requests to (`$default`).
const DEFAULT_ROUTE_FUNCTION: &str = "common";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives in the workspace")
        .to_path_buf()
}

fn table_rows(function: &str) -> Vec<Route> {
    route_table()
        .iter()
        .filter(|r| r.group == function)
        .map(|r| Route {
            method: r.method.to_string(),
            path: r.path.clone(),
        })
        .collect()
}

/// The group of `function`, or a failure that says the router is missing from this build.
fn group_of(function: &str) -> Group {
    Group::from_name(function).unwrap_or_else(|| {
        let routes: Vec<String> = table_rows(function).iter().map(|r| r.to_string()).collect();
        panic!(
            "function `{function}` is declared in template.yaml, but this build has no router \
             for it: muistot::routes::Group has no variant named {function:?}. Its routes \
             would be: {}",
            routes.join(", ")
        )
    })
}

/// A concrete path for a route pattern, using the fixture's names.
fn sample(path: &str) -> String {
    path.replace("{project}", "events-project")
        .replace("{site}", "events-site")
        .replace("{memory}", "4242001")
        .replace("{comment}", "4242001")
        .replace("{image}", "placeholder.jpg")
}

/// A minimal API Gateway HTTP API (v2) event for `route`.
fn minimal_event(route: &Route) -> String {
    let path = sample(&route.path);
    let params: serde_json::Map<String, Value> = route
        .path
        .split('/')
        .zip(path.split('/'))
        .filter(|(r, _)| r.starts_with('{'))
        .map(|(r, p)| (r[1..r.len() - 1].to_string(), json!(p)))
        .collect();
    json!({
        "version": "2.0",
        "routeKey": route.to_string(),
        "rawPath": path,
        "rawQueryString": "",
        "headers": {"host": "api.example.com", "x-forwarded-proto": "https"},
        "pathParameters": params,
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "api.example.com",
            "http": {"method": route.method, "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": "packaging-test"},
            "requestId": "packaging", "routeKey": route.to_string(), "stage": "$default",
            "time": "28/Nov/2026:09:00:00 +0000", "timeEpoch": 1_795_856_400_000u64
        },
        "isBase64Encoded": false
    })
    .to_string()
}

/// The group's router with a layer on its routes that names the matched route pattern in a
/// response header (route layers also wrap a path's 405 fallback, hence the status check).
fn probe(state: AppState, group: Group) -> NormalizePath<Router> {
    let router = routes::router(state, &[group]).route_layer(middleware::from_fn(
        |req: axum::extract::Request, next: middleware::Next| async move {
            let pattern = req
                .extensions()
                .get::<MatchedPath>()
                .map(|m| m.as_str().to_string())
                .unwrap_or_default();
            let mut res = next.run(req).await;
            if res.status() != StatusCode::METHOD_NOT_ALLOWED {
                if let Ok(v) = HeaderValue::from_str(&pattern) {
                    res.headers_mut().insert("x-matched-route", v);
                }
            }
            res
        },
    ));
    NormalizePathLayer::trim_trailing_slash().layer(router)
}

// ------------------------------------------------------------------ per-function checks

/// Every route the template declares for `function` reaches a handler of its router under
/// the same pattern (not the 404/405 fallback), through lambda_http's deserialisation.
async fn template_routes_reach_the_router(function: &str) {
    let t = template();
    let f = t
        .function(function)
        .unwrap_or_else(|| panic!("template.yaml declares no function with Binary {function}"));
    let group = group_of(function);
    let (state, _dir) = events_state().await;
    let mut problems = Vec::new();
    for route in f.routes.iter().filter(|r| r.path != "$default") {
        let req = lambda_http::request::from_str(&minimal_event(route))
            .unwrap_or_else(|e| panic!("{route}: lambda_http refuses the event: {e}"));
        let res = probe(state.clone(), group)
            .oneshot(req)
            .await
            .expect("infallible");
        let matched = res
            .headers()
            .get("x-matched-route")
            .and_then(|v| v.to_str().ok());
        if matched != Some(route.path.as_str()) {
            problems.push(format!(
                "template.yaml routes {route} to {} ({}), but its router does not serve it \
                 (status {}, matched {matched:?})",
                f.logical_id,
                function,
                res.status()
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The routes of `function`'s router (its rows of the route table, which a unit test holds to
/// what the router serves) are each declared exactly once in the template, for `function`;
/// and the template declares no other route for it.
fn router_routes_are_declared(function: &str) {
    let t = template();
    let rows = table_rows(function);
    let mut problems = Vec::new();
    if rows.is_empty() {
        problems.push(format!("the route table has no routes for `{function}`"));
    }
    for row in &rows {
        let owners: Vec<&str> = t
            .functions
            .iter()
            .flat_map(|f| {
                f.routes
                    .iter()
                    .filter(|r| *r == row)
                    .map(|_| f.binary.as_str())
            })
            .collect();
        if owners != [function] {
            problems.push(format!(
                "the `{function}` router serves {row}; template.yaml declares it for {owners:?} \
                 (expected exactly [{function:?}])"
            ));
        }
    }
    if let Some(f) = t.function(function) {
        for route in &f.routes {
            let default_ok = route.path == "$default" && function == DEFAULT_ROUTE_FUNCTION;
            if !default_ok && !rows.contains(route) {
                problems.push(format!(
                    "template.yaml routes {route} to `{function}`, whose router table has no \
                     such route"
                ));
            }
        }
    } else {
        problems.push(format!(
            "template.yaml has no function with Binary {function}"
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

macro_rules! per_function {
    ($($f:ident),* $(,)?) => {$(
        mod $f {
            #[tokio::test]
            async fn template_routes_reach_the_router() {
                super::template_routes_reach_the_router(stringify!($f)).await
            }
            #[test]
            fn router_routes_are_declared() {
                super::router_routes_are_declared(stringify!($f))
            }
            #[tokio::test]
            async fn events_get_their_status() {
                super::events_get_their_status(stringify!($f)).await
            }
            #[test]
            fn has_a_function_crate() {
                super::has_a_function_crate(stringify!($f))
            }
        }
    )*};
}

per_function!(common, images, login, projects, sites, memories, comments, me, admin);

// ------------------------------------------------------------------ whole-template checks

#[test]
fn the_function_list_matches_the_route_table_and_the_groups() {
    let table: BTreeSet<&str> = route_table().iter().map(|r| r.group.as_str()).collect();
    assert_eq!(table, FUNCTIONS.into_iter().collect::<BTreeSet<_>>());
    for g in Group::ALL {
        assert!(
            FUNCTIONS.contains(&g.name().as_str()),
            "Group::{g:?} ({}) is not one of the template's functions",
            g.name()
        );
    }
    let t = template();
    let mut binaries: Vec<&str> = t.functions.iter().map(|f| f.binary.as_str()).collect();
    binaries.sort();
    let mut expected: Vec<&str> = FUNCTIONS.iter().copied().chain([MIGRATE]).collect();
    expected.sort();
    assert_eq!(binaries, expected, "template functions (by Binary)");
    let migrate = t.function(MIGRATE).expect("migrate function");
    assert!(
        migrate.routes.is_empty(),
        "the migrate function must have no HTTP route"
    );
}

#[test]
fn routes_are_unique_and_unmatched_requests_go_to_common() {
    let t = template();
    let mut seen = BTreeMap::new();
    for f in &t.functions {
        for r in &f.routes {
            if let Some(other) = seen.insert(r.clone(), f.binary.clone()) {
                panic!("{r} is declared twice: for {other} and {}", f.binary);
            }
        }
    }
    assert_eq!(
        seen.get(&Route {
            method: "ANY".into(),
            path: "$default".into()
        })
        .map(String::as_str),
        Some(DEFAULT_ROUTE_FUNCTION),
        "the $default route (unknown paths, 405s, trailing slashes) goes to common"
    );
}
