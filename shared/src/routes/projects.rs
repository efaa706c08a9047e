//! Projects.

use axum::{Json, Router};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiError, ApiResult, ErrorEnvelope},
    http::doc::{
        params::{AcceptLanguage, ContentLanguage, ProjectPath, UsernameQuery},
        responses::{Always, Changed, Created, Invalid, NotLocalized, NotModified, TooLarge},
    },
    http::{
        export::{deliver, export_format},
        page::{Cursor, List, PageQuery, Scope, MAX_LIMIT},
        paged::{self, Chunks, PagedReply},
        ApiJson, AuthUser, BaseUrl, Items, MaybeUser, ProjectId, QueryMap, Reply, RequestLang,
    },
    models::{
        geojson::SiteCollection,
        info::{invalid, InfoIn},
        moderation::{ItemKind, LogEntry, Queue, QueueItem, QueueState},
        project::{ModifiedProjectIn, NewProjectIn, Project},
    },
    repos::{
        self,
        images::Uploads,
        moderation, projects,
        site_pages::{self, AllSites},
        trail,
    },
    state::AppState,
    validation::{EntityId, Patch, Username},
};

/// The group's routes, each declared once, by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    crate::telemetry::link_mark!("routes", "projects");
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(read, modify, remove))
        .routes(routes!(add_admin, remove_admin))
        .routes(routes!(localize))
        .routes(routes!(export))
        .routes(routes!(moderation_queue))
        .routes(routes!(moderation_log))
}

/// What the function serves: [`routes`] without its part of the document.
pub fn router() -> Router<AppState> {
    routes().split_for_parts().0
}

/// `{"items": [Project, …]}` for the API document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
#[serde(deny_unknown_fields)]
pub struct ProjectList {
    items: Vec<Project>,
}

#[utoipa::path(get, path = "/projects", tag = "projects", operation_id = "projects_list",
    summary = "Published projects that have started",
    params(AcceptLanguage),
    responses((status = 200, description = "The projects", body = ProjectList), Always, NotLocalized))]
async fn list(
    state: axum::extract::State<AppState>,
    lang: RequestLang,
) -> ApiResult<Json<Items<Project>>> {
    let lang = lang.resolve()?;
    let mut conn = state.db().conn().await?;
    let items = projects::list(&mut conn, &lang).await?;
    Ok(Json(Items { items }))
}

#[utoipa::path(get, path = "/projects/{project}", tag = "projects", operation_id = "projects_read",
    summary = "One project, optionally with its sites",
    params(ProjectPath,
        ("include_sites" = Option<bool>, Query, description = "Include the sites the caller may see: `true/1/yes/on/t/y` or `false/0/no/off/f/n`"),
        AcceptLanguage),
    responses(
        (status = 200, description = "The project", body = Project),
        (status = 404, description = "No such project, or not visible to the caller", body = ErrorEnvelope),
        Always, Invalid, NotLocalized))]
