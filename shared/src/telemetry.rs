//! Tracing set-up: JSON lines in Lambda (CloudWatch), readable text locally.

use tracing_subscriber::{fmt, EnvFilter};

fn filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn"))
}

/// For Lambda functions.
pub fn init_json() {
    let _ = fmt()
        .json()
        .with_env_filter(filter())
        .with_current_span(true)
        .without_time()
        .with_target(false)
        .try_init();
}

/// For the local server.
pub fn init_text() {
    let _ = fmt()
        .with_env_filter(filter())
        .with_target(false)
        .try_init();
}

/// Logs (at debug level) that a group's router or a store was built. The literal it logs,
/// `muistot-<kind>:<name>;`, is in a binary only when the code that calls this is linked:
/// `.ci/package.sh` reads it from each function to check that the function links its own
/// group and the stores its features name, and nothing else.
macro_rules! link_mark {
    ($kind:literal, $name:literal) => {
        tracing::debug!(mark = concat!("muistot-", $kind, ":", $name, ";"), "built")
    };
}
pub(crate) use link_mark;
