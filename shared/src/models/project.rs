//! Project JSON and the bodies of project creation, change and localisation
//! (docs/api-conventions.md#projects-and-sites).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::info::{Info, InfoIn, InfoOut};
use super::site::Site;
use crate::error::FieldError;
use crate::validation::{self, image_field, lenient_bool, EntityId, Patch, Username};

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = Contact)]
#[serde(deny_unknown_fields)]
pub struct ContactOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    pub has_research_permit: bool,
    pub can_contact: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(example = json!({"id": "demo-project",
    "info": {"lang": "fi", "name": "Muistojen kartta", "abstract": "Esimerkkiprojekti"},
    "starts": "2022-04-05T13:36:33", "admins": ["Matti"],
    "contact": {"contact_email": "info@example.com", "has_research_permit": false, "can_contact": true},
    "admin_posting": false, "sites_count": 3}))]
pub struct Project {
    #[schema(example = "my-project")]
    pub id: String,
    pub info: InfoOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(
        with = "super::datetime_format::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, example = "2022-04-05T13:36:33")]
    pub starts: Option<NaiveDateTime>,
    #[serde(
        with = "super::datetime_format::option",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<String>, example = "2022-04-05T13:36:33")]
    pub ends: Option<NaiveDateTime>,
    pub admins: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contact: Option<ContactOut>,
    pub admin_posting: bool,
    pub sites_count: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sites: Option<Vec<Site>>,
    /// With `include_sites`, when the embedded list was cut at the response size cap: the
    /// URL of the site list's page that continues it (docs/api-conventions.md#pages).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sites_next: Option<String>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = NewContact)]
pub struct ContactIn {
    #[serde(default)]
    #[schema(format = Email)]
    pub contact_email: Option<String>,
    #[serde(deserialize_with = "lenient_bool")]
    pub has_research_permit: bool,
    #[serde(deserialize_with = "lenient_bool")]
    pub can_contact: bool,
}

/// A validated contact block.
#[derive(Clone, Debug, PartialEq)]
pub struct Contact {
    pub contact_email: Option<String>,
    pub has_research_permit: bool,
    pub can_contact: bool,
}

impl ContactIn {
    fn validate(self, errors: &mut Vec<FieldError>) -> Option<Contact> {
        let email = match self.contact_email {
            None => None,
            Some(e) => match validation::email(&["body", "contact", "contact_email"], &e) {
                Ok(e) => Some(e),
                Err(e) => {
                    errors.push(e);
                    return None;
                }
            },
        };
        Some(Contact {
            contact_email: email,
            has_research_permit: self.has_research_permit,
            can_contact: self.can_contact,
        })
    }
}

/// Body of `POST /projects` as sent. `id` and `info` are required.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = NewProject, example = json!({"id": "my-project", "info": {"lang": "fi", "name": "Projekti"}}))]
pub struct NewProjectIn {
    #[schema(pattern = "^[a-zA-Z0-9_-]+$", min_length = 4, max_length = 250)]
    pub id: String,
    pub info: InfoIn,
    /// Base64 JPEG or PNG, optionally as a `data:image/…;base64,` URL.
    #[serde(default)]
    #[schema(min_length = 1, max_length = 3000000)]
    pub image: Option<String>,
    /// ISO date-time with a time part, or a UNIX timestamp.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts: Option<serde_json::Value>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends: Option<serde_json::Value>,
    /// Usernames of the project's admins; each must exist.
    #[serde(default)]
    pub admins: Option<Vec<String>>,
    #[serde(default)]
    pub contact: Option<ContactIn>,
    #[serde(default, deserialize_with = "lenient_bool_default")]
    pub admin_posting: bool,
}

fn lenient_bool_default<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    lenient_bool(d)
}

#[derive(Debug)]
pub struct NewProject {
    pub id: EntityId,
    pub info: Info,
    pub image: Option<String>,
    pub starts: Option<NaiveDateTime>,
    pub ends: Option<NaiveDateTime>,
    pub admins: Vec<Username>,
    pub contact: Option<Contact>,
    pub admin_posting: bool,
}

