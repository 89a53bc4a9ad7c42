//! Sessions: login, refresh-token rotation with reuse detection, logout and access-token
//! revocation.
//!
//! A login starts a refresh-token *family*. Each refresh uses up (rotates) the presented token
//! and issues its successor in the family, with a new access token. Presenting a rotated token
//! again means two parties hold the family (one of them stole it): the whole family is revoked,
//! together with the live access tokens issued with it. Logout revokes a family the same way
//! and records the presented access token's `jti` in `revoked_access_tokens`, which the
//! `AuthUser` extractor consults, until it expires.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::secret::Secret;

use super::accounts::{self, normalize_email, Account};
use super::{jwt, password, secret, status, throttle, AuthError};

/// What a login or refresh hands out.
#[derive(Debug, Clone)]
pub struct TokenPair {
    /// The access JWT.
    pub access_token: String,
    /// The opaque refresh token (shown once; stored hashed).
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The account it was issued for.
    pub account: Account,
}

/// How tokens are signed and how long they live (`JWT_SECRET`, `ACCESS_TOKEN_TTL_SECONDS`,
/// `REFRESH_TOKEN_TTL_SECONDS`).
#[derive(Debug, Clone)]
pub struct TokenSettings {
    /// The HMAC key access tokens are signed with.
    pub jwt_secret: Secret,
    /// How long an access token is valid.
    pub access_token_ttl: std::time::Duration,
    /// How long a refresh token is valid.
    pub refresh_token_ttl: std::time::Duration,
}

/// Checks `email` and `password` (throttled per account and per `client` address) and starts
/// a session.
pub async fn login(
    pool: &PgPool,
    tokens: &TokenSettings,
    email: &str,
    password: &str,
    client: Option<IpAddr>,
) -> Result<TokenPair, AuthError> {
    let account = verify_credentials(pool, email, password, client).await?;
    let mut tx = pool.begin().await?;
    // Only a right password learns that the account is deactivated.
    status::ensure_active(&mut tx, account.id).await?;
    sqlx::query("DELETE FROM refresh_tokens WHERE user_id = $1 AND expires_at < now()")
        .bind(account.id)
        .execute(&mut *tx)
        .await?;
    let pair = issue(&mut tx, tokens, account, Uuid::new_v4(), true).await?;
    tx.commit().await?;
    tracing::info!(user_id = %pair.account.id, "logged in");
    Ok(pair)
}

/// The account whose `email` and `password` these are (throttled per account and per `client`
/// address, as slow for an unknown email as for a wrong password). Starts no session: the
/// caller does, after `status::ensure_active` (API tokens here, the back office's cookie
/// sessions in `crate::backoffice`).
pub async fn verify_credentials(
    pool: &PgPool,
    email: &str,
    password: &str,
    client: Option<IpAddr>,
) -> Result<Account, AuthError> {
    let limits = throttle::Limits::default();
    let key = normalize_email(email);
    if !accounts::check_email("email", &key).is_empty() {
        // No account can have this address: refuse without touching the database.
        password::verify_dummy(password.to_string()).await?;
        return Err(AuthError::InvalidCredentials);
    }
    throttle::check(pool, limits, &key, client).await?;
    let account = match accounts::find_credentials(pool, &key).await? {
        Some((account, hash)) => password::verify(password.to_string(), hash)
            .await?
            .then_some(account),
        None => {
            // As slow as a wrong password, so timing does not reveal which emails exist.
            password::verify_dummy(password.to_string()).await?;
            None
        }
    };
    let Some(account) = account else {
        throttle::record_failure(pool, limits, &key, client).await?;
        tracing::info!(client = ?client, "login failed");
        return Err(AuthError::InvalidCredentials);
    };
    throttle::clear_account(pool, &key).await?;
    Ok(account)
}

