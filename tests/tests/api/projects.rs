//! Projects, including the original's defects fixed here (docs/compatibility.md#projects).

use muistot_tests::*;
use mysql_async::prelude::Queryable;

fn new_project(id: &str) -> Value {
    json!({"id": id, "info": {"lang": "fi", "name": "Projekti", "abstract": "Tiivistelmä"}})
}

/// Creates a project through the API as a superuser; returns its id.
async fn create(app: &TestApp, token: &str, body: Value) -> String {
    let id = body["id"].as_str().unwrap().to_string();
    app.send(Method::POST, "/projects", Some(token), Some(body))
        .await
        .assert_status(201);
    id
}

#[tokio::test]
async fn create_then_read_and_list() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    let id = unique("proj");
    let r = app
        .send(Method::POST, "/projects", Some(&su), Some(new_project(&id)))
        .await;
    r.assert_status(201);
    assert!(r.text.is_empty());
    assert_eq!(r.location_path().unwrap(), format!("/projects/{id}"));
    assert!(r.header("location").unwrap().starts_with("http://"));

    let r = app.get(&format!("/projects/{id}"), None).await;
    r.assert_status(200);
    assert_eq!(
        r.json(),
        json!({"id": id, "info": {"lang": "fi", "name": "Projekti", "abstract": "Tiivistelmä"},
               "admins": [], "admin_posting": false, "sites_count": 0})
    );
    let list = app.get("/projects", None).await;
    list.assert_status(200);
    assert!(ids(&list.json()).contains(&json!(id)));
}

#[tokio::test]
async fn project_names_match_case_insensitively() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    let id = unique("case").to_lowercase();
    create(&app, &su, new_project(&id)).await;
    let r = app
        .get(&format!("/projects/{}", id.to_uppercase()), None)
        .await;
    r.assert_status(200);
    assert_eq!(r.json()["id"], id.as_str());
}

#[tokio::test]
async fn unpublished_projects_are_for_admins_and_superusers() {
    let app = TestApp::spawn().await; // auto_publish off
    let (_, _, su) = app.superuser().await;
    let (admin_id, admin_name, admin) = app.user("padmin").await;
    let (_, _, plain) = app.user("plain").await;
    let id = unique("hidden");
    let mut body = new_project(&id);
    body["admins"] = json!([admin_name]);
    create(&app, &su, body).await;
    let _ = admin_id;
    app.get(&format!("/projects/{id}"), None)
        .await
        .assert_status(404);
    let r = app.get(&format!("/projects/{id}"), Some(&plain)).await;
    r.assert_status(404);
    assert_eq!(r.error_message(), "Project not found");
    app.get(&format!("/projects/{id}"), Some(&admin))
        .await
        .assert_status(200);
    app.get(&format!("/projects/{id}"), Some(&su))
        .await
        .assert_status(200);
    // include_sites works for a superuser who is not a project admin
    // (docs/compatibility.md#superusers-are-admins-of-every-project)
    let r = app
        .get(&format!("/projects/{id}?include_sites=true"), Some(&su))
        .await;
    r.assert_status(200);
    assert_eq!(r.json()["sites"], json!([]));
    let list = app.get("/projects", Some(&su)).await.json();
    assert!(!ids(&list).contains(&json!(id)));
}

#[tokio::test]
async fn missing_default_localization_is_406_and_hidden_from_list() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    let id = unique("noinfo");
    create(&app, &su, new_project(&id)).await;
    let mut c = app.db().await;
    c.exec_drop(
        "DELETE pi FROM project_information pi JOIN projects p ON p.id = pi.project_id WHERE p.name = ?",
        (&id,),
    )
    .await
    .unwrap();
    let r = app.get(&format!("/projects/{id}"), None).await;
    r.assert_status(406);
    assert_eq!(r.error_message(), "Project missing default localization");
    let list = app.get("/projects", None).await.json();
    assert!(!ids(&list).contains(&json!(id)));
}

#[tokio::test]
async fn b1_started_projects_are_listed_future_ones_are_not() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    let past = unique("past");
    let mut body = new_project(&past);
    body["starts"] = json!("2020-01-01T00:00:00");
    create(&app, &su, body).await;
    let future = unique("future");
    let mut body = new_project(&future);
    body["starts"] = json!("2999-01-01T00:00:00");
    create(&app, &su, body).await;

    let listed = ids(&app.get("/projects", None).await.json());
    assert!(listed.contains(&json!(past)));
    assert!(!listed.contains(&json!(future)));
    let r = app.get(&format!("/projects/{past}"), None).await;
    r.assert_status(200);
    assert_eq!(r.json()["starts"], "2020-01-01T00:00:00");
    app.get(&format!("/projects/{future}"), None)
        .await
        .assert_status(404);
    // its admins (here: the superuser) can still see it
    app.get(&format!("/projects/{future}"), Some(&su))
        .await
        .assert_status(200);
}

