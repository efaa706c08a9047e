//! The moderation queue of a project (docs/api-conventions.md#moderation-queue): its
//! unpublished or reported sites, memories and comments, oldest (lowest id) first, read
//! a page at a time after an id.

use mysql_async::{prelude::*, Row};

use super::row::col;
use crate::access::ProjectAccess;
use crate::error::ApiError;
use crate::models::moderation::{ItemKind, Queue, QueueItem, QueueState, ReportReason};

// The columns every queue reads, in `item_from_row`'s order: the sort key, site name,
// memory id, comment id, title, text, author, image, published, created, modified,
// reports, the reasons as a JSON array.

/// The JSON array of one item's reasons, oldest first.
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

/// The details of a page of memories whose ids `$page` (a derived table of `id`s, in
/// order, already limited) picks: the per-item subqueries run for the page only.
macro_rules! memory_queue {
    ($page:literal) => {
        concat!(
            "SELECT m.id, s.name, m.id, NULL, COALESCE(m.title, ''), m.story, u.username,
                    img.file_name, m.published, m.created_at, m.modified_at,
                    (SELECT COUNT(*) FROM audit_memories a WHERE a.memory_id = m.id), ",
            reasons!("audit_memory_reasons", "memory_id", "m.id"),
            " FROM (",
            $page,
            ") page
              JOIN memories m ON m.id = page.id
              JOIN sites s ON s.id = m.site_id
              LEFT JOIN users u ON u.id = m.user_id
              LEFT JOIN images img ON img.id = m.image_id
              ORDER BY m.id"
        )
    };
}

/// [`memory_queue!`] for comments.
macro_rules! comment_queue {
    ($page:literal) => {
        concat!(
            "SELECT c.id, s.name, m.id, c.id, NULL, c.comment, u.username,
                    NULL, c.published, c.created_at, c.modified_at,
                    (SELECT COUNT(*) FROM audit_comments a WHERE a.comment_id = c.id), ",
            reasons!("audit_comment_reasons", "comment_id", "c.id"),
            " FROM (",
            $page,
            ") page
              JOIN comments c ON c.id = page.id
              JOIN memories m ON m.id = c.memory_id
              JOIN sites s ON s.id = m.site_id
              LEFT JOIN users u ON u.id = c.user_id
              ORDER BY c.id"
        )
    };
}

/// Unpublished sites, with their name and abstract in the project's default language,
/// in id order straight from `idx_sites_published (published, project_id)`.
const WAITING_SITES: &str = "SELECT s.id, s.name, NULL, NULL, si.name, si.abstract, u.username,
        img.file_name, s.published, s.created_at, s.modified_at, 0, NULL
     FROM sites s
     LEFT JOIN site_information si ON si.site_id = s.id AND si.lang_id = ?
     LEFT JOIN users u ON u.id = s.creator_id
     LEFT JOIN images img ON img.id = s.image_id
     WHERE s.project_id = ? AND s.id > ? AND s.published = 0
     ORDER BY s.id LIMIT ?";

// How each page is picked (measured by tests/bench/moderation.sh; docs/api-conventions.md
// #moderation-queue). Waiting memories: the project's sites, then their waiting memories
// from the covering index `idx_memories_queue (published, deleted, site_id)`, sorted:
// proportional to the project's own queue. Waiting comments and reported items: the
// comments of `idx_comments_queue (published)` or the reports' primary keys, in id order,
// each joined by primary key up to its project, stopping at the page's end: proportional
// to the items of every project up to there (reports are few; waiting comments of other
// projects interleave).
const WAITING_MEMORIES: &str = memory_queue!(
    "SELECT m.id FROM memories m JOIN sites s ON s.id = m.site_id
     WHERE s.project_id = ? AND m.id > ? AND m.published = 0 AND m.deleted = 0
     ORDER BY m.id LIMIT ?"
);
const REPORTED_MEMORIES: &str = memory_queue!(
    "SELECT STRAIGHT_JOIN a.memory_id AS id FROM audit_memories a
       JOIN memories m FORCE INDEX (PRIMARY) ON m.id = a.memory_id
       JOIN sites s FORCE INDEX (PRIMARY) ON s.id = m.site_id
     WHERE s.project_id = ? AND a.memory_id > ? AND m.deleted = 0
     GROUP BY a.memory_id ORDER BY a.memory_id LIMIT ?"
);
const WAITING_COMMENTS: &str = comment_queue!(
    "SELECT STRAIGHT_JOIN c.id FROM comments c FORCE INDEX (idx_comments_queue)
       JOIN memories m FORCE INDEX (PRIMARY) ON m.id = c.memory_id
       JOIN sites s FORCE INDEX (PRIMARY) ON s.id = m.site_id
     WHERE s.project_id = ? AND c.id > ? AND c.published = 0
     ORDER BY c.id LIMIT ?"
);
const REPORTED_COMMENTS: &str = comment_queue!(
    "SELECT STRAIGHT_JOIN a.comment_id AS id FROM audit_comments a
       JOIN comments c FORCE INDEX (PRIMARY) ON c.id = a.comment_id
       JOIN memories m FORCE INDEX (PRIMARY) ON m.id = c.memory_id
       JOIN sites s FORCE INDEX (PRIMARY) ON s.id = m.site_id
     WHERE s.project_id = ? AND a.comment_id > ?
     GROUP BY a.comment_id ORDER BY a.comment_id LIMIT ?"
);

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
