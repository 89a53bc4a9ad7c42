//! The user's own sensitive changes: moving to another email address and changing the
//! password. Both need the current password (and, over HTTP, a fresh access token); a wrong
//! one counts as a failed login of the account, so guessing through these routes is throttled
//! like guessing at the login.
//!
//! An email change is two steps. The request stores the new address as the account's
//! `pending_email` and appends `EmailChangeRequested`; the mailer sends a `change_email` token
//! to the new address. Redeeming it (`POST auth/verify-email`, [`confirm_email_change`]) makes
//! the new address the account's — verified, since the token proved it — and appends
//! `EmailChanged`, on which the mailer tells the old address.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::accounts::{self, check_email, normalize_email, Account};
use super::events::{self, AccountEvent};
use super::{password, sessions, throttle, AuthError, Violation};
use crate::store::CommandMetadata;

/// Checks `candidate` against the password of account `id` (throttled like a login).
async fn check_password(pool: &PgPool, id: Uuid, candidate: &str) -> Result<Account, AuthError> {
    let account = accounts::find(pool, id)
        .await?
        .ok_or(AuthError::UserNotFound)?;
    let limits = throttle::Limits::default();
    throttle::check(pool, limits, &account.email, None).await?;
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await?;
    if !password::verify(candidate.to_string(), hash).await? {
        throttle::record_failure(pool, limits, &account.email, None).await?;
        tracing::info!(user_id = %id, "wrong current password");
        return Err(AuthError::WrongPassword);
    }
    Ok(account)
}

/// Asks to move account `id` to `new_email` (confirmed with the account's `password`): the
/// address is checked, becomes the pending one (replacing any earlier request) and
/// `EmailChangeRequested` is appended. Nothing is written when the address is invalid, the
/// account's own or another account's, or the password is wrong.
pub async fn request_email_change(
    pool: &PgPool,
    id: Uuid,
    new_email: &str,
    password: &str,
    metadata: &CommandMetadata,
) -> Result<Account, AuthError> {
    let new_email = normalize_email(new_email);
    let violations = check_email("new_email", &new_email);
    if !violations.is_empty() {
        return Err(AuthError::Invalid(violations));
    }
    let account = check_password(pool, id, password).await?;
    if account.email == new_email {
        return Err(AuthError::Invalid(vec![Violation::new(
            "new_email",
            "is the account's address already",
        )]));
    }
    let mut tx = pool.begin().await?;
    let account = accounts::lock(&mut tx, id)
        .await?
        .ok_or(AuthError::UserNotFound)?;
    if email_taken(&mut tx, &new_email).await? {
        return Err(AuthError::EmailTaken);
    }
    let row = sqlx::query(&format!(
        "UPDATE users SET pending_email = $2, updated_at = now() WHERE id = $1
         RETURNING {}",
        accounts::COLUMNS
    ))
    .bind(id)
    .bind(&new_email)
    .fetch_one(&mut *tx)
    .await?;
    let updated = Account::from_row(&row)?;
    let event = AccountEvent::EmailChangeRequested {
        user_id: id,
        email: account.email,
        new_email,
    };
    events::append(&mut tx, id, &[event], metadata).await?;
    tx.commit().await?;
    tracing::info!(user_id = %id, "email change requested");
    Ok(updated)
}

async fn email_taken(tx: &mut PgConnection, email: &str) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)")
        .bind(email)
        .fetch_one(&mut *tx)
        .await
}

/// Makes `new_email` (the address a `change_email` token was redeemed for, in `tx`) the
/// address of account `id`, verified, and appends `EmailChanged`. The token must be for the
/// pending address (a newer request replaced it otherwise); every other outstanding email
/// token of the account (sent to the old address) is used up.
pub(crate) async fn confirm_email_change(
    tx: &mut PgConnection,
    id: Uuid,
    new_email: &str,
    metadata: impl FnOnce(&Account) -> CommandMetadata,
) -> Result<Account, AuthError> {
    let account = accounts::lock(tx, id)
        .await?
        .ok_or(AuthError::InvalidEmailToken)?;
    if account.pending_email.as_deref() != Some(new_email) {
        return Err(AuthError::InvalidEmailToken);
    }
    if email_taken(tx, new_email).await? {
        return Err(AuthError::EmailTaken);
    }
    let row = sqlx::query(&format!(
        "UPDATE users SET email = $2, pending_email = NULL,
                email_verified_at = COALESCE(email_verified_at, now()), updated_at = now()
          WHERE id = $1 RETURNING {}",
        accounts::COLUMNS
    ))
    .bind(id)
    .bind(new_email)
    .fetch_one(&mut *tx)
    .await?;
    let updated = Account::from_row(&row)?;
    sqlx::query("UPDATE email_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let mut changes = Vec::new();
    if !account.email_verified {
        // The token proved the new address; the old one never was.
        changes.push(AccountEvent::EmailVerified {
            user_id: id,
            email: new_email.to_string(),
        });
    }
    changes.push(AccountEvent::EmailChanged {
        user_id: id,
        from: account.email.clone(),
        to: new_email.to_string(),
    });
    events::append(tx, id, &changes, &metadata(&account)).await?;
    tracing::info!(user_id = %id, "email changed");
    Ok(updated)
}

/// Replaces the password of account `id`, confirmed with its `current` one: the new one must
/// meet the policy and differ. Every session of the account ends but the one of the access
/// token `keep_jti` (the caller's), and `PasswordChanged` (`via: user`) is appended.
pub async fn change_password(
    pool: &PgPool,
    id: Uuid,
    keep_jti: Uuid,
    current: &str,
    new_password: String,
    metadata: &CommandMetadata,
) -> Result<(), AuthError> {
    let account = accounts::find(pool, id)
        .await?
        .ok_or(AuthError::UserNotFound)?;
    let violations = password::check("new_password", &new_password, &account.email, &account.name);
    if !violations.is_empty() {
        return Err(AuthError::Invalid(violations));
    }
    let account = check_password(pool, id, current).await?;
    if current == new_password {
        return Err(AuthError::Invalid(vec![Violation::new(
            "new_password",
            "must differ from the current password",
        )]));
    }
    let hash = password::hash(new_password).await?;
    let mut tx = pool.begin().await?;
    accounts::lock(&mut tx, id)
        .await?
        .ok_or(AuthError::UserNotFound)?;
    accounts::set_password_hash(&mut tx, id, &hash).await?;
    sessions::revoke_other_sessions(&mut tx, id, keep_jti).await?;
    throttle::clear_account(&mut *tx, &account.email).await?;
    let event = AccountEvent::PasswordChanged {
        user_id: id,
        via: "user".into(),
    };
    events::append(&mut tx, id, &[event], metadata).await?;
    tx.commit().await?;
    tracing::info!(user_id = %id, "password changed by its user");
    Ok(())
}
