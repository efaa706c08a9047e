//! The OpenAPI document: the committed `docs/openapi.json` is the one the handlers'
//! annotations generate, is what `/openapi.json` serves, is valid OpenAPI 3.1, and every
//! operation it lists is served.

use std::path::PathBuf;

use muistot::{routes::Group, AppState};
use muistot_tests::*;

/// `docs/openapi.json` in the workspace.
fn committed_path() -> PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("docs")
        .join("openapi.json")
}

/// The generated document as it is committed: pretty-printed, one final newline.
fn generated_text() -> String {
    let text = muistot::openapi::document()
        .to_pretty_json()
        .expect("the document serialises");
    format!("{text}\n")
}

/// The committed file is the generated document, so what the functions serve and read their
/// route table from is what the handlers declare. `MUISTOT_BLESS=1` rewrites the file.
#[test]
fn the_committed_document_is_the_generated_one() {
    let path = committed_path();
    let generated = generated_text();
    if std::env::var("MUISTOT_BLESS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).expect("docs/openapi.json is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| committed.lines().count().min(generated.lines().count()));
        panic!(
            "docs/openapi.json is not the document the handlers generate (first difference \
             at line {}: committed {:?}, generated {:?}).\nRegenerate it and commit the result:\n  \
             MUISTOT_BLESS=1 cargo test -p muistot-tests --test api \
             openapi::the_committed_document_is_the_generated_one",
            line + 1,
            committed.lines().nth(line).unwrap_or("<end of file>"),
            generated.lines().nth(line).unwrap_or("<end of file>"),
        );
    }
}

/// `/openapi.json` answers the committed document as JSON, byte for byte the compact
/// serialisation of the generated document (what it answered when it built the document).
#[tokio::test]
async fn openapi_json_serves_the_committed_document() {
    let app = TestApp::spawn().await;
    let r = app.get("/openapi.json", None).await;
    r.assert_status(200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let compact = serde_json::to_string(&muistot::openapi::document()).expect("serialises");
    assert!(
        r.text == compact,
        "the served document is not the generated one"
    );
    let committed: Value =
        serde_json::from_str(muistot::routes::table::DOCUMENT).expect("committed JSON");
    assert_eq!(r.json(), committed);
}

/// Fills a documented path's parameters with well-formed values of nothing that exists.
fn concrete(path: &str) -> String {
    path.replace("{project}", "no-such-project")
        .replace("{site}", "no-such-site")
        .replace("{memory}", "999999999")
        .replace("{comment}", "999999999")
        .replace("{image}", "no-such-image")
}

#[tokio::test]
async fn document_is_valid_openapi_3_1() {
    let app = TestApp::spawn().await;
    let r = app.get("/openapi.json", None).await;
    r.assert_status(200);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &r.text).unwrap();
    let out = std::process::Command::new("python3")
        .args([
            "-m",
            "openapi_spec_validator",
            file.path().to_str().unwrap(),
        ])
        .output()
        .expect("python3 with openapi-spec-validator (installed by .ci/test.sh)");
    assert!(
        out.status.success(),
        "invalid document:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn every_documented_operation_is_served() {
    let app = TestApp::spawn().await;
    let doc = app.get("/openapi.json", None).await.json();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 8, "{} paths", paths.len());
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = app.send(m, &concrete(path), None, Some(json!({}))).await;
            let unrouted = r.status == 405
                || (r.status == 404 && r.text.contains("\"message\":\"Not Found\""));
            assert!(
                !unrouted,
                "{method} {path} is documented but not served: {}",
                r.status
            );
            // every status the server answered is one the document lists
            let documented = op["responses"].as_object().unwrap();
            assert!(
                documented.contains_key(r.status.as_str()),
                "{method} {path} answered {} which is not documented",
                r.status
            );
        }
    }
}

#[tokio::test]
async fn docs_page_renders_the_document() {
    let app = TestApp::spawn().await;
    let r = app.get("/docs", None).await;
    r.assert_status(200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text.contains("Muistotkartalla API") && r.text.contains("\"openapi\":\"3.1.0\""));
    // the operations are listed without the script too, and nothing is left unfilled
    assert!(r
        .text
        .contains("<td><code>POST</code></td><td><code>/auth/login</code></td>"));
    assert!(!r.text.contains("$spec") && !r.text.contains("$title"));
}

