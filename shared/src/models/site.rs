//! Site JSON and the bodies of site creation, change and localisation
//! (docs/api-conventions.md#projects-and-sites).

use serde::{Deserialize, Serialize};

use super::info::{Info, InfoIn, InfoOut};
use super::memory::MemoryAll;
use crate::error::FieldError;
use crate::validation::{image_field, EntityId, Patch};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub lon: f64,
    pub lat: f64,
}

/// One occupied cell of the clusters of a box (docs/api-conventions.md#clusters).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"lat": 60.1694, "lon": 24.9525, "count": 1,
    "bbox": [24.9525, 60.1694, 24.9525, 60.1694], "id": "demo-senate-square"}))]
pub struct Cluster {
    /// Centroid (mean latitude) of the cell's sites.
    pub lat: f64,
    /// Centroid (mean longitude) of the cell's sites.
    pub lon: f64,
    /// How many of the caller's visible sites the cell holds (at least 1).
    pub count: i64,
    /// `[west, south, east, north]` of the cell's sites.
    pub bbox: [f64; 4],
    /// The site's id, for a cell of one site only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// `{"items": [Cluster, …], "total": n}`: `total` is the sum of the counts.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Clusters {
    pub items: Vec<Cluster>,
    pub total: i64,
}

/// A site in lists (nulls omitted). `waiting_approval`/`own` are `true` or absent.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"id": "demo-senate-square",
    "info": {"lang": "fi", "name": "Senaatintori", "abstract": "Esimerkkipaikka"},
    "location": {"lon": 24.9525, "lat": 60.1694}, "memories_count": 2}))]
pub struct Site {
    pub id: String,
    pub info: InfoOut,
    pub location: Location,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    pub memories_count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_approval: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own: Option<bool>,
    /// Username of who created the site; absent when that account is gone. The 2022
    /// frontend shows it ("by: …"), as the original server sent it from April 2022 on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    /// Username of who changed the site last; absent when that account is gone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modifier: Option<String>,
}

/// `info` with explicit nulls, for the single-site read.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = InfoWithNulls)]
pub struct InfoAll {
    pub lang: String,
    pub name: String,
    #[serde(rename = "abstract")]
    pub abstract_: Option<String>,
    pub description: Option<String>,
}

/// `GET /projects/{p}/sites/{s}`: every field written, `null` included, byte for byte as
/// the original server wrote it.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = SiteWithNulls)]
pub struct SiteAll {
    pub id: String,
    pub info: InfoAll,
    pub location: Location,
    pub image: Option<String>,
    pub memories_count: i64,
    pub waiting_approval: Option<bool>,
    pub memories: Option<Vec<MemoryAll>>,
    pub own: Option<bool>,
    /// As in the list item: written only when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub creator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modifier: Option<String>,
}

impl SiteAll {
    pub fn from_site(s: Site, memories: Option<Vec<MemoryAll>>) -> Self {
        Self {
            id: s.id,
            info: InfoAll {
                lang: s.info.lang,
                name: s.info.name,
                abstract_: s.info.abstract_,
                description: s.info.description,
            },
            location: s.location,
            image: s.image,
            memories_count: s.memories_count,
            waiting_approval: s.waiting_approval,
            memories,
            own: s.own,
            creator: s.creator,
            modifier: s.modifier,
        }
    }
}

/// `location` of a request body as sent; checked by [`LocationIn::validate`].
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = NewLocation)]
pub struct LocationIn {
    #[schema(value_type = f64, minimum = -90, maximum = 90, example = 60.17)]
    pub lat: serde_json::Value,
    #[schema(value_type = f64, minimum = -180, maximum = 180, example = 24.94)]
    pub lon: serde_json::Value,
}

/// A number in `[min, max]` (numeric strings accepted, non-finite values refused).
pub fn coordinate(
    loc: &[&str],
    v: &serde_json::Value,
    min: f64,
    max: f64,
) -> Result<f64, FieldError> {
    let x = match v {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    let x = x
        .filter(|x| x.is_finite())
        .ok_or_else(|| FieldError::new(loc, "value is not a valid float", "type_error.float"))?;
    if x < min {
        return Err(FieldError::new(
            loc,
            format!("ensure this value is greater than or equal to {min}"),
            "value_error.number.not_ge",
        ));
    }
    if x > max {
        return Err(FieldError::new(
            loc,
            format!("ensure this value is less than or equal to {max}"),
            "value_error.number.not_le",
        ));
    }
    Ok(x)
}

impl LocationIn {
    pub fn validate(&self, errors: &mut Vec<FieldError>) -> Option<Location> {
        let lat = coordinate(&["body", "location", "lat"], &self.lat, -90.0, 90.0)
            .map_err(|e| errors.push(e))
            .ok();
        let lon = coordinate(&["body", "location", "lon"], &self.lon, -180.0, 180.0)
            .map_err(|e| errors.push(e))
            .ok();
        Some(Location {
            lat: lat?,
            lon: lon?,
        })
    }
}

/// Body of `POST /projects/{p}/sites` as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = NewSite)]
pub struct NewSiteIn {
    #[schema(
        pattern = "^[a-zA-Z0-9-_]+$",
        min_length = 4,
        max_length = 250,
        example = "my-site"
    )]
    pub id: String,
    pub info: InfoIn,
    pub location: LocationIn,
    /// Base64 (or a `data:image/…;base64,` URL) of a JPEG or PNG.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 3000000)]
    pub image: Option<String>,
}

