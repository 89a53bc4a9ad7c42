//! Failed-login throttling over a sliding window, per account and per client address.
//!
//! Every failed login (wrong password or unknown email) is a row in `login_failures`. Before
//! checking a password, the login counts the failures of the account (the attempted email) and
//! of the client address in the window: at the limit it is refused with a retry delay — even
//! with the right password, so guessing on stops paying. A successful login (or password reset)
//! clears the account's failures; the address's stay until they age out. The address limit is
//! higher, since many users can share one address.

use std::net::IpAddr;
use std::time::Duration;

use sqlx::{PgExecutor, PgPool};

use super::AuthError;

/// How many failures are allowed, and over which window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Failures per account in the window before logins to it are refused.
    pub per_account: u32,
    /// Failures per client address in the window before its logins are refused.
    pub per_client: u32,
    /// The sliding window.
    pub window: Duration,
}

impl Default for Limits {
    /// 5 failures per account and 20 per address in 15 minutes.
    fn default() -> Self {
        Self {
            per_account: 5,
            per_client: 20,
            window: Duration::from_secs(15 * 60),
        }
    }
}

/// [`AuthError::Throttled`] when the account or the client has reached its limit.
pub async fn check(
    pool: &PgPool,
    limits: Limits,
    account_key: &str,
    client: Option<IpAddr>,
) -> Result<(), AuthError> {
    let window = Window {
        table: "login_failures",
        at: "failed_at",
        length: limits.window,
    };
    let by_account = blocked_for(
        pool,
        &window,
        "account_key = $1",
        account_key,
        limits.per_account,
    )
    .await?;
    let by_client = match client {
        Some(addr) => {
            let addr = addr.to_string();
            blocked_for(
                pool,
                &window,
                "client_addr = $1::text::inet",
                &addr,
                limits.per_client,
            )
            .await?
        }
        None => None,
    };
    match by_account.max(by_client) {
        Some(retry_after) => {
            tracing::warn!(client = ?client, "login throttled");
            Err(AuthError::Throttled { retry_after })
        }
        None => Ok(()),
    }
}

/// A sliding-window throttle's rows: each row of `table` is one counted attempt at `at`.
/// Logins (`login_failures`) and contact messages (`contact_submissions`) are throttled so.
pub(crate) struct Window {
    /// The table of attempts.
    pub table: &'static str,
    /// Its time column.
    pub at: &'static str,
    /// How far back attempts count.
    pub length: Duration,
}

/// How long until fewer than `limit` rows of `window` matching `condition` (on `key`, bound
/// as `$1`) remain in it (`None`: below the limit now).
pub(crate) async fn blocked_for<'e>(
    db: impl PgExecutor<'e>,
    window: &Window,
    condition: &str,
    key: &str,
    limit: u32,
) -> Result<Option<Duration>, sqlx::Error> {
    let Window { table, at, length } = window;
    // The limit-th most recent row in the window: once it ages out, one more is allowed.
    let seconds: Option<f64> = sqlx::query_scalar(&format!(
        "SELECT EXTRACT(EPOCH FROM {at} + make_interval(secs => $2) - now())::float8
           FROM {table}
          WHERE {condition} AND {at} > now() - make_interval(secs => $2)
          ORDER BY {at} DESC
          OFFSET $3 LIMIT 1"
    ))
    .bind(key)
    .bind(length.as_secs_f64())
    .bind(i64::from(limit.max(1) - 1))
    .fetch_optional(db)
    .await?;
    Ok(seconds.map(|s| Duration::from_secs_f64(s.max(1.0))))
}

/// Records a failed login for `account_key` from `client`, and forgets failures older than the
/// window.
pub async fn record_failure(
    pool: &PgPool,
    limits: Limits,
    account_key: &str,
    client: Option<IpAddr>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO login_failures (account_key, client_addr) VALUES ($1, $2::text::inet)",
    )
    .bind(account_key)
    .bind(client.map(|a| a.to_string()))
    .execute(pool)
    .await?;
    sqlx::query("DELETE FROM login_failures WHERE failed_at < now() - make_interval(secs => $1)")
        .bind(limits.window.as_secs_f64())
        .execute(pool)
        .await?;
    Ok(())
}

/// Forgets the failures of `account_key` (after a successful login or password reset).
pub async fn clear_account<'e>(
    executor: impl PgExecutor<'e>,
    account_key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM login_failures WHERE account_key = $1")
        .bind(account_key)
        .execute(executor)
        .await?;
    Ok(())
}
