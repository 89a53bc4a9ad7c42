//! Access tokens: short-lived HS256 JWTs naming the user, their role and a unique token id
//! (`jti`, so a logout can revoke it before it expires). A token issued by a password login
//! says so (`fresh`); sensitive changes accept it for `FRESH_TOKEN_SECONDS` after `iat`.

use std::time::Duration;

use chrono::Utc;
use commerce_aggregates::Role;
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Issuer and audience written into and required from every token.
pub const ISSUER: &str = "commerce";

/// The claims of an access token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: Uuid,
    /// The user's role when the token was issued.
    pub role: Role,
    /// Unique token id.
    pub jti: Uuid,
    /// Issued at (Unix seconds).
    pub iat: i64,
    /// Expires at (Unix seconds).
    pub exp: i64,
    /// Always [`ISSUER`].
    pub iss: String,
    /// Issued by a password login (not by a refresh): the user proved the password at `iat`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fresh: bool,
}

impl Claims {
    /// Whether the token proves a password login at most `window` ago (`now` in Unix seconds).
    pub fn is_fresh(&self, window: Duration, now: i64) -> bool {
        let window = i64::try_from(window.as_secs()).unwrap_or(i64::MAX);
        self.fresh && now.saturating_sub(self.iat) <= window
    }
}

/// An access token just signed, with the claims it carries.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The signed token.
    pub token: String,
    /// What it says.
    pub claims: Claims,
}

/// Signs an access token for `user` valid for `ttl` (not fresh: see [`issue_with`]).
pub fn issue(
    secret: &str,
    user: Uuid,
    role: Role,
    ttl: Duration,
) -> Result<Issued, jsonwebtoken::errors::Error> {
    issue_with(secret, user, role, ttl, false)
}

/// Signs an access token for `user` valid for `ttl`; `fresh` when a password login issues it.
pub fn issue_with(
    secret: &str,
    user: Uuid,
    role: Role,
    ttl: Duration,
    fresh: bool,
) -> Result<Issued, jsonwebtoken::errors::Error> {
    let now = Utc::now().timestamp();
    let claims = Claims {
        sub: user,
        role,
        jti: Uuid::new_v4(),
        iat: now,
        exp: now + i64::try_from(ttl.as_secs()).unwrap_or(i64::MAX / 2),
        iss: ISSUER.into(),
        fresh,
    };
    let token = encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(secret.as_bytes()),
    )?;
    Ok(Issued { token, claims })
}

/// Verifies signature (HS256 only: `alg: none` and other algorithms are refused), expiry
/// (no leeway) and issuer; returns the claims.
pub fn verify(secret: &str, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.leeway = 0;
    validation.set_issuer(&[ISSUER]);
    validation.set_required_spec_claims(&["exp", "iss", "sub"]);
    let data = decode::<Claims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &validation,
    )?;
    Ok(data.claims)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "test-secret-test-secret-test-secret!";

    #[test]
    fn a_fresh_token_verifies() {
        let user = Uuid::new_v4();
        let Issued { token, claims } =
            issue(SECRET, user, Role::Prime, Duration::from_secs(60)).expect("signs");
        let verified = verify(SECRET, &token).expect("verifies");
        assert_eq!(verified, claims);
        assert_eq!(verified.sub, user);
    }

    #[test]
    fn only_a_login_token_is_fresh_and_only_within_the_window() {
        let window = Duration::from_secs(300);
        let login = issue_with(SECRET, Uuid::new_v4(), Role::Customer, window, true)
            .expect("signs")
            .claims;
        let refreshed = issue(SECRET, Uuid::new_v4(), Role::Customer, window)
            .expect("signs")
            .claims;
        assert!(login.is_fresh(window, login.iat + 300));
        assert!(!login.is_fresh(window, login.iat + 301));
        assert!(!refreshed.is_fresh(window, refreshed.iat));
        let verified = verify(
            SECRET,
            &issue_with(SECRET, Uuid::new_v4(), Role::Prime, window, true)
                .expect("signs")
                .token,
        )
        .expect("verifies");
        assert!(verified.fresh, "the claim survives signing");
    }

    #[test]
    fn a_token_signed_with_another_key_is_refused() {
        let Issued { token, .. } = issue(
            "another-secret-another-secret-12345",
            Uuid::new_v4(),
            Role::Admin,
            Duration::from_secs(60),
        )
        .expect("signs");
        assert!(verify(SECRET, &token).is_err());
    }

    #[test]
    fn an_unsigned_token_is_refused() {
        // {"alg":"none"} header, valid-looking claims, empty signature.
        let Issued { token, .. } =
            issue(SECRET, Uuid::new_v4(), Role::Admin, Duration::from_secs(60)).expect("signs");
        let payload = token.split('.').nth(1).expect("payload");
        let unsigned = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{payload}.");
        assert!(verify(SECRET, &unsigned).is_err());
    }

    #[test]
    fn an_expired_token_is_refused() {
        let Issued { token, .. } = issue(
            SECRET,
            Uuid::new_v4(),
            Role::Customer,
            Duration::from_secs(0),
        )
        .expect("signs");
        std::thread::sleep(Duration::from_millis(1100));
        assert!(verify(SECRET, &token).is_err());
    }
}
