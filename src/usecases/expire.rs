//! Expire the confirmed orders left unpaid past their payment deadline: each order expires
//! and gives its stock and coupon redemption back in one commit.
//!
//! Every `ORDER_EXPIRY_INTERVAL_MS` the job lists candidates from the `order_views` read model
//! (confirmed, deadline passed) and expires each; the order aggregate decides (an order paid
//! or cancelled meanwhile, or not yet due, refuses, and is skipped). Running it in several
//! workers at once is harmless: the second expiry of an order is refused. The same sweep
//! settles orders an older engine left `placed` ([`super::settle_placed`]).

use std::time::Duration;

use chrono::Utc;
use commerce_aggregates::order::{OrderCommand, OrderError};
use commerce_projections::read_models::orders;
use sqlx::PgPool;
use uuid::Uuid;

use super::order_change::{change_order, Holdings, OrderChange, OrderChangeError};
use super::settle_placed::{settle_placed, Settled};
use crate::shutdown::Shutdown;
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

/// Sweeps every `interval` until `shutdown` turns true; orders left placed are confirmed
/// with `payment_timeout` to pay.
pub async fn run(
    pool: PgPool,
    stores: std::sync::Arc<Stores>,
    interval: Duration,
    payment_timeout: Duration,
    shutdown: Shutdown,
) {
    while !shutdown.is_triggered() {
        match settle_all_placed(&pool, &stores, payment_timeout).await {
            Ok(0) => {}
            Ok(settled) => tracing::info!(settled, "orders left placed settled"),
            Err(error) => tracing::warn!(
                error = format!("{error:#}"),
                "settling placed orders failed"
            ),
        }
        match sweep(&pool, &stores).await {
            Ok(0) => {}
            Ok(expired) => tracing::info!(expired, "unpaid orders expired"),
            Err(error) => tracing::warn!(error = format!("{error:#}"), "expiry sweep failed"),
        }
        shutdown.sleep(interval).await;
    }
    tracing::info!("order expiry stopped: shutdown requested");
}

/// Expires the confirmed orders whose deadline has passed; how many were expired.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn sweep(pool: &PgPool, stores: &Stores) -> anyhow::Result<usize> {
    let due = orders::payment_overdue(pool, SWEEP_LIMIT).await?;
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

/// How long an order must have been placed before the sweep settles it: an older engine's
/// checkout still at work on it would otherwise race the sweep (both are idempotent per
/// order, so that only costs a retry).
const PLACED_FOR_SECONDS: f64 = 60.0;

/// Settles the orders left placed (see [`super::settle_placed`]); how many changed.
#[tracing::instrument(skip_all, err(level = "debug"))]
pub async fn settle_all_placed(
    pool: &PgPool,
    stores: &Stores,
    payment_timeout: Duration,
) -> anyhow::Result<usize> {
    let placed = orders::left_placed(pool, PLACED_FOR_SECONDS, SWEEP_LIMIT).await?;
    let metadata = CommandMetadata::new(Actor::system("order-settlement"), "order-settlement");
    let mut settled = 0;
    for id in placed {
        let outcome = settle_placed(stores, id, payment_timeout, &metadata)
            .await
            .map_err(|error| anyhow::anyhow!("settling order {id}: {error}"))?;
        if outcome != Settled::Unchanged {
            tracing::info!(order_id = %id, ?outcome, "order left placed settled");
            settled += 1;
        }
    }
    Ok(settled)
}
