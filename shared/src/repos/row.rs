//! Reading columns of a result row without panicking on unexpected values.

use mysql_async::{prelude::FromValue, Row};

use crate::error::ApiError;

/// Column `i` of `row` as `T`; a NULL or mismatched value is a 500 naming the column.
pub fn col<T: FromValue>(row: &mut Row, i: usize) -> Result<T, ApiError> {
    match row.take_opt::<T, usize>(i) {
        Some(Ok(v)) => Ok(v),
        Some(Err(e)) => Err(ApiError::internal(format!("column {i}: {e:?}"))),
        None => Err(ApiError::internal(format!("column {i} missing"))),
    }
}
