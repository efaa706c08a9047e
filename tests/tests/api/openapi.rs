//! The OpenAPI document: valid OpenAPI 3.1, and every operation it lists is served.

use muistot_tests::*;

/// Fills a documented path's parameters with well-formed values of nothing that exists.
fn concrete(path: &str) -> String {
    path.replace("{project}", "no-such-project")
        .replace("{site}", "no-such-site")
        .replace("{memory}", "999999999")
        .replace("{comment}", "999999999")
        .replace("{image}", "no-such-image")
}

#[tokio::test]
async fn document_is_valid_openapi_3_1() {
    let app = TestApp::spawn().await;
    let r = app.get("/openapi.json", None).await;
    r.assert_status(200);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &r.text).unwrap();
    let out = std::process::Command::new("python3")
        .args([
            "-m",
            "openapi_spec_validator",
            file.path().to_str().unwrap(),
        ])
        .output()
        .expect("python3 with openapi-spec-validator (installed by .ci/test.sh)");
    assert!(
        out.status.success(),
        "invalid document:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn every_documented_operation_is_served() {
    let app = TestApp::spawn().await;
    let doc = app.get("/openapi.json", None).await.json();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 8, "{} paths", paths.len());
    for (path, ops) in paths {
        for (method, op) in ops.as_object().unwrap() {
            let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let r = app.send(m, &concrete(path), None, Some(json!({}))).await;
            let unrouted = r.status == 405
                || (r.status == 404 && r.text.contains("\"message\":\"Not Found\""));
            assert!(
                !unrouted,
                "{method} {path} is documented but not served: {}",
                r.status
            );
            // every status the server answered is one the document lists
            let documented = op["responses"].as_object().unwrap();
            assert!(
                documented.contains_key(r.status.as_str()),
                "{method} {path} answered {} which is not documented",
                r.status
            );
        }
    }
}

#[tokio::test]
async fn docs_page_renders_the_document() {
    let app = TestApp::spawn().await;
    let r = app.get("/docs", None).await;
    r.assert_status(200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text.contains("Muistotkartalla API") && r.text.contains("\"openapi\":\"3.1.0\""));
}
