//! The current user. Every route requires a session; 204s have empty bodies
//! (docs/compatibility.md#no-content-answers-have-no-body).

use axum::{
    body::Bytes,
    extract::State,
    http::{header, HeaderMap, HeaderValue, StatusCode},
    response::{IntoResponse, Response},
    Json, Router,
};
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiError, ApiResult, ErrorEnvelope, FieldError},
    http::doc::responses::{Always, Invalid, NoContent, NotModified, Renamed, TooLarge},
    http::{extract::parse_json, session, AuthUser, BaseUrl, MaybeUser, QueryMap, Reply},
    images::{ExportMeta, EXPORT_URL_LIFETIME},
    mail::{Lang, LoginMail, Purpose},
    passwords,
    repos::{
        account::{self, AccountExport, Action, PublishedContent},
        login,
        me::{self, Change, Column, Personal, UserData},
        throttle,
    },
    state::AppState,
    validation::{self, Patch, Username},
};

/// The group's routes, each declared once, by its handler's `#[utoipa::path]`.
pub fn routes() -> OpenApiRouter<AppState> {
    crate::telemetry::link_mark!("routes", "me");
    OpenApiRouter::new()
        .routes(routes!(read, modify, logout))
        .routes(routes!(logout_everywhere))
        .routes(routes!(change_password))
        .routes(routes!(change_email))
        .routes(routes!(change_username))
        .routes(routes!(export))
        .routes(routes!(deletion_link))
        .routes(routes!(delete_account))
}

/// What the function serves: [`routes`] without its part of the document.
pub fn router() -> Router<AppState> {
    routes().split_for_parts().0
}

/// Longest personal-data string: the columns are `VARCHAR(255)`
/// (docs/compatibility.md#text-limits-fit-the-columns).
pub const PERSONAL_TEXT_CHARS: usize = 255;

/// `GET /me`.
#[utoipa::path(get, path = "/me", tag = "me", operation_id = "me_read",
    summary = "The caller's account and personal data",
    security(("bearer" = [])),
    responses((status = 200, description = "The account", body = UserData), Always))]
async fn read(State(state): State<AppState>, user: AuthUser) -> ApiResult<Json<UserData>> {
    let mut conn = state.db().conn().await?;
    me::get(&mut conn, user.id)
        .await?
        .map(Json)
        .ok_or_else(ApiError::unauthorized)
}

/// Personal data to change: only the sent keys change, `null` clears one, an empty string
/// leaves its field as it is.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = PatchUser, example = json!({"first_name": "Matti", "country": "fi", "birth_date": "1970-01-31"}))]
struct PatchIn {
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 255)]
    first_name: Patch<Value>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 255)]
    last_name: Patch<Value>,
    #[serde(default)]
    #[schema(value_type = Option<String>, max_length = 255)]
    city: Patch<Value>,
    /// ISO 3166-1 alpha-2 or alpha-3, or an ISO 3166-2 subdivision code
    #[serde(default)]
    #[schema(value_type = Option<String>, min_length = 2, max_length = 6, example = "FI")]
    country: Patch<Value>,
    /// `YYYY-MM-DD`, or a UNIX timestamp
    #[serde(default)]
    #[schema(value_type = Option<String>, format = Date)]
    birth_date: Patch<Value>,
}

fn personal_text(loc: &[&str], v: &Value) -> Result<Personal, FieldError> {
    let s = match v {
        Value::String(s) => s.clone(),
        // pydantic v1 turned numbers into their text; so do we
        // (docs/api-conventions.md#request-bodies-and-parameters).
        Value::Number(n) => n.to_string(),
        _ => return Err(FieldError::new(loc, "str type expected", "type_error.str")),
    };
    if s.chars().count() > PERSONAL_TEXT_CHARS {
        return Err(FieldError::new(
            loc,
            format!("ensure this value has at most {PERSONAL_TEXT_CHARS} characters"),
            "value_error.any_str.max_length",
        ));
    }
    Ok(Personal::Text(s))
}

