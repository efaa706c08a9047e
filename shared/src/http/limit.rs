//! The posting limits (docs/api-conventions.md#posting-limits): per user, the creates of
//! sites, memories, comments and reports in fixed windows of the configured length,
//! counted in the session store in one atomic step, so parallel requests on every
//! instance share one count and no more than the limit get through.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::access::Viewer;
use crate::error::ApiError;
use crate::state::AppState;

/// What is being created.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Posting {
    Site,
    Memory,
    Comment,
    Report,
}

impl Posting {
    fn name(self) -> &'static str {
        match self {
            Posting::Site => "sites",
            Posting::Memory => "memories",
            Posting::Comment => "comments",
            Posting::Report => "reports",
        }
    }
}

/// The counter of user id `user` of database `db` for `what` in the window around `now`,
/// and the seconds left in that window. User ids are per database, and one session store
/// may serve several (a staging and a test database, the tests' databases).
fn counter(what: Posting, db: &str, user: i32, window_secs: u64, now: u64) -> (String, u64) {
    let window = now / window_secs;
    let left = (window + 1) * window_secs - now;
    (format!("{}:{db}:{user}:{window}", what.name()), left)
}

/// Counts one create of `what` by the viewer; past the limit a `429` with the seconds
/// until the window ends. Superusers are not limited (imports, admin posting).
pub async fn check(state: &AppState, viewer: Viewer, what: Posting) -> Result<(), ApiError> {
    let limits = state.config().posting_limits;
    let limit = match what {
        Posting::Site => limits.sites,
        Posting::Memory => limits.memories,
        Posting::Comment => limits.comments,
        Posting::Report => limits.reports,
    };
    let Some(user) = viewer.user_id else {
        return Ok(());
    };
    if limit == 0 || viewer.superuser {
        return Ok(());
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (name, left) = counter(what, state.db().name(), user, limits.window_secs, now);
    let count = state.sessions().hit(&name, left).await?;
    if count > limit {
        return Err(ApiError::RateLimited(left));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_fixed_and_the_wait_is_what_is_left_of_one() {
        assert_eq!(
            counter(Posting::Memory, "m", 7, 3600, 7200),
            ("memories:m:7:2".into(), 3600)
        );
        assert_eq!(
            counter(Posting::Memory, "m", 7, 3600, 10_799),
            ("memories:m:7:2".into(), 1)
        );
        assert_eq!(
            counter(Posting::Report, "m", 7, 3600, 10_800),
            ("reports:m:7:3".into(), 3600)
        );
    }
}
