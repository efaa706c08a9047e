//! Memories: reads with comment counts and the caller's flags, the parent and privilege
//! checks, and the writes (docs/api-conventions.md#memories-and-comments,
//! docs/api-conventions.md#visibility).

pub use crate::access::MemoryAccess;
use mysql_async::{params, prelude::*, Row};

use super::{
    projects::{self, ProjectAccess},
    row::col,
    sites::{self, SiteAccess},
    Viewer,
};
use crate::access::{self, Level};
use crate::error::ApiError;
use crate::models::memory::Memory;

/// `own` and `waiting_approval` of a memory or comment: nothing for anonymous
/// callers; `own` always for users; `waiting_approval` on own items for users, and on
/// unpublished items (only) for the project's admins and superusers.
pub fn flags(
    viewer: Viewer,
    admin: bool,
    author: Option<i32>,
    published: bool,
) -> (Option<bool>, Option<bool>) {
    let Some(user) = viewer.user_id else {
        return (None, None);
    };
    let own = author == Some(user);
    let waiting = if admin {
        (!published).then_some(true)
    } else if own {
        Some(!published)
    } else {
        None
    };
    (Some(own), waiting)
}

/// Soft-deleted memories read as placeholders, memories of deleted accounts with the
/// placeholder author: never a failed read
/// (docs/compatibility.md#deleted-memories-and-authors-read-as-placeholders). The
/// published-comment count is the one the triggers keep
/// (shared/migrations/0008_memory_comment_counts.sql), not a subquery per memory.
macro_rules! memory_select {
    () => {
        "SELECT m.id,
                IF(m.deleted = 1 OR u.username IS NULL, '-', u.username),
                IF(m.deleted = 1, '-', COALESCE(m.title, '')),
                IF(m.deleted = 1, '-', m.story),
                IF(m.deleted = 1, NULL, img.file_name),
                COALESCE(cc.published, 0),
                m.modified_at, m.published, m.user_id
         FROM memories m
         LEFT JOIN users u ON u.id = m.user_id
         LEFT JOIN images img ON img.id = m.image_id
         LEFT JOIN memory_comment_counts cc ON cc.memory_id = m.id "
    };
}

fn memory_from_row(mut r: Row, viewer: Viewer, admin: bool) -> Result<Memory, ApiError> {
    let published: bool = col(&mut r, 7)?;
    let author: Option<i32> = col(&mut r, 8)?;
    let (own, waiting_approval) = flags(viewer, admin, author, published);
    Ok(Memory {
        id: col(&mut r, 0)?,
        user: col(&mut r, 1)?,
        title: col(&mut r, 2)?,
        story: col(&mut r, 3)?,
        image: col(&mut r, 4)?,
        comments_count: col(&mut r, 5)?,
        modified_at: col(&mut r, 6)?,
        own,
        waiting_approval,
        comments: None,
    })
}

/// The memories of a site the caller may see: admins and superusers all, users
/// published plus their own, anonymous published. Creation order.
pub async fn list(
    q: &mut impl Queryable,
    site_id: i32,
    admin: bool,
    viewer: Viewer,
) -> Result<Vec<Memory>, ApiError> {
    let rows: Vec<Row> = q
        .exec(
            concat!(
                memory_select!(),
                "WHERE m.site_id = :site AND (:admin OR m.published = 1 OR m.user_id = :user)
                 ORDER BY m.id"
            ),
            params! {"site" => site_id, "admin" => admin, "user" => viewer.user_id},
        )
        .await?;
    rows.into_iter()
        .map(|r| memory_from_row(r, viewer, admin))
        .collect()
}

/// A page of [`list`] (docs/api-conventions.md#pages): the memories after memory id
/// `after`, in id order, at most `fetch` rows (one past a page tells whether the list goes
/// on), each with its id as the sort key.
pub async fn list_after(
    q: &mut impl Queryable,
    site_id: i32,
    admin: bool,
    viewer: Viewer,
    after: Option<i32>,
    fetch: u64,
) -> Result<Vec<(i32, Memory)>, ApiError> {
    let rows: Vec<Row> = q
        .exec(
            concat!(
                memory_select!(),
                "WHERE m.site_id = :site AND (:admin OR m.published = 1 OR m.user_id = :user)
                   AND m.id > :after
                 ORDER BY m.id LIMIT :n"
            ),
            params! {
                "site" => site_id, "admin" => admin, "user" => viewer.user_id,
                "after" => after.unwrap_or(i32::MIN), "n" => fetch,
            },
        )
        .await?;
    rows.into_iter()
        .map(|r| memory_from_row(r, viewer, admin).map(|m| (m.id, m)))
        .collect()
}

/// One memory by id; visibility was checked by [`locate`].
pub async fn get(
    q: &mut impl Queryable,
    memory_id: i32,
    admin: bool,
    viewer: Viewer,
) -> Result<Option<Memory>, ApiError> {
    let row: Option<Row> = q
        .exec_first(
            concat!(memory_select!(), "WHERE m.id = :id"),
            params! {"id" => memory_id},
        )
        .await?;
    row.map(|r| memory_from_row(r, viewer, admin)).transpose()
}

