//! Packaging (issue #5): `template.yaml`, the route table (`routes::table::route_table()`,
//! read from the committed `docs/openapi.json`) and the API Gateway events of `events/` must
//! agree, and every event must get the status its file name says
//! when it goes through `lambda_http`'s own deserialisation into its function's router.
//!
//! The checks that concern one function are tests of their own (`packaging::<function>::…`),
//! so a function whose router has not landed yet fails by name while the others pass.

use std::{
    collections::{BTreeMap, BTreeSet},
    path::{Path, PathBuf},
    sync::OnceLock,
    time::Duration,
};

use axum::{extract::MatchedPath, middleware, Router};
use http::{HeaderValue, StatusCode};
use lambda_http::Body;
use muistot::{
    config::Config,
    db::{self, Db},
    routes::{self, table::route_table, Group},
    sessions::{token, SessionData},
    AppState,
};
use serde_json::{json, Value};
use tower::{Layer, ServiceExt};
use tower_http::normalize_path::{NormalizePath, NormalizePathLayer};
use yaml_rust2::{Yaml, YamlLoader};

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

// ------------------------------------------------------------------ template.yaml

/// An HTTP API route of the template; `$default` (no Path/Method) is `ANY $default`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Route {
    method: String,
    path: String,
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.method, self.path)
    }
}

struct Function {
    logical_id: String,
    binary: String,
    routes: Vec<Route>,
    resource: Yaml,
}

struct Template {
    doc: Yaml,
    functions: Vec<Function>,
}

impl Template {
    fn function(&self, binary: &str) -> Option<&Function> {
        self.functions.iter().find(|f| f.binary == binary)
    }

    /// The function's own property, else the one from `Globals.Function`.
    fn effective<'a>(&'a self, f: &'a Function, key: &str) -> &'a Yaml {
        match &f.resource["Properties"][key] {
            Yaml::BadValue => &self.doc["Globals"]["Function"][key],
            own => own,
        }
    }

    /// A parameter's default (for properties given as `!Ref Parameter`).
    fn parameter_default(&self, name: &str) -> &Yaml {
        &self.doc["Parameters"][name]["Default"]
    }
}

/// `template.yaml`, parsed once. CloudFormation tags (`!Ref`, `!Sub`, …) are tolerated by the
/// parser, which keeps the tagged value and drops the tag: `!Ref X` reads as the string `X`.
fn template() -> &'static Template {
    static T: OnceLock<Template> = OnceLock::new();
    T.get_or_init(|| {
        let text = std::fs::read_to_string(root().join("template.yaml")).expect("template.yaml");
        let doc = YamlLoader::load_from_str(&text)
            .expect("template.yaml is YAML")
            .into_iter()
            .next()
            .expect("one document");
        let mut functions = Vec::new();
        for (id, res) in doc["Resources"].as_hash().expect("Resources") {
            if res["Type"].as_str() != Some("AWS::Serverless::Function") {
                continue;
            }
            let logical_id = id.as_str().expect("logical id").to_string();
            let binary = res["Metadata"]["BuildProperties"]["Binary"]
                .as_str()
                .unwrap_or_else(|| panic!("{logical_id}: no Metadata.BuildProperties.Binary"))
                .to_string();
            let mut routes = Vec::new();
            if let Some(events) = res["Properties"]["Events"].as_hash() {
                for (name, event) in events {
                    if event["Type"].as_str() != Some("HttpApi") {
                        continue;
                    }
                    let p = &event["Properties"];
                    assert_eq!(
                        p["ApiId"].as_str(),
                        Some("HttpApi"),
                        "{logical_id}.{name:?}: route of another API"
                    );
                    routes.push(match (p["Method"].as_str(), p["Path"].as_str()) {
                        (None, None) => Route {
                            method: "ANY".into(),
                            path: "$default".into(),
                        },
                        (Some(m), Some(path)) => Route {
                            method: m.to_ascii_uppercase(),
                            path: path.to_string(),
                        },
                        _ => panic!("{logical_id}.{name:?}: needs both Method and Path"),
                    });
                }
            }
            functions.push(Function {
                logical_id,
                binary,
                routes,
                resource: res.clone(),
            });
        }
        Template { doc, functions }
    })
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

