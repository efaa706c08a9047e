//! Abuse reports on memories and comments (docs/api-conventions.md#reports): one row per
//! reporter in the original's `audit_memories` / `audit_comments`, its reason and time in
//! `audit_*_reasons` (docs/compatibility.md#reports-keep-the-original-tables), and the
//! hide threshold applied in the reporting transaction.

use mysql_async::prelude::*;

use super::trail;
use crate::error::ApiError;

/// A reportable item, by its row id.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Item {
    Memory(i32),
    Comment(i32),
}

/// One fixed statement per table (docs/compatibility.md#sql-statements-are-fixed).
struct Statements {
    exists: &'static str,
    insert: &'static str,
    reason: &'static str,
    count: &'static str,
    hide: &'static str,
    dismiss: &'static str,
}

impl Item {
    fn id(self) -> i32 {
        match self {
            Item::Memory(id) | Item::Comment(id) => id,
        }
    }

    fn kind(self) -> &'static str {
        match self {
            Item::Memory(_) => "memory",
            Item::Comment(_) => "comment",
        }
    }

    fn statements(self) -> Statements {
        match self {
            Item::Memory(_) => Statements {
                exists: "SELECT COUNT(*) FROM audit_memories WHERE memory_id = ? AND user_id = ?
                         LOCK IN SHARE MODE",
                insert: "INSERT INTO audit_memories (memory_id, user_id) VALUES (?, ?)",
                reason: "INSERT INTO audit_memory_reasons (memory_id, user_id, reason)
                         VALUES (?, ?, ?)
                         ON DUPLICATE KEY UPDATE reason = VALUES(reason)",
                count: "SELECT COUNT(*) FROM audit_memories WHERE memory_id = ?
                        LOCK IN SHARE MODE",
                hide: "UPDATE memories SET published = 0 WHERE id = ?",
                dismiss: "DELETE FROM audit_memories WHERE memory_id = ?",
            },
            Item::Comment(_) => Statements {
                exists: "SELECT COUNT(*) FROM audit_comments WHERE comment_id = ? AND user_id = ?
                         LOCK IN SHARE MODE",
                insert: "INSERT INTO audit_comments (comment_id, user_id) VALUES (?, ?)",
                reason: "INSERT INTO audit_comment_reasons (comment_id, user_id, reason)
                         VALUES (?, ?, ?)
                         ON DUPLICATE KEY UPDATE reason = VALUES(reason)",
                count: "SELECT COUNT(*) FROM audit_comments WHERE comment_id = ?
                        LOCK IN SHARE MODE",
                hide: "UPDATE comments SET published = 0 WHERE id = ?",
                dismiss: "DELETE FROM audit_comments WHERE comment_id = ?",
            },
        }
    }
}

/// What a report did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reported {
    /// `false`: this user had reported the item already; nothing changed.
    pub added: bool,
    /// The item's distinct reporters now.
    pub reports: i64,
    /// This report took the item to the threshold and unpublished it.
    pub hidden: bool,
}

/// Records `user_id`'s report of `item` and, when it brings the item's reporters to
/// `threshold` or past it while the item is `published`, unpublishes the item.
///
/// The caller holds the item's row lock (`locate(…, lock = true)`) and read `published`
/// under it, so reports of one item run one after another; the reads here are locking
/// reads, which see the reports committed before the lock was granted even though the
/// transaction's snapshot may be older.
pub async fn report(
    q: &mut impl Queryable,
    project_id: i32,
    item: Item,
    published: bool,
    user_id: i32,
    reason: Option<&str>,
    threshold: u32,
) -> Result<Reported, ApiError> {
    let sql = item.statements();
    let before: Option<i64> = q.exec_first(sql.exists, (item.id(), user_id)).await?;
    if before.unwrap_or(0) > 0 {
        return Ok(Reported {
            added: false,
            reports: count(q, item).await?,
            hidden: false,
        });
    }
    q.exec_drop(sql.insert, (item.id(), user_id)).await?;
    q.exec_drop(sql.reason, (item.id(), user_id, reason))
        .await?;
    let reports = count(q, item).await?;
    let hidden = published && reports >= i64::from(threshold);
    if hidden {
        q.exec_drop(sql.hide, (item.id(),)).await?;
        let target = item.id().to_string();
        let count = format!("{reports} reports");
        let entry = trail::Entry {
            project_id,
            actor: None,
            action: trail::Action::HideReported,
            kind: item.kind(),
            target: &target,
            from: Some(trail::published_word(true)),
            to: Some(&count),
        };
        trail::record(q, &entry).await?;
    }
    Ok(Reported {
        added: true,
        reports,
        hidden,
    })
}

/// `actor` dismisses every report of `item` in `project_id` (their reasons go with them),
/// recorded in the trail when there were any; returns how many there were. The caller
/// holds the item's row lock, as [`report`] does.
pub async fn dismiss(
    q: &mut impl Queryable,
    project_id: i32,
    item: Item,
    actor: i32,
) -> Result<i64, ApiError> {
    let reports = count(q, item).await?;
    if reports > 0 {
        let target = item.id().to_string();
        let from = format!("{reports} reports");
        let entry = trail::Entry {
            project_id,
            actor: Some(actor),
            action: trail::Action::DismissReports,
            kind: item.kind(),
            target: &target,
            from: Some(&from),
            to: Some("0 reports"),
        };
        trail::record(q, &entry).await?;
        q.exec_drop(item.statements().dismiss, (item.id(),)).await?;
    }
    Ok(reports)
}

async fn count(q: &mut impl Queryable, item: Item) -> Result<i64, ApiError> {
    let n: Option<i64> = q.exec_first(item.statements().count, (item.id(),)).await?;
    Ok(n.unwrap_or(0))
}
