//! Memories.

use axum::{extract::State, Json, Router};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::http::doc::{
    params::{AcceptLanguage, ContentLanguage, MemoryPath, ProjectPath, SitePath},
    responses::{
        Always, BadImage, Changed, Created, Invalid, Limited, NoContent, NoPrivileges, NotFound,
        NotLocalized, NotModified, TooLarge,
    },
};
use crate::{
    error::{ApiError, ApiResult},
    http::{
        guard::Attempts,
        limit::{self, Posting},
        page::{PageQuery, Scope, MAX_LIMIT},
        paged::{self, Chunks, PagedReply},
        ApiJson, AuthUser, BaseUrl, MaybeUser, MemoryId, MemoryPathIds, OptionalJson, ProjectId,
        QueryMap, Reply, RequestLang, SiteId,
    },
    models::{
        info::invalid,
        memory::{Memory, ModifiedMemoryIn, NewMemoryIn},
        report::ReportIn,
    },
    repos::{comments, images::Uploads, memories, reports},
    state::AppState,
    validation::Patch,
};

/// The group's routes, each declared once, by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    crate::telemetry::link_mark!("routes", "memories");
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, modify, remove))
        .routes(routes!(report))
        .routes(routes!(dismiss_reports))
}

/// What the function serves: [`routes`] without its part of the document.
pub fn router() -> Router<AppState> {
    routes().split_for_parts().0
}

/// `{"items": [Memory, …]}`, with `next` when paged or cut at the size cap, for the API
/// document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct MemoryList {
    items: Vec<Memory>,
    /// The cursor of the next page, or null on the last one. Present when `limit` or
    /// `cursor` was given, or when the whole list would exceed the response size cap.
    #[schema(nullable)]
    next: Option<String>,
}

#[utoipa::path(get, path = "/projects/{project}/sites/{site}/memories", tag = "memories", operation_id = "memories_memories_list",
    summary = "Memories of a site, optionally with comments",
    description = "The memories in the order of their creation, paged with `limit` and \
`cursor` like the site list: a paged answer has `next` (the cursor of the next page, or null) \
and a `Link: <…>; rel=\"next\"` header when there is a next page. Without `limit` and \
`cursor` the answer is the whole list as `{\"items\"}`, unless its body would exceed the \
server's response size cap: then it is the first page that fits, with `next` and the `Link` \
header. A page holds at least one memory.",
    params(ProjectPath, SitePath, ("include_comments" = Option<bool>, Query),
        ("limit" = Option<u32>, Query, description = "Memories per page (with `cursor` alone: 100)", minimum = 1, maximum = 1000),
        ("cursor" = Option<String>, Query, description = "Where to resume: the `next` of the page before, for this site"),
        AcceptLanguage),
    responses(
        (status = 200, description = "The memories the caller may see", body = MemoryList,
            headers(("Link" = String, description = "`<URL of the next page>; rel=\"next\"`, when there is one"))),
        NotFound, Always, NotLocalized, Invalid
    ))]
