//! The nearest-N search of sites on the SPATIAL index: the statements and the growing
//! search rectangle (its sphere maths is in `geo.rs`).

use std::f64::consts::PI;

use mysql_async::{params, prelude::*, Row};

use super::{projects::ProjectAccess, row::col, sites::site_from_row, Viewer};
use crate::error::ApiError;
use crate::geo::{enclosing_rects, Rect, SiteDensity, EARTH_RADIUS_M};
use crate::models::site::Site;

/// First search radius of the nearest-N search (metres); grown until it holds `n` sites.
const FIRST_RADIUS_M: f64 = 2_000.0;

/// Smallest first search radius (metres), however dense a project.
const MIN_RADIUS_M: f64 = 50.0;

/// The columns of a nearest answer: 0–12 as [`site_from_row`], then the id and the
/// distance. `s` is a candidate site, `di`/`ri` its default and requested localisation.
macro_rules! nearest_columns {
    () => {
        "s.name, IF(ri.site_id IS NULL, :dcode, :rcode),
         COALESCE(ri.name, di.name, s.name), COALESCE(ri.abstract, di.abstract),
         COALESCE(ri.description, di.description), ST_X(s.location), ST_Y(s.location),
         img.file_name,
         COALESCE(smc.published, 0),
         s.published, (:user IS NOT NULL AND s.creator_id <=> :user),
         uc.username,
         um.username, s.id,
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
             LEFT JOIN site_memory_counts smc ON smc.site_id = s.id
             LEFT JOIN users uc ON uc.id = s.creator_id
             LEFT JOIN users um ON um.id = s.modifier_id
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

impl Localisation {
    /// The languages for `project` and the requested code, read through the cache.
    pub async fn for_project(
        q: &mut impl Queryable,
        languages: &super::languages::LanguageCache,
        project: &ProjectAccess,
        requested: String,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            requested_id: languages.id_of(q, &requested).await?,
            default: languages
                .code_of(q, project.default_language_id)
                .await?
                .ok_or_else(|| ApiError::internal("project language row missing"))?,
            requested,
        })
    }
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
    density: &SiteDensity,
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
    let mut theta = density
        .area_per_site(project.id)
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
                density.record(project.id, needed * needed / f64::from(n));
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
