//! A payment provider reports the outcome of a payment (its webhook, already authenticated
//! by the transport). Idempotent on the provider's event id: a redelivered event answers
//! with the outcome stored the first time and changes nothing (table
//! `payment_webhook_events`, written here only).

use chrono::Utc;
use commerce_aggregates::order::{OrderCommand, OrderError};
use sqlx::PgPool;

use crate::payments::attempts::{self, AttemptOutcome};
pub use crate::payments::{PaymentReport, ProviderEvent};
use crate::store::{CommandMetadata, ExecuteError, StoreError, Stores};

/// The provider name recorded on payments reported by the `test` provider's webhook.
pub const WEBHOOK_PROVIDER: &str = "webhook";

/// How an event was handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    /// `paid`, `failed` or `ignored`.
    pub outcome: String,
    /// Whether this event id had been handled before (nothing was done this time).
    pub replayed: bool,
}

/// Why an event was not handled (nothing is stored, so the provider's retry is handled
/// afresh).
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    /// The order refused the payment, or the store failed.
    #[error(transparent)]
    Order(ExecuteError<OrderError>),
    /// The webhook log failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Handles `event` once.
#[tracing::instrument(skip_all, fields(event_id = %event.id), err(level = "debug"))]
pub async fn handle(
    stores: &Stores,
    pool: &PgPool,
    event: ProviderEvent,
    metadata: &CommandMetadata,
) -> Result<Handled, WebhookError> {
    if let Some(outcome) = stored_outcome(pool, &event.id).await? {
        return Ok(Handled {
            outcome,
            replayed: true,
        });
    }
    let outcome = match (event.report, event.order_id) {
        (
            PaymentReport::Succeeded {
                provider,
                reference,
                amount,
            },
            Some(order_id),
        ) => {
            attempts::settle(pool, order_id, &provider, &reference, AttemptOutcome::Paid).await?;
            let command = OrderCommand::RecordPayment {
                provider,
                payment_reference: reference,
                amount,
                at: Utc::now(),
            };
            stores
                .orders
                .execute(&order_id.to_string(), command, metadata, None)
                .await
                .map_err(WebhookError::Order)?;
            "paid"
        }
        (
            PaymentReport::Failed {
                provider,
                reference,
            },
            Some(order_id),
        ) => {
            tracing::info!(%order_id, %reference, "payment failed at the provider");
            // The customer's next request is a new attempt.
            attempts::settle(
                pool,
                order_id,
                &provider,
                &reference,
                AttemptOutcome::Declined,
            )
            .await?;
            "failed"
        }
        _ => "ignored",
    };
    // A concurrent delivery of the same event may have stored its outcome first: answer
    // with that one (the order command itself is idempotent on the payment reference).
    let inserted = sqlx::query(
        "INSERT INTO payment_webhook_events (provider_event_id, order_id, type, outcome)
         VALUES ($1, $2, $3, $4) ON CONFLICT (provider_event_id) DO NOTHING",
    )
    .bind(&event.id)
    .bind(event.order_id)
    .bind(&event.event_type)
    .bind(outcome)
    .execute(pool)
    .await
    .map_err(StoreError::from)?
    .rows_affected();
    if inserted == 0 {
        let outcome = stored_outcome(pool, &event.id)
            .await?
            .unwrap_or_else(|| outcome.to_string());
        return Ok(Handled {
            outcome,
            replayed: true,
        });
    }
    Ok(Handled {
        outcome: outcome.to_string(),
        replayed: false,
    })
}

/// The stored outcome of event `id`, if it was handled already.
async fn stored_outcome(pool: &PgPool, id: &str) -> Result<Option<String>, StoreError> {
    Ok(sqlx::query_scalar(
        "SELECT outcome FROM payment_webhook_events WHERE provider_event_id = $1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?)
}
