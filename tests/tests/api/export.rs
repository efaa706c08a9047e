//! The project export, `GET /projects/{project}/export?format=geojson|csv`
//! (docs/api-conventions.md#export): exactly the sites the caller may see in the site list,
//! parsed by real consumers (the `geojson` and `csv` crates); streamed with a folder of
//! images, and with the S3 store past the response size cap a `303` to a presigned URL of
//! moto's bucket that serves the same bytes.

use ::geojson::{feature::Id, FeatureCollection, GeoJson, GeometryValue};
use muistot_tests::*;
use mysql_async::prelude::*;

fn export_path(project: &str, format: Option<&str>) -> String {
    match format {
        Some(f) => format!("/projects/{project}/export?format={f}"),
        None => format!("/projects/{project}/export"),
    }
}

/// The GeoJSON file parsed by the `geojson` crate, after checking its headers.
#[track_caller]
fn geojson_file(r: &Resp, project: &str) -> FeatureCollection {
    r.assert_status(200);
    assert_eq!(r.header("content-type"), Some("application/geo+json"));
    assert_eq!(
        r.header("content-disposition"),
        Some(format!("attachment; filename=\"{project}-sites.geojson\"").as_str())
    );
    match r.text.parse::<GeoJson>() {
        Ok(GeoJson::FeatureCollection(fc)) => {
            assert!(fc.foreign_members.is_none(), "no `next` in an export");
            fc
        }
        other => panic!("not a FeatureCollection: {other:?}\n{}", r.text),
    }
}

/// The CSV file parsed by the `csv` crate: the header row, then the records.
#[track_caller]
fn csv_file(r: &Resp, project: &str) -> (Vec<String>, Vec<Vec<String>>) {
    r.assert_status(200);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        r.header("content-disposition"),
        Some(format!("attachment; filename=\"{project}-sites.csv\"").as_str())
    );
    assert!(r.text.ends_with("\r\n"), "RFC 4180 records end in CRLF");
    let mut reader = csv::ReaderBuilder::new().from_reader(r.text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    let rows = reader
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_string).collect())
        .collect();
    (header, rows)
}

fn feature_ids(fc: &FeatureCollection) -> Vec<String> {
    fc.features
        .iter()
        .map(|f| match &f.id {
            Some(Id::String(id)) => id.clone(),
            other => panic!("feature id {other:?}"),
        })
        .collect()
}

fn point(fc: &FeatureCollection, id: &str) -> Vec<f64> {
    let f = fc
        .features
        .iter()
        .find(|f| f.id == Some(Id::String(id.into())))
        .unwrap();
    match &f.geometry.as_ref().unwrap().value {
        GeometryValue::Point { coordinates } => coordinates.as_slice().to_vec(),
        other => panic!("not a Point: {other:?}"),
    }
}

const HEADER: [&str; 8] = [
    "id",
    "lang",
    "name",
    "abstract",
    "lon",
    "lat",
    "memories_count",
    "image",
];

