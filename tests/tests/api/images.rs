//! Images (docs/api-conventions.md#images): serving, content checks, storage hygiene
//! (docs/compatibility.md#image-files-leave-nothing-behind), and the S3 store on moto's
//! server.

use muistot::images::{ImageStore, S3ImageStore};
use muistot_tests::*;

#[tokio::test]
async fn bundled_images_with_caching_headers() {
    let app = TestApp::spawn().await;
    for (name, mime) in [
        ("placeholder.jpg", "image/jpeg"),
        ("favicon.ico", "image/vnd.microsoft.icon"),
    ] {
        let r = app
            .req(Method::GET, &format!("/images/{name}"), None)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let h = r.headers().clone();
        assert_eq!(h["content-type"], mime);
        let etag = h["etag"].to_str().unwrap().to_string();
        assert!(etag.starts_with('"') && etag.ends_with('"'));
        assert!(h["last-modified"].to_str().unwrap().ends_with(" GMT"));
        assert!(h["cache-control"].to_str().unwrap().contains("max-age"));
        let len: usize = h["content-length"].to_str().unwrap().parse().unwrap();
        let bytes = r.bytes().await.unwrap();
        assert_eq!(bytes.len(), len);
        assert!(len > 100);
        let again = app
            .req(Method::GET, &format!("/images/{name}"), None)
            .header("If-None-Match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 304);
    }
}

#[tokio::test]
async fn missing_images_redirect_and_bad_names_are_422() {
    let app = TestApp::spawn().await;
    let r = app.get("/images/a", None).await;
    r.assert_status(303);
    assert_eq!(r.location_path().unwrap(), "/images/placeholder.jpg");
    assert!(r.text.is_empty());
    for bad in ["a.b.c", "a%20b", &"x".repeat(37), "a.toolongextension"] {
        let r = app.get(&format!("/images/{bad}"), None).await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["path", "image"]), "{bad}");
    }
}

/// The `image` of a memory as stored.
async fn memory_image(app: &TestApp, path: &str, token: &str) -> Option<String> {
    app.get(path, Some(token)).await.json()["image"]
        .as_str()
        .map(str::to_string)
}

#[tokio::test]
async fn uploads_are_checked_stored_served_and_cleaned_up() {
    let app = TestApp::spawn().await;
    let (author, _, token) = app.user("iauth").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let path = memories_path(&p, &s);
    let before = image_files(&app);

    // Refused content: not base64, a GIF, loose base64, too long, empty.
    for (image, status) in [
        (json!("not base64!"), 400),
        (json!(b64(b"GIF89a........")), 400),
        (
            json!(format!("{}\n{}", &b64(PNG)[..8], &b64(PNG)[8..])),
            400,
        ),
        (json!("A".repeat(3_000_001)), 422),
        (json!("  "), 422),
        (json!(12), 422),
    ] {
        let r = app
            .send(
                Method::POST,
                &path,
                Some(&token),
                Some(json!({"title": "t", "image": image})),
            )
            .await;
        r.assert_status(status);
    }
    assert_eq!(image_files(&app), before);

    // A data-URL PNG: stored under a new random name, served back byte for byte.
    let r = app
        .send(
            Method::POST,
            &path,
            Some(&token),
            Some(json!({"title": "t", "image": format!("data:image/png;base64,{}", b64(PNG))})),
        )
        .await;
    r.assert_status(201);
    let mpath = r.location_path().unwrap();
    let first = memory_image(&app, &mpath, &token).await.unwrap();
    assert_eq!(first.len(), 36);
    let served = app
        .req(Method::GET, &format!("/images/{first}"), None)
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert_eq!(served.bytes().await.unwrap().as_ref(), PNG);
    let uploader: i32 = scalar(
        &app,
        "SELECT uploader_id FROM images WHERE file_name = ?",
        (&first,),
    )
    .await;
    assert_eq!(uploader, author);

    // Replacing the image deletes the old file and row.
    app.send(
        Method::PATCH,
        &mpath,
        Some(&token),
        Some(json!({"image": b64(JPEG)})),
    )
    .await
    .assert_status(204);
    let second = memory_image(&app, &mpath, &token).await.unwrap();
    assert_ne!(first, second);
    app.get(&format!("/images/{first}"), None)
        .await
        .assert_status(303);
    let rows: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM images WHERE file_name = ?",
        (&first,),
    )
    .await;
    assert_eq!(rows, 0);
    let r = app
        .req(Method::GET, &format!("/images/{second}"), None)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    // Removing it too.
    app.send(
        Method::PATCH,
        &mpath,
        Some(&token),
        Some(json!({"image": null})),
    )
    .await
    .assert_status(204);
    assert!(memory_image(&app, &mpath, &token).await.is_none());
    assert_eq!(image_files(&app), before);

    // A request that fails after the upload leaves no file and no row behind.
    let r = app
        .send(
            Method::POST,
            &sites_path(&p),
            Some(&token),
            Some(
                json!({"id": unique("s"), "info": {"lang": "en", "name": "x"},
                          "location": {"lat": 1, "lon": 1}, "image": b64(PNG)}),
            ),
        )
        .await;
    r.assert_status(406);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(image_files(&app), before);

    // Sites take images too; deleting a memory removes its image.
    let site_id = unique("s");
    app.send(
        Method::POST,
        &sites_path(&p),
        Some(&token),
        Some(json!({"id": site_id, "info": {"lang": "fi", "name": "x"},
                         "location": {"lat": 1, "lon": 1}, "image": b64(PNG)})),
    )
    .await
    .assert_status(201);
    let site_image = app.get(&site_path(&p, &site_id), Some(&token)).await.json()["image"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(image_files(&app).contains(&site_image));
    let r = app
        .send(
            Method::POST,
            &path,
            Some(&token),
            Some(json!({"title": "t", "image": b64(PNG)})),
        )
        .await;
    let m2 = r.location_path().unwrap();
    let img = memory_image(&app, &m2, &token).await.unwrap();
    app.send(Method::DELETE, &m2, Some(&token), None)
        .await
        .assert_status(204);
    assert!(!image_files(&app).contains(&img));
    assert!(image_files(&app).contains(&site_image));
}

