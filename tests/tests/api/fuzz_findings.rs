//! Regressions for what `.ci/fuzz.sh` (schemathesis) found, one test per finding.

use muistot_tests::*;

/// Dates outside MariaDB's years 1000–9999 made the driver panic (the connection dropped
/// without a response); they are a 422 at the field now.
#[tokio::test]
async fn dates_outside_the_database_range_are_422() {
    let app = TestApp::spawn().await;
    let (_, _, token) = app.superuser().await;
    let r = app
        .send(
            Method::PATCH,
            "/me",
            Some(&token),
            Some(json!({"birth_date": "0999-01-01"})),
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["body", "birth_date"]));

    let id = unique("fuzz");
    for (field, value) in [
        ("starts", json!("0999-12-31T23:59:59")),
        ("ends", json!(300_000_000_000i64)),
    ] {
        let mut body = json!({"id": id, "info": {"lang": "fi", "name": "x"}});
        body[field] = value;
        let r = app
            .send(Method::POST, "/projects", Some(&token), Some(body))
            .await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["body", field]));
    }
    // the server is still there, and the years at the edges are fine
    let r = app
        .send(
            Method::PATCH,
            "/me",
            Some(&token),
            Some(json!({"birth_date": "1000-01-01"})),
        )
        .await;
    r.assert_status(204);
    assert_eq!(
        app.get("/me", Some(&token)).await.json()["birth_date"],
        "1000-01-01"
    );
}
