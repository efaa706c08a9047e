//! The clusters of a box (docs/api-conventions.md#clusters): counts, centroids and boxes
//! against a brute-force grouping of the same rows, visibility, the stored tile key the
//! triggers write, and the 422 answers.

use std::collections::HashMap;

use muistot_tests::*;
use mysql_async::prelude::*;

/// xorshift, so that a failure can be replayed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.next()
    }
}

fn clusters_path(project: &str, bbox: [f64; 4], zoom: u32) -> String {
    let [w, s, e, n] = bbox;
    format!("/projects/{project}/sites/clusters?bbox={w},{s},{e},{n}&zoom={zoom}")
}

/// The cell rule written out on its own: the slippy-map tile of zoom `zoom + 2`
/// (latitudes clamped to Web Mercator's ±85.0511°).
fn cell(lon: f64, lat: f64, zoom: u32) -> (u32, u32) {
    let n = f64::from(1u32 << (zoom + 2));
    let lat = lat.clamp(-85.0511287798066, 85.0511287798066).to_radians();
    let x = ((lon + 180.0) / 360.0 * n).floor().clamp(0.0, n - 1.0);
    let y = ((1.0 - (lat.tan() + 1.0 / lat.cos()).ln() / std::f64::consts::PI) / 2.0 * n)
        .floor()
        .clamp(0.0, n - 1.0);
    (x as u32, y as u32)
}

fn in_box(b: [f64; 4], lon: f64, lat: f64) -> bool {
    let [w, s, e, n] = b;
    let in_lon = if w > e {
        lon >= w || lon <= e
    } else {
        w <= lon && lon <= e
    };
    in_lon && s <= lat && lat <= n
}

#[derive(Debug, Default)]
struct Expected {
    count: i64,
    lat_sum: f64,
    lon_sum: f64,
    bbox: [f64; 4],
    names: Vec<String>,
}

/// A row's name, stored key and coordinate copies (`tile`, `location_lon`, `location_lat`).
type Keyed = (String, Option<u64>, Option<f64>, Option<f64>);

/// Whether a viewer sees a row.
type Visible = dyn Fn(&Row) -> bool;

struct Row {
    name: String,
    lon: f64,
    lat: f64,
    published: bool,
    creator: Option<i32>,
}

/// Groups the rows `visible` keeps, inside `b`, by cell.
fn brute_force(
    rows: &[Row],
    b: [f64; 4],
    zoom: u32,
    visible: impl Fn(&Row) -> bool,
) -> HashMap<(u32, u32), Expected> {
    let mut out: HashMap<(u32, u32), Expected> = HashMap::new();
    for r in rows
        .iter()
        .filter(|r| visible(r) && in_box(b, r.lon, r.lat))
    {
        let e = out
            .entry(cell(r.lon, r.lat, zoom))
            .or_insert_with(|| Expected {
                bbox: [r.lon, r.lat, r.lon, r.lat],
                ..Default::default()
            });
        e.count += 1;
        e.lat_sum += r.lat;
        e.lon_sum += r.lon;
        e.bbox = [
            e.bbox[0].min(r.lon),
            e.bbox[1].min(r.lat),
            e.bbox[2].max(r.lon),
            e.bbox[3].max(r.lat),
        ];
        e.names.push(r.name.clone());
    }
    out
}

