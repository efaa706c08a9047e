//! The OpenAPI 3.1 document, generated from the handlers' and models' own annotations so
//! it cannot drift from the code. Served by the common group at `/openapi.json`, with an
//! interactive reference at `/docs`.
//!
//! Adding a resource group: annotate its handlers with `#[utoipa::path(…)]` (shared
//! statuses through the sets of [`responses`]), list them under `paths(…)` below, add a
//! tag, and give the group's module a route table (`ROUTES`) — the tests check that the
//! document, the route tables and the routers agree. Response types carry
//! `#[serde(deny_unknown_fields)]`, which makes their schemas `additionalProperties: false`:
//! a body with an undocumented field fails the fuzz run (`.ci/fuzz.sh`).

use std::sync::OnceLock;

use utoipa::{
    openapi::{
        security::{HttpAuthScheme, HttpBuilder, SecurityScheme},
        PathItem,
    },
    Modify, OpenApi,
};

use crate::{error::ErrorEnvelope, http::doc::responses, routes};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Muistotkartalla API",
        description = "Projects hold map sites; people post memories at a site and comment on them. \
            Errors use the envelope `{\"error\": {\"code\", \"message\", …}}` (422: with `errors`, \
            one entry per broken rule). Log in (`/auth/login`, `/auth/email/exchange`) to get an \
            `Authorization: bearer …` response header and send it back as is. A present but \
            invalid or expired token is answered with 401 on every path.",
        license(name = "MIT", identifier = "MIT")
    ),
    paths(
        routes::common::index,
        routes::common::language,
        routes::common::openapi_json,
        routes::common::docs,
        routes::projects::list,
        routes::projects::read,
        routes::projects::create,
        routes::projects::modify,
        routes::projects::remove,
        routes::projects::add_admin,
        routes::projects::remove_admin,
        routes::projects::localize,
        routes::sites::list,
        routes::sites::read,
        routes::sites::create,
        routes::sites::modify,
        routes::sites::remove,
        routes::sites::localize,
        routes::memories::list,
        routes::memories::read,
        routes::memories::create,
        routes::memories::modify,
        routes::memories::remove,
        routes::comments::list,
        routes::comments::read,
        routes::comments::create,
        routes::comments::modify,
        routes::comments::remove,
        routes::admin::publish_order,
        routes::images::image,
        routes::login::password_login,
        routes::login::register,
        routes::login::confirm,
        routes::login::email_login,
        routes::login::exchange,
        routes::login::oauth,
        routes::login::status,
        routes::me::read,
        routes::me::modify,
        routes::me::logout,
        routes::me::logout_everywhere,
        routes::me::change_password,
        routes::me::change_email,
        routes::me::change_username,
    ),
    components(schemas(ErrorEnvelope)),
    modifiers(&BearerAuth, &SharedResponses, &OperationIds, &Aliases),
    tags(
        (name = "common", description = "Health check, languages, this document"),
        (name = "projects", description = "Projects"),
        (name = "sites", description = "Sites, nearest-N search"),
        (name = "memories", description = "Memories"),
        (name = "comments", description = "Comments; absent when MUISTOT_DISABLE_COMMENTS is set"),
        (name = "admin", description = "Publishing"),
        (name = "images", description = "Images"),
        (name = "login", description = "Login, registration and e-mail links; every \
            path also under `/auth/…`, the spelling the frontend calls"),
        (name = "me", description = "The current user"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "The value of the `Authorization` header returned at login",
                    ))
                    .build(),
            ),
        );
    }
}

/// The shared responses of [`responses`] under `components/responses`.
struct SharedResponses;

impl Modify for SharedResponses {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        for (name, response) in responses::components() {
            components
                .responses
                .insert(name.to_string(), response.into());
        }
    }
}

/// Operation ids `<tag>_<handler>`: handlers of different groups share names (`read`).
struct OperationIds;

impl Modify for OperationIds {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for item in doc.paths.paths.values_mut() {
            for op in operations_mut(item) {
                let tag = op
                    .tags
                    .as_ref()
                    .and_then(|t| t.first())
                    .cloned()
                    .unwrap_or_default();
                if let Some(id) = op.operation_id.as_mut() {
                    *id = format!("{tag}_{id}");
                }
            }
        }
    }
}

/// Documents each alias of [`routes::login::ALIASES`] as a copy of the seed path's
/// operations, with operation ids of their own, listed right after the seed.
struct Aliases;