#[tokio::test]
async fn the_s3_store_on_moto() {
    let endpoint = moto_url();
    assert!(
        endpoint.starts_with("http://127.") || endpoint.starts_with("http://localhost"),
        "tests talk to a local moto only, not {endpoint}"
    );
    let bucket = format!("muistot-test-{}", &unique("b")[2..]);
    let http = reqwest::Client::new();
    let r = http
        .put(format!("{endpoint}/{bucket}"))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "create bucket: {}", r.status());

    let mut env = aws_env();
    env.push(("MUISTOT_IMAGES", format!("s3://{bucket}")));
    let app = TestApp::spawn_with(env).await;
    let (_, _, token) = app.user("is3").await;
    let p = published_project(&app, &[]).await;
    let s = site(&app, &p, true, None).await;
    let r = app
        .send(
            Method::POST,
            &memories_path(&p, &s),
            Some(&token),
            Some(json!({"title": "t", "image": b64(PNG)})),
        )
        .await;
    r.assert_status(201);
    let mpath = r.location_path().unwrap();
    let name = memory_image(&app, &mpath, &token).await.unwrap();
    // Read the bucket with a client of its own (signed requests, as S3 wants).
    let bucket_store = S3ImageStore::new(&sdk_config().await, &bucket);
    assert_eq!(bucket_store.get(&name).await.unwrap().as_deref(), Some(PNG));

    let served = app
        .req(Method::GET, &format!("/images/{name}"), None)
        .send()
        .await
        .unwrap();
    assert_eq!(served.status(), 200);
    assert_eq!(served.headers()["content-type"], "image/png");
    assert!(served.headers().contains_key("etag"));
    assert!(served.headers().contains_key("last-modified"));
    assert_eq!(served.bytes().await.unwrap().as_ref(), PNG);
    app.get("/images/no-such-object", None)
        .await
        .assert_status(303);
    app.get("/images/placeholder.jpg", None)
        .await
        .assert_status(200);

    app.send(
        Method::PATCH,
        &mpath,
        Some(&token),
        Some(json!({"image": b64(JPEG)})),
    )
    .await
    .assert_status(204);
    assert!(bucket_store.get(&name).await.unwrap().is_none());
    let left: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM images WHERE file_name = ?",
        (&name,),
    )
    .await;
    assert_eq!(left, 0);
}
