//! Sites.

use axum::{extract::State, http::HeaderMap, Json, Router};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::geo::{BBox, MAX_CLUSTER_CELLS, MAX_CLUSTER_ZOOM};
use crate::http::doc::{
    params::{AcceptLanguage, ContentLanguage, ProjectPath, SitePath},
    responses::{
        Always, BadImage, Changed, Created, Invalid, Limited, NoPrivileges, NotFound, NotLocalized,
        NotModified, TooLarge,
    },
};
use crate::{
    error::{ApiError, ApiResult, ErrorEnvelope, FieldError},
    http::{
        bbox::parse_bbox,
        format::Format,
        guard::Attempts,
        limit::{self, Posting},
        page::{PageQuery, Scope},
        paged::{self, Chunks, Page, PagedReply, Shape},
        site_list::SiteListMode,
        ApiJson, AuthUser, BaseUrl, MaybeUser, ProjectId, QueryMap, Reply, RequestLang, SiteId,
    },
    models::{
        geojson::{SiteCollection, SiteFeature},
        info::{invalid, InfoIn},
        memory::MemoryAll,
        site::{Clusters, ModifiedSiteIn, NewSiteIn, Site, SiteAll},
    },
    repos::{
        self, clusters as cluster_repo, images::Uploads, memories, nearest, projects, site_pages,
        sites, trail,
    },
    state::AppState,
    validation::Patch,
};

/// The group's routes, each declared once, by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    crate::telemetry::link_mark!("routes", "sites");
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(clusters))
        .routes(routes!(read, modify, remove))
        .routes(routes!(localize))
}

/// What the function serves: [`routes`] without its part of the document.
pub fn router() -> Router<AppState> {
    routes().split_for_parts().0
}

/// `{"items": [Site, …]}`, with `next` when paged or cut at the size cap, for the API
/// document.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct SiteList {
    items: Vec<Site>,
    /// The cursor of the next page, or null on the last one. Present when `limit` or
    /// `cursor` was given, or when the whole list would exceed the response size cap.
    #[schema(nullable, required = false)]
    next: Option<String>,
}

/// Rows per statement when the whole list is read: the reading stops at the first chunk
/// that passes the response size cap.
const WHOLE_LIST_CHUNK: u32 = 2000;

#[utoipa::path(get, path = "/projects/{project}/sites", tag = "sites", operation_id = "sites_sites_list",
    summary = "Sites of a project: all, within a bounding box, or the n nearest to lat/lon",
    description = "Three modes: the whole list; `bbox` (the sites within a box); `lat`+`lon`+`n` \
(the n nearest). `bbox` with any of `lat`/`lon`/`n` is a 422. The list and the box are read \
in the order of the sites' creation and paged with `limit` and `cursor`: a paged answer has \
`next` (the cursor of the next page, or null) and a `Link: <…>; rel=\"next\"` header when \
there is a next page. Without `limit` and `cursor` the answer is the whole list as \
`{\"items\"}`, unless its body would exceed the server's response size cap \
(`MUISTOT_MAX_RESPONSE_BYTES`, default 5,000,000 bytes): then it is the first page that \
fits, with `next` and the `Link` header. A nearest answer past the cap holds the nearest \
sites that fit. A page holds at least one site. Every mode answers an RFC 7946 \
`FeatureCollection` of `Point` features (`[lon, lat]`) instead when `Accept` prefers \
`application/geo+json` (named, not by a wildcard) or with `format=geojson`; `next` is then \
a foreign member of the collection.",
    params(ProjectPath,
        ("bbox" = Option<String>, Query, description = "`west,south,east,north` in degrees (WGS84): longitudes -180..180, latitudes -90..90, south <= north; west > east crosses the antimeridian", pattern = r"^[^,]+,[^,]+,[^,]+,[^,]+$", example = "24.5,60.0,25.5,60.5"),
        ("limit" = Option<u32>, Query, description = "Sites per page (with `cursor` alone: 100)", minimum = 1, maximum = 1000),
        ("cursor" = Option<String>, Query, description = "Where to resume: the `next` of the page before, for this project and the same parameters"),
        ("format" = Option<String>, Query, description = "`geojson` for the GeoJSON answer whatever `Accept` says, `json` for the JSON one", pattern = "^(json|geojson)$"),
        ("n" = Option<i64>, Query, description = "How many nearest sites (with lat and lon); not paged"), ("lat" = Option<f64>, Query, minimum = -90, maximum = 90), ("lon" = Option<f64>, Query, minimum = -180, maximum = 180), AcceptLanguage),
    responses(
        (status = 200, description = "The sites the caller may see",
            content(
                (SiteList = "application/json"),
                (SiteCollection = "application/geo+json"),
            ),
            headers(("Link" = String, description = "`<URL of the next page>; rel=\"next\"`, when there is one"))),
        (status = 400, description = "`n` is negative", body = ErrorEnvelope),
        NotFound, Always, NotLocalized, Invalid
    ))]