pub async fn access(
    q: &mut impl Queryable,
    site_id: i32,
    memory_id: i64,
    lock: bool,
) -> Result<Option<MemoryAccess>, ApiError> {
    let sql = if lock {
        "SELECT id, published, user_id, deleted, image_id FROM memories
         WHERE site_id = ? AND id = ? FOR UPDATE"
    } else {
        "SELECT id, published, user_id, deleted, image_id FROM memories
         WHERE site_id = ? AND id = ?"
    };
    let row: Option<Row> = q.exec_first(sql, (site_id, memory_id)).await?;
    let Some(mut r) = row else { return Ok(None) };
    Ok(Some(MemoryAccess {
        id: col(&mut r, 0)?,
        published: col(&mut r, 1)?,
        user_id: col(&mut r, 2)?,
        deleted: col(&mut r, 3)?,
        image_id: col(&mut r, 4)?,
    }))
}

/// The parents of a memory collection (list, create): the project and the site must be
/// visible to the caller, else 404 naming the first hidden level.
pub async fn require_parents(
    q: &mut impl Queryable,
    project: &str,
    site: &str,
    viewer: Viewer,
) -> Result<(ProjectAccess, SiteAccess), ApiError> {
    let project = projects::require_visible(q, project, viewer).await?;
    let site = sites::require_visible(q, &project, site, viewer, false).await?;
    Ok((project, site))
}

/// One memory and its parents, as the caller may see them.
pub struct Located {
    pub project: ProjectAccess,
    pub site: SiteAccess,
    pub memory: MemoryAccess,
}

/// Finds memory `id` under project/site. Its author and the project's admins pass hidden
/// parents; everybody else gets a 404 for the first level hidden from them, checked
/// before the next level's existence so nothing leaks. `lock` locks the memory row.
pub async fn locate(
    q: &mut impl Queryable,
    project: &str,
    site: &str,
    id: i64,
    viewer: Viewer,
    lock: bool,
) -> Result<Located, ApiError> {
    let project = projects::access(q, project, viewer, false)
        .await?
        .ok_or_else(|| ApiError::not_found("Project"))?;
    let site = sites::access(q, &project, site, false).await?;
    let memory = match &site {
        Some(s) => access(q, s.id, id, lock).await?,
        None => None,
    };
    let bypass = project.admin || memory.as_ref().is_some_and(|m| m.is_author(viewer));
    access::reach(
        &[
            Level::new("Project", Some(project.visible())),
            Level::new("Site", site.as_ref().map(|s| s.visible(&project, viewer))),
        ],
        Level::new(
            "Memory",
            memory.as_ref().map(|m| m.visible(&project, viewer)),
        ),
        bypass,
    )?;
    let (Some(site), Some(memory)) = (site, memory) else {
        return Err(ApiError::internal("reach passed a missing level"));
    };
    Ok(Located {
        project,
        site,
        memory,
    })
}

pub async fn create(
    q: &mut impl Queryable,
    site_id: i32,
    user_id: i32,
    title: &str,
    story: Option<&str>,
    image_id: Option<i32>,
    published: bool,
) -> Result<i32, ApiError> {
    q.exec_first(
        "INSERT INTO memories (site_id, user_id, image_id, title, story, published)
         VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        (site_id, user_id, image_id, title, story, published),
    )
    .await?
    .ok_or_else(|| ApiError::internal("memory insert returned no id"))
}

/// Sets the fields given (`None` leaves one alone; `Some(None)` clears story or image).
pub async fn update(
    q: &mut impl Queryable,
    memory_id: i32,
    title: Option<&str>,
    story: Option<Option<&str>>,
    image: Option<Option<i32>>,
) -> Result<(), ApiError> {
    q.exec_drop(
        "UPDATE memories SET
            title = IF(:set_title, :title, title),
            story = IF(:set_story, :story, story),
            image_id = IF(:set_image, :image, image_id)
         WHERE id = :id",
        params! {
            "set_title" => title.is_some(), "title" => title,
            "set_story" => story.is_some(), "story" => story.flatten(),
            "set_image" => image.is_some(), "image" => image.flatten(),
            "id" => memory_id,
        },
    )
    .await?;
    Ok(())
}

/// Soft delete: the row and its comments stay (reads show placeholders); the image is
/// detached so that its file can go (docs/compatibility.md#image-files-leave-nothing-behind).
pub async fn soft_delete(q: &mut impl Queryable, memory_id: i32) -> Result<(), ApiError> {
    q.exec_drop(
        "UPDATE memories SET deleted = 1, image_id = NULL WHERE id = ?",
        (memory_id,),
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_follow_the_spec() {
        let anon = Viewer::anonymous();
        let me = Viewer {
            user_id: Some(7),
            superuser: false,
        };
        assert_eq!(flags(anon, false, Some(7), false), (None, None));
        assert_eq!(flags(me, false, Some(7), false), (Some(true), Some(true)));
        assert_eq!(flags(me, false, Some(7), true), (Some(true), Some(false)));
        assert_eq!(flags(me, false, Some(8), true), (Some(false), None));
        assert_eq!(flags(me, false, None, true), (Some(false), None));
        assert_eq!(flags(me, true, Some(8), false), (Some(false), Some(true)));
        assert_eq!(flags(me, true, Some(7), true), (Some(true), None));
    }
}
