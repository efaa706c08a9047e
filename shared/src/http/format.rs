//! The format of the site list's answer: JSON, or a GeoJSON `FeatureCollection` when the
//! request asks for `application/geo+json` in `Accept`, or for `format=geojson` in the
//! query (docs/api-conventions.md#geojson).

use axum::http::{header, HeaderMap};

use super::QueryMap;
use crate::error::{ApiError, ApiResult};

/// The media type of a GeoJSON answer.
pub use crate::models::geojson::GEO_JSON;

/// The answer's format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Json,
    GeoJson,
}

impl Format {
    /// The format `format` in the query names (422 at `["query", "format"]` for an unknown
    /// value), else the one `Accept` prefers.
    pub fn negotiate(headers: &HeaderMap, query: &QueryMap) -> ApiResult<Self> {
        match query.get("format") {
            Some("geojson") => Ok(Self::GeoJson),
            Some("json") => Ok(Self::Json),
            Some(_) => Err(ApiError::validation(
                &["query", "format"],
                "format is json or geojson",
                "value_error",
            )),
            None => Ok(Self::from_accept(headers)),
        }
    }

    /// GeoJSON when `Accept` names `application/geo+json` itself with a quality above 0
    /// and at least that of JSON's best match (`application/json`, `application/*`,
    /// `*/*`, the most specific range counting). A wildcard alone never selects it.
    pub fn from_accept(headers: &HeaderMap) -> Self {
        let mut geo: Option<f32> = None;
        // The quality of JSON's most specific matching range: (specificity, q).
        let mut json: Option<(u8, f32)> = None;
        for value in headers.get_all(header::ACCEPT) {
            let Ok(text) = value.to_str() else { continue };
            for range in text.split(',') {
                let mut parts = range.split(';');
                let media = parts.next().unwrap_or("").trim().to_ascii_lowercase();
                let q = parts
                    .filter_map(|p| p.split_once('='))
                    .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
                    .map(|(_, v)| v.trim().parse::<f32>().unwrap_or(0.0))
                    .unwrap_or(1.0)
                    .clamp(0.0, 1.0);
                let specificity = match media.as_str() {
                    GEO_JSON => {
                        geo = Some(geo.map_or(q, |g| g.max(q)));
                        continue;
                    }
                    "application/json" => 2,
                    "application/*" => 1,
                    "*/*" => 0,
                    _ => continue,
                };
                if json.is_none_or(|(s, _)| specificity > s) {
                    json = Some((specificity, q));
                } else if let Some((s, old)) = json.filter(|(s, _)| *s == specificity) {
                    json = Some((s, old.max(q)));
                }
            }
        }
        match geo {
            Some(g) if g > 0.0 && json.is_none_or(|(_, j)| g >= j) => Self::GeoJson,
            _ => Self::Json,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn accept(values: &[&str]) -> Format {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(header::ACCEPT, HeaderValue::from_str(v).unwrap());
        }
        Format::from_accept(&h)
    }

    fn query(pairs: &[(&str, &str)]) -> QueryMap {
        QueryMap(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn accept_selects_geojson_by_name_and_quality() {
        use Format::*;
        assert_eq!(accept(&[]), Json);
        assert_eq!(accept(&["*/*"]), Json);
        assert_eq!(accept(&["application/*"]), Json);
        assert_eq!(accept(&["application/json"]), Json);
        assert_eq!(accept(&["application/geo+json"]), GeoJson);
        assert_eq!(accept(&["Application/GEO+JSON ; charset=utf-8"]), GeoJson);
        assert_eq!(accept(&["application/geo+json, */*;q=0.1"]), GeoJson);
        assert_eq!(
            accept(&["application/json", "application/geo+json"]),
            GeoJson
        );
        assert_eq!(
            accept(&["application/json, application/geo+json;q=0.5"]),
            Json
        );
        assert_eq!(
            accept(&["application/json;q=0.5, application/geo+json"]),
            GeoJson
        );
        assert_eq!(accept(&["application/geo+json;q=0"]), Json);
        assert_eq!(accept(&["application/geo+json;q=0.0, */*"]), Json);
        // The most specific range gives JSON's quality.
        assert_eq!(
            accept(&["*/*, application/json;q=0.2, application/geo+json;q=0.5"]),
            GeoJson
        );
        assert_eq!(accept(&["application/geo+json;q=0.5, */*"]), Json);
        assert_eq!(accept(&["text/html, application/geo+json;q=0.9"]), GeoJson);
    }

    #[test]
    fn the_query_overrides_accept() {
        let mut h = HeaderMap::new();
        h.insert(header::ACCEPT, HeaderValue::from_static(GEO_JSON));
        let none = HeaderMap::new();
        assert_eq!(
            Format::negotiate(&none, &query(&[("format", "geojson")])).unwrap(),
            Format::GeoJson
        );
        assert_eq!(
            Format::negotiate(&h, &query(&[("format", "json")])).unwrap(),
            Format::Json
        );
        assert_eq!(Format::negotiate(&h, &query(&[])).unwrap(), Format::GeoJson);
        match Format::negotiate(&none, &query(&[("format", "GeoJSON")])) {
            Err(ApiError::Validation(v)) => assert_eq!(v[0].loc, ["query", "format"]),
            other => panic!("{other:?}"),
        }
    }
}
