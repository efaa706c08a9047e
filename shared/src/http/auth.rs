//! Bearer-token authentication (docs/api-conventions.md#authentication). A middleware
//! resolves the header of every request, public and unknown paths included: absent →
//! anonymous, malformed → 401. A well-formed token whose session has ended (expired,
//! logged out, its user gone) is anonymous too, so public reads and login still work; what
//! needs a user then answers 401 as without a token. The 2022 frontend keeps an ended
//! token and sends it with every request, login included (docs/frontend-contract.md).
//! The user's admin and superuser status is read from the database on each request
//! (docs/compatibility.md#privileges-are-read-on-every-request).

use crate::{
    error::ApiError,
    repos::{users, Viewer},
    sessions::token,
    state::AppState,
};
use axum::{
    extract::{FromRequestParts, Request, State},
    http::{header, request::Parts},
    middleware::Next,
    response::{IntoResponse, Response},
};

/// The caller, as the database knows them now.
#[derive(Clone, Debug)]
pub struct AuthUser {
    pub id: i32,
    pub username: String,
    pub superuser: bool,
    /// Superuser or admin of at least one project: the `admin` scope.
    pub admin_scope: bool,
    /// Store key of the session this request came with.
    pub session_key: Vec<u8>,
}

impl AuthUser {
    /// The caller as the access rules see them.
    pub fn viewer(&self) -> Viewer {
        Viewer {
            user_id: Some(self.id),
            superuser: self.superuser,
        }
    }

    /// The scope guard of admin endpoints: 403 with the required and present scopes as
    /// details.
    pub fn require_admin_scope(&self) -> Result<(), ApiError> {
        if self.admin_scope {
            return Ok(());
        }
        Err(ApiError::Forbidden(
            "Unauthorized".into(),
            vec![
                "Required (authenticated,admin)".into(),
                "Got (authenticated)".into(),
            ],
        ))
    }
}

/// Optional caller: `None` without a token or with one whose session has ended. A
/// malformed token never gets here: the middleware answered 401.
#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<AuthUser>);

impl MaybeUser {
    /// The "requires user" guard.
    pub fn require(self) -> Result<AuthUser, ApiError> {
        self.0.ok_or_else(ApiError::unauthorized)
    }
    pub fn id(&self) -> Option<i32> {
        self.0.as_ref().map(|u| u.id)
    }
    /// The caller as the access rules see them (anonymous without a user).
    pub fn viewer(&self) -> Viewer {
        self.0.as_ref().map(AuthUser::viewer).unwrap_or_default()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for MaybeUser {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(MaybeUser(parts.extensions.get::<AuthUser>().cloned()))
    }
}

/// Required caller, for handlers without a body (a body handler takes [`MaybeUser`] and
/// calls `require` after parsing, so bad input is 422 before 401,
/// docs/api-conventions.md#order-of-checks).
impl<S: Send + Sync> FromRequestParts<S> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<AuthUser>()
            .cloned()
            .ok_or_else(ApiError::unauthorized)
    }
}

/// Resolves `Authorization` into an [`AuthUser`] extension, or answers 401.
pub async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(value) = req.headers().get(header::AUTHORIZATION) else {
        return next.run(req).await;
    };
    match resolve(&state, value.as_bytes()).await {
        Ok(Some(user)) => {
            req.extensions_mut().insert(user);
            next.run(req).await
        }
        Ok(None) => next.run(req).await,
        Err(e) => e.into_response(),
    }
}

/// The caller of a well-formed token; `None` when its session has ended.
async fn resolve(state: &AppState, header: &[u8]) -> Result<Option<AuthUser>, ApiError> {
    let value = std::str::from_utf8(header)
        .map_err(|_| ApiError::Unauthorized("Invalid Token Format".into()))?;
    let (scheme, credentials) = value.split_once(' ').unwrap_or((value, ""));
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::Unauthorized("Wrong Scheme".into()));
    }
    let key = token::decode(credentials)
        .map_err(|_| ApiError::Unauthorized("Invalid Token Format".into()))?;
    let Some(session) = state.sessions().touch(&key).await? else {
        return Ok(None);
    };
    let mut conn = state.db().conn().await?;
    let Some(caller) = users::caller(&mut conn, &session.user).await? else {
        return Ok(None);
    };
    Ok(Some(AuthUser {
        id: caller.id,
        username: caller.username,
        superuser: caller.superuser,
        admin_scope: caller.superuser || caller.admin_of_any,
        session_key: key,
    }))
}
