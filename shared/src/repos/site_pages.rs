//! Sites in pages, in the order of their internal id (a keyset: a page starts after the
//! last id of the one before, so rows written between pages never make a page skip or
//! repeat one): the whole project, or the sites within bounding-box rectangles read
//! through the SPATIAL index (docs/api-conventions.md#pages).

use mysql_async::{params, prelude::*, Row};

use super::{
    nearest::Localisation, projects::ProjectAccess, row::col, sites::site_from_row, Viewer,
};
use crate::error::ApiError;
use crate::geo::Rect;
use crate::models::site::Site;

/// Sites after `after`, at most `take`, with their ids; `more` when the list goes on.
pub struct SitePage {
    pub items: Vec<(i32, Site)>,
    pub more: bool,
}

/// Rows asked for: one past the page, to learn whether the list goes on.
fn fetch(take: Option<u32>) -> u64 {
    take.map_or(u64::from(u32::MAX), |n| u64::from(n) + 1)
}

fn page(rows: Vec<Row>, take: Option<u32>) -> Result<SitePage, ApiError> {
    let mut items = rows
        .into_iter()
        .map(|mut row| {
            let id: i32 = col(&mut row, 13)?;
            Ok((id, site_from_row(row)?))
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    // Two rectangles give their parts one after the other.
    items.sort_by_key(|(id, _)| *id);
    let more = take.is_some_and(|n| items.len() > n as usize);
    if let Some(n) = take {
        items.truncate(n as usize);
    }
    Ok(SitePage { items, more })
}

/// The sites of the project the caller may see (admins and superusers all, other users
/// published plus the ones they created, anonymous published;
/// docs/compatibility.md#unpublished-sites-belong-to-their-creator) after site id
/// `after`, in id order, at most `take` (`None`: all).
pub async fn list_after(
    q: &mut impl Queryable,
    project: &ProjectAccess,
    viewer: Viewer,
    lang: &str,
    after: Option<i32>,
    take: Option<u32>,
) -> Result<SitePage, ApiError> {
    let rows: Vec<Row> = q
        .exec(
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
                um.username, s.id
             FROM sites s
             JOIN projects p ON p.id = s.project_id
             JOIN languages dl ON dl.id = p.default_language_id
             JOIN site_information di ON di.site_id = s.id AND di.lang_id = p.default_language_id
             LEFT JOIN languages rl ON rl.lang = :lang
             LEFT JOIN site_information ri ON ri.site_id = s.id AND ri.lang_id = rl.id
             LEFT JOIN images img ON img.id = s.image_id
             LEFT JOIN site_memory_counts smc ON smc.site_id = s.id
             LEFT JOIN users uc ON uc.id = s.creator_id
             LEFT JOIN users um ON um.id = s.modifier_id
             WHERE s.project_id = :project
               AND (:admin OR s.published = 1 OR s.creator_id = :user)
               AND s.id > :after
             ORDER BY s.id LIMIT :n",
            params! {
                "project" => project.id, "admin" => project.admin,
                "user" => viewer.user_id, "lang" => lang,
                "after" => after.unwrap_or(i32::MIN), "n" => fetch(take),
            },
        )
        .await?;
    page(rows, take)
}

/// The statement for the sites in one rectangle: the columns of [`site_from_row`] and the
/// id. As in the nearest search (`nearest.rs`), `sites` is read first through the R-tree
/// and the language ids come as parameters, so no other table is read before it
/// (MDEV-26123); `STRAIGHT_JOIN` keeps that order.
macro_rules! in_box {
    ($x1:literal, $y1:literal, $x2:literal, $y2:literal) => {
        concat!(
            "SELECT STRAIGHT_JOIN s.name, IF(ri.site_id IS NULL, :dcode, :rcode),
                COALESCE(ri.name, di.name, s.name), COALESCE(ri.abstract, di.abstract),
                COALESCE(ri.description, di.description), ST_X(s.location), ST_Y(s.location),
                img.file_name,
                COALESCE(smc.published, 0),
                s.published, (:user IS NOT NULL AND s.creator_id <=> :user),
                uc.username,
                um.username, s.id
             FROM sites s FORCE INDEX (idx_sites_coordinate)
             JOIN site_information di ON di.site_id = s.id AND di.lang_id = :dlang
             LEFT JOIN site_information ri ON ri.site_id = s.id AND ri.lang_id = :rlang
             LEFT JOIN images img ON img.id = s.image_id
             LEFT JOIN site_memory_counts smc ON smc.site_id = s.id
             LEFT JOIN users uc ON uc.id = s.creator_id
             LEFT JOIN users um ON um.id = s.modifier_id
             WHERE MBRIntersects(ST_Envelope(LineString(Point(",
            $x1,
            ", ",
            $y1,
            "), Point(",
            $x2,
            ", ",
            $y2,
            "))), s.location)
               AND s.project_id = :project
               AND (:admin OR s.published = 1 OR s.creator_id = :user)
               AND s.id > :after
             ORDER BY s.id LIMIT :n"
        )
    };
}

/// The bounding-box statement for one rectangle. Public so that tests can `EXPLAIN` it.
pub const IN_ONE_BOX: &str = in_box!(":x1", ":y1", ":x2", ":y2");

/// Two rectangles (a box across the antimeridian): each part in id order, merged after.
const IN_TWO_BOXES: &str = concat!(
    "(",
    in_box!(":x1", ":y1", ":x2", ":y2"),
    ") UNION ALL (",
    in_box!(":u1", ":v1", ":u2", ":v2"),
    ")"
);

/// The visible sites within `rects` (one, or two across the antimeridian; boundaries
/// included) after site id `after`, in id order, at most `take` (`None`: all), localised
/// like a site read.
pub async fn in_boxes(
    q: &mut impl Queryable,
    project: &ProjectAccess,
    viewer: Viewer,
    lang: &Localisation,
    rects: &[Rect],
    after: Option<i32>,
    take: Option<u32>,
) -> Result<SitePage, ApiError> {
    let mut params = params! {
        "dlang" => project.default_language_id, "project" => project.id,
        "admin" => project.admin, "user" => viewer.user_id,
        "dcode" => &lang.default, "rcode" => &lang.requested,
        // The default language's row is `di` already.
        "rlang" => lang.requested_id.filter(|id| *id != project.default_language_id),
        "after" => after.unwrap_or(i32::MIN), "n" => fetch(take),
    };
    let sql = match rects {
        [] => {
            return Ok(SitePage {
                items: Vec::new(),
                more: false,
            })
        }
        [_] => IN_ONE_BOX,
        _ => IN_TWO_BOXES,
    };
    if let mysql_async::Params::Named(map) = &mut params {
        for (rect, names) in rects
            .iter()
            .zip([["x1", "y1", "x2", "y2"], ["u1", "v1", "u2", "v2"]])
        {
            for (value, name) in rect.iter().zip(names) {
                map.insert(name.as_bytes().to_vec(), (*value).into());
            }
        }
    }
    let rows: Vec<Row> = q.exec(sql, params).await?;
    page(rows, take)
}

/// Every site of a project the caller may see, in id order, read [`list_after`] a chunk at
/// a time on a connection of its own: an export of any size holds one chunk of rows.
pub struct AllSites {
    conn: mysql_async::Conn,
    project: ProjectAccess,
    viewer: Viewer,
    lang: String,
    chunk: u32,
    after: Option<i32>,
    done: bool,
}

impl AllSites {
    pub fn new(
        conn: mysql_async::Conn,
        project: ProjectAccess,
        viewer: Viewer,
        lang: String,
        chunk: u32,
    ) -> Self {
        Self {
            conn,
            project,
            viewer,
            lang,
            chunk: chunk.max(1),
            after: None,
            done: false,
        }
    }

    /// The next chunk (possibly empty), or `None` after the last.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<Site>>, ApiError> {
        if self.done {
            return Ok(None);
        }
        let page = list_after(
            &mut self.conn,
            &self.project,
            self.viewer,
            &self.lang,
            self.after,
            Some(self.chunk),
        )
        .await?;
        self.done = !page.more;
        if let Some((id, _)) = page.items.last() {
            self.after = Some(*id);
        }
        Ok(Some(page.items.into_iter().map(|(_, s)| s).collect()))
    }
}
