//! `GET /` (health check), `GET /languages`, and the API's description: `GET /openapi.json`
//! serves the committed document ([`table::DOCUMENT`]), `GET /docs` a page over it.

use std::sync::OnceLock;

use axum::{
    http::header,
    response::{Html, IntoResponse},
    Extension, Json, Router,
};
use serde::Serialize;
use utoipa_axum::{router::OpenApiRouter, routes};

use super::table;

use crate::{
    error::{ApiError, ErrorEnvelope},
    http::doc::responses::{Always, Invalid},
    http::{cache::SameForEveryone, BaseUrl, QueryMap},
    state::AppState,
};

/// The group's routes, each declared once, by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    crate::telemetry::link_mark!("routes", "common");
    OpenApiRouter::new()
        .routes(routes!(index))
        .routes(routes!(language))
        .routes(routes!(openapi_json))
        .routes(routes!(docs))
}

/// What the function serves: [`routes`] without its part of the document.
pub fn router() -> Router<AppState> {
    routes().split_for_parts().0
}

#[utoipa::path(get, path = "/docs", tag = "common", operation_id = "common_docs",
    summary = "Interactive API reference (Scalar, whose script the browser loads from its CDN)",
    responses((status = 200, description = "HTML page", content_type = "text/html"), Always))]
async fn docs() -> impl IntoResponse {
    // The page embeds the document, which names the caller flags as properties.
    (Extension(SameForEveryone), Html(docs_page()))
}

#[utoipa::path(get, path = "/openapi.json", tag = "common", operation_id = "common_openapi_json",
    summary = "This API's OpenAPI 3.1 document",
    responses((status = 200, description = "The document", content_type = "application/json"), Always))]
async fn openapi_json() -> impl IntoResponse {
    (
        Extension(SameForEveryone),
        [(header::CONTENT_TYPE, "application/json")],
        compact_document(),
    )
}

#[utoipa::path(get, path = "/", tag = "common", operation_id = "common_index",
    summary = "Health check: a minimal HTML page",
    responses((status = 200, description = "HTML page linking the favicon", content_type = "text/html"), Always))]
async fn index(base: BaseUrl) -> impl IntoResponse {
    let icon = base.join("/images/favicon.ico");
    let icon = icon
        .replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;");
    Html(format!(
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Muistotkartalla API</title>\
         <link rel=\"icon\" href=\"{icon}\"></head><body></body></html>"
    ))
}

/// The body of `GET /languages`: the language's English name and ISO 639 codes, keys in
/// the original's order.
#[derive(Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = Language, example = json!({"name": "Finnish", "id": "fin", "alpha_3": "fin", "alpha_2": "fi"}))]
#[serde(deny_unknown_fields)]
pub struct LanguageOut {
    pub name: &'static str,
    pub id: &'static str,
    pub alpha_3: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alpha_2: Option<&'static str>,
}

/// ISO 639 lookup: two letters as 639-1, three as 639-3.
pub fn lookup_language(q: &str) -> Option<LanguageOut> {
    let lang = match q.len() {
        2 => isolang::Language::from_639_1(q),
        3 => isolang::Language::from_639_3(q),
        _ => None,
    }?;
    Some(LanguageOut {
        name: lang.to_name(),
        id: lang.to_639_3(),
        alpha_3: lang.to_639_3(),
        alpha_2: lang.to_639_1(),
    })
}

#[utoipa::path(get, path = "/languages", tag = "common", operation_id = "common_language",
    summary = "Look up an ISO 639 language",
    params(("q" = String, Query, description = "ISO 639-1 (2 letters) or 639-3 (3 letters) code", pattern = "^[a-z]{2,3}$", min_length = 2, max_length = 3, example = "fi")),
    responses((status = 200, description = "The language", body = LanguageOut),
              (status = 404, description = "Unknown language", body = ErrorEnvelope,
               example = json!({"error": {"code": 404, "message": "Language not found"}})),
              Always, Invalid))]
async fn language(query: QueryMap) -> Result<Json<LanguageOut>, ApiError> {
    let q = query.required("q")?;
    let valid = (2..=3).contains(&q.len()) && q.bytes().all(|b| b.is_ascii_lowercase());
    if !valid {
        return Err(ApiError::validation(
            &["query", "q"],
            "string does not match regex \"^[a-z]{2,3}$\"",
            "value_error.str.regex",
        ));
    }
    lookup_language(q)
        .map(Json)
        .ok_or_else(|| ApiError::NotFound("Language not found".into()))
}

/// The committed document without the indentation: byte for byte the serialisation of the
/// generated document, as `/openapi.json` answered when it built the document itself.
fn compact_document() -> &'static str {
    static COMPACT: OnceLock<String> = OnceLock::new();
    COMPACT.get_or_init(|| compact_json(table::DOCUMENT))
}

/// `json` without the whitespace between its tokens; strings are kept as they are.
fn compact_json(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let (mut in_string, mut escaped) = (false, false);
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\n' | '\r' | '\t') {
            out.push(c);
        }
    }
    out
}

/// The `/docs` page, built once: Scalar's interactive reference (its script comes from
/// its CDN, so the browser needs internet access) over a plain list of the operations
/// that stays visible when the script cannot be loaded.
fn docs_page() -> &'static str {
    static PAGE: OnceLock<String> = OnceLock::new();
    PAGE.get_or_init(|| {
        let mut rows = String::new();
        for route in table::route_table() {
            rows.push_str(&format!(
                "<tr><td>{}</td><td><code>{}</code></td><td><code>{}</code></td><td>{}</td></tr>\n",
                escape(&route.group),
                route.method,
                escape(&route.path),
                escape(&route.summary)
            ));
        }
        DOCS_TEMPLATE
            .replace("<!--operations-->", &rows)
            .replace("$title", "Muistotkartalla API")
            .replace("$spec", compact_document())
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
    fn iso_639_lookups() {
        let fi = lookup_language("fi").unwrap();
        assert_eq!(
            serde_json::to_string(&fi).unwrap(),
            r#"{"name":"Finnish","id":"fin","alpha_3":"fin","alpha_2":"fi"}"#
        );
        let se = lookup_language("se").unwrap();
        assert_eq!((se.name, se.id), ("Northern Sami", "sme"));
        assert!(lookup_language("xxx").is_none());
        assert!(lookup_language("ger").is_none());
        // a 639-3 language without a two-letter code
        assert_eq!(lookup_language("smn").unwrap().alpha_2, None);
    }

    #[test]
    fn compacting_keeps_strings() {
        let pretty = "{\n  \"a b\": [\n    1,\n    \"x \\\" y\"\n  ],\n  \"c\": {}\n}\n";
        assert_eq!(compact_json(pretty), r#"{"a b":[1,"x \" y"],"c":{}}"#);
        let doc: serde_json::Value = serde_json::from_str(compact_document()).unwrap();
        let committed: serde_json::Value = serde_json::from_str(table::DOCUMENT).unwrap();
        assert_eq!(doc, committed);
    }

    #[test]
    fn docs_page_lists_operations_escaped() {
        let page = docs_page();
        assert!(page.contains("<td><code>GET</code></td><td><code>/projects/{project}</code></td>"));
        assert!(page.contains(r#""openapi":"3.1.0""#) && !page.contains("$spec"));
        assert_eq!(
            escape("<a href=\"x\">&</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
        );
    }
}