/// Every `(method, path)` the document lists.
fn documented_operations(doc: &Value) -> std::collections::BTreeSet<(String, String)> {
    let mut ops = std::collections::BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if matches!(
                method.as_str(),
                "get" | "put" | "post" | "delete" | "patch" | "head" | "options" | "trace"
            ) {
                ops.insert((method.to_uppercase(), path.clone()));
            }
        }
    }
    ops
}

#[tokio::test]
async fn document_lists_exactly_the_routes_of_the_route_tables() {
    let app = TestApp::spawn().await;
    let doc = app.get("/openapi.json", None).await.json();
    let documented = documented_operations(&doc);
    let mut served = std::collections::BTreeSet::new();
    for g in Group::ALL {
        for (method, path) in g.routes_table() {
            assert!(
                served.insert((method.to_string(), path.to_string())),
                "{method} {path} is in two route tables"
            );
        }
    }
    let undocumented: Vec<_> = served.difference(&documented).collect();
    let unserved: Vec<_> = documented.difference(&served).collect();
    assert!(
        undocumented.is_empty() && unserved.is_empty(),
        "served but not documented: {undocumented:?}\ndocumented but not served: {unserved:?}"
    );
}

/// Answers with the route pattern that matched, so a test sees which route served it.
async fn tag_matched_path(
    path: axum::extract::MatchedPath,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut r = next.run(req).await;
    if let Ok(v) = axum::http::HeaderValue::from_str(path.as_str()) {
        r.headers_mut().insert("x-matched-path", v);
    }
    r
}

#[tokio::test]
async fn route_tables_are_what_each_groups_router_serves() {
    use tower::ServiceExt;
    let app = TestApp::spawn().await;
    let state = AppState::build(app.config.clone()).await.unwrap();
    // Every path anyone knows of: each group's router is probed on all of them, so a
    // route missing from its table is found as long as some table or the document has it.
    let doc = serde_json::to_value(muistot::openapi::document()).unwrap();
    let mut paths: std::collections::BTreeSet<String> = documented_operations(&doc)
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    for g in Group::ALL {
        paths.extend(g.routes_table().iter().map(|(_, p)| p.to_string()));
    }
    for g in Group::ALL {
        let router = g
            .routes()
            .route_layer(axum::middleware::from_fn(tag_matched_path))
            .with_state(state.clone());
        let table = g.routes_table();
        for path in paths.iter().map(String::as_str) {
            for method in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
                let req = axum::http::Request::builder()
                    .method(method)
                    .uri(concrete(path))
                    .header("content-type", "application/json")
                    .body(axum::body::Body::from("{}"))
                    .unwrap();
                let r = router.clone().oneshot(req).await.unwrap();
                let matched = r
                    .headers()
                    .get("x-matched-path")
                    .and_then(|v| v.to_str().ok());
                let served = matched == Some(path) && r.status() != 405;
                let listed = table
                    .iter()
                    .any(|(m, p)| m.as_str() == method && *p == path);
                assert_eq!(
                    served,
                    listed,
                    "{g:?}: {method} {path}: answered {} (matched {matched:?}) but the route table {} it",
                    r.status(),
                    if listed { "lists" } else { "does not list" }
                );
            }
        }
    }
}

#[tokio::test]
async fn operation_ids_are_unique_and_every_operation_has_a_tag() {
    let app = TestApp::spawn().await;
    let doc = app.get("/openapi.json", None).await.json();
    let tags: Vec<&str> = doc["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for (method, path) in documented_operations(&doc) {
        let op = &doc["paths"][&path][method.to_lowercase()];
        let id = op["operationId"].as_str().unwrap().to_string();
        assert!(ids.insert(id.clone()), "duplicate operationId {id}");
        let tag = op["tags"][0].as_str().unwrap();
        assert!(tags.contains(&tag), "{method} {path}: unknown tag {tag}");
        // every error status refers to the envelope; 401 also promises WWW-Authenticate
        for (status, response) in op["responses"].as_object().unwrap() {
            let response = match response["$ref"].as_str() {
                Some(r) => &doc["components"]["responses"][r.rsplit('/').next().unwrap()],
                None => response,
            };
            assert!(
                response.is_object(),
                "{method} {path} {status}: dangling $ref"
            );
            if status.starts_with('4') || status.starts_with('5') {
                let schema = &response["content"]["application/json"]["schema"];
                assert!(schema.is_object(), "{method} {path} {status}: no JSON body");
            }
            if status == "401" {
                assert_eq!(response["headers"]["WWW-Authenticate"]["required"], true);
            }
        }
    }
}
