-- Password-login attempts per identifier, for the brute-force limit
-- (docs/compatibility.md#password-login-is-rate-limited).
-- Additive: the original server ignores this table. Statements are separated by lines
-- holding only `-- @@`.

-- `subject` is the username or e-mail as sent; the collation makes case and accent
-- variants one row, as the users table matches them.
CREATE TABLE IF NOT EXISTS login_attempts (
    subject VARCHAR(255) NOT NULL,
    window_start DATETIME NOT NULL,
    attempts INT NOT NULL,
    CONSTRAINT pk_login_attempts PRIMARY KEY (subject),
    INDEX idx_login_attempts_window (window_start)
)
-- @@
CREATE OR REPLACE EVENT clean_login_attempts
    ON SCHEDULE EVERY 1 HOUR STARTS '2021-01-01 00:30:00'
    DO DELETE FROM login_attempts WHERE window_start < UTC_TIMESTAMP() - INTERVAL 1 DAY
