//! Sphere maths of the nearest-N search and its density estimate, and the Web-Mercator
//! tile keys of the clusters: pure functions and state, no database
//! (docs/architecture.md#floors-of-sharedsrc).

use std::{collections::HashMap, f64::consts::PI, sync::Mutex};

/// Mean earth radius of MariaDB's `ST_Distance_Sphere`, in metres.
pub const EARTH_RADIUS_M: f64 = 6_370_986.0;

/// Weight of the newest search in [`SiteDensity`]: one search's n-th distance varies by
/// about a fifth for n = 20, the average settles within a few dozen searches.
const DENSITY_WEIGHT: f64 = 0.1;

/// How far (as a factor) one search may move [`SiteDensity`] before weighting: a search
/// far from every site (mid-ocean) must not make the next ones read thousands of
/// candidates.
const DENSITY_STEP: f64 = 4.0;

/// Projects remembered before the estimate starts over (bounds the memory it takes).
const DENSITY_PROJECTS: usize = 4096;

/// Per project: the logarithm of the squared central angle per visible site, a moving
/// average over the nearest searches of this process (a density estimate; a hint only,
/// the search is exact whatever it says). One per [`crate::state::AppState`].
#[derive(Debug, Default)]
pub struct SiteDensity(Mutex<HashMap<i32, f64>>);

impl SiteDensity {
    /// The squared central angle (radians²) per visible site of the project, if learnt.
    pub fn area_per_site(&self, project_id: i32) -> Option<f64> {
        let map = self.0.lock().ok()?;
        map.get(&project_id)
            .map(|log| log.exp())
            .filter(|a| a.is_finite() && *a > 0.0)
    }

