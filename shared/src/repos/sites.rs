//! Sites: reads with localisation and published-memory counts, access facts, and the
//! writes. The nearest-N search is in `nearest.rs`.

pub use crate::access::SiteAccess;
use mysql_async::{params, prelude::*, Row};

use super::{projects::ProjectAccess, row::col, Viewer};
use crate::error::ApiError;
use crate::models::info::{Info, InfoOut};
use crate::models::site::{Location, Site};

/// Columns of a site read, localised like projects with the project's default language
/// (docs/api-conventions.md#projects-and-sites); the published-memory count in the same
/// statement (no N+1).
macro_rules! site_columns {
    () => {
        "SELECT s.name,
                IF(ri.site_id IS NULL, dl.lang, rl.lang),
                COALESCE(ri.name, di.name, s.name),
                COALESCE(ri.abstract, di.abstract),
                COALESCE(ri.description, di.description),
                ST_X(s.location), ST_Y(s.location), img.file_name,
                COALESCE(smc.published, 0),
                s.published,
                (:user IS NOT NULL AND s.creator_id <=> :user),
                uc.username,
                um.username "
    };
}

macro_rules! site_joins {
    () => {
        " JOIN projects p ON p.id = s.project_id
         JOIN languages dl ON dl.id = p.default_language_id
         JOIN site_information di ON di.site_id = s.id AND di.lang_id = p.default_language_id
         LEFT JOIN languages rl ON rl.lang = :lang
         LEFT JOIN site_information ri ON ri.site_id = s.id AND ri.lang_id = rl.id
         LEFT JOIN images img ON img.id = s.image_id
         LEFT JOIN site_memory_counts smc ON smc.site_id = s.id
         LEFT JOIN users uc ON uc.id = s.creator_id
         LEFT JOIN users um ON um.id = s.modifier_id "
    };
}

pub fn site_from_row(mut r: Row) -> Result<Site, ApiError> {
    let published: bool = col(&mut r, 9)?;
    let own: bool = col(&mut r, 10)?;
    Ok(Site {
        id: col(&mut r, 0)?,
        info: InfoOut {
            lang: col(&mut r, 1)?,
            name: col(&mut r, 2)?,
            abstract_: col(&mut r, 3)?,
            description: col(&mut r, 4)?,
        },
        location: Location {
            lon: col(&mut r, 5)?,
            lat: col(&mut r, 6)?,
        },
        image: col(&mut r, 7)?,
        memories_count: col(&mut r, 8)?,
        waiting_approval: (!published).then_some(true),
        own: own.then_some(true),
        creator: col(&mut r, 11)?,
        modifier: col(&mut r, 12)?,
    })
}

/// One site by internal id, localised; `None` when it lacks its default localisation.
/// Visibility is the caller's business (see [`SiteAccess::visible`]).
pub async fn get(
    q: &mut impl Queryable,
    site_id: i32,
    viewer: Viewer,
    lang: &str,
) -> Result<Option<Site>, ApiError> {
    let row: Option<Row> = q
        .exec_first(
            concat!(
                site_columns!(),
                "FROM sites s",
                site_joins!(),
                "WHERE s.id = :id"
            ),
            params! {"id" => site_id, "user" => viewer.user_id, "lang" => lang},
        )
        .await?;
    row.map(site_from_row).transpose()
}

/// The site `name` of `project`, if it exists. `lock` locks the row until commit.
pub async fn access(
    q: &mut impl Queryable,
    project: &ProjectAccess,
    name: &str,
    lock: bool,
) -> Result<Option<SiteAccess>, ApiError> {
    let sql = if lock {
        "SELECT id, name, published, creator_id, image_id FROM sites
         WHERE project_id = ? AND name = ? FOR UPDATE"
    } else {
        "SELECT id, name, published, creator_id, image_id FROM sites
         WHERE project_id = ? AND name = ?"
    };
    let row: Option<Row> = q.exec_first(sql, (project.id, name)).await?;
    let Some(mut r) = row else { return Ok(None) };
    Ok(Some(SiteAccess {
        id: col(&mut r, 0)?,
        name: col(&mut r, 1)?,
        published: col(&mut r, 2)?,
        creator_id: col(&mut r, 3)?,
        image_id: col(&mut r, 4)?,
    }))
}

