//! Refund an order, in full or in part (admins), through the provider that took its payment.
//!
//! Three steps, because money moves outside the event store between them:
//! 1. the order decides `RequestRefund`: the amount (for lines, their exact share of the
//!    total) is reserved against what is still refundable, on the order's latest version, so
//!    concurrent refunds can never together exceed the payment;
//! 2. the provider returns the money, under an idempotency key derived from the refund;
//! 3. the order records `OrderRefunded` with the provider's reference, or `RefundFailed`
//!    (which releases the reservation) when the provider refuses.
//!
//! When the provider cannot be reached the refund stays requested (its amount reserved):
//! the same request again (the same refund id) asks the provider again, which refunds once,
//! and the provider's webhook settles it too.

use chrono::Utc;
use commerce_aggregates::order::{Order, OrderCommand, OrderError, RefundScope, RefundStatus};
use commerce_aggregates::Money;
use uuid::Uuid;

use crate::payments::{PaymentError, Providers, RefundRequest};
use crate::store::{CommandMetadata, ExecuteError, Loaded, Stores};

/// Refund order `order_id`.
#[derive(Debug, Clone)]
pub struct RefundOrder {
    /// The order.
    pub order_id: Uuid,
    /// The refund's id: the same id again continues the same refund.
    pub refund_id: Uuid,
    /// What to refund: the rest, an amount, or lines.
    pub scope: RefundScope,
    /// Why.
    pub reason: String,
    /// The order version the caller saw (`If-Match`), if any.
    pub expected_version: Option<usize>,
}

/// A completed refund.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refunded {
    /// The order's version after it.
    pub version: usize,
    /// The refund's id.
    pub refund_id: Uuid,
    /// The provider's refund reference.
    pub provider_reference: String,
}

/// Why the refund was not completed.
#[derive(Debug, thiserror::Error)]
pub enum RefundError {
    /// The order refused (not refundable, too much, bad lines), or the store failed.
    #[error(transparent)]
    Order(ExecuteError<OrderError>),
    /// The provider that took the payment is not offered by this process.
    #[error("the payment provider {0} is not configured")]
    ProviderMissing(String),
    /// The provider refused: the refund failed and nothing was returned.
    #[error("the payment provider refused the refund: {0}")]
    Refused(String),
    /// The provider could not be reached: the refund stays requested; retry it.
    #[error("the payment provider is unavailable: {0}")]
    Unavailable(String),
}

impl From<ExecuteError<OrderError>> for RefundError {
    fn from(error: ExecuteError<OrderError>) -> Self {
        RefundError::Order(error)
    }
}

/// The idempotency key of refund `refund_id` at the provider.
pub fn idempotency_key(refund_id: Uuid) -> String {
    format!("refund-{}", refund_id.simple())
}

/// Reserves, refunds at the provider, records.
#[tracing::instrument(skip_all, fields(order_id = %input.order_id, refund_id = %input.refund_id),
                      err(level = "debug"))]
pub async fn refund(
    stores: &Stores,
    providers: &Providers,
    input: RefundOrder,
    metadata: &CommandMetadata,
) -> Result<Refunded, RefundError> {
    let id = input.order_id.to_string();
    let request = OrderCommand::RequestRefund {
        refund_id: input.refund_id,
        scope: input.scope,
        reason: input.reason,
        at: Utc::now(),
    };
    stores
        .orders
        .execute(&id, request, metadata, input.expected_version)
        .await?;
    let Loaded {
        aggregate: order,
        version,
    } = stores.orders.load(&id).await?;
    let state = refund_of(&order, input.refund_id)?;
    match state.status {
        RefundStatus::Completed => {
            return Ok(Refunded {
                version,
                refund_id: input.refund_id,
                provider_reference: state.provider_reference.unwrap_or_default(),
            })
        }
        RefundStatus::Failed => {
            return Err(RefundError::Order(ExecuteError::Domain(
                OrderError::RefundNotPending {
                    refund_id: input.refund_id,
                },
            )))
        }
        RefundStatus::Requested => {}
    }
    let provider = providers
        .get(&state.provider)
        .ok_or_else(|| RefundError::ProviderMissing(state.provider.clone()))?;
    let refunded = provider
        .refund(RefundRequest {
            order_id: input.order_id,
            refund_id: input.refund_id,
            payment_reference: &state.payment_reference,
            amount: &state.amount,
            idempotency_key: &idempotency_key(input.refund_id),
        })
        .await;
    let at = Utc::now();
    match refunded {
        Ok(provider_reference) => {
            let complete = OrderCommand::CompleteRefund {
                refund_id: input.refund_id,
                provider_reference: provider_reference.clone(),
                at,
            };
            let committed = stores.orders.execute(&id, complete, metadata, None).await?;
            Ok(Refunded {
                version: committed.version,
                refund_id: input.refund_id,
                provider_reference,
            })
        }
        Err(PaymentError::Unavailable { message }) => Err(RefundError::Unavailable(message)),
        Err(PaymentError::Declined { reason } | PaymentError::InvalidToken { message: reason }) => {
            let fail = OrderCommand::FailRefund {
                refund_id: input.refund_id,
                reason: reason.clone(),
                at,
            };
            stores.orders.execute(&id, fail, metadata, None).await?;
            Err(RefundError::Refused(reason))
        }
    }
}

/// What the order knows of one of its refunds, and the payment it refunds.
struct RefundState {
    /// The provider that took the payment.
    provider: String,
    /// The payment's reference there.
    payment_reference: String,
    /// The refund's amount.
    amount: Money,
    /// Where the refund is.
    status: RefundStatus,
    /// The provider's refund reference, once completed.
    provider_reference: Option<String>,
}

/// The order's payment and what it knows of refund `refund_id`.
fn refund_of(order: &Order, refund_id: Uuid) -> Result<RefundState, RefundError> {
    let refund = order
        .refunds()
        .iter()
        .find(|refund| refund.refund_id == Some(refund_id));
    match (order.payment(), refund) {
        (Some(payment), Some(refund)) => Ok(RefundState {
            provider: payment.provider.clone(),
            payment_reference: payment.reference.clone(),
            amount: refund.amount,
            status: refund.status,
            provider_reference: refund.provider_reference.clone(),
        }),
        _ => Err(RefundError::Order(ExecuteError::Domain(
            OrderError::RefundNotFound { refund_id },
        ))),
    }
}
