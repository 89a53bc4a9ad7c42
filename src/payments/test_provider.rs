//! The built-in `test` payment provider for development and tests: one token always succeeds,
//! one is always declined, anything else is invalid.

use async_trait::async_trait;
use commerce_aggregates::Money;
use uuid::Uuid;

use super::{PaymentError, PaymentProvider, PaymentReceipt};

/// The name of the built-in provider.
pub const TEST_PROVIDER: &str = "test";
/// A `test` provider token that is always accepted.
pub const TEST_TOKEN_OK: &str = "tok_ok";
/// A `test` provider token that is always declined.
pub const TEST_TOKEN_DECLINED: &str = "tok_declined";

/// The `test` provider: [`TEST_TOKEN_OK`] pays with the reference `test_<order id>` (the same
/// on every retry), [`TEST_TOKEN_DECLINED`] is declined, any other token is invalid.
#[derive(Debug, Clone, Copy, Default)]
pub struct TestProvider;

#[async_trait]
impl PaymentProvider for TestProvider {
    fn name(&self) -> &'static str {
        TEST_PROVIDER
    }

    async fn charge(
        &self,
        order_id: Uuid,
        _amount: &Money,
        token: &str,
    ) -> Result<PaymentReceipt, PaymentError> {
        match token {
            TEST_TOKEN_OK => Ok(PaymentReceipt {
                reference: format!("test_{}", order_id.simple()),
            }),
            TEST_TOKEN_DECLINED => Err(PaymentError::Declined {
                reason: "the test provider declines this token".into(),
            }),
            _ => Err(PaymentError::InvalidToken {
                message: format!(
                    "unknown test token; use {TEST_TOKEN_OK} or {TEST_TOKEN_DECLINED}"
                ),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use commerce_aggregates::Currency;

    fn total() -> Money {
        Money::new(2999, Currency::parse("USD").expect("currency"))
    }

    #[tokio::test]
    async fn the_ok_token_pays_with_a_reference_derived_from_the_order() {
        let order = Uuid::new_v4();
        let first = TestProvider.charge(order, &total(), TEST_TOKEN_OK).await;
        let again = TestProvider.charge(order, &total(), TEST_TOKEN_OK).await;
        assert_eq!(first, again);
        let other = TestProvider
            .charge(Uuid::new_v4(), &total(), TEST_TOKEN_OK)
            .await;
        assert_ne!(first, other);
    }

    #[tokio::test]
    async fn the_declined_token_is_declined_and_others_are_invalid() {
        let order = Uuid::new_v4();
        assert!(matches!(
            TestProvider
                .charge(order, &total(), TEST_TOKEN_DECLINED)
                .await,
            Err(PaymentError::Declined { .. })
        ));
        assert!(matches!(
            TestProvider.charge(order, &total(), "tok_nope").await,
            Err(PaymentError::InvalidToken { .. })
        ));
    }
}
