//! Localised info objects of projects and sites.

use serde::{Deserialize, Serialize};

use crate::error::{ApiError, FieldError};
use crate::validation::{text, LangCode, TextLimit};

/// `info` in responses; `abstract`/`description` omitted when null.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = Info)]
#[serde(deny_unknown_fields)]
pub struct InfoOut {
    /// ISO 639-1 code of the language shown.
    #[schema(example = "fi")]
    pub lang: String,
    #[schema(example = "Muistojen kartta")]
    pub name: String,
    #[serde(rename = "abstract", skip_serializing_if = "Option::is_none")]
    #[schema(rename = "abstract")]
    pub abstract_: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// `info` in requests: one localisation.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = NewInfo, example = json!({"lang": "fi", "name": "Muistojen kartta", "abstract": "Lyhyesti"}))]
pub struct InfoIn {
    /// ISO 639-1 (2 letters) or 639-3 (3 letters) code, lower case; stored as 639-1.
    #[schema(pattern = "^[a-z]{2,3}$", min_length = 2, max_length = 3)]
    pub lang: String,
    #[schema(max_length = 200)]
    pub name: String,
    #[serde(rename = "abstract", default)]
    #[schema(rename = "abstract", max_length = 20000)]
    pub abstract_: Option<String>,
    #[serde(default)]
    #[schema(max_length = 100000)]
    pub description: Option<String>,
}

/// A validated localisation; `lang` is an ISO 639-1 code.
#[derive(Clone, Debug, PartialEq)]
pub struct Info {
    pub lang: String,
    pub name: String,
    pub abstract_: Option<String>,
    pub description: Option<String>,
}

impl InfoIn {
    /// Validates at `loc` (e.g. `["body","info"]` or `["body"]`), collecting every error.
    pub fn validate(self, loc: &[&str]) -> Result<Info, Vec<FieldError>> {
        let at = |field: &'static str| -> Vec<&str> {
            let mut l = loc.to_vec();
            l.push(field);
            l
        };
        let mut errors = Vec::new();
        let lang = LangCode::parse(&at("lang"), &self.lang)
            .map_err(|e| errors.push(e))
            .ok();
        let name = text(&at("name"), &self.name, TextLimit::Name)
            .map_err(|e| errors.push(e))
            .ok();
        let abstract_ = self
            .abstract_
            .map(|a| text(&at("abstract"), &a, TextLimit::Text))
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        let description = self
            .description
            .map(|d| text(&at("description"), &d, TextLimit::LongText))
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        match (lang, name) {
            (Some(lang), Some(name)) if errors.is_empty() => Ok(Info {
                lang: lang.as_str().to_string(),
                name,
                abstract_,
                description,
            }),
            _ => Err(errors),
        }
    }
}

/// Turns collected field errors into the 422.
pub fn invalid(errors: Vec<FieldError>) -> ApiError {
    ApiError::Validation(errors)
}
