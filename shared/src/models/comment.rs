//! Comment JSON and the body of comment creation and change
//! (docs/api-conventions.md#memories-and-comments).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::error::FieldError;
use crate::validation::{text, TextLimit};

#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Comment {
    pub id: i32,
    pub user: String,
    pub comment: String,
    #[serde(with = "super::datetime_format")]
    #[schema(value_type = String, example = "2022-04-05T13:36:33")]
    pub modified_at: NaiveDateTime,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub own: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_approval: Option<bool>,
}

/// Body of `POST`/`PATCH …/comments` as sent.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(as = NewComment)]
pub struct CommentIn {
    #[schema(max_length = 2500)]
    pub comment: String,
}

impl CommentIn {
    /// The stripped text (SMALL_TEXT: at most 2 500 characters; NUL is allowed).
    pub fn validate(self) -> Result<String, Vec<FieldError>> {
        text(&["body", "comment"], &self.comment, TextLimit::SmallText).map_err(|e| vec![e])
    }
}
