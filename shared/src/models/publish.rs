//! The body of `POST /admin/publish` and its model checks.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::error::FieldError;
use crate::validation::{lenient_bool, EntityId};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EntityKind {
    Project,
    Site,
    Memory,
    Comment,
}

fn yes() -> bool {
    true
}

/// The body as sent; [`PublishIn::validate`] applies the field and model rules.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = PublishOrder, example = json!({"type": "site", "identifier": "my-site",
    "parents": {"project": "my-project"}, "publish": true}))]
pub struct PublishIn {
    #[serde(rename = "type")]
    pub kind: EntityKind,
    /// Project or site id (string), memory or comment id (positive integer).
    #[schema(value_type = Object)]
    pub identifier: Value,
    /// `project`, `site`, `memory`: the chain the target belongs to (none for a project).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub parents: Option<Map<String, Value>>,
    #[serde(default = "yes", deserialize_with = "lenient_bool")]
    #[schema(default = true)]
    pub publish: bool,
}

/// What to (un)publish, with the parent chain it must belong to
/// (docs/compatibility.md#publishing-stays-inside-the-named-parents).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    Project,
    Site {
        site: String,
    },
    Memory {
        site: String,
        memory: i64,
    },
    Comment {
        site: String,
        memory: i64,
        comment: i64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishOrder {
    pub project: String,
    pub target: Target,
    pub publish: bool,
}

/// An identifier after the field rules: a positive integer or a PID/SID string.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Ident {
    Int(i64),
    Str(String),
}

impl Ident {
    /// Memory and comment ids are any positive integers; numeric strings count
    /// (docs/api-conventions.md#request-bodies-and-parameters).
    fn int(&self) -> Option<i64> {
        match self {
            Ident::Int(n) => Some(*n),
            Ident::Str(s) if s.bytes().all(|b| b.is_ascii_digit()) => {
                s.parse::<i64>().ok().filter(|n| *n > 0)
            }
            Ident::Str(_) => None,
        }
    }
    /// Project and site ids are strings; a JSON number is not one.
    fn str(&self) -> Option<&str> {
        match self {
            Ident::Str(s) => Some(s),
            Ident::Int(_) => None,
        }
    }
}

fn parse_ident(loc: &[&str], v: &Value) -> Result<Ident, FieldError> {
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) if i > 0 => Ok(Ident::Int(i)),
            Some(_) => Err(FieldError::new(
                loc,
                "ensure this value is greater than 0",
                "value_error.number.not_gt",
            )),
            None => Err(FieldError::new(
                loc,
                "value is not a valid integer",
                "type_error.integer",
            )),
        },
        Value::String(s) => match EntityId::parse(loc, s) {
            Ok(id) => Ok(Ident::Str(id.as_str().to_string())),
            Err(e) => match s.trim().parse::<i64>() {
                Ok(i) if i > 0 => Ok(Ident::Int(i)),
                _ => Err(e),
            },
        },
        Value::Null => Err(FieldError::new(
            loc,
            "none is not an allowed value",
            "type_error.none.not_allowed",
        )),
        _ => Err(FieldError::new(
            loc,
            "value is not a valid identifier",
            "type_error",
        )),
    }
}

fn root(msg: &str) -> Vec<FieldError> {
    vec![FieldError::new(
        &["body", "__root__"],
        msg,
        "assertion_error",
    )]
}

