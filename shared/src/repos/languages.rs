//! The `languages` table.

use mysql_async::prelude::*;

use crate::error::ApiError;

/// The id of a language row, if the table has it.
pub async fn id_of(q: &mut impl Queryable, lang: &str) -> Result<Option<i32>, ApiError> {
    Ok(
        q.exec_first("SELECT id FROM languages WHERE lang = ?", (lang,))
            .await?,
    )
}

/// The id of a language that the configuration supports *and* the table holds (B6).
pub async fn supported_id(
    q: &mut impl Queryable,
    supported: &[String],
    lang: &str,
) -> Result<Option<i32>, ApiError> {
    if !supported.iter().any(|s| s == lang) {
        return Ok(None);
    }
    id_of(q, lang).await
}
