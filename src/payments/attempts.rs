//! The payment attempts of an order (table `payment_attempts`): which idempotency key a
//! charge is sent with, and what came of it.
//!
//! A request joins the order's last attempt when that attempt's outcome is still open
//! (`pending`: no answer; `awaiting`: the customer must act) with the same provider and
//! the same payment method, so the provider recognises the retry by its key and charges
//! nothing twice; anything else (a decline, another card) opens a new attempt.

use sqlx::PgPool;
use uuid::Uuid;

use crate::store::{Companion, StoreError};

/// How an attempt ended, as far as the engine knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptOutcome {
    /// Sent; no answer yet, or the provider was unavailable.
    Pending,
    /// Accepted; the customer must act or the provider settles later.
    Awaiting,
    /// The money is taken.
    Paid,
    /// Refused.
    Declined,
}

impl AttemptOutcome {
    fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Pending => "pending",
            AttemptOutcome::Awaiting => "awaiting",
            AttemptOutcome::Paid => "paid",
            AttemptOutcome::Declined => "declined",
        }
    }
}

/// One attempt as the pay use case sends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// The order.
    pub order_id: Uuid,
    /// 1, 2, … per order.
    pub number: i32,
}

impl Attempt {
    /// The provider's idempotency key of this attempt.
    pub fn idempotency_key(&self) -> String {
        format!("order-{}-attempt-{}", self.order_id.simple(), self.number)
    }
}

/// The attempt a charge of `order_id` through `provider` with `token` is sent as: the last
/// one when it is still open with the same provider and token, else a new one.
pub async fn begin(
    pool: &PgPool,
    order_id: Uuid,
    provider: &str,
    token: &str,
) -> Result<Attempt, StoreError> {
    // One statement, so two concurrent requests of the same retry land on the same row
    // (the second's insert conflicts and only touches it).
    let number: i32 = sqlx::query_scalar(
        "WITH last AS (
             SELECT attempt, provider, token, outcome FROM payment_attempts
             WHERE order_id = $1 ORDER BY attempt DESC LIMIT 1)
         INSERT INTO payment_attempts (order_id, attempt, provider, token, outcome)
         SELECT $1,
                CASE WHEN last.attempt IS NULL THEN 1
                     WHEN last.outcome IN ('pending', 'awaiting')
                          AND last.provider = $2 AND last.token = $3 THEN last.attempt
                     ELSE last.attempt + 1 END,
                $2, $3, 'pending'
         FROM (SELECT 1) AS one LEFT JOIN last ON true
         ON CONFLICT (order_id, attempt) DO UPDATE SET updated_at = now()
         RETURNING attempt",
    )
    .bind(order_id)
    .bind(provider)
    .bind(token)
    .fetch_one(pool)
    .await?;
    Ok(Attempt { order_id, number })
}

/// What came of `attempt` (and the provider's reference), to be stored with the events that
/// record it ([`Companion`]).
pub fn outcome(attempt: &Attempt, outcome: AttemptOutcome, reference: Option<&str>) -> Companion {
    Companion::AttemptOutcome {
        order_id: attempt.order_id,
        attempt: attempt.number,
        outcome: outcome.as_str(),
        reference: reference.map(str::to_owned),
    }
}

/// Records what came of `attempt` (and the provider's reference, once known).
pub async fn conclude(
    pool: &PgPool,
    attempt: &Attempt,
    outcome: AttemptOutcome,
    reference: Option<&str>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE payment_attempts
         SET outcome = $3, reference = coalesce($4, reference), updated_at = now()
         WHERE order_id = $1 AND attempt = $2 AND outcome <> 'paid'",
    )
    .bind(attempt.order_id)
    .bind(attempt.number)
    .bind(outcome.as_str())
    .bind(reference)
    .execute(pool)
    .await?;
    Ok(())
}

/// A provider's webhook settled payment `reference` of `order_id`: the attempt with that
/// reference, or else the order's open attempt through `provider` whose answer was lost,
/// takes `outcome`.
pub async fn settle(
    pool: &PgPool,
    order_id: Uuid,
    provider: &str,
    reference: &str,
    outcome: AttemptOutcome,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE payment_attempts
         SET outcome = $4, reference = $3, updated_at = now()
         WHERE order_id = $1 AND outcome <> 'paid'
           AND attempt = (SELECT attempt FROM payment_attempts
                          WHERE order_id = $1 AND provider = $2
                            AND (reference = $3 OR (reference IS NULL AND outcome = 'pending'))
                          ORDER BY (reference = $3) DESC NULLS LAST, attempt DESC LIMIT 1)",
    )
    .bind(order_id)
    .bind(provider)
    .bind(reference)
    .bind(outcome.as_str())
    .execute(pool)
    .await?;
    Ok(())
}

/// Whether `order_id` was paid through `provider` with `token` (a retry of the payment
/// that succeeded).
pub async fn paid_with(
    pool: &PgPool,
    order_id: Uuid,
    provider: &str,
    token: &str,
) -> Result<bool, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM payment_attempts
                        WHERE order_id = $1 AND provider = $2 AND token = $3
                          AND outcome = 'paid')",
    )
    .bind(order_id)
    .bind(provider)
    .bind(token)
    .fetch_one(pool)
    .await?)
}

/// The order paid by the provider's payment `reference`, if the engine made that payment.
pub async fn order_paid_by(pool: &PgPool, reference: &str) -> Result<Option<Uuid>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT order_id FROM payment_attempts WHERE reference = $1 ORDER BY attempt DESC LIMIT 1",
    )
    .bind(reference)
    .fetch_optional(pool)
    .await?)
}
