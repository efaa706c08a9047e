//! Comments: reads with the caller's flags, the three-level parent checks, and the
//! writes (docs/api-conventions.md#memories-and-comments,
//! docs/api-conventions.md#visibility).

pub use crate::access::CommentAccess;
use std::collections::HashMap;

use mysql_async::{params, prelude::*, Row};

use super::{
    memories::{self, flags, MemoryAccess},
    projects::{self, ProjectAccess},
    row::col,
    sites::{self, SiteAccess},
    Viewer,
};
use crate::access::{self, Level};
use crate::error::ApiError;
use crate::models::comment::Comment;

macro_rules! comment_select {
    () => {
        "SELECT c.id, COALESCE(u.username, '-'), COALESCE(c.comment, ''), c.modified_at,
                c.published, c.user_id, c.memory_id
         FROM comments c
         LEFT JOIN users u ON u.id = c.user_id "
    };
}

fn comment_from_row(mut r: Row, viewer: Viewer, admin: bool) -> Result<(i32, Comment), ApiError> {
    let published: bool = col(&mut r, 4)?;
    let author: Option<i32> = col(&mut r, 5)?;
    let (own, waiting_approval) = flags(viewer, admin, author, published);
    let memory_id: i32 = col(&mut r, 6)?;
    Ok((
        memory_id,
        Comment {
            id: col(&mut r, 0)?,
            user: col(&mut r, 1)?,
            comment: col(&mut r, 2)?,
            modified_at: col(&mut r, 3)?,
            own,
            waiting_approval,
        },
    ))
}

/// The comments of one memory the caller may see: admins all, users published plus
/// their own, anonymous published.
pub async fn list(
    q: &mut impl Queryable,
    memory_id: i32,
    admin: bool,
    viewer: Viewer,
) -> Result<Vec<Comment>, ApiError> {
    let rows: Vec<Row> = q
        .exec(
            concat!(
                comment_select!(),
                "WHERE c.memory_id = :memory AND (:admin OR c.published = 1 OR c.user_id = :user)
                 ORDER BY c.id"
            ),
            params! {"memory" => memory_id, "admin" => admin, "user" => viewer.user_id},
        )
        .await?;
    rows.into_iter()
        .map(|r| comment_from_row(r, viewer, admin).map(|(_, c)| c))
        .collect()
}

/// A page of [`list`] (docs/api-conventions.md#pages): the comments after comment id
/// `after`, in id order, at most `fetch` rows (one past a page tells whether the list goes
/// on), each with its id as the sort key.
pub async fn list_after(
    q: &mut impl Queryable,
    memory_id: i32,
    admin: bool,
    viewer: Viewer,
    after: Option<i32>,
    fetch: u64,
) -> Result<Vec<(i32, Comment)>, ApiError> {
    let rows: Vec<Row> = q
        .exec(
            concat!(
                comment_select!(),
                "WHERE c.memory_id = :memory AND (:admin OR c.published = 1 OR c.user_id = :user)
                   AND c.id > :after
                 ORDER BY c.id LIMIT :n"
            ),
            params! {
                "memory" => memory_id, "admin" => admin, "user" => viewer.user_id,
                "after" => after.unwrap_or(i32::MIN), "n" => fetch,
            },
        )
        .await?;
    rows.into_iter()
        .map(|r| comment_from_row(r, viewer, admin).map(|(_, c)| (c.id, c)))
        .collect()
}

/// The comments the caller sees of the memories `memory_ids` (already visible to the
/// caller: a page of a memory list), keyed by memory id, each memory's oldest first; one
/// statement, reading only those memories' comments.
pub async fn for_memories(
    q: &mut impl Queryable,
    memory_ids: &[i32],
    admin: bool,
    viewer: Viewer,
) -> Result<HashMap<i32, Vec<Comment>>, ApiError> {
    let mut map: HashMap<i32, Vec<Comment>> = HashMap::new();
    if memory_ids.is_empty() {
        return Ok(map);
    }
    let marks = vec!["?"; memory_ids.len()].join(",");
    let mut values: Vec<mysql_async::Value> = memory_ids.iter().map(|id| (*id).into()).collect();
    values.extend([admin.into(), viewer.user_id.into()]);
    let rows: Vec<Row> = q
        .exec(
            format!(
                "{} WHERE c.memory_id IN ({marks}) AND (? OR c.published = 1 OR c.user_id = ?)",
                comment_select!()
            ),
            mysql_async::Params::Positional(values),
        )
        .await?;
    for r in rows {
        let (memory, comment) = comment_from_row(r, viewer, admin)?;
        map.entry(memory).or_default().push(comment);
    }
    // Sorted here: `ORDER BY` over this join sorts TEXT columns in an on-disk temporary
    // table, a file per statement.
    for comments in map.values_mut() {
        comments.sort_by_key(|c| c.id);
    }
    Ok(map)
}

