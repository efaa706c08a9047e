-- Account export and deletion (docs/api-conventions.md#account-export-and-deletion).
-- Additive for the original server: it ignores both tables, and its verifiers in
-- `user_email_verifiers` keep working because deletion links live in a table of their
-- own (a login link and a deletion link of one user never replace each other).
-- Statements are separated by lines holding only `-- @@`.

-- The link that confirms `DELETE /me/account`: one per user, the SHA-256 hex of the
-- token as for login links, the same 10-minute validity and single use.
CREATE TABLE IF NOT EXISTS account_deletion_verifiers (
    user_id INT NOT NULL,
    verifier VARCHAR(255) NOT NULL,
    created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT pk_account_deletion_verifiers PRIMARY KEY (user_id),
    CONSTRAINT fk_adv_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
)
-- @@
-- Per-user counters of rate-limited actions (the export): one row per user and action,
-- counting within a window that restarts when it has passed.
CREATE TABLE IF NOT EXISTS user_action_counts (
    user_id INT NOT NULL,
    action VARCHAR(32) CHARACTER SET ascii NOT NULL,
    window_start DATETIME NOT NULL,
    actions INT NOT NULL,
    CONSTRAINT pk_user_action_counts PRIMARY KEY (user_id, action),
    CONSTRAINT fk_uac_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
)
-- @@
-- A deleted account may leave its published comments behind without an author, as
-- memories already can: the column becomes nullable (readers show `-`,
-- docs/compatibility.md#deleted-memories-and-authors-read-as-placeholders). The foreign
-- key keeps its cascade. Altered only while still NOT NULL, so a deploy does not rebuild
-- the table every time.
BEGIN NOT ATOMIC
    IF EXISTS (SELECT 1 FROM information_schema.COLUMNS
               WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'comments'
                 AND COLUMN_NAME = 'user_id' AND IS_NULLABLE = 'NO') THEN
        ALTER TABLE comments MODIFY user_id INT NULL;
    END IF;
END