#[derive(Debug)]
pub struct NewSite {
    pub id: EntityId,
    pub info: Info,
    pub location: Location,
    pub image: Option<String>,
}

/// Names a static route takes under `/projects/{p}/sites/` (compared case-insensitively):
/// a site of that name could not be read (docs/compatibility.md#a-site-cannot-be-named-clusters).
pub const RESERVED_SITE_IDS: &[&str] = &["clusters"];

/// `id` unless it is one of [`RESERVED_SITE_IDS`].
fn not_a_route(id: EntityId) -> Result<EntityId, FieldError> {
    if RESERVED_SITE_IDS
        .iter()
        .any(|r| r.eq_ignore_ascii_case(id.as_str()))
    {
        return Err(FieldError::new(
            &["body", "id"],
            format!("{} is reserved for a route", id.as_str()),
            "value_error.reserved",
        ));
    }
    Ok(id)
}

impl NewSiteIn {
    pub fn validate(self) -> Result<NewSite, Vec<FieldError>> {
        let mut errors = Vec::new();
        let id = EntityId::parse(&["body", "id"], &self.id)
            .and_then(not_a_route)
            .map_err(|e| errors.push(e))
            .ok();
        let info = self
            .info
            .validate(&["body", "info"])
            .map_err(|e| errors.extend(e))
            .ok();
        let location = self.location.validate(&mut errors);
        let image = self
            .image
            .and_then(|i| image_field(&["body", "image"], &i, &mut errors));
        match (id, info, location) {
            (Some(id), Some(info), Some(location)) if errors.is_empty() => Ok(NewSite {
                id,
                info,
                location,
                image,
            }),
            _ => Err(errors),
        }
    }
}

/// Body of `PATCH /projects/{p}/sites/{s}`; absent keys are left alone.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ModifiedSite)]
pub struct ModifiedSiteIn {
    /// `null` is refused (422).
    #[serde(default)]
    #[schema(value_type = Option<LocationIn>)]
    pub location: Patch<LocationIn>,
    /// `null` removes the image.
    #[serde(default)]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 3000000)]
    pub image: Patch<String>,
    #[serde(default)]
    pub info: Option<InfoIn>,
}

#[derive(Debug, Default)]
pub struct ModifiedSite {
    pub location: Option<Location>,
    pub image: Patch<String>,
    pub info: Option<Info>,
}

impl ModifiedSite {
    /// Whether anything would be written (else the answer is 304).
    pub fn is_empty(&self) -> bool {
        self.location.is_none() && self.image.is_absent() && self.info.is_none()
    }
}

impl ModifiedSiteIn {
    pub fn validate(self) -> Result<ModifiedSite, Vec<FieldError>> {
        let mut errors = Vec::new();
        let location = match &self.location {
            Patch::Absent => None,
            Patch::Null => {
                errors.push(FieldError::new(
                    &["body", "location"],
                    "Null location is not permitted",
                    "value_error",
                ));
                None
            }
            Patch::Value(l) => l.validate(&mut errors),
        };
        let image = match self.image {
            Patch::Value(i) => match image_field(&["body", "image"], &i, &mut errors) {
                Some(i) => Patch::Value(i),
                None => Patch::Absent,
            },
            other => other,
        };
        let info = self
            .info
            .map(|i| i.validate(&["body", "info"]))
            .transpose()
            .map_err(|e| errors.extend(e))
            .ok()
            .flatten();
        if errors.is_empty() {
            Ok(ModifiedSite {
                location,
                image,
                info,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn coordinates_are_range_checked() {
        let l = &["body", "location", "lat"];
        assert_eq!(coordinate(l, &json!(90), -90.0, 90.0).unwrap(), 90.0);
        assert_eq!(coordinate(l, &json!("-12.5"), -90.0, 90.0).unwrap(), -12.5);
        assert_eq!(
            coordinate(l, &json!(90.0001), -90.0, 90.0)
                .unwrap_err()
                .kind,
            "value_error.number.not_le"
        );
        assert_eq!(
            coordinate(l, &json!("nan"), -90.0, 90.0).unwrap_err().kind,
            "type_error.float"
        );
        assert!(coordinate(l, &json!(null), -90.0, 90.0).is_err());
    }

    #[test]
    fn null_location_is_refused() {
        let body: ModifiedSiteIn = serde_json::from_value(json!({"location": null})).unwrap();
        let errors = body.validate().unwrap_err();
        assert_eq!(errors[0].msg, "Null location is not permitted");
        let body: ModifiedSiteIn = serde_json::from_value(json!({"image": null})).unwrap();
        assert!(!body.validate().unwrap().is_empty());
        let body: ModifiedSiteIn = serde_json::from_value(json!({"info": null})).unwrap();
        assert!(body.validate().unwrap().is_empty());
    }
}
