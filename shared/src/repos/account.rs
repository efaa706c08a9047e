//! The caller's whole account: everything stored about them (`GET /me/export`), the link
//! that confirms deleting the account, and the deletion itself (`DELETE /me/account`);
//! docs/api-conventions.md#account-export-and-deletion.
//!
//! What deletion does to each table follows the schema's foreign keys
//! (shared/migrations/0001_schema.sql): the `users` row goes and with it, by cascade,
//! personal data, verifiers, admin and superuser rows, reports and OAuth links; content
//! is deleted or kept without an author here, before that, as the caller chose.

use chrono::NaiveDateTime;
use mysql_async::prelude::*;
use serde::Serialize;
use subtle::ConstantTimeEq;

use super::{
    login::{verifier_digest, VERIFIER_VALID_MINUTES},
    me::{ser_datetime, UserData},
};
use crate::error::ApiError;

/// Everything stored about one user, as `GET /me/export` answers it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountExport {
    /// When the export was read (database clock, UTC, ISO 8601 without zone)
    #[schema(example = "2026-12-05T18:00:00")]
    pub exported_at: String,
    pub account: ExportedAccount,
    /// Profile and personal data, as `GET /me` shows them
    pub profile: UserData,
    /// Projects the user administers
    pub admin_of: Vec<AdminRight>,
    /// Every memory the user wrote, published or not, deleted ones included
    pub memories: Vec<ExportedMemory>,
    /// Every comment the user wrote, published or not
    pub comments: Vec<ExportedComment>,
    /// Every image the user uploaded that is still stored, as URLs
    pub images: Vec<ExportedImage>,
    /// Abuse reports the user made
    pub reports: ExportedReports,
    pub sessions: ExportedSessions,
}

/// The account row itself.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedAccount {
    pub username: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Whether the e-mail address has been confirmed by a mailed link
    pub verified: bool,
    /// Whether a password is stored (its hash is not exported)
    pub has_password: bool,
    /// Whether the user is a superuser (an admin of every project)
    pub superuser: bool,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "ser_datetime"
    )]
    #[schema(value_type = Option<String>, example = "2022-04-05T13:36:33")]
    pub created_at: Option<NaiveDateTime>,
    #[serde(serialize_with = "ser_datetime_req")]
    #[schema(value_type = String, example = "2022-04-05T13:36:33")]
    pub modified_at: NaiveDateTime,
    /// Login services linked to the account (`google`, …)
    pub oauth_services: Vec<String>,
}

/// One project the user administers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AdminRight {
    /// The project's id
    pub project: String,
    /// Since when
    #[serde(serialize_with = "ser_datetime_req")]
    #[schema(value_type = String, example = "2022-04-05T13:36:33")]
    pub since: NaiveDateTime,
}

/// One memory the user wrote.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedMemory {
    pub id: i32,
    pub project: String,
    pub site: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub story: Option<String>,
    /// The image's URL
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    pub published: bool,
    /// Deleted by its author or an admin (kept with placeholders)
    pub deleted: bool,
    #[serde(serialize_with = "ser_datetime_req")]
    #[schema(value_type = String, example = "2022-04-05T13:36:33")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "ser_datetime_req")]
    #[schema(value_type = String, example = "2022-04-05T13:36:33")]
    pub modified_at: NaiveDateTime,
}

/// One comment the user wrote.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedComment {
    pub id: i32,
    pub project: String,
    pub site: String,
    pub memory: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub published: bool,
    #[serde(serialize_with = "ser_datetime_req")]
    #[schema(value_type = String, example = "2022-04-05T13:36:33")]
    pub created_at: NaiveDateTime,
    #[serde(serialize_with = "ser_datetime_req")]
    #[schema(value_type = String, example = "2022-04-05T13:36:33")]
    pub modified_at: NaiveDateTime,
}

/// One uploaded image.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedImage {
    /// Where the image is served
    #[schema(example = "https://api.example.com/images/0d7c….jpg")]
    pub url: String,
    #[serde(serialize_with = "ser_datetime_req")]
    #[schema(value_type = String, example = "2022-04-05T13:36:33")]
    pub uploaded_at: NaiveDateTime,
}

/// Reports the user made.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedReports {
    /// Ids of the memories the user reported (the original's `audit_memories`)
    pub memories: Vec<i32>,
    /// Ids of the comments the user reported (the original's `audit_comments`)
    pub comments: Vec<i32>,
    /// The reason and time of each report made through this API (`audit_memory_reasons`,
    /// `audit_comment_reasons`; reports written by the original server have none)
    pub reasons: Vec<ExportedReason>,
}

