-- The data the events in this folder refer to (users, a project with sites, a memory and a
-- comment; ids 4242001…). Re-runnable: it first removes everything named events-*, including
-- what the events themselves created, then inserts the fixture again. The packaging tests run
-- it before every event; for a local invoke:  mysql -h127.0.0.1 -uroot muistot < events/fixture.sql
--
-- Users: events-admin (superuser), events-curator (admin of events-project), events-user
-- (password "events-password"; creator of events-site, author of memory and comment
-- 4242001), events-other, events-unverified (with a pending e-mail verifier whose token is
-- in the login events; stored as its SHA-256, see
-- docs/compatibility.md#link-tokens-are-stored-hashed).
DELETE FROM projects WHERE name LIKE 'events-%';
DELETE FROM users WHERE username LIKE 'events-%' OR email LIKE 'events-%@example.com';

INSERT INTO users (id, username, email, password_hash, verified) VALUES
    (4242001, 'events-admin', 'events-admin@example.com', NULL, 1),
    (4242002, 'events-curator', 'events-curator@example.com', NULL, 1),
    (4242003, 'events-user', 'events-user@example.com', '$2b$04$m7EZlTzef4LA1RgM2dwuaexIbYRuMo0xmvFY4JnkUQsNJMm1xZQsW', 1),
    (4242004, 'events-other', 'events-other@example.com', NULL, 1),
    (4242005, 'events-unverified', 'events-unverified@example.com', NULL, 0);
INSERT INTO superusers (user_id) VALUES (4242001);
INSERT INTO user_email_verifiers (user_id, verifier) VALUES
    (4242005, SHA2('InvJqOW-R4e-xTtb4s4NV9FBDuOcL-RIMkeJVj78oLSI-Flw_JreAhOk6BXtS_Aj-u64mW6QAga7YMSUkDj8J_Ol79KZU3tHo92xKJdZDlCAKL24vn7vyyLjBtM3wpLlroFIZ9IoQ0SZtyZVrwu8JrTYKASubuJULWmoo9Z-3HZPIuwIHHa0x29gAQCxQimxiMQJujUX', 256));

INSERT INTO projects (id, name, default_language_id, published, admin_posting)
    SELECT 4242001, 'events-project', id, 1, 0 FROM languages WHERE lang = 'fi';
INSERT INTO project_information (project_id, lang_id, name, abstract, description)
    SELECT 4242001, id, 'Torin muistot', 'Esimerkkiprojekti', 'Lambda-tapahtumien aineisto.'
    FROM languages WHERE lang = 'fi';
INSERT INTO project_contact (project_id, can_contact, has_research_permit, contact_email)
    VALUES (4242001, 1, 0, 'events-project@example.com');
INSERT INTO project_admins (project_id, user_id) VALUES (4242001, 4242002);

INSERT INTO sites (id, project_id, name, published, creator_id, modifier_id, location) VALUES
    (4242001, 4242001, 'events-site', 1, 4242003, 4242003, POINT(24.9525, 60.1694)),
    (4242002, 4242001, 'events-draft-site', 0, 4242003, 4242003, POINT(24.9410, 60.1719));
INSERT INTO site_information (site_id, lang_id, name, abstract)
    SELECT s.id, l.id, s.name_fi, 'Esimerkkipaikka'
    FROM (SELECT 4242001 AS id, 'Senaatintori' AS name_fi
          UNION ALL SELECT 4242002, 'Esplanadi') s
    JOIN languages l ON l.lang = 'fi';

INSERT INTO memories (id, site_id, user_id, title, story, published) VALUES
    (4242001, 4242001, 4242003, 'Kesä 1952', 'Olympialaisten aikaan tori oli täynnä väkeä.', 1);
INSERT INTO comments (id, memory_id, user_id, comment, published) VALUES
    (4242001, 4242001, 4242003, 'Isäni oli siellä myös.', 1);
