//! Single-use tokens sent by email — verifying an address, confirming a new one, resetting a
//! password — and the account changes they authorise.
//!
//! A token is 32 random bytes (hex) stored only as its SHA-256 hash, with an expiry. Nothing in
//! the HTTP API returns one and no event carries one: the mailer (handling
//! `EmailVerificationRequested`, `VerificationResent`, `EmailChangeRequested`,
//! `PasswordResetRequested`) calls [`issue_email_token_to`] to get a fresh plaintext token for
//! the email it sends (see the `auth` module documentation). Using a
//! token uses up every outstanding token of the same user and purpose.

use std::time::Duration;

use chrono::Utc;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::accounts::{self, normalize_email};
use super::events::{self, AccountEvent};
use super::{password, profile, secret, sessions, throttle, AuthError};
use crate::store::{Actor, CommandMetadata};

/// How long a verification token is valid.
pub const VERIFY_EMAIL_TTL: Duration = Duration::from_secs(48 * 3600);
/// How long a password-reset token is valid.
pub const PASSWORD_RESET_TTL: Duration = Duration::from_secs(3600);
/// Password-reset requests for one account closer together than this append no new event
/// (so nobody can flood a mailbox through the public route).
pub const PASSWORD_RESET_MIN_INTERVAL: Duration = Duration::from_secs(60);

/// What a token allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    /// Verifying the account's email address.
    VerifyEmail,
    /// Choosing a new password.
    PasswordReset,
    /// Confirming the address the user asked to move to (`users.pending_email`).
    ChangeEmail,
}

impl Purpose {
    /// The stored name (`verify_email`, `password_reset`).
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::PasswordReset => "password_reset",
            Purpose::ChangeEmail => "change_email",
        }
    }

    /// The `users` column holding the address a token of this purpose is for.
    fn address_column(self) -> &'static str {
        match self {
            Purpose::VerifyEmail | Purpose::PasswordReset => "email",
            Purpose::ChangeEmail => "pending_email",
        }
    }

    /// How long a token of this purpose is valid.
    pub fn ttl(self) -> Duration {
        match self {
            Purpose::VerifyEmail | Purpose::ChangeEmail => VERIFY_EMAIL_TTL,
            Purpose::PasswordReset => PASSWORD_RESET_TTL,
        }
    }
}

/// Issues a token for `user_id` and `purpose` (for the account's address, or its pending one
/// for [`Purpose::ChangeEmail`]), stores its hash and returns the plaintext — the only time it
/// exists in clear. For tests; the mailer uses [`issue_email_token_to`]. Never over HTTP.
pub async fn issue_email_token(
    pool: &PgPool,
    user_id: Uuid,
    purpose: Purpose,
) -> Result<String, AuthError> {
    issue(pool, user_id, purpose, None)
        .await?
        .ok_or(AuthError::UserNotFound)
}

/// [`issue_email_token`] for the address an event named: `None` (nothing issued) unless the
/// account still has that address for `purpose`, so a late or redelivered event never mails a
/// token for an address to another one.
pub async fn issue_email_token_to(
    pool: &PgPool,
    user_id: Uuid,
    purpose: Purpose,
    address: &str,
) -> Result<Option<String>, AuthError> {
    issue(pool, user_id, purpose, Some(address)).await
}

async fn issue(
    pool: &PgPool,
    user_id: Uuid,
    purpose: Purpose,
    address: Option<&str>,
) -> Result<Option<String>, AuthError> {
    let token = secret::generate();
    let expires_at = Utc::now() + purpose.ttl();
    let column = purpose.address_column();
    let inserted = sqlx::query(&format!(
        "INSERT INTO email_tokens (token_hash, user_id, purpose, email, expires_at)
         SELECT $1, id, $3, {column}, $4 FROM users
          WHERE id = $2 AND {column} IS NOT NULL AND ($5::text IS NULL OR {column} = $5)"
    ))
    .bind(secret::digest(&token))
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(expires_at)
    .bind(address)
    .execute(pool)
    .await?;
    if inserted.rows_affected() == 0 {
        return Ok(None);
    }
    tracing::info!(%user_id, purpose = purpose.as_str(), "email token issued");
    Ok(Some(token))
}

/// Whom a valid email token was issued to.
#[derive(Debug, sqlx::FromRow)]
struct TokenOwner {
    user_id: Uuid,
    /// The address it was sent to.
    email: String,
}

/// A valid (unused, unexpired) token's user and address, without using it.
async fn peek(pool: &PgPool, token: &str, purpose: Purpose) -> Result<TokenOwner, AuthError> {
    sqlx::query_as(
        "SELECT user_id, email FROM email_tokens
          WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()",
    )
    .bind(secret::digest(token))
    .bind(purpose.as_str())
    .fetch_optional(pool)
    .await?
    .ok_or(AuthError::InvalidEmailToken)
}

/// Uses `token` up in `tx` (atomically: of two concurrent uses, one fails) along with every
/// other outstanding token of its user and purpose; returns its user and address.
async fn consume(
    tx: &mut PgConnection,
    token: &str,
    purpose: Purpose,
) -> Result<TokenOwner, AuthError> {
    let owner: TokenOwner = sqlx::query_as(
        "UPDATE email_tokens SET used_at = now()
          WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()
          RETURNING user_id, email",
    )
    .bind(secret::digest(token))
    .bind(purpose.as_str())
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AuthError::InvalidEmailToken)?;
    sqlx::query(
        "UPDATE email_tokens SET used_at = now()
          WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
    )
    .bind(owner.user_id)
    .bind(purpose.as_str())
    .execute(&mut *tx)
    .await?;
    Ok(owner)
}

