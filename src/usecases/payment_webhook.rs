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

/// The provider payments reported by `POST payments/webhook` are recorded under: it is the
/// `test` provider's webhook, so its payments are refunded through that provider.
pub const WEBHOOK_PROVIDER: &str = crate::payments::TEST_PROVIDER;

/// How an event was handled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    /// `paid`, `failed`, `refunded`, `refund_failed` or `ignored`.
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
            on_order(stores, order_id, command, metadata).await?;
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
        (
            PaymentReport::RefundSettled {
                refund_id,
                reference,
                succeeded,
                reason,
            },
            Some(order_id),
        ) => {
            let at = Utc::now();
            let command = if succeeded {
                OrderCommand::CompleteRefund {
                    refund_id,
                    provider_reference: reference,
                    at,
                }
            } else {
                OrderCommand::FailRefund {
                    refund_id,
                    reason: reason.unwrap_or_else(|| "refused by the payment provider".into()),
                    at,
                }
            };
            on_order(stores, order_id, command, metadata).await?;
            if succeeded {
                "refunded"
            } else {
                "refund_failed"
            }
        }
        (
            PaymentReport::Refunded {
                refunded,
                reference,
                payment_reference,
            },
            order_id,
        ) => {
            let order_id = match (order_id, payment_reference) {
                (Some(order_id), _) => Some(order_id),
                (None, Some(payment)) => attempts::order_paid_by(pool, &payment).await?,
                (None, None) => None,
            };
            let Some(order_id) = order_id else {
                return store_outcome(pool, &event.id, None, &event.event_type, "ignored").await;
            };
            let command = OrderCommand::RecordProviderRefunds {
                refunded,
                provider_reference: reference,
                at: Utc::now(),
            };
            on_order(stores, order_id, command, metadata).await?;
            "refunded"
        }
        _ => "ignored",
    };
    store_outcome(pool, &event.id, event.order_id, &event.event_type, outcome).await
}

/// Runs what the provider reported on order `order_id` (each of these commands is idempotent
/// on the provider's reference).
async fn on_order(
    stores: &Stores,
    order_id: uuid::Uuid,
    command: OrderCommand,
    metadata: &CommandMetadata,
) -> Result<(), WebhookError> {
    stores
        .orders
        .execute(&order_id.to_string(), command, metadata, None)
        .await
        .map_err(WebhookError::Order)?;
    Ok(())
}

/// Stores `outcome` of event `id` and answers it; a concurrent delivery of the same event
/// may have stored its outcome first: then that one is answered (the order commands are
/// idempotent on their references, so doing the work twice changed nothing).
async fn store_outcome(
    pool: &PgPool,
    id: &str,
    order_id: Option<uuid::Uuid>,
    event_type: &str,
    outcome: &str,
) -> Result<Handled, WebhookError> {
    let inserted = sqlx::query(
        "INSERT INTO payment_webhook_events (provider_event_id, order_id, type, outcome)
         VALUES ($1, $2, $3, $4) ON CONFLICT (provider_event_id) DO NOTHING",
    )
    .bind(id)
    .bind(order_id)
    .bind(event_type)
    .bind(outcome)
    .execute(pool)
    .await
    .map_err(StoreError::from)?
    .rows_affected();
    if inserted == 0 {
        let outcome = stored_outcome(pool, id)
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
