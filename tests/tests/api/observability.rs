//! What operations read in the logs (docs/operations.md): every log line of a request
//! carries its request id, the one in an error body, beside its X-Ray trace id; and the
//! metric lines (CloudWatch EMF) are valid and name nobody.

use muistot_tests::*;

/// The log lines (JSON) written inside the span of the request `request_id`.
fn lines_of(request_id: &str) -> Vec<Value> {
    logs::text()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["span"]["request_id"] == request_id)
        .collect()
}

#[tokio::test]
async fn a_requests_log_lines_carry_its_request_id_and_its_trace_id() {
    let app = TestApp::spawn().await;
    let request_id = format!("ops-trace-{}", uuid::Uuid::new_v4().simple());
    let hex = uuid::Uuid::new_v4().simple().to_string();
    let trace_id = format!("1-{}-{}", &hex[..8], &hex[8..]);
    let res = Resp::read(
        app.req(Method::GET, "/no/such/path", None)
            .header("x-request-id", &request_id)
            .header(
                "x-amzn-trace-id",
                format!("Root={trace_id};Parent=53995c3f42cd8ad8;Sampled=1"),
            )
            .send()
            .await
            .unwrap(),
    )
    .await;
    res.assert_status(404);
    // The id a 5xx body names (`error.request_id`) is this one, also sent back as a header.
    assert_eq!(res.header("x-request-id"), Some(request_id.as_str()));

    let lines = lines_of(&request_id);
    assert!(!lines.is_empty(), "no log line in the request's span");
    for line in &lines {
        assert_eq!(line["span"]["trace_id"], trace_id.as_str(), "{line}");
    }
}

#[tokio::test]
async fn a_request_without_a_well_formed_trace_header_logs_no_trace_id() {
    let app = TestApp::spawn().await;
    for (n, header) in [None, Some("Root=1-nothex!-x\" injected")]
        .into_iter()
        .enumerate()
    {
        let request_id = format!("ops-notrace-{n}-{}", uuid::Uuid::new_v4().simple());
        let mut req = app
            .req(Method::GET, "/no/such/path", None)
            .header("x-request-id", &request_id);
        if let Some(h) = header {
            req = req.header("x-amzn-trace-id", h);
        }
        Resp::read(req.send().await.unwrap())
            .await
            .assert_status(404);
        let lines = lines_of(&request_id);
        assert!(!lines.is_empty(), "no log line in the request's span");
        for line in &lines {
            assert_eq!(line["span"]["trace_id"], "-", "{line}");
        }
    }
}

/// The EMF documents of every metric line logged so far (by any test).
fn emf_documents() -> Vec<Value> {
    logs::text()
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["target"] == "muistot::metrics")
        .map(|v| {
            let emf = v["fields"]["emf"]
                .as_str()
                .expect("a metric event's emf field");
            serde_json::from_str(emf).unwrap_or_else(|e| panic!("not JSON ({e}): {emf}"))
        })
        .collect()
}

/// The documented EMF structure: `_aws` with a millisecond `Timestamp` and metric
/// directives, each naming a namespace, dimension sets whose names are string members of
/// the root, and metrics whose names are numeric members of the root with a known unit.
fn assert_valid_emf(doc: &Value) {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let aws = &doc["_aws"];
    let ts = aws["Timestamp"].as_u64().expect("_aws.Timestamp in ms");
    assert!(ts <= now_ms && now_ms - ts < 3_600_000, "{doc}");
    let directives = aws["CloudWatchMetrics"]
        .as_array()
        .expect("CloudWatchMetrics");
    assert!(!directives.is_empty(), "{doc}");
    for d in directives {
        assert!(
            d["Namespace"].as_str().is_some_and(|n| !n.is_empty()),
            "{doc}"
        );
        for set in d["Dimensions"].as_array().expect("Dimensions") {
            let set = set.as_array().expect("a dimension set");
            assert!(set.len() <= 30, "{doc}");
            for name in set {
                let name = name.as_str().expect("a dimension name");
                assert!(
                    doc[name].is_string(),
                    "dimension {name} has no value: {doc}"
                );
            }
        }
        for m in d["Metrics"].as_array().expect("Metrics") {
            let name = m["Name"].as_str().expect("a metric name");
            assert!(doc[name].is_number(), "metric {name} has no value: {doc}");
            assert!(
                ["Count", "Milliseconds", "Seconds", "Bytes", "None"]
                    .contains(&m["Unit"].as_str().unwrap_or("None")),
                "{doc}"
            );
        }
    }
}

#[tokio::test]
async fn metric_lines_are_valid_emf_and_carry_no_personal_data() {
    let app = TestApp::spawn().await;
    let (_, username, token) = app.user("emf").await;
    let hex = uuid::Uuid::new_v4().simple().to_string();
    let email = format!("emf-{}@example.org", &hex[..12]);
    app.request_link(&email).await;
    app.get("/projects", Some(&token)).await.assert_status(200);
    let missing = format!("emf-missing-{}", &hex[..12]);
    app.get(&format!("/projects/{missing}"), Some(&token))
        .await
        .assert_status(404);

    let docs = emf_documents();
    for doc in &docs {
        assert_valid_emf(doc);
        let text = doc.to_string();
        for private in [&email, &username, &token, &missing] {
            assert!(!text.contains(private.as_str()), "{private} in {text}");
        }
    }
    let has = |pred: &dyn Fn(&Value) -> bool| docs.iter().any(pred);
    assert!(
        has(&|d| d["Route"] == "POST /auth/email"
            && d["Status"] == "204"
            && d["Latency"].is_number()),
        "no latency line of the link request"
    );
    assert!(
        has(&|d| d["Route"] == "GET /projects/{project}" && d["Status"] == "404"),
        "a route's pattern, not its path, names the metric"
    );
    assert!(
        has(&|d| d["LoginLinksSent"] == 1.0 && d["Kind"] == "login"),
        "no LoginLinksSent line"
    );
}
