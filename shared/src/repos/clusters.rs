//! The clusters of a box: the visible sites grouped by the prefix of their stored tile key
//! (`sites.tile`, shared/migrations/0004_site_tiles.sql); the tile maths is in `geo.rs`
//! (docs/api-conventions.md#clusters).
//!
//! Two ways to the same sums. Cells smaller than a zoom-[`SUMMARY_ZOOM`] tile group the
//! sites in the box on the covering index `idx_sites_tile`. Larger cells add up the rows
//! of `site_cells` (shared/migrations/0005_site_cells.sql: one row per project, publish
//! state and zoom-10 tile, kept by triggers): a row whose sites all lie in the box counts
//! whole, a row whose sites straddle the box's edge is grouped from its sites as above,
//! and a user's own unpublished sites (not in the published rows) are read by creator.
//! So a world view of 100,000 sites reads a few thousand rows, not 100,000.

use std::collections::{BTreeMap, HashMap};

use mysql_async::{prelude::*, Params, Row, Value};

use super::{projects::ProjectAccess, row::col, Viewer};
use crate::error::ApiError;
use crate::geo::{
    covering_ranges, merge_ranges, BBox, Placement, CELL_ZOOM_OFFSET, SUMMARY_ZOOM, TILE_ZOOM,
};
use crate::models::site::Cluster;

/// The sums of one cell's sites.
#[derive(Clone, Copy, Debug)]
struct Sums {
    count: i64,
    lat_sum: f64,
    lon_sum: f64,
    /// `[west, south, east, north]`.
    bbox: [f64; 4],
    /// The smallest site id: the site of a one-site cell.
    first_id: i32,
}

impl Sums {
    fn point(lon: f64, lat: f64, id: i32) -> Self {
        Self {
            count: 1,
            lat_sum: lat,
            lon_sum: lon,
            bbox: [lon, lat, lon, lat],
            first_id: id,
        }
    }

    /// Columns `i..i + 7` of `row`: count, the two coordinate sums, west, south, east,
    /// north, and the first id (the order of both statements below).
    fn from_row(row: &mut Row, i: usize) -> Result<Self, ApiError> {
        Ok(Self {
            count: col(row, i)?,
            lat_sum: col(row, i + 1)?,
            lon_sum: col(row, i + 2)?,
            bbox: [
                col(row, i + 3)?,
                col(row, i + 4)?,
                col(row, i + 5)?,
                col(row, i + 6)?,
            ],
            first_id: col(row, i + 7)?,
        })
    }

    fn add(&mut self, o: &Sums) {
        self.count += o.count;
        self.lat_sum += o.lat_sum;
        self.lon_sum += o.lon_sum;
        self.bbox = [
            self.bbox[0].min(o.bbox[0]),
            self.bbox[1].min(o.bbox[1]),
            self.bbox[2].max(o.bbox[2]),
            self.bbox[3].max(o.bbox[3]),
        ];
        self.first_id = self.first_id.min(o.first_id);
    }
}

/// Output cells (keys of zoom `zoom + 2`) and their sums, in key order.
#[derive(Default)]
struct Cells(BTreeMap<u64, Sums>);

impl Cells {
    fn add(&mut self, cell: u64, sums: &Sums) {
        self.0
            .entry(cell)
            .and_modify(|s| s.add(sums))
            .or_insert(*sums);
    }
}