    /// Folds one search's `area_per_site` into the project's average.
    pub fn record(&self, project_id: i32, area_per_site: f64) {
        if !(area_per_site.is_finite() && area_per_site > 0.0) {
            return;
        }
        let sample = area_per_site.ln();
        if let Ok(mut map) = self.0.lock() {
            if map.len() > DENSITY_PROJECTS {
                map.clear();
            }
            let step = DENSITY_STEP.ln();
            let average = map.get(&project_id).map_or(sample, |old| {
                old + DENSITY_WEIGHT * (sample - old).clamp(-step, step)
            });
            map.insert(project_id, average);
        }
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

/// Zoom of the stored tile key of a site (`sites.tile`): 24 bits of x and of y, a cell of
/// about 2.4 m at the equator.
pub const TILE_ZOOM: u32 = 24;

/// Highest map zoom of the clusters: its cells (zoom + 2) are the stored tiles.
pub const MAX_CLUSTER_ZOOM: u32 = TILE_ZOOM - CELL_ZOOM_OFFSET;

/// A cluster cell at map zoom `z` is a tile of zoom `z + 2`: a quarter of a 256-pixel
/// tile's side, 64 screen pixels (docs/api-conventions.md#clusters).
pub const CELL_ZOOM_OFFSET: u32 = 2;

/// Latitude limit of Web Mercator; sites beyond it fall in the edge row of tiles.
pub const MERCATOR_MAX_LAT: f64 = 85.051_128_779_806_6;

/// The tile column and row of (`lon`, `lat`) at [`TILE_ZOOM`]. The same operations, in
/// the same order, as the migration's `site_tile` function (shared/migrations/0004_site_tiles.sql),
/// so the stored key and this one agree.
pub fn tile_xy(lon: f64, lat: f64) -> (u32, u32) {
    let n = f64::from(1u32 << TILE_ZOOM);
    let la = lat.clamp(-MERCATOR_MAX_LAT, MERCATOR_MAX_LAT).to_radians();
    let x = ((lon + 180.0) / 360.0 * n).floor().clamp(0.0, n - 1.0);
    let y = ((1.0 - (la.tan() + 1.0 / la.cos()).ln() / PI) / 2.0 * n)
        .floor()
        .clamp(0.0, n - 1.0);
    // In range by the clamps (and 0 for NaN).
    (x as u32, y as u32)
}

/// The key of tile (`x`, `y`) of [`TILE_ZOOM`]: the bits of y and x interleaved from the
/// top (y the higher of each pair), so a tile of zoom `z` is the key's top `2 z` bits
/// (`key >> 2 (24 - z)`) and its keys are one contiguous range.
pub fn interleave(x: u32, y: u32) -> u64 {
    let mut k = 0u64;
    for i in (0..TILE_ZOOM).rev() {
        k = (k << 2) | (u64::from((y >> i) & 1) << 1) | u64::from((x >> i) & 1);
    }
    k
}

/// The column and row of a key of zoom `z` (the inverse of [`interleave`] at that zoom).
pub fn deinterleave(key: u64, z: u32) -> (u32, u32) {
    let (mut x, mut y) = (0u32, 0u32);
    for i in (0..z).rev() {
        y = (y << 1) | ((key >> (2 * i + 1)) & 1) as u32;
        x = (x << 1) | ((key >> (2 * i)) & 1) as u32;
    }
    (x, y)
}

/// The stored tile key of a site at (`lon`, `lat`).
pub fn tile_key(lon: f64, lat: f64) -> u64 {
    let (x, y) = tile_xy(lon, lat);
    interleave(x, y)
}

/// The cluster cell (a key of zoom `zoom + 2`) of a stored key at map zoom `zoom`.
pub fn cell_of(key: u64, zoom: u32) -> u64 {
    key >> (2 * (TILE_ZOOM - zoom - CELL_ZOOM_OFFSET))
}

/// A lon/lat box of the query string, in degrees: `west > east` crosses the ±180° meridian.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BBox {
    pub west: f64,
    pub south: f64,
    pub east: f64,
    pub north: f64,
}

impl BBox {
    /// Parses `west,south,east,north`; the error is the message for the caller.
    pub fn parse(raw: &str) -> Result<Self, &'static str> {
        let parts: Vec<&str> = raw.split(',').map(str::trim).collect();
        let [w, s, e, n] = parts.as_slice() else {
            return Err("bbox is four numbers: west,south,east,north");
        };
        let num = |v: &str| v.parse::<f64>().ok().filter(|f| f.is_finite());
        let (Some(west), Some(south), Some(east), Some(north)) = (num(w), num(s), num(e), num(n))
        else {
            return Err("bbox is four numbers: west,south,east,north");
        };
        if ![west, east].iter().all(|x| (-180.0..=180.0).contains(x)) {
            return Err("west and east are longitudes between -180 and 180");
        }
        if ![south, north].iter().all(|y| (-90.0..=90.0).contains(y)) {
            return Err("south and north are latitudes between -90 and 90");
        }
        if south > north {
            return Err("south is greater than north");
        }
        Ok(Self {
            west,
            south,
            east,
            north,
        })
    }

    /// Whether the box crosses the ±180° meridian.
    pub fn crosses_antimeridian(&self) -> bool {
        self.west > self.east
    }

    /// Whether (`lon`, `lat`) is in the box, edges included.
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        let in_lon = if self.crosses_antimeridian() {
            lon >= self.west || lon <= self.east
        } else {
            self.west <= lon && lon <= self.east
        };
        in_lon && self.south <= lat && lat <= self.north
    }

    /// How many cells of map zoom `zoom` (tiles of `zoom + 2`) the box spans: columns
    /// times rows, whether occupied or not.
    pub fn cells(&self, zoom: u32) -> u64 {
        let shift = TILE_ZOOM.saturating_sub(zoom + CELL_ZOOM_OFFSET);
        let columns: u64 = self
            .rects()
            .iter()
            .map(|r| {
                u64::from((tile_xy(r[2], 0.0).0 >> shift) - (tile_xy(r[0], 0.0).0 >> shift)) + 1
            })
            .sum();
        let rows = u64::from(
            (tile_xy(0.0, self.south).1 >> shift) - (tile_xy(0.0, self.north).1 >> shift),
        ) + 1;
        columns * rows
    }

    /// The box as one or two lon/lat rectangles (split at ±180°).
    pub fn rects(&self) -> Vec<Rect> {
        if self.crosses_antimeridian() {
            vec![
                [self.west, self.south, 180.0, self.north],
                [-180.0, self.south, self.east, self.north],
            ]
        } else {
            vec![[self.west, self.south, self.east, self.north]]
        }
    }
}

