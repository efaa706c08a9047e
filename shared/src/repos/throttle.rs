//! The password-login limit: at most [`MAX_ATTEMPTS`] failed attempts per identifier in a
//! [`WINDOW_MINUTES`]-minute window. Each failure is counted in one atomic statement and
//! only failures within the limit are answered as such, so parallel guesses cannot get
//! more answers than the limit; once it is reached even the right password is refused.
//! Successful logins are not counted (many parallel logins of one user are fine), and
//! unknown identifiers are counted like known ones, so the limit reveals nothing about
//! which accounts exist.

use mysql_async::prelude::*;

use crate::error::ApiError;

pub const MAX_ATTEMPTS: i64 = 10;
pub const WINDOW_MINUTES: i64 = 15;

/// Failed attempts for `subject` in the current window.
pub async fn failures(conn: &mut mysql_async::Conn, subject: &str) -> Result<i64, ApiError> {
    let n: Option<i64> = conn
        .exec_first(
            "SELECT attempts FROM login_attempts
             WHERE subject = :s AND window_start >= UTC_TIMESTAMP() - INTERVAL :w MINUTE",
            params! {"s" => subject, "w" => WINDOW_MINUTES},
        )
        .await?;
    Ok(n.unwrap_or(0))
}

/// Counts one failed attempt for `subject`; returns the number in the current window,
/// this one included. Runs outside the request's transaction so that it always sticks.
pub async fn count_failure(conn: &mut mysql_async::Conn, subject: &str) -> Result<i64, ApiError> {
    // MariaDB applies the assignments left to right: `attempts` still sees the old window.
    conn.exec_drop(
        "INSERT INTO login_attempts (subject, window_start, attempts)
         VALUES (:s, UTC_TIMESTAMP(), LAST_INSERT_ID(1))
         ON DUPLICATE KEY UPDATE
           attempts = LAST_INSERT_ID(IF(window_start < UTC_TIMESTAMP() - INTERVAL :w MINUTE, 1, attempts + 1)),
           window_start = IF(window_start < UTC_TIMESTAMP() - INTERVAL :w MINUTE, UTC_TIMESTAMP(), window_start)",
        params! {"s" => subject, "w" => WINDOW_MINUTES},
    )
    .await?;
    let n: Option<i64> = conn.query_first("SELECT LAST_INSERT_ID()").await?;
    n.ok_or_else(|| ApiError::internal("no attempt count"))
}

/// A successful login clears the count.
pub async fn clear(conn: &mut mysql_async::Conn, subject: &str) -> Result<(), ApiError> {
    conn.exec_drop("DELETE FROM login_attempts WHERE subject = ?", (subject,))
        .await?;
    Ok(())
}
