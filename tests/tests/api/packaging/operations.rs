//! The operations part of `template.yaml` (docs/operations.md): every function that serves
//! routes has its Errors and Throttles alarm, the migrate function its Errors alarm, the API
//! and the sessions table theirs; all of them exist only with `EnableAlarms` (on in prod,
//! off in dev); the dashboard shows the same figures per function; X-Ray tracing follows
//! `EnableTracing`.

use std::collections::BTreeSet;

use serde_json::Value;
use yaml_rust2::Yaml;

use super::{
    root,
    template::{template, Function},
    MIGRATE,
};

const ALARMS: &str = "AlarmsEnabled";

fn str_list(items: &[&str]) -> Yaml {
    Yaml::Array(items.iter().map(|s| Yaml::String((*s).into())).collect())
}

/// Every resource of `ty`, with its logical id.
fn resources_of(ty: &str) -> Vec<(String, &'static Yaml)> {
    template().doc["Resources"]
        .as_hash()
        .expect("Resources")
        .iter()
        .filter(|(_, r)| r["Type"].as_str() == Some(ty))
        .map(|(id, r)| (id.as_str().unwrap_or_default().to_string(), r))
        .collect()
}

/// The alarms on `metric` of the Lambda function `f` (by its `FunctionName` dimension).
fn lambda_alarms(f: &Function, metric: &str) -> Vec<(String, &'static Yaml)> {
    resources_of("AWS::CloudWatch::Alarm")
        .into_iter()
        .filter(|(_, a)| {
            let p = &a["Properties"];
            p["Namespace"].as_str() == Some("AWS/Lambda")
                && p["MetricName"].as_str() == Some(metric)
                && p["Dimensions"].as_vec().is_some_and(|d| {
                    d.len() == 1
                        && d[0]["Name"].as_str() == Some("FunctionName")
                        && d[0]["Value"].as_str() == Some(f.logical_id.as_str())
                })
        })
        .collect()
}

/// Exactly one alarm on `metric` of `f`, summed, with the threshold parameter `threshold`
/// (`None`: a literal 1) and notifications.
fn assert_one_alarm(f: &Function, metric: &str, threshold: Option<&str>) {
    let found = lambda_alarms(f, metric);
    assert_eq!(
        found.len(),
        1,
        "{} ({}) needs exactly one {metric} alarm, has {:?}",
        f.logical_id,
        f.binary,
        found.iter().map(|(id, _)| id).collect::<Vec<_>>()
    );
    let (id, alarm) = &found[0];
    let p = &alarm["Properties"];
    assert_eq!(p["Statistic"].as_str(), Some("Sum"), "{id}");
    match threshold {
        Some(param) => assert_eq!(p["Threshold"].as_str(), Some(param), "{id}: !Ref {param}"),
        None => assert_eq!(p["Threshold"].as_i64(), Some(1), "{id}"),
    }
    assert_eq!(
        p["ComparisonOperator"].as_str(),
        Some("GreaterThanOrEqualToThreshold"),
        "{id}"
    );
    assert_eq!(p["TreatMissingData"].as_str(), Some("notBreaching"), "{id}");
}

#[test]
fn every_function_that_serves_routes_has_its_errors_and_throttles_alarm() {
    let t = template();
    let api_functions: Vec<&Function> = t
        .functions
        .iter()
        .filter(|f| !f.routes.is_empty())
        .collect();
    assert_eq!(
        api_functions.len(),
        super::FUNCTIONS.len(),
        "the API functions of the template"
    );
    for f in api_functions {
        assert_one_alarm(f, "Errors", Some("FunctionErrorsThreshold"));
        assert_one_alarm(f, "Throttles", Some("FunctionThrottlesThreshold"));
    }
    let migrate = t.function(MIGRATE).expect("migrate function");
    assert_one_alarm(migrate, "Errors", None);
}