/// Compares one answer with the brute-force grouping.
fn assert_matches(
    label: &str,
    answer: &Value,
    expected: &HashMap<(u32, u32), Expected>,
    zoom: u32,
) {
    let items = answer["items"].as_array().unwrap();
    assert_eq!(items.len(), expected.len(), "{label}: cells");
    let total: i64 = expected.values().map(|e| e.count).sum();
    assert_eq!(answer["total"], json!(total), "{label}: total");
    let mut sum = 0;
    for item in items {
        let bbox: Vec<f64> = item["bbox"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        // Every site of a cell is in it, so its box's corner names the cell.
        let key = cell(bbox[0], bbox[3], zoom);
        assert_eq!(
            key,
            cell(bbox[2], bbox[1], zoom),
            "{label}: {item} spans cells"
        );
        let e = expected
            .get(&key)
            .unwrap_or_else(|| panic!("{label}: {item} is no expected cell"));
        let count = item["count"].as_i64().unwrap();
        sum += count;
        assert_eq!(count, e.count, "{label}: count of {item}");
        // serde_json's default float parsing may miss by an ulp.
        let close = bbox.iter().zip(e.bbox).all(|(a, b)| (a - b).abs() < 1e-9);
        assert!(close, "{label}: bbox of {item}, expected {:?}", e.bbox);
        let (lat, lon) = (item["lat"].as_f64().unwrap(), item["lon"].as_f64().unwrap());
        assert!(
            (lat - e.lat_sum / e.count as f64).abs() < 1e-9,
            "{label}: lat of {item}"
        );
        assert!(
            (lon - e.lon_sum / e.count as f64).abs() < 1e-9,
            "{label}: lon of {item}"
        );
        if e.count == 1 {
            assert_eq!(item["id"], json!(e.names[0]), "{label}: id of {item}");
        } else {
            assert!(item.get("id").is_none(), "{label}: {item} has an id");
        }
    }
    assert_eq!(sum, total, "{label}: counts add up");
}

#[tokio::test]
async fn clusters_match_a_brute_force_grouping() {
    let app = TestApp::spawn().await;
    let (creator, _, creator_token) = app.user("clc").await;
    let (_, _, other_token) = app.user("clo").await;
    let (admin, _, admin_token) = app.user("cla").await;
    let p = published_project(&app, &[admin]).await;
    let decoy = published_project(&app, &[]).await;
    let mut c = app.db().await;
    let (pid, decoy_id): (i32, i32) = c
        .exec_first(
            "SELECT (SELECT id FROM projects WHERE name = ?), (SELECT id FROM projects WHERE name = ?)",
            (&p, &decoy),
        )
        .await
        .unwrap()
        .unwrap();
    // 2 400 sites in one INSERT: a dense city, the globe, the poles, both sides of the
    // antimeridian, and some on cell edges (whole degrees); every tenth in a decoy project,
    // some unpublished (by the creator, or by nobody).
    let mut rng = Rng(0x5eed_c1a5_7e25_0001);
    let prefix = unique("cl");
    let mut rows = Vec::new();
    let mut sql = String::from(
        "INSERT INTO sites (project_id, name, published, creator_id, location) VALUES ",
    );
    let mut params: Vec<mysql_async::Value> = Vec::new();
    for k in 0..2400 {
        let (lat, lon) = match k % 7 {
            0 | 1 => (rng.range(60.1, 60.3), rng.range(24.8, 25.1)),
            2 => (rng.range(-90.0, 90.0), rng.range(-180.0, 180.0)),
            3 => (rng.range(80.0, 90.0), rng.range(-180.0, 180.0)),
            4 => (rng.range(-60.0, 60.0), rng.range(178.0, 180.0)),
            5 => (rng.range(-60.0, 60.0), rng.range(-180.0, -178.0)),
            _ => (
                (rng.range(-60.0, 60.0)).round(),
                (rng.range(-180.0, 180.0)).round(),
            ),
        };
        let project = if k % 10 == 9 { decoy_id } else { pid };
        let published = k % 5 != 2;
        let by = (k % 5 == 2 && k % 2 == 0).then_some(creator);
        let name = format!("{prefix}-{k}");
        if k > 0 {
            sql.push(',');
        }
        sql.push_str("(?, ?, ?, ?, POINT(?, ?))");
        params.extend([
            project.into(),
            name.clone().into(),
            published.into(),
            by.into(),
            lon.into(),
            lat.into(),
        ]);
        if project == pid {
            rows.push(Row {
                name,
                lon,
                lat,
                published,
                creator: by,
            });
        }
    }
    c.exec_drop(sql, params).await.unwrap();

    // The triggers keyed every row as the Rust maths does.
    let keys: Vec<Keyed> = c
        .exec(
            "SELECT name, tile, location_lon, location_lat FROM sites WHERE project_id = ?",
            (pid,),
        )
        .await
        .unwrap();
    let by_name: HashMap<&str, &Row> = rows.iter().map(|r| (r.name.as_str(), r)).collect();
    assert_eq!(keys.len(), rows.len());
    for (name, tile, lon, lat) in &keys {
        let r = by_name[name.as_str()];
        assert_eq!(*tile, Some(muistot::geo::tile_key(r.lon, r.lat)), "{name}");
        assert_eq!((*lon, *lat), (Some(r.lon), Some(r.lat)), "{name}");
    }

    let mut boxes: Vec<([f64; 4], u32)> = vec![
        ([-180.0, -90.0, 180.0, 90.0], 0),
        ([-180.0, -90.0, 180.0, 90.0], 3),
        ([-180.0, -90.0, 180.0, 90.0], 4),
        ([24.0, 59.0, 26.0, 61.0], 9),
        ([24.8, 60.1, 25.1, 60.3], 14),
        ([24.8, 60.1, 25.1, 60.3], 13),
        ([24.9, 60.15, 24.901, 60.151], 22),
        ([170.0, -70.0, -170.0, 70.0], 4),
        ([179.0, -30.0, -179.0, 30.0], 8),
        ([-20.0, -20.0, 20.0, 20.0], 6),
        ([-180.0, 80.0, 180.0, 90.0], 2),
    ];
    for _ in 0..40 {
        let (a, b) = (rng.range(-180.0, 180.0), rng.range(-180.0, 180.0));
        let (s, n) = (rng.range(-90.0, 90.0), rng.range(-90.0, 90.0));
        let b = [a, s.min(n), b, s.max(n)];
        // At most the finest zoom the box may be asked at.
        let raw = format!("{},{},{},{}", b[0], b[1], b[2], b[3]);
        let bbox = muistot::geo::BBox::parse(&raw).unwrap();
        let finest = (0..=22)
            .rev()
            .find(|z| bbox.cells(*z) <= muistot::geo::MAX_CLUSTER_CELLS)
            .unwrap();
        boxes.push((b, (rng.next() * f64::from(finest + 1)) as u32));
    }
    // Small boxes at fine zooms, in the city.
    for _ in 0..8 {
        let (w, s) = (rng.range(24.8, 25.05), rng.range(60.1, 60.28));
        boxes.push(([w, s, w + 0.05, s + 0.02], 11 + (rng.next() * 6.0) as u32));
    }
    let viewers: [(&str, Option<&str>, Box<Visible>); 4] = [
        ("anonymous", None, Box::new(|r: &Row| r.published)),
        (
            "creator",
            Some(creator_token.as_str()),
            Box::new(move |r: &Row| r.published || r.creator == Some(creator)),
        ),
        (
            "other user",
            Some(other_token.as_str()),
            Box::new(|r: &Row| r.published),
        ),
        (
            "admin",
            Some(admin_token.as_str()),
            Box::new(|_: &Row| true),
        ),
    ];
    // How many answers crossed ±180° with sites in them, had a cell of one site, of many.
    let (mut crossing, mut single, mut many) = (0, 0, 0);
    for (b, zoom) in boxes {
        for (who, token, visible) in &viewers {
            let r = app.get(&clusters_path(&p, b, zoom), *token).await;
            r.assert_status(200);
            let expected = brute_force(&rows, b, zoom, visible);
            assert_matches(&format!("{who} {b:?} z{zoom}"), &r.json(), &expected, zoom);
            crossing += usize::from(b[0] > b[2] && !expected.is_empty());
            single += usize::from(expected.values().any(|e| e.count == 1));
            many += usize::from(expected.values().any(|e| e.count > 1));
        }
    }
    assert!(
        crossing >= 20 && single >= 20 && many >= 20,
        "weak sample: {crossing} across ±180°, {single} with single-site cells, {many} with larger"
    );
    // The world at zoom 0 holds every visible site of the project, none of the decoy's.
    let r = app
        .get(
            &clusters_path(&p, [-180.0, -90.0, 180.0, 90.0], 0),
            Some(&admin_token),
        )
        .await;
    assert_eq!(r.json()["total"], json!(rows.len()));
}

#[tokio::test]
async fn an_unpublished_site_counts_for_its_creator_and_admins_only() {
    let app = TestApp::spawn().await;
    let (creator, _, creator_token) = app.user("clv").await;
    let (_, _, other_token) = app.user("clw").await;
    let (admin, _, admin_token) = app.user("clx").await;
    let (_, _, su_token) = app.superuser().await;
    let p = published_project(&app, &[admin]).await;
    let site = site_at(&app, &p, false, Some(creator), 60.17, 24.94).await;
    let path = clusters_path(&p, [24.0, 60.0, 25.0, 61.0], 10);
    for (token, seen) in [
        (None, false),
        (Some(&other_token), false),
        (Some(&creator_token), true),
        (Some(&admin_token), true),
        (Some(&su_token), true),
    ] {
        let r = app.get(&path, token.map(String::as_str)).await;
        r.assert_status(200);
        if seen {
            assert_eq!(
                r.json(),
                json!({"items": [{"lat": 60.17, "lon": 24.94, "count": 1,
                                  "bbox": [24.94, 60.17, 24.94, 60.17], "id": site}],
                       "total": 1})
            );
        } else {
            assert_eq!(r.json(), json!({"items": [], "total": 0}));
        }
    }
    // An unpublished project answers 404 to those who may not see it.
    let hidden = unpublished_project(&app, &[]).await;
    app.get(&clusters_path(&hidden, [0.0, 0.0, 1.0, 1.0], 1), None)
        .await
        .assert_status(404);
    app.get(
        &clusters_path("no-such-project", [0.0, 0.0, 1.0, 1.0], 1),
        None,
    )
    .await
    .assert_status(404);
}

/// Rows written with plain SQL, as the original server writes them, get their key from
/// the triggers, on insert and when the location changes.
#[tokio::test]
async fn plain_sql_rows_are_keyed_by_the_triggers() {
    let app = TestApp::spawn().await;
    let p = published_project(&app, &[]).await;
    let name = unique("plain");
    let mut c = app.db().await;
    c.exec_drop(
        "INSERT INTO sites (project_id, name, published, location)
         SELECT id, ?, 1, ST_GeomFromText('POINT(24.9384 60.1699)') FROM projects WHERE name = ?",
        (&name, &p),
    )
    .await
    .unwrap();
    let tile: Option<u64> = scalar(&app, "SELECT tile FROM sites WHERE name = ?", (&name,)).await;
    assert_eq!(tile, Some(muistot::geo::tile_key(24.9384, 60.1699)));
    c.exec_drop(
        "UPDATE sites SET location = POINT(-179.5, -45.25) WHERE name = ?",
        (&name,),
    )
    .await
    .unwrap();
    let keyed: (Option<u64>, Option<f64>, Option<f64>) = c
        .exec_first(
            "SELECT tile, location_lon, location_lat FROM sites WHERE name = ?",
            (&name,),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        keyed,
        (
            Some(muistot::geo::tile_key(-179.5, -45.25)),
            Some(-179.5),
            Some(-45.25)
        )
    );
    let r = app
        .get(&clusters_path(&p, [179.0, -46.0, -179.0, -45.0], 12), None)
        .await;
    r.assert_status(200);
    assert_eq!(r.json()["total"], json!(1));
    assert_eq!(r.json()["items"][0]["id"], json!(name));
}

#[tokio::test]
async fn bad_boxes_and_zooms_are_422() {
    let app = TestApp::spawn().await;
    let p = published_project(&app, &[]).await;
    let base = format!("/projects/{p}/sites/clusters");
    for (query, locs) in [
        ("", vec![json!(["query", "bbox"]), json!(["query", "zoom"])]),
        ("zoom=3", vec![json!(["query", "bbox"])]),
        ("bbox=0,0,1,1", vec![json!(["query", "zoom"])]),
        ("bbox=0,0,1&zoom=3", vec![json!(["query", "bbox"])]),
        ("bbox=0,0,1,1,1&zoom=3", vec![json!(["query", "bbox"])]),
        ("bbox=a,0,1,1&zoom=3", vec![json!(["query", "bbox"])]),
        ("bbox=0,0,181,1&zoom=3", vec![json!(["query", "bbox"])]),
        ("bbox=0,-91,1,1&zoom=3", vec![json!(["query", "bbox"])]),
        ("bbox=0,10,1,5&zoom=3", vec![json!(["query", "bbox"])]),
        ("bbox=NaN,0,1,1&zoom=3", vec![json!(["query", "bbox"])]),
        ("bbox=0,0,1,1&zoom=23", vec![json!(["query", "zoom"])]),
        ("bbox=0,0,1,1&zoom=-1", vec![json!(["query", "zoom"])]),
        ("bbox=0,0,1,1&zoom=x", vec![json!(["query", "zoom"])]),
        (
            "bbox=0,10,1,5&zoom=1.5",
            vec![json!(["query", "bbox"]), json!(["query", "zoom"])],
        ),
        // Too many cells for the zoom: the world at 5 (128 × 128), a city at 22.
        (
            "bbox=-180,-90,180,90&zoom=5",
            vec![json!(["query", "bbox"])],
        ),
        (
            "bbox=24.8,60.1,25.1,60.3&zoom=22",
            vec![json!(["query", "bbox"])],
        ),
    ] {
        let r = app.get(&format!("{base}?{query}"), None).await;
        r.assert_status(422);
        let got: Vec<Value> = r.json()["error"]["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("{query}: {}", r.json()))
            .iter()
            .map(|e| e["loc"].clone())
            .collect();
        assert_eq!(got, locs, "{query}");
    }
    // The edges of the ranges are accepted.
    app.get(&format!("{base}?bbox=-180,-90,180,90&zoom=4"), None)
        .await
        .assert_status(200);
    app.get(&format!("{base}?bbox=24.9,60.1,24.9,60.1&zoom=22"), None)
        .await
        .assert_status(200);
    app.get(&format!("{base}?bbox=180,-90,-180,90&zoom=0"), None)
        .await
        .assert_status(200);
}

/// `/sites/clusters` is a route, so no site may take the name
/// (docs/compatibility.md#a-site-cannot-be-named-clusters).
#[tokio::test]
async fn a_site_cannot_be_named_clusters() {
    let app = auto_publish_app().await;
    let (admin, _, token) = app.user("clz").await;
    let p = published_project(&app, &[admin]).await;
    for id in ["clusters", "Clusters", "CLUSTERS"] {
        let r = app
            .send(
                Method::POST,
                &sites_path(&p),
                Some(&token),
                Some(json!({"id": id, "info": {"lang": "fi", "name": "Paikka"},
                            "location": {"lat": 60.75, "lon": 24.56}})),
            )
            .await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["body", "id"]), "{id}");
    }
    // Longer names that contain it are fine.
    let r = app
        .send(
            Method::POST,
            &sites_path(&p),
            Some(&token),
            Some(
                json!({"id": unique("clusters"), "info": {"lang": "fi", "name": "Paikka"},
                        "location": {"lat": 60.75, "lon": 24.56}}),
            ),
        )
        .await;
    r.assert_status(201);
}