#[tokio::test]
async fn b2_date_range_rule_on_create() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    let ok = unique("range");
    let mut body = new_project(&ok);
    body["starts"] = json!("2020-01-01T00:00:00");
    body["ends"] = json!("2030-01-01T12:30:00");
    create(&app, &su, body).await;
    // a project with an end date reads fine, list too
    // (docs/compatibility.md#contact-admin-posting-and-end-date-are-returned)
    let r = app.get(&format!("/projects/{ok}"), None).await;
    r.assert_status(200);
    assert_eq!(r.json()["ends"], "2030-01-01T12:30:00");
    app.get("/projects", None).await.assert_status(200);

    let equal = unique("equal");
    let mut body = new_project(&equal);
    body["starts"] = json!("2020-01-01T00:00:00");
    body["ends"] = json!("2020-01-01T00:00:00");
    create(&app, &su, body).await;

    let bad = unique("bad");
    let mut body = new_project(&bad);
    body["starts"] = json!("2021-01-01T00:00:00");
    body["ends"] = json!("2020-01-01T00:00:00");
    let r = app
        .send(Method::POST, "/projects", Some(&su), Some(body))
        .await;
    r.assert_status(400);
    assert_eq!(r.error_message(), "End before start");
    assert_eq!(
        scalar::<i64>(
            &app,
            "SELECT COUNT(*) FROM projects WHERE name = ?",
            (&bad,)
        )
        .await,
        0
    );

    // a date without a time is refused, a UNIX timestamp accepted
    let mut body = new_project(&unique("dateonly"));
    body["starts"] = json!("2022-01-02");
    let r = app
        .send(Method::POST, "/projects", Some(&su), Some(body))
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["body", "starts"]));
    let ts = unique("unix");
    let mut body = new_project(&ts);
    body["starts"] = json!(1_600_000_000);
    create(&app, &su, body).await;
    assert_eq!(
        app.get(&format!("/projects/{ts}"), None).await.json()["starts"],
        "2020-09-13T12:26:40"
    );
}

#[tokio::test]
async fn b3_b4_contact_and_admin_posting_are_returned() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    let id = unique("contact");
    let mut body = new_project(&id);
    body["contact"] = json!({"contact_email": "Tutkija <Info@Example.ORG>", "has_research_permit": true, "can_contact": "yes"});
    body["admin_posting"] = json!(true);
    create(&app, &su, body).await;
    let p = app.get(&format!("/projects/{id}"), None).await.json();
    assert_eq!(
        p["contact"],
        json!({"contact_email": "Info@example.org", "has_research_permit": true, "can_contact": true})
    );
    assert_eq!(p["admin_posting"], true);
}

#[tokio::test]
async fn b5_id_and_info_are_required() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    let r = app
        .send(
            Method::POST,
            "/projects",
            Some(&su),
            Some(json!({"info": {"lang": "fi", "name": "x"}})),
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["body", "id"]));
    assert_eq!(
        r.json()["error"]["errors"][0]["type"],
        "value_error.missing"
    );
    let r = app
        .send(
            Method::POST,
            "/projects",
            Some(&su),
            Some(json!({"id": unique("noinfo")})),
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["body", "info"]));
}

#[tokio::test]
async fn b6_languages_must_be_supported_and_known() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    // `se` is configured and seeded: the project really exists afterwards
    let se = unique("sami");
    let mut body = new_project(&se);
    body["info"]["lang"] = json!("se");
    create(&app, &su, body).await;
    let r = app.get(&format!("/projects/{se}"), None).await;
    r.assert_status(200);
    assert_eq!(r.json()["info"]["lang"], "se");
    // a valid ISO 639 language that is not configured
    let sv = unique("swedish");
    let mut body = new_project(&sv);
    body["info"]["lang"] = json!("swe");
    let r = app
        .send(Method::POST, "/projects", Some(&su), Some(body))
        .await;
    r.assert_status(406);
    assert_eq!(r.error_message(), "Language not supported");
    // not an ISO 639 code at all
    let mut body = new_project(&unique("nolang"));
    body["info"]["lang"] = json!("xq");
    let r = app
        .send(Method::POST, "/projects", Some(&su), Some(body))
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["body", "info", "lang"]));
    assert_eq!(
        r.json()["error"]["errors"][0]["msg"],
        "No ISO639-1 ID Found"
    );
}

