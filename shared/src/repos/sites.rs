//! Sites: reads with localisation and published-memory counts, the nearest-N search on
//! the SPATIAL index, access facts, and the writes.

use std::{
    collections::HashMap,
    f64::consts::PI,
    sync::{LazyLock, Mutex},
};

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
                (SELECT COUNT(*) FROM memories m WHERE m.site_id = s.id AND m.published = 1),
                s.published,
                (:user IS NOT NULL AND s.creator_id <=> :user),
                (SELECT u.username FROM users u WHERE u.id = s.creator_id),
                (SELECT u.username FROM users u WHERE u.id = s.modifier_id) "
    };
}

macro_rules! site_joins {
    () => {
        " JOIN projects p ON p.id = s.project_id
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
        creator: col(&mut r, 11)?,
        modifier: col(&mut r, 12)?,
    })
}

/// Every site of the project the caller may see: admins and superusers all, other users
/// published plus the ones they created, anonymous published
/// (docs/compatibility.md#unpublished-sites-belong-to-their-creator).
pub async fn list(
    q: &mut impl Queryable,
    project: &ProjectAccess,
    viewer: Viewer,
    lang: &str,
) -> Result<Vec<Site>, ApiError> {
    let rows: Vec<Row> = q
        .exec(
            concat!(
                site_columns!(),
                "FROM sites s",
                site_joins!(),
                "WHERE s.project_id = :project
                   AND (:admin OR s.published = 1 OR s.creator_id = :user)
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

/// Mean earth radius of MariaDB's `ST_Distance_Sphere`, in metres.
pub const EARTH_RADIUS_M: f64 = 6_370_986.0;

/// First search radius of the nearest-N search (metres); grown until it holds `n` sites.
const FIRST_RADIUS_M: f64 = 2_000.0;

/// Smallest first search radius (metres), however dense a project.
const MIN_RADIUS_M: f64 = 50.0;

/// Per project: the logarithm of the squared central angle per visible site, a moving
/// average over the nearest searches of this process (a density estimate; a hint only,
/// the search is exact whatever it says).
static DENSITY: LazyLock<Mutex<HashMap<i32, f64>>> = LazyLock::new(Default::default);

/// Weight of the newest search in [`DENSITY`]: one search's n-th distance varies by
/// about a fifth for n = 20, the average settles within a few dozen searches.
const DENSITY_WEIGHT: f64 = 0.1;

/// How far (as a factor) one search may move [`DENSITY`] before weighting: a search far
/// from every site (mid-ocean) must not make the next ones read thousands of candidates.
const DENSITY_STEP: f64 = 4.0;

fn density_hint(project_id: i32) -> Option<f64> {
    let map = DENSITY.lock().ok()?;
    map.get(&project_id)
        .map(|log| log.exp())
        .filter(|a| a.is_finite() && *a > 0.0)
}

fn record_density(project_id: i32, area_per_site: f64) {
    if !(area_per_site.is_finite() && area_per_site > 0.0) {
        return;
    }
    let sample = area_per_site.ln();
    if let Ok(mut map) = DENSITY.lock() {
        if map.len() > 4096 {
            map.clear();
        }
        let step = DENSITY_STEP.ln();
        let average = map.get(&project_id).map_or(sample, |old| {
            old + DENSITY_WEIGHT * (sample - old).clamp(-step, step)
        });
        map.insert(project_id, average);
    }
}

/// A lon/lat rectangle `(x1, y1, x2, y2)` in degrees.
pub type Rect = [f64; 4];

/// The rectangles (one, or two across the ±180° meridian) that enclose every point within
/// the central angle `theta` (radians) of (`lat`, `lon`); `None` means the whole world.
/// Conservative: a small margin covers floating-point error, and a cap that reaches a
/// pole spans every longitude.
pub fn enclosing_rects(lat: f64, lon: f64, theta: f64) -> Option<Vec<Rect>> {
    let theta = theta * (1.0 + 1e-9) + 1e-12;
    if theta >= PI {
        return None;
    }
    let dlat = theta.to_degrees() + 1e-9;
    let (y1, y2) = (lat - dlat, lat + dlat);
    let full = |y1: f64, y2: f64| Some(vec![[-180.0, y1.max(-90.0), 180.0, y2.min(90.0)]]);
    if y1 <= -90.0 || y2 >= 90.0 {
        return full(y1, y2);
    }
    // Widest longitude offset of a spherical cap that contains no pole.
    let s = theta.sin() / lat.to_radians().cos();
    if s.is_nan() || s >= 1.0 {
        return full(y1, y2);
    }
    let dlon = s.asin().to_degrees() * (1.0 + 1e-9) + 1e-9;
    if dlon >= 180.0 {
        return full(y1, y2);
    }
    let (x1, x2) = (lon - dlon, lon + dlon);
    Some(if x1 < -180.0 {
        vec![[x1 + 360.0, y1, 180.0, y2], [-180.0, y1, x2, y2]]
    } else if x2 > 180.0 {
        vec![[x1, y1, 180.0, y2], [-180.0, y1, x2 - 360.0, y2]]
    } else {
        vec![[x1, y1, x2, y2]]
    })
}

/// The columns of a nearest answer: 0–12 as [`site_from_row`], then the id and the
/// distance. `s` is a candidate site, `di`/`ri` its default and requested localisation.
macro_rules! nearest_columns {
    () => {
        "s.name, IF(ri.site_id IS NULL, :dcode, :rcode),
         COALESCE(ri.name, di.name, s.name), COALESCE(ri.abstract, di.abstract),
         COALESCE(ri.description, di.description), ST_X(s.location), ST_Y(s.location),
         img.file_name,
         (SELECT COUNT(*) FROM memories m WHERE m.site_id = s.id AND m.published = 1),
         s.published, (:user IS NOT NULL AND s.creator_id <=> :user),
         (SELECT u.username FROM users u WHERE u.id = s.creator_id),
         (SELECT u.username FROM users u WHERE u.id = s.modifier_id), s.id,
         ST_Distance_Sphere(s.location, POINT(:lon, :lat)) AS d"
    };
}

/// The joins and conditions of a nearest answer after `FROM sites s`: only sites with
/// their default localisation, visible to the caller. Localisation and image are joined
/// on the site (language ids come as parameters, not from a `languages` join), so no
/// table is constant and the sites are read first (MDEV-26123: reading another InnoDB
/// table before the R-tree fails with error 1207).
macro_rules! nearest_joins {
    ($rect:expr) => {
        concat!(
            " JOIN site_information di ON di.site_id = s.id AND di.lang_id = :dlang
             LEFT JOIN site_information ri ON ri.site_id = s.id AND ri.lang_id = :rlang
             LEFT JOIN images img ON img.id = s.image_id
             WHERE ",
            $rect,
            " s.project_id = :project
               AND (:admin OR s.published = 1 OR s.creator_id = :user)"
        )
    };
}

/// The R-tree condition for one rectangle.
macro_rules! in_rect {
    ($x1:literal, $y1:literal, $x2:literal, $y2:literal) => {
        concat!(
            "MBRIntersects(ST_Envelope(LineString(Point(",
            $x1,
            ", ",
            $y1,
            "), Point(",
            $x2,
            ", ",
            $y2,
            "))), s.location) AND"
        )
    };
}

/// The nearest statements for one rectangle, two (across ±180°) and the whole project.
/// With one table's expression in `ORDER BY`, MariaDB sorts the R-tree candidates before
/// the joins (no temporary table), and `LIMIT` stops the joins after `n` answers, so a
/// candidate without its default localisation is passed over in the same statement.
/// `STRAIGHT_JOIN` keeps that order.
const NEAREST: [&str; 3] = [
    concat!(
        "SELECT STRAIGHT_JOIN ",
        nearest_columns!(),
        " FROM sites s FORCE INDEX (idx_sites_coordinate)",
        nearest_joins!(in_rect!(":x1", ":y1", ":x2", ":y2")),
        " ORDER BY d, s.id LIMIT :n"
    ),
    concat!(
        "(SELECT STRAIGHT_JOIN ",
        nearest_columns!(),
        " FROM sites s FORCE INDEX (idx_sites_coordinate)",
        nearest_joins!(in_rect!(":x1", ":y1", ":x2", ":y2")),
        " ORDER BY d, s.id LIMIT :n) UNION ALL (SELECT STRAIGHT_JOIN ",
        nearest_columns!(),
        " FROM sites s FORCE INDEX (idx_sites_coordinate)",
        nearest_joins!(in_rect!(":u1", ":v1", ":u2", ":v2")),
        " ORDER BY d, s.id LIMIT :n)"
    ),
    concat!(
        "SELECT STRAIGHT_JOIN ",
        nearest_columns!(),
        " FROM sites s",
        nearest_joins!(""),
        " ORDER BY d, s.id LIMIT :n"
    ),
];
/// Public so that tests can `EXPLAIN` it.
pub const NEAREST_ONE_RECT: &str = NEAREST[0];

/// How many visible sites the project has, counting no further than `:n`.
const COUNT_UP_TO: &str = "SELECT COUNT(*) FROM (
        SELECT 1 FROM sites s
        STRAIGHT_JOIN site_information di ON di.site_id = s.id AND di.lang_id = :dlang
        WHERE s.project_id = :project
          AND (:admin OR s.published = 1 OR s.creator_id = :user)
        LIMIT :n) t";

/// The point and count of a nearest search.
#[derive(Clone, Copy, Debug)]
pub struct Near {
    pub lat: f64,
    pub lon: f64,
    pub n: u32,
}

/// The languages a site read is localised with: the requested one (its row id, if the
/// table has it) and the project's default.
#[derive(Clone, Debug)]
pub struct Localisation {
    pub requested: String,
    pub requested_id: Option<i32>,
    pub default: String,
}

/// A site found by the nearest search, with its distance and id (the sort keys).
struct Candidate {
    id: i32,
    distance: f64,
    site: Site,
}

/// The `n` visible sites nearest to the point by `ST_Distance_Sphere`, nearest first (ties
/// by id), localised: the same answer as sorting every site by distance, but read through
/// the SPATIAL index, usually in one statement. The search rectangle around the point
/// starts from this project's density (learnt from earlier searches) and grows (at least
/// doubling) until it holds `n` sites; then the n-th distance bounds where the true
/// nearest can be, and if that circle reaches past the rectangle, its enclosing rectangle
/// is searched once more. Sites without their default localisation are never listed.
pub async fn nearest(
    q: &mut impl Queryable,
    project: &ProjectAccess,
    viewer: Viewer,
    near: Near,
    lang: &Localisation,
) -> Result<Vec<Site>, ApiError> {
    let Near { lat, lon, n } = near;
    if n == 0 {
        return Ok(Vec::new());
    }
    let base = || {
        params! {
            "lat" => lat, "lon" => lon, "dlang" => project.default_language_id,
            "project" => project.id, "admin" => project.admin, "user" => viewer.user_id,
            "n" => n, "dcode" => &lang.default,
            "rcode" => &lang.requested,
            // The default language's row is `di` already.
            "rlang" => lang.requested_id.filter(|id| *id != project.default_language_id),
        }
    };
    let found = |c: Vec<Candidate>| Ok(c.into_iter().map(|c| c.site).collect());
    // Start from the radius that this project's density suggests for n sites, so that
    // one R-tree read usually suffices.
    let mut theta = density_hint(project.id)
        .map(|area| (area * f64::from(n)).sqrt() * 1.2)
        .unwrap_or(FIRST_RADIUS_M / EARTH_RADIUS_M)
        .clamp(MIN_RADIUS_M / EARTH_RADIUS_M, PI);
    let mut counted = false;
    loop {
        let rects = enclosing_rects(lat, lon, theta);
        let candidates = search(q, rects.as_deref(), n, base()).await?;
        if candidates.len() as u64 >= u64::from(n) || rects.is_none() {
            let nth = candidates.last().map_or(0.0, |c| c.distance);
            let needed = nth / EARTH_RADIUS_M;
            if candidates.len() as u64 >= u64::from(n) {
                record_density(project.id, needed * needed / f64::from(n));
            }
            if needed <= theta || rects.is_none() {
                return found(candidates);
            }
            // The n-th candidate is farther than the rectangle's inscribed circle: a
            // nearer site may lie outside the rectangle. Search the enclosing one.
            let rects = enclosing_rects(lat, lon, needed);
            return found(search(q, rects.as_deref(), n, base()).await?);
        }
        if !counted {
            // A project with at most n visible sites: all of them, without growing the
            // search to the whole world step by step.
            counted = true;
            let mut count_params = base();
            if let mysql_async::Params::Named(map) = &mut count_params {
                map.insert(b"n".to_vec(), (u64::from(n) + 1).into());
            }
            let total: Option<i64> = q.exec_first(COUNT_UP_TO, count_params).await?;
            if total.unwrap_or(0) <= i64::from(n) {
                return found(search(q, None, n, base()).await?);
            }
        }
        // Grow by the expected area still missing (sites per area), at least doubling.
        let k = candidates.len() as f64;
        let factor = if k == 0.0 {
            4.0
        } else {
            (1.5 * (f64::from(n) / k).sqrt()).clamp(2.0, 16.0)
        };
        theta *= factor;
    }
}

/// Runs one nearest statement: the at most `n` nearest answers in `rects` (`None`: the
/// whole project), nearest first.
async fn search(
    q: &mut impl Queryable,
    rects: Option<&[Rect]>,
    n: u32,
    mut params: mysql_async::Params,
) -> Result<Vec<Candidate>, ApiError> {
    let sql = match rects {
        Some([_]) => NEAREST[0],
        Some(_) => NEAREST[1],
        None => NEAREST[2],
    };
    if let (mysql_async::Params::Named(map), Some(rects)) = (&mut params, rects) {
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
    let mut candidates = rows
        .into_iter()
        .map(|mut row| {
            let id = col(&mut row, 13)?;
            let distance = col(&mut row, 14)?;
            let site = site_from_row(row)?;
            Ok(Candidate { id, distance, site })
        })
        .collect::<Result<Vec<_>, ApiError>>()?;
    // Two rectangles give up to n answers each.
    candidates.sort_by(|a, b| a.distance.total_cmp(&b.distance).then(a.id.cmp(&b.id)));
    candidates.truncate(n as usize);
    Ok(candidates)
}

/// A site as the access checks see it.
#[derive(Clone, Debug)]
pub struct SiteAccess {
    pub id: i32,
    /// Canonical name as stored.
    pub name: String,
    pub published: bool,
    pub creator_id: Option<i32>,
    pub image_id: Option<i32>,
}

impl SiteAccess {
    pub fn is_creator(&self, viewer: Viewer) -> bool {
        viewer.user_id.is_some() && self.creator_id == viewer.user_id
    }
    /// Published sites are public; unpublished ones are seen by their creator and the
    /// project's admins and superusers
    /// (docs/compatibility.md#unpublished-sites-belong-to-their-creator,
    /// docs/compatibility.md#superusers-are-admins-of-every-project).
    pub fn visible(&self, project: &ProjectAccess, viewer: Viewer) -> bool {
        self.published || project.admin || self.is_creator(viewer)
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn contains(rects: &Option<Vec<Rect>>, lat: f64, lon: f64) -> bool {
        match rects {
            None => true,
            Some(rs) => rs
                .iter()
                .any(|r| r[0] <= lon && lon <= r[2] && r[1] <= lat && lat <= r[3]),
        }
    }

    /// Haversine on MariaDB's sphere, as `ST_Distance_Sphere` computes it.
    fn distance(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
        let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
        let dp = p2 - p1;
        let dl = (lon2 - lon1).to_radians();
        let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
        2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
    }

    #[test]
    fn rectangles_enclose_the_circle() {
        // Points on a grid: every point within the radius must be inside the rectangles.
        let centres = [
            (0.0, 0.0),
            (60.2, 24.9),
            (-33.9, 151.2),
            (89.5, 10.0),
            (-89.9, -170.0),
            (10.0, 179.9),
            (-45.0, -179.5),
            (90.0, 0.0),
        ];
        for (lat, lon) in centres {
            for radius in [10.0, 5_000.0, 300_000.0, 2_500_000.0, 15_000_000.0] {
                let rects = enclosing_rects(lat, lon, radius / EARTH_RADIUS_M);
                let mut y = -90.0;
                while y <= 90.0 {
                    let mut x = -180.0;
                    while x <= 180.0 {
                        if distance(lat, lon, y, x) <= radius {
                            assert!(
                                contains(&rects, y, x),
                                "({lat},{lon}) r={radius}: ({y},{x}) outside {rects:?}"
                            );
                        }
                        x += 1.0;
                    }
                    y += 0.5;
                }
            }
        }
    }

    #[test]
    fn one_far_search_barely_moves_the_density_hint() {
        let project = -7; // no real project has a negative id
        for _ in 0..50 {
            record_density(project, 1e-12);
        }
        let settled = density_hint(project).unwrap();
        assert!((settled / 1e-12 - 1.0).abs() < 1e-9);
        // A search in the middle of nowhere: its n-th site is a continent away.
        record_density(project, 1e-2);
        let after = density_hint(project).unwrap();
        assert!(
            after > settled && after <= settled * DENSITY_STEP.powf(DENSITY_WEIGHT) * (1.0 + 1e-9)
        );
        // Not a number or not positive: ignored.
        record_density(project, f64::NAN);
        record_density(project, 0.0);
        assert_eq!(density_hint(project), Some(after));
    }

    #[test]
    fn rectangles_split_at_the_antimeridian() {
        let r = enclosing_rects(0.0, 179.99, 10_000.0 / EARTH_RADIUS_M).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0][2], 180.0);
        assert_eq!(r[1][0], -180.0);
        assert!(enclosing_rects(0.0, 0.0, 4.0).is_none());
        let polar = enclosing_rects(89.99, 0.0, 5_000.0 / EARTH_RADIUS_M).unwrap();
        assert_eq!((polar[0][0], polar[0][2]), (-180.0, 180.0));
    }
}