/// A site named `clusters` made before the route (by the original server) is shadowed at
/// that exact path (the route answers: 422 for a read, 405 for a write); in another case
/// its path still reaches it, as site names are compared case-insensitively
/// (docs/compatibility.md#a-site-cannot-be-named-clusters).
#[tokio::test]
async fn an_existing_site_named_clusters_is_reached_in_another_case() {
    let app = auto_publish_app().await;
    let (admin, _, token) = app.user("cly").await;
    let p = published_project(&app, &[admin]).await;
    let mut c = app.db().await;
    // Site names are unique across projects: a leftover from another run goes first.
    c.query_drop("DELETE FROM sites WHERE name = 'clusters'")
        .await
        .unwrap();
    c.exec_drop(
        "INSERT INTO sites (project_id, name, published, creator_id, location)
         SELECT id, 'clusters', 1, ?, POINT(24.9, 60.1) FROM projects WHERE name = ?",
        (admin, &p),
    )
    .await
    .unwrap();
    c.exec_drop(
        "INSERT INTO site_information (site_id, lang_id, name)
         SELECT s.id, l.id, 'Vanha' FROM sites s, languages l WHERE s.name = 'clusters' AND l.lang = 'fi'",
        (),
    )
    .await
    .unwrap();
    let r = app
        .get(&format!("/projects/{p}/sites/clusters"), None)
        .await;
    r.assert_status(422);
    let r = app
        .get(&format!("/projects/{p}/sites/Clusters"), None)
        .await;
    r.assert_status(200);
    assert_eq!(r.json()["id"], json!("clusters"));
    // Writes at the exact path meet the route's GET only; another case reaches the site.
    for path in ["clusters", "Clusters"] {
        let r = app
            .send(
                Method::PATCH,
                &format!("/projects/{p}/sites/{path}"),
                Some(&token),
                Some(json!({"location": {"lat": 61.0, "lon": 25.0}})),
            )
            .await;
        r.assert_status(if path == "clusters" { 405 } else { 204 });
    }
    let r = app
        .send(
            Method::DELETE,
            &format!("/projects/{p}/sites/CLUSTERS"),
            Some(&token),
            None,
        )
        .await;
    r.assert_status(204);
    c.query_drop("DELETE FROM sites WHERE name = 'clusters'")
        .await
        .unwrap();
}

