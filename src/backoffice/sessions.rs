//! The `backoffice_sessions` table: browser sessions of the back office, by the SHA-256 of
//! the random id the cookie carries (see the migration for why not a signed cookie).

use std::time::Duration;

use chrono::Utc;
use commerce_aggregates::Role;
use sqlx::PgPool;
use uuid::Uuid;

use crate::auth::{secret, status, AuthError};

/// How long a back-office session lasts after sign-in (the cookie's `Max-Age` too).
pub const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);

/// A signed-in staff member as a page sees them.
#[derive(Debug, Clone)]
pub struct StaffSession {
    /// The account.
    pub user_id: Uuid,
    /// Its email, shown in the header.
    pub email: String,
    /// Its role now (read from the account, not from sign-in time).
    pub role: Role,
    /// The token every form of this session posts back.
    pub csrf_token: String,
}

/// A session just started: the cookie value (shown once) and its CSRF token.
pub struct Started {
    /// The random session id for the cookie.
    pub cookie_value: String,
}

/// Starts a session for account `user_id` unless it is deactivated.
pub async fn start(pool: &PgPool, user_id: Uuid) -> Result<Started, AuthError> {
    let cookie_value = secret::generate();
    let expires_at = Utc::now() + chrono::Duration::from_std(SESSION_TTL).unwrap_or_default();
    let mut tx = pool.begin().await?;
    status::ensure_active(&mut tx, user_id).await?;
    sqlx::query("DELETE FROM backoffice_sessions WHERE expires_at < now()")
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO backoffice_sessions (token_hash, user_id, csrf_token, expires_at)
         VALUES ($1, $2, $3, $4)",
    )
    .bind(secret::digest(&cookie_value))
    .bind(user_id)
    .bind(secret::generate())
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Started { cookie_value })
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    user_id: Uuid,
    email: String,
    role: String,
    csrf_token: String,
}

/// The live session of `cookie_value`: unexpired, its account active.
pub async fn find(pool: &PgPool, cookie_value: &str) -> Result<Option<StaffSession>, sqlx::Error> {
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT s.user_id, u.email, u.role, s.csrf_token
           FROM backoffice_sessions s JOIN users u ON u.id = s.user_id
          WHERE s.token_hash = $1 AND s.expires_at > now() AND u.deactivated_at IS NULL",
    )
    .bind(secret::digest(cookie_value))
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|row| {
        Some(StaffSession {
            user_id: row.user_id,
            email: row.email,
            role: Role::parse(&row.role)?,
            csrf_token: row.csrf_token,
        })
    }))
}

/// Ends the session of `cookie_value` (nothing when there is none).
pub async fn end(pool: &PgPool, cookie_value: &str) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM backoffice_sessions WHERE token_hash = $1")
        .bind(secret::digest(cookie_value))
        .execute(pool)
        .await?;
    Ok(())
}
