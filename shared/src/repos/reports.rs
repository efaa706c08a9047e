//! Abuse reports on memories and comments (docs/api-conventions.md#reports): one row per
//! reporter in the original's `audit_memories` / `audit_comments`, its reason and time in
//! `audit_*_reasons` (docs/compatibility.md#reports-keep-the-original-tables), and the
//! hide threshold applied in the reporting transaction.

use mysql_async::prelude::*;

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
    }
    Ok(Reported {
        added: true,
        reports,
        hidden,
    })
}

/// Dismisses every report of `item` (their reasons go with them); returns how many there
/// were. The caller holds the item's row lock, as [`report`] does.
pub async fn dismiss(q: &mut impl Queryable, item: Item) -> Result<i64, ApiError> {
    let reports = count(q, item).await?;
    if reports > 0 {
        q.exec_drop(item.statements().dismiss, (item.id(),)).await?;
    }
    Ok(reports)
}

async fn count(q: &mut impl Queryable, item: Item) -> Result<i64, ApiError> {
    let n: Option<i64> = q.exec_first(item.statements().count, (item.id(),)).await?;
    Ok(n.unwrap_or(0))
}
