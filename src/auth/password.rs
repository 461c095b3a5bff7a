//! Password hashing (argon2id) and the rules for acceptable passwords.

use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// Passwords too common to accept whatever their length.
const COMMON: &[&str] = &[
    "123456789012",
    "password1234",
    "passwordpassword",
    "qwertyuiopas",
    "welkom123456",
    "wachtwoord12",
    "wachtwoord123",
    "wachtwoord1234",
    "qwerty123456",
    "111111111111",
    "000000000000",
    "abcdefghijkl",
    "iloveyou1234",
    "letmein12345",
    "admin1234567",
    "administrator",
    "buurtgraph123",
    "1q2w3e4r5t6y",
];

/// Why a password is refused, or `None` when it is acceptable.
pub fn weakness(password: &str) -> Option<String> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Some(format!("use at least {MIN_PASSWORD_CHARS} characters"));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) || lower.chars().all(|c| lower.starts_with(c)) {
        return Some("this password is too common".to_owned());
    }
    None
}

pub fn hash(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(|err| anyhow::anyhow!("hashing failed: {err}"))
}

/// Whether `password` matches the stored hash; a malformed hash never matches.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_common_passwords_are_refused() {
        assert!(weakness("kort").is_some());
        assert!(weakness("Wachtwoord123").is_some());
        assert!(weakness("aaaaaaaaaaaaaaa").is_some());
        assert!(weakness("paars-fiets-op-de-dijk").is_none());
    }

    #[test]
    fn hashes_verify_only_their_password() {
        let stored = hash("paars-fiets-op-de-dijk").expect("hash");
        assert!(stored.starts_with("$argon2id$"));
        assert!(verify("paars-fiets-op-de-dijk", &stored));
        assert!(!verify("paars-fiets-op-de-dijK", &stored));
        assert!(!verify("x", "not a hash"));
    }
}