async fn read(
    state: axum::extract::State<AppState>,
    ProjectId(name): ProjectId,
    query: QueryMap,
    user: MaybeUser,
    lang: RequestLang,
    base: BaseUrl,
) -> ApiResult<Json<Project>> {
    let include_sites = query.bool_or("include_sites", false)?;
    let lang = lang.resolve()?;
    let viewer = user.viewer();
    let mut conn = state.db().conn().await?;
    let access = projects::access(&mut conn, name.as_str(), viewer, false)
        .await?
        .ok_or_else(|| ApiError::not_found("Project"))?;
    if !access.published && !access.admin {
        return Err(ApiError::not_found("Project"));
    }
    if !access.has_default_info {
        return Err(ApiError::NotAcceptable(
            "Project missing default localization".into(),
        ));
    }
    if !access.visible() {
        return Err(ApiError::not_found("Project"));
    }
    let mut project = projects::get(&mut conn, access.id, &lang)
        .await?
        .ok_or_else(|| ApiError::NotAcceptable("Project missing default localization".into()))?;
    if include_sites {
        // All the sites the caller may see, in id order, unless the answer would pass the
        // size cap (docs/api-conventions.md#pages): then the first ones that fit (at least
        // one) and `sites_next`, the site list's page after the last of them.
        let cap = state.config().max_response_bytes;
        // The answer without sites, `"sites":[]` around them and a `sites_next` URL.
        let fixed = serde_json::to_vec(&project).map_or(0, |v| v.len()) + 512;
        let mut budget = cap.saturating_sub(fixed);
        let mut sites = Vec::new();
        let mut after = None;
        let mut next = None;
        'read: loop {
            let page =
                site_pages::list_after(&mut conn, &access, viewer, &lang, after, Some(EMBED_CHUNK))
                    .await?;
            for (id, site) in page.items {
                let len = serde_json::to_vec(&site).map_or(0, |v| v.len()) + 1;
                if len > budget && !sites.is_empty() {
                    next = after;
                    break 'read;
                }
                budget = budget.saturating_sub(len);
                sites.push(site);
                after = Some(id);
            }
            if !page.more {
                break;
            }
        }
        project.sites = Some(sites);
        project.sites_next = next.map(|after_id| {
            let cursor = Cursor {
                scope: Scope::sites(access.id),
                after_id,
            };
            base.join(&format!(
                "/projects/{}/sites?cursor={}",
                access.name,
                cursor.encode()
            ))
        });
    }
    Ok(Json(project))
}

/// Sites read for an embedded list per statement.
const EMBED_CHUNK: u32 = 2000;

#[utoipa::path(post, path = "/projects", tag = "projects", operation_id = "projects_create",
    summary = "Create a project (superusers)",
    params(ContentLanguage),
    request_body = NewProjectIn,
    security(("bearer" = [])),
    responses(
        Created,
        (status = 400, description = "`ends` before `starts`, or the image is not a JPEG/PNG", body = ErrorEnvelope),
        (status = 403, description = "Not a superuser (or no admin scope)", body = ErrorEnvelope),
        (status = 404, description = "A username in `admins` does not exist", body = ErrorEnvelope),
        (status = 409, description = "A project with this id exists", body = ErrorEnvelope),
        Always, Invalid, TooLarge, NotLocalized))]
async fn create(
    state: axum::extract::State<AppState>,
    user: MaybeUser,
    lang: RequestLang,
    base: BaseUrl,
    ApiJson(body): ApiJson<NewProjectIn>,
) -> ApiResult<Reply> {
    let body = body.validate().map_err(invalid)?;
    let user = user.require()?;
    user.require_admin_scope()?;
    lang.resolve()?;
    // Only superusers create projects; checked before existence so that a project
    // admin cannot probe names
    // (docs/compatibility.md#project-creation-checks-privileges-first).
    if !user.superuser {
        return Err(ApiError::no_privileges());
    }
    if let (Some(s), Some(e)) = (body.starts, body.ends) {
        if e < s {
            return Err(ApiError::BadRequest("End before start".into()));
        }
    }
    let config = state.config();
    let mut tx = state.db().begin().await?;
    if projects::exists(&mut tx, body.id.as_str()).await? {
        return Err(ApiError::Conflict("Project exists".into()));
    }
    let lang_id =
        repos::languages::supported_id(&mut tx, &config.supported_languages, &body.info.lang)
            .await?
            .ok_or_else(|| ApiError::NotAcceptable("Language not supported".into()))?;
    let mut admin_ids = Vec::with_capacity(body.admins.len());
    let mut unknown = Vec::new();
    for admin in &body.admins {
        match repos::users::id_by_username(&mut tx, admin.as_str()).await? {
            Some(id) => admin_ids.push(id),
            None => unknown.push(admin.as_str().to_string()),
        }
    }
    if !unknown.is_empty() {
        return Err(ApiError::NotFound(format!(
            "User not found: {}",
            unknown.join(", ")
        )));
    }
    let mut uploads = Uploads::new(state.images().clone());
    let image_id = match &body.image {
        Some(img) => Some(uploads.add(&mut tx, user.id, img).await?),
        None => None,
    };
    projects::create(
        &mut tx,
        projects::CreateProject {
            name: body.id.as_str(),
            info: &body.info,
            lang_id,
            image_id,
            starts: body.starts,
            ends: body.ends,
            admin_ids: &admin_ids,
            contact: body.contact.as_ref(),
            admin_posting: body.admin_posting,
            published: config.auto_publish,
            modifier: user.id,
        },
    )
    .await?;
    tx.commit().await?;
    uploads.commit().await;
    Ok(Reply::Created(base.join(&format!("/projects/{}", body.id))))
}