#[tokio::test]
async fn b7_patch_applies_info_and_contact() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    let id = unique("patch");
    create(&app, &su, new_project(&id)).await;
    let path = format!("/projects/{id}");

    app.send(Method::PATCH, &path, Some(&su), Some(json!({})))
        .await
        .assert_status(304);
    let r = app
        .send(
            Method::PATCH,
            &path,
            Some(&su),
            Some(json!({"contact": {"has_research_permit": false, "can_contact": true}})),
        )
        .await;
    r.assert_status(204);
    assert_eq!(r.location_path().unwrap(), path);
    assert_eq!(
        app.get(&path, None).await.json()["contact"],
        json!({"has_research_permit": false, "can_contact": true})
    );
    let info = json!({"lang": "en", "name": "Project", "abstract": "Summary"});
    app.send(Method::PATCH, &path, Some(&su), Some(json!({"info": info})))
        .await
        .assert_status(204);
    assert_eq!(app.get_lang(&path, None, "en").await.json()["info"], info);
    // extra keys (id, admin_posting) are ignored
    app.send(
        Method::PATCH,
        &path,
        Some(&su),
        Some(json!({"id": "other", "admin_posting": true})),
    )
    .await
    .assert_status(304);
    assert_eq!(app.get(&path, None).await.json()["admin_posting"], false);
}

#[tokio::test]
async fn b59_patch_checks_dates_against_stored_values() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    let id = unique("dates");
    let mut body = new_project(&id);
    body["starts"] = json!("2020-06-01T00:00:00");
    create(&app, &su, body).await;
    let path = format!("/projects/{id}");
    let r = app
        .send(
            Method::PATCH,
            &path,
            Some(&su),
            Some(json!({"ends": "2020-01-01T00:00:00"})),
        )
        .await;
    r.assert_status(400);
    assert_eq!(r.error_message(), "End before start");
    app.send(
        Method::PATCH,
        &path,
        Some(&su),
        Some(json!({"ends": "2021-01-01T00:00:00"})),
    )
    .await
    .assert_status(204);
    app.send(
        Method::PATCH,
        &path,
        Some(&su),
        Some(json!({"starts": null, "ends": null})),
    )
    .await
    .assert_status(204);
    let p = app.get(&path, None).await.json();
    assert!(p.get("starts").is_none() && p.get("ends").is_none(), "{p}");
}

#[tokio::test]
async fn b51_create_checks_privilege_before_existence() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    let (_, admin_name, admin) = app.user("admin").await;
    let id = unique("taken");
    let mut body = new_project(&id);
    body["admins"] = json!([admin_name]);
    create(&app, &su, body).await;
    // a project admin (admin scope, not superuser) learns nothing about existing names
    let r = app
        .send(
            Method::POST,
            "/projects",
            Some(&admin),
            Some(new_project(&id)),
        )
        .await;
    r.assert_status(403);
    assert_eq!(r.error_message(), "Not enough privileges");
    let r = app
        .send(
            Method::POST,
            "/projects",
            Some(&su),
            Some(new_project(&id.to_uppercase())),
        )
        .await;
    r.assert_status(409);
    assert_eq!(r.error_message(), "Project exists");
}

#[tokio::test]
async fn b51_unknown_admins_are_404_and_nothing_is_created() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    let (_, known, _) = app.user("known").await;
    let id = unique("admins");
    let ghost = unique("ghost");
    let mut body = new_project(&id);
    body["admins"] = json!([known, ghost]);
    let r = app
        .send(Method::POST, "/projects", Some(&su), Some(body))
        .await;
    r.assert_status(404);
    assert!(r.error_message().contains(&ghost), "{}", r.text);
    assert_eq!(
        scalar::<i64>(&app, "SELECT COUNT(*) FROM projects WHERE name = ?", (&id,)).await,
        0
    );

    let mut body = new_project(&unique("dupes"));
    body["admins"] = json!([known, known]);
    let r = app
        .send(Method::POST, "/projects", Some(&su), Some(body))
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["body", "admins"]));
}

