//! The clusters of a box: the visible sites grouped by the prefix of their stored tile key
//! (`sites.tile`, shared/migrations/0004_site_tiles.sql) on the covering
//! index `idx_sites_tile`; the tile maths is in `geo.rs` (docs/api-conventions.md#clusters).

use mysql_async::{prelude::*, Params, Row, Value};

use super::{projects::ProjectAccess, row::col, Viewer};
use crate::error::ApiError;
use crate::geo::{covering_ranges, BBox, CELL_ZOOM_OFFSET, TILE_ZOOM};
use crate::models::site::Cluster;

/// Before the key ranges: the grouping shift, then the project. The grouping reads
/// `idx_sites_tile` only (it holds the key, the visibility columns, the coordinate copies
/// and the primary key); the outer join reads the name of single-site cells.
const HEAD: &str = "SELECT g.cell, g.n, g.lat, g.lon, g.w, g.s, g.e, g.nn, one.name FROM (
    SELECT s.tile >> ? AS cell, COUNT(*) AS n,
        AVG(s.location_lat) AS lat, AVG(s.location_lon) AS lon,
        MIN(s.location_lon) AS w, MIN(s.location_lat) AS s,
        MAX(s.location_lon) AS e, MAX(s.location_lat) AS nn,
        MIN(s.id) AS id
    FROM sites s FORCE INDEX (idx_sites_tile)
    WHERE s.project_id = ? AND (";

/// One key range; joined by `OR`.
const RANGE: &str = "s.tile BETWEEN ? AND ?";

/// After the key ranges: visibility (admin, user), the latitudes, and the two longitude
/// spans (the same one twice unless the box crosses ±180°).
const TAIL: &str = ")
      AND (? OR s.published = 1 OR s.creator_id = ?)
      AND s.location_lat BETWEEN ? AND ?
      AND (s.location_lon BETWEEN ? AND ? OR s.location_lon BETWEEN ? AND ?)
    GROUP BY cell) g
    LEFT JOIN sites one ON one.id = g.id AND g.n = 1
    ORDER BY g.cell";

/// The statement for `n` key ranges: fixed text, every value bound.
fn statement(n: usize) -> String {
    let ranges = vec![RANGE; n.max(1)].join(" OR ");
    format!("{HEAD}{ranges}{TAIL}")
}

/// One item per occupied cell (a tile of zoom `zoom + 2`) of the sites in `bbox` the
/// caller may see (as [`super::sites::list`]: admins and superusers all, a user also
/// their own unpublished ones), in key order. `zoom` is at most
/// [`crate::geo::MAX_CLUSTER_ZOOM`].
pub async fn clusters(
    q: &mut impl Queryable,
    project: &ProjectAccess,
    viewer: Viewer,
    bbox: &BBox,
    zoom: u32,
) -> Result<Vec<Cluster>, ApiError> {
    let shift = 2 * TILE_ZOOM
        .checked_sub(zoom + CELL_ZOOM_OFFSET)
        .ok_or_else(|| ApiError::internal("cluster zoom out of range"))?;
    let ranges = covering_ranges(bbox);
    let mut values: Vec<Value> = vec![shift.into(), project.id.into()];
    if ranges.is_empty() {
        // Never for a valid box; an empty range keeps the statement well-formed.
        values.extend([Value::from(1u64), Value::from(0u64)]);
    }
    for (lo, hi) in &ranges {
        values.extend([Value::from(*lo), Value::from(*hi)]);
    }
    let rects = bbox.rects();
    let (first, last) = match (rects.first(), rects.last()) {
        (Some(f), Some(l)) => (*f, *l),
        _ => return Ok(Vec::new()),
    };
    values.extend([
        Value::from(project.admin),
        Value::from(viewer.user_id),
        Value::from(bbox.south),
        Value::from(bbox.north),
        Value::from(first[0]),
        Value::from(first[2]),
        Value::from(last[0]),
        Value::from(last[2]),
    ]);
    let rows: Vec<Row> = q
        .exec(statement(ranges.len()), Params::Positional(values))
        .await?;
    rows.into_iter()
        .map(|mut r| {
            let count: i64 = col(&mut r, 1)?;
            let name: Option<String> = col(&mut r, 8)?;
            Ok(Cluster {
                lat: col(&mut r, 2)?,
                lon: col(&mut r, 3)?,
                count,
                bbox: [
                    col(&mut r, 4)?,
                    col(&mut r, 5)?,
                    col(&mut r, 6)?,
                    col(&mut r, 7)?,
                ],
                id: name.filter(|_| count == 1),
            })
        })
        .collect()
}
