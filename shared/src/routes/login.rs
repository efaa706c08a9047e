//! Login, registration and e-mail links, under both the original ("seed") paths and the
//! `/auth/…` aliases the frontend calls (docs/api-conventions.md#login-route-aliases).
//! Sessions and links: docs/api-conventions.md#sessions,
//! docs/api-conventions.md#login-links.

use axum::{
    extract::State,
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    Json, Router,
};
use serde::Deserialize;
use utoipa::openapi::{path::Operation, PathItem};
use utoipa_axum::{
    router::{OpenApiRouter, UtoipaMethodRouter},
    routes,
};

use crate::{
    error::{ApiError, ApiResult, ErrorEnvelope, FieldError},
    http::doc::responses::{Always, Invalid, NoContent, SessionStarted, TooLarge},
    http::{session, ApiJson, AuthUser, MaybeUser, QueryMap, Reply},
    mail::{link_user, Lang, LoginMail, Purpose},
    namegen, passwords,
    repos::{
        login::{self, Account},
        throttle,
    },
    state::AppState,
    validation::{self, Username},
};

/// The `/auth/…` spellings the frontend calls: `(alias, seed path)`. The
/// router serves each alias with the seed's handler; the OpenAPI document copies the
/// seed's operations ([`with_aliases`]).
pub const ALIASES: &[(&str, &str)] = &[
    ("/auth/login", "/login"),
    ("/auth/password", "/login"),
    ("/auth/register", "/register"),
    ("/auth/confirm", "/register/confirm"),
    ("/auth/email", "/login/email-only"),
    ("/auth/email/exchange", "/login/email-only/exchange"),
    ("/auth/oauth", "/oauth"),
];

/// The group's routes, each declared once, by its handler's `#[utoipa::path]`; a seed's
/// aliases come with it.
pub fn routes() -> OpenApiRouter<AppState> {
    crate::telemetry::link_mark!("routes", "login");
    let seeds = [
        routes!(password_login),
        routes!(register),
        routes!(confirm),
        routes!(email_login),
        routes!(exchange),
        routes!(oauth),
    ];
    seeds
        .into_iter()
        .fold(OpenApiRouter::new(), |router, seed| {
            router.routes(with_aliases(seed))
        })
        .routes(routes!(status))
}

/// What the function serves: [`routes`] without its part of the document.
pub fn router() -> Router<AppState> {
    routes().split_for_parts().0
}

/// The routes of a seed path also under each of its [`ALIASES`], right after it in the
/// document: the same handlers, and copies of the operations whose ids end in the alias
/// (`login_password_login_auth_login`) and whose descriptions name the seed.
fn with_aliases(routes: UtoipaMethodRouter<AppState>) -> UtoipaMethodRouter<AppState> {
    let (schemas, mut paths, handlers) = routes;
    let seeds: Vec<(String, PathItem)> = paths.paths.clone().into_iter().collect();
    for (seed, item) in seeds {
        for (alias, _) in ALIASES.iter().filter(|(_, s)| *s == seed) {
            let mut copy = item.clone();
            for op in operations_mut(&mut copy) {
                describe_alias(op, &seed, alias);
            }
            paths.paths.insert(alias.to_string(), copy);
        }
    }
    (schemas, paths, handlers)
}

/// An alias's copy of the seed's operation `op`.
fn describe_alias(op: &mut Operation, seed: &str, alias: &str) {
    let suffix: String = alias
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let id = op.operation_id.take().unwrap_or_default();
    op.operation_id = Some(format!("{id}{suffix}"));
    let described = op.description.take().unwrap_or_default();
    op.description = Some(
        format!("Same as `{seed}`; the spelling the frontend calls.\n\n{described}")
            .trim_end()
            .to_string(),
    );
}

fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .filter_map(Option::as_mut)
}

fn invalid(errors: Vec<FieldError>) -> ApiResult<()> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(errors))
    }
}

#[derive(Deserialize)]
struct LoginIn {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    email: Option<String>,
    password: String,
}

/// Password login: exactly one of `username` and `email` (else 422), and the password.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[serde(untagged)]
#[schema(as = Login, example = json!({"username": "Matti", "password": "correct horse battery"}))]
#[allow(dead_code)]
enum LoginDoc {
    /// By username
    Username { username: String, password: String },
    /// By e-mail address
    Email {
        #[schema(format = Email)]
        email: String,
        password: String,
    },
}

