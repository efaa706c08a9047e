//! Sphere maths of the nearest-N search and its density estimate: pure functions and
//! state, no database (docs/architecture.md#floors-of-sharedsrc).

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
}
