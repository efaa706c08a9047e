-- Demo content for local runs (MUISTOT_DEMO_DATA=true). Idempotent.
-- Statements are separated by lines holding only `-- @@`.
INSERT IGNORE INTO projects (name, default_language_id, published, admin_posting)
    SELECT 'demo-project', id, 1, 0 FROM languages WHERE lang = 'fi'
-- @@
INSERT IGNORE INTO project_information (project_id, lang_id, name, abstract, description)
    SELECT p.id, l.id, 'Muistojen kartta', 'Esimerkkiprojekti', 'Paikallista kehitystä varten.'
    FROM projects p JOIN languages l ON l.lang = 'fi' WHERE p.name = 'demo-project'
-- @@
INSERT IGNORE INTO project_information (project_id, lang_id, name, abstract, description)
    SELECT p.id, l.id, 'Map of memories', 'A demo project', 'For local development.'
    FROM projects p JOIN languages l ON l.lang = 'en' WHERE p.name = 'demo-project'
-- @@
INSERT IGNORE INTO sites (project_id, name, published, location)
    SELECT p.id, s.name, 1, POINT(s.lon, s.lat)
    FROM projects p
    JOIN (SELECT 'demo-senate-square' AS name, 24.9525 AS lon, 60.1694 AS lat
          UNION ALL SELECT 'demo-market-hall', 22.2666, 60.4518
          UNION ALL SELECT 'demo-tuomiokirkko', 23.7610, 61.4978) s
    WHERE p.name = 'demo-project'
-- @@
INSERT IGNORE INTO site_information (site_id, lang_id, name, abstract)
    SELECT s.id, l.id, CONCAT('Paikka ', s.name), 'Esimerkkipaikka'
    FROM sites s JOIN languages l ON l.lang = 'fi' WHERE s.name LIKE 'demo-%'