/// Password login: username or e-mail plus password → 200 with the session header.
#[utoipa::path(post, path = "/login", tag = "login", operation_id = "login_password_login",
    summary = "Log in with username or e-mail and password",
    request_body = LoginDoc,
    responses(
        SessionStarted,
        (status = 400, description = "No such user or wrong password", body = ErrorEnvelope),
        (status = 403, description = "The account is not verified yet", body = ErrorEnvelope),
        (status = 429, description = "10 failed attempts for this username or e-mail within 15 minutes", body = ErrorEnvelope),
        Always, Invalid, TooLarge))]
async fn password_login(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<LoginIn>,
) -> ApiResult<Response> {
    let root = |msg: &str| ApiError::validation(&["body", "__root__"], msg, "value_error");
    let subject = match (&body.username, &body.email) {
        (None, None) => return Err(root("Identifier Required")),
        (Some(_), Some(_)) => return Err(root("Only one identifier allowed")),
        (Some(name), None) => name.clone(),
        (None, Some(raw)) => {
            validation::email(&["body", "email"], raw).map_err(|e| ApiError::Validation(vec![e]))?
        }
    };
    if subject.chars().count() > 255 {
        // Longer than any stored username or e-mail: no such account.
        return Err(ApiError::BadRequest("Bad Request".into()));
    }
    let mut conn = state.db().conn().await?;
    if throttle::failures(&mut conn, &subject).await? >= throttle::MAX_ATTEMPTS {
        return Err(ApiError::TooManyRequests);
    }
    let account = if body.username.is_some() {
        login::by_username(&mut conn, &subject).await?
    } else {
        login::by_email(&mut conn, &subject, false).await?
    };
    // Unknown users cost the same bcrypt work as known ones
    // (docs/compatibility.md#login-does-not-reveal-which-accounts-exist).
    let hash = account.as_ref().and_then(|a| a.password_hash.clone());
    let ok = passwords::verify(body.password, hash, state.config().bcrypt_cost).await?;
    let account = match account {
        Some(a) if ok => a,
        _ => {
            // Only failures within the limit get an answer about the password
            // (repos::throttle).
            return Err(
                if throttle::count_failure(&mut conn, &subject).await? > throttle::MAX_ATTEMPTS {
                    ApiError::TooManyRequests
                } else {
                    ApiError::BadRequest("Bad Request".into())
                },
            );
        }
    };
    // Guesses made in parallel may have used up the limit meanwhile.
    if throttle::failures(&mut conn, &subject).await? >= throttle::MAX_ATTEMPTS {
        return Err(ApiError::TooManyRequests);
    }
    if !account.verified {
        return Err(ApiError::forbidden("Not verified"));
    }
    throttle::clear(&mut conn, &subject).await?;
    let data = login::session_data(&mut conn, account.id, &account.username).await?;
    let key = session::start(&state, &data).await?;
    Ok(session::response(StatusCode::OK, &key))
}

/// A new account.
#[derive(Deserialize, utoipa::ToSchema)]
#[schema(as = Register, example = json!({"username": "Matti", "email": "matti@example.com", "password": "correct horse battery"}))]
struct RegisterIn {
    /// Username (UID)
    #[schema(
        pattern = "^[a-zA-Z0-9_@.: #äöåÄÖÅ-]+$",
        min_length = 4,
        max_length = 64
    )]
    username: String,
    #[schema(format = Email)]
    email: String,
    #[schema(min_length = 8)]
    password: String,
}

/// `GET /oauth`.
#[derive(serde::Serialize, utoipa::ToSchema)]
#[schema(as = OAuthProviders, example = json!({"oauth_providers": []}))]
#[serde(deny_unknown_fields)]
struct OAuthOut {
    /// Names of the configured providers (no provider routes exist).
    oauth_providers: Vec<String>,
}

/// Registration: a new unverified account and a verification link; 201, no session.
#[utoipa::path(post, path = "/register", tag = "login", operation_id = "login_register",
    summary = "Register; a verification link is mailed",
    description = "No session is started: the link (`/register/confirm`) verifies the account.",
    request_body = RegisterIn,
    responses(
        (status = 201, description = "Registered; empty body, no `Location`"),
        (status = 403, description = "Called with a session: the bare JSON string `\"Already signed-in\"`",
            body = String, content_type = "application/json", example = json!("Already signed-in")),
        (status = 409, description = "Username or e-mail in use", body = ErrorEnvelope),
        Always, Invalid, TooLarge))]