#[utoipa::path(patch, path = "/projects/{project}", tag = "projects", operation_id = "projects_modify",
    summary = "Change a project (its admins, superusers)",
    params(ProjectPath, ContentLanguage),
    request_body = ModifiedProjectIn,
    security(("bearer" = [])),
    responses(
        Changed, NotModified,
        (status = 400, description = "`ends` before `starts`, or the image is not a JPEG/PNG", body = ErrorEnvelope),
        (status = 403, description = "Not an admin of the project", body = ErrorEnvelope),
        (status = 404, description = "No such project", body = ErrorEnvelope),
        Always, Invalid, TooLarge, NotLocalized))]
async fn modify(
    state: axum::extract::State<AppState>,
    ProjectId(name): ProjectId,
    user: MaybeUser,
    lang: RequestLang,
    base: BaseUrl,
    ApiJson(body): ApiJson<ModifiedProjectIn>,
) -> ApiResult<Reply> {
    let body = body.validate().map_err(invalid)?;
    let user = user.require()?;
    user.require_admin_scope()?;
    lang.resolve()?;
    let config = state.config();
    let mut tx = state.db().begin().await?;
    let project = projects::require_admin(&mut tx, name.as_str(), user.viewer()).await?;

    // The order rule applies to the values the project will have
    // (docs/compatibility.md#start-and-end-dates-are-checked-the-right-way-round).
    let starts = match &body.starts {
        Patch::Absent => project.starts,
        Patch::Null => None,
        Patch::Value(v) => Some(*v),
    };
    let ends = match &body.ends {
        Patch::Absent => project.ends,
        Patch::Null => None,
        Patch::Value(v) => Some(*v),
    };
    if let (Some(s), Some(e)) = (starts, ends) {
        if e < s {
            return Err(ApiError::BadRequest("End before start".into()));
        }
    }
    let info_lang = match &body.info {
        Some(info) => Some(
            repos::languages::supported_id(&mut tx, &config.supported_languages, &info.lang)
                .await?
                .ok_or_else(|| ApiError::NotAcceptable("Language not supported".into()))?,
        ),
        None => None,
    };
    let fields_changed =
        !body.image.is_absent() || !body.starts.is_absent() || !body.ends.is_absent();
    if !fields_changed && body.contact.is_none() && body.info.is_none() {
        return Ok(Reply::NotModified);
    }

    let mut uploads = Uploads::new(state.images().clone());
    let image = match &body.image {
        Patch::Absent => None,
        Patch::Null => Some(None),
        Patch::Value(img) => Some(Some(uploads.add(&mut tx, user.id, img).await?)),
    };
    if image.is_some() {
        uploads.discard(&mut tx, project.image_id).await?;
    }
    if fields_changed {
        let starts = body.starts.as_option().map(|o| o.copied());
        let ends = body.ends.as_option().map(|o| o.copied());
        projects::update_fields(&mut tx, project.id, image, starts, ends, user.id).await?;
    }
    if let Some(contact) = &body.contact {
        projects::upsert_contact(&mut tx, project.id, contact, user.id).await?;
    }
    if let (Some(info), Some(lang_id)) = (&body.info, info_lang) {
        projects::upsert_info(&mut tx, project.id, lang_id, info, user.id).await?;
    }
    tx.commit().await?;
    uploads.commit().await;
    Ok(Reply::Changed(base.join(&format!("/projects/{name}"))))
}

#[utoipa::path(delete, path = "/projects/{project}", tag = "projects", operation_id = "projects_remove",
    summary = "Unpublish a project (soft delete)",
    description = "`Location` names the project collection.",
    params(ProjectPath, ContentLanguage),
    security(("bearer" = [])),
    responses(
        Changed,
        (status = 403, description = "Not an admin of the project", body = ErrorEnvelope),
        (status = 404, description = "No such project", body = ErrorEnvelope),
        Always, Invalid, NotLocalized))]
