//! User lookups needed outside login: who is calling, by the name their session holds.

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

/// A user as authentication needs them: identity and current privileges.
#[derive(Clone, Debug)]
pub struct Caller {
    pub id: i32,
    pub username: String,
    pub superuser: bool,
    /// Has a `project_admins` row for at least one project.
    pub admin_of_any: bool,
}

/// The user named by a session, with their privileges as the database has them now
/// (docs/compatibility.md#privileges-are-read-on-every-request); `None` if gone.
pub async fn caller(q: &mut impl Queryable, username: &str) -> Result<Option<Caller>, ApiError> {
    let row: Option<(i32, String, bool, bool)> = q
        .exec_first(
            "SELECT u.id, u.username,
                    EXISTS(SELECT 1 FROM superusers s WHERE s.user_id = u.id),
                    EXISTS(SELECT 1 FROM project_admins pa WHERE pa.user_id = u.id)
             FROM users u WHERE u.username = ?",
            (username,),
        )
        .await?;
    Ok(row.map(|(id, username, superuser, admin_of_any)| Caller {
        id,
        username,
        superuser,
        admin_of_any,
    }))
}