async fn register(
    State(state): State<AppState>,
    user: MaybeUser,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RegisterIn>,
) -> ApiResult<Response> {
    let mut errors = Vec::new();
    let username = Username::parse(&["body", "username"], &body.username)
        .map_err(|e| errors.push(e))
        .ok();
    let email = validation::email(&["body", "email"], &body.email)
        .map_err(|e| errors.push(e))
        .ok();
    if let Err(e) = passwords::check_policy(&["body", "password"], &body.password) {
        errors.push(e);
    }
    invalid(errors)?;
    let (Some(username), Some(email)) = (username, email) else {
        return Err(ApiError::internal("validated fields missing"));
    };
    if user.0.is_some() {
        // The original's bare JSON string, kept for the frontend
        // (docs/compatibility.md#registration-validates-username-and-password).
        return Ok((StatusCode::FORBIDDEN, Json("Already signed-in")).into_response());
    }
    let hash = passwords::hash(body.password, state.config().bcrypt_cost).await?;
    let mut tx = state.db().begin().await?;
    check_free(&mut tx, username.as_str(), &email).await?;
    let Some(id) = login::insert(&mut tx, username.as_str(), &email, &hash).await? else {
        // Lost a race with a concurrent registration: say which field clashed.
        check_free(&mut tx, username.as_str(), &email).await?;
        return Err(ApiError::Conflict("Integrity Violation".into()));
    };
    let (token, digest) = login::new_verifier()?;
    login::store_verifier(&mut tx, id, &digest).await?;
    let mail = LoginMail {
        to: email,
        username: username.into_string(),
        token,
        verified: false,
        lang: Lang::from_headers(&headers),
        purpose: Purpose::Login,
    };
    // Sent before commit: a failed send leaves neither account nor verifier.
    state.mailer().send(&mail).await?;
    tx.commit().await?;
    crate::telemetry::metric(
        "LoginLinksSent",
        crate::telemetry::Unit::Count,
        1.0,
        &[("Kind", "register")],
    );
    Ok(StatusCode::CREATED.into_response())
}

/// 409 naming the first of username, e-mail that another account has (the original's order).
async fn check_free(tx: &mut crate::db::Tx, username: &str, email: &str) -> ApiResult<()> {
    if login::username_taken(tx, username, None).await? {
        return Err(ApiError::Conflict("Username already in use".into()));
    }
    if login::email_taken(tx, email, None).await? {
        return Err(ApiError::Conflict("Email already in use".into()));
    }
    Ok(())
}

/// Registration link: verifies the account; no session.
#[utoipa::path(post, path = "/register/confirm", tag = "login", operation_id = "login_confirm",
    summary = "Verify an account with the mailed link",
    params(UserTokenQuery),
    responses(
        NoContent,
        (status = 404, description = "No such link, or used, or older than 10 minutes", body = ErrorEnvelope),
        Always, Invalid))]
async fn confirm(State(state): State<AppState>, query: QueryMap) -> ApiResult<Reply> {
    let not_found = || ApiError::NotFound("Not Found".into());
    let user = link_user(query.required("user")?).ok_or_else(not_found)?;
    let token = query.required("token")?;
    let mut tx = state.db().begin().await?;
    if login::consume_verifier(&mut tx, &user, token)
        .await?
        .is_none()
    {
        return Err(not_found());
    }
    tx.commit().await?;
    Ok(Reply::NoContent)
}

/// E-mail login: sends a login link, creating an account with a generated name for a new
/// address.
#[utoipa::path(post, path = "/login/email-only", tag = "login", operation_id = "login_email_login",
    summary = "Mail a login link (creates an account for a new address)",
    description = "The answer is the same whether the address was known or not. The mail is in \
        English when `Accept-Language` prefers it, else in Finnish.",
    params(("email" = String, Query, format = Email, description = "The address to mail the link to", example = "matti@example.com")),
    responses(
        NoContent,
        (status = 429, description = "A link was sent to this account less than 5 minutes ago, or this client address asked for more links than the posting limit allows (then with `Retry-After`)", body = ErrorEnvelope),
        Always, Invalid))]
