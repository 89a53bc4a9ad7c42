//! Cancel an order: its owner before it ships, an admin until it is delivered. The stock it
//! holds and its coupon redemption are given back in the same commit. A paid order's
//! cancellation also requests the refund of what is still paid, which is then made through
//! the provider that took the payment ([`super::refund`]); when the provider cannot be
//! reached the order stays cancelled with the refund requested, and cancelling it again
//! finishes the refund.

use chrono::Utc;
use commerce_aggregates::order::{Order, OrderCommand, OrderStatus, RefundScope, RefundStatus};
use commerce_aggregates::Role;
use uuid::Uuid;

use super::order_change::{change_order, load_order, Holdings, OrderChange, OrderChangeError};
use super::refund::{self, RefundError, RefundOrder};
use super::Caller;
use crate::payments::Providers;
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

/// Why the cancellation was not completed.
#[derive(Debug, thiserror::Error)]
pub enum CancelError {
    /// The order refused, or the store failed.
    #[error(transparent)]
    Order(#[from] OrderChangeError),
    /// The order is cancelled but its refund was not completed (cancel again to finish it).
    #[error(transparent)]
    Refund(#[from] RefundError),
}

/// The id of the refund the cancellation of order `order_id` asks for: one per order, so a
/// repeated cancellation continues it.
pub fn cancellation_refund_id(order_id: Uuid) -> Uuid {
    Uuid::new_v5(&order_id, b"cancellation")
}

/// Cancels the order (and refunds what was paid); its new version.
#[tracing::instrument(skip_all, fields(order_id = %input.order_id), err(level = "debug"))]
pub async fn cancel(
    stores: &Stores,
    providers: &Providers,
    input: CancelOrder,
    metadata: &CommandMetadata,
) -> Result<usize, CancelError> {
    let refund_id = cancellation_refund_id(input.order_id);
    let id = input.order_id.to_string();
    let pending = |order: &Order| {
        order.refunds().iter().any(|refund| {
            refund.refund_id == Some(refund_id) && refund.status == RefundStatus::Requested
        })
    };
    let loaded = load_order(stores, &id).await?;
    let visible =
        loaded.aggregate.customer_id() == Some(input.caller.id) || input.caller.role == Role::Admin;
    let cancelled = loaded.aggregate.status() == Some(OrderStatus::Cancelled);
    let mut version = if visible && cancelled && pending(&loaded.aggregate) {
        loaded.version
    } else {
        let change = OrderChange {
            order_id: input.order_id,
            caller: Some(input.caller),
            command: OrderCommand::CancelOrder {
                reason: input.reason.clone(),
                by: input.caller.role,
                refund_id,
                at: Utc::now(),
            },
            holdings: Holdings::Release("order_cancelled"),
            expected_version: input.expected_version,
        };
        change_order(stores, &change, metadata).await?
    };
    let order = load_order(stores, &id).await?.aggregate;
    if pending(&order) {
        let refund = RefundOrder {
            order_id: input.order_id,
            refund_id,
            scope: RefundScope::Remaining,
            reason: input.reason,
            expected_version: None,
        };
        version = refund::refund(stores, providers, refund, metadata)
            .await?
            .version;
    }
    Ok(version)
}