/// The reason and time of one report.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedReason {
    /// `memory` or `comment`
    #[schema(example = "memory")]
    pub kind: &'static str,
    /// The reported item's id
    pub id: i32,
    /// The reason given, if any
    pub reason: Option<String>,
    #[serde(serialize_with = "ser_datetime_req")]
    #[schema(value_type = String, example = "2022-04-05T13:36:33")]
    pub reported_at: NaiveDateTime,
}

/// The user's sessions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedSessions {
    /// Live sessions (logins) of the user, this one included
    pub active: u64,
}

fn ser_datetime_req<S: serde::Serializer>(d: &NaiveDateTime, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.format("%Y-%m-%dT%H:%M:%S").to_string())
}

type AccountRow = (
    String,
    Option<String>,
    Option<bool>,
    Option<Vec<u8>>,
    Option<NaiveDateTime>,
    NaiveDateTime,
    Option<i32>,
);

/// Everything of `user_id` but the session count; `image_url` turns a stored file name
/// into its URL. `None` when the user does not exist. Meant for one read-only snapshot
/// transaction (`Db::begin_snapshot`), so the parts agree with each other.
pub async fn export(
    q: &mut impl Queryable,
    user_id: i32,
    image_url: impl Fn(&str) -> String + Send + Sync,
) -> Result<Option<AccountExport>, ApiError> {
    let row: Option<AccountRow> = q
        .exec_first(
            "SELECT u.username, u.email, u.verified, u.password_hash, u.created_at, \
                    u.modified_at, s.user_id \
             FROM users u LEFT JOIN superusers s ON s.user_id = u.id WHERE u.id = ?",
            (user_id,),
        )
        .await?;
    let Some((username, email, verified, hash, created_at, modified_at, superuser)) = row else {
        return Ok(None);
    };
    let Some(profile) = super::me::get(q, user_id).await? else {
        return Ok(None);
    };
    let oauth_services: Vec<String> = q
        .exec(
            "SELECT o.name FROM oauth_users ou JOIN oauth_provides o ON o.id = ou.service_id \
             WHERE ou.user_id = ? ORDER BY o.name",
            (user_id,),
        )
        .await?;
    let admin_of = q
        .exec_map(
            "SELECT p.name, pa.created_at FROM project_admins pa \
             JOIN projects p ON p.id = pa.project_id WHERE pa.user_id = ? ORDER BY p.name",
            (user_id,),
            |(project, since)| AdminRight { project, since },
        )
        .await?;
    type MemoryRow = (
        i32,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
        bool,
        bool,
        NaiveDateTime,
        NaiveDateTime,
    );
    let memories = q
        .exec_map(
            "SELECT m.id, p.name, s.name, m.title, m.story, i.file_name, m.published, \
                    m.deleted, m.created_at, m.modified_at \
             FROM memories m JOIN sites s ON s.id = m.site_id \
             JOIN projects p ON p.id = s.project_id \
             LEFT JOIN images i ON i.id = m.image_id \
             WHERE m.user_id = ? ORDER BY m.id",
            (user_id,),
            |row: MemoryRow| {
                let (id, project, site, title, story, image, published, deleted, c, m) = row;
                ExportedMemory {
                    id,
                    project,
                    site,
                    title,
                    story,
                    image: image.as_deref().map(&image_url),
                    published,
                    deleted,
                    created_at: c,
                    modified_at: m,
                }
            },
        )
        .await?;
    type CommentRow = (
        i32,
        String,
        String,
        i32,
        Option<String>,
        bool,
        NaiveDateTime,
        NaiveDateTime,
    );
    let comments = q
        .exec_map(
            "SELECT c.id, p.name, s.name, c.memory_id, c.comment, c.published, c.created_at, \
                    c.modified_at \
             FROM comments c JOIN memories m ON m.id = c.memory_id \
             JOIN sites s ON s.id = m.site_id JOIN projects p ON p.id = s.project_id \
             WHERE c.user_id = ? ORDER BY c.id",
            (user_id,),
            |row: CommentRow| {
                let (id, project, site, memory, comment, published, c, m) = row;
                ExportedComment {
                    id,
                    project,
                    site,
                    memory,
                    comment,
                    published,
                    created_at: c,
                    modified_at: m,
                }
            },
        )
        .await?;
    let images = q
        .exec_map(
            "SELECT file_name, created_at FROM images WHERE uploader_id = ? ORDER BY id",
            (user_id,),
            |(name, uploaded_at): (String, NaiveDateTime)| ExportedImage {
                url: image_url(&name),
                uploaded_at,
            },
        )
        .await?;
    let reported_memories: Vec<i32> = q
        .exec(
            "SELECT memory_id FROM audit_memories WHERE user_id = ? ORDER BY memory_id",
            (user_id,),
        )
        .await?;
    let reported_comments: Vec<i32> = q
        .exec(
            "SELECT comment_id FROM audit_comments WHERE user_id = ? ORDER BY comment_id",
            (user_id,),
        )
        .await?;
    let mut reasons: Vec<ExportedReason> = q
        .exec_map(
            "SELECT memory_id, reason, reported_at FROM audit_memory_reasons
             WHERE user_id = ? ORDER BY memory_id",
            (user_id,),
            |(id, reason, reported_at)| ExportedReason {
                kind: "memory",
                id,
                reason,
                reported_at,
            },
        )
        .await?;
    reasons.extend(
        q.exec_map(
            "SELECT comment_id, reason, reported_at FROM audit_comment_reasons
             WHERE user_id = ? ORDER BY comment_id",
            (user_id,),
            |(id, reason, reported_at)| ExportedReason {
                kind: "comment",
                id,
                reason,
                reported_at,
            },
        )
        .await?,
    );
    let now: Option<String> = q
        .query_first("SELECT DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%dT%H:%i:%s')")
        .await?;
    Ok(Some(AccountExport {
        exported_at: now.unwrap_or_default(),
        account: ExportedAccount {
            username,
            email,
            verified: verified.unwrap_or(false),
            has_password: hash.is_some_and(|h| h.iter().any(|b| *b != 0)),
            superuser: superuser.is_some(),
            created_at,
            modified_at,
            oauth_services,
        },
        profile,
        admin_of,
        memories,
        comments,
        images,
        reports: ExportedReports {
            memories: reported_memories,
            comments: reported_comments,
            reasons,
        },
        sessions: ExportedSessions { active: 0 },
    }))
}

