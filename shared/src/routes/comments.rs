//! Comments. Not registered when `MUISTOT_DISABLE_COMMENTS` is set.

use axum::{extract::State, Json, Router};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::http::doc::{
    params::{AcceptLanguage, CommentPath, ContentLanguage, MemoryPath, ProjectPath, SitePath},
    responses::{
        Always, Changed, Created, Invalid, Limited, NoContent, NoPrivileges, NotFound,
        NotLocalized, TooLarge,
    },
};
use crate::{
    error::{ApiError, ApiResult},
    http::{
        guard::Attempts,
        limit::{self, Posting},
        page::{PageQuery, Scope, MAX_LIMIT},
        paged::{self, Chunks, PagedReply},
        ApiJson, AuthUser, BaseUrl, CommentId, CommentPathIds, MaybeUser, MemoryId, MemoryPathIds,
        OptionalJson, ProjectId, QueryMap, Reply, RequestLang, SiteId,
    },
    models::{
        comment::{Comment, CommentIn},
        info::invalid,
        report::ReportIn,
    },
    repos::{comments, reports},
    state::AppState,
    validation::EntityId,
};

/// The group's routes, each declared once, by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    crate::telemetry::link_mark!("routes", "comments");
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

/// `{"items": [Comment, …]}`, with `next` when paged or cut at the size cap, for the API
/// document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CommentList {
    items: Vec<Comment>,
    /// The cursor of the next page, or null on the last one. Present when `limit` or
    /// `cursor` was given, or when the whole list would exceed the response size cap.
    #[schema(nullable)]
    next: Option<String>,
}

struct Parents {
    project: EntityId,
    site: EntityId,
    memory: i64,
}

impl Parents {
    fn collection_url(&self, base: &BaseUrl) -> String {
        base.join(&format!(
            "/projects/{}/sites/{}/memories/{}/comments",
            self.project, self.site, self.memory
        ))
    }
}

#[utoipa::path(get, path = "/projects/{project}/sites/{site}/memories/{memory}/comments", tag = "comments", operation_id = "comments_comments_list",
    summary = "Comments of a memory",
    description = "The comments in the order of their creation, paged with `limit` and \
`cursor` like the site list: a paged answer has `next` (the cursor of the next page, or null) \
and a `Link: <…>; rel=\"next\"` header when there is a next page. Without `limit` and \
`cursor` the answer is the whole list as `{\"items\"}`, unless its body would exceed the \
server's response size cap: then it is the first page that fits, with `next` and the `Link` \
header. A page holds at least one comment.",
    params(ProjectPath, SitePath, MemoryPath,
        ("limit" = Option<u32>, Query, description = "Comments per page (with `cursor` alone: 100)", minimum = 1, maximum = 1000),
        ("cursor" = Option<String>, Query, description = "Where to resume: the `next` of the page before, for this memory"),
        AcceptLanguage),
    responses(
        (status = 200, description = "The comments the caller may see", body = CommentList,
            headers(("Link" = String, description = "`<URL of the next page>; rel=\"next\"`, when there is one"))),
        NotFound, Always, NotLocalized, Invalid
    ))]
async fn list(
    State(state): State<AppState>,
    (ProjectId(project), SiteId(site), MemoryId(memory)): MemoryPathIds,
    query: QueryMap,
    user: MaybeUser,
    lang: RequestLang,
    base: BaseUrl,
) -> ApiResult<PagedReply> {
    let at = Parents {
        project,
        site,
        memory,
    };
    let page_query = PageQuery::parse(&query)?;
    lang.resolve()?;
    let viewer = user.viewer();
    let mut conn = state.db().conn().await?;
    let (project, _, memory) = comments::require_parents(
        &mut conn,
        at.project.as_str(),
        at.site.as_str(),
        at.memory,
        viewer,
    )
    .await?;
    let after = page_query.after(Scope::comments(memory.id))?;
    let cap = state.config().max_response_bytes;
    let mut chunks = Chunks::new(&page_query, MAX_LIMIT, cap, after);
    while chunks.wants_more() {
        let (after, take) = (chunks.after(), chunks.take());
        let mut rows = comments::list_after(
            &mut conn,
            memory.id,
            project.admin,
            viewer,
            after,
            u64::from(take) + 1,
        )
        .await?;
        let more = rows.len() > take as usize;
        rows.truncate(take as usize);
        chunks.add(&rows, more)?;
    }
    let (collected, more, shape) = chunks.done();
    let limit = page_query.limit;
    paged::finish(
        collected,
        more,
        shape,
        cap,
        Scope::comments(memory.id),
        |cursor| {
            let mut pairs: Vec<(&str, String)> = Vec::new();
            if let Some(l) = limit {
                pairs.push(("limit", l.to_string()));
            }
            pairs.push(("cursor", cursor.to_string()));
            let q = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            format!("{}?{q}", at.collection_url(&base))
        },
    )
}