async fn list(
    State(state): State<AppState>,
    ProjectId(name): ProjectId,
    query: QueryMap,
    user: MaybeUser,
    lang: RequestLang,
    base: BaseUrl,
    headers: HeaderMap,
) -> ApiResult<PagedReply> {
    let page_query = PageQuery::parse(&query)?;
    let mode = SiteListMode::parse(&query, &page_query)?;
    let format = Format::negotiate(&headers, &query)?;
    let lang = lang.resolve()?;
    let viewer = user.viewer();
    let mut conn = state.db().conn().await?;
    let project = projects::require_visible(&mut conn, name.as_str(), viewer).await?;
    let after = page_query.after(Scope::sites(project.id))?;
    let cap = state.config().max_response_bytes;
    let (rects, bbox) = match mode {
        SiteListMode::Nearest(_, _, n) if n < 0 => {
            return Err(ApiError::BadRequest("negative n".into()))
        }
        SiteListMode::Nearest(lat, lon, n) => {
            let n = u32::try_from(n).unwrap_or(u32::MAX);
            let loc =
                nearest::Localisation::for_project(&mut conn, state.languages(), &project, lang)
                    .await?;
            let near = nearest::Near { lat, lon, n };
            let density = state.site_density();
            let items = nearest::nearest(&mut conn, &project, viewer, near, &loc, density).await?;
            let (shape, id) = (Shape::Unresumable, Scope::sites(project.id));
            return match format {
                Format::Json => {
                    let items = items.into_iter().map(|s| (0, s)).collect();
                    paged::build(Page { items, more: false }, shape, cap, id, |c| c.into())
                }
                Format::GeoJson => {
                    let items = items.iter().map(|s| (0, SiteFeature::from(s))).collect();
                    let page = Page { items, more: false };
                    paged::build_in(format, page, shape, cap, id, |c| c.into())
                }
            };
        }
        SiteListMode::All => (None, None),
        SiteListMode::Box(raw, rects) => (Some(rects), Some(raw)),
    };
    let loc = match rects {
        Some(_) => Some(
            nearest::Localisation::for_project(
                &mut conn,
                state.languages(),
                &project,
                lang.clone(),
            )
            .await?,
        ),
        None => None,
    };
    let mut chunks = Chunks::new(&page_query, WHOLE_LIST_CHUNK, cap, after);
    while chunks.wants_more() {
        let (after, take) = (chunks.after(), chunks.take());
        let page = match (&rects, &loc) {
            (Some(rects), Some(loc)) => {
                site_pages::in_boxes(&mut conn, &project, viewer, loc, rects, after, Some(take))
                    .await?
            }
            _ => {
                site_pages::list_after(&mut conn, &project, viewer, &lang, after, Some(take))
                    .await?
            }
        };
        match format {
            Format::Json => chunks.add(&page.items, page.more)?,
            Format::GeoJson => {
                let features: Vec<_> = page
                    .items
                    .iter()
                    .map(|(k, s)| (*k, SiteFeature::from(s)))
                    .collect();
                chunks.add(&features, page.more)?
            }
        }
    }
    let (collected, more, shape) = chunks.done();
    let limit = page_query.limit;
    // A link keeps the format the query asked for; `Accept` goes with the next request.
    let format_param = query.get("format").map(str::to_string);
    paged::finish_in(
        format,
        collected,
        more,
        shape,
        cap,
        Scope::sites(project.id),
        |cursor| {
            let mut pairs: Vec<(&str, String)> = Vec::new();
            if let Some(f) = format_param {
                pairs.push(("format", f));
            }
            if let Some(b) = bbox {
                pairs.push(("bbox", b));
            }
            if let Some(l) = limit {
                pairs.push(("limit", l.to_string()));
            }
            pairs.push(("cursor", cursor.to_string()));
            let q = serde_urlencoded::to_string(&pairs).unwrap_or_default();
            base.join(&format!("/projects/{name}/sites?{q}"))
        },
    )
}

