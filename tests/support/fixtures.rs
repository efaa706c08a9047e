//! Content set up directly in the database (fast, and independent of the endpoints that
//! the tests exercise), and the images tests upload.

use base64::{engine::general_purpose::STANDARD, Engine};
use mysql_async::prelude::*;

use super::{app::TestApp, names::unique};

/// A tiny valid PNG (1×1 pixel).
pub const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0xF8, 0xCF, 0xC0, 0xF0,
    0x1F, 0x00, 0x05, 0x00, 0x01, 0xFF, 0x89, 0x99, 0x3D, 0x1D, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// The start of a JPEG (the server checks magic bytes, not the whole file).
pub const JPEG: &[u8] = &[
    0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0, 1,
];

pub fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// Options of a fixture project.
#[derive(Clone, Copy, Default)]
pub struct ProjectOpts {
    pub unpublished: bool,
    pub admin_posting: bool,
}

/// A project with a Finnish default localisation; `admins` get `project_admins` rows.
pub async fn project(app: &TestApp, opts: ProjectOpts, admins: &[i32]) -> String {
    let name = unique("proj");
    let mut c = app.db().await;
    let id: i32 = c
        .exec_first(
            "INSERT INTO projects (name, default_language_id, published, admin_posting)
             SELECT ?, id, ?, ? FROM languages WHERE lang = 'fi' RETURNING id",
            (&name, !opts.unpublished, opts.admin_posting),
        )
        .await
        .unwrap()
        .unwrap();
    c.exec_drop(
        "INSERT INTO project_information (project_id, lang_id, name)
         SELECT ?, id, ? FROM languages WHERE lang = 'fi'",
        (id, format!("Projekti {name}")),
    )
    .await
    .unwrap();
    for a in admins {
        c.exec_drop(
            "INSERT INTO project_admins (project_id, user_id) VALUES (?, ?)",
            (id, a),
        )
        .await
        .unwrap();
    }
    name
}

pub async fn published_project(app: &TestApp, admins: &[i32]) -> String {
    project(app, ProjectOpts::default(), admins).await
}

pub async fn unpublished_project(app: &TestApp, admins: &[i32]) -> String {
    let opts = ProjectOpts {
        unpublished: true,
        ..Default::default()
    };
    project(app, opts, admins).await
}

/// A site at (lat, lon) with a Finnish name row.
pub async fn site_at(
    app: &TestApp,
    project: &str,
    published: bool,
    creator: Option<i32>,
    lat: f64,
    lon: f64,
) -> String {
    let name = unique("site");
    let mut c = app.db().await;
    let id: i32 = c
        .exec_first(
            "INSERT INTO sites (project_id, name, published, creator_id, modifier_id, location)
             SELECT id, ?, ?, ?, ?, POINT(?, ?) FROM projects WHERE name = ? RETURNING id",
            (&name, published, creator, creator, lon, lat, project),
        )
        .await
        .unwrap()
        .unwrap();
    c.exec_drop(
        "INSERT INTO site_information (site_id, lang_id, name)
         SELECT ?, id, ? FROM languages WHERE lang = 'fi'",
        (id, format!("Paikka {name}")),
    )
    .await
    .unwrap();
    name
}

pub async fn site(app: &TestApp, project: &str, published: bool, creator: Option<i32>) -> String {
    site_at(app, project, published, creator, 60.17, 24.94).await
}

pub async fn memory(app: &TestApp, site: &str, user: Option<i32>, published: bool) -> i64 {
    let mut c = app.db().await;
    c.exec_first(
        "INSERT INTO memories (site_id, user_id, title, story, published)
         SELECT id, ?, 'Muisto', 'Tarina', ? FROM sites WHERE name = ? RETURNING id",
        (user, published, site),
    )
    .await
    .unwrap()
    .unwrap()
}

pub async fn comment(app: &TestApp, memory: i64, user: i32, published: bool) -> i64 {
    let mut c = app.db().await;
    c.exec_first(
        "INSERT INTO comments (memory_id, user_id, comment, published)
         VALUES (?, ?, 'Kommentti', ?) RETURNING id",
        (memory, user, published),
    )
    .await
    .unwrap()
    .unwrap()
}

/// Files in the test server's image folder (ignoring temporary and mail files).
pub fn image_files(app: &TestApp) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(app.images_dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with('.'))
        .collect();
    names.sort();
    names
}
