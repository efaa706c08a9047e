//! Language negotiation (docs/api-conventions.md#language-negotiation), parsed better
//! than the original did: items are trimmed, `;q=` parameters honoured, and codes
//! compared case-insensitively. A header naming no supported language is still 406
//! (docs/compatibility.md#accept-language-is-parsed-properly).

use axum::{extract::FromRequestParts, http::request::Parts};

use crate::{error::ApiError, state::AppState};

/// The negotiated request language, or the 406 to answer once validation and the auth
/// guard have run (docs/api-conventions.md#order-of-checks puts negotiation after both).
pub struct RequestLang(Result<String, ApiError>);

impl RequestLang {
    pub fn resolve(self) -> Result<String, ApiError> {
        self.0
    }
}

/// Picks the language for a header value, or `None` when nothing matches.
pub fn negotiate(header: Option<&str>, supported: &[String], default: &str) -> Option<String> {
    let Some(value) = header.map(str::trim).filter(|v| !v.is_empty()) else {
        return Some(default.to_string());
    };
    let mut candidates: Vec<(f32, usize, String)> = value
        .split(',')
        .enumerate()
        .filter_map(|(i, item)| {
            let mut parts = item.split(';');
            let tag = parts.next()?.trim();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next()?.trim().to_ascii_lowercase();
            (q > 0.0 && !primary.is_empty()).then_some((q, i, primary))
        })
        .collect();
    candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    candidates.into_iter().find_map(|(_, _, code)| {
        supported
            .iter()
            .find(|s| s.eq_ignore_ascii_case(&code))
            .cloned()
    })
}

impl FromRequestParts<AppState> for RequestLang {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let name = if parts.method == http::Method::GET {
            http::header::ACCEPT_LANGUAGE
        } else {
            http::header::CONTENT_LANGUAGE
        };
        let header = parts.headers.get(name).and_then(|v| v.to_str().ok());
        let config = state.config();
        Ok(RequestLang(
            negotiate(
                header,
                &config.supported_languages,
                &config.default_language,
            )
            .ok_or_else(|| ApiError::NotAcceptable("Can not localize".into())),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::negotiate;

    fn n(h: Option<&str>) -> Option<String> {
        let s: Vec<String> = ["fi", "en", "se"].iter().map(|s| s.to_string()).collect();
        negotiate(h, &s, "fi")
    }

    #[test]
    fn original_examples_still_hold() {
        assert_eq!(n(Some("en-US,en;q=0.5")).as_deref(), Some("en"));
        assert_eq!(
            n(Some("az,bg,yf,fi-AA,en-US,en;q=0.5")).as_deref(),
            Some("fi")
        );
        assert_eq!(n(Some("en-US, fi")).as_deref(), Some("en"));
        assert_eq!(n(None).as_deref(), Some("fi"));
        assert_eq!(n(Some("  ")).as_deref(), Some("fi"));
        assert_eq!(n(Some("az")), None);
        assert_eq!(n(Some("de-DE,de;q=0.9")), None);
    }

    #[test]
    fn improved_parsing() {
        assert_eq!(n(Some("FI")).as_deref(), Some("fi"));
        assert_eq!(n(Some("fi;q=0.9")).as_deref(), Some("fi"));
        assert_eq!(n(Some("fi;q=0.2, en;q=0.9")).as_deref(), Some("en"));
        assert_eq!(n(Some("en;q=0, fi;q=0.1")).as_deref(), Some("fi"));
    }
}
