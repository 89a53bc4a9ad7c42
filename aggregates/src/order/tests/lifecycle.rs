//! Confirming, rejecting, shipping, delivering and expiring an order.

use super::*;
use crate::order::{OrderAction, OrderError, MAX_REFERENCE_LEN};

#[test]
fn confirms_placed_order_with_payment_deadline() {
    framework()
        .given(history(OrderStatus::Placed))
        .when(OrderCommand::ConfirmOrder {
            payment_due_by: t(30),
        })
        .then_expect_events(vec![confirmed()]);
}

#[test]
fn rejects_confirmation_when_deadline_not_after_placement() {
    framework()
        .given(history(OrderStatus::Placed))
        .when(OrderCommand::ConfirmOrder {
            payment_due_by: t(0),
        })
        .then_expect_error(OrderError::InvalidPaymentDeadline {
            payment_due_by: t(0),
            placed_at: t(0),
        });
}

#[test]
fn rejects_confirmation_when_order_already_confirmed() {
    framework()
        .given(history(OrderStatus::Confirmed))
        .when(OrderCommand::ConfirmOrder {
            payment_due_by: t(30),
        })
        .then_expect_error(OrderError::InvalidTransition {
            from: OrderStatus::Confirmed,
            action: OrderAction::Confirm,
        });
}

#[test]
fn rejects_placed_order_when_stock_runs_out() {
    let reason = RejectionReason::OutOfStock {
        sku: "TEE-M".into(),
    };
    framework()
        .given(history(OrderStatus::Placed))
        .when(OrderCommand::RejectOrder {
            reason: reason.clone(),
        })
        .then_expect_events(vec![OrderEvent::OrderRejected { reason }]);
}

#[test]
fn refuses_rejection_when_order_already_confirmed() {
    framework()
        .given(history(OrderStatus::Confirmed))
        .when(OrderCommand::RejectOrder {
            reason: RejectionReason::CouponExpired,
        })
        .then_expect_error(OrderError::InvalidTransition {
            from: OrderStatus::Confirmed,
            action: OrderAction::Reject,
        });
}

#[test]
fn ships_paid_order() {
    framework()
        .given(history(OrderStatus::Paid))
        .when(ship())
        .then_expect_events(vec![shipped()]);
}

#[test]
fn trims_carrier_and_tracking_number_when_shipping() {
    framework()
        .given(history(OrderStatus::Paid))
        .when(OrderCommand::ShipOrder {
            carrier: " UPS ".into(),
            tracking_number: " 1Z999\n".into(),
            at: t(60),
        })
        .then_expect_events(vec![shipped()]);
}

#[test]
fn rejects_shipping_when_order_unpaid() {
    framework()
        .given(history(OrderStatus::Confirmed))
        .when(ship())
        .then_expect_error(OrderError::InvalidTransition {
            from: OrderStatus::Confirmed,
            action: OrderAction::Ship,
        });
}

#[test]
fn rejects_shipping_without_carrier() {
    framework()
        .given(history(OrderStatus::Paid))
        .when(OrderCommand::ShipOrder {
            carrier: "  ".into(),
            tracking_number: "1Z999".into(),
            at: t(60),
        })
        .then_expect_error(OrderError::MissingField { field: "carrier" });
}

#[test]
fn rejects_shipping_with_overlong_tracking_number() {
    framework()
        .given(history(OrderStatus::Paid))
        .when(OrderCommand::ShipOrder {
            carrier: "UPS".into(),
            tracking_number: "9".repeat(MAX_REFERENCE_LEN + 1),
            at: t(60),
        })
        .then_expect_error(OrderError::FieldTooLong {
            field: "tracking_number",
            max: MAX_REFERENCE_LEN,
        });
}

#[test]
fn delivers_shipped_order() {
    framework()
        .given(history(OrderStatus::Shipped))
        .when(OrderCommand::DeliverOrder { at: t(2000) })
        .then_expect_events(vec![delivered()]);
}

#[test]
fn rejects_delivery_when_order_not_shipped() {
    framework()
        .given(history(OrderStatus::Paid))
        .when(OrderCommand::DeliverOrder { at: t(2000) })
        .then_expect_error(OrderError::InvalidTransition {
            from: OrderStatus::Paid,
            action: OrderAction::Deliver,
        });
}

#[test]
fn expires_confirmed_order_after_payment_deadline() {
    framework()
        .given(history(OrderStatus::Confirmed))
        .when(OrderCommand::ExpireOrder { at: t(31) })
        .then_expect_events(vec![OrderEvent::OrderExpired { expired_at: t(31) }]);
}

#[test]
fn expires_confirmed_order_exactly_at_payment_deadline() {
    framework()
        .given(history(OrderStatus::Confirmed))
        .when(OrderCommand::ExpireOrder { at: t(30) })
        .then_expect_events(vec![OrderEvent::OrderExpired { expired_at: t(30) }]);
}

#[test]
fn rejects_expiry_before_payment_deadline() {
    framework()
        .given(history(OrderStatus::Confirmed))
        .when(OrderCommand::ExpireOrder { at: t(29) })
        .then_expect_error(OrderError::NotYetDue {
            payment_due_by: t(30),
            at: t(29),
        });
}

#[test]
fn rejects_expiry_when_order_already_paid() {
    framework()
        .given(history(OrderStatus::Paid))
        .when(OrderCommand::ExpireOrder { at: t(31) })
        .then_expect_error(OrderError::InvalidTransition {
            from: OrderStatus::Paid,
            action: OrderAction::Expire,
        });
}

#[test]
fn rejects_expiry_when_order_not_confirmed() {
    framework()
        .given(history(OrderStatus::Placed))
        .when(OrderCommand::ExpireOrder { at: t(31) })
        .then_expect_error(OrderError::InvalidTransition {
            from: OrderStatus::Placed,
            action: OrderAction::Expire,
        });
}
