//! Expires confirmed orders left unpaid past their payment deadline.
//!
//! Every `ORDER_EXPIRY_INTERVAL_MS` the job lists candidates from the `order_views` read model
//! (confirmed, deadline passed) and sends each an `ExpireOrder`; the order aggregate decides
//! (an order paid or cancelled meanwhile, or not yet due, refuses, and is skipped). The
//! `OrderExpired` event then makes the checkout process release the stock and the coupon.
//! Running it in several workers at once is harmless: the second `ExpireOrder` is refused.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use commerce_aggregates::order::{OrderCommand, OrderError};
use sqlx::PgPool;
use tokio::sync::watch;
use uuid::Uuid;

use crate::store::{Actor, CommandMetadata, ExecuteError, Stores};

/// Orders expired per sweep at most (the next sweep takes the rest).
const SWEEP_LIMIT: i64 = 500;

/// Sweeps every `interval` until `shutdown` turns true.
pub async fn run(
    pool: PgPool,
    stores: Arc<Stores>,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    while !*shutdown.borrow() {
        match sweep(&pool, &stores).await {
            Ok(0) => {}
            Ok(expired) => tracing::info!(expired, "unpaid orders expired"),
            Err(error) => tracing::warn!(error = format!("{error:#}"), "expiry sweep failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.wait_for(|stop| *stop) => {}
        }
    }
    tracing::info!("order expiry stopped: shutdown requested");
}

/// Expires the confirmed orders whose deadline has passed; how many were expired.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn sweep(pool: &PgPool, stores: &Stores) -> anyhow::Result<usize> {
    let due: Vec<Uuid> = sqlx::query_scalar(
        "SELECT id FROM order_views
          WHERE status = 'confirmed' AND payment_due_by <= now()
          ORDER BY payment_due_by LIMIT $1",
    )
    .bind(SWEEP_LIMIT)
    .fetch_all(pool)
    .await?;
    let metadata = CommandMetadata::new(Actor::system("order-expiry"), "order-expiry");
    let mut expired = 0;
    for id in due {
        let command = OrderCommand::ExpireOrder { at: Utc::now() };
        match stores
            .orders
            .execute(&id.to_string(), command, &metadata, None)
            .await
        {
            Ok(_) => expired += 1,
            Err(ExecuteError::Domain(
                OrderError::InvalidTransition { .. } | OrderError::NotYetDue { .. },
            )) => {}
            Err(error) => return Err(anyhow::anyhow!("expiring order {id}: {error}")),
        }
    }
    Ok(expired)
}
