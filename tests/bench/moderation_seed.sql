-- Moderation-queue benchmark data (tests/bench/moderation.sh): `mod-project` with 200
-- sites, 10 000 memories waiting for approval, 10 000 published ones, 2 000 of those
-- reported (1–5 reporters with reasons) and 10 000 waiting comments; `mod-other` with
-- 50 000 waiting memories the queue must skip; 1 000 users and the admin `mod-admin`.
-- Run against an empty, migrated database. Deterministic.
SET SESSION max_recursive_iterations = 1000000;
SET @fi = (SELECT id FROM languages WHERE lang = 'fi');

INSERT INTO users (username, email, verified)
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 1000)
SELECT CONCAT('mod-user-', n), CONCAT('mod-user-', n, '@example.com'), 1 FROM seq;
SET @u0 = (SELECT MIN(id) FROM users WHERE username LIKE 'mod-user-%');
INSERT INTO users (username, email, verified) VALUES ('mod-admin', 'mod-admin@example.com', 1);

INSERT INTO projects (name, default_language_id, published, admin_posting)
VALUES ('mod-project', @fi, 1, 0), ('mod-other', @fi, 1, 0);
SET @p = (SELECT id FROM projects WHERE name = 'mod-project');
SET @q = (SELECT id FROM projects WHERE name = 'mod-other');
INSERT INTO project_information (project_id, lang_id, name)
VALUES (@p, @fi, 'Moderointi'), (@q, @fi, 'Muu');
INSERT INTO project_admins (project_id, user_id)
SELECT @p, id FROM users WHERE username = 'mod-admin';

INSERT INTO sites (project_id, name, published, creator_id, location)
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 400)
SELECT IF(n <= 200, @p, @q), CONCAT('mod-site-', n), 1, @u0 + (n MOD 1000),
       POINT(24 + n / 1000, 60 + n / 1000)
FROM seq;
SET @s0 = (SELECT MIN(id) FROM sites WHERE name LIKE 'mod-site-%');

-- Interleaved: the other project's waiting memories lie between this one's in id order.
INSERT INTO memories (site_id, user_id, title, story, published)
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 70000)
SELECT IF(n MOD 7 < 2, @s0 + (n MOD 200), @s0 + 200 + (n MOD 200)),
       @u0 + (n MOD 1000), CONCAT('Muisto ', n), 'Tarina, joka odottaa hyväksyntää.',
       IF(n MOD 7 = 0, 1, 0)
FROM seq;

INSERT INTO audit_memories (memory_id, user_id)
WITH RECURSIVE r(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM r WHERE k < 4)
SELECT m.id, @u0 + ((m.id + r.k * 37) MOD 1000)
FROM (SELECT m.id FROM memories m JOIN sites s ON s.id = m.site_id
      WHERE s.project_id = @p AND m.published = 1 ORDER BY m.id LIMIT 2000) m
JOIN r ON r.k <= m.id MOD 5;
INSERT INTO audit_memory_reasons (memory_id, user_id, reason)
SELECT a.memory_id, a.user_id, IF(a.user_id MOD 2 = 0, 'Asiatonta sisältöä', NULL)
FROM audit_memories a JOIN memories m ON m.id = a.memory_id
JOIN sites s ON s.id = m.site_id WHERE s.project_id = @p;

INSERT INTO comments (memory_id, user_id, comment, published)
SELECT m.id, @u0 + (m.id MOD 1000), 'Kommentti odottaa', 0
FROM memories m JOIN sites s ON s.id = m.site_id
WHERE s.project_id = @p AND m.published = 1;
