//! Session token format (docs/api-conventions.md#sessions): the store key is `token:`
//! followed by random bytes from the OS CSPRNG; the client sees base64 of the whole key
//! with `+`→`:` and `/`→`-`.

use base64::{engine::general_purpose::STANDARD, Engine};
use rand::{rngs::OsRng, TryRngCore};

pub const KEY_PREFIX: &[u8] = b"token:";
/// Random bytes per token: 256 bits.
pub const TOKEN_BYTES: usize = 32;

/// Why a presented token was refused; every variant is a 401.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    Format,
}

/// A fresh store key, `token:` + 32 bytes from the operating system's CSPRNG. A failing
/// random source is a 503, never a weaker token.
pub fn new_key() -> Result<Vec<u8>, crate::error::ApiError> {
    let mut random = [0u8; TOKEN_BYTES];
    OsRng
        .try_fill_bytes(&mut random)
        .map_err(|e| crate::error::ApiError::unavailable("operating system random source", e))?;
    let mut key = KEY_PREFIX.to_vec();
    key.extend_from_slice(&random);
    Ok(key)
}

/// The client form of a store key.
pub fn encode(key: &[u8]) -> String {
    STANDARD
        .encode(key)
        .chars()
        .map(|c| match c {
            '+' => ':',
            '/' => '-',
            c => c,
        })
        .collect()
}

/// The store key of a client token. Only the documented alphabet is accepted
/// (docs/compatibility.md#tokens-use-only-the-documented-alphabet), and
/// only keys in the `token:` namespace, so a crafted token cannot address other keys.
pub fn decode(token: &str) -> Result<Vec<u8>, TokenError> {
    if !token
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'-' | b'='))
    {
        return Err(TokenError::Format);
    }
    let standard: String = token
        .chars()
        .map(|c| match c {
            ':' => '+',
            '-' => '/',
            c => c,
        })
        .collect();
    let key = STANDARD.decode(standard).map_err(|_| TokenError::Format)?;
    if !key.starts_with(KEY_PREFIX) || key.len() <= KEY_PREFIX.len() {
        return Err(TokenError::Format);
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_shape_matches_the_original() {
        let key = new_key().unwrap();
        assert_eq!(key.len(), 38);
        let token = encode(&key);
        assert_eq!(token.len(), 52);
        assert!(token.starts_with("dG9rZW46"));
        assert!(token.ends_with('='));
        assert!(!token.contains('+') && !token.contains('/'));
        assert_eq!(decode(&token).unwrap(), key);
    }

    #[test]
    fn keys_are_distinct() {
        let a = new_key().unwrap();
        let b = new_key().unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn refuses_other_alphabets_and_namespaces() {
        assert_eq!(decode("dG9rZW46+/+/"), Err(TokenError::Format));
        assert_eq!(decode("äää"), Err(TokenError::Format));
        assert_eq!(decode("abc"), Err(TokenError::Format));
        // base64 of "user:alice" is a valid encoding but not a session key
        assert_eq!(decode(&encode(b"user:alice")), Err(TokenError::Format));
        assert_eq!(decode(""), Err(TokenError::Format));
    }
}
