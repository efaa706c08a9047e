//! Tracing set-up: JSON lines in Lambda (CloudWatch), readable text locally; and the X-Ray
//! trace id a request's log lines carry beside its request id (docs/operations.md#tracing).

use std::io::Write;

use http::HeaderMap;
use serde_json::{json, Map, Value};
use tracing::{field::Field, Event, Subscriber};
use tracing_subscriber::{
    filter::{filter_fn, LevelFilter, Targets},
    fmt::{self, MakeWriter},
    layer::{Context, SubscriberExt},
    util::SubscriberInitExt,
    EnvFilter, Layer,
};

fn filter() -> EnvFilter {
    EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tower_http=warn"))
}

/// For Lambda functions: JSON log lines, and the metric lines as they are (EMF).
pub fn init_json() {
    let logs = fmt::layer()
        .json()
        .with_current_span(true)
        .without_time()
        .with_target(false)
        .with_filter(filter())
        .with_filter(filter_fn(|m| m.target() != METRICS_TARGET));
    let _ = tracing_subscriber::registry()
        .with(logs)
        .with(MetricLines(std::io::stdout).with_filter(metric_events()))
        .try_init();
}

/// For the local server: text log lines, and the same metric lines as in Lambda.
pub fn init_text() {
    let logs = fmt::layer()
        .with_target(false)
        .with_filter(filter())
        .with_filter(filter_fn(|m| m.target() != METRICS_TARGET));
    let _ = tracing_subscriber::registry()
        .with(logs)
        .with(MetricLines(std::io::stdout).with_filter(metric_events()))
        .try_init();
}

// ------------------------------------------------------------------ metrics (EMF)

/// The tracing target of metric events; their one field, `emf`, is a whole EMF document.
pub const METRICS_TARGET: &str = "muistot::metrics";
/// The CloudWatch namespace of the service's own metrics.
pub const METRICS_NAMESPACE: &str = "Muistot";

/// The unit of a metric value, as CloudWatch names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
}

impl Unit {
    fn name(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
        }
    }
}

/// Records one value of the metric `name` with `dimensions` (names and values that must
/// never hold personal data: route patterns, statuses, methods). In Lambda the line is
/// CloudWatch Embedded Metric Format, which CloudWatch Logs turns into a metric without
/// an agent (docs/operations.md#metrics); locally it is printed the same way.
pub fn metric(name: &str, unit: Unit, value: f64, dimensions: &[(&str, &str)]) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default();
    let line = emf_line(now, name, unit, value, dimensions);
    tracing::info!(target: METRICS_TARGET, emf = %line);
}

/// The EMF document: the `_aws` metadata (timestamp, namespace, the one dimension set,
/// the metric's name and unit) and, at the root, the value and each dimension's value.
fn emf_line(
    timestamp_ms: u64,
    name: &str,
    unit: Unit,
    value: f64,
    dimensions: &[(&str, &str)],
) -> String {
    let mut root = Map::new();
    for (k, v) in dimensions {
        root.insert((*k).to_string(), Value::String((*v).to_string()));
    }
    root.insert(name.to_string(), json!(value));
    let names: Vec<&str> = dimensions.iter().map(|(k, _)| *k).collect();
    root.insert(
        "_aws".into(),
        json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": METRICS_NAMESPACE,
                "Dimensions": [names],
                "Metrics": [{"Name": name, "Unit": unit.name()}],
            }],
        }),
    );
    Value::Object(root).to_string()
}

fn metric_events() -> Targets {
    Targets::new().with_target(METRICS_TARGET, LevelFilter::INFO)
}

/// Writes each metric event's `emf` document alone on a line (of stdout, where Lambda's
/// log capture and CloudWatch's EMF extraction read it).
struct MetricLines<W>(W);

impl<S: Subscriber, W: for<'w> MakeWriter<'w> + 'static> Layer<S> for MetricLines<W> {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut line = EmfField(None);
        event.record(&mut line);
        if let Some(line) = line.0 {
            let _ = writeln!(self.0.make_writer(), "{line}");
        }
    }
}

struct EmfField(Option<String>);

impl tracing::field::Visit for EmfField {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "emf" {
            self.0 = Some(format!("{value:?}"));
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "emf" {
            self.0 = Some(value.to_string());
        }
    }
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
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::{layer::SubscriberExt, Layer};

    use super::{emf_line, metric, metric_events, trace_root, MetricLines, Unit};

    #[derive(Clone, Default)]
    struct Buffer(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Buffer {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    /// The line written is the EMF document alone (CloudWatch reads only a line that is
    /// the JSON object), and nothing but metric events is written.
    #[test]
    fn metric_events_are_written_as_bare_emf_lines() {
        let buf = Buffer::default();
        let writer = buf.clone();
        let subscriber = tracing_subscriber::registry()
            .with(MetricLines(move || writer.clone()).with_filter(metric_events()));
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(emf = "not a metric");
            metric("Things", Unit::Count, 2.0, &[("Kind", "test")]);
        });
        let text = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1, "{text}");
        let v: serde_json::Value = serde_json::from_str(lines[0]).expect("a bare JSON line");
        assert_eq!(v["Things"], 2.0);
        assert_eq!(v["Kind"], "test");
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Muistot");
    }

    #[test]
    fn an_emf_line_names_its_metric_and_dimensions_under_aws() {
        let line = emf_line(
            1_795_856_400_000,
            "Latency",
            Unit::Milliseconds,
            12.5,
            &[("Route", "GET /projects"), ("Status", "200")],
        );
        let v: serde_json::Value = serde_json::from_str(&line).expect("JSON");
        assert_eq!(
            v,
            serde_json::json!({
                "_aws": {
                    "Timestamp": 1_795_856_400_000u64,
                    "CloudWatchMetrics": [{
                        "Namespace": "Muistot",
                        "Dimensions": [["Route", "Status"]],
                        "Metrics": [{"Name": "Latency", "Unit": "Milliseconds"}]
                    }]
                },
                "Latency": 12.5,
                "Route": "GET /projects",
                "Status": "200"
            })
        );
        assert!(!line.contains('\n'), "one line");
    }

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
