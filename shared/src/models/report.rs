//! The body of a report on a memory or comment (docs/api-conventions.md#reports).

use serde::Deserialize;

use crate::error::FieldError;
use crate::validation::{text, TextLimit};

/// Body of `POST …/report` as sent; the body itself may be left out.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = Report, example = json!({"reason": "Henkilötietoja"}))]
pub struct ReportIn {
    /// Why the item is reported, for the moderators: at most 200 characters; blank or
    /// left out is no reason.
    #[serde(default)]
    #[schema(max_length = 200, nullable)]
    pub reason: Option<String>,
}

impl ReportIn {
    /// The stripped reason, `None` when blank or absent.
    pub fn validate(self) -> Result<Option<String>, Vec<FieldError>> {
        let Some(raw) = self.reason else {
            return Ok(None);
        };
        let reason = text(&["body", "reason"], &raw, TextLimit::Name).map_err(|e| vec![e])?;
        Ok((!reason.is_empty()).then_some(reason))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(s: Option<&str>) -> Result<Option<String>, Vec<FieldError>> {
        ReportIn {
            reason: s.map(str::to_string),
        }
        .validate()
    }

    #[test]
    fn reasons_are_stripped_bounded_and_optional() {
        assert_eq!(reason(None).unwrap(), None);
        assert_eq!(reason(Some("  ")).unwrap(), None);
        assert_eq!(reason(Some(" roskaa ")).unwrap(), Some("roskaa".into()));
        assert!(reason(Some(&"ä".repeat(200))).is_ok());
        let errors = reason(Some(&"ä".repeat(201))).unwrap_err();
        assert_eq!(errors[0].loc, ["body", "reason"]);
    }
}
