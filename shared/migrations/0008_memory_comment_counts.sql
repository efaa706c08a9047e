-- Each memory's number of published comments, kept beside the comments so that a memory
-- list reads one row per memory instead of counting each memory's comments with a
-- subquery per row (docs/compatibility.md#memories-keep-a-count-of-their-published-comments).
-- Additive: the original server ignores the table, and the triggers count the rows it
-- writes too. Statements are separated by lines holding only `-- @@`.

-- A memory without a row has no published comment. The row goes with its memory (a
-- memory's deletion cascades to its comments without firing their triggers).
CREATE TABLE IF NOT EXISTS memory_comment_counts (
    memory_id INT NOT NULL,
    published INT NOT NULL DEFAULT 0,
    CONSTRAINT pk_memory_comment_counts PRIMARY KEY (memory_id),
    CONSTRAINT fk_memory_comment_counts_memory FOREIGN KEY (memory_id) REFERENCES memories (id) ON DELETE CASCADE
)
-- @@
-- In the writing statement's transaction, as the project counts
-- (0006_project_site_counts.sql); `published = 1` is the test the subquery used.
CREATE OR REPLACE TRIGGER trg_comments_count_insert AFTER INSERT ON comments FOR EACH ROW
BEGIN
    IF NEW.published = 1 THEN
        INSERT INTO memory_comment_counts (memory_id, published) VALUES (NEW.memory_id, 1)
            ON DUPLICATE KEY UPDATE published = published + 1;
    END IF;
END
-- @@
-- Publishing, unpublishing and moving a comment to another memory.
CREATE OR REPLACE TRIGGER trg_comments_count_update AFTER UPDATE ON comments FOR EACH ROW
BEGIN
    IF OLD.published = 1 AND (NEW.published <> 1 OR NEW.memory_id <> OLD.memory_id) THEN
        UPDATE memory_comment_counts SET published = published - 1
            WHERE memory_id = OLD.memory_id;
    END IF;
    IF NEW.published = 1 AND (OLD.published <> 1 OR NEW.memory_id <> OLD.memory_id) THEN
        INSERT INTO memory_comment_counts (memory_id, published) VALUES (NEW.memory_id, 1)
            ON DUPLICATE KEY UPDATE published = published + 1;
    END IF;
END
-- @@
CREATE OR REPLACE TRIGGER trg_comments_count_delete AFTER DELETE ON comments FOR EACH ROW
BEGIN
    IF OLD.published = 1 THEN
        UPDATE memory_comment_counts SET published = published - 1
            WHERE memory_id = OLD.memory_id;
    END IF;
END
-- @@
-- Repair: recount from the comments after the triggers exist (a database written before
-- them, or edited by hand), and drop the rows of memories whose comments are all gone.
INSERT INTO memory_comment_counts (memory_id, published)
    SELECT memory_id, COUNT(*) FROM comments WHERE published = 1 GROUP BY memory_id
    ON DUPLICATE KEY UPDATE published = VALUES(published)
-- @@
UPDATE memory_comment_counts k
    LEFT JOIN (SELECT memory_id, COUNT(*) AS n FROM comments WHERE published = 1
               GROUP BY memory_id) c ON c.memory_id = k.memory_id
    SET k.published = COALESCE(c.n, 0)
    WHERE k.published <> COALESCE(c.n, 0)