async fn email_login(
    State(state): State<AppState>,
    query: QueryMap,
    headers: HeaderMap,
    attempts: crate::http::guard::Attempts,
) -> ApiResult<Reply> {
    let email = validation::email(&["query", "email"], query.required("email")?)
        .map_err(|e| ApiError::Validation(vec![e]))?;
    crate::http::limit::check_address(&state, &attempts, &headers).await?;
    let lang = Lang::from_headers(&headers);
    let cost = state.config().bcrypt_cost;
    // A new account gets an unusable password; hash it before any row lock is taken.
    let known = {
        let mut conn = state.db().conn().await?;
        login::by_email(&mut conn, &email, false).await?.is_some()
    };
    let mut unusable = if known {
        None
    } else {
        Some(passwords::hash(login::new_verifier()?.0, cost).await?)
    };
    let mut tx = state.db().begin().await?;
    let account = match login::by_email(&mut tx, &email, true).await? {
        Some(a) => a,
        None => {
            let hash = match unusable.take() {
                Some(h) => h,
                None => passwords::hash(login::new_verifier()?.0, cost).await?,
            };
            create_generated(&mut tx, &email, &hash).await?
        }
    };
    if login::recently_sent(&mut tx, account.id).await? {
        return Err(ApiError::TooManyRequests);
    }
    let (token, digest) = login::new_verifier()?;
    login::store_verifier(&mut tx, account.id, &digest).await?;
    let mail = LoginMail {
        to: account.email.clone().unwrap_or(email),
        username: account.username,
        token,
        verified: account.verified,
        lang,
        purpose: Purpose::Login,
    };
    state.mailer().send(&mail).await?;
    tx.commit().await?;
    crate::telemetry::metric(
        "LoginLinksSent",
        crate::telemetry::Unit::Count,
        1.0,
        &[("Kind", "login")],
    );
    Ok(Reply::NoContent)
}

/// Inserts an account with a generated username; a clash is retried with a new name,
/// five attempts in all, then 503
/// (docs/compatibility.md#generated-usernames-are-made-in-process).
async fn create_generated(tx: &mut crate::db::Tx, email: &str, hash: &str) -> ApiResult<Account> {
    for _ in 0..5 {
        let name = namegen::generate()?;
        if let Some(id) = login::insert(tx, &name, email, hash).await? {
            return Ok(Account {
                id,
                username: name,
                email: Some(email.to_string()),
                password_hash: None,
                verified: false,
            });
        }
        // The clash may be the address itself, registered concurrently.
        if let Some(account) = login::by_email(tx, email, true).await? {
            return Ok(account);
        }
    }
    Err(ApiError::Unavailable(
        "no free generated username after 5 attempts".into(),
    ))
}

/// `?user=…&token=…` of the mailed link (`#email-login:user=…&token=…`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
struct UserTokenQuery {
    /// The username the link names; also accepted percent-encoded once more, as the 2022
    /// frontend sends it (docs/frontend-contract.md)
    #[param(example = "Matti")]
    user: String,
    /// The link's token
    token: String,
}

/// Link exchange: a valid link → verified account and a session for its canonical
/// username (docs/compatibility.md#login-link-names-are-decoded-twice).
#[utoipa::path(post, path = "/login/email-only/exchange", tag = "login", operation_id = "login_exchange",
    summary = "Log in with the mailed link",
    params(UserTokenQuery),
    responses(
        SessionStarted,
        (status = 404, description = "No such link, or used, or older than 10 minutes", body = ErrorEnvelope),
        Always, Invalid))]
async fn exchange(State(state): State<AppState>, query: QueryMap) -> ApiResult<Response> {
    let not_found = || ApiError::NotFound("Not found".into());
    let user = link_user(query.required("user")?).ok_or_else(not_found)?;
    let token = query.required("token")?;
    let mut tx = state.db().begin().await?;
    let Some(account) = login::consume_verifier(&mut tx, &user, token).await? else {
        return Err(not_found());
    };
    let data = login::session_data(&mut tx, account.id, &account.username).await?;
    let key = session::start(&state, &data).await?;
    if let Err(e) = tx.commit().await {
        // The link stays usable; the session must not outlive the failed transaction.
        let _ = state.sessions().end(&key, &account.username).await;
        return Err(e.into());
    }
    Ok(session::response(StatusCode::OK, &key))
}

/// The configured OAuth provider names; there are no OAuth login routes.
#[utoipa::path(get, path = "/oauth", tag = "login", operation_id = "login_oauth",
    summary = "Configured OAuth providers",
    responses((status = 200, description = "The providers", body = OAuthOut), Always))]
async fn oauth(State(state): State<AppState>) -> Json<OAuthOut> {
    Json(OAuthOut {
        oauth_providers: state.config().oauth_providers.clone(),
    })
}

/// `GET /auth/status`: 200 with an empty body for a live session, else 401.
#[utoipa::path(get, path = "/auth/status", tag = "login", operation_id = "login_status",
    summary = "Whether the token is a live session",
    security(("bearer" = [])),
    responses((status = 200, description = "A live session; empty body"), Always))]
async fn status(_user: AuthUser) -> StatusCode {
    StatusCode::OK
}
