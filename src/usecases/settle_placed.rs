//! Settle an order left `placed`: histories written before a checkout was one commit may hold
//! orders whose stock and coupon were still being secured, one command at a time, when the
//! engine stopped. Such an order is confirmed — its stock reserved (prices checked), its coupon
//! redeemed, both idempotent per order, and the order confirmed with a fresh payment deadline —
//! in one commit, or, when something stands in the way, rejected with the reason in one commit
//! that also releases whatever it held. The expiry sweep ([`super::expire`]) settles them.

use std::time::Duration;

use chrono::Utc;
use commerce_aggregates::order::{OrderCommand, OrderError, OrderStatus};
use uuid::Uuid;

use super::checkout::payment_due_by;
use super::order_change::{change_order, Holdings, OrderChange, OrderChangeError};
use crate::store::{CommandMetadata, Stores};

/// How a placed order was settled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settled {
    /// Confirmed: its stock and coupon are held.
    Confirmed,
    /// Rejected with this reason code; it holds nothing.
    Rejected(&'static str),
    /// It was not placed any more (settled meanwhile, or cancelled).
    Unchanged,
}

/// Settles order `order_id` if it is still placed; unpaid, it may stay confirmed for
/// `payment_timeout` from now.
pub async fn settle_placed(
    stores: &Stores,
    order_id: Uuid,
    payment_timeout: Duration,
    metadata: &CommandMetadata,
) -> Result<Settled, OrderChangeError> {
    let confirm = OrderChange {
        order_id,
        caller: None,
        command: OrderCommand::ConfirmOrder {
            payment_due_by: payment_due_by(Utc::now(), payment_timeout),
        },
        holdings: Holdings::Secure,
        expected_version: None,
    };
    let reason = match change_order(stores, &confirm, metadata).await {
        Ok(_) => return Ok(Settled::Confirmed),
        Err(OrderChangeError::Refused(reason)) => reason,
        Err(OrderChangeError::Order(OrderError::InvalidTransition { .. })) => {
            return Ok(Settled::Unchanged)
        }
        Err(error) => return Err(error),
    };
    let code = reason.code();
    let reject = OrderChange {
        order_id,
        caller: None,
        command: OrderCommand::RejectOrder { reason },
        holdings: Holdings::Release("order_rejected"),
        expected_version: None,
    };
    match change_order(stores, &reject, metadata).await {
        Ok(_) => Ok(Settled::Rejected(code)),
        Err(OrderChangeError::Order(OrderError::InvalidTransition {
            from: OrderStatus::Confirmed | OrderStatus::Cancelled,
            ..
        })) => Ok(Settled::Unchanged),
        Err(error) => Err(error),
    }
}