#[tokio::test]
async fn each_caller_gets_exactly_the_sites_it_may_see() {
    let app = TestApp::spawn().await;
    let (admin, _, admin_token) = app.user("exadm").await;
    let (creator, _, creator_token) = app.user("excre").await;
    let (_, _, viewer_token) = app.user("exvie").await;
    let p = published_project(&app, &[admin]).await;
    let a = site_at(&app, &p, true, None, 60.2, 24.9).await;
    let b = site_at(&app, &p, true, Some(creator), 61.5, 25.3).await;
    let own_draft = site_at(&app, &p, false, Some(creator), 60.3, 25.0).await;
    let other_draft = site_at(&app, &p, false, None, 62.0, 26.0).await;
    memory(&app, &a, None, true).await;
    memory(&app, &a, None, true).await;
    memory(&app, &a, None, false).await;
    // An abstract that needs CSV quoting, in the default language.
    let tricky = "Kauppa, \"vanha\"\ntoinen rivi; ä";
    let mut c = app.db().await;
    c.exec_drop(
        "UPDATE site_information si JOIN sites s ON s.id = si.site_id
         SET si.abstract = ? WHERE s.name = ?",
        (tricky, &b),
    )
    .await
    .unwrap();

    let callers: [(Option<&str>, Vec<&str>); 4] = [
        (None, vec![a.as_str(), b.as_str()]),
        (Some(&viewer_token), vec![a.as_str(), b.as_str()]),
        (
            Some(&creator_token),
            vec![a.as_str(), b.as_str(), own_draft.as_str()],
        ),
        (
            Some(&admin_token),
            vec![
                a.as_str(),
                b.as_str(),
                own_draft.as_str(),
                other_draft.as_str(),
            ],
        ),
    ];
    for (token, expected) in &callers {
        // GeoJSON, the default: the features of the site list's GeoJSON, none other.
        for format in [None, Some("geojson")] {
            let r = app.get(&export_path(&p, format), *token).await;
            let fc = geojson_file(&r, &p);
            assert_eq!(feature_ids(&fc), *expected, "{token:?}");
            let list = app
                .get(&format!("{}?format=geojson", sites_path(&p)), *token)
                .await;
            list.assert_status(200);
            assert_eq!(
                serde_json::from_str::<Value>(&r.text).unwrap()["features"],
                list.json()["features"],
                "the export has the site list's features"
            );
        }
        // CSV: the same sites, in the same order.
        let r = app.get(&export_path(&p, Some("csv")), *token).await;
        let (header, rows) = csv_file(&r, &p);
        assert_eq!(header, HEADER);
        let ids: Vec<&str> = rows.iter().map(|row| row[0].as_str()).collect();
        assert_eq!(ids, *expected, "{token:?}");
    }

    // The values, as the parsers read them.
    let fc = geojson_file(&app.get(&export_path(&p, None), None).await, &p);
    assert_eq!(point(&fc, &a), [24.9, 60.2]);
    assert_eq!(point(&fc, &b), [25.3, 61.5]);
    let props = fc.features[0].properties.as_ref().unwrap();
    assert_eq!(
        Value::Object(props.clone()),
        json!({"id": a, "name": format!("Paikka {a}"), "abstract": null, "image": null,
            "memories_count": 2})
    );
    assert_eq!(
        fc.features[1].properties.as_ref().unwrap()["abstract"],
        json!(tricky)
    );
    let (_, rows) = csv_file(&app.get(&export_path(&p, Some("csv")), None).await, &p);
    assert_eq!(
        rows,
        [
            vec![
                a.clone(),
                "fi".into(),
                format!("Paikka {a}"),
                String::new(),
                "24.9".into(),
                "60.2".into(),
                "2".into(),
                String::new()
            ],
            vec![
                b.clone(),
                "fi".into(),
                format!("Paikka {b}"),
                tricky.into(),
                "25.3".into(),
                "61.5".into(),
                "0".into(),
                String::new()
            ],
        ]
    );
}

#[tokio::test]
async fn names_come_in_the_request_language() {
    let app = TestApp::spawn().await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let mut c = app.db().await;
    c.exec_drop(
        "INSERT INTO site_information (site_id, lang_id, name, abstract)
         SELECT s.id, l.id, 'Market square', 'In English' FROM sites s, languages l
         WHERE s.name = ? AND l.lang = 'en'",
        (&s,),
    )
    .await
    .unwrap();
    let r = app
        .get_lang(&export_path(&p, Some("csv")), None, "en-GB, fi;q=0.5")
        .await;
    let (_, rows) = csv_file(&r, &p);
    assert_eq!(rows[0][1..4], ["en", "Market square", "In English"]);
    let r = app.get_lang(&export_path(&p, None), None, "en").await;
    let fc = geojson_file(&r, &p);
    assert_eq!(
        fc.features[0].properties.as_ref().unwrap()["name"],
        json!("Market square")
    );
    // Without the header: the default language.
    let (_, rows) = csv_file(&app.get(&export_path(&p, Some("csv")), None).await, &p);
    assert_eq!(rows[0][1..3], ["fi".to_string(), format!("Paikka {s}")]);
    app.get_lang(&export_path(&p, None), None, "de")
        .await
        .assert_status(406);
}

