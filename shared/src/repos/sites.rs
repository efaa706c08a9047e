//! Sites: the read path (lists with localisation and published-memory counts).

use mysql_async::{params, prelude::*, Row};

use super::{projects::ProjectAccess, row::col, Viewer};
use crate::error::ApiError;
use crate::models::info::InfoOut;
use crate::models::site::{Location, Site};

/// Columns of a site read, localised like projects (§4.0) with the project's default
/// language; the published-memory count in the same statement (no N+1).
macro_rules! site_select {
    () => {
        "SELECT s.name,
                IF(ri.site_id IS NULL, dl.lang, rl.lang),
                COALESCE(ri.name, di.name, s.name),
                COALESCE(ri.abstract, di.abstract),
                COALESCE(ri.description, di.description),
                ST_X(s.location), ST_Y(s.location), img.file_name,
                (SELECT COUNT(*) FROM memories m WHERE m.site_id = s.id AND m.published = 1),
                s.published,
                (:user IS NOT NULL AND s.creator_id <=> :user)
         FROM sites s
         JOIN projects p ON p.id = s.project_id
         JOIN languages dl ON dl.id = p.default_language_id
         JOIN site_information di ON di.site_id = s.id AND di.lang_id = p.default_language_id
         LEFT JOIN languages rl ON rl.lang = :lang
         LEFT JOIN site_information ri ON ri.site_id = s.id AND ri.lang_id = rl.id
         LEFT JOIN images img ON img.id = s.image_id "
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
    })
}

/// Every site of the project the caller may see (§4.1, B9/B10 fixed): admins and
/// superusers all, other users published plus the ones they created, anonymous published.
pub async fn list(
    q: &mut impl Queryable,
    project: &ProjectAccess,
    viewer: Viewer,
    lang: &str,
) -> Result<Vec<Site>, ApiError> {
    let rows: Vec<Row> = q
        .exec(
            concat!(
                site_select!(),
                "WHERE s.project_id = :project
                   AND (:admin OR s.published = 1 OR (:user IS NOT NULL AND s.creator_id <=> :user))
                 ORDER BY s.id"
            ),
            params! {
                "project" => project.id, "admin" => project.admin,
                "user" => viewer.user_id, "lang" => lang,
            },
        )
        .await?;
    rows.into_iter().map(site_from_row).collect()
}
