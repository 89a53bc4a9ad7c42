//! Returns (RMA) of a delivered order: the customer asks (within `RETURN_WINDOW_DAYS`), an
//! admin approves or rejects, and on receipt the units go back to stock (when asked) in the
//! same commit as the receipt, then their share of the total is refunded through the
//! provider that took the payment ([`super::refund`], the refund's id being the return's).
//!
//! The steps after the request name only the return: its order is found through its
//! `ReturnRequested` event.

use chrono::Utc;
use commerce_aggregates::order::{OrderCommand, OrderError, RefundScope, ReturnLine};
use sqlx::PgPool;
use uuid::Uuid;

use super::order_change::{change_order, load_order, Holdings, OrderChange, OrderChangeError};
use super::refund::{self, RefundError, RefundOrder, Refunded};
use super::Caller;
use crate::payments::Providers;
use crate::store::{CommandMetadata, StoreError, Stores};

/// A customer's return request.
#[derive(Debug, Clone)]
pub struct RequestReturn {
    /// The order.
    pub order_id: Uuid,
    /// Its owner.
    pub customer: Caller,
    /// The return's id.
    pub return_id: Uuid,
    /// The units.
    pub lines: Vec<ReturnLine>,
    /// Why.
    pub reason: String,
    /// Days after delivery a return may be asked for.
    pub window_days: u32,
}

/// Records the request; the order's new version.
pub async fn request(
    stores: &Stores,
    input: RequestReturn,
    metadata: &CommandMetadata,
) -> Result<usize, OrderChangeError> {
    let change = OrderChange {
        order_id: input.order_id,
        caller: Some(input.customer),
        command: OrderCommand::RequestReturn {
            return_id: input.return_id,
            lines: input.lines,
            reason: input.reason,
            window_days: input.window_days,
            at: Utc::now(),
        },
        holdings: Holdings::Keep,
        expected_version: None,
    };
    change_order(stores, &change, metadata).await
}

/// What an admin does with a return.
#[derive(Debug, Clone)]
pub enum Decision {
    /// Accept it.
    Approve,
    /// Refuse it, for this reason.
    Reject(String),
}

/// A step on a return that names only the return: its order and the order's new version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stepped {
    /// The return's order.
    pub order_id: Uuid,
    /// The order's version after the step.
    pub version: usize,
}

/// The order of return `return_id`, if it was asked for.
pub async fn order_of(pool: &PgPool, return_id: Uuid) -> Result<Option<Uuid>, StoreError> {
    let id: Option<String> = sqlx::query_scalar(
        "SELECT aggregate_id FROM events
          WHERE event_type = 'ReturnRequested'
            AND payload -> 'ReturnRequested' ->> 'return_id' = $1
          LIMIT 1",
    )
    .bind(return_id.to_string())
    .fetch_optional(pool)
    .await?;
    Ok(id.and_then(|id| Uuid::parse_str(&id).ok()))
}

/// The order of `return_id`, or the refusal that it does not exist.
async fn order_or_missing(pool: &PgPool, return_id: Uuid) -> Result<Uuid, OrderChangeError> {
    order_of(pool, return_id)
        .await?
        .ok_or(OrderChangeError::Order(OrderError::ReturnNotFound {
            return_id,
        }))
}

/// Approves or rejects return `return_id` (admins).
pub async fn decide(
    stores: &Stores,
    pool: &PgPool,
    return_id: Uuid,
    decision: Decision,
    metadata: &CommandMetadata,
) -> Result<Stepped, OrderChangeError> {
    let order_id = order_or_missing(pool, return_id).await?;
    let at = Utc::now();
    let command = match decision {
        Decision::Approve => OrderCommand::ApproveReturn { return_id, at },
        Decision::Reject(reason) => OrderCommand::RejectReturn {
            return_id,
            reason,
            at,
        },
    };
    let change = OrderChange {
        order_id,
        caller: None,
        command,
        holdings: Holdings::Keep,
        expected_version: None,
    };
    let version = change_order(stores, &change, metadata).await?;
    Ok(Stepped { order_id, version })
}

/// Why a receipt was not completed.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    /// The receipt was refused, or the store failed.
    #[error(transparent)]
    Receipt(#[from] OrderChangeError),
    /// The receipt is recorded but its refund was not completed (retry the receipt: it
    /// continues the same refund).
    #[error(transparent)]
    Refund(#[from] RefundError),
}

/// A received return and its refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// The return's order.
    pub order_id: Uuid,
    /// The refund of its units.
    pub refund: Refunded,
}

/// Receives return `return_id` (admins): the units back into stock when `restock`, then
/// their share refunded. Retrying after a failed refund receives nothing twice and continues
/// the same refund.
pub async fn receive(
    stores: &Stores,
    providers: &Providers,
    pool: &PgPool,
    return_id: Uuid,
    restock: bool,
    metadata: &CommandMetadata,
) -> Result<Received, ReceiveError> {
    let order_id = order_or_missing(pool, return_id).await?;
    let change = OrderChange {
        order_id,
        caller: None,
        command: OrderCommand::ReceiveReturn {
            return_id,
            restock,
            at: Utc::now(),
        },
        holdings: if restock {
            Holdings::Restock(return_id)
        } else {
            Holdings::Keep
        },
        expected_version: None,
    };
    change_order(stores, &change, metadata).await?;
    let order = load_order(stores, &order_id.to_string()).await?.aggregate;
    let Some(received) = order.returns().iter().find(|r| r.return_id == return_id) else {
        return Err(OrderChangeError::Order(OrderError::ReturnNotFound { return_id }).into());
    };
    let input = RefundOrder {
        order_id,
        refund_id: return_id,
        scope: RefundScope::Lines(received.refund_lines()),
        reason: format!("return: {}", received.reason),
        expected_version: None,
    };
    let refund = refund::refund(stores, providers, input, metadata).await?;
    Ok(Received { order_id, refund })
}
