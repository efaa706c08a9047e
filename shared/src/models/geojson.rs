//! RFC 7946 GeoJSON shapes of the site list: a `FeatureCollection` of `Point` features
//! (docs/api-conventions.md#geojson). Serde types only; the negotiation is
//! `http::format`.

use serde::Serialize;

use super::site::Site;

/// The media type of GeoJSON (RFC 7946, section 12).
pub const GEO_JSON: &str = "application/geo+json";

/// The opening of a feature collection's body, up to its first feature.
pub const COLLECTION_HEAD: &[u8] = b"{\"type\":\"FeatureCollection\",\"features\":[";

/// A `Point` geometry: `coordinates` are `[lon, lat]` (RFC 7946, section 3.1.1).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = GeoJsonPoint)]
pub struct Point {
    #[serde(rename = "type")]
    #[schema(rename = "type", example = "Point", pattern = "^Point$")]
    pub kind: &'static str,
    /// `[longitude, latitude]` in degrees (WGS84).
    #[schema(min_items = 2, max_items = 2, example = json!([24.9525, 60.1694]))]
    pub coordinates: [f64; 2],
}

/// The properties of a site's feature: the list item's fields a map shows.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = GeoJsonSiteProperties)]
pub struct SiteProperties {
    pub id: String,
    /// The name in the language shown.
    pub name: String,
    #[serde(rename = "abstract")]
    #[schema(rename = "abstract", nullable)]
    pub abstract_: Option<String>,
    /// The image's file name, as in the list.
    #[schema(nullable)]
    pub image: Option<String>,
    pub memories_count: i64,
}

/// A site as a GeoJSON `Feature`; its `id` is the site's id.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = GeoJsonSiteFeature)]
pub struct SiteFeature {
    #[serde(rename = "type")]
    #[schema(rename = "type", example = "Feature", pattern = "^Feature$")]
    pub kind: &'static str,
    pub id: String,
    pub geometry: Point,
    pub properties: SiteProperties,
}

impl From<&Site> for SiteFeature {
    fn from(s: &Site) -> Self {
        Self {
            kind: "Feature",
            id: s.id.clone(),
            geometry: Point {
                kind: "Point",
                coordinates: [s.location.lon, s.location.lat],
            },
            properties: SiteProperties {
                id: s.id.clone(),
                name: s.info.name.clone(),
                abstract_: s.info.abstract_.clone(),
                image: s.image.clone(),
                memories_count: s.memories_count,
            },
        }
    }
}

/// The site list as a GeoJSON `FeatureCollection`, for the API document (the server
/// writes the body piece by piece, within the response size cap).
#[derive(utoipa::ToSchema)]
#[schema(as = GeoJsonSiteCollection)]
#[allow(dead_code)]
pub struct SiteCollection {
    #[schema(
        rename = "type",
        example = "FeatureCollection",
        pattern = "^FeatureCollection$"
    )]
    kind: String,
    features: Vec<SiteFeature>,
    /// A foreign member: the cursor of the next page, or null on the last one; present as
    /// `next` of the JSON list is.
    #[schema(nullable, required = false)]
    next: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{info::InfoOut, site::Location};
    use serde_json::json;

    #[test]
    fn a_site_is_a_point_feature_lon_first() {
        let site = Site {
            id: "s".into(),
            info: InfoOut {
                lang: "fi".into(),
                name: "Tori".into(),
                abstract_: None,
                description: Some("not shown".into()),
            },
            location: Location {
                lon: 24.95,
                lat: 60.17,
            },
            image: Some("a.jpg".into()),
            memories_count: 2,
            waiting_approval: Some(true),
            own: None,
            creator: None,
            modifier: None,
        };
        assert_eq!(
            serde_json::to_value(SiteFeature::from(&site)).unwrap(),
            json!({"type": "Feature", "id": "s",
                "geometry": {"type": "Point", "coordinates": [24.95, 60.17]},
                "properties": {"id": "s", "name": "Tori", "abstract": null,
                    "image": "a.jpg", "memories_count": 2}})
        );
    }
}