/// A real mid-transaction failure: a trigger makes the admin insert fail after the
/// project and its localisation were inserted. Nothing of the project may remain.
#[tokio::test]
async fn failing_admin_insert_leaves_no_project_behind() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    let (victim_id, victim, _) = app.user("victim").await;
    let mut c = app.db().await;
    let trigger = format!("fail_admin_{victim_id}");
    c.query_drop(format!(
        "CREATE TRIGGER {trigger} BEFORE INSERT ON project_admins FOR EACH ROW
         IF NEW.user_id = {victim_id} THEN
           SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure';
         END IF"
    ))
    .await
    .unwrap();
    let id = unique("rollback");
    let mut body = new_project(&id);
    body["contact"] = json!({"has_research_permit": true, "can_contact": true});
    body["admins"] = json!([victim]);
    let r = app
        .send(Method::POST, "/projects", Some(&su), Some(body))
        .await;
    c.query_drop(format!("DROP TRIGGER {trigger}"))
        .await
        .unwrap();
    r.assert_status(500);
    assert!(!r.text.contains("injected"), "internals leaked: {}", r.text);
    assert_eq!(
        scalar::<i64>(&app, "SELECT COUNT(*) FROM projects WHERE name = ?", (&id,)).await,
        0
    );
    let orphans: i64 = c
        .query_first(
            "SELECT (SELECT COUNT(*) FROM project_information WHERE project_id NOT IN (SELECT id FROM projects))
                  + (SELECT COUNT(*) FROM project_contact WHERE project_id NOT IN (SELECT id FROM projects))",
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(orphans, 0);
}

#[tokio::test]
async fn guards_401_403_and_422_first() {
    let app = auto_publish_app().await;
    let (_, _, plain) = app.user("plain").await;
    let id = unique("guard");
    let r = app
        .send(Method::POST, "/projects", None, Some(new_project(&id)))
        .await;
    r.assert_status(401);
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    let r = app
        .send(
            Method::POST,
            "/projects",
            Some(&plain),
            Some(new_project(&id)),
        )
        .await;
    r.assert_status(403);
    assert_eq!(
        r.json(),
        json!({"error": {"code": 403, "message": "Unauthorized",
                         "details": ["Required (authenticated,admin)", "Got (authenticated)"]}})
    );
    // validation comes before the guard: an anonymous bad body is 422
    let r = app
        .send(Method::POST, "/projects", None, Some(json!({"id": "x"})))
        .await;
    r.assert_status(422);
    for (method, path) in [
        (Method::DELETE, format!("/projects/{id}")),
        (
            Method::POST,
            format!("/projects/{id}/admins?username=someone"),
        ),
        (
            Method::DELETE,
            format!("/projects/{id}/admins?username=someone"),
        ),
    ] {
        app.send(method.clone(), &path, None, None)
            .await
            .assert_status(401);
        app.send(method, &path, Some(&plain), None)
            .await
            .assert_status(403);
    }
}

#[tokio::test]
async fn bad_input_gets_422_envelopes() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    let post = |body: Value| app.send(Method::POST, "/projects", Some(&su), Some(body));

    let mut body = new_project(&unique("long"));
    body["info"]["name"] = json!("n".repeat(201));
    let r = post(body).await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["body", "info", "name"]));

    let mut body = new_project(&unique("long"));
    body["info"]["description"] = json!("d".repeat(100_001));
    assert_eq!(
        post(body).await.error_loc(),
        json!(["body", "info", "description"])
    );

    let r = post(json!({"id": "a b c d", "info": {"lang": "fi", "name": "x"}})).await;
    r.assert_status(422);
    assert_eq!(
        r.json()["error"]["errors"][0]["type"],
        "value_error.str.regex"
    );
    let r = post(json!({"id": "abc", "info": {"lang": "fi", "name": "x"}})).await;
    assert_eq!(r.error_loc(), json!(["body", "id"]));

    let r = post(json!({"id": unique("types"), "info": {"lang": "fi", "name": "x"}, "admin_posting": "maybe"})).await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["body", "admin_posting"]));
    let r = post(json!({"id": unique("types"), "info": "text"})).await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["body", "info"]));
    let r = post(json!([1, 2])).await;
    r.assert_status(422);

    let r = app
        .req(Method::POST, "/projects", Some(&su))
        .header("content-type", "application/json")
        .body("{\"id\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["errors"][0]["type"], "value_error.jsondecode");
    let r = app
        .req(Method::POST, "/projects", Some(&su))
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = app
        .req(Method::POST, "/projects", Some(&su))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);

    // path and query values
    let r = app.get("/projects/ab", None).await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["path", "project"]));
    let r = app
        .get(&format!("/projects/{}", "a".repeat(251)), None)
        .await;
    r.assert_status(422);
    let r = app.get("/projects/abcd?include_sites=perhaps", None).await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["query", "include_sites"]));
    let r = app
        .send(
            Method::POST,
            "/projects/abcd/admins?username=a%2Fb",
            Some(&su),
            None,
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["query", "username"]));
    let r = app
        .send(Method::POST, "/projects/abcd/admins", Some(&su), None)
        .await;
    assert_eq!(r.error_loc(), json!(["query", "username"]));
}

