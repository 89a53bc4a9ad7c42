//! Expire the confirmed orders left unpaid past their payment deadline: each order expires
//! and gives its stock and coupon redemption back in one commit.
//!
//! Every `ORDER_EXPIRY_INTERVAL_MS` the job lists candidates from the `order_views` read model
//! (confirmed, deadline passed) and expires each; the order aggregate decides (an order paid
//! or cancelled meanwhile, or not yet due, refuses, and is skipped). Running it in several
//! workers at once is harmless: the second expiry of an order is refused.

use std::time::Duration;

use chrono::Utc;
use commerce_aggregates::order::{OrderCommand, OrderError};
use sqlx::PgPool;
use tokio::sync::watch;
use uuid::Uuid;

use super::order_change::{change_order, Holdings, OrderChange, OrderChangeError};
use crate::store::{Actor, CommandMetadata, Stores};

/// Orders expired per sweep at most (the next sweep takes the rest).
const SWEEP_LIMIT: i64 = 500;

/// Expires order `order_id` if its deadline has passed; true when it did.
pub async fn expire(
    stores: &Stores,
    order_id: Uuid,
    metadata: &CommandMetadata,
) -> Result<bool, OrderChangeError> {
    let change = OrderChange {
        order_id,
        caller: None,
        command: OrderCommand::ExpireOrder { at: Utc::now() },
        holdings: Holdings::Release("payment_expired"),
        expected_version: None,
    };
    match change_order(stores, &change, metadata).await {
        Ok(_) => Ok(true),
        Err(OrderChangeError::Order(
            OrderError::InvalidTransition { .. } | OrderError::NotYetDue { .. },
        )) => Ok(false),
        Err(error) => Err(error),
    }
}

/// Sweeps every `interval` until `shutdown` turns true.
pub async fn run(
    pool: PgPool,
    stores: std::sync::Arc<Stores>,
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
        if expire(stores, id, &metadata)
            .await
            .map_err(|error| anyhow::anyhow!("expiring order {id}: {error}"))?
        {
            expired += 1;
        }
    }
    Ok(expired)
}
