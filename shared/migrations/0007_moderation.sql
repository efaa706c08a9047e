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
-- @@
-- The audit trail of moderation (docs/api-conventions.md#moderation-log): one row per
-- publish or unpublish, hide at the report threshold, report dismissal, admin added or
-- removed, project or site deletion, written in the transaction of the action itself.
-- `actor_id` NULL: the service (the report threshold) or a deleted account.
CREATE TABLE IF NOT EXISTS moderation_log (
    id INT NOT NULL AUTO_INCREMENT,
    project_id INT NOT NULL,
    actor_id INT NULL,
    action VARCHAR(32) NOT NULL,
    kind VARCHAR(16) NOT NULL,
    target VARCHAR(255) NOT NULL,
    from_state VARCHAR(64) NULL,
    to_state VARCHAR(64) NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_moderation_log PRIMARY KEY (id),
    INDEX idx_moderation_log_project (project_id, id),
    CONSTRAINT fk_moderation_log_project FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE,
    CONSTRAINT fk_moderation_log_actor FOREIGN KEY (actor_id) REFERENCES users (id) ON DELETE SET NULL
)