/// A rate-limited action of a user.
#[derive(Clone, Copy, Debug)]
pub enum Action {
    Export,
    DeletionLink,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Action::Export => "export",
            Action::DeletionLink => "deletion-link",
        }
    }
}

/// At most this many of one action per user in a window.
pub const ACTIONS_PER_WINDOW: i64 = 5;
/// The window, in minutes; it starts with the first action after the last one ended.
pub const ACTION_WINDOW_MINUTES: i64 = 10;

/// Counts one `action` of `user_id` in one atomic statement (outside the request's
/// transaction, so it sticks): `Ok(None)` when it is within the limit, else `Some(s)`,
/// the seconds until the window ends (for `Retry-After`).
pub async fn count_action(
    conn: &mut mysql_async::Conn,
    user_id: i32,
    action: Action,
) -> Result<Option<i64>, ApiError> {
    // As in repos::throttle: MariaDB applies the assignments left to right, so `actions`
    // still sees the old window.
    conn.exec_drop(
        "INSERT INTO user_action_counts (user_id, action, window_start, actions)
         VALUES (:u, :a, UTC_TIMESTAMP(), 1)
         ON DUPLICATE KEY UPDATE
           actions = IF(window_start < UTC_TIMESTAMP() - INTERVAL :w MINUTE, 1, actions + 1),
           window_start = IF(window_start < UTC_TIMESTAMP() - INTERVAL :w MINUTE, UTC_TIMESTAMP(), window_start)",
        params! {"u" => user_id, "a" => action.name(), "w" => ACTION_WINDOW_MINUTES},
    )
    .await?;
    let row: Option<(i64, i64)> = conn
        .exec_first(
            "SELECT actions, GREATEST(1, TIMESTAMPDIFF(SECOND, UTC_TIMESTAMP(),
                        window_start + INTERVAL :w MINUTE))
             FROM user_action_counts WHERE user_id = :u AND action = :a",
            params! {"u" => user_id, "a" => action.name(), "w" => ACTION_WINDOW_MINUTES},
        )
        .await?;
    match row {
        Some((n, _)) if n <= ACTIONS_PER_WINDOW => Ok(None),
        Some((_, retry)) => Ok(Some(retry)),
        // The user was deleted between the two statements: nothing left to limit.
        None => Ok(None),
    }
}

/// Replaces the user's deletion link (one per user); its clock starts now (DB time).
pub async fn store_deletion_verifier(
    q: &mut impl Queryable,
    user_id: i32,
    digest: &str,
) -> Result<(), ApiError> {
    q.exec_drop(
        "REPLACE INTO account_deletion_verifiers (user_id, verifier, created_at) \
         VALUES (?, ?, CURRENT_TIMESTAMP)",
        (user_id, digest),
    )
    .await?;
    Ok(())
}

