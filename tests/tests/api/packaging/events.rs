//! The API Gateway events of `events/<function>/<what>.<status>.json`: realistic, one for
//! every route of the template, and each answered with its status by its function's router
//! against a database loaded with `events/fixture.sql`.

use std::{collections::BTreeSet, sync::OnceLock};

use lambda_http::Body;
use muistot::{routes, AppState};
use muistot_tests::{
    config_from, create_migrated_database, local_env, new_database_url, token_for,
};
use serde_json::Value;
use tower::ServiceExt;

use super::{
    group_of, root,
    template::{template, Route},
};

struct EventFile {
    /// `events/<function>/<name>.<status>.json`, relative to the workspace.
    rel: String,
    function: String,
    status: u16,
    text: String,
    json: Value,
}

fn events() -> &'static [EventFile] {
    static E: OnceLock<Vec<EventFile>> = OnceLock::new();
    E.get_or_init(|| {
        let dir = root().join("events");
        let mut out = Vec::new();
        let mut folders: Vec<_> = std::fs::read_dir(&dir)
            .expect("events/")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.is_dir())
            .collect();
        folders.sort();
        for folder in folders {
            let function = folder.file_name().unwrap().to_string_lossy().to_string();
            let mut files: Vec<_> = std::fs::read_dir(&folder)
                .expect("events/<function>/")
                .map(|e| e.expect("entry").path())
                .collect();
            files.sort();
            for file in files {
                let rel = format!(
                    "events/{function}/{}",
                    file.file_name().unwrap().to_string_lossy()
                );
                let stem = rel
                    .strip_suffix(".json")
                    .unwrap_or_else(|| panic!("{rel}: events are .json files"));
                let status = stem
                    .rsplit_once('.')
                    .and_then(|(_, s)| s.parse::<u16>().ok())
                    .filter(|s| (100..600).contains(s))
                    .unwrap_or_else(|| panic!("{rel}: name it <what>.<expected status>.json"));
                let text = std::fs::read_to_string(&file).expect("readable event");
                let json: Value =
                    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{rel}: not JSON: {e}"));
                out.push(EventFile {
                    rel,
                    function: function.clone(),
                    status,
                    text,
                    json,
                });
            }
        }
        out
    })
}

fn events_of(function: &str) -> Vec<&'static EventFile> {
    events().iter().filter(|e| e.function == function).collect()
}

/// Whether `path` fits the route pattern (`{name}` = one non-empty segment).
fn fits(pattern: &str, path: &str) -> bool {
    let (a, b): (Vec<_>, Vec<_>) = (pattern.split('/').collect(), path.split('/').collect());
    a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|(w, g)| (w.starts_with('{') && !g.is_empty()) || w == g)
}

/// The database the events run against: one per test binary run, migrated once; the
/// fixture is loaded again before every event.
fn events_database_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        let url = new_database_url(Some("events"));
        create_migrated_database(&url);
        url
    })
}

async fn load_fixture() {
    let sql = std::fs::read_to_string(root().join("events/fixture.sql")).expect("fixture.sql");
    let mut conn = mysql_async::Conn::from_url(events_database_url())
        .await
        .expect("connect to the events db");
    mysql_async::prelude::Queryable::query_drop(&mut conn, sql)
        .await
        .expect("events/fixture.sql applies");
    conn.disconnect().await.ok();
}

/// Events share the fixture and the users' sessions: run one function's events at a time.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The state a deployed function builds, but on this machine's services: the events
/// database, Redis sessions, images and mail in a temporary folder.
pub(super) async fn events_state() -> (AppState, tempfile::TempDir) {
    let dir = tempfile::Builder::new()
        .prefix("muistot-events")
        .tempdir()
        .expect("temp dir");
    let env = local_env(
        events_database_url(),
        &dir.path().join("images"),
        &dir.path().join("outbox"),
    );
    let state = AppState::build(config_from(&env)).await.expect("state");
    (state, dir)
}

