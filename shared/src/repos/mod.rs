//! SQL and access rules, one module per resource. No HTTP types here: functions take a
//! connection or transaction and the caller, and return domain values or [`ApiError`].

pub mod comments;
pub mod images;
pub mod languages;
pub mod login;
pub mod me;
pub mod memories;
pub mod nearest;
pub mod projects;
pub mod publish;
pub mod row;
pub mod sites;
pub mod throttle;
pub mod users;

/// Who is asking, as the repositories need it.
#[derive(Clone, Copy, Debug, Default)]
pub struct Viewer {
    pub user_id: Option<i32>,
    pub superuser: bool,
}

impl Viewer {
    pub fn anonymous() -> Self {
        Self::default()
    }
    pub fn of(user: &crate::auth::AuthUser) -> Self {
        Self {
            user_id: Some(user.id),
            superuser: user.superuser,
        }
    }
    /// Whether the viewer is the user `user_id` (an author, a creator); never for anonymous.
    pub fn is(&self, user_id: Option<i32>) -> bool {
        self.user_id.is_some() && self.user_id == user_id
    }
    pub fn from_maybe(user: &crate::auth::MaybeUser) -> Self {
        user.0.as_ref().map(Self::of).unwrap_or_default()
    }
}