#[test]
fn the_api_and_the_sessions_table_have_their_alarms() {
    let t = template();
    let alarm = |id: &str| -> &Yaml {
        let a = &t.doc["Resources"][id];
        assert_eq!(a["Type"].as_str(), Some("AWS::CloudWatch::Alarm"), "{id}");
        &a["Properties"]
    };
    let metrics = |p: &Yaml| -> Vec<(String, String)> {
        p["Metrics"]
            .as_vec()
            .expect("metric math")
            .iter()
            .filter(|m| !m["MetricStat"].is_badvalue())
            .map(|m| {
                let metric = &m["MetricStat"]["Metric"];
                (
                    metric["Namespace"].as_str().unwrap_or_default().to_string(),
                    metric["MetricName"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                )
            })
            .collect()
    };

    // The 5xx share: 5xx over Count of this HTTP API.
    let rate = alarm("Api5xxRateAlarm");
    let m = metrics(rate);
    assert!(
        m.contains(&("AWS/ApiGateway".into(), "5xx".into())),
        "{m:?}"
    );
    assert!(
        m.contains(&("AWS/ApiGateway".into(), "Count".into())),
        "{m:?}"
    );
    for metric in rate["Metrics"].as_vec().into_iter().flatten() {
        if let Some(dims) = metric["MetricStat"]["Metric"]["Dimensions"].as_vec() {
            assert_eq!(dims[0]["Value"].as_str(), Some("HttpApi"));
        }
    }
    assert_eq!(rate["Threshold"].as_str(), Some("Api5xxRateThreshold"));

    let latency = alarm("ApiLatencyAlarm");
    assert_eq!(latency["Namespace"].as_str(), Some("AWS/ApiGateway"));
    assert_eq!(latency["MetricName"].as_str(), Some("Latency"));
    assert_eq!(latency["ExtendedStatistic"].as_str(), Some("p99"));
    assert_eq!(
        latency["Threshold"].as_str(),
        Some("ApiLatencyP99Threshold")
    );

    // ThrottledRequests is published per operation: the alarm must sum every operation
    // the functions' policies allow on the table.
    let sessions = alarm("SessionsThrottlesAlarm");
    let watched: BTreeSet<String> = sessions["Metrics"]
        .as_vec()
        .expect("metric math")
        .iter()
        .filter_map(|m| {
            let metric = &m["MetricStat"]["Metric"];
            (metric["MetricName"].as_str() == Some("ThrottledRequests")).then(|| {
                let dims = metric["Dimensions"].as_vec().expect("dimensions");
                assert_eq!(dims[0]["Value"].as_str(), Some("SessionsTable"));
                dims[1]["Value"].as_str().unwrap_or_default().to_string()
            })
        })
        .collect();
    let mut allowed = BTreeSet::new();
    for policy in ["SessionsAuthPolicy", "SessionsManagePolicy"] {
        let statements = &t.doc["Resources"][policy]["Properties"]["PolicyDocument"]["Statement"];
        for s in statements.as_vec().expect("statements") {
            let actions = match &s["Action"] {
                Yaml::Array(a) => a.iter().filter_map(|x| x.as_str()).collect(),
                Yaml::String(a) => vec![a.as_str()],
                _ => vec![],
            };
            for a in actions {
                if let Some(op) = a.strip_prefix("dynamodb:") {
                    allowed.insert(op.to_string());
                }
            }
        }
    }
    assert!(!allowed.is_empty());
    assert!(
        allowed.is_subset(&watched),
        "operations allowed on the sessions table but not watched for throttling: {:?}",
        allowed.difference(&watched).collect::<Vec<_>>()
    );
    let expression = sessions["Metrics"]
        .as_vec()
        .and_then(|v| v.iter().find(|m| m["ReturnData"].as_bool() == Some(true)))
        .and_then(|m| m["Expression"].as_str())
        .expect("the alarm's expression");
    for (i, _) in watched.iter().enumerate() {
        assert!(expression.contains(&format!("m{}", i + 1)), "{expression}");
    }
}

/// Alarms and the topic exist only with EnableAlarms: off by default and in dev, on in prod.
#[test]
fn alarms_follow_enable_alarms() {
    let t = template();
    assert_eq!(t.parameter_default("EnableAlarms").as_str(), Some("false"));
    assert_eq!(
        t.doc["Conditions"][ALARMS],
        str_list(&["EnableAlarms", "true"]),
        "AlarmsEnabled: !Equals [!Ref EnableAlarms, \"true\"]"
    );
    let alarms = resources_of("AWS::CloudWatch::Alarm");
    assert!(
        alarms.len() >= 2 * super::FUNCTIONS.len() + 4,
        "{}",
        alarms.len()
    );
    for (id, alarm) in &alarms {
        assert_eq!(alarm["Condition"].as_str(), Some(ALARMS), "{id}");
        // Notified when it fires and when it clears, at the one topic.
        for key in ["AlarmActions", "OKActions"] {
            assert_eq!(
                alarm["Properties"][key],
                Yaml::Array(vec![str_list(&[
                    "HasAlarmTopicArn",
                    "AlarmTopicArn",
                    "AlarmTopic"
                ])]),
                "{id}.{key}: [!If [HasAlarmTopicArn, !Ref AlarmTopicArn, !Ref AlarmTopic]]"
            );
        }
    }
    // The topic only when alarms are on and no topic is given; CreateAlarmTopic implies
    // AlarmsEnabled.
    for (id, topic) in resources_of("AWS::SNS::Topic") {
        assert_eq!(
            topic["Condition"].as_str(),
            Some("CreateAlarmTopic"),
            "{id}"
        );
    }
    let create = &t.doc["Conditions"]["CreateAlarmTopic"];
    assert_eq!(
        create[0],
        Yaml::String(ALARMS.into()),
        "!And [!Condition AlarmsEnabled, …]"
    );

    let samconfig = std::fs::read_to_string(root().join("samconfig.toml")).expect("samconfig");
    let section = |name: &str| -> String {
        let start = samconfig
            .find(&format!("[{name}]"))
            .unwrap_or_else(|| panic!("samconfig.toml has no [{name}]"));
        let rest = &samconfig[start + name.len() + 2..];
        rest[..rest.find("\n[").unwrap_or(rest.len())].to_string()
    };
    assert!(section("prod.deploy.parameters").contains("\"EnableAlarms=true\""));
    assert!(!section("dev.deploy.parameters").contains("\"EnableAlarms=true\""));
}

#[test]
fn tracing_follows_enable_tracing() {
    let t = template();
    assert_eq!(t.parameter_default("EnableTracing").as_str(), Some("false"));
    assert_eq!(
        t.doc["Conditions"]["TracingEnabled"],
        str_list(&["EnableTracing", "true"])
    );
    for f in &t.functions {
        assert_eq!(
            t.effective(f, "Tracing"),
            &str_list(&["TracingEnabled", "Active", "PassThrough"]),
            "{}: Tracing: !If [TracingEnabled, Active, PassThrough]",
            f.logical_id
        );
    }
}

/// The dashboard body is JSON once CloudFormation substitutes `${…}`, which only occur
/// inside its strings; each function has its Errors and Throttles figure.
#[test]
fn the_dashboard_shows_each_functions_errors_and_throttles() {
    let t = template();
    let body = t.doc["Resources"]["Dashboard"]["Properties"]["DashboardBody"]
        .as_str()
        .expect("DashboardBody: !Sub JSON");
    let dashboard: Value = serde_json::from_str(body).expect("the dashboard body is JSON");
    let rows: Vec<Vec<String>> = dashboard["widgets"]
        .as_array()
        .expect("widgets")
        .iter()
        .flat_map(|w| {
            w["properties"]["metrics"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .map(|row| {
            row.as_array()
                .map(|r| {
                    r.iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect()
                })
                .unwrap_or_default()
        })
        .collect();
    for f in &t.functions {
        for metric in ["Errors", "Throttles"] {
            let want = [
                "AWS/Lambda".to_string(),
                metric.into(),
                "FunctionName".into(),
                format!("${{{}}}", f.logical_id),
            ];
            assert!(
                rows.iter().any(|r| r.starts_with(&want)),
                "the dashboard has no {metric} of {}",
                f.logical_id
            );
        }
    }
}

/// Every alarm's description points to its section of the runbook, and that section exists.
#[test]
fn every_alarm_points_to_its_runbook_section() {
    let runbook =
        std::fs::read_to_string(root().join("docs/operations.md")).expect("docs/operations.md");
    let anchors: BTreeSet<String> = runbook
        .lines()
        .filter_map(|l| {
            l.trim_start_matches('#')
                .strip_prefix(' ')
                .filter(|_| l.starts_with('#'))
        })
        .map(|h| {
            h.to_lowercase()
                .chars()
                .filter_map(|c| match c {
                    ' ' => Some('-'),
                    c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
                    _ => None,
                })
                .collect()
        })
        .collect();
    for (id, alarm) in resources_of("AWS::CloudWatch::Alarm") {
        let description = alarm["Properties"]["AlarmDescription"]
            .as_str()
            .unwrap_or_default();
        let anchor = description
            .split("docs/operations.md#")
            .nth(1)
            .map(|rest| rest.trim_end_matches(')'))
            .unwrap_or_else(|| panic!("{id}: its description names no runbook section"));
        assert!(
            anchors.contains(anchor),
            "{id}: docs/operations.md has no #{anchor}"
        );
    }
}

/// The dashboard's figures of what users do read the namespace and dimensions the code's
/// metric lines are written with.
#[test]
fn the_dashboard_reads_the_metrics_the_code_writes() {
    let body = template().doc["Resources"]["Dashboard"]["Properties"]["DashboardBody"]
        .as_str()
        .expect("DashboardBody");
    let search = format!(
        "{{{},Route,Status}} MetricName=\\\"Latency\\\"",
        muistot::telemetry::METRICS_NAMESPACE
    );
    assert!(body.contains(&search), "the dashboard has no {search}");
}
