//! Site JSON (API.md §4.0).

use serde::Serialize;

use super::info::InfoOut;

#[derive(Clone, Copy, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    pub lon: f64,
    pub lat: f64,
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
}