#[tokio::test]
async fn bad_formats_and_hidden_projects_are_refused() {
    let app = TestApp::spawn().await;
    let (admin, _, admin_token) = app.user("exhid").await;
    let p = published_project(&app, &[]).await;
    for bad in ["xml", "CSV", "json", ""] {
        let r = app.get(&export_path(&p, Some(bad)), None).await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["query", "format"]), "{bad}");
    }
    // Unknown and hidden projects: the site list's 404.
    let hidden = unpublished_project(&app, &[admin]).await;
    for project in ["no-such-project", hidden.as_str()] {
        let list = app.get(&sites_path(project), None).await;
        let r = app.get(&export_path(project, Some("csv")), None).await;
        r.assert_status(404);
        assert_eq!(r.text, list.text);
    }
    let r = app
        .get(&export_path(&hidden, Some("csv")), Some(&admin_token))
        .await;
    let (header, rows) = csv_file(&r, &hidden);
    assert_eq!(header, HEADER);
    assert!(rows.is_empty());
}

/// More sites than one statement reads (2,000): every one once, in order, streamed.
#[tokio::test]
async fn a_large_export_is_read_in_chunks() {
    let app = TestApp::spawn_with(vec![("MUISTOT_MAX_RESPONSE_BYTES", "1000".into())]).await;
    let p = published_project(&app, &[]).await;
    let prefix = unique("many");
    let mut c = app.db().await;
    c.exec_drop(
        "INSERT INTO sites (project_id, name, published, location)
         SELECT p.id, CONCAT(?, '-', LPAD(seq, 4, '0')), 1, POINT(25, 60 + seq / 10000)
         FROM seq_1_to_4500 JOIN projects p ON p.name = ? ORDER BY seq",
        (&prefix, &p),
    )
    .await
    .unwrap();
    c.exec_drop(
        "INSERT INTO site_information (site_id, lang_id, name)
         SELECT s.id, l.id, s.name FROM sites s JOIN projects p ON p.id = s.project_id
         JOIN languages l ON l.lang = 'fi' WHERE p.name = ?",
        (&p,),
    )
    .await
    .unwrap();
    let expected: Vec<String> = (1..=4500).map(|i| format!("{prefix}-{i:04}")).collect();
    // A folder of images: streamed whatever the cap, never a 303.
    let r = app.get(&export_path(&p, None), None).await;
    assert!(r.text.len() > 1000);
    assert_eq!(feature_ids(&geojson_file(&r, &p)), expected);
    let r = app.get(&export_path(&p, Some("csv")), None).await;
    assert!(
        r.header("content-length").is_none(),
        "streamed, not buffered"
    );
    let (_, rows) = csv_file(&r, &p);
    let ids: Vec<&str> = rows.iter().map(|row| row[0].as_str()).collect();
    assert_eq!(ids, expected);
}