/// Before the key ranges: the grouping shift, then the project. Reads `idx_sites_tile`
/// only (it holds the key, the visibility columns, the coordinate copies and the
/// primary key).
const HEAD: &str = "SELECT s.tile >> ? AS cell, COUNT(*),
        SUM(s.location_lat), SUM(s.location_lon),
        MIN(s.location_lon), MIN(s.location_lat), MAX(s.location_lon), MAX(s.location_lat),
        MIN(s.id)
    FROM sites s FORCE INDEX (idx_sites_tile)
    WHERE s.project_id = ? AND (";

/// One key range; joined by `OR`.
const RANGE: &str = "s.tile BETWEEN ? AND ?";

/// After the key ranges: visibility (see [`Visible::bind`]), the latitudes, and the two
/// longitude spans (the same one twice unless the box crosses ±180°).
const TAIL: &str = ")
      AND (s.published = ? OR s.published = ? OR s.creator_id = ?)
      AND s.location_lat BETWEEN ? AND ?
      AND (s.location_lon BETWEEN ? AND ? OR s.location_lon BETWEEN ? AND ?)
    GROUP BY cell";

/// `text` with `range` `n` times (at least once) joined by `OR` between `head` and `tail`.
fn with_ranges(head: &str, range: &str, tail: &str, n: usize) -> String {
    let ranges = vec![range; n.max(1)].join(" OR ");
    format!("{head}{ranges}{tail}")
}

/// Binds `ranges`; none (never for a valid box) binds an empty range.
fn bind_ranges(values: &mut Vec<Value>, ranges: &[(u64, u64)]) {
    if ranges.is_empty() {
        values.extend([Value::from(1u64), Value::from(0u64)]);
    }
    for (lo, hi) in ranges {
        values.extend([Value::from(*lo), Value::from(*hi)]);
    }
}

/// Which sites a grouping counts.
#[derive(Clone, Copy, Debug)]
enum Visible {
    /// Every site (admins and superusers).
    All,
    /// The published ones and the user's own.
    PublishedAnd(Option<i32>),
    /// Those of one publish state only.
    Only(bool),
}

impl Visible {
    /// The caller's sites: all for an admin, else the published ones and their own.
    fn of(project: &ProjectAccess, viewer: Viewer) -> Self {
        if project.admin {
            Self::All
        } else {
            Self::PublishedAnd(viewer.user_id)
        }
    }

    /// The values of `published = ? OR published = ? OR creator_id = ?`.
    fn bind(self) -> [Value; 3] {
        let (a, b, user) = match self {
            Self::All => (true, false, None),
            Self::PublishedAnd(user) => (true, true, user),
            Self::Only(state) => (state, state, None),
        };
        [a.into(), b.into(), user.into()]
    }
}

/// The sites in `bbox` with stored keys in `ranges` that `visible` keeps, grouped by
/// `tile >> shift`.
async fn grouped(
    q: &mut impl Queryable,
    project_id: i32,
    visible: Visible,
    ranges: &[(u64, u64)],
    bbox: &BBox,
    shift: u32,
) -> Result<Vec<(u64, Sums)>, ApiError> {
    let rects = bbox.rects();
    let (first, last) = match (rects.first(), rects.last()) {
        (Some(f), Some(l)) => (*f, *l),
        _ => return Ok(Vec::new()),
    };
    let mut values: Vec<Value> = vec![shift.into(), project_id.into()];
    bind_ranges(&mut values, ranges);
    values.extend(visible.bind());
    values.extend([
        Value::from(bbox.south),
        Value::from(bbox.north),
        Value::from(first[0]),
        Value::from(first[2]),
        Value::from(last[0]),
        Value::from(last[2]),
    ]);
    let rows: Vec<Row> = q
        .exec(
            with_ranges(HEAD, RANGE, TAIL, ranges.len()),
            Params::Positional(values),
        )
        .await?;
    rows.into_iter()
        .map(|mut r| Ok((col(&mut r, 0)?, Sums::from_row(&mut r, 1)?)))
        .collect()
}

const SUMMARY_HEAD: &str =
    "SELECT cell, published, n, lat_sum, lon_sum, west, south, east, north, first_id
    FROM site_cells WHERE project_id = ? AND (published = 1 OR ?) AND (";
const SUMMARY_RANGE: &str = "cell BETWEEN ? AND ?";

/// The `site_cells` rows (zoom-[`SUMMARY_ZOOM`] key, publish state, sums) in `ranges`:
/// the published ones, or all when `all`.
async fn summary_rows(
    q: &mut impl Queryable,
    project_id: i32,
    all: bool,
    ranges: &[(u64, u64)],
) -> Result<Vec<(u64, bool, Sums)>, ApiError> {
    let mut values: Vec<Value> = vec![project_id.into(), all.into()];
    bind_ranges(&mut values, ranges);
    let rows: Vec<Row> = q
        .exec(
            with_ranges(SUMMARY_HEAD, SUMMARY_RANGE, ")", ranges.len()),
            Params::Positional(values),
        )
        .await?;
    rows.into_iter()
        .map(|mut r| Ok((col(&mut r, 0)?, col(&mut r, 1)?, Sums::from_row(&mut r, 2)?)))
        .collect()
}

/// A user's unpublished sites of the project: key, coordinates, id (few; read through
/// the creator's foreign-key index).
async fn own_unpublished(
    q: &mut impl Queryable,
    project_id: i32,
    user_id: i32,
) -> Result<Vec<(u64, f64, f64, i32)>, ApiError> {
    let rows: Vec<Row> = q
        .exec(
            "SELECT tile, location_lon, location_lat, id FROM sites
             WHERE creator_id = ? AND project_id = ? AND published = 0 AND tile IS NOT NULL",
            (user_id, project_id),
        )
        .await?;
    rows.into_iter()
        .map(|mut r| {
            Ok((
                col(&mut r, 0)?,
                col(&mut r, 1)?,
                col(&mut r, 2)?,
                col(&mut r, 3)?,
            ))
        })
        .collect()
}

/// Most key ranges of straddling summary rows grouped from their sites in one statement;
/// past it the whole box is grouped from its sites.
const MAX_BORDER_RANGES: usize = 512;

/// The stored keys of zoom-`SUMMARY_ZOOM` tile `cell`.
fn stored_range(cell: u64) -> (u64, u64) {
    let bits = 2 * (TILE_ZOOM - SUMMARY_ZOOM);
    (cell << bits, (cell << bits) | ((1u64 << bits) - 1))
}

/// One item per occupied cell (a tile of zoom `zoom + 2`) of the sites in `bbox` the
/// caller may see (as the site list: admins and superusers all, a user also
/// their own unpublished ones), in key order. `zoom` is at most
/// [`crate::geo::MAX_CLUSTER_ZOOM`]. Several statements: run it in one snapshot.
pub async fn clusters(
    q: &mut impl Queryable,
    project: &ProjectAccess,
    viewer: Viewer,
    bbox: &BBox,
    zoom: u32,
) -> Result<Vec<Cluster>, ApiError> {
    let level = zoom + CELL_ZOOM_OFFSET;
    let shift = 2 * TILE_ZOOM
        .checked_sub(level)
        .ok_or_else(|| ApiError::internal("cluster zoom out of range"))?;
    let ranges = covering_ranges(bbox);
    let visible = Visible::of(project, viewer);
    if level > SUMMARY_ZOOM {
        return group_sites(q, project.id, visible, &ranges, bbox, shift).await;
    }
    // Summary rows have zoom-10 keys; an output cell's key is `up` bits shorter.
    let bits = 2 * (TILE_ZOOM - SUMMARY_ZOOM);
    let up = 2 * (SUMMARY_ZOOM - level);
    let summary_ranges = merge_ranges(
        ranges
            .iter()
            .map(|(lo, hi)| (lo >> bits, hi >> bits))
            .collect(),
    );
    let mut cells = Cells::default();
    // Straddling rows by publish state: each is grouped from its own sites only.
    let mut border: [Vec<(u64, u64)>; 2] = [Vec::new(), Vec::new()];
    for (cell, published, sums) in
        summary_rows(q, project.id, project.admin, &summary_ranges).await?
    {
        match bbox.place(sums.bbox) {
            Placement::Inside => cells.add(cell >> up, &sums),
            Placement::Border => border[usize::from(published)].push(stored_range(cell)),
            Placement::Outside => {}
        }
    }
    let border = border.map(merge_ranges);
    if border.iter().map(Vec::len).sum::<usize>() > MAX_BORDER_RANGES {
        // A box whose edge crosses very many occupied tiles: group it all from its sites.
        return group_sites(q, project.id, visible, &ranges, bbox, shift).await;
    }
    for (published, ranges) in [false, true].into_iter().zip(&border) {
        if !ranges.is_empty() {
            let rows =
                grouped(q, project.id, Visible::Only(published), ranges, bbox, shift).await?;
            for (cell, sums) in rows {
                cells.add(cell, &sums);
            }
        }
    }
    if let Visible::PublishedAnd(Some(user_id)) = visible {
        for (key, lon, lat, id) in own_unpublished(q, project.id, user_id).await? {
            if bbox.contains(lon, lat) {
                cells.add(key >> shift, &Sums::point(lon, lat, id));
            }
        }
    }
    named(q, cells).await
}

/// The clusters of the sites in `bbox` that `visible` keeps, grouped from the sites.
async fn group_sites(
    q: &mut impl Queryable,
    project_id: i32,
    visible: Visible,
    ranges: &[(u64, u64)],
    bbox: &BBox,
    shift: u32,
) -> Result<Vec<Cluster>, ApiError> {
    let mut cells = Cells::default();
    for (cell, sums) in grouped(q, project_id, visible, ranges, bbox, shift).await? {
        cells.add(cell, &sums);
    }
    named(q, cells).await
}

/// The clusters of `cells`, with the name of the site of each one-site cell.
async fn named(q: &mut impl Queryable, cells: Cells) -> Result<Vec<Cluster>, ApiError> {
    let singles: Vec<i32> = cells
        .0
        .values()
        .filter(|s| s.count == 1)
        .map(|s| s.first_id)
        .collect();
    let mut names: HashMap<i32, String> = HashMap::with_capacity(singles.len());
    if !singles.is_empty() {
        let marks = vec!["?"; singles.len()].join(",");
        let rows: Vec<(i32, String)> = q
            .exec(
                format!("SELECT id, name FROM sites WHERE id IN ({marks})"),
                Params::Positional(singles.into_iter().map(Value::from).collect()),
            )
            .await?;
        names.extend(rows);
    }
    Ok(cells
        .0
        .into_values()
        .map(|s| {
            let count = s.count;
            Cluster {
                lat: s.lat_sum / count as f64,
                lon: s.lon_sum / count as f64,
                count,
                bbox: s.bbox,
                id: (count == 1).then(|| names.remove(&s.first_id)).flatten(),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_cell_holds_the_stored_keys_under_it() {
        let (lo, hi) = stored_range(3);
        assert_eq!(lo >> 28, 3);
        assert_eq!(hi >> 28, 3);
        assert_eq!((lo - 1) >> 28, 2);
        assert_eq!((hi + 1) >> 28, 4);
    }
}
