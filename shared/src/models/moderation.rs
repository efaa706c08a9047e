//! The moderation queue: what it lists and the items it answers with
//! (docs/api-conventions.md#moderation-queue).

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::error::FieldError;

/// `kind`: which items a queue lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ItemKind {
    Site,
    Memory,
    Comment,
}

/// `state`: items waiting for approval (unpublished), or items with reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum QueueState {
    Waiting,
    Reported,
}

/// One queue: a kind of item in one state. Sites cannot be reported, so there is no
/// queue of reported sites.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Queue {
    pub kind: ItemKind,
    pub state: QueueState,
}

impl Queue {
    /// The queue named by the query's `kind` and `state` (defaults `memory`, `waiting`).
    pub fn parse(kind: Option<&str>, state: Option<&str>) -> Result<Self, Vec<FieldError>> {
        let bad = |field: &str, msg: &str| FieldError {
            loc: vec!["query".into(), field.into()],
            msg: msg.into(),
            kind: "type_error.enum".into(),
        };
        let kind = match kind.map(str::trim) {
            None | Some("memory") => ItemKind::Memory,
            Some("site") => ItemKind::Site,
            Some("comment") => ItemKind::Comment,
            Some(_) => {
                return Err(vec![bad(
                "kind",
                "value is not a valid enumeration member; permitted: 'site', 'memory', 'comment'",
            )])
            }
        };
        let state = match state.map(str::trim) {
            None | Some("waiting") => QueueState::Waiting,
            Some("reported") => QueueState::Reported,
            Some(_) => {
                return Err(vec![bad(
                    "state",
                    "value is not a valid enumeration member; permitted: 'waiting', 'reported'",
                )])
            }
        };
        if kind == ItemKind::Site && state == QueueState::Reported {
            return Err(vec![bad("state", "sites cannot be reported")]);
        }
        Ok(Self { kind, state })
    }
}

/// A report's reason as the moderators see it (not who wrote it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReportReason {
    pub reason: String,
    /// When it was reported, `YYYY-MM-DDTHH:MM:SS` (UTC).
    #[schema(example = "2026-12-05T12:00:00")]
    pub reported_at: String,
}

/// One item of the queue, with what a moderator needs to decide. `site`, `memory` and
/// `comment` name the item and its parents as `POST /admin/publish` takes them.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct QueueItem {
    pub kind: ItemKind,
    /// The site's id (its name): the item itself, or its parent.
    pub site: String,
    /// The memory: the item itself, or a comment's parent; absent for sites.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub memory: Option<i32>,
    /// The comment, for comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<i32>,
    /// A site's name in the project's default language, a memory's title; absent for
    /// comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// A site's abstract, a memory's story, a comment's text.
    #[schema(nullable)]
    pub text: Option<String>,
    /// The author's (a site's creator's) username; null when the account is gone.
    #[schema(nullable)]
    pub author: Option<String>,
    /// The image file name, if any (sites and memories).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    pub published: bool,
    #[serde(with = "super::datetime_format")]
    #[schema(value_type = String, example = "2026-12-05T12:00:00")]
    pub created_at: NaiveDateTime,
    #[serde(with = "super::datetime_format")]
    #[schema(value_type = String, example = "2026-12-05T12:00:00")]
    pub modified_at: NaiveDateTime,
    /// Distinct reporters (always 0 for sites).
    pub reports: i64,
    /// The reasons given, oldest first (reports without one are only counted).
    pub reasons: Vec<ReportReason>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queues_default_to_waiting_memories_and_sites_are_never_reported() {
        assert_eq!(
            Queue::parse(None, None).unwrap(),
            Queue {
                kind: ItemKind::Memory,
                state: QueueState::Waiting
            }
        );
        assert_eq!(
            Queue::parse(Some("comment"), Some("reported")).unwrap(),
            Queue {
                kind: ItemKind::Comment,
                state: QueueState::Reported
            }
        );
        assert!(Queue::parse(Some("site"), Some("waiting")).is_ok());
        let e = Queue::parse(Some("site"), Some("reported")).unwrap_err();
        assert_eq!(e[0].loc, ["query", "state"]);
        let e = Queue::parse(Some("project"), None).unwrap_err();
        assert_eq!(e[0].loc, ["query", "kind"]);
        let e = Queue::parse(None, Some("all")).unwrap_err();
        assert_eq!(e[0].loc, ["query", "state"]);
    }
}

/// One entry of a project's moderation trail (docs/api-conventions.md#moderation-log).
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LogEntry {
    pub id: i32,
    /// When, `YYYY-MM-DDTHH:MM:SS` (UTC).
    #[serde(with = "super::datetime_format")]
    #[schema(value_type = String, example = "2026-12-05T12:00:00")]
    pub at: NaiveDateTime,
    /// Who: a username; null for the service (the report threshold) or a deleted account.
    #[schema(nullable)]
    pub actor: Option<String>,
    /// `publish`, `unpublish`, `hide_reported`, `dismiss_reports`, `add_admin`,
    /// `remove_admin` or `delete`.
    #[schema(example = "unpublish")]
    pub action: String,
    /// `project`, `site`, `memory`, `comment`, or `user` for an admin added or removed.
    #[schema(example = "memory")]
    pub kind: String,
    /// The item: a project or site id, a memory or comment id, a username.
    #[schema(example = "1234")]
    pub target: String,
    /// The state before (`published`, `unpublished`, `3 reports`, `admin`, …), if any.
    #[schema(nullable)]
    pub from: Option<String>,
    /// The state after, if any.
    #[schema(nullable)]
    pub to: Option<String>,
}
