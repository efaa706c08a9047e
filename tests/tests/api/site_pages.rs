//! The site list by bounding box and in pages: keyset cursors, the `Link` header and the
//! response size cap (docs/api-conventions.md#pages).

use std::collections::HashSet;

use muistot_tests::*;
use mysql_async::prelude::*;

fn bbox_path(p: &str, bbox: &str) -> String {
    format!("{}?bbox={bbox}", sites_path(p))
}

fn names(r: &Resp) -> Vec<String> {
    items(&r.json())
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

/// The path and query of the `Link: <…>; rel="next"` header, checked for form.
#[track_caller]
fn next_link(r: &Resp) -> Option<String> {
    let link = r.header("link")?;
    let (url, rel) = link.split_once(">; ").unwrap();
    assert_eq!(rel, "rel=\"next\"", "{link}");
    let url = url.strip_prefix('<').unwrap();
    let rest = url.strip_prefix("http://").unwrap();
    Some(rest[rest.find('/').unwrap()..].to_string())
}

#[tokio::test]
async fn bbox_lists_the_visible_sites_in_the_box() {
    let app = TestApp::spawn().await;
    let (admin, _, admin_token) = app.user("bbadm").await;
    let (user, _, user_token) = app.user("bbusr").await;
    let (_, _, other_token) = app.user("bboth").await;
    let p = published_project(&app, &[admin]).await;
    let inside = site_at(&app, &p, true, None, 60.2, 24.9).await;
    let _outside = site_at(&app, &p, true, None, 61.5, 24.9).await;
    let hidden = site_at(&app, &p, false, Some(user), 60.3, 25.0).await;
    // The boundary belongs to the box.
    let corner = site_at(&app, &p, true, None, 60.5, 25.5).await;
    let bbox = "24.5,60.0,25.5,60.5";

    let r = app.get(&bbox_path(&p, bbox), None).await;
    r.assert_status(200);
    assert_eq!(names(&r), [inside.clone(), corner.clone()]);
    // The original shape: no `next` without `limit`/`cursor` under the cap.
    assert!(r.json().get("next").is_none(), "{}", r.text);
    assert!(r.header("link").is_none());
    let r = app.get(&bbox_path(&p, bbox), Some(&other_token)).await;
    assert_eq!(names(&r), [inside.clone(), corner.clone()]);
    // The creator and the admins see the unpublished site.
    for token in [&user_token, &admin_token] {
        let r = app.get(&bbox_path(&p, bbox), Some(token)).await;
        assert_eq!(names(&r), [inside.clone(), hidden.clone(), corner.clone()]);
    }
    // Localised like the list; the same item as the list gives.
    let all = app.get(&sites_path(&p), None).await.json();
    let r = app.get(&bbox_path(&p, bbox), None).await.json();
    assert_eq!(Some(&items(&r)[0]), find_item(&all, inside.as_str()));
    // An empty box, and the whole world.
    let r = app.get(&bbox_path(&p, "0,0,1,1"), None).await;
    assert_eq!(r.json(), json!({"items": []}));
    let r = app.get(&bbox_path(&p, "-180,-90,180,90"), None).await;
    assert_eq!(names(&r).len(), 3);
}

#[tokio::test]
async fn bbox_across_the_antimeridian_is_two_rectangles() {
    let app = TestApp::spawn().await;
    let p = published_project(&app, &[]).await;
    let east = site_at(&app, &p, true, None, 0.0, 179.5).await;
    let west = site_at(&app, &p, true, None, 5.0, -179.5).await;
    let _middle = site_at(&app, &p, true, None, 0.0, 0.0).await;
    let _far_west = site_at(&app, &p, true, None, 0.0, -170.0).await;
    let edge = site_at(&app, &p, true, None, -10.0, 180.0).await;
    let r = app.get(&bbox_path(&p, "179,-10,-179,10"), None).await;
    r.assert_status(200);
    // In id order, whichever side.
    assert_eq!(names(&r), [east.clone(), west.clone(), edge.clone()]);
    // Paged across both rectangles.
    let r = app
        .get(
            &format!("{}&limit=2", bbox_path(&p, "179,-10,-179,10")),
            None,
        )
        .await;
    assert_eq!(names(&r), [east, west]);
    let next = r.json()["next"].as_str().unwrap().to_string();
    let r = app
        .get(
            &format!("{}&limit=2&cursor={next}", bbox_path(&p, "179,-10,-179,10")),
            None,
        )
        .await;
    assert_eq!(names(&r), [edge]);
    assert_eq!(r.json()["next"], Value::Null);
}

#[tokio::test]
async fn bad_boxes_and_mixed_modes_are_422() {
    let app = TestApp::spawn().await;
    let p = published_project(&app, &[]).await;
    for bbox in [
        "",
        "1,2,3",
        "1,2,3,4,5",
        "a,b,c,d",
        "1,2,3,x",
        "-181,0,0,1",
        "0,0,181,1",
        "0,-91,1,0",
        "0,0,1,91",
        "0,10,1,5",
        "nan,0,1,1",
    ] {
        let r = app
            .get(
                &format!("{}?bbox={}", sites_path(&p), axios_encode(bbox)),
                None,
            )
            .await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["query", "bbox"]), "{bbox}");
    }
    for extra in ["lat=60", "lon=25", "n=3", "lat=60&lon=25&n=3"] {
        let r = app
            .get(&format!("{}&{extra}", bbox_path(&p, "24,60,25,61")), None)
            .await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["query", "bbox"]), "{extra}");
    }
    // The nearest search is not paged.
    let r = app
        .get(
            &format!("{}?lat=60&lon=25&n=3&limit=5", sites_path(&p)),
            None,
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["query", "limit"]));
    for limit in ["0", "1001", "-3", "ten"] {
        let r = app
            .get(&format!("{}?limit={limit}", sites_path(&p)), None)
            .await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["query", "limit"]), "{limit}");
    }
    // Checked before the project is looked up.
    let r = app.get(&bbox_path("no-such-project", "1,2,3"), None).await;
    r.assert_status(422);
}

