//! Parsed input values ("parse, don't validate"): once built, an id, a language or a
//! text field is known to satisfy docs/api-conventions.md#field-rules. Each rule reports a
//! [`FieldError`] at the location it was given.

use std::sync::LazyLock;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime};
use regex::Regex;
use serde::{Deserialize, Deserializer};

use crate::error::FieldError;

static ID_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9\-_]+$").expect("static regex"));
static UID_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-zA-Z0-9\-_@.: #äöåÄÖÅ]+$").expect("static regex"));
static LANG_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^[a-z]{2,3}$").expect("static regex"));

pub type Loc<'a> = &'a [&'a str];

fn err(loc: Loc, msg: impl Into<String>, kind: &str) -> FieldError {
    FieldError::new(loc, msg, kind)
}

/// Length rule on a value already stripped, counted in code points.
fn check_len(loc: Loc, s: &str, min: usize, max: usize) -> Result<(), FieldError> {
    let n = s.chars().count();
    if n < min {
        return Err(err(
            loc,
            format!("ensure this value has at least {min} characters"),
            "value_error.any_str.min_length",
        ));
    }
    if n > max {
        return Err(err(
            loc,
            format!("ensure this value has at most {max} characters"),
            "value_error.any_str.max_length",
        ));
    }
    Ok(())
}

fn check_pattern(loc: Loc, s: &str, re: &Regex) -> Result<(), FieldError> {
    if re.is_match(s) {
        Ok(())
    } else {
        Err(err(
            loc,
            format!("string does not match regex \"{}\"", re.as_str()),
            "value_error.str.regex",
        ))
    }
}

/// A project or site id (PID/SID): stripped, 4–250 characters of `[A-Za-z0-9_-]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntityId(String);

impl EntityId {
    pub fn parse(loc: Loc, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        check_len(loc, s, 4, 250)?;
        check_pattern(loc, s, &ID_RE)?;
        Ok(Self(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for EntityId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A username (UID): stripped, 4–64 characters of the UID alphabet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(loc: Loc, raw: &str) -> Result<Self, FieldError> {
        let s = raw.trim();
        check_len(loc, s, 4, 64)?;
        check_pattern(loc, s, &UID_RE)?;
        Ok(Self(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn into_string(self) -> String {
        self.0
    }
}

/// Bytes the `TEXT` columns hold; a 20 000-character story in multibyte text can exceed
/// it, so it is checked on input rather than failing in the database
/// (docs/compatibility.md#text-limits-fit-the-columns).
pub const TEXT_COLUMN_BYTES: usize = 65_535;

/// The text limits, in code points, plus the storage limit in bytes.
#[derive(Clone, Copy, Debug)]
pub enum TextLimit {
    /// `NAME`: 200 characters.
    Name,
    /// `TEXT`: 20 000 characters (and ≤ 65 535 bytes).
    Text,
    /// `LONG_TEXT`: 100 000 characters.
    LongText,
    /// `SMALL_TEXT`: 2 500 characters.
    SmallText,
}

/// Strips and checks a free-text field.
pub fn text(loc: Loc, raw: &str, limit: TextLimit) -> Result<String, FieldError> {
    let s = raw.trim();
    let (max, max_bytes) = match limit {
        TextLimit::Name => (200, usize::MAX),
        TextLimit::Text => (20_000, TEXT_COLUMN_BYTES),
        TextLimit::LongText => (100_000, usize::MAX),
        TextLimit::SmallText => (2_500, TEXT_COLUMN_BYTES),
    };
    check_len(loc, s, 0, max)?;
    if s.len() > max_bytes {
        return Err(err(
            loc,
            format!("ensure this value has at most {max_bytes} bytes"),
            "value_error.any_str.max_length",
        ));
    }
    Ok(s.to_string())
}

/// An ISO 639 language given as 639-1 (2 letters) or 639-3 (3 letters), kept as its
/// 639-1 code (`fin` → `fi`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LangCode(String);

impl LangCode {
    pub fn parse(loc: Loc, raw: &str) -> Result<Self, FieldError> {
        check_len(loc, raw, 2, 3)?;
        check_pattern(loc, raw, &LANG_RE)?;
        let lang = if raw.len() == 2 {
            isolang::Language::from_639_1(raw)
        } else {
            isolang::Language::from_639_3(raw)
        };
        match lang.and_then(|l| l.to_639_1()) {
            Some(code) => Ok(Self(code.to_string())),
            None => Err(err(loc, "No ISO639-1 ID Found", "value_error")),
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Parses a request date-time: ISO 8601 with a time part (offset dropped, wall-clock
/// kept) or a UNIX timestamp (number or numeric string). A bare date is refused.
pub fn datetime(loc: Loc, value: &serde_json::Value) -> Result<NaiveDateTime, FieldError> {
    let parsed = parse_datetime(loc, value)?;
    if !DB_YEARS.contains(&parsed.year()) {
        return Err(out_of_range(loc));
    }
    Ok(parsed)
}

/// Years MariaDB's `DATE`/`DATETIME` hold (and the driver converts: it panics outside).
pub const DB_YEARS: std::ops::RangeInclusive<i32> = 1000..=9999;

fn out_of_range(loc: Loc) -> FieldError {
    err(
        loc,
        "date out of range: the year must be within 1000–9999",
        "value_error.date.out_of_range",
    )
}

fn parse_datetime(loc: Loc, value: &serde_json::Value) -> Result<NaiveDateTime, FieldError> {
    let invalid = || err(loc, "invalid datetime format", "value_error.datetime");
    match value {
        serde_json::Value::Number(n) => n.as_f64().and_then(from_unix).ok_or_else(invalid),
        serde_json::Value::String(s) => {
            let s = s.trim();
            if let Ok(n) = s.parse::<f64>() {
                return from_unix(n).ok_or_else(invalid);
            }
            if let Ok(dt) = DateTime::parse_from_rfc3339(&s.replace(' ', "T")) {
                return Ok(dt.naive_local());
            }
            let t = s.replace(' ', "T");
            let t = t.trim_end_matches('Z');
            for fmt in [
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%dT%H:%M",
            ] {
                if let Ok(dt) = NaiveDateTime::parse_from_str(t, fmt) {
                    return Ok(dt);
                }
            }
            for fmt in [
                "%Y-%m-%dT%H:%M:%S%.f%:z",
                "%Y-%m-%dT%H:%M%:z",
                "%Y-%m-%dT%H:%M:%S%.f%z",
            ] {
                if let Ok(dt) = DateTime::parse_from_str(t, fmt) {
                    return Ok(dt.naive_local());
                }
            }
            Err(invalid())
        }
        _ => Err(err(loc, "invalid datetime format", "type_error.datetime")),
    }
}

fn from_unix(secs: f64) -> Option<NaiveDateTime> {
    if !secs.is_finite() {
        return None;
    }
    DateTime::from_timestamp(secs.trunc() as i64, 0).map(|d| d.naive_utc())
}

/// Parses a date (`YYYY-MM-DD`, also `YYYY-M-D`) or a UNIX timestamp.
pub fn date(loc: Loc, value: &serde_json::Value) -> Result<NaiveDate, FieldError> {
    let invalid = || err(loc, "invalid date format", "value_error.date");
    match value {
        serde_json::Value::Number(n) => n
            .as_f64()
            .and_then(from_unix)
            .map(|d| d.date())
            .ok_or_else(invalid),
        serde_json::Value::String(s) => {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|_| invalid())
        }
        _ => Err(invalid()),
    }
    .and_then(|d| {
        if DB_YEARS.contains(&d.year()) {
            Ok(d)
        } else {
            Err(out_of_range(loc))
        }
    })
}

/// A field of a PATCH body: absent, explicit `null`, or a value.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Patch<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<T> Patch<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Patch::Absent)
    }
    pub fn as_option(&self) -> Option<Option<&T>> {
        match self {
            Patch::Absent => None,
            Patch::Null => Some(None),
            Patch::Value(v) => Some(Some(v)),
        }
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Patch<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Option::<T>::deserialize(d).map(|v| match v {
            Some(v) => Patch::Value(v),
            None => Patch::Null,
        })
    }
}

/// Serde helper for lenient booleans in bodies (`true`, `1`, `"yes"`, …;
/// docs/api-conventions.md#request-bodies-and-parameters).
pub fn lenient_bool<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    use serde::de::Error;
    let v = serde_json::Value::deserialize(d)?;
    parse_bool_value(&v).ok_or_else(|| D::Error::custom("value could not be parsed to a boolean"))
}

pub fn parse_bool_value(v: &serde_json::Value) -> Option<bool> {
    match v {
        serde_json::Value::Bool(b) => Some(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(1) => Some(true),
            Some(0) => Some(false),
            _ => None,
        },
        serde_json::Value::String(s) => parse_bool_str(s),
        _ => None,
    }
}

/// Query and body booleans: `true/1/yes/on/t/y` and `false/0/no/off/f/n`, any case.
pub fn parse_bool_str(s: &str) -> Option<bool> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" | "t" | "y" => Some(true),
        "false" | "0" | "no" | "off" | "f" | "n" => Some(false),
        _ => None,
    }
}

/// Syntactic e-mail check (no DNS); accepts `Name <addr>`, lower-cases the domain.
pub fn email(loc: Loc, raw: &str) -> Result<String, FieldError> {
    let invalid = || {
        err(
            loc,
            "value is not a valid email address",
            "value_error.email",
        )
    };
    let s = raw.trim();
    let addr = match (s.rfind('<'), s.ends_with('>')) {
        (Some(i), true) => s[i + 1..s.len() - 1].trim(),
        _ => s,
    };
    let (local, domain) = addr.rsplit_once('@').ok_or_else(invalid)?;
    if local.is_empty()
        || local.len() > 64
        || domain.len() > 253
        || addr.len() > 254
        || addr.chars().any(|c| c.is_whitespace() || c.is_control())
        || local.contains("..")
        || local.starts_with('.')
        || local.ends_with('.')
        || local.contains(['<', '>', '(', ')', '[', ']', ',', ';', ':', '\\', '"'])
    {
        return Err(invalid());
    }
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2
        || labels.iter().any(|l| {
            l.is_empty()
                || l.len() > 63
                || l.starts_with('-')
                || l.ends_with('-')
                || !l.chars().all(|c| c.is_alphanumeric() || c == '-')
        })
    {
        return Err(invalid());
    }
    Ok(format!("{local}@{}", domain.to_lowercase()))
}

/// Characters the `user_personal_data.country` column holds.
pub const COUNTRY_COLUMN_CHARS: usize = 5;

/// A `COUNTRY`: ISO 3166-1 alpha-2 or alpha-3, or an ISO 3166-2 subdivision code, any
/// case. Kept as the upper-case alpha-2 code, or as the subdivision code when it fits the
/// 5-character column (`FI-01`); a longer subdivision code (`GB-ENG`) is kept as its
/// country's alpha-2 code (docs/compatibility.md#country-codes-include-subdivisions).
pub fn country(loc: Loc, raw: &str) -> Result<String, FieldError> {
    let failed = || err(loc, "Country lookup failed", "value_error");
    let upper = raw.to_ascii_uppercase();
    if !(2..=6).contains(&upper.len()) || !upper.is_ascii() {
        return Err(failed());
    }
    if upper.contains('-') {
        let sub = rust_iso3166::iso3166_2::from_code(&upper).ok_or_else(failed)?;
        return Ok(if sub.code.len() <= COUNTRY_COLUMN_CHARS {
            sub.code.to_string()
        } else {
            sub.country_code.to_string()
        });
    }
    let found = match upper.len() {
        2 => rust_iso3166::from_alpha2(&upper),
        3 => rust_iso3166::from_alpha3(&upper),
        _ => None,
    };
    found.map(|c| c.alpha2.to_string()).ok_or_else(failed)
}

/// An uploaded image as sent (base64, optionally a data URL): 1 to 3 000 000 characters
/// after trimming (docs/api-conventions.md#images); decoding happens at upload.
pub fn image_field(loc: &[&str], raw: &str, errors: &mut Vec<FieldError>) -> Option<String> {
    let s = raw.trim();
    let n = s.chars().count();
    if n == 0 || n > 3_000_000 {
        errors.push(FieldError::new(
            loc,
            "ensure this value has between 1 and 3000000 characters",
            if n == 0 {
                "value_error.any_str.min_length"
            } else {
                "value_error.any_str.max_length"
            },
        ));
        return None;
    }
    Some(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const L: Loc = &["body", "x"];

    #[test]
    fn entity_ids() {
        assert_eq!(
            EntityId::parse(L, "  my-project ").unwrap().as_str(),
            "my-project"
        );
        assert_eq!(
            EntityId::parse(L, "abc").unwrap_err().kind,
            "value_error.any_str.min_length"
        );
        assert_eq!(
            EntityId::parse(L, "ab cd").unwrap_err().kind,
            "value_error.str.regex"
        );
        assert!(EntityId::parse(L, &"a".repeat(251)).is_err());
        assert!(EntityId::parse(L, "äbcd").is_err());
    }

    #[test]
    fn usernames() {
        assert!(Username::parse(L, "NimetönKissa#0042").is_ok());
        assert!(Username::parse(L, "abc").is_err());
        assert!(Username::parse(L, "a/bcd").is_err());
    }

    #[test]
    fn languages() {
        assert_eq!(LangCode::parse(L, "fin").unwrap().as_str(), "fi");
        assert_eq!(LangCode::parse(L, "en").unwrap().as_str(), "en");
        assert_eq!(LangCode::parse(L, "swe").unwrap().as_str(), "sv");
        assert_eq!(
            LangCode::parse(L, "xx").unwrap_err().msg,
            "No ISO639-1 ID Found"
        );
        assert_eq!(
            LangCode::parse(L, "ger").unwrap_err().msg,
            "No ISO639-1 ID Found"
        );
        assert_eq!(
            LangCode::parse(L, "EN").unwrap_err().kind,
            "value_error.str.regex"
        );
    }

    #[test]
    fn texts() {
        assert_eq!(text(L, "  b b ", TextLimit::SmallText).unwrap(), "b b");
        assert!(text(L, &"a".repeat(2500), TextLimit::SmallText).is_ok());
        assert!(text(L, &"a".repeat(2501), TextLimit::SmallText).is_err());
        assert!(text(L, &"ä".repeat(20_000), TextLimit::Text).is_ok());
        assert!(text(L, &"😀".repeat(20_000), TextLimit::Text).is_err());
    }

    #[test]
    fn datetimes() {
        let d = datetime(L, &json!("2022-04-05T13:36:33")).unwrap();
        assert_eq!(d.to_string(), "2022-04-05 13:36:33");
        assert!(datetime(L, &json!("2022-04-05 13:36")).is_ok());
        assert_eq!(
            datetime(L, &json!("2022-04-05T13:36:33+03:00"))
                .unwrap()
                .to_string(),
            "2022-04-05 13:36:33"
        );
        assert_eq!(
            datetime(L, &json!(0)).unwrap().to_string(),
            "1970-01-01 00:00:00"
        );
        assert!(datetime(L, &json!("2022-01-02")).is_err());
        assert!(datetime(L, &json!(true)).is_err());
    }

    #[test]
    fn dates_outside_the_databases_years_are_refused() {
        // found by fuzzing: the driver panics on such years instead of failing
        for v in [
            json!("0999-12-31T23:59:59"),
            json!("+10000-01-01T00:00:00"),
            json!(-40_000_000_000i64),
            json!(300_000_000_000i64),
        ] {
            let e = datetime(L, &v).unwrap_err();
            assert_eq!(e.kind, "value_error.date.out_of_range", "{v}");
        }
        assert!(datetime(L, &json!("1000-01-01T00:00:00")).is_ok());
        assert!(datetime(L, &json!("9999-12-31T23:59:59")).is_ok());
        for v in [
            json!("0999-01-01"),
            json!("+10000-01-01"),
            json!(-40_000_000_000i64),
        ] {
            let e = date(L, &v).unwrap_err();
            assert!(e.kind.starts_with("value_error.date"), "{v}");
        }
        assert!(date(L, &json!("1000-01-01")).is_ok());
    }

    #[test]
    fn emails() {
        assert_eq!(
            email(L, " Foo <a.b@Example.COM> ").unwrap(),
            "a.b@example.com"
        );
        assert_eq!(email(L, "User@Example.com").unwrap(), "User@example.com");
        assert!(email(L, "nope").is_err());
        assert!(email(L, "a@b").is_err());
        assert!(email(L, "a b@c.com").is_err());
    }

    #[test]
    fn countries() {
        assert_eq!(country(L, "fi").unwrap(), "FI");
        assert_eq!(country(L, "FIN").unwrap(), "FI");
        assert_eq!(country(L, "swe").unwrap(), "SE");
        assert_eq!(country(L, "se").unwrap(), "SE");
        assert_eq!(country(L, "fi-01").unwrap(), "FI-01");
        assert_eq!(country(L, "SE-O").unwrap(), "SE-O");
        assert_eq!(country(L, "GB-ENG").unwrap(), "GB");
        for bad in ["xx", "xxx", "FI-99", "f", "FINLAND", "FIN ", "ää", "FI-"] {
            assert_eq!(
                country(L, bad).unwrap_err().msg,
                "Country lookup failed",
                "{bad}"
            );
        }
    }

    #[test]
    fn booleans() {
        assert_eq!(parse_bool_str("Yes"), Some(true));
        assert_eq!(parse_bool_str("off"), Some(false));
        assert_eq!(parse_bool_str("maybe"), None);
    }
}
