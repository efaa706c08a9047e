//! The site list as GeoJSON (docs/api-conventions.md#geojson): every mode answers an
//! RFC 7946 `FeatureCollection` that the `geojson` crate parses, on `Accept:
//! application/geo+json` or `format=geojson`; the JSON answer is unchanged otherwise.

use ::geojson::{feature::Id, FeatureCollection, GeoJson, GeometryValue};
use muistot_tests::*;

/// The answer parsed by the `geojson` crate, after checking its media type.
#[track_caller]
fn collection(r: &Resp) -> FeatureCollection {
    r.assert_status(200);
    assert_eq!(
        r.header("content-type"),
        Some("application/geo+json"),
        "{}",
        r.text
    );
    match r.text.parse::<GeoJson>() {
        Ok(GeoJson::FeatureCollection(fc)) => fc,
        other => panic!("not a FeatureCollection: {other:?}\n{}", r.text),
    }
}

/// Each feature's id, checked to equal `properties.id`.
#[track_caller]
fn feature_ids(fc: &FeatureCollection) -> Vec<String> {
    fc.features
        .iter()
        .map(|f| {
            let Some(Id::String(id)) = &f.id else {
                panic!("feature id {:?}", f.id)
            };
            let props = f.properties.as_ref().unwrap();
            assert_eq!(props["id"], json!(id));
            id.clone()
        })
        .collect()
}

