//! Passwords: the policy a new password must meet, and argon2id hashing with a per-user random
//! salt (the crate defaults: argon2id v19, m = 19 456 KiB, t = 2, p = 1 — OWASP's recommended
//! minimum). Hashing runs on the blocking thread pool: it is deliberately slow.

use std::sync::OnceLock;

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;

use super::{AuthError, Violation};

/// Shortest accepted password, in characters.
pub const MIN_LENGTH: usize = 10;
/// Longest accepted password, in characters (bounds the hashing work per request).
pub const MAX_LENGTH: usize = 128;
/// Fewest distinct characters (refuses `aaaaaaaaaa`).
pub const MIN_DISTINCT: usize = 5;

/// Passwords long enough for the length rule that are still among the most common ones.
const COMMON: &[&str] = &[
    "1234567890",
    "12345678910",
    "123456789a",
    "0987654321",
    "1q2w3e4r5t",
    "1qaz2wsx3edc",
    "abcdefghij",
    "abc1234567",
    "asdfghjkl;",
    "iloveyou12",
    "letmein123",
    "password12",
    "password123",
    "password1234",
    "password!!",
    "passw0rd123",
    "qwerty1234",
    "qwerty12345",
    "qwertyuiop",
    "qwertyuiop123",
    "welcome123",
    "administrator",
    "changeme123",
    "trustno1234",
    "football123",
    "baseball123",
    "sunshine123",
    "princess123",
    "dragon1234",
    "monkey12345",
];

/// The policy's violations by `password` (empty when it is acceptable), reported on `field`.
/// `email` and `name` are the account's: a password may not contain them.
pub fn check(field: &str, password: &str, email: &str, name: &str) -> Vec<Violation> {
    let mut violations = Vec::new();
    let length = password.chars().count();
    if length < MIN_LENGTH {
        violations.push(Violation::new(
            field,
            format!("must be at least {MIN_LENGTH} characters long"),
        ));
    }
    if length > MAX_LENGTH {
        violations.push(Violation::new(
            field,
            format!("must be at most {MAX_LENGTH} characters long"),
        ));
    }
    if password.chars().any(char::is_control) {
        violations.push(Violation::new(field, "must not contain control characters"));
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < MIN_DISTINCT {
        violations.push(Violation::new(
            field,
            format!("must contain at least {MIN_DISTINCT} different characters"),
        ));
    }
    let lower = password.to_lowercase();
    if COMMON.contains(&lower.as_str()) {
        violations.push(Violation::new(field, "is too common"));
    }
    let local = email.split('@').next().unwrap_or_default().to_lowercase();
    let name = name.trim().to_lowercase();
    if (local.chars().count() >= 4 && lower.contains(&local))
        || (name.chars().count() >= 4 && lower.contains(&name))
    {
        violations.push(Violation::new(
            field,
            "must not contain your email address or name",
        ));
    }
    violations
}

/// Hashes `password` with argon2id and a fresh random salt; returns the PHC string.
pub async fn hash(password: String) -> Result<String, AuthError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .map_err(|e| AuthError::Hashing(e.to_string()))?
}

fn hash_blocking(password: &str) -> Result<String, AuthError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| AuthError::Hashing(e.to_string()))
}

/// Whether `password` matches the PHC string `hash` (its own parameters and salt are used).
pub async fn verify(password: String, hash: String) -> Result<bool, AuthError> {
    tokio::task::spawn_blocking(move || verify_blocking(&password, &hash))
        .await
        .map_err(|e| AuthError::Hashing(e.to_string()))?
}

fn verify_blocking(password: &str, hash: &str) -> Result<bool, AuthError> {
    match Argon2::default().verify_password(password.as_bytes(), hash) {
        Ok(()) => Ok(true),
        Err(argon2::password_hash::Error::PasswordInvalid) => Ok(false),
        Err(e) => Err(AuthError::Hashing(e.to_string())),
    }
}

/// Spends the time of one verification against a hash nobody's password matches, so a login
/// for an unknown email takes as long as one with a wrong password.
pub async fn verify_dummy(password: String) -> Result<(), AuthError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    tokio::task::spawn_blocking(move || {
        let hash = match DUMMY.get() {
            Some(hash) => hash.clone(),
            None => {
                let hash = hash_blocking(&super::secret::generate())?;
                DUMMY.get_or_init(|| hash).clone()
            }
        };
        verify_blocking(&password, &hash).map(|_| ())
    })
    .await
    .map_err(|e| AuthError::Hashing(e.to_string()))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(password: &str) -> Vec<String> {
        check("password", password, "ada@example.com", "Ada Lovelace")
            .into_iter()
            .map(|v| v.message)
            .collect()
    }

    #[test]
    fn a_long_varied_password_passes() {
        assert!(fields("correct horse battery staple").is_empty());
    }

    #[test]
    fn short_repetitive_common_and_personal_passwords_fail() {
        assert!(fields("short1!")[0].contains("at least 10"));
        assert!(fields("aaaaaaaaaaaa")[0].contains("different characters"));
        assert_eq!(fields("Password123"), vec!["is too common"]);
        assert_eq!(fields("xx-ada lovelace-xx").len(), 1);
        assert_eq!(fields(&"ab1cd2ef3g".repeat(13)).len(), 1);
    }

    #[tokio::test]
    async fn hashes_verify_and_salts_differ() {
        let a = hash("correct horse battery staple".into())
            .await
            .expect("hash");
        let b = hash("correct horse battery staple".into())
            .await
            .expect("hash");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{a}");
        assert_ne!(a, b, "a per-hash random salt");
        assert!(verify("correct horse battery staple".into(), a.clone())
            .await
            .expect("verify"));
        assert!(!verify("wrong horse battery staple".into(), a)
            .await
            .expect("verify"));
        verify_dummy("anything".into()).await.expect("dummy");
    }
}
