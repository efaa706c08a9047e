//! `GET /` (health check) and `GET /languages`.

use axum::{
    response::{Html, IntoResponse},
    routing::get,
    Json, Router,
};
use serde::Serialize;

use crate::{
    error::{ApiError, ErrorEnvelope},
    http::doc::responses::{Always, Invalid},
    http::{BaseUrl, QueryMap},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    crate::telemetry::link_mark!("routes", "common");
    Router::new()
        .route("/", get(index))
        .route("/languages", get(language))
        .route("/openapi.json", get(openapi_json))
        .route("/docs", get(docs))
}

#[utoipa::path(get, path = "/docs", tag = "common",
    summary = "Interactive API reference (Scalar, whose script the browser loads from its CDN)",
    responses((status = 200, description = "HTML page", content_type = "text/html"), Always))]
async fn docs() -> Html<&'static str> {
    Html(crate::openapi::docs_page())
}

#[utoipa::path(get, path = "/openapi.json", tag = "common",
    summary = "This API's OpenAPI 3.1 document",
    responses((status = 200, description = "The document", content_type = "application/json"), Always))]
async fn openapi_json() -> impl IntoResponse {
    Json(crate::openapi::document())
}

#[utoipa::path(get, path = "/", tag = "common",
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

#[utoipa::path(get, path = "/languages", tag = "common",
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
}
