//! The migrations are idempotent and safe on a database the original server created.

use std::time::Duration;

use muistot::db::{self, Db};
use muistot_tests::*;
use mysql_async::prelude::Queryable;

/// A fresh, migrated database of its own (named so the test script's clean-up drops it).
async fn fresh() -> (String, Db) {
    let url = new_database_url(None);
    db::create_database(&url, None).await.unwrap();
    let pool = Db::new(&url, None, Duration::from_secs(10)).unwrap();
    (url, pool)
}

/// Drops the database of `url` through `conn`.
async fn drop_database(conn: &mut mysql_async::Conn, url: &str) {
    conn.query_drop(format!("DROP DATABASE IF EXISTS `{}`", database_name(url)))
        .await
        .unwrap();
}

/// Every table's and routine's definition, to compare schemas.
async fn schema(conn: &mut mysql_async::Conn) -> Vec<String> {
    let tables: Vec<String> = conn.query("SHOW TABLES").await.unwrap();
    let mut out = Vec::new();
    for t in tables {
        let (_, create): (String, String) = conn
            .query_first(format!("SHOW CREATE TABLE `{t}`"))
            .await
            .unwrap()
            .unwrap();
        // AUTO_INCREMENT counters move with data; they are not schema.
        let create = create
            .split_whitespace()
            .filter(|w| !w.starts_with("AUTO_INCREMENT="))
            .collect::<Vec<_>>()
            .join(" ");
        out.push(create);
    }
    let routines: Vec<(String, String)> = conn
        .query("SELECT ROUTINE_NAME, ROUTINE_DEFINITION FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() ORDER BY 1")
        .await
        .unwrap();
    out.extend(routines.into_iter().map(|(n, d)| format!("{n}: {d}")));
    let triggers: Vec<(String, String)> = conn
        .query("SELECT TRIGGER_NAME, ACTION_STATEMENT FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE() ORDER BY 1")
        .await
        .unwrap();
    out.extend(triggers.into_iter().map(|(n, d)| format!("{n}: {d}")));
    let events: Vec<String> = conn
        .query("SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE() ORDER BY 1")
        .await
        .unwrap();
    out.extend(events);
    out
}

async fn seed(conn: &mut mysql_async::Conn) {
    conn.query_drop(
        "INSERT INTO users (username, email, verified) VALUES ('migrated-user', 'm@example.com', 1);
         INSERT INTO projects (name, default_language_id, published) VALUES ('kept-project', 1, 1);
         INSERT INTO project_information (project_id, lang_id, name) VALUES (LAST_INSERT_ID(), 1, 'Kept');
         INSERT INTO sites (project_id, name, published, location)
             SELECT id, 'kept-site', 1, POINT(24.9, 60.1) FROM projects WHERE name = 'kept-project';",
    )
    .await
    .unwrap();
}

async fn counts(conn: &mut mysql_async::Conn) -> (i64, i64, i64, i64) {
    conn.query_first(
        "SELECT (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM projects),
                (SELECT COUNT(*) FROM sites), (SELECT COUNT(*) FROM languages)",
    )
    .await
    .unwrap()
    .unwrap()
}

#[tokio::test]
async fn running_twice_changes_nothing_and_loses_nothing() {
    let (url, pool) = fresh().await;
    db::migrate(&pool).await.unwrap();
    let mut conn = mysql_async::Conn::from_url(&url).await.unwrap();
    seed(&mut conn).await;
    let before = (schema(&mut conn).await, counts(&mut conn).await);
    db::migrate(&pool).await.unwrap();
    db::migrate(&pool).await.unwrap();
    let after = (schema(&mut conn).await, counts(&mut conn).await);
    assert_eq!(before, after);
    let languages: Vec<String> = conn
        .query("SELECT lang FROM languages ORDER BY id")
        .await
        .unwrap();
    assert_eq!(languages, ["fi", "en", "se", "sv"]);
    drop_database(&mut conn, &url).await;
}

