//! The contact form's throttle: at most `CONTACT_MESSAGES_PER_HOUR` messages per client
//! address and per sender email over a sliding hour, counted in Postgres
//! (`contact_submissions`) so every process sees the same counts.
//!
//! [`reserve`] takes a transaction advisory lock per key (address first, then email, so two
//! requests never wait for each other in a circle), counts the key's rows in the window and,
//! below the limit for both, inserts the message's row before committing: two concurrent
//! requests cannot both take the last place.

use std::net::IpAddr;
use std::time::Duration;

use sqlx::{PgConnection, PgPool};

use crate::auth::throttle::{blocked_for, Window};

/// The sliding window.
pub const WINDOW: Duration = Duration::from_secs(3600);
/// Advisory-lock class of client-address keys ("CTCA").
const ADDRESS_LOCK: i32 = 0x4354_4341;
/// Advisory-lock class of sender-email keys ("CTCE").
const EMAIL_LOCK: i32 = 0x4354_4345;

/// How many messages a client address, and a sender email, may send per hour (0: no limit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContactLimits {
    /// Messages per key in [`WINDOW`].
    pub per_hour: u32,
}

impl Default for ContactLimits {
    /// 5 per hour.
    fn default() -> Self {
        Self { per_hour: 5 }
    }
}

/// The limit was reached: the next message may be sent after `retry_after`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many contact messages; retry in {retry_after:?}")]
pub struct Throttled {
    /// When the oldest message in the window ages out.
    pub retry_after: Duration,
}

/// Why [`reserve`] did not reserve.
#[derive(Debug, thiserror::Error)]
pub enum ReserveError {
    /// Over the limit.
    #[error(transparent)]
    Throttled(#[from] Throttled),
    /// The database failed.
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

impl From<ReserveError> for super::SendContactError {
    fn from(error: ReserveError) -> Self {
        match error {
            ReserveError::Throttled(throttled) => Self::Throttled(throttled),
            ReserveError::Database(error) => Self::Database(error),
        }
    }
}

/// A message's place in the window, taken back with [`Reservation::release`] if the message
/// is not recorded after all.
#[derive(Debug)]
#[must_use]
pub struct Reservation(Option<i64>);

impl Reservation {
    /// Gives the place back.
    pub async fn release(self, pool: &PgPool) -> Result<(), sqlx::Error> {
        if let Some(id) = self.0 {
            sqlx::query("DELETE FROM contact_submissions WHERE id = $1")
                .bind(id)
                .execute(pool)
                .await?;
        }
        Ok(())
    }
}

/// Reserves a place for a message from `client` signed `email` (normalised), or says how
/// long to wait (see the module documentation).
pub async fn reserve(
    pool: &PgPool,
    limits: ContactLimits,
    client: Option<IpAddr>,
    email: &str,
) -> Result<Reservation, ReserveError> {
    if limits.per_hour == 0 {
        return Ok(Reservation(None));
    }
    let client = client.map(|addr| addr.to_string());
    let mut tx = pool.begin().await?;
    if let Some(addr) = &client {
        lock(&mut tx, ADDRESS_LOCK, addr).await?;
    }
    lock(&mut tx, EMAIL_LOCK, email).await?;
    let window = Window {
        table: "contact_submissions",
        at: "submitted_at",
        length: WINDOW,
    };
    let mut wait = blocked_for(
        &mut *tx,
        &window,
        "sender_email = $1",
        email,
        limits.per_hour,
    )
    .await?;
    if let Some(addr) = &client {
        let by_address = blocked_for(
            &mut *tx,
            &window,
            "client_addr = $1::text::inet",
            addr,
            limits.per_hour,
        )
        .await?;
        wait = wait.max(by_address);
    }
    if let Some(retry_after) = wait {
        tracing::warn!(client = ?client, "contact message throttled");
        return Err(Throttled { retry_after }.into());
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO contact_submissions (client_addr, sender_email)
         VALUES ($1::text::inet, $2) RETURNING id",
    )
    .bind(&client)
    .bind(email)
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query(
        "DELETE FROM contact_submissions WHERE submitted_at < now() - make_interval(secs => $1)",
    )
    .bind(WINDOW.as_secs_f64())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Reservation(Some(id)))
}

async fn lock(tx: &mut PgConnection, class: i32, key: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1, hashtext($2))")
        .bind(class)
        .bind(key)
        .execute(&mut *tx)
        .await?;
    Ok(())
}
