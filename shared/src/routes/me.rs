//! The current user. Every route requires a session; 204s have empty bodies
//! (docs/compatibility.md#no-content-answers-have-no-body).

use axum::{body::Bytes, extract::State, http::StatusCode, response::Response, Json, Router};
use serde::Deserialize;
use serde_json::Value;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    error::{ApiError, ApiResult, ErrorEnvelope, FieldError},
    http::doc::responses::{Always, Invalid, NoContent, NotModified, Renamed, TooLarge},
    http::{extract::parse_json, session, AuthUser, MaybeUser, QueryMap, Reply},
    passwords,
    repos::{
        login,
        me::{self, Change, Column, Personal, UserData},
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