async fn remove(
    state: axum::extract::State<AppState>,
    ProjectId(name): ProjectId,
    user: AuthUser,
    lang: RequestLang,
    base: BaseUrl,
) -> ApiResult<Reply> {
    user.require_admin_scope()?;
    lang.resolve()?;
    let mut tx = state.db().begin().await?;
    let project = projects::require_admin(&mut tx, name.as_str(), user.viewer()).await?;
    projects::unpublish(&mut tx, project.id, user.id).await?;
    let entry = trail::Entry {
        project_id: project.id,
        actor: Some(user.id),
        action: trail::Action::Delete,
        kind: "project",
        target: &project.name,
        from: Some(trail::published_word(project.published)),
        to: Some(trail::published_word(false)),
    };
    trail::record(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(Reply::Changed(base.join("/projects")))
}

#[utoipa::path(post, path = "/projects/{project}/admins", tag = "projects", operation_id = "projects_add_admin",
    summary = "Make a user an admin of the project",
    description = "`Location` names the project.",
    params(ProjectPath, UsernameQuery, ContentLanguage),
    security(("bearer" = [])),
    responses(
        Created,
        (status = 403, description = "Not an admin of the project", body = ErrorEnvelope),
        (status = 404, description = "No such project or user", body = ErrorEnvelope),
        (status = 409, description = "The user is an admin already", body = ErrorEnvelope),
        Always, Invalid, NotLocalized))]
async fn add_admin(
    state: axum::extract::State<AppState>,
    ProjectId(name): ProjectId,
    query: QueryMap,
    user: AuthUser,
    lang: RequestLang,
    base: BaseUrl,
) -> ApiResult<Reply> {
    let mut change = AdminChange::begin(&state, name, &query, &user, lang).await?;
    if !projects::add_admin(&mut change.tx, change.project_id, change.target).await? {
        return Err(ApiError::Conflict("User is already an admin".into()));
    }
    change.record(user.id, trail::Action::AddAdmin).await?;
    change.tx.commit().await?;
    Ok(Reply::Created(
        base.join(&format!("/projects/{}", change.name)),
    ))
}

/// The shared start of adding and removing a project admin: input, guards, the privilege
/// check on the project and the user named in the query, in one transaction.
struct AdminChange {
    tx: crate::db::Tx,
    name: EntityId,
    project_id: i32,
    target: i32,
    /// The target's username, as the trail records it.
    username: Username,
}

impl AdminChange {
    /// Records the change in the project's trail (docs/api-conventions.md#moderation-log).
    async fn record(&mut self, actor: i32, action: trail::Action) -> ApiResult<()> {
        let (from, to) = match action {
            trail::Action::AddAdmin => ("not admin", "admin"),
            _ => ("admin", "not admin"),
        };
        let entry = trail::Entry {
            project_id: self.project_id,
            actor: Some(actor),
            action,
            kind: "user",
            target: self.username.as_str(),
            from: Some(from),
            to: Some(to),
        };
        trail::record(&mut self.tx, &entry).await
    }

    async fn begin(
        state: &AppState,
        name: EntityId,
        query: &QueryMap,
        user: &AuthUser,
        lang: RequestLang,
    ) -> ApiResult<Self> {
        let username = Username::parse(&["query", "username"], query.required("username")?)
            .map_err(|e| ApiError::Validation(vec![e]))?;
        user.require_admin_scope()?;
        lang.resolve()?;
        let mut tx = state.db().begin().await?;
        let project = projects::require_admin(&mut tx, name.as_str(), user.viewer()).await?;
        let target = repos::users::id_by_username(&mut tx, username.as_str())
            .await?
            .ok_or_else(|| ApiError::not_found("User"))?;
        Ok(Self {
            tx,
            name,
            project_id: project.id,
            target,
            username,
        })
    }
}

