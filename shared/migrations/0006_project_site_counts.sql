-- Each project's number of published sites, kept beside the sites so that the project
-- list reads one row per project instead of counting every site
-- (docs/compatibility.md#projects-keep-a-count-of-their-published-sites).
-- Additive: the original server ignores the table, and the triggers count the rows it
-- writes too. Statements are separated by lines holding only `-- @@`.

-- A project without a row has no published site. The row goes with its project (the
-- sites' own delete cascade fires no trigger, so nothing else could remove it).
CREATE TABLE IF NOT EXISTS project_site_counts (
    project_id INT NOT NULL,
    published INT NOT NULL DEFAULT 0,
    CONSTRAINT pk_project_site_counts PRIMARY KEY (project_id),
    CONSTRAINT fk_project_site_counts_project FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE
)
-- @@
-- The triggers run inside the writing statement's transaction: a count is never ahead of
-- or behind the sites that a reader of the same snapshot sees. `published = 1` is the
-- same test the count used when it was a subquery.
CREATE OR REPLACE TRIGGER trg_sites_count_insert AFTER INSERT ON sites FOR EACH ROW
BEGIN
    IF NEW.published = 1 THEN
        INSERT INTO project_site_counts (project_id, published) VALUES (NEW.project_id, 1)
            ON DUPLICATE KEY UPDATE published = published + 1;
    END IF;
END
-- @@
-- Publishing, unpublishing and moving a site to another project.
CREATE OR REPLACE TRIGGER trg_sites_count_update AFTER UPDATE ON sites FOR EACH ROW
BEGIN
    IF OLD.published = 1 AND (NEW.published <> 1 OR NEW.project_id <> OLD.project_id) THEN
        UPDATE project_site_counts SET published = published - 1
            WHERE project_id = OLD.project_id;
    END IF;
    IF NEW.published = 1 AND (OLD.published <> 1 OR NEW.project_id <> OLD.project_id) THEN
        INSERT INTO project_site_counts (project_id, published) VALUES (NEW.project_id, 1)
            ON DUPLICATE KEY UPDATE published = published + 1;
    END IF;
END
-- @@
CREATE OR REPLACE TRIGGER trg_sites_count_delete AFTER DELETE ON sites FOR EACH ROW
BEGIN
    IF OLD.published = 1 THEN
        UPDATE project_site_counts SET published = published - 1
            WHERE project_id = OLD.project_id;
    END IF;
END
-- @@
-- Repair: recount every project from its sites, after the triggers exist, so that a count
-- written before them (or by hand) is right again. INSERT … SELECT locks the sites it
-- reads, so a site written meanwhile waits and is then counted by its trigger.
INSERT INTO project_site_counts (project_id, published)
    SELECT p.id, (SELECT COUNT(*) FROM sites s WHERE s.project_id = p.id AND s.published = 1)
    FROM projects p
    ON DUPLICATE KEY UPDATE published = VALUES(published)