/// Walks the list from `first` by `next` (checking that the `Link` header names the same
/// page), inserting a site after each page; every id once.
async fn walk(
    app: &TestApp,
    p: &str,
    first: String,
    lat: f64,
    lon: f64,
) -> (Vec<String>, Vec<String>) {
    let mut seen = Vec::new();
    let mut inserted = Vec::new();
    let mut path = first.clone();
    for _ in 0..100 {
        let r = app.get(&path, None).await;
        r.assert_status(200);
        let v = r.json();
        assert!(v.as_object().unwrap().contains_key("next"), "{}", r.text);
        seen.extend(names(&r));
        inserted.push(site_at(app, p, true, None, lat, lon).await);
        match v["next"].as_str() {
            None => {
                assert!(r.header("link").is_none());
                return (seen, inserted);
            }
            Some(next) => {
                let link = next_link(&r).expect("a Link header with next");
                assert!(link.contains(&format!("cursor={next}")), "{link}");
                path = link;
            }
        }
    }
    panic!("the walk did not end");
}

#[tokio::test]
async fn pages_walk_every_site_once_while_sites_are_inserted() {
    let app = TestApp::spawn().await;
    let p = published_project(&app, &[]).await;
    let mut before = Vec::new();
    for i in 0..23 {
        before.push(site_at(&app, &p, true, None, 60.0 + f64::from(i) * 0.01, 25.0).await);
    }
    for first in [
        format!("{}?limit=5", sites_path(&p)),
        format!("{}&limit=4", bbox_path(&p, "24,59,26,61")),
    ] {
        let (seen, inserted) = walk(&app, &p, first.clone(), 60.1, 25.1).await;
        let unique: HashSet<&String> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len(), "a site twice: {first}");
        for s in &before {
            assert!(unique.contains(s), "{s} skipped: {first}");
        }
        // Sites created while walking come later in id order: listed, once, except the
        // one inserted after the last page.
        for s in &inserted[..inserted.len() - 1] {
            assert!(unique.contains(s), "{s} (new) skipped: {first}");
        }
        before.extend(inserted);
    }
    // A cursor alone pages by 100.
    let r = app.get(&format!("{}?limit=1", sites_path(&p)), None).await;
    let next = r.json()["next"].as_str().unwrap().to_string();
    let r = app
        .get(&format!("{}?cursor={next}", sites_path(&p)), None)
        .await;
    r.assert_status(200);
    assert_eq!(names(&r).len(), before.len() - 1);
    assert_eq!(r.json()["next"], Value::Null);
}

#[tokio::test]
async fn tampered_and_foreign_cursors_are_422() {
    let app = TestApp::spawn().await;
    let p = published_project(&app, &[]).await;
    let q = published_project(&app, &[]).await;
    for project in [&p, &q] {
        for _ in 0..3 {
            site(&app, project, true, None).await;
        }
    }
    let r = app.get(&format!("{}?limit=1", sites_path(&p)), None).await;
    let next = r.json()["next"].as_str().unwrap().to_string();
    // Another project's list.
    let r = app
        .get(&format!("{}?limit=1&cursor={next}", sites_path(&q)), None)
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["query", "cursor"]));
    // Edited, cut, or not a cursor at all.
    let mut edited: Vec<char> = next.chars().collect();
    edited[7] = if edited[7] == 'A' { 'B' } else { 'A' };
    let edited: String = edited.into_iter().collect();
    for bad in [edited.as_str(), &next[..10], "abc", "a.b"] {
        let r = app
            .get(&format!("{}?cursor={bad}", sites_path(&p)), None)
            .await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["query", "cursor"]), "{bad}");
    }
    // The right project's cursor works.
    let r = app
        .get(&format!("{}?cursor={next}", sites_path(&p)), None)
        .await;
    r.assert_status(200);
    assert_eq!(names(&r).len(), 2);
}

