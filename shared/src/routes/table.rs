//! The route table: every route of the API and the group (Lambda function) that serves it,
//! read from the committed OpenAPI document `docs/openapi.json`, where an operation's first
//! tag names its group (docs/architecture.md#adding-a-route).
//!
//! Every function needs the whole table at run time — a request none of its routes matches
//! is answered after the routes of all functions (404, 405 or 307, see `unmatched` in
//! routes/layers.rs) — yet links only its own group's handlers, so the table cannot come from
//! the routers. It comes from the file the common function serves as `/openapi.json`, which
//! a test keeps equal to the document generated from the handlers' `#[utoipa::path]`.

use std::{fmt, marker::PhantomData, sync::OnceLock};

use axum::http::Method;
use serde::{
    de::{MapAccess, Visitor},
    Deserialize, Deserializer,
};

/// The committed OpenAPI document, pretty-printed (`openapi::document()` generates it).
pub const DOCUMENT: &str = include_str!("../../../docs/openapi.json");

/// One operation of [`DOCUMENT`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The operation's first tag: the name of the group that serves it
    /// ([`Group::name`](super::Group::name)).
    pub group: String,
    pub method: Method,
    /// In axum's path syntax, which is also the document's and API Gateway's.
    pub path: String,
    pub summary: String,
}

/// Every operation of [`DOCUMENT`] in its order (by path; per path GET, POST, PUT, PATCH,
/// DELETE), parsed once. Empty, with an error in the log, if the file does not parse — which
/// the test that compares it with the generated document rules out.
pub fn route_table() -> &'static [Route] {
    static TABLE: OnceLock<Vec<Route>> = OnceLock::new();
    TABLE.get_or_init(|| match parse(DOCUMENT) {
        Ok(routes) => routes,
        Err(e) => {
            tracing::error!(error = %e, "docs/openapi.json does not parse: no route table");
            Vec::new()
        }
    })
}

/// The document `text`'s operations (see [`route_table`]).
fn parse(text: &str) -> Result<Vec<Route>, serde_json::Error> {
    let doc: Document = serde_json::from_str(text)?;
    let mut routes = Vec::new();
    for (path, item) in doc.paths.0 {
        let operations = [
            (Method::GET, item.get),
            (Method::POST, item.post),
            (Method::PUT, item.put),
            (Method::PATCH, item.patch),
            (Method::DELETE, item.delete),
            (Method::HEAD, item.head),
            (Method::OPTIONS, item.options),
            (Method::TRACE, item.trace),
        ];
        for (method, op) in operations {
            let Some(op) = op else { continue };
            routes.push(Route {
                group: op.tags.into_iter().next().unwrap_or_default(),
                method,
                path: path.clone(),
                summary: op.summary.unwrap_or_default(),
            });
        }
    }
    Ok(routes)
}

