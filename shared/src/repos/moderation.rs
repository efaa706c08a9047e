//! The moderation queue of a project (docs/api-conventions.md#moderation-queue): its
//! unpublished or reported sites, memories and comments, oldest (lowest id) first, read
//! a page at a time after an id.

use mysql_async::{prelude::*, Row};

use super::row::col;
use crate::access::ProjectAccess;
use crate::error::ApiError;
use crate::models::moderation::{ItemKind, Queue, QueueItem, QueueState, ReportReason};

/// The columns every queue reads, in [`item_from_row`]'s order: the sort key, site name,
/// memory id, comment id, title, text, author, image, published, created, modified,
/// reports, the reasons as a JSON array. `reasons!` is the JSON of one table's reasons.
macro_rules! reasons {
    ($table:literal, $key:literal, $id:literal) => {
        concat!(
            "(SELECT JSON_ARRAYAGG(JSON_OBJECT('reason', r.reason, 'reported_at',
                    DATE_FORMAT(r.reported_at, '%Y-%m-%dT%H:%i:%s'))
                  ORDER BY r.reported_at, r.user_id)
              FROM ",
            $table,
            " r WHERE r.",
            $key,
            " = ",
            $id,
            " AND r.reason IS NOT NULL)"
        )
    };
}

macro_rules! memory_queue {
    ($filter:literal) => {
        concat!(
            "SELECT m.id, s.name, m.id, NULL, COALESCE(m.title, ''), m.story, u.username,
                    img.file_name, m.published, m.created_at, m.modified_at,
                    (SELECT COUNT(*) FROM audit_memories a WHERE a.memory_id = m.id), ",
            reasons!("audit_memory_reasons", "memory_id", "m.id"),
            " FROM memories m
              JOIN sites s ON s.id = m.site_id
              LEFT JOIN users u ON u.id = m.user_id
              LEFT JOIN images img ON img.id = m.image_id
              WHERE s.project_id = ? AND m.id > ? AND m.deleted = 0 AND ",
            $filter,
            " ORDER BY m.id LIMIT ?"
        )
    };
}

macro_rules! comment_queue {
    ($filter:literal) => {
        concat!(
            "SELECT c.id, s.name, m.id, c.id, NULL, c.comment, u.username,
                    NULL, c.published, c.created_at, c.modified_at,
                    (SELECT COUNT(*) FROM audit_comments a WHERE a.comment_id = c.id), ",
            reasons!("audit_comment_reasons", "comment_id", "c.id"),
            " FROM comments c
              JOIN memories m ON m.id = c.memory_id
              JOIN sites s ON s.id = m.site_id
              LEFT JOIN users u ON u.id = c.user_id
              WHERE s.project_id = ? AND c.id > ? AND ",
            $filter,
            " ORDER BY c.id LIMIT ?"
        )
    };
}

/// Unpublished sites, with their name and abstract in the project's default language.
const WAITING_SITES: &str = "SELECT s.id, s.name, NULL, NULL, si.name, si.abstract, u.username,
        img.file_name, s.published, s.created_at, s.modified_at, 0, NULL
     FROM sites s
     LEFT JOIN site_information si ON si.site_id = s.id AND si.lang_id = ?
     LEFT JOIN users u ON u.id = s.creator_id
     LEFT JOIN images img ON img.id = s.image_id
     WHERE s.project_id = ? AND s.id > ? AND s.published = 0
     ORDER BY s.id LIMIT ?";
const WAITING_MEMORIES: &str = memory_queue!("m.published = 0");
const REPORTED_MEMORIES: &str =
    memory_queue!("EXISTS (SELECT 1 FROM audit_memories a WHERE a.memory_id = m.id)");
const WAITING_COMMENTS: &str = comment_queue!("c.published = 0");
const REPORTED_COMMENTS: &str =
    comment_queue!("EXISTS (SELECT 1 FROM audit_comments a WHERE a.comment_id = c.id)");

fn item_from_row(kind: ItemKind, mut r: Row) -> Result<(i32, QueueItem), ApiError> {
    let reasons: Option<String> = col(&mut r, 12)?;
    let reasons: Vec<ReportReason> = match reasons {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| ApiError::internal(format!("report reasons as JSON: {e}")))?,
        None => Vec::new(),
    };
    let item = QueueItem {
        kind,
        site: col(&mut r, 1)?,
        memory: col(&mut r, 2)?,
        comment: col(&mut r, 3)?,
        title: col(&mut r, 4)?,
        text: col(&mut r, 5)?,
        author: col(&mut r, 6)?,
        image: col(&mut r, 7)?,
        published: col(&mut r, 8)?,
        created_at: col(&mut r, 9)?,
        modified_at: col(&mut r, 10)?,
        reports: col(&mut r, 11)?,
        reasons,
    };
    Ok((col(&mut r, 0)?, item))
}

/// A page of `queue` in `project`: the items after internal id `after`, at most `fetch`
/// (one past a page tells whether the queue goes on), each with its id as the sort key.
/// The caller has checked that the viewer moderates the project.
pub async fn page(
    q: &mut impl Queryable,
    project: &ProjectAccess,
    queue: Queue,
    after: Option<i32>,
    fetch: u64,
) -> Result<Vec<(i32, QueueItem)>, ApiError> {
    let after = after.unwrap_or(0);
    let rows: Vec<Row> = match (queue.kind, queue.state) {
        (ItemKind::Site, _) => {
            let params = (project.default_language_id, project.id, after, fetch);
            q.exec(WAITING_SITES, params).await?
        }
        (ItemKind::Memory, state) => {
            let sql = match state {
                QueueState::Waiting => WAITING_MEMORIES,
                QueueState::Reported => REPORTED_MEMORIES,
            };
            q.exec(sql, (project.id, after, fetch)).await?
        }
        (ItemKind::Comment, state) => {
            let sql = match state {
                QueueState::Waiting => WAITING_COMMENTS,
                QueueState::Reported => REPORTED_COMMENTS,
            };
            q.exec(sql, (project.id, after, fetch)).await?
        }
    };
    rows.into_iter()
        .map(|r| item_from_row(queue.kind, r))
        .collect()
}