/// `PATCH /me`: only sent keys change, `null` clears, `""` and `{}` change nothing; 204
/// (docs/compatibility.md#personal-data-changes-only-what-is-sent).
#[utoipa::path(patch, path = "/me", tag = "me", operation_id = "me_modify",
    summary = "Change personal data",
    request_body = PatchIn,
    security(("bearer" = [])),
    responses(NoContent, Always, Invalid, TooLarge))]
async fn modify(
    State(state): State<AppState>,
    user: MaybeUser,
    body: crate::http::ApiJson<PatchIn>,
) -> ApiResult<Reply> {
    let body = body.0;
    let mut changes = Vec::new();
    let mut errors = Vec::new();
    let fields = [
        (Column::FirstName, "first_name", &body.first_name),
        (Column::LastName, "last_name", &body.last_name),
        (Column::City, "city", &body.city),
        (Column::Country, "country", &body.country),
        (Column::BirthDate, "birth_date", &body.birth_date),
    ];
    for (column, name, patch) in fields {
        let loc = ["body", name];
        let value = match patch {
            // An input left empty: the 2022 frontend sends "" for each (its inputs are not
            // pre-filled), which must not wipe or fail the fields the person did fill in.
            Patch::Absent => continue,
            Patch::Value(Value::String(s)) if s.trim().is_empty() => continue,
            Patch::Null => Ok(Personal::Clear),
            Patch::Value(v) => match column {
                Column::Country => match v {
                    Value::String(s) => validation::country(&loc, s).map(Personal::Text),
                    _ => Err(FieldError::new(&loc, "str type expected", "type_error.str")),
                },
                Column::BirthDate => validation::date(&loc, v).map(Personal::Date),
                _ => personal_text(&loc, v),
            },
        };
        match value {
            Ok(v) => changes.push((column, v)),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Validation(errors));
    }
    let user = user.require()?;
    let mut conn = state.db().conn().await?;
    me::patch(&mut conn, user.id, changes).await?;
    Ok(Reply::NoContent)
}

/// The new password, as a body instead of the query.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = NewPassword)]
struct PasswordIn {
    #[schema(min_length = 8)]
    password: String,
}

/// `PUT /me/password`: the new password in the query (as the frontend sends it) or in a
/// JSON body `{"password": …}`; at least 8 characters. Ends every session; 200
/// (docs/compatibility.md#password-change-takes-the-query-or-a-body).
#[utoipa::path(put, path = "/me/password", tag = "me", operation_id = "me_change_password",
    summary = "Set a new password; ends every session of the user",
    description = "The password comes in the query (as the frontend sends it) or, without the \
        query, in a JSON body `{\"password\": …}`.",
    params(("password" = Option<String>, Query, min_length = 8, description = "The new password, at least 8 characters")),
    request_body(content = Option<PasswordIn>, description = "The new password, when not in the query"),
    security(("bearer" = [])),
    responses((status = 200, description = "Changed; empty body; the token has ended"),
        Always, Invalid, TooLarge))]
async fn change_password(
    State(state): State<AppState>,
    user: MaybeUser,
    query: QueryMap,
    body: Bytes,
) -> ApiResult<Reply> {
    let (password, loc) = match query.get("password") {
        Some(p) => (p.to_string(), ["query", "password"]),
        None if !body.iter().all(u8::is_ascii_whitespace) => (
            parse_json::<PasswordIn>(&body)?.password,
            ["body", "password"],
        ),
        None => {
            return Err(ApiError::validation(
                &["query", "password"],
                "field required",
                "value_error.missing",
            ))
        }
    };
    passwords::check_policy(&loc, &password).map_err(|e| ApiError::Validation(vec![e]))?;
    let user = user.require()?;
    let hash = passwords::hash(password, state.config().bcrypt_cost).await?;
    let mut tx = state.db().begin().await?;
    me::set_password_hash(&mut tx, user.id, &hash).await?;
    // Purged before commit (a store failure keeps the old password) and again after, for
    // a session started in between.
    state.sessions().end_all(&user.username).await?;
    tx.commit().await?;
    state.sessions().end_all(&user.username).await?;
    Ok(Reply::Ok)
}

