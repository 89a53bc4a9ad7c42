//! Accounts and authentication, independent of HTTP: users and roles (`accounts`), the
//! operator's `commerce admin create` (`admin`), password policy and argon2id hashing
//! (`password`), access JWTs (`jwt`), rotating refresh tokens and access-token revocation
//! (`sessions`), single-use email tokens (`email_tokens`), failed-login throttling
//! (`throttle`), the user's own changes — name, email, password (`profile`) —, deactivation
//! and verification requirements (`status`), each account's address book (`addresses`) and
//! the account events written alongside changes (`events`).
//!
//! # Emails and tokens: who holds the plaintext
//!
//! A change that must send an email (registration → verification email, password reset request,
//! email change → confirmation to the new address)
//! appends an event (`EmailVerificationRequested`, `PasswordResetRequested`) in the same
//! transaction as the change; the relay publishes it for the mailer. The event never carries the
//! token: an event is kept forever and fanned out to every subscriber, a token is a credential.
//! Instead the mailer, when it handles the event, calls
//! [`email_tokens::issue_email_token_to`]`(pool, user_id, purpose, address)`, which stores a
//! fresh token's SHA-256 hash and returns the plaintext once, for the email it is about to send
//! (nothing when the account no longer has that address, e.g. an email change superseded). Redelivering
//! the event just issues another valid token (using any token of a purpose uses up all of them).
//! The HTTP routes never return a token; the tests obtain one the way the mailer will.
//!
//! # Unverified accounts
//!
//! An account whose email is not verified yet can log in: nothing else would let a freshly
//! registered shopper in before the mailer runs, and refusing the login would tell an attacker
//! that the password was right anyway. `GET me` reports `email_verified`, so features that need a
//! verified address can require it: with `REQUIRE_VERIFIED_EMAIL` checkout does
//! ([`status::require_verified_email`]).

pub mod accounts;
pub mod addresses;
pub mod admin;
pub mod email_tokens;
pub mod events;
pub mod jwt;
pub mod password;
pub mod profile;
pub mod revocations;
pub mod secret;
pub mod sessions;
pub mod status;
pub mod throttle;

use std::time::Duration;

use thiserror::Error;

/// A field of an account request that breaks a rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The request field (`email`, `password`, `name`, `new_password`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl Violation {
    /// A violation of `field`.
    pub fn new(field: &str, message: impl Into<String>) -> Self {
        Self {
            field: field.to_string(),
            message: message.into(),
        }
    }
}

/// Why an account operation failed.
#[derive(Debug, Error)]
pub enum AuthError {
    /// Some fields break the rules (nothing was written).
    #[error("invalid account data")]
    Invalid(Vec<Violation>),
    /// Another account has this email.
    #[error("an account with this email already exists")]
    EmailTaken,
    /// Unknown email or wrong password (deliberately indistinguishable).
    #[error("invalid email or password")]
    InvalidCredentials,
    /// Too many failed logins: retry after the given time.
    #[error("too many failed login attempts")]
    Throttled {
        /// When the next attempt may succeed.
        retry_after: Duration,
    },
    /// A refresh token that is unknown, expired, revoked or reused.
    #[error("invalid, expired or revoked refresh token")]
    InvalidRefreshToken,
    /// An email token that is unknown, expired or already used.
    #[error("invalid, expired or already redeemed token")]
    InvalidEmailToken,
    /// No such user.
    #[error("user not found")]
    UserNotFound,
    /// The change would leave the system without an admin.
    #[error("the last admin cannot lose the admin role")]
    LastAdmin,
    /// The account was deactivated by an admin (the password was right).
    #[error("this account has been deactivated")]
    AccountDeactivated,
    /// The current password given to confirm a change is wrong.
    #[error("the current password is wrong")]
    WrongPassword,
    /// The account's email address is not verified and the action needs it.
    #[error("verify your email address first")]
    EmailUnverified,
    /// The account's email address is verified already.
    #[error("the email address is already verified")]
    AlreadyVerified,
    /// An admin tried to deactivate their own account.
    #[error("an admin cannot deactivate their own account")]
    CannotDeactivateSelf,
    /// Asked again too soon (verification emails): retry after the given time.
    #[error("asked too often")]
    TooSoon {
        /// When the next request may succeed.
        retry_after: Duration,
    },
    /// Hashing failed or a stored hash is unreadable.
    #[error("password hashing failed: {0}")]
    Hashing(String),
    /// Signing an access token failed.
    #[error("signing the access token failed: {0}")]
    Signing(#[from] jsonwebtoken::errors::Error),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}
