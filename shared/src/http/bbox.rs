//! The `bbox` query parameter: `west,south,east,north` in degrees (WGS84), for the site
//! list's box mode and the clusters (docs/api-conventions.md#bounding-boxes). The rules
//! are `geo::BBox::parse`; this puts a broken one at `["query", "bbox"]`.

use crate::error::FieldError;
use crate::geo::BBox;

/// The box of a `bbox` value: four comma-separated finite numbers, longitudes in
/// -180..=180, latitudes in -90..=90 and `south <= north` (`west > east` crosses the
/// antimeridian), else a field error at `["query", "bbox"]`.
pub fn parse_bbox(text: &str) -> Result<BBox, FieldError> {
    BBox::parse(text).map_err(|msg| FieldError::new(&["query", "bbox"], msg, "value_error.bbox"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_box_is_one_rectangle() {
        assert_eq!(
            parse_bbox("24.5,60.0,25.5,60.5").unwrap().rects(),
            vec![[24.5, 60.0, 25.5, 60.5]]
        );
        assert_eq!(
            parse_bbox(" -180 , -90 , 180 , 90 ").unwrap().rects(),
            vec![[-180.0, -90.0, 180.0, 90.0]]
        );
        // A point is a box too.
        assert_eq!(
            parse_bbox("1,2,1,2").unwrap().rects(),
            vec![[1.0, 2.0, 1.0, 2.0]]
        );
    }

    #[test]
    fn west_past_east_crosses_the_antimeridian() {
        assert_eq!(
            parse_bbox("170,-20,-170,10").unwrap().rects(),
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
                Err(e) => assert_eq!(e.loc, ["query", "bbox"], "{text}"),
                Ok(b) => panic!("{text}: {b:?}"),
            }
        }
    }
}