/// A database as the original `schema.sql` left it: audit FKs without a delete rule
/// and the original verifier clean-up. Migrating keeps the data and repairs both
/// (docs/compatibility.md#audit-tables-no-longer-block-deletes).
#[tokio::test]
async fn upgrades_a_database_of_the_original_server() {
    let (url, pool) = fresh().await;
    db::migrate(&pool).await.unwrap();
    let mut conn = mysql_async::Conn::from_url(&url).await.unwrap();
    conn.query_drop(
        "ALTER TABLE audit_comments DROP FOREIGN KEY fk_audit_comments_comment;
         ALTER TABLE audit_comments ADD CONSTRAINT fk_audit_comments_comment FOREIGN KEY (comment_id) REFERENCES comments (id);
         ALTER TABLE audit_memories DROP FOREIGN KEY fk_audit_memories_user;
         ALTER TABLE audit_memories ADD CONSTRAINT fk_audit_memories_user FOREIGN KEY (user_id) REFERENCES users (id);
         CREATE OR REPLACE PROCEDURE clean_verifiers()
             DELETE FROM user_email_verifiers WHERE user_id IN (SELECT id FROM users WHERE verified);",
    )
    .await
    .unwrap();
    seed(&mut conn).await;
    conn.query_drop(
        "INSERT INTO memories (site_id, user_id, title, published)
             SELECT s.id, u.id, 'm', 1 FROM sites s, users u WHERE s.name = 'kept-site' AND u.username = 'migrated-user';
         INSERT INTO comments (memory_id, user_id, comment, published) SELECT id, user_id, 'c', 1 FROM memories;
         INSERT INTO audit_comments (comment_id, user_id) SELECT c.id, c.user_id FROM comments c;
         INSERT INTO audit_memories (memory_id, user_id) SELECT m.id, m.user_id FROM memories m;",
    )
    .await
    .unwrap();
    let before = counts(&mut conn).await;

    db::migrate(&pool).await.unwrap();
    assert_eq!(counts(&mut conn).await, before);
    let rules: Vec<String> = conn
        .query(
            "SELECT DELETE_RULE FROM information_schema.REFERENTIAL_CONSTRAINTS
             WHERE CONSTRAINT_SCHEMA = DATABASE()
               AND TABLE_NAME IN ('audit_comments', 'audit_memories')",
        )
        .await
        .unwrap();
    assert_eq!(rules.len(), 4);
    assert!(rules.iter().all(|r| r == "CASCADE"), "{rules:?}");
    // reported content can now be deleted (it blocked before)
    conn.query_drop("DELETE FROM comments").await.unwrap();
    let reports: i64 = conn
        .query_first("SELECT COUNT(*) FROM audit_comments")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(reports, 0);
    let body: String = conn
        .query_first("SELECT ROUTINE_DEFINITION FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE() AND ROUTINE_NAME = 'clean_verifiers'")
        .await
        .unwrap()
        .unwrap();
    assert!(body.contains("password_hash IS NOT NULL"), "{body}");
    drop_database(&mut conn, &url).await;
}

/// The nightly clean-up keeps migrated users (no password hash) and anyone with content;
/// it removes stale links and never-used self-registrations
/// (docs/compatibility.md#the-nightly-link-clean-up-keeps-migrated-users).
#[tokio::test]
async fn verifier_cleanup_spares_migrated_users() {
    let (url, pool) = fresh().await;
    db::migrate(&pool).await.unwrap();
    let mut conn = mysql_async::Conn::from_url(&url).await.unwrap();
    conn.query_drop(
        "INSERT INTO users (username, email, password_hash, verified) VALUES
            ('legacy-user', 'l@example.com', NULL, 0),
            ('abandoned', 'a@example.com', '$2b$04$abcdefghijklmnopqrstuuFq6b3wLN1q1yBz5rFRV9ZQ9nEzDh4Mu', 0),
            ('fresh-user', 'f@example.com', '$2b$04$abcdefghijklmnopqrstuuFq6b3wLN1q1yBz5rFRV9ZQ9nEzDh4Mu', 0);
         INSERT INTO user_email_verifiers (user_id, verifier, created_at)
            SELECT id, CONCAT('v', id), IF(username = 'fresh-user', NOW(), NOW() - INTERVAL 2 DAY) FROM users;
         CALL clean_verifiers();",
    )
    .await
    .unwrap();
    let users: Vec<String> = conn
        .query("SELECT username FROM users ORDER BY username")
        .await
        .unwrap();
    assert_eq!(users, ["fresh-user", "legacy-user"]);
    let verifiers: i64 = conn
        .query_first("SELECT COUNT(*) FROM user_email_verifiers")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(verifiers, 1, "only the fresh link stays");
    drop_database(&mut conn, &url).await;
}

