//! The `bbox` query parameter: `west,south,east,north` in degrees (WGS84) as the lon/lat
//! rectangles to search (docs/api-conventions.md#bounding-boxes).

use crate::error::ApiError;
use crate::geo::Rect;

fn bad(msg: impl Into<String>, kind: &str) -> ApiError {
    ApiError::validation(&["query", "bbox"], msg, kind)
}

/// The rectangles of a `bbox` value: one, or two when `west > east` (the box crosses the
/// antimeridian: `west..180` and `-180..east`). Four comma-separated finite numbers,
/// longitudes in -180..=180, latitudes in -90..=90 and `south <= north`, else a 422 at
/// `["query", "bbox"]`.
pub fn parse_bbox(text: &str) -> Result<Vec<Rect>, ApiError> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if parts.len() != 4 {
        return Err(bad(
            "bbox must be four numbers: west,south,east,north",
            "value_error.bbox",
        ));
    }
    let mut v = [0.0_f64; 4];
    for (slot, part) in v.iter_mut().zip(&parts) {
        *slot = part
            .parse::<f64>()
            .ok()
            .filter(|x| x.is_finite())
            .ok_or_else(|| bad("bbox must be four numbers", "type_error.float"))?;
    }
    let [west, south, east, north] = v;
    let lon_ok = |x: f64| (-180.0..=180.0).contains(&x);
    let lat_ok = |y: f64| (-90.0..=90.0).contains(&y);
    if !(lon_ok(west) && lon_ok(east) && lat_ok(south) && lat_ok(north)) {
        return Err(bad(
            "bbox longitudes must be in -180..180 and latitudes in -90..90",
            "value_error.number.not_in_range",
        ));
    }
    if south > north {
        return Err(bad("bbox south must not exceed north", "value_error.bbox"));
    }
    Ok(if west > east {
        vec![[west, south, 180.0, north], [-180.0, south, east, north]]
    } else {
        vec![[west, south, east, north]]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_is_one_rectangle() {
        assert_eq!(
            parse_bbox("24.5,60.0,25.5,60.5").unwrap(),
            vec![[24.5, 60.0, 25.5, 60.5]]
        );
        assert_eq!(
            parse_bbox(" -180 , -90 , 180 , 90 ").unwrap(),
            vec![[-180.0, -90.0, 180.0, 90.0]]
        );
        // A point is a box too.
        assert_eq!(parse_bbox("1,2,1,2").unwrap(), vec![[1.0, 2.0, 1.0, 2.0]]);
    }

    #[test]
    fn west_past_east_crosses_the_antimeridian() {
        assert_eq!(
            parse_bbox("170,-20,-170,10").unwrap(),
            vec![[170.0, -20.0, 180.0, 10.0], [-180.0, -20.0, -170.0, 10.0]]
        );
    }

    #[test]
    fn bad_boxes_are_422_at_bbox() {
        for text in [
            "",
            "1,2,3",
            "1,2,3,4,5",
            "a,2,3,4",
            "1,2,3,NaN",
            "1,2,inf,4",
            "-181,0,0,1",
            "0,0,181,1",
            "0,-91,1,0",
            "0,0,1,91",
            "0,10,1,5",
        ] {
            match parse_bbox(text) {
                Err(ApiError::Validation(v)) => assert_eq!(v[0].loc, ["query", "bbox"], "{text}"),
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
