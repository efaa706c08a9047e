//! `POST /admin/publish`.

use axum::{extract::State, Router};
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::http::doc::responses::{Always, Invalid, NoPrivileges, NotFound, NotModified, TooLarge};
use crate::{
    error::ApiResult,
    http::{ApiJson, MaybeUser, Reply},
    models::{info::invalid, publish::PublishIn},
    repos::publish,
    state::AppState,
};

/// The group's routes, each declared once, by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    crate::telemetry::link_mark!("routes", "admin");
    OpenApiRouter::new().routes(routes!(publish_order))
}

/// What the function serves: [`routes`] without its part of the document.
pub fn router() -> Router<AppState> {
    routes().split_for_parts().0
}

#[utoipa::path(post, path = "/admin/publish", tag = "admin", operation_id = "admin_admin_publish_order",
    summary = "Publish or unpublish a project, site, memory or comment (admins)",
    request_body = PublishIn,
    security(("bearer" = [])),
    responses(
        (status = 204, description = "The flag changed"),
        NotModified, NoPrivileges, NotFound, Always, TooLarge, Invalid
    ))]
/// 204 when the flag changed, 304 when it already had the requested value. No language
/// negotiation here.
async fn publish_order(
    State(state): State<AppState>,
    user: MaybeUser,
    ApiJson(body): ApiJson<PublishIn>,
) -> ApiResult<Reply> {
    let order = body.validate().map_err(invalid)?;
    let user = user.require()?;
    user.require_admin_scope()?;
    let mut tx = state.db().begin().await?;
    let changed = publish::apply(&mut tx, &order, user.viewer()).await?;
    tx.commit().await?;
    Ok(if changed {
        Reply::NoContent
    } else {
        Reply::NotModified
    })
}
