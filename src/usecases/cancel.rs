//! Cancel an order: its owner before it ships, an admin until it is delivered. The stock it
//! holds and its coupon redemption are given back in the same commit; a paid order records
//! its refund.

use chrono::Utc;
use uuid::Uuid;

use super::order_change::{change_order, Holdings, OrderChange, OrderChangeError};
use super::Caller;
use commerce_aggregates::order::OrderCommand;

use crate::store::{CommandMetadata, Stores};

/// Cancel order `order_id`.
#[derive(Debug, Clone)]
pub struct CancelOrder {
    /// The order.
    pub order_id: Uuid,
    /// Who cancels: its owner or an admin (anyone else is told the order does not exist).
    pub caller: Caller,
    /// Why.
    pub reason: String,
    /// The order version the caller saw (`If-Match`), if any.
    pub expected_version: Option<usize>,
}

/// Cancels the order; its new version.
#[tracing::instrument(skip_all, fields(order_id = %input.order_id), err(level = "debug"))]
pub async fn cancel(
    stores: &Stores,
    input: CancelOrder,
    metadata: &CommandMetadata,
) -> Result<usize, OrderChangeError> {
    let change = OrderChange {
        order_id: input.order_id,
        caller: Some(input.caller),
        command: OrderCommand::CancelOrder {
            reason: input.reason,
            by: input.caller.role,
            at: Utc::now(),
        },
        holdings: Holdings::Release("order_cancelled"),
        expected_version: input.expected_version,
    };
    change_order(stores, &change, metadata).await
}
