//! Projects: reads with localisation and counts, and the admin-only writes.

pub use crate::access::ProjectAccess;
use chrono::NaiveDateTime;
use mysql_async::{params, prelude::*, Row};

use super::{row::col, Viewer};
use crate::error::{ApiError, Cause};
use crate::models::info::{Info, InfoOut};
use crate::models::project::{Contact, ContactOut, Project};

macro_rules! access_sql {
    () => {
        "SELECT p.id, p.name, p.published,
                EXISTS(SELECT 1 FROM project_admins pa WHERE pa.project_id = p.id AND pa.user_id = :user),
                EXISTS(SELECT 1 FROM project_information di
                       WHERE di.project_id = p.id AND di.lang_id = p.default_language_id),
                (p.starts IS NULL OR p.starts <= UTC_TIMESTAMP()),
                p.admin_posting, p.default_language_id, p.starts, p.ends, p.image_id
         FROM projects p WHERE p.name = :name"
    };
}

/// Loads the access facts of project `name` for `viewer`; `None` if no such project.
/// `for_update` locks the row for the rest of the transaction.
pub async fn access(
    q: &mut impl Queryable,
    name: &str,
    viewer: Viewer,
    for_update: bool,
) -> Result<Option<ProjectAccess>, ApiError> {
    let sql = if for_update {
        concat!(access_sql!(), " FOR UPDATE")
    } else {
        access_sql!()
    };
    let row: Option<Row> = q
        .exec_first(sql, params! {"user" => viewer.user_id, "name" => name})
        .await?;
    let Some(mut r) = row else { return Ok(None) };
    let admin: bool = col(&mut r, 3)?;
    Ok(Some(ProjectAccess {
        id: col(&mut r, 0)?,
        name: col(&mut r, 1)?,
        published: col(&mut r, 2)?,
        admin: admin || viewer.superuser,
        has_default_info: col(&mut r, 4)?,
        started: col(&mut r, 5)?,
        admin_posting: col(&mut r, 6)?,
        default_language_id: col(&mut r, 7)?,
        starts: col(&mut r, 8)?,
        ends: col(&mut r, 9)?,
        image_id: col(&mut r, 10)?,
    }))
}

/// The columns of a project read, localised to `:lang` with per-field fallback to the
/// project's default language (docs/api-conventions.md#projects-and-sites); admins and
/// counts in the same statement (docs/compatibility.md#admin-usernames-stay-public). The
/// count of published sites is the one the triggers keep, one row per project
/// (docs/compatibility.md#projects-keep-a-count-of-their-published-sites).
macro_rules! project_select {
    () => {
        "SELECT p.name, p.admin_posting, p.starts, p.ends, img.file_name,
                IF(ri.project_id IS NULL, dl.lang, rl.lang),
                COALESCE(ri.name, di.name, p.name),
                COALESCE(ri.abstract, di.abstract),
                COALESCE(ri.description, di.description),
                pc.project_id IS NOT NULL, pc.contact_email,
                COALESCE(pc.has_research_permit, 0), COALESCE(pc.can_contact, 0),
                COALESCE(sc.published, 0),
                (SELECT JSON_ARRAYAGG(u.username ORDER BY u.username)
                   FROM project_admins pa JOIN users u ON u.id = pa.user_id
                  WHERE pa.project_id = p.id)
         FROM projects p
         JOIN languages dl ON dl.id = p.default_language_id
         JOIN project_information di ON di.project_id = p.id AND di.lang_id = p.default_language_id
         LEFT JOIN languages rl ON rl.lang = :lang
         LEFT JOIN project_information ri ON ri.project_id = p.id AND ri.lang_id = rl.id
         LEFT JOIN images img ON img.id = p.image_id
         LEFT JOIN project_contact pc ON pc.project_id = p.id
         LEFT JOIN project_site_counts sc ON sc.project_id = p.id "
    };
}