/// Redeems a token mailed to an address: a verification token marks the account's email
/// verified (appending `EmailVerified` the first time), a `change_email` one moves the account
/// to the address it was mailed to ([`profile::confirm_email_change`]).
pub async fn verify_email(
    pool: &PgPool,
    token: &str,
    request_id: &str,
) -> Result<accounts::Account, AuthError> {
    let change: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM email_tokens WHERE token_hash = $1 AND purpose = $2)",
    )
    .bind(secret::digest(token))
    .bind(Purpose::ChangeEmail.as_str())
    .fetch_one(pool)
    .await?;
    let mut tx = pool.begin().await?;
    if change {
        let TokenOwner { user_id, email } = consume(&mut tx, token, Purpose::ChangeEmail).await?;
        let metadata = |account: &accounts::Account| {
            CommandMetadata::new(Actor::user(user_id, account.role), request_id)
        };
        let account = profile::confirm_email_change(&mut tx, user_id, &email, metadata).await?;
        tx.commit().await?;
        return Ok(account);
    }
    let TokenOwner { user_id, email } = consume(&mut tx, token, Purpose::VerifyEmail).await?;
    let account = accounts::lock(&mut tx, user_id)
        .await?
        .ok_or(AuthError::InvalidEmailToken)?;
    if account.email != email {
        // Issued for an address the account no longer has.
        return Err(AuthError::InvalidEmailToken);
    }
    if account.email_verified {
        tx.commit().await?;
        return Ok(account);
    }
    sqlx::query("UPDATE users SET email_verified_at = now(), updated_at = now() WHERE id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let metadata = CommandMetadata::new(Actor::user(user_id, account.role), request_id);
    events::append(
        &mut tx,
        user_id,
        &[AccountEvent::EmailVerified { user_id, email }],
        &metadata,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(%user_id, "email verified");
    Ok(accounts::Account {
        email_verified: true,
        ..account
    })
}

/// Asks for a password-reset email: appends `PasswordResetRequested` when `email` belongs to an
/// account (at most once per [`PASSWORD_RESET_MIN_INTERVAL`]). Succeeds the same way whether
/// or not the account exists, so the route reveals nothing.
pub async fn request_password_reset(
    pool: &PgPool,
    email: &str,
    request_id: &str,
) -> Result<(), AuthError> {
    let email = normalize_email(email);
    let Some(user_id): Option<Uuid> = sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(&email)
        .fetch_optional(pool)
        .await?
    else {
        return Ok(());
    };
    let mut tx = pool.begin().await?;
    let Some(account) = accounts::lock(&mut tx, user_id).await? else {
        return Ok(());
    };
    let recent: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM events
          WHERE aggregate_type = $1 AND aggregate_id = $2 AND event_type = 'PasswordResetRequested'
            AND recorded_at > now() - make_interval(secs => $3))",
    )
    .bind(events::AGGREGATE_TYPE)
    .bind(user_id.to_string())
    .bind(PASSWORD_RESET_MIN_INTERVAL.as_secs_f64())
    .fetch_one(&mut *tx)
    .await?;
    if recent {
        tracing::info!(%user_id, "password reset requested again too soon: ignored");
        return Ok(());
    }
    // The requester is anonymous: the engine records the request on the account's behalf.
    let metadata = CommandMetadata::new(Actor::system("auth"), request_id);
    let event = AccountEvent::PasswordResetRequested {
        user_id,
        email: account.email,
    };
    events::append(&mut tx, user_id, &[event], &metadata).await?;
    tx.commit().await?;
    tracing::info!(%user_id, "password reset requested");
    Ok(())
}

/// Sets a new password with a reset token: checks the policy (nothing is used up when it
/// fails), uses the token up, ends every session of the account and appends `PasswordChanged`.
pub async fn reset_password(
    pool: &PgPool,
    token: &str,
    new_password: String,
    request_id: &str,
) -> Result<(), AuthError> {
    let TokenOwner { user_id, .. } = peek(pool, token, Purpose::PasswordReset).await?;
    let account = accounts::find(pool, user_id)
        .await?
        .ok_or(AuthError::InvalidEmailToken)?;
    let violations = password::check("new_password", &new_password, &account.email, &account.name);
    if !violations.is_empty() {
        return Err(AuthError::Invalid(violations));
    }
    let hash = password::hash(new_password).await?;
    let mut tx = pool.begin().await?;
    let TokenOwner { user_id, .. } = consume(&mut tx, token, Purpose::PasswordReset).await?;
    let account = accounts::lock(&mut tx, user_id)
        .await?
        .ok_or(AuthError::InvalidEmailToken)?;
    accounts::set_password_hash(&mut tx, user_id, &hash).await?;
    sessions::revoke_user_sessions(&mut tx, user_id).await?;
    // The owner proved who they are: lift any lockout of the account.
    throttle::clear_account(&mut *tx, &account.email).await?;
    let metadata = CommandMetadata::new(Actor::user(user_id, account.role), request_id);
    let event = AccountEvent::PasswordChanged {
        user_id,
        via: "reset".into(),
    };
    events::append(&mut tx, user_id, &[event], &metadata).await?;
    tx.commit().await?;
    tracing::info!(%user_id, "password reset");
    Ok(())
}