#[tokio::test]
async fn admin_privileges_on_modify_and_delete() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    let (_, admin_name, admin) = app.user("own").await;
    let (_, other_name, other) = app.user("other").await;
    let id = unique("mine");
    let mut body = new_project(&id);
    body["admins"] = json!([admin_name]);
    create(&app, &su, body).await;
    let mut body = new_project(&unique("theirs"));
    body["admins"] = json!([other_name]);
    create(&app, &su, body).await;
    let path = format!("/projects/{id}");
    let patch = json!({"starts": "2020-01-01T00:00:00"});

    let r = app
        .send(Method::PATCH, &path, Some(&other), Some(patch.clone()))
        .await;
    r.assert_status(403);
    assert_eq!(r.error_message(), "Not enough privileges");
    app.send(Method::PATCH, &path, Some(&admin), Some(patch.clone()))
        .await
        .assert_status(204);
    app.send(Method::PATCH, &path, Some(&su), Some(patch.clone()))
        .await
        .assert_status(204);

    app.send(Method::DELETE, &path, Some(&other), None)
        .await
        .assert_status(403);
    let r = app.send(Method::DELETE, &path, Some(&admin), None).await;
    r.assert_status(204);
    assert_eq!(r.location_path().unwrap(), "/projects");
    app.send(Method::DELETE, &path, Some(&admin), None)
        .await
        .assert_status(204);
    // unpublished now: invisible to others (404 instead of 403), still the admin's
    app.get(&path, None).await.assert_status(404);
    app.send(Method::PATCH, &path, Some(&other), Some(patch.clone()))
        .await
        .assert_status(404);
    app.send(Method::DELETE, &path, Some(&other), None)
        .await
        .assert_status(404);
    app.get(&path, Some(&admin)).await.assert_status(200);
    app.send(
        Method::PATCH,
        "/projects/does-not-exist",
        Some(&su),
        Some(patch),
    )
    .await
    .assert_status(404);
}

#[tokio::test]
async fn admins_are_added_and_removed() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    let (_, name, token) = app.user("newadmin").await;
    let id = unique("team");
    create(&app, &su, new_project(&id)).await;
    let admins = format!(
        "/projects/{id}/admins?username={}",
        name.replace('#', "%23")
    );

    // not an admin yet: the admin scope guard refuses
    app.send(
        Method::PATCH,
        &format!("/projects/{id}"),
        Some(&token),
        Some(json!({"ends": null})),
    )
    .await
    .assert_status(403);
    let r = app.send(Method::POST, &admins, Some(&su), None).await;
    r.assert_status(201);
    assert_eq!(r.location_path().unwrap(), format!("/projects/{id}"));
    let r = app.send(Method::POST, &admins, Some(&su), None).await;
    r.assert_status(409);
    assert_eq!(r.error_message(), "User is already an admin");
    assert_eq!(
        app.get(&format!("/projects/{id}"), None).await.json()["admins"],
        json!([name])
    );
    // the new admin's existing session has the power at once
    // (docs/compatibility.md#privileges-are-read-on-every-request)
    app.send(
        Method::PATCH,
        &format!("/projects/{id}"),
        Some(&token),
        Some(json!({"ends": null})),
    )
    .await
    .assert_status(204);

    let r = app
        .send(
            Method::POST,
            &format!("/projects/{id}/admins?username=nobody-here"),
            Some(&su),
            None,
        )
        .await;
    r.assert_status(404);
    assert_eq!(r.error_message(), "User not found");

    app.send(Method::DELETE, &admins, Some(&su), None)
        .await
        .assert_status(204);
    app.send(Method::DELETE, &admins, Some(&su), None)
        .await
        .assert_status(204);
    assert_eq!(
        app.get(&format!("/projects/{id}"), None).await.json()["admins"],
        json!([])
    );
    // and loses it at once
    app.send(
        Method::PATCH,
        &format!("/projects/{id}"),
        Some(&token),
        Some(json!({"ends": null})),
    )
    .await
    .assert_status(403);
}