fn project_from_row(mut r: Row) -> Result<Project, ApiError> {
    let has_contact: bool = col(&mut r, 9)?;
    let admins: Option<String> = col(&mut r, 14)?;
    let admins: Vec<String> = match admins {
        Some(json) => serde_json::from_str(&json)
            .map_err(|e| ApiError::Internal(Cause::with("project admins JSON", e)))?,
        None => Vec::new(),
    };
    Ok(Project {
        id: col(&mut r, 0)?,
        admin_posting: col(&mut r, 1)?,
        starts: col(&mut r, 2)?,
        ends: col(&mut r, 3)?,
        image: col(&mut r, 4)?,
        info: InfoOut {
            lang: col(&mut r, 5)?,
            name: col(&mut r, 6)?,
            abstract_: col(&mut r, 7)?,
            description: col(&mut r, 8)?,
        },
        contact: if has_contact {
            Some(ContactOut {
                contact_email: col(&mut r, 10)?,
                has_research_permit: col(&mut r, 11)?,
                can_contact: col(&mut r, 12)?,
            })
        } else {
            None
        },
        sites_count: col(&mut r, 13)?,
        admins,
        sites: None,
        sites_next: None,
    })
}

/// `GET /projects`: published, started projects that have their default localisation,
/// in creation order. Projects with a start date in the future are hidden
/// (docs/compatibility.md#started-projects-are-listed).
pub async fn list(q: &mut impl Queryable, lang: &str) -> Result<Vec<Project>, ApiError> {
    let rows: Vec<Row> = q
        .exec(
            concat!(
                project_select!(),
                "WHERE p.published = 1 AND (p.starts IS NULL OR p.starts <= UTC_TIMESTAMP())
                 ORDER BY p.id"
            ),
            params! {"lang" => lang},
        )
        .await?;
    rows.into_iter().map(project_from_row).collect()
}

/// One project by id (internal), localised.
pub async fn get(q: &mut impl Queryable, id: i32, lang: &str) -> Result<Option<Project>, ApiError> {
    let row: Option<Row> = q
        .exec_first(
            concat!(project_select!(), "WHERE p.id = :id"),
            params! {"lang" => lang, "id" => id},
        )
        .await?;
    row.map(project_from_row).transpose()
}

/// What `create` needs beyond the validated body.
pub struct CreateProject<'a> {
    pub name: &'a str,
    pub info: &'a Info,
    pub lang_id: i32,
    pub image_id: Option<i32>,
    pub starts: Option<NaiveDateTime>,
    pub ends: Option<NaiveDateTime>,
    pub admin_ids: &'a [i32],
    pub contact: Option<&'a Contact>,
    pub admin_posting: bool,
    pub published: bool,
    pub modifier: i32,
}

/// Inserts the project with its localisation, contact and admins. Run it in a
/// transaction: it is several rows (a failure must leave none of them).
pub async fn create(q: &mut impl Queryable, p: CreateProject<'_>) -> Result<i32, ApiError> {
    let id: i32 = q
        .exec_first(
            "INSERT INTO projects (name, image_id, starts, ends, admin_posting, default_language_id,
                                   published, modifier_id)
             VALUES (:name, :image, :starts, :ends, :admin_posting, :lang, :published, :modifier)
             RETURNING id",
            params! {
                "name" => p.name, "image" => p.image_id, "starts" => p.starts, "ends" => p.ends,
                "admin_posting" => p.admin_posting, "lang" => p.lang_id,
                "published" => p.published, "modifier" => p.modifier,
            },
        )
        .await?
        .ok_or_else(|| ApiError::internal("project insert returned no id"))?;
    upsert_info(q, id, p.lang_id, p.info, p.modifier).await?;
    if let Some(c) = p.contact {
        upsert_contact(q, id, c, p.modifier).await?;
    }
    for user in p.admin_ids {
        q.exec_drop(
            "INSERT INTO project_admins (project_id, user_id) VALUES (?, ?)",
            (id, user),
        )
        .await?;
    }
    Ok(id)
}

/// Replaces the localisation of one language (whole row, as the original's REPLACE).
pub async fn upsert_info(
    q: &mut impl Queryable,
    project_id: i32,
    lang_id: i32,
    info: &Info,
    modifier: i32,
) -> Result<(), ApiError> {
    q.exec_drop(
        "REPLACE INTO project_information (project_id, lang_id, name, abstract, description, modifier_id)
         VALUES (:p, :l, :name, :abstract, :description, :m)",
        params! {
            "p" => project_id, "l" => lang_id, "name" => &info.name,
            "abstract" => &info.abstract_, "description" => &info.description, "m" => modifier,
        },
    )
    .await?;
    Ok(())
}