/// Zoom of the per-cell sums of `site_cells` (shared/migrations/0005_site_cells.sql):
/// the stored key's top 20 bits (`tile >> 28`), tiles of about 39 km at the equator.
/// Clusters whose cells are this size or larger are summed from those rows.
pub const SUMMARY_ZOOM: u32 = 10;

/// Where a rectangle of sites lies relative to a box.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placement {
    /// Every point of the rectangle is in the box.
    Inside,
    /// No point of the rectangle is in the box.
    Outside,
    /// Some points may be in, some out.
    Border,
}

impl BBox {
    /// Where `rect` (`[west, south, east, north]`, not crossing ±180°) lies.
    pub fn place(&self, rect: Rect) -> Placement {
        let [w, s, e, n] = rect;
        let rects = self.rects();
        if rects
            .iter()
            .any(|r| r[0] <= w && e <= r[2] && r[1] <= s && n <= r[3])
        {
            Placement::Inside
        } else if rects
            .iter()
            .any(|r| w <= r[2] && r[0] <= e && s <= r[3] && r[1] <= n)
        {
            Placement::Border
        } else {
            Placement::Outside
        }
    }
}

/// Most cells a cluster box may span at its zoom (e.g. 128 × 64, a map of 8192 × 4096
/// pixels): bounds the answer's size well under what Lambda can deliver
/// (docs/api-conventions.md#clusters).
pub const MAX_CLUSTER_CELLS: u64 = 8192;

/// Most key ranges [`covering_ranges`] answers (before merging neighbours).
pub const MAX_COVERING_TILES: usize = 16;

/// Sorted, disjoint, inclusive ranges of stored keys ([`TILE_ZOOM`]) that hold every key
/// of a point in `bbox`: the tiles of the finest zoom at which at most
/// [`MAX_COVERING_TILES`] tiles (per side of ±180°) cover the box grown by one stored
/// tile, each a contiguous range, neighbours merged.
pub fn covering_ranges(bbox: &BBox) -> Vec<(u64, u64)> {
    let max = (1u32 << TILE_ZOOM) - 1;
    let mut ranges = Vec::new();
    for [x1, y1, x2, y2] in bbox.rects() {
        // y grows southwards; one stored tile of margin absorbs rounding.
        let (tx1, ty1) = tile_xy(x1, y2);
        let (tx2, ty2) = tile_xy(x2, y1);
        let (tx1, ty1) = (tx1.saturating_sub(1), ty1.saturating_sub(1));
        let (tx2, ty2) = ((tx2 + 1).min(max), (ty2 + 1).min(max));
        let mut z = TILE_ZOOM;
        loop {
            let shift = TILE_ZOOM - z;
            let (ax, bx) = (tx1 >> shift, tx2 >> shift);
            let (ay, by) = (ty1 >> shift, ty2 >> shift);
            let tiles = (u64::from(bx - ax) + 1) * (u64::from(by - ay) + 1);
            if tiles <= MAX_COVERING_TILES as u64 || z == 0 {
                for y in ay..=by {
                    for x in ax..=bx {
                        let lo = interleave(x << shift, y << shift);
                        let hi = lo | ((1u64 << (2 * shift)) - 1);
                        ranges.push((lo, hi));
                    }
                }
                break;
            }
            z -= 1;
        }
    }
    merge_ranges(ranges)
}

