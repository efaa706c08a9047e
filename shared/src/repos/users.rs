//! User lookups needed outside login.

use mysql_async::prelude::*;

use crate::error::ApiError;

/// The id of the user with this name (database collation: case- and accent-insensitive).
pub async fn id_by_username(
    q: &mut impl Queryable,
    username: &str,
) -> Result<Option<i32>, ApiError> {
    Ok(
        q.exec_first("SELECT id FROM users WHERE username = ?", (username,))
            .await?,
    )
}