async fn list(
    State(state): State<AppState>,
    ProjectId(project): ProjectId,
    SiteId(site): SiteId,
    query: QueryMap,
    user: MaybeUser,
    lang: RequestLang,
    base: BaseUrl,
) -> ApiResult<PagedReply> {
    let include_comments = query.bool_or("include_comments", false)?;
    let page_query = PageQuery::parse(&query)?;
    lang.resolve()?;
    let viewer = user.viewer();
    let mut conn = state.db().conn().await?;
    let path = format!("/projects/{}/sites/{}/memories", project, site);
    let (project, site) =
        memories::require_parents(&mut conn, project.as_str(), site.as_str(), viewer).await?;
    let after = page_query.after(Scope::memories(site.id))?;
    let cap = state.config().max_response_bytes;
    let mut chunks = Chunks::new(&page_query, MAX_LIMIT, cap, after);
    while chunks.wants_more() {
        let (after, take) = (chunks.after(), chunks.take());
        let mut rows = memories::list_after(
            &mut conn,
            site.id,
            project.admin,
            viewer,
            after,
            u64::from(take) + 1,
        )
        .await?;
        let more = rows.len() > take as usize;
        rows.truncate(take as usize);
        if include_comments {
            // Under the caller's own view, one statement for the memories of this chunk
            // (docs/compatibility.md#embedded-lists-follow-the-callers-view).
            let ids: Vec<i32> = rows.iter().map(|(_, m)| m.id).collect();
            let mut map = comments::for_memories(&mut conn, &ids, project.admin, viewer).await?;
            for (_, memory) in &mut rows {
                memory.comments = Some(map.remove(&memory.id).unwrap_or_default());
            }
        }
        chunks.add(&rows, more)?;
    }
    let (collected, more, shape) = chunks.done();
    let limit = page_query.limit;
    paged::finish(
        collected,
        more,
        shape,
        cap,
        Scope::memories(site.id),
        |cursor| {
            let mut pairs: Vec<(&str, String)> = Vec::new();
            if include_comments {
                pairs.push(("include_comments", "true".into()));
            }
            if let Some(l) = limit {
                pairs.push(("limit", l.to_string()));
            }
            pairs.push(("cursor", cursor.to_string()));
            let q = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            base.join(&format!("{path}?{q}"))
        },
    )
}

#[utoipa::path(get, path = "/projects/{project}/sites/{site}/memories/{memory}", tag = "memories", operation_id = "memories_memories_read",
    summary = "One memory",
    params(ProjectPath, SitePath, MemoryPath, ("include_comments" = Option<bool>, Query), AcceptLanguage),
    responses(
        (status = 200, description = "The memory", body = Memory),
        NotFound, Always, NotLocalized, Invalid
    ))]
async fn read(
    State(state): State<AppState>,
    (ProjectId(project), SiteId(site), MemoryId(id)): MemoryPathIds,
    query: QueryMap,
    user: MaybeUser,
    lang: RequestLang,
) -> ApiResult<Json<Memory>> {
    let include_comments = query.bool_or("include_comments", false)?;
    lang.resolve()?;
    let viewer = user.viewer();
    let mut conn = state.db().conn().await?;
    let found = memories::locate(
        &mut conn,
        project.as_str(),
        site.as_str(),
        id,
        viewer,
        false,
    )
    .await?;
    let admin = found.project.admin;
    let mut memory = memories::get(&mut conn, found.memory.id, admin, viewer)
        .await?
        .ok_or_else(|| ApiError::not_found("Memory"))?;
    if include_comments {
        memory.comments = Some(comments::list(&mut conn, memory.id, admin, viewer).await?);
    }
    Ok(Json(memory))
}

#[utoipa::path(post, path = "/projects/{project}/sites/{site}/memories", tag = "memories", operation_id = "memories_memories_create",
    summary = "Post a memory",
    params(ProjectPath, SitePath, ContentLanguage),
    request_body = NewMemoryIn,
    security(("bearer" = [])),
    responses(
        Limited,
        Created, BadImage, NotFound, Always, NotLocalized, TooLarge, Invalid
    ))]