/// `bbox` and `zoom` of the clusters, both required; every bad one is reported (422).
fn cluster_query(query: &QueryMap) -> ApiResult<(BBox, u32)> {
    let mut errors = Vec::new();
    let bbox = match query.required("bbox") {
        Ok(raw) => parse_bbox(raw).map_err(|e| errors.push(e)).ok(),
        Err(ApiError::Validation(v)) => {
            errors.extend(v);
            None
        }
        Err(e) => return Err(e),
    };
    let zoom = match query.required("zoom").and_then(|_| query.i64_opt("zoom")) {
        Ok(Some(z)) => match u32::try_from(z).ok().filter(|z| *z <= MAX_CLUSTER_ZOOM) {
            Some(z) => Some(z),
            None => {
                errors.push(FieldError::new(
                    &["query", "zoom"],
                    format!("zoom is an integer from 0 to {MAX_CLUSTER_ZOOM}"),
                    "value_error.number.not_in_range",
                ));
                None
            }
        },
        Ok(None) => None,
        Err(ApiError::Validation(v)) => {
            errors.extend(v);
            None
        }
        Err(e) => return Err(e),
    };
    match (bbox, zoom) {
        (Some(bbox), Some(zoom)) if bbox.cells(zoom) > MAX_CLUSTER_CELLS => {
            Err(ApiError::validation(
                &["query", "bbox"],
                format!("the box spans more than {MAX_CLUSTER_CELLS} cells at this zoom"),
                "value_error",
            ))
        }
        (Some(bbox), Some(zoom)) if errors.is_empty() => Ok((bbox, zoom)),
        _ => Err(ApiError::Validation(errors)),
    }
}

#[utoipa::path(get, path = "/projects/{project}/sites/clusters", tag = "sites", operation_id = "sites_sites_clusters",
    summary = "The visible sites of a box, one item per occupied map cell",
    description = "A cell is a Web-Mercator tile of zoom `zoom + 2`: a quarter of a 256-pixel tile's side, \
        about 64 screen pixels at map zoom `zoom`. Each item has the centroid and the bounding box of the \
        cell's sites in the box, their count, and for a cell of one site its id. Counts follow the \
        caller's visibility, as the site list. A box may span at most 8192 cells at its zoom \
        (422 otherwise). A site named `clusters` cannot be read at \
        `/projects/{project}/sites/clusters`: this route answers there.",
    params(ProjectPath,
        ("bbox" = String, Query, description = "`west,south,east,north` in degrees (WGS84); `west > east` crosses the ±180° meridian", example = "19.0,59.5,31.6,70.1"),
        ("zoom" = u32, Query, minimum = 0, maximum = 22, description = "Map zoom of 256-pixel tiles")),
    responses(
        (status = 200, description = "The clusters of the box", body = Clusters),
        NotFound, Always, Invalid
    ))]
async fn clusters(
    State(state): State<AppState>,
    ProjectId(name): ProjectId,
    query: QueryMap,
    user: MaybeUser,
) -> ApiResult<Json<Clusters>> {
    let (bbox, zoom) = cluster_query(&query)?;
    let viewer = user.viewer();
    // Up to four statements (docs/api-conventions.md#clusters): one snapshot.
    let mut tx = state.db().begin_snapshot().await?;
    let project = projects::require_visible(&mut tx, name.as_str(), viewer).await?;
    let items = cluster_repo::clusters(&mut tx, &project, viewer, &bbox, zoom).await?;
    tx.commit().await?;
    let total = items.iter().map(|c| c.count).sum();
    Ok(Json(Clusters { items, total }))
}

#[utoipa::path(get, path = "/projects/{project}/sites/{site}", tag = "sites", operation_id = "sites_sites_read",
    summary = "One site, optionally with its memories (explicit nulls)",
    params(ProjectPath, SitePath, ("include_memories" = Option<bool>, Query), AcceptLanguage),
    responses(
        (status = 200, description = "The site", body = SiteAll),
        NotFound, Always, NotLocalized, Invalid
    ))]
