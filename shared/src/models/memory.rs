//! Memory JSON and the bodies of memory creation and change
//! (docs/api-conventions.md#memories-and-comments).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use super::comment::Comment;
use crate::error::FieldError;
use crate::validation::{image_field, text, Patch, TextLimit};

/// A memory in reads (nulls omitted). Soft-deleted memories and those of deleted
/// accounts read with `-` as title, story and author, and no image.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Memory {
    pub id: i32,
    pub user: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub story: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    pub comments_count: i64,
    #[serde(with = "super::datetime_format")]
    #[schema(value_type = String, example = "2022-04-05T13:36:33")]
    pub modified_at: NaiveDateTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_approval: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<Vec<Comment>>,
}

/// The same memory with every field written, `null` included (inside the single-site read).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = MemoryWithNulls)]
pub struct MemoryAll {
    pub id: i32,
    pub user: String,
    pub title: String,
    pub story: Option<String>,
    pub image: Option<String>,
    pub comments_count: i64,
    #[serde(with = "super::datetime_format")]
    #[schema(value_type = String, example = "2022-04-05T13:36:33")]
    pub modified_at: NaiveDateTime,
    pub own: Option<bool>,
    pub waiting_approval: Option<bool>,
    pub comments: Option<Vec<Comment>>,
}

impl From<Memory> for MemoryAll {
    fn from(m: Memory) -> Self {
        Self {
            id: m.id,
            user: m.user,
            title: m.title,
            story: m.story,
            image: m.image,
            comments_count: m.comments_count,
            modified_at: m.modified_at,
            own: m.own,
            waiting_approval: m.waiting_approval,
            comments: m.comments,
        }
    }
}

/// Body of `POST …/memories` as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = NewMemory)]
pub struct NewMemoryIn {
    #[schema(max_length = 200)]
    pub title: String,
    #[serde(default)]
    #[schema(max_length = 20000)]
    pub story: Option<String>,
    #[serde(default)]
    #[schema(min_length = 1, max_length = 3000000)]
    pub image: Option<String>,
}

#[derive(Debug)]
pub struct NewMemory {
    pub title: String,
    pub story: Option<String>,
    pub image: Option<String>,
}

impl NewMemoryIn {
    pub fn validate(self) -> Result<NewMemory, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = text(&["body", "title"], &self.title, TextLimit::Name)
            .map_err(|e| errors.push(e))
            .ok();
        let story = self
            .story
            .map(|s| text(&["body", "story"], &s, TextLimit::Text))
            .transpose()
            .map_err(|e| errors.push(e))
            .ok()
            .flatten();
        let image = self
            .image
            .and_then(|i| image_field(&["body", "image"], &i, &mut errors));
        match title {
            Some(title) if errors.is_empty() => Ok(NewMemory {
                title,
                story,
                image,
            }),
            _ => Err(errors),
        }
    }
}

/// Body of `PATCH …/memories/{m}`; absent keys are left alone.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ModifiedMemory)]
pub struct ModifiedMemoryIn {
    /// May be left out, not `null`.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 200)]
    pub title: Patch<String>,
    /// `null` clears the story.
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 20000)]
    pub story: Patch<String>,
    /// `null` removes the image.
    #[serde(default)]
    #[schema(value_type = Option<String>, min_length = 1, max_length = 3000000)]
    pub image: Patch<String>,
}

#[derive(Debug, Default)]
pub struct ModifiedMemory {
    /// A title cannot be removed: `null` is a 422
    /// (docs/compatibility.md#a-memory-title-cannot-be-null).
    pub title: Option<String>,
    pub story: Patch<String>,
    pub image: Patch<String>,
}

impl ModifiedMemory {
    pub fn is_empty(&self) -> bool {
        self.title.is_none() && self.story.is_absent() && self.image.is_absent()
    }
}

impl ModifiedMemoryIn {
    pub fn validate(self) -> Result<ModifiedMemory, Vec<FieldError>> {
        let mut errors = Vec::new();
        let title = match self.title {
            Patch::Absent => None,
            Patch::Null => {
                errors.push(FieldError::new(
                    &["body", "title"],
                    "none is not an allowed value",
                    "type_error.none.not_allowed",
                ));
                None
            }
            Patch::Value(t) => text(&["body", "title"], &t, TextLimit::Name)
                .map_err(|e| errors.push(e))
                .ok(),
        };
        let story = match self.story {
            Patch::Value(s) => match text(&["body", "story"], &s, TextLimit::Text) {
                Ok(s) => Patch::Value(s),
                Err(e) => {
                    errors.push(e);
                    Patch::Absent
                }
            },
            other => other,
        };
        let image = match self.image {
            Patch::Value(i) => match image_field(&["body", "image"], &i, &mut errors) {
                Some(i) => Patch::Value(i),
                None => Patch::Absent,
            },
            other => other,
        };
        if errors.is_empty() {
            Ok(ModifiedMemory {
                title,
                story,
                image,
            })
        } else {
            Err(errors)
        }
    }
}
