//! Password hashing: bcrypt `$2b$` (compatible with the original's passlib rows), run on
//! the blocking pool so a 12-round hash does not stall the async workers. Unknown users
//! and unusable stored hashes are verified against a dummy hash of the same cost, so the
//! response time does not tell whether an account exists
//! (docs/compatibility.md#login-does-not-reveal-which-accounts-exist).

use std::{
    collections::HashMap,
    sync::{Mutex, OnceLock},
};

use crate::error::{ApiError, Cause, FieldError};

/// The password policy of registration and password change: at least 8 characters
/// (docs/compatibility.md#password-change-takes-the-query-or-a-body). bcrypt reads only
/// the first 72 bytes, like the original.
pub const MIN_PASSWORD_CHARS: usize = 8;

pub fn check_policy(loc: &[&str], password: &str) -> Result<(), FieldError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(FieldError::new(
            loc,
            format!("ensure this value has at least {MIN_PASSWORD_CHARS} characters"),
            "value_error.any_str.min_length",
        ));
    }
    Ok(())
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(Cause::with("password task", e)))?
}

/// A new `$2b$` hash of `password` with `cost` rounds.
pub async fn hash(password: String, cost: u32) -> Result<String, ApiError> {
    blocking(move || {
        bcrypt::hash(password, cost).map_err(|e| ApiError::Internal(Cause::with("bcrypt", e)))
    })
    .await
}

fn dummy_hash(cost: u32) -> Result<String, ApiError> {
    static DUMMIES: OnceLock<Mutex<HashMap<u32, String>>> = OnceLock::new();
    let map = DUMMIES.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(h) = map.lock().unwrap_or_else(|p| p.into_inner()).get(&cost) {
        return Ok(h.clone());
    }
    let h = bcrypt::hash("not a password of anyone", cost)
        .map_err(|e| ApiError::Internal(Cause::with("bcrypt", e)))?;
    map.lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(cost, h.clone());
    Ok(h)
}

/// Whether `password` matches `stored`. A missing (legacy NULL) or malformed hash is
/// "wrong password", after the same bcrypt work as a real check.
pub async fn verify(
    password: String,
    stored: Option<Vec<u8>>,
    cost: u32,
) -> Result<bool, ApiError> {
    blocking(move || {
        let usable = stored
            .and_then(|b| String::from_utf8(b).ok())
            .map(|s| s.trim_end_matches('\0').to_string())
            .filter(|s| s.len() == 60 && s.starts_with("$2"));
        match usable {
            Some(h) => Ok(bcrypt::verify(password, &h).unwrap_or(false)),
            None => {
                let _ = bcrypt::verify(password, &dummy_hash(cost)?);
                Ok(false)
            }
        }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verifies_passlib_hashes_and_refuses_missing_ones() {
        let h = hash("hunter22".into(), 4).await.unwrap();
        assert!(h.starts_with("$2b$04$"));
        assert!(verify("hunter22".into(), Some(h.clone().into_bytes()), 4)
            .await
            .unwrap());
        assert!(!verify("hunter23".into(), Some(h.into_bytes()), 4)
            .await
            .unwrap());
        assert!(!verify("x".into(), None, 4).await.unwrap());
        assert!(!verify("x".into(), Some(b"garbage".to_vec()), 4)
            .await
            .unwrap());
        // OpenBSD's published test vector, as `$2a$` and as passlib's `$2b$` rows
        for h in [
            "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
            "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
        ] {
            assert!(
                verify("U*U".into(), Some(h.into()), 4).await.unwrap(),
                "{h}"
            );
        }
    }

    #[test]
    fn policy() {
        assert!(check_policy(&["body", "password"], "1234567").is_err());
        assert!(check_policy(&["body", "password"], "ääääääää").is_ok());
    }
}