/// A `site_cells` row: project, publish state, zoom-10 key, count, coordinate sums,
/// box and first id.
type CellRow = (i32, bool, u32, i64, f64, f64, f64, f64, f64, f64, i32);

const STORED_CELLS: &str = "SELECT project_id, published, cell, n, lat_sum, lon_sum,
        west, south, east, north, first_id
    FROM site_cells WHERE project_id IN (?, ?) ORDER BY project_id, published, cell";

const RECOMPUTED_CELLS: &str = "SELECT project_id, published, CAST(tile >> 28 AS UNSIGNED) AS cell,
        COUNT(*), SUM(location_lat), SUM(location_lon), MIN(location_lon), MIN(location_lat),
        MAX(location_lon), MAX(location_lat), MIN(id)
    FROM sites WHERE project_id IN (?, ?) AND tile IS NOT NULL
    GROUP BY project_id, published, cell ORDER BY project_id, published, cell";

/// The per-cell sums the triggers keep equal a grouping of the sites themselves (sums
/// to rounding: they were added up in another order).
async fn assert_cells_follow(app: &TestApp, projects: (i32, i32), after: &str) {
    let mut c = app.db().await;
    let stored: Vec<CellRow> = c.exec(STORED_CELLS, projects).await.unwrap();
    let computed: Vec<CellRow> = c.exec(RECOMPUTED_CELLS, projects).await.unwrap();
    assert_eq!(
        stored.len(),
        computed.len(),
        "after {after}: {stored:?} vs {computed:?}"
    );
    for (s, k) in stored.iter().zip(&computed) {
        let same = (s.0, s.1, s.2, s.3, s.6, s.7, s.8, s.9, s.10)
            == (k.0, k.1, k.2, k.3, k.6, k.7, k.8, k.9, k.10)
            && (s.4 - k.4).abs() < 1e-9
            && (s.5 - k.5).abs() < 1e-9;
        assert!(same, "after {after}: stored {s:?}, computed {k:?}");
    }
}