impl PublishIn {
    pub fn validate(self) -> Result<PublishOrder, Vec<FieldError>> {
        let mut errors = Vec::new();
        let identifier = parse_ident(&["body", "identifier"], &self.identifier)
            .map_err(|e| errors.push(e))
            .ok();
        let mut parents: Vec<(&'static str, Ident)> = Vec::new();
        if let Some(map) = &self.parents {
            for (key, value) in map {
                let name = match key.as_str() {
                    "project" => "project",
                    "site" => "site",
                    "memory" => "memory",
                    _ => {
                        errors.push(FieldError::new(
                            &["body", "parents", key],
                            "extra fields not permitted",
                            "value_error.extra",
                        ));
                        continue;
                    }
                };
                if value.is_null() {
                    continue;
                }
                match parse_ident(&["body", "parents", name], value) {
                    Ok(i) => parents.push((name, i)),
                    Err(e) => errors.push(e),
                }
            }
        }
        let Some(identifier) = identifier.filter(|_| errors.is_empty()) else {
            return Err(errors);
        };
        let parent = |name: &str| parents.iter().find(|(k, _)| *k == name).map(|(_, v)| v);

        // Model rules, in the original's order.
        if self.kind == EntityKind::Project {
            let id = identifier
                .str()
                .ok_or_else(|| root("Wrong type for identifier"))?;
            if !parents.is_empty() {
                return Err(root("Incorrect parent count"));
            }
            return Ok(PublishOrder {
                project: id.to_string(),
                target: Target::Project,
                publish: self.publish,
            });
        }
        if self.parents.is_none() {
            return Err(root("Bad parents"));
        }
        let (needed, expected): (&[&str], usize) = match self.kind {
            EntityKind::Site => (&["project"], 1),
            EntityKind::Memory => (&["project", "site"], 2),
            _ => (&["project", "site", "memory"], 3),
        };
        let id_ok = match self.kind {
            EntityKind::Site => identifier.str().is_some(),
            _ => identifier.int().is_some(),
        };
        if !id_ok {
            return Err(root("Wrong type for identifier"));
        }
        if parents.len() != expected {
            return Err(root("Incorrect parent count"));
        }
        if needed.iter().any(|k| parent(k).is_none()) {
            return Err(root("Bad parents"));
        }
        let project = parent("project")
            .and_then(Ident::str)
            .ok_or_else(|| root("Wrong type for project"))?
            .to_string();
        let site = || -> Result<String, Vec<FieldError>> {
            parent("site")
                .and_then(Ident::str)
                .map(str::to_string)
                .ok_or_else(|| root("Wrong type for site"))
        };
        let memory = || -> Result<i64, Vec<FieldError>> {
            parent("memory")
                .and_then(Ident::int)
                .ok_or_else(|| root("Wrong type for memory"))
        };
        let target = match self.kind {
            EntityKind::Site => Target::Site {
                site: identifier.str().unwrap_or_default().to_string(),
            },
            EntityKind::Memory => Target::Memory {
                site: site()?,
                memory: identifier.int().unwrap_or_default(),
            },
            _ => Target::Comment {
                site: site()?,
                memory: memory()?,
                comment: identifier.int().unwrap_or_default(),
            },
        };
        Ok(PublishOrder {
            project,
            target,
            publish: self.publish,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(v: Value) -> Result<PublishOrder, String> {
        let body: PublishIn = serde_json::from_value(v).map_err(|e| e.to_string())?;
        body.validate().map_err(|e| e[0].msg.clone())
    }

    #[test]
    fn model_rules() {
        let p = json!({"project": "my-project"});
        assert_eq!(
            check(json!({"type": "project", "identifier": 12})).unwrap_err(),
            "Wrong type for identifier"
        );
        assert_eq!(
            check(json!({"type": "project", "identifier": "abcd", "parents": p})).unwrap_err(),
            "Incorrect parent count"
        );
        assert!(check(json!({"type": "project", "identifier": "abcd", "parents": {}})).is_ok());
        assert_eq!(
            check(json!({"type": "site", "identifier": "abcd"})).unwrap_err(),
            "Bad parents"
        );
        assert_eq!(
            check(json!({"type": "site", "identifier": 5, "parents": p})).unwrap_err(),
            "Wrong type for identifier"
        );
        assert_eq!(
            check(json!({"type": "site", "identifier": "abcd", "parents": {}})).unwrap_err(),
            "Incorrect parent count"
        );
        assert_eq!(
            check(json!({"type": "site", "identifier": "abcd", "parents": {"site": "efgh"}}))
                .unwrap_err(),
            "Bad parents"
        );
        assert_eq!(
            check(json!({"type": "site", "identifier": "abcd", "parents": {"project": 77}}))
                .unwrap_err(),
            "Wrong type for project"
        );
        assert_eq!(
            check(json!({"type": "memory", "identifier": 5000,
                         "parents": {"project": "pppp", "site": 12}}))
            .unwrap_err(),
            "Wrong type for site"
        );
        // Ids of 1000 and more are integers like any other (the original refused them).
        let ok = check(
            json!({"type": "comment", "identifier": 123456, "publish": false,
                              "parents": {"project": "pppp", "site": "ssss", "memory": "4321"}}),
        )
        .unwrap();
        assert_eq!(
            ok.target,
            Target::Comment {
                site: "ssss".into(),
                memory: 4321,
                comment: 123456
            }
        );
        assert!(!ok.publish);
        assert!(check(json!({"type": "memory", "identifier": "12",
                             "parents": {"project": "pppp", "site": "ssss"}}))
        .is_ok());
    }

    #[test]
    fn field_rules_come_first() {
        let body: PublishIn = serde_json::from_value(json!({"type": "site", "identifier": "ab",
            "parents": {"project": "pppp", "other": 1}}))
        .unwrap();
        let errors = body.validate().unwrap_err();
        assert_eq!(errors.len(), 2);
        assert!(errors.iter().all(|e| e.kind != "assertion_error"));
        assert!(
            serde_json::from_value::<PublishIn>(json!({"type": "user", "identifier": 1})).is_err()
        );
    }
}
