//! Tracing set-up: JSON lines in Lambda (CloudWatch), readable text locally; and the X-Ray
//! trace id a request's log lines carry beside its request id (docs/operations.md#tracing).

use http::HeaderMap;
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

/// The X-Ray trace id of the request being served: the `Root=` of the trace header. In
/// Lambda the runtime sets `_X_AMZN_TRACE_ID` before each invocation (one at a time per
/// instance), the header of the function's own segment when tracing is active; otherwise
/// the `x-amzn-trace-id` header that API Gateway (or a load balancer) passed on.
pub fn trace_id(headers: &HeaderMap) -> Option<String> {
    let from_env = std::env::var("_X_AMZN_TRACE_ID").ok();
    let header = from_env
        .as_deref()
        .or_else(|| headers.get("x-amzn-trace-id").and_then(|v| v.to_str().ok()))?;
    trace_root(header).map(String::from)
}

/// `Root=1-5759e988-bd862e3fe1be46a994272793` out of `Root=…;Parent=…;Sampled=1`; only a
/// well-formed id (no client can put other text into the log line this way).
fn trace_root(header: &str) -> Option<&str> {
    let root = header
        .split(';')
        .find_map(|part| part.trim().strip_prefix("Root="))?;
    let well_formed = root.len() <= 64
        && root.starts_with("1-")
        && root.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    well_formed.then_some(root)
}

#[cfg(test)]
mod tests {
    use super::trace_root;

    #[test]
    fn the_root_of_a_trace_header_is_its_trace_id() {
        assert_eq!(
            trace_root(
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"
            ),
            Some("1-5759e988-bd862e3fe1be46a994272793")
        );
        assert_eq!(
            trace_root(
                "Self=1-67891234-12456789abcdef012345678;Root=1-67891233-abcdef012345678912345678"
            ),
            Some("1-67891233-abcdef012345678912345678")
        );
    }

    #[test]
    fn anything_else_is_no_trace_id() {
        assert_eq!(trace_root(""), None);
        assert_eq!(trace_root("Parent=53995c3f42cd8ad8"), None);
        assert_eq!(trace_root("Root=1-abc\"} injected"), None);
        assert_eq!(trace_root("Root=2-5759e988-bd862e3fe1be46a994272793"), None);
    }
}
