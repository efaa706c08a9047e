-- Trigger, procedures and scheduled events. `CREATE OR REPLACE` keeps this re-runnable
-- and replaces the original's versions with the corrected ones
-- (docs/compatibility.md#audit-tables-no-longer-block-deletes,
-- docs/compatibility.md#the-nightly-link-clean-up-keeps-migrated-users).
-- Statements are separated by lines holding only `-- @@`.

-- The users -> images FK is added once images exists (circular reference).
-- Named constraint: MariaDB's IF NOT EXISTS makes this a no-op when present.
ALTER TABLE users ADD CONSTRAINT fk_users_image FOREIGN KEY IF NOT EXISTS fk_users_image (image_id) REFERENCES images (id) ON DELETE SET NULL
-- @@
-- A pending login link dies when the account becomes verified or its e-mail or password
-- changes, not on every update of a verified user.
CREATE OR REPLACE TRIGGER trg_verifier_update AFTER UPDATE ON users FOR EACH ROW
BEGIN
    IF NEW.verified AND (NOT COALESCE(OLD.verified, 0)
        OR NOT (NEW.email <=> OLD.email)
        OR NOT (NEW.password_hash <=> OLD.password_hash)) THEN
        DELETE FROM user_email_verifiers WHERE user_id = NEW.id;
    END IF;
END
-- @@
-- Removes verifiers past their validity (10 minutes, kept a day for the resend window
-- logs), and accounts that self-registered, never verified, never logged in and own
-- nothing. Migrated users (NULL password hash) are never deleted
-- (docs/compatibility.md#the-nightly-link-clean-up-keeps-migrated-users).
CREATE OR REPLACE PROCEDURE clean_verifiers()
BEGIN
    DELETE u FROM users u
        JOIN user_email_verifiers v ON v.user_id = u.id
        WHERE NOT COALESCE(u.verified, 0)
          AND u.password_hash IS NOT NULL
          AND v.created_at < NOW() - INTERVAL 1 DAY
          AND NOT EXISTS (SELECT 1 FROM memories m WHERE m.user_id = u.id)
          AND NOT EXISTS (SELECT 1 FROM comments c WHERE c.user_id = u.id)
          AND NOT EXISTS (SELECT 1 FROM project_admins pa WHERE pa.user_id = u.id)
          AND NOT EXISTS (SELECT 1 FROM superusers s WHERE s.user_id = u.id);
    DELETE FROM user_email_verifiers WHERE created_at < NOW() - INTERVAL 1 DAY;
END
-- @@
CREATE OR REPLACE EVENT delete_verifiers
    ON SCHEDULE EVERY 1 DAY STARTS '2021-01-01 02:00:00'
    DO CALL clean_verifiers()
-- @@
-- The original hard-coded the schema name `muistot`; use the current database.
CREATE OR REPLACE PROCEDURE analyze_all_tables()
BEGIN
    DECLARE done INT DEFAULT 0;
    DECLARE tname VARCHAR(255);
    DECLARE cur CURSOR FOR
        SELECT table_name FROM information_schema.tables
        WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE';
    DECLARE CONTINUE HANDLER FOR NOT FOUND SET done = 1;
    OPEN cur;
    read_loop: LOOP
        FETCH cur INTO tname;
        IF done THEN LEAVE read_loop; END IF;
        SET @stmt = CONCAT('ANALYZE TABLE `', REPLACE(tname, '`', '``'), '`');
        PREPARE s FROM @stmt;
        EXECUTE s;
        DEALLOCATE PREPARE s;
    END LOOP;
    CLOSE cur;
END
-- @@
CREATE OR REPLACE EVENT check_tables
    ON SCHEDULE EVERY 1 WEEK STARTS '2021-01-01 02:10:00'
    DO CALL analyze_all_tables()
-- @@
CREATE OR REPLACE PROCEDURE comments_audit_log()
BEGIN
    SELECT COUNT(*) AS reports, c.id AS comment_id, c.comment, author.username AS author,
           GROUP_CONCAT(reporter.username ORDER BY reporter.username SEPARATOR ', ') AS reporters,
           m.id AS memory_id, s.name AS site, p.name AS project
    FROM audit_comments ac
        JOIN comments c ON c.id = ac.comment_id
        JOIN users reporter ON reporter.id = ac.user_id
        LEFT JOIN users author ON author.id = c.user_id
        JOIN memories m ON m.id = c.memory_id
        JOIN sites s ON s.id = m.site_id
        JOIN projects p ON p.id = s.project_id
    GROUP BY c.id
    ORDER BY reports DESC;
END
-- @@
CREATE OR REPLACE PROCEDURE memories_audit_log()
BEGIN
    SELECT COUNT(*) AS reports, m.id AS memory_id, m.title, m.story, author.username AS author,
           GROUP_CONCAT(reporter.username ORDER BY reporter.username SEPARATOR ', ') AS reporters,
           s.name AS site, p.name AS project
    FROM audit_memories am
        JOIN memories m ON m.id = am.memory_id
        JOIN users reporter ON reporter.id = am.user_id
        LEFT JOIN users author ON author.id = m.user_id
        JOIN sites s ON s.id = m.site_id
        JOIN projects p ON p.id = s.project_id
    GROUP BY m.id
    ORDER BY reports DESC;
END
-- @@
CREATE OR REPLACE PROCEDURE hide_reported_things()
BEGIN
    UPDATE comments SET published = 0
        WHERE id IN (SELECT comment_id FROM audit_comments GROUP BY comment_id HAVING COUNT(*) > 10);
    UPDATE memories SET published = 0
        WHERE id IN (SELECT memory_id FROM audit_memories GROUP BY memory_id HAVING COUNT(*) > 10);
END
-- @@
CREATE OR REPLACE EVENT report_watchdog
    ON SCHEDULE EVERY 12 HOUR STARTS '2021-01-01 00:00:00'
    DO CALL hide_reported_things()