#[utoipa::path(get, path = "/projects/{project}/sites/{site}/memories/{memory}/comments/{comment}", tag = "comments", operation_id = "comments_comments_read",
    summary = "One comment",
    params(ProjectPath, SitePath, MemoryPath, CommentPath, AcceptLanguage),
    responses(
        (status = 200, description = "The comment", body = Comment),
        NotFound, Always, NotLocalized, Invalid
    ))]
async fn read(
    State(state): State<AppState>,
    (ProjectId(project), SiteId(site), MemoryId(memory), CommentId(id)): CommentPathIds,
    user: MaybeUser,
    lang: RequestLang,
) -> ApiResult<Json<Comment>> {
    let at = Parents {
        project,
        site,
        memory,
    };
    lang.resolve()?;
    let viewer = user.viewer();
    let mut conn = state.db().conn().await?;
    let found = comments::locate(
        &mut conn,
        at.project.as_str(),
        at.site.as_str(),
        at.memory,
        id,
        viewer,
        false,
    )
    .await?;
    let comment = comments::get(&mut conn, found.comment.id, found.project.admin, viewer)
        .await?
        .ok_or_else(|| ApiError::not_found("Comment"))?;
    Ok(Json(comment))
}

#[utoipa::path(post, path = "/projects/{project}/sites/{site}/memories/{memory}/comments", tag = "comments", operation_id = "comments_comments_create",
    summary = "Comment a memory",
    params(ProjectPath, SitePath, MemoryPath, ContentLanguage),
    request_body = CommentIn,
    security(("bearer" = [])),
    responses(
        Limited,
        Created, NotFound, Always, NotLocalized, TooLarge, Invalid
    ))]
async fn create(
    State(state): State<AppState>,
    (ProjectId(project), SiteId(site), MemoryId(memory)): MemoryPathIds,
    user: MaybeUser,
    attempts: Attempts,
    lang: RequestLang,
    base: BaseUrl,
    ApiJson(body): ApiJson<CommentIn>,
) -> ApiResult<Reply> {
    let at = Parents {
        project,
        site,
        memory,
    };
    let text = body.validate().map_err(invalid)?;
    let user = user.require()?;
    lang.resolve()?;
    let viewer = user.viewer();
    limit::check(&state, &attempts, viewer, Posting::Comment).await?;
    let mut tx = state.db().begin().await?;
    let (_, _, memory) = comments::require_parents(
        &mut tx,
        at.project.as_str(),
        at.site.as_str(),
        at.memory,
        viewer,
    )
    .await?;
    let id = comments::create(
        &mut tx,
        memory.id,
        user.id,
        &text,
        state.config().auto_publish,
    )
    .await?;
    tx.commit().await?;
    Ok(Reply::Created(format!("{}/{id}", at.collection_url(&base))))
}

#[utoipa::path(patch, path = "/projects/{project}/sites/{site}/memories/{memory}/comments/{comment}", tag = "comments", operation_id = "comments_comments_modify",
    summary = "Change a comment (its author; back to review unless auto-publish)",
    params(ProjectPath, SitePath, MemoryPath, CommentPath, ContentLanguage),
    request_body = CommentIn,
    security(("bearer" = [])),
    responses(
        Changed, NoPrivileges, NotFound, Always, NotLocalized, TooLarge, Invalid
    ))]
async fn modify(
    State(state): State<AppState>,
    (ProjectId(project), SiteId(site), MemoryId(memory), CommentId(id)): CommentPathIds,
    user: MaybeUser,
    lang: RequestLang,
    base: BaseUrl,
    ApiJson(body): ApiJson<CommentIn>,
) -> ApiResult<Reply> {
    let at = Parents {
        project,
        site,
        memory,
    };
    let text = body.validate().map_err(invalid)?;
    let user = user.require()?;
    lang.resolve()?;
    let viewer = user.viewer();
    let mut tx = state.db().begin().await?;
    let found = comments::locate(
        &mut tx,
        at.project.as_str(),
        at.site.as_str(),
        at.memory,
        id,
        viewer,
        true,
    )
    .await?;
    if !found.comment.is_author(viewer) {
        return Err(ApiError::no_privileges());
    }
    // An edit goes back to review unless content is published at once
    // (docs/compatibility.md#an-edited-comment-goes-back-to-review).
    comments::update(
        &mut tx,
        found.comment.id,
        &text,
        state.config().auto_publish,
    )
    .await?;
    tx.commit().await?;
    Ok(Reply::Changed(format!("{}/{id}", at.collection_url(&base))))
}