async fn create(
    State(state): State<AppState>,
    (ProjectId(project), SiteId(site)): (ProjectId, SiteId),
    user: MaybeUser,
    attempts: Attempts,
    lang: RequestLang,
    base: BaseUrl,
    ApiJson(body): ApiJson<NewMemoryIn>,
) -> ApiResult<Reply> {
    let body = body.validate().map_err(invalid)?;
    let user = user.require()?;
    lang.resolve()?;
    let viewer = user.viewer();
    limit::check(&state, &attempts, viewer, Posting::Memory).await?;
    let mut tx = state.db().begin().await?;
    // No admin-posting rule for memories
    // (docs/compatibility.md#admin-posting-restricts-sites-only).
    let (_, site_access) =
        memories::require_parents(&mut tx, project.as_str(), site.as_str(), viewer).await?;
    let mut uploads = Uploads::new(state.images().clone());
    let image_id = match &body.image {
        Some(img) => Some(uploads.add(&mut tx, user.id, img).await?),
        None => None,
    };
    let id = memories::create(
        &mut tx,
        site_access.id,
        user.id,
        &body.title,
        body.story.as_deref(),
        image_id,
        state.config().auto_publish,
    )
    .await?;
    tx.commit().await?;
    uploads.commit().await;
    Ok(Reply::Created(base.join(&format!(
        "/projects/{project}/sites/{site}/memories/{id}"
    ))))
}

#[utoipa::path(patch, path = "/projects/{project}/sites/{site}/memories/{memory}", tag = "memories", operation_id = "memories_memories_modify",
    summary = "Change a memory (its author)",
    params(ProjectPath, SitePath, MemoryPath, ContentLanguage),
    request_body = ModifiedMemoryIn,
    security(("bearer" = [])),
    responses(
        Changed, NotModified, BadImage, NoPrivileges, NotFound, Always, NotLocalized, TooLarge, Invalid
    ))]
async fn modify(
    State(state): State<AppState>,
    (ProjectId(project), SiteId(site), MemoryId(id)): MemoryPathIds,
    user: MaybeUser,
    lang: RequestLang,
    base: BaseUrl,
    ApiJson(body): ApiJson<ModifiedMemoryIn>,
) -> ApiResult<Reply> {
    let body = body.validate().map_err(invalid)?;
    let user = user.require()?;
    lang.resolve()?;
    let viewer = user.viewer();
    let mut tx = state.db().begin().await?;
    let found =
        memories::locate(&mut tx, project.as_str(), site.as_str(), id, viewer, true).await?;
    // Only the author edits a memory; admins moderate by publishing or deleting.
    if !found.memory.is_author(viewer) {
        return Err(ApiError::no_privileges());
    }
    if body.is_empty() {
        return Ok(Reply::NotModified);
    }
    let mut uploads = Uploads::new(state.images().clone());
    let image = match &body.image {
        Patch::Absent => None,
        Patch::Null => Some(None),
        Patch::Value(img) => Some(Some(uploads.add(&mut tx, user.id, img).await?)),
    };
    if image.is_some() {
        uploads.discard(&mut tx, found.memory.image_id).await?;
    }
    let story = body.story.as_option().map(|s| s.map(String::as_str));
    memories::update(
        &mut tx,
        found.memory.id,
        body.title.as_deref(),
        story,
        image,
    )
    .await?;
    tx.commit().await?;
    uploads.commit().await;
    Ok(Reply::Changed(base.join(&format!(
        "/projects/{project}/sites/{site}/memories/{id}"
    ))))
}

#[utoipa::path(delete, path = "/projects/{project}/sites/{site}/memories/{memory}", tag = "memories", operation_id = "memories_memories_remove",
    summary = "Delete a memory (soft; its author, admins)",
    params(ProjectPath, SitePath, MemoryPath, ContentLanguage),
    security(("bearer" = [])),
    responses(
        Changed, NoPrivileges, NotFound, Always, NotLocalized, Invalid
    ))]
/// Soft delete: the author, the project's admins and superusers.
async fn remove(
    State(state): State<AppState>,
    (ProjectId(project), SiteId(site), MemoryId(id)): MemoryPathIds,
    user: AuthUser,
    lang: RequestLang,
    base: BaseUrl,
) -> ApiResult<Reply> {
    lang.resolve()?;
    let viewer = user.viewer();
    let mut tx = state.db().begin().await?;
    let found =
        memories::locate(&mut tx, project.as_str(), site.as_str(), id, viewer, true).await?;
    if !(found.memory.is_author(viewer) || found.project.admin) {
        return Err(ApiError::no_privileges());
    }
    let mut uploads = Uploads::new(state.images().clone());
    memories::soft_delete(&mut tx, found.memory.id).await?;
    uploads.discard(&mut tx, found.memory.image_id).await?;
    tx.commit().await?;
    uploads.commit().await;
    Ok(Reply::Changed(base.join(&format!(
        "/projects/{project}/sites/{site}/memories"
    ))))
}

