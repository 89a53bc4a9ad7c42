//! Record that an order was delivered (admins).

use chrono::Utc;
use commerce_aggregates::order::OrderCommand;
use uuid::Uuid;

use super::order_change::{change_order, Holdings, OrderChange, OrderChangeError};
use crate::store::{CommandMetadata, Stores};

/// Record the delivery of order `order_id`.
#[derive(Debug, Clone)]
pub struct DeliverOrder {
    /// The order.
    pub order_id: Uuid,
    /// The order version the caller saw (`If-Match`), if any.
    pub expected_version: Option<usize>,
}

/// Records the delivery; the order's new version.
#[tracing::instrument(skip_all, fields(order_id = %input.order_id), err(level = "debug"))]
pub async fn deliver(
    stores: &Stores,
    input: DeliverOrder,
    metadata: &CommandMetadata,
) -> Result<usize, OrderChangeError> {
    let change = OrderChange {
        order_id: input.order_id,
        caller: None,
        command: OrderCommand::DeliverOrder { at: Utc::now() },
        holdings: Holdings::Keep,
        expected_version: input.expected_version,
    };
    change_order(stores, &change, metadata).await
}