#[utoipa::path(delete, path = "/projects/{project}/sites/{site}/memories/{memory}/comments/{comment}", tag = "comments", operation_id = "comments_comments_remove",
    summary = "Delete a comment (its author, admins)",
    params(ProjectPath, SitePath, MemoryPath, CommentPath, ContentLanguage),
    security(("bearer" = [])),
    responses(
        Changed, NoPrivileges, NotFound, Always, NotLocalized, Invalid
    ))]
/// Hard delete: the author, the project's admins and superusers.
async fn remove(
    State(state): State<AppState>,
    (ProjectId(project), SiteId(site), MemoryId(memory), CommentId(id)): CommentPathIds,
    user: AuthUser,
    lang: RequestLang,
    base: BaseUrl,
) -> ApiResult<Reply> {
    let at = Parents {
        project,
        site,
        memory,
    };
    lang.resolve()?;
    let viewer = user.viewer();
    let mut tx = state.db().begin().await?;
    let found = comments::locate(
        &mut tx,
        at.project.as_str(),
        at.site.as_str(),
        at.memory,
        id,
        viewer,
        true,
    )
    .await?;
    if !(found.comment.is_author(viewer) || found.project.admin) {
        return Err(ApiError::no_privileges());
    }
    comments::delete(&mut tx, found.comment.id).await?;
    tx.commit().await?;
    Ok(Reply::Changed(at.collection_url(&base)))
}

#[utoipa::path(post, path = "/projects/{project}/sites/{site}/memories/{memory}/comments/{comment}/report", tag = "comments", operation_id = "comments_comments_report",
    summary = "Report a comment to the moderators (users)",
    description = "Any user who can see the comment may report it once, with an optional \
`reason`; reporting it again changes nothing. A comment cannot be reported by its author. When \
the comment's distinct reporters reach the server's threshold it is unpublished at once (see \
docs/api-conventions.md#reports).",
    params(ProjectPath, SitePath, MemoryPath, CommentPath, ContentLanguage),
    request_body(content = Option<ReportIn>, description = "Optional; may be left out"),
    security(("bearer" = [])),
    responses(
        Limited,
        NoContent, NoPrivileges, NotFound, Always, NotLocalized, TooLarge, Invalid
    ))]
/// 204 whether the report is new or a repeat; 403 for the comment's own author.
async fn report(
    State(state): State<AppState>,
    (ProjectId(project), SiteId(site), MemoryId(memory), CommentId(id)): CommentPathIds,
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
    let found = comments::locate(
        &mut tx,
        project.as_str(),
        site.as_str(),
        memory,
        id,
        viewer,
        true,
    )
    .await?;
    if found.comment.is_author(viewer) {
        return Err(ApiError::no_privileges());
    }
    let item = reports::Item::Comment(found.comment.id);
    let threshold = state.config().report_hide_threshold;
    reports::report(
        &mut tx,
        found.project.id,
        item,
        found.comment.published,
        user.id,
        reason.as_deref(),
        threshold,
    )
    .await?;
    tx.commit().await?;
    Ok(Reply::NoContent)
}

#[utoipa::path(delete, path = "/projects/{project}/sites/{site}/memories/{memory}/comments/{comment}/reports", tag = "comments", operation_id = "comments_comments_dismiss_reports",
    summary = "Dismiss the reports of a comment (the project's admins)",
    description = "Removes every report of the comment, reasons included, after a moderator \
found it fine; whether it is published stays as it is (that is `POST /admin/publish`). \
`204` also when there was nothing to dismiss. See docs/api-conventions.md#moderation-queue.",
    params(ProjectPath, SitePath, MemoryPath, CommentPath, ContentLanguage),
    security(("bearer" = [])),
    responses(
        NoContent, NoPrivileges, NotFound, Always, NotLocalized, Invalid
    ))]
async fn dismiss_reports(
    State(state): State<AppState>,
    (ProjectId(project), SiteId(site), MemoryId(memory), CommentId(id)): CommentPathIds,
    user: AuthUser,
    lang: RequestLang,
) -> ApiResult<Reply> {
    lang.resolve()?;
    let viewer = user.viewer();
    let mut tx = state.db().begin().await?;
    let found = comments::locate(
        &mut tx,
        project.as_str(),
        site.as_str(),
        memory,
        id,
        viewer,
        true,
    )
    .await?;
    if !found.project.admin {
        return Err(ApiError::no_privileges());
    }
    let item = reports::Item::Comment(found.comment.id);
    reports::dismiss(&mut tx, found.project.id, item, user.id).await?;
    tx.commit().await?;
    Ok(Reply::NoContent)
}
