-- Each site's number of published memories, kept beside the memories so that site lists,
-- bounding boxes and nearest searches read one row per site instead of counting each
-- site's memories with a subquery per row
-- (docs/compatibility.md#sites-keep-a-count-of-their-published-memories).
-- Additive: the original server ignores the table, and the triggers count the rows it
-- writes too. Statements are separated by lines holding only `-- @@`.

-- A site without a row has no published memory. The row goes with its site (a site's
-- deletion cascades to its memories without firing their triggers).
CREATE TABLE IF NOT EXISTS site_memory_counts (
    site_id INT NOT NULL,
    published INT NOT NULL DEFAULT 0,
    CONSTRAINT pk_site_memory_counts PRIMARY KEY (site_id),
    CONSTRAINT fk_site_memory_counts_site FOREIGN KEY (site_id) REFERENCES sites (id) ON DELETE CASCADE
)
-- @@
-- In the writing statement's transaction, as the project counts
-- (0006_project_site_counts.sql); `published = 1` is the test the subquery used.
CREATE OR REPLACE TRIGGER trg_memories_count_insert AFTER INSERT ON memories FOR EACH ROW
BEGIN
    IF NEW.published = 1 THEN
        INSERT INTO site_memory_counts (site_id, published) VALUES (NEW.site_id, 1)
            ON DUPLICATE KEY UPDATE published = published + 1;
    END IF;
END
-- @@
-- Publishing, unpublishing and moving a memory to another site.
CREATE OR REPLACE TRIGGER trg_memories_count_update AFTER UPDATE ON memories FOR EACH ROW
BEGIN
    IF OLD.published = 1 AND (NEW.published <> 1 OR NEW.site_id <> OLD.site_id) THEN
        UPDATE site_memory_counts SET published = published - 1
            WHERE site_id = OLD.site_id;
    END IF;
    IF NEW.published = 1 AND (OLD.published <> 1 OR NEW.site_id <> OLD.site_id) THEN
        INSERT INTO site_memory_counts (site_id, published) VALUES (NEW.site_id, 1)
            ON DUPLICATE KEY UPDATE published = published + 1;
    END IF;
END
-- @@
CREATE OR REPLACE TRIGGER trg_memories_count_delete AFTER DELETE ON memories FOR EACH ROW
BEGIN
    IF OLD.published = 1 THEN
        UPDATE site_memory_counts SET published = published - 1
            WHERE site_id = OLD.site_id;
    END IF;
END
-- @@
-- Repair: recount from the memories after the triggers exist (a database written before
-- them, or edited by hand), and zero the rows of sites whose memories are all gone.
INSERT INTO site_memory_counts (site_id, published)
    SELECT site_id, COUNT(*) FROM memories WHERE published = 1 GROUP BY site_id
    ON DUPLICATE KEY UPDATE published = VALUES(published)
-- @@
UPDATE site_memory_counts k
    LEFT JOIN (SELECT site_id, COUNT(*) AS n FROM memories WHERE published = 1
               GROUP BY site_id) m ON m.site_id = k.site_id
    SET k.published = COALESCE(m.n, 0)
    WHERE k.published <> COALESCE(m.n, 0)
