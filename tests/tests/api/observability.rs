//! What operations read in the logs (docs/operations.md): every log line of a request
//! carries its request id, the one in an error body, beside its X-Ray trace id.

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