/// A sites table as the original server left it (no tile key, no triggers): migrating
/// keys every row without touching its `modified_at`, and rows the original writes
/// afterwards are keyed by the triggers
/// (docs/compatibility.md#sites-carry-a-tile-key).
#[tokio::test]
async fn site_tiles_are_backfilled_on_a_database_of_the_original_server() {
    let (url, pool) = fresh().await;
    db::migrate(&pool).await.unwrap();
    let mut conn = mysql_async::Conn::from_url(&url).await.unwrap();
    // The index InnoDB made for the project FK is back, as the original had it (the
    // `(project_id, tile)` index serves that FK now).
    conn.query_drop(
        "DROP TRIGGER trg_sites_cells_insert;
         DROP TRIGGER trg_sites_cells_update;
         DROP TRIGGER trg_sites_cells_delete;
         DROP PROCEDURE site_cell_refresh;
         DROP TABLE site_cells;
         DROP TRIGGER trg_sites_tile_insert;
         DROP TRIGGER trg_sites_tile_update;
         DROP FUNCTION site_tile;
         ALTER TABLE sites ADD INDEX fk_sites_project (project_id), DROP INDEX idx_sites_tile,
             DROP COLUMN tile, DROP COLUMN location_lon, DROP COLUMN location_lat;",
    )
    .await
    .unwrap();
    seed(&mut conn).await;
    conn.query_drop(
        "UPDATE sites SET modified_at = '2022-03-04 05:06:07' WHERE name = 'kept-site'",
    )
    .await
    .unwrap();
    let before = counts(&mut conn).await;

    db::migrate(&pool).await.unwrap();
    assert_eq!(counts(&mut conn).await, before);
    let (tile, lon, lat, modified): (Option<u64>, Option<f64>, Option<f64>, String) = conn
        .query_first(
            "SELECT tile, location_lon, location_lat, CAST(modified_at AS CHAR)
             FROM sites WHERE name = 'kept-site'",
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tile, Some(muistot::geo::tile_key(24.9, 60.1)));
    assert_eq!((lon, lat), (Some(24.9), Some(60.1)));
    assert_eq!(modified, "2022-03-04 05:06:07");
    // The clusters' per-cell sums were built from the existing rows.
    let (cells, counted): (i64, i64) = conn
        .query_first("SELECT COUNT(*), COALESCE(SUM(n), 0) FROM site_cells")
        .await
        .unwrap()
        .unwrap();
    let sites: i64 = conn
        .query_first("SELECT COUNT(*) FROM sites")
        .await
        .unwrap()
        .unwrap();
    assert!(cells > 0);
    assert_eq!(counted, sites);
    // The original server's insert, as it writes it.
    conn.query_drop(
        "INSERT INTO sites (project_id, name, published, location)
             SELECT id, 'new-site', 1, ST_GeomFromText('POINT(-70.5 -33.4)') FROM projects WHERE name = 'kept-project'",
    )
    .await
    .unwrap();
    let tile: Option<u64> = conn
        .query_first("SELECT tile FROM sites WHERE name = 'new-site'")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(tile, Some(muistot::geo::tile_key(-70.5, -33.4)));
    drop_database(&mut conn, &url).await;
}

/// The published-site counts of (name, stored, `COUNT(*)`) per project, by name.
async fn site_counts(conn: &mut mysql_async::Conn) -> Vec<(String, Option<i64>, i64)> {
    conn.query(
        "SELECT p.name, c.published,
                (SELECT COUNT(*) FROM sites s WHERE s.project_id = p.id AND s.published = 1)
         FROM projects p LEFT JOIN project_site_counts c ON c.project_id = p.id
         ORDER BY p.name",
    )
    .await
    .unwrap()
}

/// A database as the original server left it (no count table, no count triggers), and
/// one whose counts went wrong: migrating counts every project from its sites, and what
/// the original writes afterwards is counted by the triggers
/// (docs/compatibility.md#projects-keep-a-count-of-their-published-sites).
#[tokio::test]
async fn site_counts_are_repaired_on_a_database_of_the_original_server() {
    let (url, pool) = fresh().await;
    db::migrate(&pool).await.unwrap();
    let mut conn = mysql_async::Conn::from_url(&url).await.unwrap();
    conn.query_drop(
        "DROP TRIGGER trg_sites_count_insert;
         DROP TRIGGER trg_sites_count_update;
         DROP TRIGGER trg_sites_count_delete;
         DROP TABLE project_site_counts;",
    )
    .await
    .unwrap();
    seed(&mut conn).await;
    conn.query_drop(
        "INSERT INTO projects (name, default_language_id, published) VALUES ('empty-project', 1, 1);
         INSERT INTO sites (project_id, name, published, location)
             SELECT id, 'hidden-site', 0, POINT(24.9, 60.2) FROM projects WHERE name = 'kept-project';
         INSERT INTO sites (project_id, name, published, location)
             SELECT id, 'second-site', 1, POINT(24.9, 60.3) FROM projects WHERE name = 'kept-project';",
    )
    .await
    .unwrap();
    let before = counts(&mut conn).await;

    db::migrate(&pool).await.unwrap();
    assert_eq!(counts(&mut conn).await, before);
    assert_eq!(
        site_counts(&mut conn).await,
        [
            ("empty-project".to_string(), Some(0), 0),
            ("kept-project".to_string(), Some(2), 2)
        ]
    );
    // The original server's writes, as it makes them, are counted.
    conn.query_drop(
        "UPDATE sites SET published = 0 WHERE name = 'kept-site';
         INSERT INTO sites (project_id, name, published, location)
             SELECT id, 'new-site', 1, POINT(25.0, 60.0) FROM projects WHERE name = 'empty-project';",
    )
    .await
    .unwrap();
    assert_eq!(
        site_counts(&mut conn).await,
        [
            ("empty-project".to_string(), Some(1), 1),
            ("kept-project".to_string(), Some(1), 1)
        ]
    );
    // Counts written wrong by hand (or before the triggers) are recounted on the next run.
    conn.query_drop("UPDATE project_site_counts SET published = published + 7")
        .await
        .unwrap();
    db::migrate(&pool).await.unwrap();
    assert_eq!(
        site_counts(&mut conn).await,
        [
            ("empty-project".to_string(), Some(1), 1),
            ("kept-project".to_string(), Some(1), 1)
        ]
    );
    drop_database(&mut conn, &url).await;
}
