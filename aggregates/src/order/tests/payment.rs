//! Recording payments: exact amount, confirmed orders only, idempotent per reference.

use super::*;
use crate::order::{OrderAction, OrderError, MAX_REFERENCE_LEN};

#[test]
fn records_payment_of_exact_total_on_confirmed_order() {
    framework()
        .given(history(OrderStatus::Confirmed))
        .when(pay("pay_1", usd(TOTAL)))
        .then_expect_events(vec![paid()]);
}

#[test]
fn accepts_payment_after_deadline_while_order_not_yet_expired() {
    framework()
        .given(history(OrderStatus::Confirmed))
        .when(OrderCommand::RecordPayment {
            provider: "test".into(),
            payment_reference: "pay_late".into(),
            amount: usd(TOTAL),
            at: t(45),
        })
        .then_expect_events(vec![OrderEvent::OrderPaid {
            provider: "test".into(),
            payment_reference: "pay_late".into(),
            amount: usd(TOTAL),
            paid_at: t(45),
        }]);
}

#[test]
fn rejects_payment_below_total() {
    framework()
        .given(history(OrderStatus::Confirmed))
        .when(pay("pay_1", usd(TOTAL - 1)))
        .then_expect_error(OrderError::AmountMismatch {
            expected: usd(TOTAL),
            received: usd(TOTAL - 1),
        });
}

#[test]
fn rejects_payment_above_total() {
    framework()
        .given(history(OrderStatus::Confirmed))
        .when(pay("pay_1", usd(TOTAL + 100)))
        .then_expect_error(OrderError::AmountMismatch {
            expected: usd(TOTAL),
            received: usd(TOTAL + 100),
        });
}

#[test]
fn rejects_payment_in_another_currency() {
    framework()
        .given(history(OrderStatus::Confirmed))
        .when(pay("pay_1", eur(TOTAL)))
        .then_expect_error(OrderError::AmountMismatch {
            expected: usd(TOTAL),
            received: eur(TOTAL),
        });
}

#[test]
fn rejects_payment_when_order_not_yet_confirmed() {
    framework()
        .given(history(OrderStatus::Placed))
        .when(pay("pay_1", usd(TOTAL)))
        .then_expect_error(OrderError::InvalidTransition {
            from: OrderStatus::Placed,
            action: OrderAction::RecordPayment,
        });
}

#[test]
fn rejects_payment_when_order_cancelled() {
    framework()
        .given(history(OrderStatus::Cancelled))
        .when(pay("pay_1", usd(TOTAL)))
        .then_expect_error(OrderError::InvalidTransition {
            from: OrderStatus::Cancelled,
            action: OrderAction::RecordPayment,
        });
}

#[test]
fn rejects_payment_when_order_expired() {
    framework()
        .given(history(OrderStatus::Expired))
        .when(pay("pay_1", usd(TOTAL)))
        .then_expect_error(OrderError::InvalidTransition {
            from: OrderStatus::Expired,
            action: OrderAction::RecordPayment,
        });
}

#[test]
fn ignores_repeated_payment_with_same_reference() {
    framework()
        .given(history(OrderStatus::Paid))
        .when(pay("pay_1", usd(TOTAL)))
        .then_expect_events(vec![]);
}

#[test]
fn ignores_repeated_payment_with_same_reference_after_shipping() {
    framework()
        .given(history(OrderStatus::Shipped))
        .when(pay(" pay_1 ", usd(TOTAL)))
        .then_expect_events(vec![]);
}

#[test]
fn rejects_second_payment_with_different_reference() {
    framework()
        .given(history(OrderStatus::Paid))
        .when(pay("pay_2", usd(TOTAL)))
        .then_expect_error(OrderError::InvalidTransition {
            from: OrderStatus::Paid,
            action: OrderAction::RecordPayment,
        });
}

#[test]
fn rejects_payment_without_provider() {
    framework()
        .given(history(OrderStatus::Confirmed))
        .when(OrderCommand::RecordPayment {
            provider: "".into(),
            payment_reference: "pay_1".into(),
            amount: usd(TOTAL),
            at: t(5),
        })
        .then_expect_error(OrderError::MissingField { field: "provider" });
}

#[test]
fn rejects_payment_without_reference() {
    framework()
        .given(history(OrderStatus::Confirmed))
        .when(pay(" ", usd(TOTAL)))
        .then_expect_error(OrderError::MissingField {
            field: "payment_reference",
        });
}

#[test]
fn rejects_payment_with_overlong_reference() {
    framework()
        .given(history(OrderStatus::Confirmed))
        .when(pay(&"r".repeat(MAX_REFERENCE_LEN + 1), usd(TOTAL)))
        .then_expect_error(OrderError::FieldTooLong {
            field: "payment_reference",
            max: MAX_REFERENCE_LEN,
        });
}