/// Checks a presented deletion token and consumes it (single use): whether it is the
/// user's current one and younger than 10 minutes. The row lock makes two concurrent
/// uses yield one success.
pub async fn consume_deletion_verifier(
    tx: &mut impl Queryable,
    user_id: i32,
    token: &str,
) -> Result<bool, ApiError> {
    let stored: Option<String> = tx
        .exec_first(
            "SELECT verifier FROM account_deletion_verifiers \
             WHERE user_id = ? AND TIMESTAMPDIFF(MINUTE, created_at, NOW()) < ? FOR UPDATE",
            (user_id, VERIFIER_VALID_MINUTES),
        )
        .await?;
    let Some(stored) = stored else {
        return Ok(false);
    };
    if !bool::from(verifier_digest(token).as_bytes().ct_eq(stored.as_bytes())) {
        return Ok(false);
    }
    tx.exec_drop(
        "DELETE FROM account_deletion_verifiers WHERE user_id = ?",
        (user_id,),
    )
    .await?;
    Ok(true)
}

/// What happens to the user's published memories and comments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PublishedContent {
    /// Kept without an author: shown with the `-` placeholder.
    Keep,
    /// Deleted with the account.
    Delete,
}

/// Projects whose only admin is `user_id`, when no other superuser remains to administer
/// them (superusers administer every project); empty when the user may go. Locks the
/// admin and superuser rows it reads, so that two admins of one project deleting their
/// accounts at once cannot both leave.
pub async fn orphaned_projects(
    q: &mut impl Queryable,
    user_id: i32,
) -> Result<Vec<String>, ApiError> {
    let other_superuser: Option<i32> = q
        .exec_first(
            "SELECT user_id FROM superusers WHERE user_id <> ? LIMIT 1 FOR UPDATE",
            (user_id,),
        )
        .await?;
    if other_superuser.is_some() {
        return Ok(Vec::new());
    }
    let names: Vec<String> = q
        .exec(
            "SELECT p.name FROM project_admins pa JOIN projects p ON p.id = pa.project_id \
             WHERE pa.project_id IN (SELECT project_id FROM project_admins WHERE user_id = ?) \
             GROUP BY p.id, p.name HAVING COUNT(*) = 1 ORDER BY p.name FOR UPDATE",
            (user_id,),
        )
        .await?;
    Ok(names)
}

/// Deletes the account `user_id` inside `tx`; the file names of the image rows it
/// deleted, for the caller to remove from the image store after commit. Deleted: the
/// user's unpublished memories and comments (with their images), the published ones
/// too when `published` says so (else they stay with no author), images the user
/// uploaded that nothing uses any more, and the `users` row, whose foreign keys take
/// personal data, verifiers, admin and superuser rows, reports and OAuth links with it.
pub async fn delete(
    tx: &mut impl Queryable,
    user_id: i32,
    published: PublishedContent,
) -> Result<Vec<String>, ApiError> {
    let delete_published = published == PublishedContent::Delete;
    // Images that may lose their last use: those of the memories about to go, the
    // user's own picture, and everything the user uploaded.
    let mut candidates: Vec<i32> = tx
        .exec(
            "SELECT image_id FROM memories WHERE user_id = ? AND image_id IS NOT NULL \
             AND (published = 0 OR ?)",
            (user_id, delete_published),
        )
        .await?;
    let own: Vec<i32> = tx
        .exec(
            "SELECT image_id FROM users WHERE id = ? AND image_id IS NOT NULL \
             UNION SELECT id FROM images WHERE uploader_id = ?",
            (user_id, user_id),
        )
        .await?;
    candidates.extend(own);
    candidates.sort_unstable();
    candidates.dedup();

    tx.exec_drop(
        "DELETE FROM comments WHERE user_id = ? AND (published = 0 OR ?)",
        (user_id, delete_published),
    )
    .await?;
    tx.exec_drop(
        "UPDATE comments SET user_id = NULL WHERE user_id = ?",
        (user_id,),
    )
    .await?;
    tx.exec_drop(
        "DELETE FROM memories WHERE user_id = ? AND (published = 0 OR ?)",
        (user_id, delete_published),
    )
    .await?;
    tx.exec_drop(
        "UPDATE memories SET user_id = NULL WHERE user_id = ?",
        (user_id,),
    )
    .await?;
    tx.exec_drop("DELETE FROM users WHERE id = ?", (user_id,))
        .await?;

    let mut files = Vec::new();
    for id in candidates {
        let unused: Option<String> = tx
            .exec_first(
                "SELECT i.file_name FROM images i WHERE i.id = ? \
                 AND NOT EXISTS (SELECT 1 FROM memories WHERE image_id = i.id) \
                 AND NOT EXISTS (SELECT 1 FROM sites WHERE image_id = i.id) \
                 AND NOT EXISTS (SELECT 1 FROM projects WHERE image_id = i.id) \
                 AND NOT EXISTS (SELECT 1 FROM users WHERE image_id = i.id) FOR UPDATE",
                (id,),
            )
            .await?;
        if let Some(name) = unused {
            tx.exec_drop("DELETE FROM images WHERE id = ?", (id,))
                .await?;
            files.push(name);
        }
    }
    Ok(files)
}