/// `POST /me/email`: a valid address; 304 same, 409 taken, 204 changed. Sessions are kept
/// (docs/compatibility.md#e-mail-changes-are-validated).
#[utoipa::path(post, path = "/me/email", tag = "me", operation_id = "me_change_email",
    summary = "Change the e-mail address",
    params(("email" = String, Query, format = Email, description = "The new address", example = "matti@example.com")),
    security(("bearer" = [])),
    responses(NoContent, NotModified,
        (status = 409, description = "Another account has this address", body = ErrorEnvelope),
        Always, Invalid))]
async fn change_email(
    State(state): State<AppState>,
    user: MaybeUser,
    query: QueryMap,
) -> ApiResult<Reply> {
    let email = validation::email(&["query", "email"], query.required("email")?)
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let user = user.require()?;
    let mut tx = state.db().begin().await?;
    match me::set_email(&mut tx, user.id, &email).await? {
        Change::Unchanged => Ok(Reply::NotModified),
        Change::Taken => Err(ApiError::Conflict("Email in use".into())),
        Change::Changed => {
            tx.commit().await?;
            Ok(Reply::NoContent)
        }
    }
}

/// `POST /me/username`: a valid username; 304 for the exact same name, 409 when another
/// account has it (nobody is logged out). A rename ends every other session of the user,
/// keeps the calling one under the new name and answers 204 with its token in the
/// `Authorization` header
/// (docs/compatibility.md#renaming-validates-the-name-and-returns-a-new-session).
#[utoipa::path(post, path = "/me/username", tag = "me", operation_id = "me_change_username",
    summary = "Rename; ends every other session, the calling one goes on under the new name",
    params(("username" = String, Query, pattern = "^[a-zA-Z0-9_@.: #äöåÄÖÅ-]+$", min_length = 4, max_length = 64, description = "The new username (UID)")),
    security(("bearer" = [])),
    responses(Renamed, NotModified,
        (status = 409, description = "Another account has this name", body = ErrorEnvelope),
        Always, Invalid))]
async fn change_username(
    State(state): State<AppState>,
    user: MaybeUser,
    query: QueryMap,
) -> ApiResult<Response> {
    let username = Username::parse(&["query", "username"], query.required("username")?)
        .map_err(|e| ApiError::Validation(vec![e]))?;
    let user = user.require()?;
    let mut tx = state.db().begin().await?;
    match me::set_username(&mut tx, user.id, &user.username, username.as_str()).await? {
        Change::Unchanged => Ok(axum::response::IntoResponse::into_response(
            Reply::NotModified,
        )),
        Change::Taken => Err(ApiError::Conflict("Username in use".into())),
        Change::Changed => {
            // Sessions name the user by username: the old name's sessions must end before
            // anyone else can take that name.
            state.sessions().end_all(&user.username).await?;
            tx.commit().await?;
            if let Err(e) = state.sessions().end_all(&user.username).await {
                tracing::warn!(error = %e.log_chain(), "second purge after rename failed");
            }
            // The calling session goes on under the new name with the same token: the
            // 2022 frontend keeps sending the token it had until the page is reloaded, so
            // a rename must not log that page out (docs/frontend-contract.md).
            let mut conn = state.db().conn().await?;
            let data = login::session_data(&mut conn, user.id, username.as_str()).await?;
            let key = session::resume(&state, &user.session_key, &data).await?;
            Ok(session::response(StatusCode::NO_CONTENT, &key))
        }
    }
}

/// `DELETE /me`: ends this session only.
#[utoipa::path(delete, path = "/me", tag = "me", operation_id = "me_logout",
    summary = "Log out: end this session",
    security(("bearer" = [])),
    responses(NoContent, Always))]
