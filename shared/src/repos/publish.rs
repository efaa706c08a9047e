//! `POST /admin/publish`: the target must lie in the named parent chain, the caller must
//! administer that project now, and a refusal says nothing
//! (docs/compatibility.md#publishing-stays-inside-the-named-parents,
//! docs/compatibility.md#a-refused-publish-says-nothing).

use mysql_async::prelude::*;

use super::{comments, memories, projects, sites, trail, Viewer};
use crate::error::ApiError;
use crate::models::publish::{PublishOrder, Target};

/// Applies the order; `true` if the flag changed, `false` if it already had that value.
pub async fn apply(
    q: &mut impl Queryable,
    order: &PublishOrder,
    viewer: Viewer,
) -> Result<bool, ApiError> {
    let project = projects::access(q, &order.project, viewer, true).await?;
    // Only a superuser may learn that a project does not exist; anyone else who is not
    // its admin gets the same refusal either way.
    let project = match project {
        Some(p) if p.admin => p,
        None if viewer.superuser => return Err(ApiError::not_found("Project")),
        _ => return Err(ApiError::no_privileges()),
    };
    let parents = || ApiError::NotFound("Parents were not found".into());
    let (table, id, current, target) = match &order.target {
        Target::Project => (
            "projects",
            project.id,
            project.published,
            project.name.clone(),
        ),
        Target::Site { site } => {
            let s = sites::access(q, &project, site, true)
                .await?
                .ok_or_else(|| ApiError::not_found("Site"))?;
            ("sites", s.id, s.published, s.name)
        }
        Target::Memory { site, memory } => {
            let s = sites::access(q, &project, site, false)
                .await?
                .ok_or_else(parents)?;
            let m = memories::access(q, s.id, *memory, true)
                .await?
                .ok_or_else(|| ApiError::not_found("Memory"))?;
            ("memories", m.id, m.published, m.id.to_string())
        }
        Target::Comment {
            site,
            memory,
            comment,
        } => {
            let s = sites::access(q, &project, site, false)
                .await?
                .ok_or_else(parents)?;
            let m = memories::access(q, s.id, *memory, false)
                .await?
                .ok_or_else(parents)?;
            let c = comments::access(q, m.id, *comment, true)
                .await?
                .ok_or_else(|| ApiError::not_found("Comment"))?;
            ("comments", c.id, c.published, c.id.to_string())
        }
    };
    if current == order.publish {
        return Ok(false);
    }
    // In this transaction, so that the change and its entry stand or fall together
    // (docs/api-conventions.md#moderation-log).
    let entry = trail::Entry {
        project_id: project.id,
        actor: viewer.user_id,
        action: if order.publish {
            trail::Action::Publish
        } else {
            trail::Action::Unpublish
        },
        kind: match table {
            "projects" => "project",
            "sites" => "site",
            "memories" => "memory",
            _ => "comment",
        },
        target: &target,
        from: Some(trail::published_word(current)),
        to: Some(trail::published_word(order.publish)),
    };
    trail::record(q, &entry).await?;
    // One fixed statement per table (docs/compatibility.md#sql-statements-are-fixed);
    // the row is locked above.
    let sql = match table {
        "projects" => "UPDATE projects SET published = ? WHERE id = ?",
        "sites" => "UPDATE sites SET published = ? WHERE id = ?",
        "memories" => "UPDATE memories SET published = ? WHERE id = ?",
        _ => "UPDATE comments SET published = ? WHERE id = ?",
    };
    q.exec_drop(sql, (order.publish, id)).await?;
    Ok(true)
}
