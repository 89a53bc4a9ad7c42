//! Whether an account may act: admins deactivate and reactivate accounts, and with
//! `REQUIRE_VERIFIED_EMAIL` an unverified address keeps a customer from checking out, so the
//! user may ask for the verification email again (throttled).
//!
//! Deactivating revokes every session in the same transaction (the revoked access tokens reach
//! every process's in-memory list at commit, see [`super::revocations`]): a token of the
//! account is refused on its next request. Logins and refreshes read the account's row under
//! a share lock, so none can slip a new session past a concurrent deactivation.

use std::time::Duration;

use sqlx::PgPool;
use uuid::Uuid;

use super::accounts::{self, Account, COLUMNS};
use super::events::{self, AccountEvent};
use super::{sessions, AuthError};
use crate::store::CommandMetadata;

/// Shortest time between two verification emails asked for by the user.
pub const RESEND_MIN_INTERVAL: Duration = Duration::from_secs(60);
/// Most verification emails the user may ask for in [`RESEND_WINDOW`].
pub const RESEND_PER_WINDOW: i64 = 5;
/// The window of [`RESEND_PER_WINDOW`].
pub const RESEND_WINDOW: Duration = Duration::from_secs(3600);

/// Deactivates account `id` for admin `by`: its sessions end at once and its logins are
/// refused until it is reactivated. An admin cannot deactivate themselves, nor the last active
/// admin (two admins deactivating each other at once: the second is refused). Unchanged (and
/// nothing appended) when it is deactivated already.
pub async fn deactivate(
    pool: &PgPool,
    id: Uuid,
    by: Uuid,
    metadata: &CommandMetadata,
) -> Result<Account, AuthError> {
    let mut tx = pool.begin().await?;
    let account = accounts::lock(&mut tx, id)
        .await?
        .ok_or(AuthError::UserNotFound)?;
    if id == by {
        return Err(AuthError::CannotDeactivateSelf);
    }
    if !account.active {
        return Ok(account);
    }
    if account.role == commerce_aggregates::Role::Admin
        && accounts::active_admins(&mut tx).await? <= 1
    {
        return Err(AuthError::LastAdmin);
    }
    let updated = set_deactivated(&mut tx, id, true).await?;
    sessions::revoke_user_sessions(&mut tx, id).await?;
    let event = AccountEvent::AccountDeactivated { user_id: id };
    events::append(&mut tx, id, &[event], metadata).await?;
    tx.commit().await?;
    tracing::info!(user_id = %id, by = %by, "account deactivated");
    Ok(updated)
}

/// Reactivates account `id`: it can log in again. Unchanged (and nothing appended) when it is
/// active.
pub async fn reactivate(
    pool: &PgPool,
    id: Uuid,
    metadata: &CommandMetadata,
) -> Result<Account, AuthError> {
    let mut tx = pool.begin().await?;
    let account = accounts::lock(&mut tx, id)
        .await?
        .ok_or(AuthError::UserNotFound)?;
    if account.active {
        return Ok(account);
    }
    let updated = set_deactivated(&mut tx, id, false).await?;
    let event = AccountEvent::AccountReactivated { user_id: id };
    events::append(&mut tx, id, &[event], metadata).await?;
    tx.commit().await?;
    tracing::info!(user_id = %id, "account reactivated");
    Ok(updated)
}

async fn set_deactivated(
    tx: &mut sqlx::PgConnection,
    id: Uuid,
    deactivated: bool,
) -> Result<Account, sqlx::Error> {
    let row = sqlx::query(&format!(
        "UPDATE users SET deactivated_at = CASE WHEN $2 THEN now() END, updated_at = now()
          WHERE id = $1 RETURNING {COLUMNS}"
    ))
    .bind(id)
    .bind(deactivated)
    .fetch_one(&mut *tx)
    .await?;
    Account::from_row(&row)
}

/// [`AuthError::AccountDeactivated`] when account `id` is deactivated, its row share-locked
/// in `tx` until it commits (a login or refresh then issues its tokens; a deactivation waits).
pub(crate) async fn ensure_active(tx: &mut sqlx::PgConnection, id: Uuid) -> Result<(), AuthError> {
    let deactivated: Option<bool> =
        sqlx::query_scalar("SELECT deactivated_at IS NOT NULL FROM users WHERE id = $1 FOR SHARE")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    match deactivated {
        Some(false) => Ok(()),
        Some(true) => Err(AuthError::AccountDeactivated),
        None => Err(AuthError::UserNotFound),
    }
}

/// With `required` (`REQUIRE_VERIFIED_EMAIL`): [`AuthError::EmailUnverified`] unless user
/// `id` has an account with a verified address.
pub async fn require_verified_email(
    pool: &PgPool,
    required: bool,
    id: Uuid,
) -> Result<(), AuthError> {
    if !required {
        return Ok(());
    }
    match accounts::find(pool, id).await? {
        Some(account) if account.email_verified => Ok(()),
        _ => Err(AuthError::EmailUnverified),
    }
}

/// Asks for the verification email again for user `id` (appends `VerificationResent`, which
/// the mailer answers with a new token). At most one per [`RESEND_MIN_INTERVAL`] and
/// [`RESEND_PER_WINDOW`] per [`RESEND_WINDOW`] ([`AuthError::TooSoon`] with the wait);
/// [`AuthError::AlreadyVerified`] once the address is verified.
pub async fn resend_verification(
    pool: &PgPool,
    id: Uuid,
    metadata: &CommandMetadata,
) -> Result<(), AuthError> {
    let mut tx = pool.begin().await?;
    let account = accounts::lock(&mut tx, id)
        .await?
        .ok_or(AuthError::UserNotFound)?;
    if account.email_verified {
        return Err(AuthError::AlreadyVerified);
    }
    // Seconds until the interval since the last resend has passed, and until the oldest
    // resend of a full window leaves it (NULL: not limited by that rule).
    let (since_last, window_frees_in): (Option<f64>, Option<f64>) = sqlx::query_as(
        "WITH recent AS (
             SELECT recorded_at FROM events
              WHERE aggregate_type = $1 AND aggregate_id = $2 AND event_type = 'VerificationResent'
                AND recorded_at > now() - make_interval(secs => $3))
         SELECT (SELECT EXTRACT(EPOCH FROM max(recorded_at) + make_interval(secs => $4)
                                          - now())::float8 FROM recent),
                (SELECT EXTRACT(EPOCH FROM recorded_at + make_interval(secs => $3)
                                          - now())::float8
                   FROM recent ORDER BY recorded_at DESC OFFSET $5 - 1 LIMIT 1)",
    )
    .bind(events::AGGREGATE_TYPE)
    .bind(id.to_string())
    .bind(RESEND_WINDOW.as_secs_f64())
    .bind(RESEND_MIN_INTERVAL.as_secs_f64())
    .bind(RESEND_PER_WINDOW)
    .fetch_one(&mut *tx)
    .await?;
    let wait = [since_last, window_frees_in]
        .into_iter()
        .flatten()
        .filter(|seconds| *seconds > 0.0)
        .fold(0.0_f64, f64::max);
    if wait > 0.0 {
        tracing::info!(user_id = %id, wait, "verification email asked again too soon");
        return Err(AuthError::TooSoon {
            retry_after: Duration::from_secs_f64(wait),
        });
    }
    let event = AccountEvent::VerificationResent {
        user_id: id,
        email: account.email,
    };
    events::append(&mut tx, id, &[event], metadata).await?;
    tx.commit().await?;
    tracing::info!(user_id = %id, "verification email asked again");
    Ok(())
}