pub async fn get(
    q: &mut impl Queryable,
    comment_id: i32,
    admin: bool,
    viewer: Viewer,
) -> Result<Option<Comment>, ApiError> {
    let row: Option<Row> = q
        .exec_first(
            concat!(comment_select!(), "WHERE c.id = :id"),
            params! {"id" => comment_id},
        )
        .await?;
    Ok(row
        .map(|r| comment_from_row(r, viewer, admin))
        .transpose()?
        .map(|(_, c)| c))
}

pub async fn access(
    q: &mut impl Queryable,
    memory_id: i32,
    comment_id: i64,
    lock: bool,
) -> Result<Option<CommentAccess>, ApiError> {
    let sql = if lock {
        "SELECT id, published, user_id FROM comments WHERE memory_id = ? AND id = ? FOR UPDATE"
    } else {
        "SELECT id, published, user_id FROM comments WHERE memory_id = ? AND id = ?"
    };
    let row: Option<Row> = q.exec_first(sql, (memory_id, comment_id)).await?;
    let Some(mut r) = row else { return Ok(None) };
    Ok(Some(CommentAccess {
        id: col(&mut r, 0)?,
        published: col(&mut r, 1)?,
        user_id: col(&mut r, 2)?,
    }))
}

/// The parents of a comment collection (list, create): project, site and memory must all
/// be visible to the caller, else 404 naming the first hidden level.
pub async fn require_parents(
    q: &mut impl Queryable,
    project: &str,
    site: &str,
    memory: i64,
    viewer: Viewer,
) -> Result<(ProjectAccess, SiteAccess, MemoryAccess), ApiError> {
    let project = projects::require_visible(q, project, viewer).await?;
    let site = sites::require_visible(q, &project, site, viewer, false).await?;
    let memory = memories::access(q, site.id, memory, false)
        .await?
        .filter(|m| m.visible(&project, viewer))
        .ok_or_else(|| ApiError::not_found("Memory"))?;
    Ok((project, site, memory))
}

pub struct Located {
    pub project: ProjectAccess,
    pub comment: CommentAccess,
}

/// Finds comment `id` under its parents: its author and the project's admins pass
/// hidden parents; others get 404 for the first level hidden from them.
pub async fn locate(
    q: &mut impl Queryable,
    project: &str,
    site: &str,
    memory: i64,
    id: i64,
    viewer: Viewer,
    lock: bool,
) -> Result<Located, ApiError> {
    let project = projects::access(q, project, viewer, false)
        .await?
        .ok_or_else(|| ApiError::not_found("Project"))?;
    let site = sites::access(q, &project, site, false).await?;
    let memory = match &site {
        Some(s) => memories::access(q, s.id, memory, false).await?,
        None => None,
    };
    let comment = match &memory {
        Some(m) => access(q, m.id, id, lock).await?,
        None => None,
    };
    let bypass = project.admin || comment.as_ref().is_some_and(|c| c.is_author(viewer));
    access::reach(
        &[
            Level::new("Project", Some(project.visible())),
            Level::new("Site", site.as_ref().map(|s| s.visible(&project, viewer))),
            Level::new(
                "Memory",
                memory.as_ref().map(|m| m.visible(&project, viewer)),
            ),
        ],
        Level::new(
            "Comment",
            comment.as_ref().map(|c| c.visible(&project, viewer)),
        ),
        bypass,
    )?;
    let Some(comment) = comment else {
        return Err(ApiError::internal("reach passed a missing level"));
    };
    Ok(Located { project, comment })
}

pub async fn create(
    q: &mut impl Queryable,
    memory_id: i32,
    user_id: i32,
    text: &str,
    published: bool,
) -> Result<i32, ApiError> {
    q.exec_first(
        "INSERT INTO comments (memory_id, user_id, comment, published)
         VALUES (?, ?, ?, ?) RETURNING id",
        (memory_id, user_id, text, published),
    )
    .await?
    .ok_or_else(|| ApiError::internal("comment insert returned no id"))
}

/// Replaces the text; the comment goes back to review unless content is auto-published
/// (docs/compatibility.md#an-edited-comment-goes-back-to-review).
pub async fn update(
    q: &mut impl Queryable,
    comment_id: i32,
    text: &str,
    published: bool,
) -> Result<(), ApiError> {
    q.exec_drop(
        "UPDATE comments SET comment = ?, published = ? WHERE id = ?",
        (text, published, comment_id),
    )
    .await?;
    Ok(())
}

/// Hard delete.
pub async fn delete(q: &mut impl Queryable, comment_id: i32) -> Result<(), ApiError> {
    q.exec_drop("DELETE FROM comments WHERE id = ?", (comment_id,))
        .await?;
    Ok(())
}