// ------------------------------------------------------------------ events/

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
        let url = format!(
            "{}/muistot_test_{}_events_{}",
            muistot_tests::mysql_base(),
            std::process::id(),
            &uuid::Uuid::new_v4().simple().to_string()[..8]
        );
        let u = url.clone();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async {
                db::create_database(&u, None)
                    .await
                    .expect("create events db");
                let pool = Db::new(&u, None, Duration::from_secs(10)).expect("pool");
                db::migrate(&pool).await.expect("migrate events db");
                pool.pool().clone().disconnect().await.expect("disconnect");
            })
        })
        .join()
        .expect("events database set-up");
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
async fn events_state() -> (AppState, tempfile::TempDir) {
    let dir = tempfile::Builder::new()
        .prefix("muistot-events")
        .tempdir()
        .expect("temp dir");
    let env: BTreeMap<&str, String> = BTreeMap::from([
        ("MUISTOT_DATABASE_URL", events_database_url().to_string()),
        ("MUISTOT_SESSIONS", muistot_tests::redis_url()),
        ("MUISTOT_BCRYPT_COST", "4".into()),
        (
            "MUISTOT_IMAGES",
            format!("dir:{}", dir.path().join("images").display()),
        ),
        (
            "MUISTOT_MAIL",
            format!("outbox:{}", dir.path().join("outbox").display()),
        ),
    ]);
    let config = Config::from_lookup(|k| env.get(k).cloned()).expect("configuration");
    let state = AppState::build(config).await.expect("state");
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
        let key = state
            .sessions()
            .create(&SessionData::for_user(user))
            .await
            .expect("session");
        out.push_str(&rest[..start]);
        out.push_str(&token::encode(&key));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
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

/// Every event of `events/<function>/` gets the status its name says from the function's
/// router, fed through `lambda_http::request::from_str` exactly as the runtime does.
async fn events_get_their_status(function: &str) {
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

/// `functions/<function>` is a crate whose binary has the function's name.
fn has_a_function_crate(function: &str) {
    let manifest = root().join("functions").join(function).join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap_or_else(|_| {
        panic!(
            "template.yaml builds Binary {function}, but functions/{function}/Cargo.toml \
             does not exist"
        )
    });
    assert!(
        text.contains(&format!("name = \"{function}\"")),
        "{}: the package must be named {function:?} (the template's Binary)",
        manifest.display()
    );
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

#[test]
fn migrate_has_a_function_crate() {
    has_a_function_crate(MIGRATE);
}

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
fn every_function_is_a_cargo_lambda_arm64_bootstrap() {
    let t = template();
    for f in &t.functions {
        let id = &f.logical_id;
        assert_eq!(
            f.resource["Metadata"]["BuildMethod"].as_str(),
            Some("rust-cargolambda"),
            "{id}"
        );
        assert_eq!(
            t.effective(f, "Runtime").as_str(),
            Some("provided.al2023"),
            "{id}"
        );
        assert_eq!(
            t.effective(f, "Handler").as_str(),
            Some("bootstrap"),
            "{id}"
        );
        assert_eq!(
            t.effective(f, "Architectures"),
            &Yaml::Array(vec![Yaml::String("arm64".into())]),
            "{id}"
        );
        // 128 MB, directly or as a parameter (`!Ref X` reads as "X") whose default is 128.
        let memory = match t.effective(f, "MemorySize") {
            Yaml::String(param) => t.parameter_default(param).as_i64(),
            other => other.as_i64(),
        };
        assert_eq!(memory, Some(128), "{id}: MemorySize");
    }
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

#[test]
fn environment_api_and_storage_follow_the_design() {
    let t = template();
    let env = &t.doc["Globals"]["Function"]["Environment"]["Variables"];
    for var in [
        "MUISTOT_DATABASE_URL",
        "MUISTOT_SESSIONS",
        "MUISTOT_SESSION_LIFETIME",
        "MUISTOT_MAIL",
        "MUISTOT_MAIL_FROM",
        "MUISTOT_LOGIN_URL",
        "MUISTOT_IMAGES",
        "MUISTOT_AUTO_PUBLISH",
        "MUISTOT_CORS_ORIGINS",
    ] {
        assert!(!env[var].is_badvalue(), "Globals environment lacks {var}");
    }
    assert_eq!(
        env["AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH"].as_str(),
        Some("true")
    );
    assert_eq!(env["MUISTOT_MAIL"].as_str(), Some("ses"));
    assert_eq!(
        env["MUISTOT_SESSIONS"].as_str(),
        Some("dynamodb://${SessionsTable}")
    );
    assert_eq!(env["MUISTOT_IMAGES"].as_str(), Some("s3://${ImagesBucket}"));
    let url = env["MUISTOT_DATABASE_URL"].as_str().expect("!Sub string");
    assert!(
        url.starts_with("mysql://${DatabaseUser}:{{resolve:secretsmanager:${DatabaseSecret}:"),
        "the password must come from Secrets Manager, not the template: {url}"
    );
    // The database's CA bundle, when given, from a layer; unset otherwise.
    // (`!If [condition, then, else]` reads as that list.)
    let ca = &env["MUISTOT_DATABASE_CA"];
    assert_eq!(
        (ca[0].as_str(), ca[1].as_str()),
        (Some("HasDatabaseCa"), Some("DatabaseCaFile"))
    );
    let layers = &t.doc["Globals"]["Function"]["Layers"];
    assert_eq!(layers[0].as_str(), Some("HasDatabaseCaLayer"));
    assert_eq!(layers[1][0].as_str(), Some("DatabaseCaLayer"));
    // Functions in the VPC only when subnets are given.
    assert!(t.doc["Globals"]["Function"]["VpcConfig"].as_vec().is_some());

    let res = &t.doc["Resources"];
    let cors = &res["HttpApi"]["Properties"]["CorsConfiguration"];
    let exposed: Vec<String> = cors["ExposeHeaders"]
        .as_vec()
        .expect("ExposeHeaders")
        .iter()
        .filter_map(|h| h.as_str().map(str::to_ascii_lowercase))
        .collect();
    assert!(exposed.contains(&"authorization".into()) && exposed.contains(&"location".into()));
    assert_eq!(cors["AllowOrigins"].as_str(), Some("CorsOrigins"));

    let table = &res["SessionsTable"]["Properties"];
    assert_eq!(
        table["KeySchema"][0]["AttributeName"].as_str(),
        Some("token")
    );
    let attrs: BTreeMap<&str, &str> = table["AttributeDefinitions"]
        .as_vec()
        .expect("attributes")
        .iter()
        .map(|a| {
            (
                a["AttributeName"].as_str().unwrap(),
                a["AttributeType"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(attrs, BTreeMap::from([("token", "S"), ("user", "S")]));
    let gsi = &table["GlobalSecondaryIndexes"][0];
    assert_eq!(gsi["IndexName"].as_str(), Some("by-user"));
    assert_eq!(gsi["KeySchema"][0]["AttributeName"].as_str(), Some("user"));
    assert_eq!(
        table["TimeToLiveSpecification"]["AttributeName"].as_str(),
        Some("expires_at")
    );
    assert_eq!(
        res["ImagesBucket"]["Type"].as_str(),
        Some("AWS::S3::Bucket")
    );
    assert!(t.doc["Outputs"]["ApiUrl"]["Value"]
        .as_str()
        .is_some_and(|v| v.contains("${HttpApi}.execute-api")));
}

/// What each function may do beyond logging: the sessions table for authentication, plus
/// only what its routes use.
#[test]
fn permissions_are_least_privilege() {
    let t = template();
    let expected: BTreeMap<&str, &[&str]> = BTreeMap::from([
        ("common", &["sessions:auth"][..]),
        (
            "images",
            &["sessions:auth", "s3:GetObject", "s3:ListBucket"][..],
        ),
        (
            "login",
            &["sessions:auth", "sessions:manage", "ses:SendEmail"][..],
        ),
        ("projects", &["sessions:auth", "images:write"][..]),
        ("sites", &["sessions:auth", "images:write"][..]),
        ("memories", &["sessions:auth", "images:write"][..]),
        ("comments", &["sessions:auth"][..]),
        ("me", &["sessions:auth", "sessions:manage"][..]),
        ("admin", &["sessions:auth"][..]),
        (MIGRATE, &[][..]),
    ]);
    let managed = BTreeMap::from([
        ("SessionsAuthPolicy", "sessions:auth"),
        ("SessionsManagePolicy", "sessions:manage"),
        ("ImagesWritePolicy", "images:write"),
    ]);
    // The managed policies grant exactly this.
    let actions = |policy: &str| -> Vec<String> {
        t.doc["Resources"][policy]["Properties"]["PolicyDocument"]["Statement"]
            .as_vec()
            .expect("statements")
            .iter()
            .flat_map(|s| match &s["Action"] {
                Yaml::Array(a) => a
                    .iter()
                    .filter_map(|x| x.as_str())
                    .map(String::from)
                    .collect(),
                Yaml::String(a) => vec![a.clone()],
                _ => vec![],
            })
            .collect()
    };
    assert_eq!(
        actions("SessionsAuthPolicy"),
        ["dynamodb:GetItem", "dynamodb:UpdateItem"]
    );
    assert_eq!(
        actions("SessionsManagePolicy"),
        ["dynamodb:PutItem", "dynamodb:DeleteItem", "dynamodb:Query"]
    );
    assert_eq!(
        actions("ImagesWritePolicy"),
        ["s3:PutObject", "s3:DeleteObject"]
    );
    for f in &t.functions {
        let mut got = Vec::new();
        for p in f.resource["Properties"]["Policies"]
            .as_vec()
            .map(Vec::as_slice)
            .unwrap_or_default()
        {
            match p {
                Yaml::String(name) => got.push(
                    managed
                        .get(name.as_str())
                        .unwrap_or_else(|| panic!("{}: unexpected policy {name}", f.logical_id))
                        .to_string(),
                ),
                Yaml::Hash(_) => {
                    for s in p["Statement"].as_vec().expect("inline statements") {
                        match &s["Action"] {
                            Yaml::String(a) => got.push(a.clone()),
                            Yaml::Array(a) => {
                                got.extend(a.iter().filter_map(|x| x.as_str()).map(String::from))
                            }
                            other => panic!("{}: odd Action {other:?}", f.logical_id),
                        }
                    }
                }
                other => panic!("{}: odd policy {other:?}", f.logical_id),
            }
        }
        let want: Vec<String> = expected[f.binary.as_str()]
            .iter()
            .map(|s| s.to_string())
            .collect();
        assert_eq!(got, want, "{} ({}) permissions", f.logical_id, f.binary);
    }
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