pub async fn upsert_contact(
    q: &mut impl Queryable,
    project_id: i32,
    c: &Contact,
    modifier: i32,
) -> Result<(), ApiError> {
    q.exec_drop(
        "REPLACE INTO project_contact (project_id, can_contact, has_research_permit, contact_email, modifier_id)
         VALUES (?, ?, ?, ?, ?)",
        (project_id, c.can_contact, c.has_research_permit, &c.contact_email, modifier),
    )
    .await?;
    Ok(())
}

/// Sets image/start/end; `None` leaves a field alone, `Some(None)` clears it.
pub async fn update_fields(
    q: &mut impl Queryable,
    project_id: i32,
    image: Option<Option<i32>>,
    starts: Option<Option<NaiveDateTime>>,
    ends: Option<Option<NaiveDateTime>>,
    modifier: i32,
) -> Result<(), ApiError> {
    // Fixed statement: each field is replaced only when its "set" flag is true
    // (docs/compatibility.md#sql-statements-are-fixed).
    q.exec_drop(
        "UPDATE projects SET
            image_id = IF(:set_image, :image, image_id),
            starts = IF(:set_starts, :starts, starts),
            ends = IF(:set_ends, :ends, ends),
            modifier_id = :m
         WHERE id = :id",
        params! {
            "set_image" => image.is_some(), "image" => image.flatten(),
            "set_starts" => starts.is_some(), "starts" => starts.flatten(),
            "set_ends" => ends.is_some(), "ends" => ends.flatten(),
            "m" => modifier, "id" => project_id,
        },
    )
    .await?;
    Ok(())
}

/// Soft delete: unpublish.
pub async fn unpublish(
    q: &mut impl Queryable,
    project_id: i32,
    modifier: i32,
) -> Result<(), ApiError> {
    q.exec_drop(
        "UPDATE projects SET published = 0, modifier_id = ? WHERE id = ?",
        (modifier, project_id),
    )
    .await?;
    Ok(())
}

/// Adds an admin; `false` if they already were one.
pub async fn add_admin(
    q: &mut impl Queryable,
    project_id: i32,
    user_id: i32,
) -> Result<bool, ApiError> {
    // With IGNORE, RETURNING yields a row only when one was inserted.
    let inserted: Option<i32> = q
        .exec_first(
            "INSERT IGNORE INTO project_admins (project_id, user_id) VALUES (?, ?) RETURNING user_id",
            (project_id, user_id),
        )
        .await?;
    Ok(inserted.is_some())
}

/// Removes an admin; `false` if they were not one.
pub async fn remove_admin(
    q: &mut impl Queryable,
    project_id: i32,
    user_id: i32,
) -> Result<bool, ApiError> {
    let removed: Vec<i32> = q
        .exec(
            "DELETE FROM project_admins WHERE project_id = ? AND user_id = ? RETURNING user_id",
            (project_id, user_id),
        )
        .await?;
    Ok(!removed.is_empty())
}

/// The privilege check of changing a project, its admins and its localisations, against
/// current data in the caller's transaction: 404 if the project does not exist or is
/// hidden from the caller, 403 if the caller is neither its admin nor a superuser. Locks
/// the project row.
pub async fn require_admin(
    q: &mut impl Queryable,
    name: &str,
    viewer: Viewer,
) -> Result<ProjectAccess, ApiError> {
    let project = access(q, name, viewer, true)
        .await?
        .ok_or_else(|| ApiError::not_found("Project"))?;
    project.require_admin()?;
    Ok(project)
}

/// The read check of a project and of everything nested under it: 404 when the
/// project does not exist or the caller may not see it.
pub async fn require_visible(
    q: &mut impl Queryable,
    name: &str,
    viewer: Viewer,
) -> Result<ProjectAccess, ApiError> {
    let project = access(q, name, viewer, false)
        .await?
        .filter(ProjectAccess::visible)
        .ok_or_else(|| ApiError::not_found("Project"))?;
    Ok(project)
}

/// Whether a project of this name exists (collation-insensitive), published or not.
pub async fn exists(q: &mut impl Queryable, name: &str) -> Result<bool, ApiError> {
    let found: Option<i32> = q
        .exec_first("SELECT id FROM projects WHERE name = ?", (name,))
        .await?;
    Ok(found.is_some())
}
