//! The modes of the site list's query: the whole list, a bounding box, or the nearest
//! search, and their checks (docs/api-conventions.md#bounding-boxes).

use super::{bbox::parse_bbox, page::PageQuery, QueryMap};
use crate::error::{ApiError, ApiResult};
use crate::geo::Rect;
use crate::models::site::coordinate;

/// `lat`/`lon`/`n` of the site list: each is checked when given (422), ranges included;
/// nearest mode needs all three (docs/compatibility.md#nearest-n-coordinates-are-range-checked).
fn nearest_query(query: &QueryMap) -> ApiResult<Option<(f64, f64, i64)>> {
    let coord = |name: &str, min: f64, max: f64| -> ApiResult<Option<f64>> {
        query
            .get(name)
            .map(|v| {
                coordinate(&["query", name], &serde_json::Value::from(v), min, max)
                    .map_err(|e| ApiError::Validation(vec![e]))
            })
            .transpose()
    };
    let lat = coord("lat", -90.0, 90.0);
    let lon = coord("lon", -180.0, 180.0);
    let n = query.i64_opt("n");
    let mut errors = Vec::new();
    for e in [lat.as_ref().err(), lon.as_ref().err(), n.as_ref().err()]
        .into_iter()
        .flatten()
    {
        if let ApiError::Validation(v) = e {
            errors.extend(v.iter().cloned());
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    Ok(match (lat?, lon?, n?) {
        (Some(lat), Some(lon), Some(n)) => Some((lat, lon, n)),
        _ => None,
    })
}

/// The mode of the site list. `bbox` with any of `lat`/`lon`/`n`, and the nearest search
/// with `limit` or `cursor`, are 422s (docs/api-conventions.md#bounding-boxes).
pub enum SiteListMode {
    /// Every visible site (paged, or capped by size).
    All,
    /// The sites in a bounding box: its text as given (for the `Link` URL) and rectangles.
    Box(String, Vec<Rect>),
    /// The `n` sites nearest to `lat`, `lon` (`n` not yet checked for sign).
    Nearest(f64, f64, i64),
}

impl SiteListMode {
    /// The mode `query` asks for; every bad parameter is a 422 at its name.
    pub fn parse(query: &QueryMap, page: &PageQuery) -> ApiResult<Self> {
        let near = nearest_query(query)?;
        if let Some(raw) = query.get("bbox") {
            let rects = parse_bbox(raw)
                .map_err(|e| ApiError::Validation(vec![e]))?
                .rects();
            if ["lat", "lon", "n"].iter().any(|k| query.get(k).is_some()) {
                return Err(ApiError::validation(
                    &["query", "bbox"],
                    "bbox cannot be combined with lat, lon or n",
                    "value_error.bbox",
                ));
            }
            return Ok(Self::Box(raw.to_string(), rects));
        }
        match near {
            None => Ok(Self::All),
            Some((lat, lon, n)) => {
                for name in ["limit", "cursor"] {
                    if query.get(name).is_some() && page.paging() {
                        return Err(ApiError::validation(
                            &["query", name],
                            "the nearest search (lat, lon, n) is not paged",
                            "value_error",
                        ));
                    }
                }
                Ok(Self::Nearest(lat, lon, n))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(pairs: &[(&str, &str)]) -> ApiResult<SiteListMode> {
        let q = QueryMap(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        );
        let page = PageQuery::parse(&q)?;
        SiteListMode::parse(&q, &page)
    }

    fn loc(r: ApiResult<SiteListMode>) -> Vec<String> {
        match r {
            Err(ApiError::Validation(v)) => v[0].loc.clone(),
            _ => panic!("not a validation error"),
        }
    }

    #[test]
    fn one_mode_at_a_time() {
        assert!(matches!(mode(&[]), Ok(SiteListMode::All)));
        assert!(matches!(mode(&[("limit", "5")]), Ok(SiteListMode::All)));
        assert!(matches!(
            mode(&[("bbox", "1,2,3,4"), ("limit", "5")]),
            Ok(SiteListMode::Box(_, _))
        ));
        assert!(matches!(
            mode(&[("lat", "60"), ("lon", "25"), ("n", "3")]),
            Ok(SiteListMode::Nearest(_, _, 3))
        ));
        for extra in ["lat", "lon", "n"] {
            assert_eq!(
                loc(mode(&[("bbox", "1,2,3,4"), (extra, "1")])),
                ["query", "bbox"]
            );
        }
        let near = [("lat", "60"), ("lon", "25"), ("n", "3")];
        for paging in ["limit", "cursor"] {
            let value = if paging == "limit" {
                "5".to_string()
            } else {
                crate::http::page::Cursor {
                    scope: crate::http::page::Scope::sites(1),
                    after_id: 1,
                }
                .encode()
            };
            let mut q = near.to_vec();
            q.push((paging, &value));
            assert_eq!(loc(mode(&q)), ["query", paging]);
        }
    }
}