/// Signs an access token for `account` (`fresh` after a password login) and stores a new
/// refresh token of `family`.
async fn issue(
    tx: &mut PgConnection,
    tokens: &TokenSettings,
    account: Account,
    family: Uuid,
    fresh: bool,
) -> Result<TokenPair, AuthError> {
    let jwt::Issued {
        token: access_token,
        claims,
    } = jwt::issue_with(
        tokens.jwt_secret.expose(),
        account.id,
        account.role,
        tokens.access_token_ttl,
        fresh,
    )?;
    let refresh_token = secret::generate();
    let access_expires_at =
        DateTime::<Utc>::from_timestamp(claims.exp, 0).unwrap_or(DateTime::<Utc>::MAX_UTC);
    let refresh_expires_at = Utc::now()
        + chrono::Duration::from_std(tokens.refresh_token_ttl)
            .unwrap_or(chrono::Duration::days(365));
    sqlx::query(
        "INSERT INTO refresh_tokens
             (token_hash, family_id, user_id, access_jti, access_expires_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(secret::digest(&refresh_token))
    .bind(family)
    .bind(account.id)
    .bind(claims.jti)
    .bind(access_expires_at)
    .bind(refresh_expires_at)
    .execute(&mut *tx)
    .await?;
    Ok(TokenPair {
        access_token,
        refresh_token,
        expires_in: tokens.access_token_ttl.as_secs(),
        account,
    })
}

/// The stored state of a refresh token.
#[derive(sqlx::FromRow)]
struct RefreshRow {
    family_id: Uuid,
    user_id: Uuid,
    expires_at: DateTime<Utc>,
    rotated_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

/// Exchanges `refresh_token` for a new pair in the same family (the role is read afresh; the
/// access token is never fresh). A rotated token presented again revokes its family; a
/// deactivated account gets nothing.
pub async fn refresh(
    pool: &PgPool,
    tokens: &TokenSettings,
    refresh_token: &str,
) -> Result<TokenPair, AuthError> {
    let mut tx = pool.begin().await?;
    // Account changes lock the user, then its refresh tokens: the same order here.
    let owner: Option<Uuid> =
        sqlx::query_scalar("SELECT user_id FROM refresh_tokens WHERE token_hash = $1")
            .bind(secret::digest(refresh_token))
            .fetch_optional(&mut *tx)
            .await?;
    let Some(owner) = owner else {
        return Err(AuthError::InvalidRefreshToken);
    };
    match status::ensure_active(&mut tx, owner).await {
        Err(AuthError::UserNotFound) => return Err(AuthError::InvalidRefreshToken),
        other => other?,
    }
    let row: Option<RefreshRow> = sqlx::query_as(
        "SELECT family_id, user_id, expires_at, rotated_at, revoked_at
           FROM refresh_tokens WHERE token_hash = $1 FOR UPDATE",
    )
    .bind(secret::digest(refresh_token))
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        return Err(AuthError::InvalidRefreshToken);
    };
    if row.revoked_at.is_some() {
        return Err(AuthError::InvalidRefreshToken);
    }
    if row.rotated_at.is_some() {
        revoke_family(&mut tx, row.family_id).await?;
        tx.commit().await?;
        tracing::warn!(
            user_id = %row.user_id,
            family = %row.family_id,
            "rotated refresh token reused: family revoked"
        );
        return Err(AuthError::InvalidRefreshToken);
    }
    if row.expires_at <= Utc::now() {
        return Err(AuthError::InvalidRefreshToken);
    }
    // Share-locked above by `ensure_active`.
    let account = accounts::find(&mut *tx, row.user_id)
        .await?
        .ok_or(AuthError::InvalidRefreshToken)?;
    sqlx::query("UPDATE refresh_tokens SET rotated_at = now() WHERE token_hash = $1")
        .bind(secret::digest(refresh_token))
        .execute(&mut *tx)
        .await?;
    let pair = issue(&mut tx, tokens, account, row.family_id, false).await?;
    tx.commit().await?;
    tracing::info!(user_id = %row.user_id, "refresh token rotated");
    Ok(pair)
}

/// Ends the session of `user_id`: revokes the family of `refresh_token` when given (and the
/// user's), otherwise the family the access token `jti` was issued with, and revokes `jti`
/// itself until `expires_at` (Unix seconds).
pub async fn logout(
    pool: &PgPool,
    user_id: Uuid,
    jti: Uuid,
    expires_at: i64,
    refresh_token: Option<&str>,
) -> Result<(), AuthError> {
    let mut tx = pool.begin().await?;
    let family: Option<Uuid> = match refresh_token {
        Some(token) => {
            sqlx::query_scalar(
                "SELECT family_id FROM refresh_tokens WHERE token_hash = $1 AND user_id = $2",
            )
            .bind(secret::digest(token))
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
        }
        None => {
            sqlx::query_scalar(
                "SELECT family_id FROM refresh_tokens WHERE access_jti = $1 AND user_id = $2",
            )
            .bind(jti)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
        }
    };
    if let Some(family) = family {
        revoke_family(&mut tx, family).await?;
    }
    let expires_at =
        DateTime::<Utc>::from_timestamp(expires_at, 0).unwrap_or(DateTime::<Utc>::MAX_UTC);
    revoke_access_token(&mut tx, jti, expires_at).await?;
    sqlx::query("DELETE FROM revoked_access_tokens WHERE expires_at < now()")
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!(%user_id, family_revoked = family.is_some(), "logged out");
    Ok(())
}

/// Whether the access token `jti` has been revoked.
pub async fn is_revoked(pool: &PgPool, jti: Uuid) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM revoked_access_tokens WHERE jti = $1)")
        .bind(jti)
        .fetch_one(pool)
        .await
}