fn datetime_field(
    loc: &[&str],
    v: Option<serde_json::Value>,
    errors: &mut Vec<FieldError>,
) -> Option<NaiveDateTime> {
    match v {
        None | Some(serde_json::Value::Null) => None,
        Some(v) => validation::datetime(loc, &v)
            .map_err(|e| errors.push(e))
            .ok(),
    }
}

impl NewProjectIn {
    pub fn validate(self) -> Result<NewProject, Vec<FieldError>> {
        let mut errors = Vec::new();
        let id = EntityId::parse(&["body", "id"], &self.id)
            .map_err(|e| errors.push(e))
            .ok();
        let info = self
            .info
            .validate(&["body", "info"])
            .map_err(|e| errors.extend(e))
            .ok();
        let image = self
            .image
            .and_then(|i| image_field(&["body", "image"], &i, &mut errors));
        let starts = datetime_field(&["body", "starts"], self.starts, &mut errors);
        let ends = datetime_field(&["body", "ends"], self.ends, &mut errors);
        let mut admins = Vec::new();
        for (i, raw) in self.admins.unwrap_or_default().iter().enumerate() {
            let idx = i.to_string();
            match Username::parse(&["body", "admins", &idx], raw) {
                Ok(u) => admins.push(u),
                Err(e) => errors.push(e),
            }
        }
        let mut seen = std::collections::HashSet::new();
        if !admins.iter().all(|a| seen.insert(a.as_str().to_string())) {
            errors.push(FieldError::new(
                &["body", "admins"],
                "the list has duplicated items",
                "value_error.list.unique_items",
            ));
        }
        let contact = self.contact.and_then(|c| c.validate(&mut errors));
        match (id, info) {
            (Some(id), Some(info)) if errors.is_empty() => Ok(NewProject {
                id,
                info,
                image,
                starts,
                ends,
                admins,
                contact,
                admin_posting: self.admin_posting,
            }),
            _ => Err(errors),
        }
    }
}

/// Body of `PATCH /projects/{project}`; absent keys are left alone.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ModifiedProject)]
pub struct ModifiedProjectIn {
    #[serde(default)]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 3000000)]
    pub image: Patch<String>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub starts: Patch<serde_json::Value>,
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub ends: Patch<serde_json::Value>,
    #[serde(default)]
    pub contact: Option<ContactIn>,
    #[serde(default)]
    pub info: Option<InfoIn>,
}

#[derive(Debug, Default)]
pub struct ModifiedProject {
    pub image: Patch<String>,
    pub starts: Patch<NaiveDateTime>,
    pub ends: Patch<NaiveDateTime>,
    pub contact: Option<Contact>,
    pub info: Option<Info>,
}

fn patch_datetime(
    loc: &[&str],
    p: Patch<serde_json::Value>,
    errors: &mut Vec<FieldError>,
) -> Patch<NaiveDateTime> {
    match p {
        Patch::Absent => Patch::Absent,
        Patch::Null | Patch::Value(serde_json::Value::Null) => Patch::Null,
        Patch::Value(v) => match validation::datetime(loc, &v) {
            Ok(d) => Patch::Value(d),
            Err(e) => {
                errors.push(e);
                Patch::Absent
            }
        },
    }
}

impl ModifiedProjectIn {
    pub fn validate(self) -> Result<ModifiedProject, Vec<FieldError>> {
        let mut errors = Vec::new();
        let image = match self.image {
            Patch::Value(i) => match image_field(&["body", "image"], &i, &mut errors) {
                Some(i) => Patch::Value(i),
                None => Patch::Absent,
            },
            other => other,
        };
        let starts = patch_datetime(&["body", "starts"], self.starts, &mut errors);
        let ends = patch_datetime(&["body", "ends"], self.ends, &mut errors);
        let contact = self.contact.and_then(|c| c.validate(&mut errors));
        let info = self
            .info
            .map(|i| i.validate(&["body", "info"]))
            .transpose()
            .map_err(|e| errors.extend(e))
            .ok()
            .flatten();
        if errors.is_empty() {
            Ok(ModifiedProject {
                image,
                starts,
                ends,
                contact,
                info,
            })
        } else {
            Err(errors)
        }
    }
}
