//! Pay an order (its owner): the provider charges the order's total under the idempotency
//! key of the order's current attempt ([`crate::payments::attempts`]), then the payment is
//! recorded on the order.
//!
//! Only a confirmed order is charged. A paid order asked again with the payment method
//! that paid it is answered without change and without asking the provider; anything else
//! is an invalid transition. A declined charge records nothing on the order (the next
//! request is a new attempt); a charge the customer must complete, or whose answer is lost,
//! is settled by the provider's webhook or by the retry of the same attempt.

use chrono::Utc;
use commerce_aggregates::order::{OrderAction, OrderCommand, OrderError};
use commerce_aggregates::Role;
use sqlx::PgPool;
use uuid::Uuid;

use super::guest::CartHolder;
use crate::payments::attempts::{self, AttemptOutcome};
use crate::payments::{ChargeRequest, Charged, PaymentError, PaymentProvider};
use crate::store::{CommandMetadata, ExecuteError, Loaded, StoreError, Stores};

/// Pay order `order_id` through `provider` with `token`.
#[derive(Debug, Clone)]
pub struct PayOrder {
    /// The order.
    pub order_id: Uuid,
    /// Its owner, or a guest holding the token of the cart it was placed from (anyone else
    /// but an admin is told the order does not exist).
    pub payer: CartHolder,
    /// What the customer pays with: a token (`test`) or a payment method id (`stripe`).
    pub token: String,
    /// The order version the customer saw (`If-Match`), if any.
    pub expected_version: Option<usize>,
}

/// What came of the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayOutcome {
    /// The order is paid, at this version.
    Paid {
        /// The order's version.
        version: usize,
    },
    /// The provider accepted the payment but has not settled it: the customer must act
    /// (with `client_secret`), or the provider settles later. Its webhook pays the order.
    Pending {
        /// The order's version (unchanged).
        version: usize,
        /// The provider's payment reference.
        reference: String,
        /// What the customer's browser completes the payment with, when they must act.
        client_secret: Option<String>,
    },
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

impl From<StoreError> for PayError {
    fn from(error: StoreError) -> Self {
        PayError::Order(ExecuteError::Store(error))
    }
}

/// Charges and records the payment.
#[tracing::instrument(skip_all, fields(order_id = %input.order_id), err(level = "debug"))]
pub async fn pay(
    stores: &Stores,
    pool: &PgPool,
    provider: &dyn PaymentProvider,
    input: PayOrder,
    metadata: &CommandMetadata,
) -> Result<PayOutcome, PayError> {
    let id = input.order_id.to_string();
    let Loaded {
        aggregate: order,
        version,
    } = stores.orders.load(&id).await.map_err(PayError::Order)?;
    let visible = match &input.payer {
        CartHolder::Customer(caller) => {
            order.status().is_some()
                && (order.customer_id() == Some(caller.id) || caller.role == Role::Admin)
        }
        // A guest's order, from the cart this token opens (as its events record it).
        CartHolder::Guest(_) => match order.cart_id().filter(|_| order.customer_id().is_none()) {
            Some(cart_id) => {
                let cart = stores
                    .carts
                    .load(&cart_id.to_string())
                    .await
                    .map_err(|error| {
                        PayError::Order(ExecuteError::Store(error.into_store_error()))
                    })?;
                cart.aggregate.owner() == Some(&input.payer.owner())
            }
            None => false,
        },
    };
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
    if let Some(payment) = order.payment() {
        let retry = payment.provider == provider.name()
            && attempts::paid_with(pool, input.order_id, provider.name(), &input.token).await?;
        return if retry {
            Ok(PayOutcome::Paid { version })
        } else {
            Err(invalid_state())
        };
    }
    if status.after(OrderAction::RecordPayment).is_none() {
        return Err(invalid_state());
    }
    let attempt = attempts::begin(pool, input.order_id, provider.name(), &input.token).await?;
    let charged = provider
        .charge(ChargeRequest {
            order_id: input.order_id,
            amount: &totals.total,
            token: &input.token,
            idempotency_key: &attempt.idempotency_key(),
        })
        .await;
    let reference = match charged {
        Ok(Charged::Paid { reference }) => reference,
        Ok(Charged::Pending {
            reference,
            client_secret,
        }) => {
            attempts::conclude(pool, &attempt, AttemptOutcome::Awaiting, Some(&reference)).await?;
            return Ok(PayOutcome::Pending {
                version,
                reference,
                client_secret,
            });
        }
        Err(error @ (PaymentError::Declined { .. } | PaymentError::InvalidToken { .. })) => {
            attempts::conclude(pool, &attempt, AttemptOutcome::Declined, None).await?;
            return Err(PayError::Payment(error));
        }
        Err(error @ PaymentError::Unavailable { .. }) => return Err(PayError::Payment(error)),
    };
    let command = OrderCommand::RecordPayment {
        provider: provider.name().to_string(),
        payment_reference: reference.clone(),
        amount: totals.total,
        at: Utc::now(),
    };
    // The attempt is `paid` in the commit of the payment: should that commit be lost, the
    // attempt stays open and a retry sends the same key, which the provider answers with
    // this charge instead of charging again.
    let paid = [attempts::outcome(
        &attempt,
        AttemptOutcome::Paid,
        Some(&reference),
    )];
    let recorded = stores
        .orders
        .execute_with(&id, command, metadata, input.expected_version, &paid)
        .await;
    match recorded {
        Ok(committed) if !committed.events.is_empty() => Ok(PayOutcome::Paid {
            version: committed.version,
        }),
        // The money is taken and the order recorded nothing (its webhook paid it meanwhile)
        // or refused it: the attempt's outcome is stored on its own.
        Ok(_) | Err(ExecuteError::Domain(_)) => {
            attempts::conclude(pool, &attempt, AttemptOutcome::Paid, Some(&reference)).await?;
            recorded
                .map(|committed| PayOutcome::Paid {
                    version: committed.version,
                })
                .map_err(PayError::Order)
        }
        Err(error) => Err(PayError::Order(error)),
    }
}
