//! Ship an order (admins): the order records its carrier and tracking number, and the stock
//! it holds leaves the warehouse (its reservations are committed) in the same commit.

use chrono::Utc;
use commerce_aggregates::order::OrderCommand;
use uuid::Uuid;

use super::order_change::{change_order, Holdings, OrderChange, OrderChangeError};
use crate::store::{CommandMetadata, Stores};

/// Ship order `order_id`.
#[derive(Debug, Clone)]
pub struct ShipOrder {
    /// The order.
    pub order_id: Uuid,
    /// The carrier.
    pub carrier: String,
    /// The carrier's tracking number.
    pub tracking_number: String,
    /// The order version the caller saw (`If-Match`), if any.
    pub expected_version: Option<usize>,
}

/// Ships the order; its new version.
#[tracing::instrument(skip_all, fields(order_id = %input.order_id), err(level = "debug"))]
pub async fn ship(
    stores: &Stores,
    input: ShipOrder,
    metadata: &CommandMetadata,
) -> Result<usize, OrderChangeError> {
    let change = OrderChange {
        order_id: input.order_id,
        caller: None,
        command: OrderCommand::ShipOrder {
            carrier: input.carrier,
            tracking_number: input.tracking_number,
            at: Utc::now(),
        },
        holdings: Holdings::Commit,
        expected_version: input.expected_version,
    };
    change_order(stores, &change, metadata).await
}