async fn read(
    State(state): State<AppState>,
    ProjectId(name): ProjectId,
    SiteId(site_name): SiteId,
    query: QueryMap,
    user: MaybeUser,
    lang: RequestLang,
) -> ApiResult<Json<SiteAll>> {
    let include_memories = query.bool_or("include_memories", false)?;
    let lang = lang.resolve()?;
    let viewer = user.viewer();
    let mut conn = state.db().conn().await?;
    let project = projects::require_visible(&mut conn, name.as_str(), viewer).await?;
    let site =
        sites::require_visible(&mut conn, &project, site_name.as_str(), viewer, false).await?;
    let row = sites::get(&mut conn, site.id, viewer, &lang)
        .await?
        .ok_or_else(|| ApiError::NotAcceptable("Site missing default localization".into()))?;
    // The embedded list has the visibility of the site read itself
    // (docs/compatibility.md#embedded-lists-follow-the-callers-view).
    let memories = if include_memories {
        let list = memories::list(&mut conn, site.id, project.admin, viewer).await?;
        Some(list.into_iter().map(MemoryAll::from).collect())
    } else {
        None
    };
    Ok(Json(SiteAll::from_site(row, memories)))
}

/// The language id for a localisation write: configured and in the table, else 406
/// (docs/compatibility.md#languages-must-be-configured-and-in-the-table).
async fn supported_lang(q: &mut crate::db::Tx, state: &AppState, lang: &str) -> ApiResult<i32> {
    repos::languages::supported_id(q, &state.config().supported_languages, lang)
        .await?
        .ok_or_else(|| ApiError::NotAcceptable("Language not supported".into()))
}

#[utoipa::path(post, path = "/projects/{project}/sites", tag = "sites", operation_id = "sites_sites_create",
    summary = "Create a site",
    params(ProjectPath, ContentLanguage),
    request_body = NewSiteIn,
    security(("bearer" = [])),
    responses(
        Limited,
        (status = 409, description = "A site with this id exists", body = ErrorEnvelope),
        Created, BadImage, NoPrivileges, NotFound, Always, NotLocalized, TooLarge, Invalid
    ))]
async fn create(
    State(state): State<AppState>,
    ProjectId(name): ProjectId,
    user: MaybeUser,
    attempts: Attempts,
    lang: RequestLang,
    base: BaseUrl,
    ApiJson(body): ApiJson<NewSiteIn>,
) -> ApiResult<Reply> {
    let body = body.validate().map_err(invalid)?;
    let user = user.require()?;
    lang.resolve()?;
    let viewer = user.viewer();
    limit::check(&state, &attempts, viewer, Posting::Site).await?;
    let mut tx = state.db().begin().await?;
    let project = projects::require_visible(&mut tx, name.as_str(), viewer).await?;
    // Names are unique across projects: the same answer for both cases
    // (docs/compatibility.md#duplicate-site-names).
    if sites::name_taken(&mut tx, body.id.as_str()).await? {
        return Err(ApiError::Conflict("Site exists".into()));
    }
    if project.admin_posting && !project.admin {
        return Err(ApiError::forbidden("Admin posting only"));
    }
    let lang_id = supported_lang(&mut tx, &state, &body.info.lang).await?;
    if lang_id != project.default_language_id {
        let default = sites::language_code(&mut tx, project.default_language_id).await?;
        return Err(ApiError::NotAcceptable(format!(
            "Sites should be created in project default locale ({default})"
        )));
    }
    let mut uploads = Uploads::new(state.images().clone());
    let image_id = match &body.image {
        Some(img) => Some(uploads.add(&mut tx, user.id, img).await?),
        None => None,
    };
    sites::create(
        &mut tx,
        sites::CreateSite {
            project_id: project.id,
            name: body.id.as_str(),
            info: &body.info,
            lang_id,
            location: body.location,
            image_id,
            published: state.config().auto_publish,
            creator: user.id,
        },
    )
    .await?;
    tx.commit().await?;
    uploads.commit().await;
    Ok(Reply::Created(
        base.join(&format!("/projects/{name}/sites/{}", body.id)),
    ))
}

#[utoipa::path(patch, path = "/projects/{project}/sites/{site}", tag = "sites", operation_id = "sites_sites_modify",
    summary = "Change a site (its creator, admins)",
    params(ProjectPath, SitePath, ContentLanguage),
    request_body = ModifiedSiteIn,
    security(("bearer" = [])),
    responses(
        Changed, NotModified, BadImage, NoPrivileges, NotFound, Always, NotLocalized, TooLarge, Invalid
    ))]