async fn revoke_access_token(
    tx: &mut PgConnection,
    jti: Uuid,
    expires_at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO revoked_access_tokens (jti, expires_at) VALUES ($1, $2)
         ON CONFLICT (jti) DO NOTHING",
    )
    .bind(jti)
    .bind(expires_at)
    .execute(&mut *tx)
    .await?;
    super::revocations::record(jti, expires_at);
    Ok(())
}

/// Revokes every refresh token of `family` and the live access tokens issued with them.
pub(crate) async fn revoke_family(tx: &mut PgConnection, family: Uuid) -> Result<(), sqlx::Error> {
    revoke_where(tx, "family_id = $1", family).await
}

/// Revokes every session of `user_id` (after a password or role change).
pub(crate) async fn revoke_user_sessions(
    tx: &mut PgConnection,
    user_id: Uuid,
) -> Result<(), sqlx::Error> {
    revoke_where(tx, "user_id = $1", user_id).await
}

/// Revokes every session of `user_id` but the one the access token `keep_jti` belongs to
/// (after the user changed their password from it).
pub(crate) async fn revoke_other_sessions(
    tx: &mut PgConnection,
    user_id: Uuid,
    keep_jti: Uuid,
) -> Result<(), sqlx::Error> {
    let kept: Option<Uuid> = sqlx::query_scalar(
        "SELECT family_id FROM refresh_tokens WHERE access_jti = $1 AND user_id = $2",
    )
    .bind(keep_jti)
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let families: Vec<Uuid> = sqlx::query_scalar(
        "SELECT DISTINCT family_id FROM refresh_tokens
          WHERE user_id = $1 AND family_id IS DISTINCT FROM $2
            AND (revoked_at IS NULL OR access_expires_at > now())",
    )
    .bind(user_id)
    .bind(kept)
    .fetch_all(&mut *tx)
    .await?;
    for family in families {
        revoke_family(tx, family).await?;
    }
    Ok(())
}

async fn revoke_where(tx: &mut PgConnection, condition: &str, id: Uuid) -> Result<(), sqlx::Error> {
    let revoked: Vec<(Uuid, DateTime<Utc>)> = sqlx::query_as(&format!(
        "INSERT INTO revoked_access_tokens (jti, expires_at)
         SELECT access_jti, access_expires_at FROM refresh_tokens
          WHERE {condition} AND access_expires_at > now()
         ON CONFLICT (jti) DO NOTHING
         RETURNING jti, expires_at"
    ))
    .bind(id)
    .fetch_all(&mut *tx)
    .await?;
    for (jti, expires_at) in revoked {
        super::revocations::record(jti, expires_at);
    }
    sqlx::query(&format!(
        "UPDATE refresh_tokens SET revoked_at = now() WHERE {condition} AND revoked_at IS NULL"
    ))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
