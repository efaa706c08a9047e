-- Benchmark data: 1 project, 100 000 sites spread over Finland, 200 000 memories,
-- 100 000 comments, 1 000 users. Deterministic (positions from MD5 of the row number).
-- Run against an empty, migrated database (tests/bench/load.sh does both).
SET SESSION max_recursive_iterations = 1000000;
SET @fi = (SELECT id FROM languages WHERE lang = 'fi');

INSERT INTO users (username, email, verified)
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 1000)
SELECT CONCAT('bench-user-', n), CONCAT('bench-user-', n, '@example.com'), 1 FROM seq;
SET @u0 = (SELECT MIN(id) FROM users WHERE username LIKE 'bench-user-%');

INSERT INTO projects (name, default_language_id, published, admin_posting)
VALUES ('bench-project', @fi, 1, 0);
SET @p = (SELECT id FROM projects WHERE name = 'bench-project');
INSERT INTO project_information (project_id, lang_id, name, abstract)
VALUES (@p, @fi, 'Kuormitustesti', 'Suorituskykymittauksen data');

INSERT INTO sites (project_id, name, published, creator_id, modifier_id, location)
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 100000)
SELECT @p, CONCAT('bench-site-', n), 1, @u0 + (n MOD 1000), @u0 + (n MOD 1000),
       POINT(20.5 + 11.0 * CONV(SUBSTR(MD5(n), 1, 8), 16, 10) / 4294967295,
             59.8 + 10.2 * CONV(SUBSTR(MD5(n), 9, 8), 16, 10) / 4294967295)
FROM seq;
SET @s0 = (SELECT MIN(id) FROM sites WHERE project_id = @p);

INSERT INTO site_information (site_id, lang_id, name, abstract)
SELECT id, @fi, CONCAT('Paikka ', id), 'Paikan kuvaus' FROM sites WHERE project_id = @p;

INSERT INTO memories (site_id, user_id, title, story, published)
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 200000)
SELECT @s0 + (n MOD 100000), @u0 + (n MOD 997), CONCAT('Muisto ', n),
       'Tarina, joka kertoo mitä tässä paikassa tapahtui.', (n MOD 10) <> 0
FROM seq;
SET @m0 = (SELECT MIN(m.id) FROM memories m JOIN sites s ON s.id = m.site_id WHERE s.project_id = @p);

INSERT INTO comments (memory_id, user_id, comment, published)
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 100000)
SELECT @m0 + (n * 2 MOD 200000), @u0 + (n MOD 991), 'Kommentti', 1 FROM seq;

ANALYZE TABLE sites, site_information, memories, comments;