async fn modify(
    State(state): State<AppState>,
    ProjectId(name): ProjectId,
    SiteId(site_name): SiteId,
    user: MaybeUser,
    lang: RequestLang,
    base: BaseUrl,
    ApiJson(body): ApiJson<ModifiedSiteIn>,
) -> ApiResult<Reply> {
    let body = body.validate().map_err(invalid)?;
    let user = user.require()?;
    lang.resolve()?;
    let viewer = user.viewer();
    let mut tx = state.db().begin().await?;
    let project = projects::require_visible(&mut tx, name.as_str(), viewer).await?;
    let site = sites::require_visible(&mut tx, &project, site_name.as_str(), viewer, true).await?;
    site.require_editor(&project, viewer)?;
    if body.is_empty() {
        return Ok(Reply::NotModified);
    }
    let info_lang = match &body.info {
        Some(info) => Some(supported_lang(&mut tx, &state, &info.lang).await?),
        None => None,
    };
    let mut uploads = Uploads::new(state.images().clone());
    let image = match &body.image {
        Patch::Absent => None,
        Patch::Null => Some(None),
        Patch::Value(img) => Some(Some(uploads.add(&mut tx, user.id, img).await?)),
    };
    if image.is_some() {
        uploads.discard(&mut tx, site.image_id).await?;
    }
    sites::update_fields(&mut tx, site.id, body.location, image, user.id).await?;
    if let (Some(info), Some(lang_id)) = (&body.info, info_lang) {
        sites::upsert_info(&mut tx, site.id, lang_id, info, user.id).await?;
    }
    tx.commit().await?;
    uploads.commit().await;
    Ok(Reply::Changed(
        base.join(&format!("/projects/{name}/sites/{site_name}")),
    ))
}

#[utoipa::path(delete, path = "/projects/{project}/sites/{site}", tag = "sites", operation_id = "sites_sites_remove",
    summary = "Unpublish a site (admins)",
    params(ProjectPath, SitePath, ContentLanguage),
    security(("bearer" = [])),
    responses(
        Changed, NoPrivileges, NotFound, Always, NotLocalized, Invalid
    ))]
/// Soft delete (unpublish): the project's admins and superusers only
/// (docs/compatibility.md#only-admins-delete-sites).
async fn remove(
    State(state): State<AppState>,
    ProjectId(name): ProjectId,
    SiteId(site_name): SiteId,
    user: AuthUser,
    lang: RequestLang,
    base: BaseUrl,
) -> ApiResult<Reply> {
    lang.resolve()?;
    let viewer = user.viewer();
    let mut tx = state.db().begin().await?;
    let project = projects::require_visible(&mut tx, name.as_str(), viewer).await?;
    let site = sites::require_visible(&mut tx, &project, site_name.as_str(), viewer, true).await?;
    if !project.admin {
        return Err(ApiError::no_privileges());
    }
    sites::unpublish(&mut tx, site.id, user.id).await?;
    let entry = trail::Entry {
        project_id: project.id,
        actor: Some(user.id),
        action: trail::Action::Delete,
        kind: "site",
        target: &site.name,
        from: Some(trail::published_word(site.published)),
        to: Some(trail::published_word(false)),
    };
    trail::record(&mut tx, &entry).await?;
    tx.commit().await?;
    Ok(Reply::Changed(
        base.join(&format!("/projects/{name}/sites")),
    ))
}

#[utoipa::path(put, path = "/projects/{project}/sites/{site}/localize", tag = "sites", operation_id = "sites_sites_localize",
    summary = "Add or replace a localisation (its creator, admins)",
    params(ProjectPath, SitePath, ContentLanguage),
    request_body = InfoIn,
    security(("bearer" = [])),
    responses(
        Changed, NoPrivileges, NotFound, Always, NotLocalized, TooLarge, Invalid
    ))]
async fn localize(
    State(state): State<AppState>,
    ProjectId(name): ProjectId,
    SiteId(site_name): SiteId,
    user: MaybeUser,
    lang: RequestLang,
    base: BaseUrl,
    ApiJson(body): ApiJson<InfoIn>,
) -> ApiResult<Reply> {
    let info = body.validate(&["body"]).map_err(invalid)?;
    let user = user.require()?;
    lang.resolve()?;
    let viewer = user.viewer();
    let mut tx = state.db().begin().await?;
    let project = projects::require_visible(&mut tx, name.as_str(), viewer).await?;
    let site = sites::require_visible(&mut tx, &project, site_name.as_str(), viewer, true).await?;
    site.require_editor(&project, viewer)?;
    let lang_id = supported_lang(&mut tx, &state, &info.lang).await?;
    sites::upsert_info(&mut tx, site.id, lang_id, &info, user.id).await?;
    sites::touch(&mut tx, site.id, user.id).await?;
    tx.commit().await?;
    Ok(Reply::Changed(
        base.join(&format!("/projects/{name}/sites/{site_name}")),
    ))
}