#[utoipa::path(delete, path = "/projects/{project}/admins", tag = "projects", operation_id = "projects_remove_admin",
    summary = "Remove an admin of the project",
    description = "`Location` names the project. Removing a user who is not an admin changes nothing and still answers 204.",
    params(ProjectPath, UsernameQuery, ContentLanguage),
    security(("bearer" = [])),
    responses(
        Changed,
        (status = 403, description = "Not an admin of the project", body = ErrorEnvelope),
        (status = 404, description = "No such project or user", body = ErrorEnvelope),
        Always, Invalid, NotLocalized))]
async fn remove_admin(
    state: axum::extract::State<AppState>,
    ProjectId(name): ProjectId,
    query: QueryMap,
    user: AuthUser,
    lang: RequestLang,
    base: BaseUrl,
) -> ApiResult<Reply> {
    let mut change = AdminChange::begin(&state, name, &query, &user, lang).await?;
    if projects::remove_admin(&mut change.tx, change.project_id, change.target).await? {
        change.record(user.id, trail::Action::RemoveAdmin).await?;
    }
    change.tx.commit().await?;
    Ok(Reply::Changed(
        base.join(&format!("/projects/{}", change.name)),
    ))
}

#[utoipa::path(put, path = "/projects/{project}/localize", tag = "projects", operation_id = "projects_localize",
    summary = "Replace the project's texts in one language",
    params(ProjectPath, ContentLanguage),
    request_body = InfoIn,
    security(("bearer" = [])),
    responses(
        Changed,
        (status = 403, description = "Not an admin of the project", body = ErrorEnvelope),
        (status = 404, description = "No such project", body = ErrorEnvelope),
        Always, Invalid, TooLarge, NotLocalized))]
async fn localize(
    state: axum::extract::State<AppState>,
    ProjectId(name): ProjectId,
    user: MaybeUser,
    lang: RequestLang,
    base: BaseUrl,
    ApiJson(body): ApiJson<InfoIn>,
) -> ApiResult<Reply> {
    let info = body.validate(&["body"]).map_err(invalid)?;
    let user = user.require()?;
    user.require_admin_scope()?;
    lang.resolve()?;
    let mut tx = state.db().begin().await?;
    let project = projects::require_admin(&mut tx, name.as_str(), user.viewer()).await?;
    let lang_id =
        repos::languages::supported_id(&mut tx, &state.config().supported_languages, &info.lang)
            .await?
            .ok_or_else(|| ApiError::NotAcceptable("Language not supported".into()))?;
    projects::upsert_info(&mut tx, project.id, lang_id, &info, user.id).await?;
    tx.commit().await?;
    Ok(Reply::Changed(base.join(&format!("/projects/{name}"))))
}

/// Sites per statement of an export: the rows of one chunk are all it holds at a time.
const EXPORT_CHUNK: u32 = 2000;

#[utoipa::path(get, path = "/projects/{project}/export", tag = "projects", operation_id = "projects_export",
    summary = "Every site of the project the caller may see, as one GeoJSON or CSV file",
    description = "The sites of the site list (the same visibility, localisation and order; \
`GET /projects/{project}/sites` without `limit`), whole and unpaged, as a download \
(`Content-Disposition: attachment`). `format=geojson` (the default) gives the RFC 7946 \
`FeatureCollection` of the site list's GeoJSON answer; `format=csv` gives RFC 4180 CSV in \
UTF-8 with CRLF line ends and the header row `id,lang,name,abstract,lon,lat,memories_count,image` \
(`lang`: the language of name and abstract; an unset abstract or image is an empty field). \
Where the server keeps its images in S3 (on Lambda, whose response is at most 6 MB), an export \
larger than the response size cap (`MUISTOT_MAX_RESPONSE_BYTES`) is answered `303` with a \
`Location` that serves the file for five minutes; elsewhere it is streamed.",
    params(ProjectPath,
        ("format" = Option<String>, Query, description = "`geojson` (default) or `csv`", pattern = "^(geojson|csv)$"),
        AcceptLanguage),
    responses(
        (status = 200, description = "The file",
            content(
                (SiteCollection = "application/geo+json"),
                (String = "text/csv"),
            ),
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"<project>-sites.<geojson|csv>\"`"))),
        (status = 303, description = "Too large for one response: `Location` serves the file for five minutes",
            headers(("Location" = String, description = "A short-lived URL of the file"))),
        (status = 404, description = "No such project, or not visible to the caller", body = ErrorEnvelope),
        Always, NotLocalized, Invalid
    ))]