async fn logout(State(state): State<AppState>, user: AuthUser) -> ApiResult<Reply> {
    state
        .sessions()
        .end(&user.session_key, &user.username)
        .await?;
    Ok(Reply::NoContent)
}

/// `DELETE /me/sessions`: ends every session of the user.
#[utoipa::path(delete, path = "/me/sessions", tag = "me", operation_id = "me_logout_everywhere",
    summary = "End every session of the user",
    security(("bearer" = [])),
    responses(NoContent, Always))]
async fn logout_everywhere(State(state): State<AppState>, user: AuthUser) -> ApiResult<Reply> {
    state.sessions().end_all(&user.username).await?;
    Ok(Reply::NoContent)
}

/// A `429` envelope with `Retry-After` (whole seconds until the limit's window ends).
fn too_many(retry_after_secs: i64) -> Response {
    let mut r = ApiError::TooManyRequests.into_response();
    if let Ok(v) = HeaderValue::from_str(&retry_after_secs.max(1).to_string()) {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

/// `GET /me/export`: everything stored about the caller, read in one snapshot, as a JSON
/// attachment; at most 5 in 10 minutes per user
/// (docs/api-conventions.md#account-export-and-deletion).
#[utoipa::path(get, path = "/me/export", tag = "me", operation_id = "me_export",
    summary = "Download everything stored about the caller",
    description = "One JSON document: the account, profile and personal data, project admin \
        rights, every memory and comment the caller wrote (with its project, site and publish \
        state), the images they uploaded as URLs, the reports they made and the number of \
        their live sessions. Sent as an attachment (`Content-Disposition`), never cached. At \
        most 5 exports in 10 minutes per user; more answer `429` with `Retry-After`.",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The export", body = AccountExport,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"muistot-export-<date>.json\"`"),
                    ("Cache-Control" = String, description = "`private, no-store`"))),
        (status = 303, description = "With the S3 image store, an export past the response size cap: \
            kept for a few minutes at the presigned URL in `Location`, which serves it as the attachment",
            headers(("Location" = String, description = "The kept file"))),
        (status = 429, description = "Too many exports; `Retry-After` says how many seconds to wait",
            body = ErrorEnvelope, headers(("Retry-After" = i64, description = "Seconds"))),
        Always))]
async fn export(
    State(state): State<AppState>,
    user: AuthUser,
    base: BaseUrl,
) -> ApiResult<Response> {
    {
        let mut conn = state.db().conn().await?;
        if let Some(retry) = account::count_action(&mut conn, user.id, Action::Export).await? {
            return Ok(too_many(retry));
        }
    }
    let active = state.sessions().count(&user.username).await?;
    let mut tx = state.db().begin_snapshot().await?;
    let mut data = account::export(&mut tx, user.id, |name| {
        base.join(&format!("/images/{name}"))
    })
    .await?
    .ok_or_else(ApiError::unauthorized)?;
    tx.commit().await?;
    data.sessions.active = active;
    let date: String = data.exported_at.chars().take(10).collect();
    let filename = format!("muistot-export-{date}.json");
    let bytes = serde_json::to_vec(&data)
        .map_err(|e| ApiError::Internal(crate::error::Cause::with("export JSON", e)))?;
    // On Lambda an answer is at most 6 MB: past the response cap, the file is kept in the
    // export store for a few minutes and answered 303, as project exports are
    // (docs/api-conventions.md#export).
    if let Some(store) = state.exports() {
        if bytes.len() > state.config().max_response_bytes {
            let meta = ExportMeta {
                content_type: "application/json",
                filename: &filename,
            };
            let mut upload = store.create(meta).await?;
            if let Err(e) = upload.write(&bytes).await {
                upload.abort().await;
                return Err(e);
            }
            let url = upload.finish(EXPORT_URL_LIFETIME).await?;
            let mut r = StatusCode::SEE_OTHER.into_response();
            let location = HeaderValue::from_str(&url)
                .map_err(|e| ApiError::internal(format!("export URL as a header: {e}")))?;
            r.headers_mut().insert(header::LOCATION, location);
            r.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, no-store"),
            );
            return Ok(r);
        }
    }
    let mut r = (StatusCode::OK, bytes).into_response();
    let headers = r.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(r)
}