#[tokio::test]
async fn past_the_size_cap_the_whole_list_is_a_first_page() {
    let cap = 3_000;
    let app = TestApp::spawn_with(vec![("MUISTOT_MAX_RESPONSE_BYTES", cap.to_string())]).await;
    let p = published_project(&app, &[]).await;
    let mut all = Vec::new();
    for i in 0..40 {
        all.push(site_at(&app, &p, true, None, 60.0 + f64::from(i) * 0.001, 25.0).await);
    }
    // Seeded past the cap: 40 items of 100 bytes or more.
    for first in [sites_path(&p), bbox_path(&p, "24,59,26,61")] {
        let r = app.get(&first, None).await;
        r.assert_status(200);
        assert!(r.text.len() <= cap, "{}", r.text.len());
        let got = names(&r);
        assert!(!got.is_empty() && got.len() < all.len(), "{}", got.len());
        assert_eq!(got, all[..got.len()]);
        let next = r.json()["next"]
            .as_str()
            .expect("next past the cap")
            .to_string();
        let link = next_link(&r).expect("Link past the cap");
        assert!(link.ends_with(&format!("cursor={next}")), "{link}");
        // Following the pages gives every site once, each answer within the cap.
        let mut seen = got;
        let mut path = link;
        loop {
            let r = app.get(&path, None).await;
            r.assert_status(200);
            assert!(r.text.len() <= cap);
            seen.extend(names(&r));
            match next_link(&r) {
                Some(l) => path = l,
                None => break,
            }
        }
        assert_eq!(seen, all);
    }
    // The nearest search cannot resume: the nearest sites that fit, without `next`.
    let r = app
        .get(&format!("{}?lat=60&lon=25&n=40", sites_path(&p)), None)
        .await;
    r.assert_status(200);
    assert!(r.text.len() <= cap);
    let got = names(&r);
    assert!(!got.is_empty() && got.len() < all.len(), "{}", got.len());
    assert_eq!(got, all[..got.len()]);
    assert!(r.json().get("next").is_none() && r.header("link").is_none());
    // A list under the cap keeps the original shape.
    let small = published_project(&app, &[]).await;
    site(&app, &small, true, None).await;
    let r = app.get(&sites_path(&small), None).await;
    assert!(r.json().get("next").is_none(), "{}", r.text);
}

#[tokio::test]
async fn bbox_reads_the_spatial_index() {
    let app = TestApp::spawn().await;
    let p = published_project(&app, &[]).await;
    site_at(&app, &p, true, None, 60.0, 25.0).await;
    let mut c = app.db().await;
    for rlang in [Some(2), None] {
        let rows: Vec<mysql_async::Row> = c
            .exec(
                format!("EXPLAIN {}", muistot::repos::site_pages::IN_ONE_BOX),
                mysql_async::params! {
                    "dlang" => 1, "project" => 1, "admin" => false, "user" => None::<i32>,
                    "n" => 20, "after" => 0, "x1" => 24.9, "y1" => 59.9, "x2" => 25.1,
                    "y2" => 60.1, "dcode" => "fi", "rcode" => "en", "rlang" => rlang,
                },
            )
            .await
            .unwrap();
        let plan: Vec<(String, Option<String>, String)> = rows
            .into_iter()
            .map(|mut r| {
                (
                    r.take("table").unwrap(),
                    r.take("key").unwrap(),
                    r.take("type").unwrap(),
                )
            })
            .collect();
        let (table, key, kind) = plan.iter().find(|r| r.1.is_some()).unwrap();
        assert_eq!(
            (table.as_str(), key.as_deref(), kind.as_str()),
            ("s", Some("idx_sites_coordinate"), "range"),
            "{plan:?}"
        );
        // No table read as a constant before the R-tree (MDEV-26123).
        assert!(
            plan.iter()
                .all(|r| r.1.is_none() || (r.2 != "const" && r.2 != "system")),
            "{plan:?}"
        );
    }
}

/// The whole list is read in chunks of 2,000 rows (`WHOLE_LIST_CHUNK` in
/// routes/sites.rs): past a chunk, every site once and in order, under the cap and past it.
#[tokio::test]
async fn the_whole_list_is_read_in_chunks() {
    let app = TestApp::spawn_with(vec![("MUISTOT_MAX_RESPONSE_BYTES", "200000".into())]).await;
    let big = TestApp::spawn().await;
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
    for first in [sites_path(&p), bbox_path(&p, "24,59,26,61")] {
        // Under the default cap: the original shape, all of them.
        let r = big.get(&first, None).await;
        r.assert_status(200);
        assert!(r.json().get("next").is_none());
        assert_eq!(names(&r), expected);
        // Past a small cap: pages that add up to all of them.
        let mut seen = Vec::new();
        let mut path = first.clone();
        loop {
            let r = app.get(&path, None).await;
            r.assert_status(200);
            assert!(r.text.len() <= 200_000);
            seen.extend(names(&r));
            match next_link(&r) {
                Some(l) => path = l,
                None => break,
            }
        }
        assert_eq!(seen, expected);
    }
}
