//! Accounts and e-mail verifiers for login, registration and `/me`.
//!
//! Verifiers (docs/api-conventions.md#login-links): 150 random bytes from the OS CSPRNG,
//! URL-safe base64 (200 characters) in the mail; the table keeps only the SHA-256 hex of
//! it, compared in constant time (docs/compatibility.md#link-tokens-are-stored-hashed).
//! Validity and the resend limit use the database clock.

use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use mysql_async::prelude::*;
use rand::{rngs::OsRng, TryRngCore};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::{
    db::{codes, server_code},
    error::{ApiError, Cause},
    sessions::{SessionData, SessionGrants},
};

/// A link works for less than this many whole minutes.
pub const VERIFIER_VALID_MINUTES: i64 = 10;
/// No new link while the current one is younger than this many whole minutes.
pub const RESEND_MINUTES: i64 = 5;

/// What password login needs of an account.
#[derive(Debug)]
pub struct Account {
    pub id: i32,
    pub username: String,
    pub email: Option<String>,
    pub password_hash: Option<Vec<u8>>,
    pub verified: bool,
}

type AccountRow = (i32, String, Option<String>, Option<Vec<u8>>, Option<bool>);

fn account(row: AccountRow) -> Account {
    let (id, username, email, password_hash, verified) = row;
    Account {
        id,
        username,
        email,
        password_hash,
        verified: verified.unwrap_or(false),
    }
}

const ACCOUNT_COLUMNS: &str = "id, username, email, password_hash, verified";

/// The account with this username (database collation: case/accent-insensitive).
pub async fn by_username(q: &mut impl Queryable, name: &str) -> Result<Option<Account>, ApiError> {
    let row: Option<AccountRow> = q
        .exec_first(
            format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE username = ?"),
            (name,),
        )
        .await?;
    Ok(row.map(account))
}

/// The account with this e-mail; `lock` takes a row lock for the rest of the transaction.
pub async fn by_email(
    q: &mut impl Queryable,
    email: &str,
    lock: bool,
) -> Result<Option<Account>, ApiError> {
    let lock = if lock { " FOR UPDATE" } else { "" };
    let row: Option<AccountRow> = q
        .exec_first(
            format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE email = ?{lock}"),
            (email,),
        )
        .await?;
    Ok(row.map(account))
}

/// The stored password hash of an account (`None`: no account or no password).
pub async fn password_hash(
    q: &mut impl Queryable,
    user_id: i32,
) -> Result<Option<Vec<u8>>, ApiError> {
    let hash: Option<Option<Vec<u8>>> = q
        .exec_first("SELECT password_hash FROM users WHERE id = ?", (user_id,))
        .await?;
    Ok(hash.flatten())
}

/// Whether another account than `except` has this username / e-mail (collation match).
pub async fn username_taken(
    q: &mut impl Queryable,
    name: &str,
    except: Option<i32>,
) -> Result<bool, ApiError> {
    let hit: Option<i32> = q
        .exec_first(
            "SELECT id FROM users WHERE username = ? AND id <> ? LIMIT 1",
            (name, except.unwrap_or(0)),
        )
        .await?;
    Ok(hit.is_some())
}

pub async fn email_taken(
    q: &mut impl Queryable,
    email: &str,
    except: Option<i32>,
) -> Result<bool, ApiError> {
    let hit: Option<i32> = q
        .exec_first(
            "SELECT id FROM users WHERE email = ? AND id <> ? LIMIT 1",
            (email, except.unwrap_or(0)),
        )
        .await?;
    Ok(hit.is_some())
}