#[tokio::test]
async fn past_the_cap_the_s3_store_answers_303_to_the_file() {
    let bucket = moto_bucket().await;
    let mut env = aws_env();
    env.push(("MUISTOT_IMAGES", format!("s3://{bucket}")));
    let under = TestApp::spawn_with(env.clone()).await;
    env.push(("MUISTOT_MAX_RESPONSE_BYTES", "250".into()));
    let over = TestApp::spawn_with(env).await;
    let streamed = TestApp::spawn().await;
    let (creator, _, token) = over.user("exs3").await;
    let p = published_project(&over, &[]).await;
    let mut sites = Vec::new();
    for i in 0..6 {
        sites.push(site_at(&over, &p, true, None, 60.0 + f64::from(i), 25.0).await);
    }
    // Seen by its creator only.
    site_at(&over, &p, false, Some(creator), 65.0, 25.0).await;

    for (format, ext) in [(None, "geojson"), (Some("csv"), "csv")] {
        for (who, expected) in [(None, sites.len()), (Some(token.as_str()), sites.len() + 1)] {
            let path = export_path(&p, format);
            // The same bytes as the streamed export, whole under the cap.
            let direct = streamed.get(&path, who).await;
            direct.assert_status(200);
            assert!(direct.text.len() > 250);
            let whole = under.get(&path, who).await;
            whole.assert_status(200);
            assert_eq!(whole.text, direct.text);
            // Caching (docs/api-conventions.md#caching): a streamed body is not tagged; a
            // whole one is, and public for anonymous callers.
            assert_eq!(direct.header("cache-control"), Some("private, no-store"));
            assert!(direct.header("etag").is_none());
            assert!(whole.header("etag").is_some());
            let public = whole
                .header("cache-control")
                .is_some_and(|c| c.starts_with("public"));
            assert_eq!(public, who.is_none());
            assert_eq!(
                whole.header("content-length"),
                Some(direct.text.len().to_string().as_str())
            );

            // Past the cap: 303 to a presigned URL of the bucket's exports/ prefix.
            let r = over.get(&path, who).await;
            r.assert_status(303);
            assert!(r.text.is_empty());
            assert_eq!(r.header("cache-control"), Some("no-store"));
            let url = r.header("location").unwrap().to_string();
            assert!(
                url.starts_with(&format!("{}/{bucket}/exports/", moto_url())),
                "{url}"
            );
            assert!(url.contains(&format!(".{ext}?")), "{url}");
            assert!(url.contains("X-Amz-Signature="), "{url}");
            assert!(url.contains("X-Amz-Expires=300"), "{url}");
            let file = reqwest::get(&url).await.unwrap();
            assert_eq!(file.status(), 200);
            assert_eq!(
                file.headers()["content-disposition"],
                format!("attachment; filename=\"{p}-sites.{ext}\"").as_str()
            );
            assert_eq!(
                file.headers()["content-type"],
                direct.header("content-type").unwrap()
            );
            let text = file.text().await.unwrap();
            assert_eq!(text, direct.text, "the kept file is the export");
            let count = match format {
                None => feature_ids(&geojson_file(&direct, &p)).len(),
                Some(_) => csv_file(&direct, &p).1.len(),
            };
            assert_eq!(count, expected);
        }
    }
}

/// An API Gateway (HTTP API, payload 2.0) event of `GET path?query`, anonymous.
fn get_event(path: &str, route: &str, query: &str) -> String {
    json!({
        "version": "2.0",
        "routeKey": format!("GET {route}"),
        "rawPath": path,
        "rawQueryString": query,
        "headers": {"host": "api.example.com", "x-forwarded-proto": "https"},
        "requestContext": {
            "accountId": "123456789012", "apiId": "api", "domainName": "api.example.com",
            "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1",
                     "sourceIp": "127.0.0.1", "userAgent": "export-test"},
            "requestId": "export", "routeKey": format!("GET {route}"), "stage": "$default",
            "time": "05/Dec/2026:09:00:00 +0000", "timeEpoch": 1_796_461_200_000u64
        },
        "isBase64Encoded": false
    })
    .to_string()
}

