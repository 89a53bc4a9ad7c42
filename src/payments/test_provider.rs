//! The built-in `test` payment provider for development and tests: one token always succeeds,
//! one is always declined, anything else is invalid.

use async_trait::async_trait;

use super::{ChargeRequest, Charged, PaymentError, PaymentProvider, RefundRequest};

/// The name of the built-in provider.
pub const TEST_PROVIDER: &str = "test";
/// A `test` provider token that is always accepted.
pub const TEST_TOKEN_OK: &str = "tok_ok";
/// A `test` provider token that is always declined.
pub const TEST_TOKEN_DECLINED: &str = "tok_declined";

/// The `test` provider: [`TEST_TOKEN_OK`] pays with the reference `test_<order id>` (the same
/// on every retry), [`TEST_TOKEN_DECLINED`] is declined, any other token is invalid. It keeps
/// no state, so the idempotency key is not needed.
#[derive(Debug, Clone, Copy, Default)]
pub struct TestProvider;

#[async_trait]
impl PaymentProvider for TestProvider {
    fn name(&self) -> &'static str {
        TEST_PROVIDER
    }

    fn token_field(&self) -> &'static str {
        "token"
    }

    async fn charge(&self, request: ChargeRequest<'_>) -> Result<Charged, PaymentError> {
        match request.token {
            TEST_TOKEN_OK => Ok(Charged::Paid {
                reference: format!("test_{}", request.order_id.simple()),
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

    /// Every refund succeeds, with the reference `test_refund_<refund id>`.
    async fn refund(&self, request: RefundRequest<'_>) -> Result<String, PaymentError> {
        Ok(format!("test_refund_{}", request.refund_id.simple()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use commerce_aggregates::{Currency, Money};
    use uuid::Uuid;

    async fn charge(order_id: Uuid, token: &str) -> Result<Charged, PaymentError> {
        let amount = Money::new(2999, Currency::parse("USD").expect("currency"));
        TestProvider
            .charge(ChargeRequest {
                order_id,
                amount: &amount,
                token,
                idempotency_key: "key",
            })
            .await
    }

    #[tokio::test]
    async fn the_ok_token_pays_with_a_reference_derived_from_the_order() {
        let order = Uuid::new_v4();
        let first = charge(order, TEST_TOKEN_OK).await;
        let again = charge(order, TEST_TOKEN_OK).await;
        assert_eq!(first, again);
        let other = charge(Uuid::new_v4(), TEST_TOKEN_OK).await;
        assert_ne!(first, other);
    }

    #[tokio::test]
    async fn the_declined_token_is_declined_and_others_are_invalid() {
        let order = Uuid::new_v4();
        assert!(matches!(
            charge(order, TEST_TOKEN_DECLINED).await,
            Err(PaymentError::Declined { .. })
        ));
        assert!(matches!(
            charge(order, "tok_nope").await,
            Err(PaymentError::InvalidToken { .. })
        ));
    }
}