/// Inserts an unverified account. `Ok(None)` when the username or e-mail is taken (the
/// unique indexes decide, so concurrent inserts cannot both win).
pub async fn insert(
    q: &mut impl Queryable,
    username: &str,
    email: &str,
    password_hash: &str,
) -> Result<Option<i32>, ApiError> {
    let result: Result<Option<i32>, mysql_async::Error> = q
        .exec_first(
            "INSERT INTO users (username, email, password_hash, verified) VALUES (?, ?, ?, 0) \
             RETURNING id",
            (username, email, password_hash.as_bytes()),
        )
        .await;
    match result {
        Ok(Some(id)) => Ok(Some(id)),
        Ok(None) => Err(ApiError::internal("INSERT … RETURNING gave no row")),
        Err(e) if server_code(&e) == Some(codes::DUPLICATE_KEY) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// What a session of the account stores: its username as stored (canonical,
/// docs/compatibility.md#sessions-use-the-username-as-stored) and the grants the original
/// server reads from a session (docs/api-conventions.md#sessions).
pub async fn session_data(
    q: &mut impl Queryable,
    account_id: i32,
    username: &str,
) -> Result<SessionData, ApiError> {
    Ok(SessionData {
        user: username.to_string(),
        data: grants(q, account_id).await?,
    })
}

/// The grants written into a new session for the original server's sake
/// (docs/api-conventions.md#sessions); authorisation itself reads the database on every
/// request (docs/compatibility.md#privileges-are-read-on-every-request).
pub async fn grants(q: &mut impl Queryable, user_id: i32) -> Result<SessionGrants, ApiError> {
    let superuser: Option<i32> = q
        .exec_first("SELECT 1 FROM superusers WHERE user_id = ?", (user_id,))
        .await?;
    let projects: Vec<String> = q
        .exec(
            "SELECT p.name FROM project_admins pa JOIN projects p ON p.id = pa.project_id \
             WHERE pa.user_id = ? ORDER BY p.name",
            (user_id,),
        )
        .await?;
    let mut scopes = Vec::new();
    if superuser.is_some() {
        scopes.push("superuser".to_string());
    }
    if superuser.is_some() || !projects.is_empty() {
        scopes.push("admin".to_string());
    }
    Ok(SessionGrants { scopes, projects })
}

/// A fresh verifier: (token for the mail, SHA-256 hex for the table).
pub fn new_verifier() -> Result<(String, String), ApiError> {
    let mut bytes = [0u8; 150];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| ApiError::Internal(Cause::with("OS random number generator", e)))?;
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let digest = verifier_digest(&token);
    Ok((token, digest))
}

/// SHA-256 of the token as lower-case hex; any presented string hashes, so a non-ASCII
/// token is simply not found (docs/compatibility.md#malformed-link-tokens-are-not-found).
pub fn verifier_digest(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether the user's current verifier is younger than the resend window.
pub async fn recently_sent(q: &mut impl Queryable, user_id: i32) -> Result<bool, ApiError> {
    let recent: Option<i32> = q
        .exec_first(
            "SELECT 1 FROM user_email_verifiers \
             WHERE user_id = ? AND TIMESTAMPDIFF(MINUTE, created_at, NOW()) < ?",
            (user_id, RESEND_MINUTES),
        )
        .await?;
    Ok(recent.is_some())
}

/// Replaces the user's verifier (one per user); the link's clock starts now (DB time).
pub async fn store_verifier(
    q: &mut impl Queryable,
    user_id: i32,
    digest: &str,
) -> Result<(), ApiError> {
    q.exec_drop(
        "REPLACE INTO user_email_verifiers (user_id, verifier, created_at) \
         VALUES (?, ?, CURRENT_TIMESTAMP)",
        (user_id, digest),
    )
    .await?;
    Ok(())
}

/// Checks a presented link inside a transaction and consumes it: the account it belongs
/// to, now verified, with every verifier deleted (single use). `None` if the username is
/// unknown, the token wrong, or the link 10 minutes old or more. The row lock makes two
/// concurrent uses of one link yield one success.
pub async fn consume_verifier(
    tx: &mut impl Queryable,
    username: &str,
    token: &str,
) -> Result<Option<Account>, ApiError> {
    let row: Option<(i32, String)> = tx
        .exec_first(
            "SELECT u.id, v.verifier FROM users u \
             JOIN user_email_verifiers v ON v.user_id = u.id \
             WHERE u.username = ? AND TIMESTAMPDIFF(MINUTE, v.created_at, NOW()) < ? \
             FOR UPDATE",
            (username, VERIFIER_VALID_MINUTES),
        )
        .await?;
    let presented = verifier_digest(token);
    let Some((id, stored)) = row else {
        return Ok(None);
    };
    if !bool::from(presented.as_bytes().ct_eq(stored.as_bytes())) {
        return Ok(None);
    }
    tx.exec_drop(
        "UPDATE users SET verified = 1 WHERE id = ? AND NOT COALESCE(verified, 0)",
        (id,),
    )
    .await?;
    tx.exec_drop("DELETE FROM user_email_verifiers WHERE user_id = ?", (id,))
        .await?;
    let row: Option<AccountRow> = tx
        .exec_first(
            format!("SELECT {ACCOUNT_COLUMNS} FROM users WHERE id = ?"),
            (id,),
        )
        .await?;
    Ok(row.map(account))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verifier_shape() {
        let (token, digest) = new_verifier().unwrap();
        assert_eq!(token.len(), 200);
        assert!(token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'));
        assert_eq!(digest.len(), 64);
        assert_eq!(digest, verifier_digest(&token));
        assert_ne!(new_verifier().unwrap().0, token);
        assert_eq!(
            verifier_digest("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