/// `ranges` (inclusive) sorted, with overlapping and touching neighbours merged.
pub fn merge_ranges(mut ranges: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    ranges.sort_unstable();
    let mut merged: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
    for (lo, hi) in ranges {
        match merged.last_mut() {
            Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
            _ => merged.push((lo, hi)),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_merge_when_they_touch_or_overlap() {
        assert_eq!(
            merge_ranges(vec![(10, 12), (0, 3), (4, 5), (11, 20), (30, 31)]),
            vec![(0, 5), (10, 20), (30, 31)]
        );
        assert_eq!(merge_ranges(Vec::new()), Vec::new());
    }

    #[test]
    fn a_rectangle_is_placed_inside_outside_or_on_the_border_of_a_box() {
        let b = BBox::parse("20,60,30,70").unwrap();
        assert_eq!(b.place([21.0, 61.0, 22.0, 62.0]), Placement::Inside);
        assert_eq!(b.place([20.0, 60.0, 30.0, 70.0]), Placement::Inside);
        assert_eq!(b.place([19.0, 61.0, 21.0, 62.0]), Placement::Border);
        assert_eq!(b.place([31.0, 61.0, 32.0, 62.0]), Placement::Outside);
        assert_eq!(b.place([21.0, 70.5, 22.0, 71.0]), Placement::Outside);
        // Across ±180°: each side holds its part; a rectangle bridging the gap does not
        // lie inside even though both of its corners are in the box.
        let x = BBox::parse("10,-10,9.9,10").unwrap();
        assert_eq!(x.place([170.0, 0.0, 171.0, 1.0]), Placement::Inside);
        assert_eq!(x.place([-171.0, 0.0, -170.0, 1.0]), Placement::Inside);
        assert_eq!(x.place([9.85, 0.0, 10.05, 1.0]), Placement::Border);
        assert_eq!(x.place([9.95, 0.0, 9.97, 1.0]), Placement::Outside);
    }

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
        let density = SiteDensity::default();
        let project = 7;
        for _ in 0..50 {
            density.record(project, 1e-12);
        }
        let settled = density.area_per_site(project).unwrap();
        assert!((settled / 1e-12 - 1.0).abs() < 1e-9);
        // A search in the middle of nowhere: its n-th site is a continent away.
        density.record(project, 1e-2);
        let after = density.area_per_site(project).unwrap();
        assert!(
            after > settled && after <= settled * DENSITY_STEP.powf(DENSITY_WEIGHT) * (1.0 + 1e-9)
        );
        // Not a number or not positive: ignored.
        density.record(project, f64::NAN);
        density.record(project, 0.0);
        assert_eq!(density.area_per_site(project), Some(after));
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

    #[test]
    fn tile_keys_nest_by_prefix() {
        // The corners of the world.
        assert_eq!(tile_xy(-180.0, 90.0), (0, 0));
        let max = (1u32 << TILE_ZOOM) - 1;
        assert_eq!(tile_xy(180.0, -90.0), (max, max));
        assert_eq!(tile_xy(0.0, 0.0), (1 << 23, 1 << 23));
        // Helsinki at zoom 10 is the slippy-map tile 10/582/296.
        let (x, y) = tile_xy(24.9384, 60.1699);
        assert_eq!((x >> 14, y >> 14), (582, 296));
        let mut seed = 12345u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        for _ in 0..10_000 {
            let (lon, lat) = (next() * 360.0 - 180.0, next() * 170.0 - 85.0);
            let (x, y) = tile_xy(lon, lat);
            let k = tile_key(lon, lat);
            assert_eq!(deinterleave(k, TILE_ZOOM), (x, y));
            for z in 0..=TILE_ZOOM {
                let s = TILE_ZOOM - z;
                assert_eq!(deinterleave(k >> (2 * s), z), (x >> s, y >> s));
            }
            for zoom in 0..=MAX_CLUSTER_ZOOM {
                let z = zoom + CELL_ZOOM_OFFSET;
                assert_eq!(
                    deinterleave(cell_of(k, zoom), z),
                    (x >> (TILE_ZOOM - z), y >> (TILE_ZOOM - z))
                );
            }
        }
    }

    #[test]
    fn covering_ranges_hold_every_point_of_the_box() {
        let mut seed = 99u64;
        let mut next = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (seed >> 11) as f64 / (1u64 << 53) as f64
        };
        for i in 0..300 {
            let (a, b) = (next() * 360.0 - 180.0, next() * 360.0 - 180.0);
            let (c, d) = (next() * 180.0 - 90.0, next() * 180.0 - 90.0);
            // Some boxes tiny, some across ±180°.
            let (west, east) = if i % 3 == 0 {
                (a, (a + 0.01).min(180.0))
            } else {
                (a, b)
            };
            let bbox = BBox {
                west,
                south: c.min(d),
                east,
                north: c.max(d),
            };
            let ranges = covering_ranges(&bbox);
            assert!(ranges.len() <= 2 * MAX_COVERING_TILES);
            assert!(ranges.windows(2).all(|w| w[0].1 < w[1].0));
            for _ in 0..200 {
                let lon = if bbox.crosses_antimeridian() {
                    let span = 180.0 - west + east + 180.0;
                    let l = west + next() * span;
                    if l > 180.0 {
                        l - 360.0
                    } else {
                        l
                    }
                } else {
                    west + next() * (east - west)
                };
                let lat = bbox.south + next() * (bbox.north - bbox.south);
                assert!(bbox.contains(lon, lat));
                let k = tile_key(lon, lat);
                assert!(
                    ranges.iter().any(|(lo, hi)| *lo <= k && k <= *hi),
                    "{bbox:?}: ({lon},{lat}) key {k} outside {ranges:?}"
                );
            }
        }
        // The world is one range.
        let world = BBox {
            west: -180.0,
            south: -90.0,
            east: 180.0,
            north: 90.0,
        };
        assert_eq!(covering_ranges(&world), vec![(0, (1u64 << 48) - 1)]);
    }

    #[test]
    fn boxes_count_their_cells() {
        let world = BBox {
            west: -180.0,
            south: -90.0,
            east: 180.0,
            north: 90.0,
        };
        assert_eq!(world.cells(0), 16);
        assert_eq!(world.cells(4), 64 * 64);
        assert!(world.cells(4) <= MAX_CLUSTER_CELLS && world.cells(5) > MAX_CLUSTER_CELLS);
        // Across ±180°: the columns of both sides, edges included (90° starts column 3,
        // -90° column 1 of 4).
        let pacific = BBox {
            west: 90.0,
            south: -1.0,
            east: -90.0,
            north: 1.0,
        };
        assert_eq!(pacific.cells(0), (1 + 2) * 2);
        let point = BBox {
            west: 24.9,
            south: 60.1,
            east: 24.9,
            north: 60.1,
        };
        assert_eq!(point.cells(MAX_CLUSTER_ZOOM), 1);
    }

    #[test]
    fn bboxes_parse_or_say_why_not() {
        let b = BBox::parse("170, -10, -170, 10").unwrap();
        assert!(b.crosses_antimeridian());
        assert!(b.contains(179.0, 0.0) && b.contains(-175.0, 0.0) && !b.contains(0.0, 0.0));
        assert_eq!(b.rects().len(), 2);
        assert!(!BBox::parse("-180,-90,180,90")
            .unwrap()
            .crosses_antimeridian());
        for bad in [
            "",
            "1,2,3",
            "1,2,3,4,5",
            "a,0,1,1",
            "0,0,181,1",
            "0,-91,1,1",
            "0,10,1,5",
            "NaN,0,1,1",
            "inf,0,1,1",
        ] {
            assert!(BBox::parse(bad).is_err(), "{bad}");
        }
    }
}
