//! The moderation trail (docs/api-conventions.md#moderation-log): who did what to which
//! item of a project, when, and from which state to which. Every entry is written in the
//! transaction of its action, so an action rolled back (and retried after a deadlock)
//! leaves no entry of its own: each action that happened is recorded once.

use mysql_async::{prelude::*, Row};

use super::row::col;
use crate::error::ApiError;
use crate::models::moderation::LogEntry;

/// What was done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    Publish,
    Unpublish,
    /// Unpublished by the report threshold (no actor).
    HideReported,
    DismissReports,
    AddAdmin,
    RemoveAdmin,
    Delete,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Publish => "publish",
            Action::Unpublish => "unpublish",
            Action::HideReported => "hide_reported",
            Action::DismissReports => "dismiss_reports",
            Action::AddAdmin => "add_admin",
            Action::RemoveAdmin => "remove_admin",
            Action::Delete => "delete",
        }
    }
}

/// One entry to write. `kind` is `project`, `site`, `memory`, `comment` or `user` (an
/// admin added or removed); `target` its id (site name, memory or comment id, username).
#[derive(Clone, Debug)]
pub struct Entry<'a> {
    pub project_id: i32,
    pub actor: Option<i32>,
    pub action: Action,
    pub kind: &'static str,
    pub target: &'a str,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
}

/// The state words of a publish flag.
pub fn published_word(published: bool) -> &'static str {
    if published {
        "published"
    } else {
        "unpublished"
    }
}

pub async fn record(q: &mut impl Queryable, e: &Entry<'_>) -> Result<(), ApiError> {
    q.exec_drop(
        "INSERT INTO moderation_log
            (project_id, actor_id, action, kind, target, from_state, to_state)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            e.project_id,
            e.actor,
            e.action.as_str(),
            e.kind,
            e.target,
            e.from,
            e.to,
        ),
    )
    .await?;
    Ok(())
}

/// A page of the project's trail, newest first: the entries before entry id `before`
/// (all when `None`), at most `fetch`, each with its id as the sort key.
pub async fn page(
    q: &mut impl Queryable,
    project_id: i32,
    before: Option<i32>,
    fetch: u64,
) -> Result<Vec<(i32, LogEntry)>, ApiError> {
    let rows: Vec<Row> = q
        .exec(
            "SELECT l.id, l.created_at, u.username, l.action, l.kind, l.target,
                    l.from_state, l.to_state
             FROM moderation_log l
             LEFT JOIN users u ON u.id = l.actor_id
             WHERE l.project_id = ? AND l.id < ?
             ORDER BY l.id DESC LIMIT ?",
            (project_id, before.unwrap_or(i32::MAX), fetch),
        )
        .await?;
    rows.into_iter()
        .map(|mut r| {
            let id: i32 = col(&mut r, 0)?;
            Ok((
                id,
                LogEntry {
                    id,
                    at: col(&mut r, 1)?,
                    actor: col(&mut r, 2)?,
                    action: col(&mut r, 3)?,
                    kind: col(&mut r, 4)?,
                    target: col(&mut r, 5)?,
                    from: col(&mut r, 6)?,
                    to: col(&mut r, 7)?,
                },
            ))
        })
        .collect()
}