/// Runs a plain write as a client without the API's retry would, retrying only InnoDB's
/// deadlock answer (1213): the triggers' locking reads can deadlock with another test's
/// writes to neighbouring tiles, which InnoDB resolves by rolling one back.
async fn plain_write(
    c: &mut mysql_async::Conn,
    stmt: &str,
    params: impl Into<mysql_async::Params> + Clone + Send,
) {
    for attempt in 1.. {
        match c.exec_drop(stmt, params.clone()).await {
            Ok(()) => return,
            Err(mysql_async::Error::Server(e)) if e.code == 1213 && attempt < 5 => {
                tokio::time::sleep(std::time::Duration::from_millis(50 * attempt)).await
            }
            Err(e) => panic!("{stmt}: {e}"),
        }
    }
}

/// The sums behind low-zoom clusters (shared/migrations/0005_site_cells.sql) follow
/// every kind of write, through the API and in plain SQL as the original server writes,
/// and the migration repairs a table that lost them.
#[tokio::test]
async fn cell_sums_follow_every_write() {
    let app = TestApp::spawn().await;
    let (admin, _, admin_token) = app.user("csa").await;
    let p = published_project(&app, &[admin]).await;
    let other = published_project(&app, &[admin]).await;
    let ids: (i32, i32) = app
        .db()
        .await
        .exec_first(
            "SELECT (SELECT id FROM projects WHERE name = ?), (SELECT id FROM projects WHERE name = ?)",
            (&p, &other),
        )
        .await
        .unwrap()
        .unwrap();
    // Three sites in one zoom-10 tile, one far away.
    let a = site_at(&app, &p, true, None, 60.170, 24.940).await;
    let b = site_at(&app, &p, true, None, 60.171, 24.941).await;
    let c = site_at(&app, &p, false, None, 60.172, 24.942).await;
    let far = site_at(&app, &p, true, None, 68.0, 27.0).await;
    assert_cells_follow(&app, ids, "inserts").await;

    let api_site = unique("apisite");
    app.send(
        Method::POST,
        &sites_path(&p),
        Some(&admin_token),
        Some(
            json!({"id": api_site, "info": {"lang": "fi", "name": "Paikka"},
                    "location": {"lat": 60.1705, "lon": 24.9405}}),
        ),
    )
    .await
    .assert_status(201);
    assert_cells_follow(&app, ids, "a create through the API").await;

    for (site, publish) in [(&c, true), (&a, false), (&a, true)] {
        app.send(
            Method::POST,
            "/admin/publish",
            Some(&admin_token),
            Some(
                json!({"type": "site", "identifier": site, "parents": {"project": p},
                        "publish": publish}),
            ),
        )
        .await
        .assert_status(204);
        assert_cells_follow(&app, ids, &format!("publish {site} = {publish}")).await;
    }

    // The smallest and the largest of a cell moved away, then deleted: the box shrinks.
    app.send(
        Method::PATCH,
        &site_path(&p, &a),
        Some(&admin_token),
        Some(json!({"location": {"lat": 61.5, "lon": 23.75}})),
    )
    .await
    .assert_status(204);
    assert_cells_follow(&app, ids, "a move through the API").await;
    app.send(Method::DELETE, &site_path(&p, &b), Some(&admin_token), None)
        .await
        .assert_status(204);
    assert_cells_follow(&app, ids, "a delete through the API").await;

    let mut sql = app.db().await;
    for (what, stmt) in [
        (
            "a plain move",
            "UPDATE sites SET location = POINT(-179.5, -45.25) WHERE name = ?",
        ),
        (
            "a plain unpublish",
            "UPDATE sites SET published = 0 WHERE name = ?",
        ),
        (
            "a plain rename",
            "UPDATE sites SET name = CONCAT(name, '-x') WHERE name = ?",
        ),
    ] {
        plain_write(&mut sql, stmt, (&far,)).await;
        assert_cells_follow(&app, ids, what).await;
    }
    plain_write(
        &mut sql,
        "UPDATE sites SET project_id = ? WHERE name = ?",
        (ids.1, &api_site),
    )
    .await;
    assert_cells_follow(&app, ids, "a plain move to another project").await;
    plain_write(&mut sql, "DELETE FROM sites WHERE name = ?", (&c,)).await;
    assert_cells_follow(&app, ids, "a plain delete").await;

    // Rows lost (as on a database restored without triggers) come back with the next
    // migration, and rows of emptied cells go.
    sql.exec_drop("DELETE FROM site_cells WHERE project_id = ?", (ids.0,))
        .await
        .unwrap();
    sql.exec_drop(
        "INSERT INTO site_cells VALUES (?, 1, 12345, 3, 1, 1, 0, 0, 1, 1, 1)",
        (ids.1,),
    )
    .await
    .unwrap();
    let pool = muistot::db::Db::new(
        app.config.database_url.expose(),
        None,
        std::time::Duration::from_secs(10),
    )
    .unwrap();
    muistot::db::migrate(&pool).await.unwrap();
    assert_cells_follow(&app, ids, "the migration's repair").await;

    // A project's deletion takes its rows along (a cascade fires no trigger).
    sql.exec_drop("DELETE FROM projects WHERE id = ?", (ids.1,))
        .await
        .unwrap();
    let left: i64 = scalar(
        &app,
        "SELECT COUNT(*) FROM site_cells WHERE project_id = ?",
        (ids.1,),
    )
    .await;
    assert_eq!(left, 0);
}
