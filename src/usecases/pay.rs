//! Pay an order (its owner): the provider charges the order's total, then the payment is
//! recorded on the order.
//!
//! Only a confirmed order is charged. A paid order is asked again (providers are idempotent
//! per order): a repeat of the successful payment returns its reference and is answered
//! without change; anything else is an invalid transition. A declined or failed charge
//! records nothing.

use chrono::Utc;
use commerce_aggregates::order::{OrderAction, OrderCommand, OrderError};
use commerce_aggregates::Role;
use uuid::Uuid;

use super::Caller;
use crate::payments::{PaymentError, PaymentProvider};
use crate::store::{CommandMetadata, ExecuteError, Loaded, Stores};

/// Pay order `order_id` through `provider` with `token`.
#[derive(Debug, Clone)]
pub struct PayOrder {
    /// The order.
    pub order_id: Uuid,
    /// Its owner (anyone else but an admin is told the order does not exist).
    pub customer: Caller,
    /// The customer's payment token.
    pub token: String,
    /// The order version the customer saw (`If-Match`), if any.
    pub expected_version: Option<usize>,
}

/// Why the order was not paid.
#[derive(Debug, thiserror::Error)]
pub enum PayError {
    /// No such order, or someone else's.
    #[error("order not found")]
    NotFound,
    /// The provider did not take the payment.
    #[error(transparent)]
    Payment(PaymentError),
    /// The order refused (not payable, wrong amount), or the store failed.
    #[error(transparent)]
    Order(ExecuteError<OrderError>),
}

/// Charges and records the payment; the order's new version.
#[tracing::instrument(skip_all, fields(order_id = %input.order_id), err(level = "debug"))]
pub async fn pay(
    stores: &Stores,
    provider: &dyn PaymentProvider,
    input: PayOrder,
    metadata: &CommandMetadata,
) -> Result<usize, PayError> {
    let id = input.order_id.to_string();
    let Loaded {
        aggregate: order,
        version,
    } = stores.orders.load(&id).await.map_err(PayError::Order)?;
    let visible = order
        .customer_id()
        .is_some_and(|owner| owner == input.customer.id || input.customer.role == Role::Admin);
    let (true, Some(status), Some(totals)) = (visible, order.status(), order.totals()) else {
        return Err(PayError::NotFound);
    };
    if let Some(expected) = input.expected_version.filter(|e| *e != version) {
        return Err(PayError::Order(ExecuteError::VersionMismatch {
            expected,
            actual: version,
        }));
    }
    let invalid_state = || {
        PayError::Order(ExecuteError::Domain(OrderError::InvalidTransition {
            from: status,
            action: OrderAction::RecordPayment,
        }))
    };
    let paid = order
        .payment()
        .map(|p| (p.provider.clone(), p.reference.clone()));
    if paid.is_none() && status.after(OrderAction::RecordPayment).is_none() {
        return Err(invalid_state());
    }
    let receipt = match provider
        .charge(input.order_id, &totals.total, &input.token)
        .await
    {
        Ok(receipt) => receipt,
        Err(_) if paid.is_some() => return Err(invalid_state()),
        Err(error) => return Err(PayError::Payment(error)),
    };
    if let Some((paid_provider, paid_reference)) = &paid {
        if paid_provider != provider.name() || *paid_reference != receipt.reference {
            return Err(invalid_state());
        }
    }
    let command = OrderCommand::RecordPayment {
        provider: provider.name().to_string(),
        payment_reference: receipt.reference,
        amount: totals.total,
        at: Utc::now(),
    };
    stores
        .orders
        .execute(&id, command, metadata, input.expected_version)
        .await
        .map(|committed| committed.version)
        .map_err(PayError::Order)
}