impl Modify for Aliases {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        for (alias, seed) in routes::login::ALIASES {
            let Some(mut item) = doc.paths.paths.get(*seed).cloned() else {
                continue;
            };
            for op in operations_mut(&mut item) {
                let id = op.operation_id.take().unwrap_or_default();
                let suffix: String = alias
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
                    .collect();
                op.operation_id = Some(format!("{id}{suffix}"));
                let described = op.description.take().unwrap_or_default();
                op.description = Some(
                    format!("Same as `{seed}`; the spelling the frontend calls.\n\n{described}")
                        .trim_end()
                        .to_string(),
                );
            }
            let paths = &mut doc.paths.paths;
            let mut at = paths.get_index_of(*seed).unwrap_or(paths.len()) + 1;
            while paths
                .get_index(at)
                .is_some_and(|(k, _)| routes::login::ALIASES.contains(&(k.as_str(), *seed)))
            {
                at += 1;
            }
            paths.shift_insert(at.min(paths.len()), alias.to_string(), item);
        }
    }
}

fn operations_mut(
    item: &mut PathItem,
) -> impl Iterator<Item = &mut utoipa::openapi::path::Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

/// The document, built once.
pub fn document() -> utoipa::openapi::OpenApi {
    static DOC: OnceLock<utoipa::openapi::OpenApi> = OnceLock::new();
    DOC.get_or_init(ApiDoc::openapi).clone()
}

/// The `/docs` page, built once: Scalar's interactive reference (its script comes from
/// its CDN, so the browser needs internet access) over a plain list of the operations
/// that stays visible when the script cannot be loaded.
pub fn docs_page() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        let doc = document();
        let mut rows = String::new();
        for (path, item) in doc.paths.paths.iter() {
            let ops = [
                ("GET", &item.get),
                ("POST", &item.post),
                ("PUT", &item.put),
                ("PATCH", &item.patch),
                ("DELETE", &item.delete),
            ];
            for (method, op) in ops {
                let Some(op) = op else { continue };
                let tag = op.tags.as_ref().and_then(|t| t.first()).map_or("", |t| t);
                let summary = op.summary.as_deref().unwrap_or("");
                rows.push_str(&format!(
                    "<tr><td>{}</td><td><code>{method}</code></td><td><code>{}</code></td><td>{}</td></tr>\n",
                    escape(tag),
                    escape(path),
                    escape(summary)
                ));
            }
        }
        let template = DOCS_TEMPLATE.replace("<!--operations-->", &rows);
        utoipa_scalar::Scalar::new(doc)
            .title("Muistotkartalla API")
            .custom_html(template)
            .to_html()
    })
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const DOCS_TEMPLATE: &str = r#"<!doctype html>
<html lang="en">
<head>
<title>$title</title>
<meta charset="utf-8"/>
<meta name="viewport" content="width=device-width, initial-scale=1"/>
<style>
#fallback { font-family: system-ui, sans-serif; max-width: 72em; margin: 2em auto; padding: 0 1em; }
#fallback table { border-collapse: collapse; width: 100%; }
#fallback td { border-bottom: 1px solid #ddd; padding: .3em .6em; vertical-align: top; }
</style>
</head>
<body>
<div id="fallback">
<h1>$title</h1>
<p>The interactive reference loads its script (Scalar) from cdn.jsdelivr.net; until it
does, or if it cannot, here are the operations. The whole OpenAPI 3.1 document:
<a href="openapi.json">openapi.json</a>.</p>
<table>
<!--operations-->
</table>
</div>
<script id="api-reference" type="application/json">
$spec
</script>
<script src="https://cdn.jsdelivr.net/npm/@scalar/api-reference"
  onload="document.getElementById('fallback').remove()"></script>
</body>
</html>
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_follow_their_seed_with_ids_of_their_own() {
        let doc = document();
        let paths: Vec<&str> = doc.paths.paths.keys().map(String::as_str).collect();
        let at = |p: &str| paths.iter().position(|k| *k == p).unwrap();
        assert_eq!(at("/auth/login"), at("/login") + 1);
        assert_eq!(at("/auth/password"), at("/login") + 2);
        assert_eq!(at("/auth/oauth"), at("/oauth") + 1);
        let post = |p: &str| doc.paths.paths[p].post.as_ref().unwrap();
        assert_eq!(
            post("/login").operation_id.as_deref(),
            Some("login_password_login")
        );
        assert_eq!(
            post("/auth/login").operation_id.as_deref(),
            Some("login_password_login_auth_login")
        );
        assert!(post("/auth/login").responses == post("/login").responses);
    }

    #[test]
    fn docs_page_lists_operations_escaped() {
        let page = docs_page();
        assert!(page.contains("<td><code>GET</code></td><td><code>/projects/{project}</code></td>"));
        assert_eq!(
            escape("<a href=\"x\">&</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
    }
}
