-- Benchmark data, second part: `bench-hot-site`, a site with 500 published memories
-- (the hot lists of the load benchmark). Run after seed.sql; tests/bench/load.sh runs it
-- when the site is missing.
SET SESSION max_recursive_iterations = 1000000;
SET @fi = (SELECT id FROM languages WHERE lang = 'fi');
SET @p = (SELECT id FROM projects WHERE name = 'bench-project');
SET @u0 = (SELECT MIN(id) FROM users WHERE username LIKE 'bench-user-%');

INSERT INTO sites (project_id, name, published, creator_id, modifier_id, location)
VALUES (@p, 'bench-hot-site', 1, @u0, @u0, POINT(24.9384, 60.1699));
SET @hot = (SELECT id FROM sites WHERE name = 'bench-hot-site');
INSERT INTO site_information (site_id, lang_id, name, abstract)
VALUES (@hot, @fi, 'Senaatintori', 'Paljon muistoja');

INSERT INTO memories (site_id, user_id, title, story, published)
WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 500)
SELECT @hot, @u0 + (n MOD 997), CONCAT('Muisto ', n),
       'Tarina, joka kertoo mitä tässä paikassa tapahtui, ja vähän enemmänkin.', 1
FROM seq;

ANALYZE TABLE sites, memories;