async fn export(
    state: axum::extract::State<AppState>,
    ProjectId(name): ProjectId,
    query: QueryMap,
    user: MaybeUser,
    lang: RequestLang,
) -> ApiResult<axum::response::Response> {
    let format = export_format(&query)?;
    let lang = lang.resolve()?;
    let viewer = user.viewer();
    let mut conn = state.db().conn().await?;
    let project = projects::require_visible(&mut conn, name.as_str(), viewer).await?;
    let filename = format!("{}-sites.{}", project.name, format.extension());
    let sites = AllSites::new(conn, project, viewer, lang, EXPORT_CHUNK);
    deliver(&state, sites, format, filename).await
}

/// `{"items": [QueueItem, …], "next": …}` for the API document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ModerationQueue {
    items: Vec<QueueItem>,
    /// The cursor of the next page, or null on the last one. Present when `limit` or
    /// `cursor` was given, or when the whole queue would exceed the response size cap.
    #[schema(nullable)]
    next: Option<String>,
}

/// The cursor kind of each queue, so that a cursor of one is refused by the others.
fn queue_list(queue: Queue) -> List {
    match (queue.kind, queue.state) {
        (ItemKind::Site, _) => List::WaitingSites,
        (ItemKind::Memory, QueueState::Waiting) => List::WaitingMemories,
        (ItemKind::Memory, QueueState::Reported) => List::ReportedMemories,
        (ItemKind::Comment, QueueState::Waiting) => List::WaitingComments,
        (ItemKind::Comment, QueueState::Reported) => List::ReportedComments,
    }
}

#[utoipa::path(get, path = "/projects/{project}/moderation", tag = "projects", operation_id = "projects_moderation_queue",
    summary = "What waits for a moderator's decision (the project's admins)",
    description = "The project's unpublished (`state=waiting`) or reported (`state=reported`) \
sites, memories or comments (`kind`), oldest first, each with what a moderator needs to decide \
and its reports; acting on one is `POST /admin/publish`. Paged like the memory list. Anyone \
but the project's admins and superusers gets `404` `Project not found`, whether the project \
exists or not (docs/api-conventions.md#moderation-queue).",
    params(ProjectPath,
        ("kind" = Option<String>, Query, description = "`site`, `memory` (default) or `comment`"),
        ("state" = Option<String>, Query, description = "`waiting` (default: unpublished) or `reported` (not for sites)"),
        ("limit" = Option<u32>, Query, description = "Items per page (with `cursor` alone: 100)", minimum = 1, maximum = 1000),
        ("cursor" = Option<String>, Query, description = "Where to resume: the `next` of the page before, for this queue")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the queue", body = ModerationQueue,
            headers(("Link" = String, description = "`<URL of the next page>; rel=\"next\"`, when there is one"))),
        (status = 404, description = "No such project, or the caller does not moderate it", body = ErrorEnvelope),
        Always, Invalid))]
