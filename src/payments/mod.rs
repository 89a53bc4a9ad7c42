//! Payments: the port through which orders are charged ([`PaymentProvider`]), the providers
//! this process offers ([`Providers`]: the built-in `test` one, and Stripe when
//! `STRIPE_SECRET_KEY` is set), and the verification of signed provider webhooks
//! ([`signature`]).

pub mod attempts;
pub mod signature;
pub mod stripe;
mod test_provider;

use std::sync::Arc;

use async_trait::async_trait;
use commerce_aggregates::Money;
use uuid::Uuid;

use crate::config::StripeSettings;

pub use self::stripe::{StripeProvider, STRIPE_PROVIDER};
pub use self::test_provider::{TestProvider, TEST_PROVIDER, TEST_TOKEN_DECLINED, TEST_TOKEN_OK};

/// One charge the engine asks of a provider.
#[derive(Debug, Clone, Copy)]
pub struct ChargeRequest<'a> {
    /// The order paid for (Stripe keeps it as the intent's metadata `order_id`).
    pub order_id: Uuid,
    /// Its total.
    pub amount: &'a Money,
    /// What the customer pays with: a token (`test`) or a payment method id (`stripe`).
    pub token: &'a str,
    /// Derived from the order and the attempt: a provider that sees the same key again
    /// answers what it answered the first time and charges nothing more.
    pub idempotency_key: &'a str,
}

/// What a provider did with a charge it accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Charged {
    /// The money is taken.
    Paid {
        /// The provider's payment reference (Stripe: the PaymentIntent id).
        reference: String,
    },
    /// Accepted but not settled: the customer must act (3-D Secure, with the client
    /// secret their browser completes it with) or the payment method settles later. The
    /// provider's webhook reports the outcome.
    Pending {
        /// The provider's payment reference.
        reference: String,
        /// What the customer's browser needs to complete the payment (Stripe.js), when the
        /// customer must act.
        client_secret: Option<String>,
    },
}

/// Why a charge did not succeed. Nothing was taken in any case.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PaymentError {
    /// The provider declined the payment (HTTP 402).
    #[error("the payment was declined: {reason}")]
    Declined {
        /// The provider's reason.
        reason: String,
    },
    /// The token is not one the provider accepts (HTTP 422).
    #[error("invalid payment token: {message}")]
    InvalidToken {
        /// What is wrong with it.
        message: String,
    },
    /// The provider could not be reached, or did not answer (HTTP 503). The charge may or
    /// may not have happened; a retry with the same idempotency key settles which.
    #[error("the payment provider is unavailable: {message}")]
    Unavailable {
        /// What failed.
        message: String,
    },
}

/// One refund the engine asks of the provider that took the payment.
#[derive(Debug, Clone, Copy)]
pub struct RefundRequest<'a> {
    /// The order.
    pub order_id: Uuid,
    /// The engine's refund id (Stripe keeps it as the refund's metadata `refund_id`).
    pub refund_id: Uuid,
    /// The provider's reference of the payment refunded.
    pub payment_reference: &'a str,
    /// How much to return.
    pub amount: &'a Money,
    /// Derived from the refund: a provider that sees it again returns nothing more.
    pub idempotency_key: &'a str,
}

/// What a provider's webhook event says.
#[derive(Debug, Clone)]
pub enum PaymentReport {
    /// The payment went through: the order is paid.
    Succeeded {
        /// The provider the payment is recorded under.
        provider: String,
        /// The provider's payment reference.
        reference: String,
        /// The amount taken (must equal the order total).
        amount: Money,
    },
    /// The payment failed: noted, the order is unchanged (it can still be paid, in a new
    /// attempt).
    Failed {
        /// The provider the payment was attempted through.
        provider: String,
        /// The provider's payment reference.
        reference: String,
    },
    /// A refund the engine asked for settled at the provider.
    RefundSettled {
        /// The engine's refund id.
        refund_id: Uuid,
        /// The provider's refund reference.
        reference: String,
        /// Whether the money was returned (else the provider refused).
        succeeded: bool,
        /// The provider's reason when it refused.
        reason: Option<String>,
    },
    /// The provider's total refunded on a payment (refunds made at the provider directly
    /// included).
    Refunded {
        /// The provider's cumulative refunded amount.
        refunded: Money,
        /// The provider's reference of what was refunded (the charge).
        reference: String,
        /// The payment's reference (the order is found by it when the event does not name
        /// it).
        payment_reference: Option<String>,
    },
    /// Anything else: acknowledged and ignored.
    Other,
}

/// One provider webhook event, read.
#[derive(Debug, Clone)]
pub struct ProviderEvent {
    /// The provider's event id; a redelivery carries the same id.
    pub id: String,
    /// The provider's event type, stored as received.
    pub event_type: String,
    /// The order it is about (none for events the engine ignores).
    pub order_id: Option<Uuid>,
    /// What it reports.
    pub report: PaymentReport,
}

/// A payment provider: charges an order's total with what the customer pays with.
#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// The name clients select it by (`test`, `stripe`).
    fn name(&self) -> &'static str;

    /// The field of the pay request that carries what the customer pays with (`token`,
    /// `payment_method`), named in the problem that refuses it.
    fn token_field(&self) -> &'static str;

    /// Charges `request.amount` for the order. Idempotent per `request.idempotency_key`.
    async fn charge(&self, request: ChargeRequest<'_>) -> Result<Charged, PaymentError>;

    /// Returns `request.amount` of a payment it took; the provider's refund reference.
    /// Idempotent per `request.idempotency_key`. `Declined` when the provider refuses.
    async fn refund(&self, request: RefundRequest<'_>) -> Result<String, PaymentError>;
}

/// The providers this process offers, by name.
#[derive(Clone)]
pub struct Providers {
    providers: Vec<Arc<dyn PaymentProvider>>,
}

impl std::fmt::Debug for Providers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}

impl Providers {
    /// `test` always; `stripe` when a secret key is configured.
    pub fn from_settings(stripe: &StripeSettings) -> anyhow::Result<Self> {
        let mut providers: Vec<Arc<dyn PaymentProvider>> = vec![Arc::new(TestProvider)];
        if let Some(key) = &stripe.secret_key {
            providers.push(Arc::new(StripeProvider::new(key, &stripe.api_base)?));
        }
        Ok(Self { providers })
    }

    /// The provider called `name`, if this process offers it.
    pub fn get(&self, name: &str) -> Option<&dyn PaymentProvider> {
        self.providers
            .iter()
            .find(|p| p.name() == name)
            .map(|p| p.as_ref())
    }

    /// The names of every provider offered.
    pub fn names(&self) -> Vec<&'static str> {
        self.providers.iter().map(|p| p.name()).collect()
    }
}
