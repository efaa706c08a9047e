//! The username generator, in-process: adjective + noun + `#` + four digits, e.g.
//! `NimetönSuunnistaja#3713`, from the OS CSPRNG. Uniqueness is the database's unique
//! index; callers retry a clash (5 attempts)
//! (docs/compatibility.md#generated-usernames-are-made-in-process).

use rand::{rngs::OsRng, TryRngCore};

use crate::error::{ApiError, Cause};

const ADJECTIVES: [&str; 17] = [
    "nimetön",
    "nokkela",
    "tarkka",
    "nopea",
    "älykäs",
    "söpö",
    "leppoisa",
    "rauhallinen",
    "sisukas",
    "rohkea",
    "vikkelä",
    "utelias",
    "viekas",
    "veikeä",
    "mukava",
    "hassu",
    "terävä",
];

const NOUNS: [&str; 16] = [
    "suunnistaja",
    "tutkija",
    "seikkailija",
    "orava",
    "kartturi",
    "kissa",
    "karhu",
    "peikko",
    "koira",
    "insinööri",
    "kettu",
    "lintu",
    "pöllö",
    "siili",
    "kala",
    "varis",
];

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A random name; 17 × 16 × 10 000 = 2 720 000 possible values.
pub fn generate() -> Result<String, ApiError> {
    let mut bytes = [0u8; 24];
    OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(|e| ApiError::Internal(Cause::with("OS random number generator", e)))?;
    // 64 random bits per choice: the modulo bias is below 1e-15.
    let pick = |i: usize, n: u64| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&bytes[i * 8..i * 8 + 8]);
        (u64::from_le_bytes(b) % n) as usize
    };
    Ok(format!(
        "{}{}#{:04}",
        capitalise(ADJECTIVES[pick(0, 17)]),
        capitalise(NOUNS[pick(1, 16)]),
        pick(2, 10_000)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validation::Username;

    #[test]
    fn names_have_the_documented_shape() {
        assert_eq!(capitalise("älykäs"), "Älykäs");
        let mut seen = std::collections::HashSet::new();
        for _ in 0..500 {
            let name = generate().unwrap();
            assert!(name.chars().count() <= 27, "{name}");
            assert!(Username::parse(&["x"], &name).is_ok(), "{name}");
            let (words, digits) = name.split_once('#').unwrap();
            assert_eq!(digits.len(), 4);
            assert!(digits.bytes().all(|b| b.is_ascii_digit()));
            assert!(words.chars().next().unwrap().is_uppercase());
            seen.insert(name);
        }
        assert!(seen.len() > 490);
    }
}