/// The projects function as Lambda runs it (the event through lambda_http into its
/// service, the answer converted for API Gateway): the streamed body arrives whole, and
/// with the S3 store an export past the cap is a 303 to the same bytes.
#[tokio::test]
async fn the_projects_function_answers_through_lambda_http() {
    use muistot::{
        routes::{self, Group},
        AppState,
    };
    use tower::ServiceExt;

    let bucket = moto_bucket().await;
    let mut env = aws_env();
    env.push(("MUISTOT_IMAGES", format!("s3://{bucket}")));
    env.push(("MUISTOT_MAX_RESPONSE_BYTES", "250".into()));
    let s3 = TestApp::spawn_with(env).await;
    let folder = TestApp::spawn().await;
    let p = published_project(&folder, &[]).await;
    for i in 0..6 {
        site_at(&folder, &p, true, None, 60.0 + f64::from(i), 25.0).await;
    }
    let path = format!("/projects/{p}/export");
    let expected = folder.get(&format!("{path}?format=csv"), None).await;
    assert!(expected.text.len() > 250);
    for (app, status) in [(&folder, 200), (&s3, 303)] {
        let state = AppState::build(app.config.clone()).await.unwrap();
        let event = get_event(&path, "/projects/{project}/export", "format=csv");
        let req = lambda_http::request::from_str(&event).unwrap();
        let res = routes::lambda_service(state, Group::Projects, Group::Projects.routes())
            .oneshot(req)
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), status);
        let location = res
            .headers()
            .get("location")
            .map(|v| v.to_str().unwrap().to_string());
        let body = lambda_http::IntoResponse::into_response(res)
            .await
            .into_body();
        let text = match (status, body) {
            (200, lambda_http::Body::Text(t)) => t,
            (303, lambda_http::Body::Empty) => reqwest::get(location.unwrap())
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            (303, lambda_http::Body::Text(t)) if t.is_empty() => reqwest::get(location.unwrap())
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
            (_, other) => panic!("{status}: {other:?}"),
        };
        assert_eq!(text, expected.text);
    }
}

/// An export past the 8 MiB part size goes to the bucket as a multipart upload of several
/// parts and comes back whole. Needs moto 5.2.6 or newer (`.ci/services.sh` installs it):
/// 5.2.1 answers CompleteMultipartUpload with an XML root element the SDK refuses.
#[tokio::test]
async fn a_kept_export_of_several_parts() {
    let bucket = moto_bucket().await;
    let mut env = aws_env();
    env.push(("MUISTOT_IMAGES", format!("s3://{bucket}")));
    env.push(("MUISTOT_REQUEST_TIMEOUT", "60".into()));
    let s3 = TestApp::spawn_with(env).await;
    let folder = TestApp::spawn().await;
    let p = published_project(&folder, &[]).await;
    let prefix = unique("parts");
    let mut c = folder.db().await;
    c.exec_drop(
        "INSERT INTO sites (project_id, name, published, location)
         SELECT p.id, CONCAT(?, '-', LPAD(seq, 5, '0')), 1, POINT(25, 60 + seq / 100000)
         FROM seq_1_to_40000 JOIN projects p ON p.name = ? ORDER BY seq",
        (&prefix, &p),
    )
    .await
    .unwrap();
    c.exec_drop(
        "INSERT INTO site_information (site_id, lang_id, name, abstract)
         SELECT s.id, l.id, s.name, 'Kuvaus, jossa on pilkku' FROM sites s
         JOIN projects p ON p.id = s.project_id JOIN languages l ON l.lang = 'fi'
         WHERE p.name = ?",
        (&p,),
    )
    .await
    .unwrap();
    let path = export_path(&p, None);
    let direct = folder.get(&path, None).await;
    assert!(
        direct.text.len() > 8 * 1024 * 1024 + 1,
        "{}",
        direct.text.len()
    );
    let r = s3.get(&path, None).await;
    r.assert_status(303);
    let file = reqwest::get(r.header("location").unwrap()).await.unwrap();
    assert_eq!(file.status(), 200);
    let text = file.text().await.unwrap();
    assert_eq!(text.len(), direct.text.len());
    assert!(text == direct.text, "the parts add up to the export");
    assert_eq!(feature_ids(&geojson_file(&direct, &p)).len(), 40_000);
}
