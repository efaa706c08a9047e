//! `POST /admin/publish` (E41).

use axum::{extract::State, routing::post, Router};

use crate::{
    auth::MaybeUser,
    error::ApiResult,
    http::{ApiJson, Reply},
    models::{info::invalid, publish::PublishIn},
    repos::{publish, Viewer},
    state::AppState,
};

pub fn router() -> Router<AppState> {
    Router::new().route("/admin/publish", post(publish_order))
}

/// 204 when the flag changed, 304 when it already had the requested value. No language
/// negotiation here (§0.4).
async fn publish_order(
    State(state): State<AppState>,
    user: MaybeUser,
    ApiJson(body): ApiJson<PublishIn>,
) -> ApiResult<Reply> {
    let order = body.validate().map_err(invalid)?;
    let user = user.require()?;
    user.require_admin_scope()?;
    let mut tx = state.db().begin().await?;
    let changed = publish::apply(&mut tx, &order, Viewer::of(&user)).await?;
    tx.commit().await?;
    Ok(if changed {
        Reply::NoContent
    } else {
        Reply::NotModified
    })
}