/// `POST /me/account/delete-link`: mails the caller a link whose token confirms
/// `DELETE /me/account`; valid 10 minutes, single use, the newest one only
/// (docs/api-conventions.md#account-export-and-deletion).
#[utoipa::path(post, path = "/me/account/delete-link", tag = "me",
    operation_id = "me_account_delete_link",
    summary = "Mail a link that confirms deleting the account",
    description = "Step one of deleting an account without a password: the mail holds a link \
        `<login url>#delete-account:token=…`; its `token` goes to `DELETE /me/account` as \
        `{\"token\": …}` within 10 minutes. A new link replaces the previous one; at most 5 \
        links in 10 minutes. The mail is in English when `Accept-Language` prefers it, else \
        in Finnish.",
    security(("bearer" = [])),
    responses(NoContent,
        (status = 409, description = "The account has no e-mail address", body = ErrorEnvelope),
        (status = 429, description = "Too many links; `Retry-After` says how many seconds to wait",
            body = ErrorEnvelope, headers(("Retry-After" = i64, description = "Seconds"))),
        Always))]
async fn deletion_link(
    State(state): State<AppState>,
    user: AuthUser,
    headers: HeaderMap,
) -> ApiResult<Response> {
    {
        let mut conn = state.db().conn().await?;
        if let Some(retry) = account::count_action(&mut conn, user.id, Action::DeletionLink).await?
        {
            return Ok(too_many(retry));
        }
    }
    let mut tx = state.db().begin().await?;
    let data = me::get(&mut tx, user.id)
        .await?
        .ok_or_else(ApiError::unauthorized)?;
    let Some(email) = data.email else {
        return Err(ApiError::Conflict("No e-mail address".into()));
    };
    let (token, digest) = login::new_verifier()?;
    account::store_deletion_verifier(&mut tx, user.id, &digest).await?;
    let mail = LoginMail {
        to: email,
        username: data.username,
        token,
        verified: true,
        lang: Lang::from_headers(&headers),
        purpose: Purpose::DeleteAccount,
    };
    // Sent before commit: a failed send keeps no verifier.
    state.mailer().send(&mail).await?;
    tx.commit().await?;
    Ok(Reply::NoContent.into_response())
}

/// What happens to the caller's published memories and comments.
#[derive(Clone, Copy, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
enum PublishedChoice {
    /// They stay, without an author (shown as `-`)
    Keep,
    /// They are deleted with the account
    Delete,
}

/// How the deletion is confirmed, and what happens to published content.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = DeleteAccount, example = json!({"published": "keep", "token": "…from the mailed link…"}))]
struct DeleteIn {
    published: PublishedChoice,
    /// The token of a link from `POST /me/account/delete-link`
    #[serde(default)]
    token: Option<String>,
    /// The account's password (instead of a token)
    #[serde(default)]
    password: Option<String>,
}

/// How the caller proved it is them.
enum Confirmation {
    Token(String),
    Password(String),
}