async fn moderation_queue(
    state: axum::extract::State<AppState>,
    ProjectId(name): ProjectId,
    query: QueryMap,
    user: MaybeUser,
    base: BaseUrl,
) -> ApiResult<PagedReply> {
    let queue = Queue::parse(query.get("kind"), query.get("state")).map_err(invalid)?;
    let page_query = PageQuery::parse(&query)?;
    let user = user.require()?;
    let mut tx = state.db().begin_snapshot().await?;
    let project = projects::access(&mut tx, name.as_str(), user.viewer(), false)
        .await?
        .ok_or_else(|| ApiError::not_found("Project"))?;
    project.require_moderator()?;
    let scope = Scope::queue(queue_list(queue), project.id);
    let after = page_query.after(scope)?;
    let cap = state.config().max_response_bytes;
    let mut chunks = Chunks::new(&page_query, MAX_LIMIT, cap, after);
    while chunks.wants_more() {
        let (after, take) = (chunks.after(), chunks.take());
        let mut rows =
            moderation::page(&mut tx, &project, queue, after, u64::from(take) + 1).await?;
        let more = rows.len() > take as usize;
        rows.truncate(take as usize);
        chunks.add(&rows, more)?;
    }
    tx.commit().await?;
    let (collected, more, shape) = chunks.done();
    let limit = page_query.limit;
    let path = format!("/projects/{}/moderation", project.name);
    paged::finish(collected, more, shape, cap, scope, |cursor| {
        let mut pairs: Vec<(&str, String)> = vec![
            (
                "kind",
                query.get("kind").unwrap_or("memory").trim().to_string(),
            ),
            (
                "state",
                query.get("state").unwrap_or("waiting").trim().to_string(),
            ),
        ];
        if let Some(l) = limit {
            pairs.push(("limit", l.to_string()));
        }
        pairs.push(("cursor", cursor.to_string()));
        let q = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        base.join(&format!("{path}?{q}"))
    })
}

/// `{"items": [LogEntry, …], "next": …}` for the API document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ModerationLog {
    items: Vec<LogEntry>,
    /// The cursor of the next (older) page, or null on the last one. Present when `limit`
    /// or `cursor` was given, or when the whole trail would exceed the response size cap.
    #[schema(nullable)]
    next: Option<String>,
}

#[utoipa::path(get, path = "/projects/{project}/moderation/log", tag = "projects", operation_id = "projects_moderation_log",
    summary = "The project's moderation trail (the project's admins)",
    description = "Every publish and unpublish, hide at the report threshold, report dismissal, \
admin added or removed, and project or site deletion in the project: who, what, when, from \
which state to which; newest first, paged like the memory list. Anyone but the project's \
admins and superusers gets `404` `Project not found` (docs/api-conventions.md#moderation-log).",
    params(ProjectPath,
        ("limit" = Option<u32>, Query, description = "Entries per page (with `cursor` alone: 100)", minimum = 1, maximum = 1000),
        ("cursor" = Option<String>, Query, description = "Where to resume: the `next` of the page before, for this project")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "One page of the trail", body = ModerationLog,
            headers(("Link" = String, description = "`<URL of the next page>; rel=\"next\"`, when there is one"))),
        (status = 404, description = "No such project, or the caller does not moderate it", body = ErrorEnvelope),
        Always, Invalid))]
async fn moderation_log(
    state: axum::extract::State<AppState>,
    ProjectId(name): ProjectId,
    query: QueryMap,
    user: MaybeUser,
    base: BaseUrl,
) -> ApiResult<PagedReply> {
    let page_query = PageQuery::parse(&query)?;
    let user = user.require()?;
    let mut tx = state.db().begin_snapshot().await?;
    let project = projects::access(&mut tx, name.as_str(), user.viewer(), false)
        .await?
        .ok_or_else(|| ApiError::not_found("Project"))?;
    project.require_moderator()?;
    let scope = Scope::queue(List::ModerationLog, project.id);
    let before = page_query.after(scope)?;
    let cap = state.config().max_response_bytes;
    let mut chunks = Chunks::new(&page_query, MAX_LIMIT, cap, before);
    while chunks.wants_more() {
        let (before, take) = (chunks.after(), chunks.take());
        let mut rows = trail::page(&mut tx, project.id, before, u64::from(take) + 1).await?;
        let more = rows.len() > take as usize;
        rows.truncate(take as usize);
        chunks.add(&rows, more)?;
    }
    tx.commit().await?;
    let (collected, more, shape) = chunks.done();
    let limit = page_query.limit;
    let path = format!("/projects/{}/moderation/log", project.name);
    paged::finish(collected, more, shape, cap, scope, |cursor| {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        if let Some(l) = limit {
            pairs.push(("limit", l.to_string()));
        }
        pairs.push(("cursor", cursor.to_string()));
        let q = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        base.join(&format!("{path}?{q}"))
    })
}
