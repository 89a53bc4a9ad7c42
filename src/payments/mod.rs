//! Payments: the port through which orders are charged ([`PaymentProvider`]), the registry of
//! providers by name ([`provider`]), the built-in `test` provider ([`TestProvider`]) and the
//! verification of signed provider webhooks ([`signature`]).

pub mod signature;
mod test_provider;

use std::sync::OnceLock;

use async_trait::async_trait;
use commerce_aggregates::Money;
use uuid::Uuid;

pub use self::test_provider::{TestProvider, TEST_PROVIDER, TEST_TOKEN_DECLINED, TEST_TOKEN_OK};

/// What a successful charge returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentReceipt {
    /// The provider's reference for the payment. Charging the same order again with the same
    /// token yields the same reference, so a retried payment is recorded once.
    pub reference: String,
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
    /// The provider could not be reached (HTTP 503).
    #[error("the payment provider is unavailable: {message}")]
    Unavailable {
        /// What failed.
        message: String,
    },
}

/// A payment provider: charges an order's total with a customer's payment token.
#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// The name clients select it by (`test`, …).
    fn name(&self) -> &'static str;

    /// Charges `amount` for order `order_id` with `token`. Must be idempotent per order: a
    /// repeat of a successful charge returns the same reference and takes nothing more.
    async fn charge(
        &self,
        order_id: Uuid,
        amount: &Money,
        token: &str,
    ) -> Result<PaymentReceipt, PaymentError>;
}

/// The built-in providers.
fn registry() -> &'static [Box<dyn PaymentProvider>] {
    static PROVIDERS: OnceLock<Vec<Box<dyn PaymentProvider>>> = OnceLock::new();
    PROVIDERS.get_or_init(|| vec![Box::new(TestProvider)])
}

/// The provider called `name`, if there is one.
pub fn provider(name: &str) -> Option<&'static dyn PaymentProvider> {
    registry()
        .iter()
        .find(|p| p.name() == name)
        .map(|p| p.as_ref())
}

/// The names of every registered provider.
pub fn provider_names() -> Vec<&'static str> {
    registry().iter().map(|p| p.name()).collect()
}
