//! The posting limits (docs/api-conventions.md#posting-limits): per user, the creates of
//! sites, memories, comments and reports in fixed windows of the configured length,
//! counted in the session store in one atomic step, so parallel requests on every
//! instance share one count and no more than the limit get through.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::HeaderMap;

use super::guard::Attempts;
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
    /// An e-mail login link, counted per client address.
    Link,
}

impl Posting {
    fn name(self) -> &'static str {
        match self {
            Posting::Site => "sites",
            Posting::Memory => "memories",
            Posting::Comment => "comments",
            Posting::Report => "reports",
            Posting::Link => "links",
        }
    }
}

/// The counter of `who` (a user id, a client address) in database `db` for `what` in the
/// window around `now`, and the seconds left in that window. User ids are per database,
/// and one session store may serve several (a staging and a test database, the tests'
/// databases).
fn counter(
    what: Posting,
    db: &str,
    who: impl std::fmt::Display,
    window_secs: u64,
    now: u64,
) -> (String, u64) {
    let window = now / window_secs;
    let left = (window + 1) * window_secs - now;
    (format!("{}:{db}:{who}:{window}", what.name()), left)
}

/// Counts one create of `what` by the viewer; past the limit a `429` with the seconds
/// until the window ends. Superusers are not limited (imports, admin posting). A request
/// counts once: its retries after a deadlock (`http::guard`) pass without counting again.
pub async fn check(
    state: &AppState,
    attempts: &Attempts,
    viewer: Viewer,
    what: Posting,
) -> Result<(), ApiError> {
    let Some(user) = viewer.user_id else {
        return Ok(());
    };
    if viewer.superuser || !attempts.first(what.name()) {
        return Ok(());
    }
    count(state, what, user).await
}

/// Counts one e-mail login link asked for by the request's client address
/// ([`client_address`]); past the limit a `429`. A request without one (the local
/// server, no proxy in front) is not counted.
pub async fn check_address(
    state: &AppState,
    attempts: &Attempts,
    headers: &HeaderMap,
) -> Result<(), ApiError> {
    if !attempts.first(Posting::Link.name()) {
        return Ok(());
    }
    let hops = state.config().posting_limits.trusted_proxies;
    match client_address(headers, hops) {
        Some(address) => count(state, Posting::Link, address).await,
        None => Ok(()),
    }
}

/// The client's address: the entry of `X-Forwarded-For` just before the `hops` entries
/// our own proxies appended (API Gateway appends the address it was called from), so
/// whatever a client writes into the header itself is never used. `None` without enough
/// entries.
pub fn client_address(headers: &HeaderMap, hops: usize) -> Option<String> {
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    let at = entries.len().checked_sub(hops)?;
    entries.get(at).map(|e| e.to_string())
}

async fn count(
    state: &AppState,
    what: Posting,
    who: impl std::fmt::Display,
) -> Result<(), ApiError> {
    let limits = state.config().posting_limits;
    let limit = match what {
        Posting::Site => limits.sites,
        Posting::Memory => limits.memories,
        Posting::Comment => limits.comments,
        Posting::Report => limits.reports,
        Posting::Link => limits.links,
    };
    if limit == 0 {
        return Ok(());
    }
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (name, left) = counter(what, state.db().name(), who, limits.window_secs, now);
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
    fn the_client_address_is_the_one_our_proxies_saw() {
        let mut h = HeaderMap::new();
        assert_eq!(client_address(&h, 1), None);
        h.insert("x-forwarded-for", "198.51.100.23".parse().unwrap());
        assert_eq!(client_address(&h, 1).as_deref(), Some("198.51.100.23"));
        assert_eq!(client_address(&h, 2), None);
        // A client's own entries come first; API Gateway's is last.
        h.insert(
            "x-forwarded-for",
            "10.9.9.9, 203.0.113.7, 198.51.100.23".parse().unwrap(),
        );
        assert_eq!(client_address(&h, 1).as_deref(), Some("198.51.100.23"));
        // With the CDN in front, the viewer is the entry before CloudFront's.
        assert_eq!(client_address(&h, 2).as_deref(), Some("203.0.113.7"));
    }

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
