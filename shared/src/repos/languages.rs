//! The `languages` table.

use std::sync::{Arc, RwLock};

use mysql_async::prelude::*;

use crate::error::ApiError;

/// The id of a language row, if the table has it.
pub async fn id_of(q: &mut impl Queryable, lang: &str) -> Result<Option<i32>, ApiError> {
    Ok(
        q.exec_first("SELECT id FROM languages WHERE lang = ?", (lang,))
            .await?,
    )
}

/// The id of a language that the configuration supports *and* the table holds
/// (docs/compatibility.md#languages-must-be-configured-and-in-the-table).
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

/// The `languages` table as `(id, code)` pairs, kept per database pool. Rows are only ever
/// added (by migrations) and never renumbered, so the copy stays right; it is read again
/// only when asked for an id or code it lacks. The nearest search needs the codes as
/// bound values: joining `languages` by a constant there would make MariaDB read it while
/// optimising, before the R-tree, which fails (MDEV-26123).
#[derive(Clone, Default)]
pub struct LanguageCache(Arc<RwLock<Vec<(i32, String)>>>);

impl LanguageCache {
    /// The code of language row `id`.
    pub async fn code_of(
        &self,
        q: &mut impl Queryable,
        id: i32,
    ) -> Result<Option<String>, ApiError> {
        self.find(q, |(i, code)| (*i == id).then(|| code.clone()))
            .await
    }

    /// The id of the row for `code`.
    pub async fn id_of(&self, q: &mut impl Queryable, code: &str) -> Result<Option<i32>, ApiError> {
        self.find(q, |(id, c)| (c == code).then_some(*id)).await
    }

    async fn find<T>(
        &self,
        q: &mut impl Queryable,
        pick: impl Fn(&(i32, String)) -> Option<T>,
    ) -> Result<Option<T>, ApiError> {
        if let Some(found) = self.0.read().ok().and_then(|t| t.iter().find_map(&pick)) {
            return Ok(Some(found));
        }
        let rows: Vec<(i32, String)> = q.exec("SELECT id, lang FROM languages", ()).await?;
        let found = rows.iter().find_map(&pick);
        if let Ok(mut table) = self.0.write() {
            *table = rows;
        }
        Ok(found)
    }
}