/// Replaces each `{{token:<username>}}` with a fresh session token of that user.
async fn inject_tokens(text: &str, state: &AppState) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("{{token:") {
        let end = rest[start..]
            .find("}}")
            .map(|e| start + e)
            .expect("closed placeholder");
        let user = &rest[start + "{{token:".len()..end];
        out.push_str(&rest[..start]);
        out.push_str(&token_for(state.sessions(), user).await);
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

/// Every event of `events/<function>/` gets the status its name says from the function's
/// router, fed through `lambda_http::request::from_str` exactly as the runtime does.
pub(super) async fn events_get_their_status(function: &str) {
    let files = events_of(function);
    assert!(
        !files.is_empty(),
        "events/{function}/ has no events (at least one per function)"
    );
    let group = group_of(function);
    let _serial = SERIAL.lock().await;
    let (state, _dir) = events_state().await;
    let mut problems = Vec::new();
    for ev in files {
        load_fixture().await;
        let text = inject_tokens(&ev.text, &state).await;
        let req = match lambda_http::request::from_str(&text) {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("{}: lambda_http refuses the event: {e}", ev.rel));
                continue;
            }
        };
        let res = routes::lambda_service(state.clone(), group, group.routes())
            .oneshot(req)
            .await
            .expect("infallible");
        let status = res.status().as_u16();
        let is_image = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|c| c.starts_with("image/"));
        // The conversion lambda_http applies before answering API Gateway.
        let body = lambda_http::IntoResponse::into_response(res)
            .await
            .into_body();
        if status != ev.status {
            let text = match &body {
                Body::Text(t) => t.clone(),
                Body::Binary(b) => format!("<{} bytes>", b.len()),
                _ => String::new(),
            };
            problems.push(format!(
                "{}: expected {}, got {status} {text}",
                ev.rel, ev.status
            ));
        } else if is_image && !matches!(body, Body::Binary(_)) {
            problems.push(format!(
                "{}: an image must reach API Gateway base64-encoded",
                ev.rel
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn events_are_realistic_and_cover_every_route() {
    let t = template();
    let mut problems = Vec::new();
    let mut covered = BTreeSet::new();
    for ev in events() {
        let e = &ev.json;
        let rel = &ev.rel;
        let Some(f) = t.function(&ev.function) else {
            problems.push(format!(
                "{rel}: no template function with Binary {}",
                ev.function
            ));
            continue;
        };
        let route_key = e["routeKey"].as_str().unwrap_or_default();
        let method = e["requestContext"]["http"]["method"]
            .as_str()
            .unwrap_or_default();
        let raw_path = e["rawPath"].as_str().unwrap_or_default();
        if e["version"] != "2.0" {
            problems.push(format!(
                "{rel}: version must be \"2.0\" (HTTP API payload v2)"
            ));
        }
        if e["requestContext"]["routeKey"] != e["routeKey"] {
            problems.push(format!(
                "{rel}: requestContext.routeKey differs from routeKey"
            ));
        }
        if e["requestContext"]["http"]["path"] != e["rawPath"] {
            problems.push(format!(
                "{rel}: requestContext.http.path differs from rawPath"
            ));
        }
        if e["requestContext"]["stage"] != "$default" {
            problems.push(format!("{rel}: the API uses the $default stage"));
        }
        let route = if route_key == "$default" {
            Route {
                method: "ANY".into(),
                path: "$default".into(),
            }
        } else {
            let Some((m, p)) = route_key.split_once(' ') else {
                problems.push(format!(
                    "{rel}: routeKey {route_key:?} is not \"METHOD /path\""
                ));
                continue;
            };
            if m != method {
                problems.push(format!(
                    "{rel}: routeKey method {m} but http.method {method}"
                ));
            }
            if !fits(p, raw_path) {
                problems.push(format!("{rel}: rawPath {raw_path} does not fit {p}"));
            }
            for (r, v) in p.split('/').zip(raw_path.split('/')) {
                if let Some(name) = r.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
                    if e["pathParameters"][name] != v {
                        problems.push(format!("{rel}: pathParameters.{name} must be {v:?}"));
                    }
                }
            }
            Route {
                method: m.into(),
                path: p.into(),
            }
        };
        if !f.routes.contains(&route) {
            problems.push(format!(
                "{rel}: {route} is not a route of {} in template.yaml",
                f.logical_id
            ));
        }
        if let Some(body) = e["body"].as_str() {
            let declared = e["headers"]["content-length"].as_str();
            if declared != Some(body.len().to_string().as_str()) {
                problems.push(format!("{rel}: content-length must be {}", body.len()));
            }
        }
        if e["headers"]["host"].as_str() != e["requestContext"]["domainName"].as_str() {
            problems.push(format!(
                "{rel}: host header and requestContext.domainName differ"
            ));
        }
        covered.insert((ev.function.clone(), route));
    }
    for f in &t.functions {
        for r in &f.routes {
            if !covered.contains(&(f.binary.clone(), r.clone())) {
                problems.push(format!(
                    "no event in events/{}/ for {r} (one per route)",
                    f.binary
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