/// `DELETE /me/account`: deletes the caller's account, confirmed by a fresh mailed token
/// or the password; ends every session
/// (docs/api-conventions.md#account-export-and-deletion).
#[utoipa::path(delete, path = "/me/account", tag = "me", operation_id = "me_account_delete",
    summary = "Delete the account; ends every session",
    description = "Confirmed by `token` (from the link `POST /me/account/delete-link` mails, \
        within 10 minutes, once) or by `password`, exactly one of them. Deletes the account \
        row, personal data, verifiers, project admin and superuser rights, reports, the \
        caller's unpublished memories and comments and their images, and images the caller \
        uploaded that nothing else uses. `published` decides the rest: `keep` leaves \
        published memories and comments without an author (shown as `-`), `delete` deletes \
        them too. Refused with `409` while the caller is the only admin of a project and no \
        other superuser exists; the message names the projects. After success the token \
        has ended, so a repeated call answers `401`.",
    request_body = DeleteIn,
    security(("bearer" = [])),
    responses(NoContent,
        (status = 403, description = "The token or password does not confirm the deletion", body = ErrorEnvelope),
        (status = 409, description = "The caller is the last admin of the named projects", body = ErrorEnvelope,
            example = json!({"error": {"code": 409, "message": "Last admin of projects: kalevala"}})),
        (status = 429, description = "Too many wrong passwords (the login limit)", body = ErrorEnvelope),
        Always, Invalid, TooLarge))]
async fn delete_account(
    State(state): State<AppState>,
    user: MaybeUser,
    body: crate::http::ApiJson<DeleteIn>,
) -> ApiResult<Reply> {
    let body = body.0;
    let root = |msg: &str| ApiError::validation(&["body", "__root__"], msg, "value_error");
    let confirmation = match (body.token, body.password) {
        (Some(t), None) => Confirmation::Token(t),
        (None, Some(p)) => Confirmation::Password(p),
        (None, None) => return Err(root("Identifier Required")),
        (Some(_), Some(_)) => return Err(root("Only one identifier allowed")),
    };
    let published = match body.published {
        PublishedChoice::Keep => PublishedContent::Keep,
        PublishedChoice::Delete => PublishedContent::Delete,
    };
    let user = user.require()?;
    if let Confirmation::Password(password) = &confirmation {
        confirm_password(&state, user.id, &user.username, password).await?;
    }
    let mut tx = state.db().begin().await?;
    if let Confirmation::Token(token) = &confirmation {
        if !account::consume_deletion_verifier(&mut tx, user.id, token).await? {
            return Err(ApiError::forbidden("Confirmation failed"));
        }
    }
    let orphaned = account::orphaned_projects(&mut tx, user.id).await?;
    if !orphaned.is_empty() {
        return Err(ApiError::Conflict(format!(
            "Last admin of projects: {}",
            orphaned.join(", ")
        )));
    }
    let files = account::delete(&mut tx, user.id, published).await?;
    // As for a password change: sessions end before commit (a store failure keeps the
    // account) and again after, for a session started in between.
    state.sessions().end_all(&user.username).await?;
    tx.commit().await?;
    if let Err(e) = state.sessions().end_all(&user.username).await {
        tracing::warn!(error = %e.log_chain(), "second purge after account deletion failed");
    }
    for name in files {
        if let Err(e) = state.images().delete(&name).await {
            tracing::warn!(error = %e.log_chain(), "could not delete an image of a deleted account");
        }
    }
    Ok(Reply::NoContent)
}

/// The password confirms a deletion; wrong ones count against the login limit of the
/// username (repos::throttle), so a stolen session cannot guess it faster than a login.
async fn confirm_password(
    state: &AppState,
    user_id: i32,
    username: &str,
    password: &str,
) -> ApiResult<()> {
    let mut conn = state.db().conn().await?;
    if throttle::failures(&mut conn, username).await? >= throttle::MAX_ATTEMPTS {
        return Err(ApiError::TooManyRequests);
    }
    let hash: Option<Vec<u8>> = login::password_hash(&mut conn, user_id).await?;
    let ok = passwords::verify(password.to_string(), hash, state.config().bcrypt_cost).await?;
    if !ok {
        return Err(
            if throttle::count_failure(&mut conn, username).await? > throttle::MAX_ATTEMPTS {
                ApiError::TooManyRequests
            } else {
                ApiError::forbidden("Confirmation failed")
            },
        );
    }
    Ok(())
}
