-- Moderation: the reason and time of each abuse report
-- (docs/compatibility.md#reports-keep-the-original-tables).
-- Additive: a report is still one row of the original's `audit_memories` /
-- `audit_comments` (which its procedures and `report_watchdog` read); these tables hang
-- one row off each, and go with it (dismissal, deleted content or reporter). Statements
-- are separated by lines holding only `-- @@`.

CREATE TABLE IF NOT EXISTS audit_memory_reasons (
    memory_id INT NOT NULL,
    user_id INT NOT NULL,
    reason VARCHAR(200) NULL,
    reported_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_audit_memory_reasons PRIMARY KEY (memory_id, user_id),
    CONSTRAINT fk_audit_memory_reasons_report FOREIGN KEY (memory_id, user_id)
        REFERENCES audit_memories (memory_id, user_id) ON DELETE CASCADE
)
-- @@
CREATE TABLE IF NOT EXISTS audit_comment_reasons (
    comment_id INT NOT NULL,
    user_id INT NOT NULL,
    reason VARCHAR(200) NULL,
    reported_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_audit_comment_reasons PRIMARY KEY (comment_id, user_id),
    CONSTRAINT fk_audit_comment_reasons_report FOREIGN KEY (comment_id, user_id)
        REFERENCES audit_comments (comment_id, user_id) ON DELETE CASCADE
)
-- @@
-- The moderation queue (docs/api-conventions.md#moderation-queue): a project's waiting
-- memories are read from this index alone (with the implicit primary key), and waiting
-- comments in id order from the second. The original server ignores both.
CREATE INDEX IF NOT EXISTS idx_memories_queue ON memories (published, deleted, site_id)
-- @@
CREATE INDEX IF NOT EXISTS idx_comments_queue ON comments (published)
