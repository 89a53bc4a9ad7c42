//! Refund the full total of a paid or delivered order (admins).

use chrono::Utc;
use commerce_aggregates::order::OrderCommand;
use uuid::Uuid;

use super::order_change::{change_order, Holdings, OrderChange, OrderChangeError};
use crate::store::{CommandMetadata, Stores};

/// Refund order `order_id` in full.
#[derive(Debug, Clone)]
pub struct RefundOrder {
    /// The order.
    pub order_id: Uuid,
    /// Why.
    pub reason: String,
    /// The order version the caller saw (`If-Match`), if any.
    pub expected_version: Option<usize>,
}

/// Records the refund; the order's new version.
#[tracing::instrument(skip_all, fields(order_id = %input.order_id), err(level = "debug"))]
pub async fn refund(
    stores: &Stores,
    input: RefundOrder,
    metadata: &CommandMetadata,
) -> Result<usize, OrderChangeError> {
    let change = OrderChange {
        order_id: input.order_id,
        caller: None,
        command: OrderCommand::RefundOrder {
            reason: input.reason,
            at: Utc::now(),
        },
        holdings: Holdings::Keep,
        expected_version: input.expected_version,
    };
    change_order(stores, &change, metadata).await
}