/// `[lon, lat]` of the feature `id`.
#[track_caller]
fn coordinates(fc: &FeatureCollection, id: &str) -> Vec<f64> {
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

fn next_of(fc: &FeatureCollection) -> Value {
    fc.foreign_members
        .as_ref()
        .and_then(|m| m.get("next").cloned())
        .unwrap_or(Value::Null)
}

const GEO: &str = "application/geo+json";

#[tokio::test]
async fn every_mode_answers_a_feature_collection() {
    let app = TestApp::spawn().await;
    let (admin, _, _) = app.user("gjadm").await;
    let (creator, _, creator_token) = app.user("gjcre").await;
    let (_, _, viewer_token) = app.user("gjvie").await;
    let p = published_project(&app, &[admin]).await;
    let a = site_at(&app, &p, true, None, 60.2, 24.9).await;
    let b = site_at(&app, &p, true, None, 61.5, 25.3).await;
    let hidden = site_at(&app, &p, false, Some(creator), 60.3, 25.0).await;
    memory(&app, &a, None, true).await;
    let list = sites_path(&p);

    // The whole list: coordinates [lon, lat], the properties, the caller's visibility.
    for token in [None, Some(viewer_token.as_str())] {
        let fc = collection(&app.get_accept(&list, token, GEO).await);
        assert_eq!(feature_ids(&fc), [a.as_str(), b.as_str()]);
        assert_eq!(coordinates(&fc, &a), [24.9, 60.2]);
        assert_eq!(coordinates(&fc, &b), [25.3, 61.5]);
        let props = fc.features[0].properties.as_ref().unwrap();
        assert_eq!(
            Value::Object(props.clone()),
            json!({"id": a, "name": format!("Paikka {a}"), "abstract": null, "image": null,
                "memories_count": 1})
        );
        assert!(next_of(&fc).is_null());
    }
    let fc = collection(&app.get_accept(&list, Some(&creator_token), GEO).await);
    assert_eq!(feature_ids(&fc), [a.as_str(), b.as_str(), hidden.as_str()]);
    assert_eq!(coordinates(&fc, &hidden), [25.0, 60.3]);

    // `format=geojson` without `Accept`; the box mode.
    let r = app
        .get(
            &format!("{list}?bbox=24.5,60.0,25.5,60.5&format=geojson"),
            None,
        )
        .await;
    assert_eq!(feature_ids(&collection(&r)), [a.as_str()]);
    let r = app
        .get_accept(
            &format!("{list}?bbox=24.5,60.0,25.5,60.5"),
            Some(&creator_token),
            GEO,
        )
        .await;
    assert_eq!(feature_ids(&collection(&r)), [a.as_str(), hidden.as_str()]);

    // The nearest search.
    let r = app
        .get_accept(&format!("{list}?lat=61.4&lon=25.3&n=1"), None, GEO)
        .await;
    let fc = collection(&r);
    assert_eq!(feature_ids(&fc), [b.as_str()]);
    assert_eq!(coordinates(&fc, &b), [25.3, 61.5]);
    let r = app
        .get(
            &format!("{list}?lat=60.0&lon=24.0&n=5&format=geojson"),
            None,
        )
        .await;
    assert_eq!(feature_ids(&collection(&r)), [a.as_str(), b.as_str()]);

    // Pages: `next` a foreign member, the `Link` header as in JSON.
    let r = app.get_accept(&format!("{list}?limit=1"), None, GEO).await;
    let fc = collection(&r);
    assert_eq!(feature_ids(&fc), [a.as_str()]);
    let cursor = next_of(&fc).as_str().unwrap().to_string();
    let json = app.get(&format!("{list}?limit=1"), None).await;
    assert_eq!(json.json()["next"], json!(cursor));
    assert_eq!(r.header("link"), json.header("link"));
    let r = app
        .get_accept(&format!("{list}?limit=1&cursor={cursor}"), None, GEO)
        .await;
    let fc = collection(&r);
    assert_eq!(feature_ids(&fc), [b.as_str()]);
    assert!(next_of(&fc).is_null());
    assert!(fc.foreign_members.unwrap().contains_key("next"));
    // A link of a `format=geojson` page keeps the format.
    let r = app
        .get(&format!("{list}?limit=1&format=geojson"), None)
        .await;
    assert_eq!(feature_ids(&collection(&r)), [a.as_str()]);
    let link = r.header("link").unwrap();
    assert!(link.contains("format=geojson"), "{link}");
    let url = link.split_once('>').unwrap().0.trim_start_matches('<');
    let rest = url.strip_prefix("http://").unwrap();
    let fc = collection(&app.get(&rest[rest.find('/').unwrap()..], None).await);
    assert_eq!(feature_ids(&fc), [b.as_str()]);
}

#[tokio::test]
async fn the_json_answer_is_unchanged_unless_geojson_is_asked_for() {
    let app = TestApp::spawn().await;
    let p = published_project(&app, &[]).await;
    site_at(&app, &p, true, None, 60.2, 24.9).await;
    site_at(&app, &p, true, None, 61.5, 25.3).await;
    let list = sites_path(&p);
    for query in ["", "?bbox=24,60,26,62", "?lat=60&lon=24&n=2", "?limit=1"] {
        let path = format!("{list}{query}");
        let plain = app.get(&path, None).await;
        plain.assert_status(200);
        assert_eq!(plain.header("content-type"), Some("application/json"));
        assert!(plain.json()["items"].is_array(), "{}", plain.text);
        // A wildcard, JSON preferred, GeoJSON refused, or `format=json`: the same bytes.
        for accept in [
            "*/*",
            "application/json",
            "application/*",
            "application/geo+json;q=0.5, application/json",
            "application/geo+json;q=0",
        ] {
            let r = app.get_accept(&path, None, accept).await;
            assert_eq!(r.text, plain.text, "{accept}");
            assert_eq!(r.header("content-type"), Some("application/json"));
        }
        let sep = if query.is_empty() { '?' } else { '&' };
        let r = app
            .get_accept(&format!("{path}{sep}format=json"), None, GEO)
            .await;
        assert_eq!(r.text, plain.text);
        // An unknown format is a 422 at its name, whatever `Accept` says.
        let r = app.get(&format!("{path}{sep}format=kml"), None).await;
        r.assert_status(422);
        assert_eq!(r.error_loc(), json!(["query", "format"]));
    }
}

#[tokio::test]
async fn the_size_cap_applies_to_geojson() {
    let app = TestApp::spawn_with(vec![("MUISTOT_MAX_RESPONSE_BYTES", "700".into())]).await;
    let p = published_project(&app, &[]).await;
    for i in 0..10 {
        site_at(&app, &p, true, None, 60.0 + f64::from(i) / 10.0, 24.9).await;
    }
    let r = app.get_accept(&sites_path(&p), None, GEO).await;
    assert!(r.text.len() <= 700, "{}", r.text.len());
    let fc = collection(&r);
    assert!(!fc.features.is_empty() && fc.features.len() < 10);
    assert!(next_of(&fc).is_string());
    assert!(r.header("link").is_some());
}