/// A group's `(method, path)` routes.
type Rows = Vec<(Method, &'static str)>;

/// The `(method, path)` routes of the group named `group` (`Group::routes_table`).
pub fn routes_of(group: &str) -> &'static [(Method, &'static str)] {
    static BY_GROUP: OnceLock<Vec<(&'static str, Rows)>> = OnceLock::new();
    let by_group = BY_GROUP.get_or_init(|| {
        let mut by_group: Vec<(&'static str, Rows)> = Vec::new();
        for r in route_table() {
            let row = (r.method.clone(), r.path.as_str());
            match by_group.iter_mut().find(|(g, _)| *g == r.group) {
                Some((_, rows)) => rows.push(row),
                None => by_group.push((r.group.as_str(), vec![row])),
            }
        }
        by_group
    });
    by_group
        .iter()
        .find(|(g, _)| *g == group)
        .map_or(&[], |(_, rows)| rows.as_slice())
}

/// The (group name, method) of every route whose pattern `path` fits.
pub(super) fn known_routes(path: &str) -> Vec<(&'static str, &'static Method)> {
    route_table()
        .iter()
        .filter(|r| pattern_matches(&r.path, path))
        .map(|r| (r.group.as_str(), &r.method))
        .collect()
}

/// Whether `path` fits the route `pattern` (`{name}` matches one non-empty segment).
fn pattern_matches(pattern: &str, path: &str) -> bool {
    let mut want = pattern.split('/');
    let mut got = path.split('/');
    loop {
        match (want.next(), got.next()) {
            (None, None) => return true,
            (Some(w), Some(g)) if w.starts_with('{') && w.ends_with('}') && !g.is_empty() => {}
            (Some(w), Some(g)) if w == g => {}
            _ => return false,
        }
    }
}

/// The parts of an OpenAPI document the table reads; serde skips the rest.
#[derive(Deserialize)]
struct Document {
    paths: Entries<PathItem>,
}

#[derive(Deserialize)]
struct PathItem {
    get: Option<Operation>,
    put: Option<Operation>,
    post: Option<Operation>,
    delete: Option<Operation>,
    patch: Option<Operation>,
    head: Option<Operation>,
    options: Option<Operation>,
    trace: Option<Operation>,
}

#[derive(Deserialize)]
struct Operation {
    #[serde(default)]
    tags: Vec<String>,
    summary: Option<String>,
}

/// A JSON object as its entries in the document's order (serde_json's own map sorts keys).
struct Entries<T>(Vec<(String, T)>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Entries<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor<T>(PhantomData<T>);

        impl<'de, T: Deserialize<'de>> Visitor<'de> for EntriesVisitor<T> {
            type Value = Entries<T>;

            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Entries(entries))
            }
        }

        deserializer.deserialize_map(EntriesVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use axum::{
        body::Body,
        extract::MatchedPath,
        http::{HeaderValue, Request, StatusCode},
        middleware, Router,
    };
    use tower::{Layer, ServiceExt};
    use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};

    use super::*;
    use crate::routes::{router, test_support::offline_state, Group};

    #[test]
    fn patterns() {
        assert!(pattern_matches("/", "/"));
        assert!(pattern_matches("/projects/{project}", "/projects/abcd"));
        assert!(!pattern_matches("/projects/{project}", "/projects/"));
        assert!(!pattern_matches("/projects/{project}", "/projects/a/b"));
        assert!(!pattern_matches("/projects", "/projects/a"));
    }

    #[test]
    fn the_document_parses_in_its_order() {
        let routes = parse(DOCUMENT).expect("docs/openapi.json parses");
        assert_eq!(routes, route_table());
        let first = &routes[0];
        assert_eq!((&first.method, first.path.as_str()), (&Method::GET, "/"));
        assert_eq!(first.group, "common");
        let login = routes.iter().position(|r| r.path == "/login");
        let alias = routes.iter().position(|r| r.path == "/auth/login");
        assert_eq!(alias, login.map(|i| i + 1), "an alias follows its seed");
    }

    /// Parsing keeps the entries' order and reads only what the table needs.
    #[test]
    fn a_small_document() {
        let text = r#"{"openapi": "3.1.0", "paths": {
            "/b": {"get": {"tags": ["x"], "summary": "B", "responses": {}}},
            "/a": {"parameters": [], "delete": {"tags": ["y", "z"]}, "post": {}}
        }}"#;
        let routes = parse(text).expect("parses");
        let got: Vec<_> = routes
            .iter()
            .map(|r| (r.group.as_str(), r.method.as_str(), r.path.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("x", "GET", "/b"),
                ("", "POST", "/a"),
                ("y", "DELETE", "/a")
            ]
        );
        assert_eq!(routes[0].summary, "B");
        assert!(parse(r#"{"paths": []}"#).is_err());
    }

    #[test]
    fn every_route_belongs_to_a_group_and_is_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for r in route_table() {
            assert!(
                Group::from_name(&r.group).is_some(),
                "{} {}: tag {:?} names no group",
                r.method,
                r.path,
                r.group
            );
            assert!(
                seen.insert((r.method.clone(), r.path.as_str())),
                "{} {} is listed twice",
                r.method,
                r.path
            );
        }
    }

    /// The group's router with a layer on its routes that names the matched route in a
    /// response header. Route layers also wrap a path's 405 fallback, hence the status check.
    fn probe(group: Group) -> NormalizePath<Router> {
        let router = router(offline_state(), &[group]).route_layer(middleware::from_fn(
            |req: axum::extract::Request, next: middleware::Next| async move {
                let path = req
                    .extensions()
                    .get::<MatchedPath>()
                    .map(|m| m.as_str().to_string())
                    .unwrap_or_default();
                let mut res = next.run(req).await;
                if res.status() != StatusCode::METHOD_NOT_ALLOWED {
                    if let Ok(v) = HeaderValue::from_str(&path) {
                        res.headers_mut().insert("x-matched-route", v);
                    }
                }
                res
            },
        ));
        NormalizePathLayer::trim_trailing_slash().layer(router)
    }

    /// A concrete path for a route pattern.
    fn sample(path: &str) -> String {
        path.replace("{project}", "sample-project")
            .replace("{site}", "sample-site")
            .replace("{memory}", "1")
            .replace("{comment}", "2")
            .replace("{image}", "sample.jpg")
    }

    async fn matched(group: Group, method: &Method, path: &str) -> Option<String> {
        let req = Request::builder()
            .method(method.clone())
            .uri(sample(path))
            .body(Body::empty())
            .expect("request");
        let res = probe(group).oneshot(req).await.expect("infallible");
        res.headers()
            .get("x-matched-route")
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// Each group's router serves exactly the routes the table lists for it: every listed
    /// route reaches a handler under its own pattern, and no other listed route does.
    #[tokio::test]
    async fn every_router_serves_exactly_its_table_rows() {
        let methods = [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ];
        let mut problems = Vec::new();
        for group in Group::ALL {
            let own = group.routes_table();
            if own.is_empty() {
                problems.push(format!("{}: no routes in the table", group.name()));
            }
            for route in route_table() {
                let path = route.path.as_str();
                for method in &methods {
                    let listed = own.iter().any(|(m, p)| m == method && *p == path);
                    let got = matched(*group, method, path).await;
                    match (listed, got) {
                        (true, Some(p)) if p == path => {}
                        (true, other) => problems.push(format!(
                            "{}: {method} {path} is in its table but the router \
                             does not serve it (matched {other:?})",
                            group.name()
                        )),
                        (false, Some(p)) if p == path => problems.push(format!(
                            "{}: router serves {method} {path}, missing from its table",
                            group.name()
                        )),
                        (false, _) => {}
                    }
                }
            }
        }
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}