#[tokio::test]
async fn localize_replaces_one_language() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    let id = unique("loc");
    create(&app, &su, new_project(&id)).await;
    let info = json!({"lang": "en", "name": "a", "abstract": "b", "description": "a"});
    let r = app
        .send(
            Method::PUT,
            &format!("/projects/{id}/localize"),
            Some(&su),
            Some(info.clone()),
        )
        .await;
    r.assert_status(204);
    assert_eq!(r.location_path().unwrap(), format!("/projects/{id}"));
    let en = app
        .get_lang(&format!("/projects/{id}"), None, "en")
        .await
        .json();
    assert_eq!(en["info"], info);
    // per-field fallback to the default language for a language without its own row
    let se = app
        .get_lang(&format!("/projects/{id}"), None, "se")
        .await
        .json();
    assert_eq!(
        se["info"],
        json!({"lang": "fi", "name": "Projekti", "abstract": "Tiivistelmä"})
    );
    // full replace: omitted fields become null
    app.send(
        Method::PUT,
        &format!("/projects/{id}/localize"),
        Some(&su),
        Some(json!({"lang": "en", "name": "c"})),
    )
    .await
    .assert_status(204);
    let en = app
        .get_lang(&format!("/projects/{id}"), None, "en")
        .await
        .json();
    assert_eq!(
        en["info"],
        json!({"lang": "en", "name": "c", "abstract": "Tiivistelmä"})
    );

    let r = app
        .send(
            Method::PUT,
            &format!("/projects/{id}/localize"),
            Some(&su),
            Some(json!({"lang": "de", "name": "x"})),
        )
        .await;
    r.assert_status(406);
    let r = app
        .send(
            Method::PUT,
            &format!("/projects/{id}/localize"),
            Some(&su),
            Some(json!({"lang": "en"})),
        )
        .await;
    r.assert_status(422);
    assert_eq!(r.error_loc(), json!(["body", "name"]));
}

#[tokio::test]
async fn include_sites_and_counts_follow_visibility() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    let (creator_id, _, creator) = app.user("creator").await;
    let (_, _, stranger) = app.user("stranger").await;
    let id = unique("sites");
    create(&app, &su, new_project(&id)).await;
    let public = site_at(&app, &id, true, None, 60.1, 24.9).await;
    let draft = site_at(&app, &id, false, Some(creator_id), 60.1, 24.9).await;
    let site_ids = |v: &Value| ids_of(&v["sites"]);
    let path = format!("/projects/{id}?include_sites=true");
    let anon = app.get(&path, None).await.json();
    assert_eq!(anon["sites_count"], 1);
    assert_eq!(site_ids(&anon), vec![json!(public)]);
    assert_eq!(
        anon["sites"][0],
        json!({"id": public, "info": {"lang": "fi", "name": format!("Paikka {public}")},
               "location": {"lon": 24.9, "lat": 60.1}, "memories_count": 0})
    );
    assert_eq!(
        site_ids(&app.get(&path, Some(&stranger)).await.json()),
        vec![json!(public)]
    );
    let own = app.get(&path, Some(&creator)).await.json();
    assert_eq!(site_ids(&own), vec![json!(public), json!(draft)]);
    assert_eq!(own["sites"][1]["own"], true);
    assert_eq!(own["sites"][1]["waiting_approval"], true);
    assert!(own["sites"][0].get("own").is_none());
    let all = app.get(&path, Some(&su)).await.json();
    assert_eq!(site_ids(&all), vec![json!(public), json!(draft)]);
    assert!(app
        .get(&format!("/projects/{id}"), None)
        .await
        .json()
        .get("sites")
        .is_none());
}

#[tokio::test]
async fn admins_are_listed_in_one_query_sorted() {
    let app = auto_publish_app().await;
    let (_, _, su) = app.superuser().await;
    let (_, a, _) = app.user("bbb").await;
    let (_, b, _) = app.user("aaa").await;
    let id = unique("listed");
    let mut body = new_project(&id);
    body["admins"] = json!([a, b]);
    create(&app, &su, body).await;
    let mut expected = vec![a, b];
    expected.sort();
    let p = app.get(&format!("/projects/{id}"), None).await.json();
    assert_eq!(p["admins"], json!(expected));
}