#[utoipa::path(post, path = "/projects/{project}/sites/{site}/memories/{memory}/report", tag = "memories", operation_id = "memories_memories_report",
    summary = "Report a memory to the moderators (users)",
    description = "Any user who can see the memory may report it once, with an optional \
`reason`; reporting it again changes nothing. A memory cannot be reported by its author. When \
the memory's distinct reporters reach the server's threshold it is unpublished at once (see \
docs/api-conventions.md#reports).",
    params(ProjectPath, SitePath, MemoryPath, ContentLanguage),
    request_body(content = Option<ReportIn>, description = "Optional; may be left out"),
    security(("bearer" = [])),
    responses(
        Limited,
        NoContent, NoPrivileges, NotFound, Always, NotLocalized, TooLarge, Invalid
    ))]
/// 204 whether the report is new or a repeat; 403 for the memory's own author.
async fn report(
    State(state): State<AppState>,
    (ProjectId(project), SiteId(site), MemoryId(id)): MemoryPathIds,
    user: MaybeUser,
    attempts: Attempts,
    lang: RequestLang,
    OptionalJson(body): OptionalJson<ReportIn>,
) -> ApiResult<Reply> {
    let reason = body.validate().map_err(invalid)?;
    let user = user.require()?;
    lang.resolve()?;
    let viewer = user.viewer();
    limit::check(&state, &attempts, viewer, Posting::Report).await?;
    let mut tx = state.db().begin().await?;
    let found =
        memories::locate(&mut tx, project.as_str(), site.as_str(), id, viewer, true).await?;
    if found.memory.is_author(viewer) {
        return Err(ApiError::no_privileges());
    }
    let item = reports::Item::Memory(found.memory.id);
    let threshold = state.config().report_hide_threshold;
    reports::report(
        &mut tx,
        found.project.id,
        item,
        found.memory.published,
        user.id,
        reason.as_deref(),
        threshold,
    )
    .await?;
    tx.commit().await?;
    Ok(Reply::NoContent)
}

#[utoipa::path(delete, path = "/projects/{project}/sites/{site}/memories/{memory}/reports", tag = "memories", operation_id = "memories_memories_dismiss_reports",
    summary = "Dismiss the reports of a memory (the project's admins)",
    description = "Removes every report of the memory, reasons included, after a moderator \
found it fine; whether it is published stays as it is (that is `POST /admin/publish`). \
`204` also when there was nothing to dismiss. See docs/api-conventions.md#moderation-queue.",
    params(ProjectPath, SitePath, MemoryPath, ContentLanguage),
    security(("bearer" = [])),
    responses(
        NoContent, NoPrivileges, NotFound, Always, NotLocalized, Invalid
    ))]
async fn dismiss_reports(
    State(state): State<AppState>,
    (ProjectId(project), SiteId(site), MemoryId(id)): MemoryPathIds,
    user: AuthUser,
    lang: RequestLang,
) -> ApiResult<Reply> {
    lang.resolve()?;
    let viewer = user.viewer();
    let mut tx = state.db().begin().await?;
    let found =
        memories::locate(&mut tx, project.as_str(), site.as_str(), id, viewer, true).await?;
    if !found.project.admin {
        return Err(ApiError::no_privileges());
    }
    let item = reports::Item::Memory(found.memory.id);
    reports::dismiss(&mut tx, found.project.id, item, user.id).await?;
    tx.commit().await?;
    Ok(Reply::NoContent)
}
