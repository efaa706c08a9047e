//! Request and response types (serde) and their validation. No SQL, no HTTP here.

pub mod comment;
pub mod export;
pub mod geojson;
pub mod info;
pub mod memory;
pub mod moderation;
pub mod project;
pub mod publish;
pub mod report;
pub mod site;

/// Timestamps are ISO-8601 without zone or fractions
/// (docs/api-conventions.md#request-bodies-and-parameters).
pub mod datetime_format {
    use chrono::NaiveDateTime;
    use serde::Serializer;

    pub const FORMAT: &str = "%Y-%m-%dT%H:%M:%S";

    pub fn serialize<S: Serializer>(v: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&v.format(FORMAT))
    }

    pub mod option {
        use super::*;
        pub fn serialize<S: Serializer>(
            v: &Option<NaiveDateTime>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match v {
                Some(v) => s.collect_str(&v.format(FORMAT)),
                None => s.serialize_none(),
            }
        }
    }
}