/// The site as the caller may see it: 404 `Site not found` when it does not exist in this
/// project or is hidden from the caller.
pub async fn require_visible(
    q: &mut impl Queryable,
    project: &ProjectAccess,
    name: &str,
    viewer: Viewer,
    lock: bool,
) -> Result<SiteAccess, ApiError> {
    access(q, project, name, lock)
        .await?
        .filter(|s| s.visible(project, viewer))
        .ok_or_else(|| ApiError::not_found("Site"))
}

/// The code of a language row (for messages).
pub async fn language_code(q: &mut impl Queryable, lang_id: i32) -> Result<String, ApiError> {
    let code: Option<String> = q
        .exec_first("SELECT lang FROM languages WHERE id = ?", (lang_id,))
        .await?;
    code.ok_or_else(|| ApiError::internal("project language row missing"))
}

/// Whether any project already has a site of this name (names are globally unique,
/// docs/compatibility.md#duplicate-site-names).
pub async fn name_taken(q: &mut impl Queryable, name: &str) -> Result<bool, ApiError> {
    let found: Option<i32> = q
        .exec_first("SELECT id FROM sites WHERE name = ?", (name,))
        .await?;
    Ok(found.is_some())
}

/// What `create` needs beyond the validated body.
pub struct CreateSite<'a> {
    pub project_id: i32,
    pub name: &'a str,
    pub info: &'a Info,
    pub lang_id: i32,
    pub location: Location,
    pub image_id: Option<i32>,
    pub published: bool,
    pub creator: i32,
}

/// Inserts the site and its default localisation (run in a transaction).
pub async fn create(q: &mut impl Queryable, s: CreateSite<'_>) -> Result<i32, ApiError> {
    let id: i32 = q
        .exec_first(
            "INSERT INTO sites (project_id, name, image_id, published, modifier_id, creator_id, location)
             VALUES (:project, :name, :image, :published, :user, :user, POINT(:lon, :lat))
             RETURNING id",
            params! {
                "project" => s.project_id, "name" => s.name, "image" => s.image_id,
                "published" => s.published, "user" => s.creator,
                "lon" => s.location.lon, "lat" => s.location.lat,
            },
        )
        .await?
        .ok_or_else(|| ApiError::internal("site insert returned no id"))?;
    upsert_info(q, id, s.lang_id, s.info, s.creator).await?;
    Ok(id)
}

/// Replaces the localisation of one language (whole row, as the original's REPLACE).
pub async fn upsert_info(
    q: &mut impl Queryable,
    site_id: i32,
    lang_id: i32,
    info: &Info,
    modifier: i32,
) -> Result<(), ApiError> {
    q.exec_drop(
        "REPLACE INTO site_information (site_id, lang_id, name, abstract, description, modifier_id)
         VALUES (:s, :l, :name, :abstract, :description, :m)",
        params! {
            "s" => site_id, "l" => lang_id, "name" => &info.name,
            "abstract" => &info.abstract_, "description" => &info.description, "m" => modifier,
        },
    )
    .await?;
    Ok(())
}

/// Sets location and/or image (`None` leaves a field alone, `Some(None)` clears the
/// image) and records the modifier.
pub async fn update_fields(
    q: &mut impl Queryable,
    site_id: i32,
    location: Option<Location>,
    image: Option<Option<i32>>,
    modifier: i32,
) -> Result<(), ApiError> {
    let (lon, lat) = location.map(|l| (l.lon, l.lat)).unwrap_or((0.0, 0.0));
    q.exec_drop(
        "UPDATE sites SET
            location = IF(:set_location, POINT(:lon, :lat), location),
            image_id = IF(:set_image, :image, image_id),
            modifier_id = :m
         WHERE id = :id",
        params! {
            "set_location" => location.is_some(), "lon" => lon, "lat" => lat,
            "set_image" => image.is_some(), "image" => image.flatten(),
            "m" => modifier, "id" => site_id,
        },
    )
    .await?;
    Ok(())
}

/// Records who changed a site (localisation writes).
pub async fn touch(q: &mut impl Queryable, site_id: i32, modifier: i32) -> Result<(), ApiError> {
    q.exec_drop(
        "UPDATE sites SET modifier_id = ? WHERE id = ?",
        (modifier, site_id),
    )
    .await?;
    Ok(())
}

/// Soft delete: unpublish.
pub async fn unpublish(
    q: &mut impl Queryable,
    site_id: i32,
    modifier: i32,
) -> Result<(), ApiError> {
    q.exec_drop(
        "UPDATE sites SET published = 0, modifier_id = ? WHERE id = ?",
        (modifier, site_id),
    )
    .await?;
    Ok(())
}
