//! The body of a project export (docs/api-conventions.md#export): the sites as a GeoJSON
//! `FeatureCollection` (the features of the site list's GeoJSON) or as RFC 4180 CSV with a
//! header row, written chunk by chunk so that no export is held whole to be encoded.

use super::{
    geojson::{SiteFeature, COLLECTION_HEAD, GEO_JSON},
    site::Site,
};
use crate::error::ApiError;

/// The export's file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    GeoJson,
    Csv,
}

/// The CSV columns, in order: the feature's properties and its coordinates, plus the
/// language the name and abstract are in (they fall back to the project's default).
pub const CSV_HEADER: [&str; 8] = [
    "id",
    "lang",
    "name",
    "abstract",
    "lon",
    "lat",
    "memories_count",
    "image",
];

impl ExportFormat {
    /// The format named by `format` (`geojson`, `csv`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "geojson" => Some(Self::GeoJson),
            "csv" => Some(Self::Csv),
            _ => None,
        }
    }

    /// The `Content-Type` of the file.
    pub fn media_type(self) -> &'static str {
        match self {
            Self::GeoJson => GEO_JSON,
            Self::Csv => "text/csv; charset=utf-8",
        }
    }

    /// The file name's extension.
    pub fn extension(self) -> &'static str {
        match self {
            Self::GeoJson => "geojson",
            Self::Csv => "csv",
        }
    }

    /// The bytes before the first site.
    pub fn head(self) -> Result<Vec<u8>, ApiError> {
        match self {
            Self::GeoJson => Ok(COLLECTION_HEAD.to_vec()),
            Self::Csv => {
                let mut w = csv_writer();
                w.write_record(CSV_HEADER).map_err(csv_error)?;
                w.into_inner().map_err(|e| csv_error(e.into_error()))
            }
        }
    }

    /// `sites` encoded to follow the bytes written so far; `first`: no site was written
    /// yet (GeoJSON separates features with commas).
    pub fn encode(self, sites: &[Site], first: bool) -> Result<Vec<u8>, ApiError> {
        match self {
            Self::GeoJson => {
                let mut out = Vec::with_capacity(sites.len() * 256);
                for (i, site) in sites.iter().enumerate() {
                    if !(first && i == 0) {
                        out.push(b',');
                    }
                    serde_json::to_writer(&mut out, &SiteFeature::from(site))
                        .map_err(|e| ApiError::internal(format!("export feature as JSON: {e}")))?;
                }
                Ok(out)
            }
            Self::Csv => {
                let mut w = csv_writer();
                for s in sites {
                    let (lon, lat) = (s.location.lon.to_string(), s.location.lat.to_string());
                    let count = s.memories_count.to_string();
                    w.write_record([
                        s.id.as_str(),
                        s.info.lang.as_str(),
                        s.info.name.as_str(),
                        s.info.abstract_.as_deref().unwrap_or(""),
                        &lon,
                        &lat,
                        &count,
                        s.image.as_deref().unwrap_or(""),
                    ])
                    .map_err(csv_error)?;
                }
                w.into_inner().map_err(|e| csv_error(e.into_error()))
            }
        }
    }

    /// The bytes after the last site.
    pub fn tail(self) -> &'static [u8] {
        match self {
            Self::GeoJson => b"]}",
            Self::Csv => b"",
        }
    }
}

/// RFC 4180: CRLF after every record, fields quoted when they hold a comma, a quote or a
/// line break, quotes doubled.
fn csv_writer() -> csv::Writer<Vec<u8>> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new())
}

fn csv_error(e: impl std::fmt::Display) -> ApiError {
    ApiError::internal(format!("export row as CSV: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::{info::InfoOut, site::Location};

    fn site(id: &str, name: &str, abstract_: Option<&str>) -> Site {
        Site {
            id: id.into(),
            info: InfoOut {
                lang: "fi".into(),
                name: name.into(),
                abstract_: abstract_.map(Into::into),
                description: None,
            },
            location: Location {
                lon: 24.95,
                lat: 60.17,
            },
            image: None,
            memories_count: 3,
            waiting_approval: None,
            own: None,
            creator: None,
            modifier: None,
        }
    }

    fn whole(format: ExportFormat, chunks: &[&[Site]]) -> String {
        let mut out = format.head().unwrap();
        let mut first = true;
        for chunk in chunks {
            out.extend(format.encode(chunk, first).unwrap());
            first &= chunk.is_empty();
        }
        out.extend_from_slice(format.tail());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn csv_is_rfc_4180() {
        let a = site("a", "Tori, \"vanha\"", Some("rivi\ntoinen"));
        let b = site("b", "Åbo", None);
        assert_eq!(
            whole(ExportFormat::Csv, &[&[], &[a], &[b]]),
            "id,lang,name,abstract,lon,lat,memories_count,image\r\n\
             a,fi,\"Tori, \"\"vanha\"\"\",\"rivi\ntoinen\",24.95,60.17,3,\r\n\
             b,fi,Åbo,,24.95,60.17,3,\r\n"
        );
    }

    #[test]
    fn geojson_chunks_join_into_one_collection() {
        let sites = [
            site("a", "A", None),
            site("b", "B", None),
            site("c", "C", None),
        ];
        let text = whole(ExportFormat::GeoJson, &[&[], &sites[..1], &[], &sites[1..]]);
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let ids: Vec<_> = v["features"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["a", "b", "c"]);
        assert_eq!(
            whole(ExportFormat::GeoJson, &[]),
            r#"{"type":"FeatureCollection","features":[]}"#
        );
    }
}
