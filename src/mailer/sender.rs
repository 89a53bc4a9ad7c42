//! The sender: delivers the pending emails of the outbox that are due and records the outcome.
//!
//! Every `MAIL_POLL_INTERVAL_MS` (at once again after a full batch) it locks a batch of due rows
//! (`FOR UPDATE SKIP LOCKED`, so several workers share the queue), delivers them through the
//! [`Transport`] — at most [`CONCURRENCY`] at a time — and marks each `sent`, or on failure
//! counts the attempt, keeps the error and schedules the next try with exponential backoff
//! (`MAIL_RETRY_BASE_MS`, doubled per failure, capped at [`MAX_BACKOFF`]). After
//! [`MAX_ATTEMPTS`] failures, or at once when retrying cannot help (an invalid address), the
//! email is `failed`.
//!
//! Delivery is at least once at the relay: if the process dies after the relay accepted a
//! message but before its row is marked, it is sent again (with the same `Message-ID`).

use std::time::Duration;

use chrono::{DateTime, Utc};
use commerce_runtime::Backoff;
use futures_util::StreamExt;
use sqlx::PgPool;
use uuid::Uuid;

use super::transport::{DeliveryError, Transport};
use super::MailSettings;
use crate::shutdown::Shutdown;

/// Emails delivered per transaction.
pub const BATCH_SIZE: i64 = 20;
/// Deliveries in flight at once.
pub const CONCURRENCY: usize = 4;
/// Failed attempts after which an email is given up (`failed`).
pub const MAX_ATTEMPTS: i32 = 10;
/// The longest wait between two attempts.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// One email to deliver.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Email {
    /// Its id (the `.eml` file name and the local part of its `Message-ID`).
    pub id: Uuid,
    /// The recipient.
    pub recipient: String,
    /// The subject.
    pub subject: String,
    /// The plain-text part.
    pub text_body: String,
    /// The HTML part.
    pub html_body: String,
    /// Where replies go (`Reply-To`), when not to the sender.
    pub reply_to: Option<String>,
    /// Failed attempts so far.
    pub attempts: i32,
    /// When it was queued (the `Date` header).
    pub created_at: DateTime<Utc>,
}

/// Delivers due emails until `stop` is triggered.
pub async fn run(pool: PgPool, settings: MailSettings, stop: Shutdown) {
    let transport = match Transport::new(&settings) {
        Ok(transport) => transport,
        Err(error) => {
            // Unreachable in practice: the configuration was checked at startup.
            tracing::error!(error = format!("{error:#}"), "email sender not started");
            return;
        }
    };
    tracing::info!(transport = %transport.describe(), "email sender started");
    if settings
        .smtp
        .as_ref()
        .is_some_and(|s| s.credentials_in_clear())
    {
        tracing::warn!("SMTP_URL sends credentials without TLS: use ?tls=required or smtps://");
    }
    loop {
        let mut full = false;
        match deliver_due(&pool, &settings, &transport).await {
            Ok(0) => {}
            Ok(count) => {
                tracing::debug!(count, "emails processed");
                full = count as i64 >= BATCH_SIZE;
            }
            Err(error) => tracing::warn!(%error, "email sender pass failed"),
        }
        if full && !stop.is_triggered() {
            continue;
        }
        if stop.sleep(settings.poll_interval).await {
            return;
        }
    }
}

/// One pass: delivers a batch of due emails through `transport`; returns how many were
/// attempted.
pub async fn deliver_due(
    pool: &PgPool,
    settings: &MailSettings,
    transport: &Transport,
) -> Result<usize, sqlx::Error> {
    let mut tx = pool.begin().await?;
    let due: Vec<Email> = sqlx::query_as(
        "SELECT id, recipient, subject, text_body, html_body, reply_to, attempts, created_at
           FROM emails
          WHERE status = 'pending' AND next_attempt_at <= now()
          ORDER BY next_attempt_at, id
          LIMIT $1
          FOR UPDATE SKIP LOCKED",
    )
    .bind(BATCH_SIZE)
    .fetch_all(&mut *tx)
    .await?;
    // Owned values in the futures: borrowed ones trip the compiler's higher-ranked lifetime
    // check once this runs in a spawned task.
    let outcomes: Vec<(Email, Result<(), DeliveryError>)> =
        futures_util::stream::iter(due.iter().cloned())
            .map(|email| {
                let (transport, from) = (transport.clone(), settings.from.clone());
                async move {
                    let outcome = transport.send(&from, &email).await;
                    (email, outcome)
                }
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
    for (email, outcome) in &outcomes {
        match outcome {
            Ok(()) => {
                sqlx::query(
                    "UPDATE emails SET status = 'sent', sent_at = now(), last_error = NULL
                      WHERE id = $1",
                )
                .bind(email.id)
                .execute(&mut *tx)
                .await?;
                tracing::info!(email_id = %email.id, "email delivered");
            }
            Err(error) => {
                let attempts = email.attempts + 1;
                let status = if attempts >= MAX_ATTEMPTS || error.is_permanent() {
                    "failed"
                } else {
                    "pending"
                };
                let delay = backoff(settings.retry_base).after(attempts.max(0) as u32);
                tracing::warn!(email_id = %email.id, attempts, status, %error,
                    "email delivery failed");
                sqlx::query(
                    "UPDATE emails SET attempts = $2, last_error = $3, status = $4,
                            next_attempt_at = now() + make_interval(secs => $5)
                      WHERE id = $1",
                )
                .bind(email.id)
                .bind(attempts)
                .bind(error.to_string())
                .bind(status)
                .bind(delay.as_secs_f64())
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(due.len())
}

/// The waits between delivery attempts: `base`, 2 × `base`, 4 × `base` …, at most
/// [`MAX_BACKOFF`].
pub fn backoff(base: Duration) -> Backoff {
    Backoff::new(base, MAX_BACKOFF)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let base = Duration::from_secs(2);
        assert_eq!(backoff(base).after(1), Duration::from_secs(2));
        assert_eq!(backoff(base).after(3), Duration::from_secs(8));
        assert_eq!(backoff(base).after(9), MAX_BACKOFF);
        assert_eq!(backoff(base).after(100), MAX_BACKOFF);
        assert_eq!(backoff(base).after(0), base);
        let base = Duration::from_millis(200);
        assert_eq!(backoff(base).after(4), Duration::from_millis(1600));
    }
}
