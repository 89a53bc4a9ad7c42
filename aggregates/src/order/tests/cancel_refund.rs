//! Cancelling (by customers and admins) and refunding orders.

use super::*;
use crate::order::{OrderAction, OrderError, RefundScope, MAX_REASON_LEN};

/// The events of [`cancel`] by `by`: the cancellation, and for a paid order the request of
/// the refund of `refund` through the provider.
fn cancelled(refund: Option<Money>, by: Role) -> Vec<OrderEvent> {
    let mut events = vec![OrderEvent::OrderCancelled {
        reason: "changed my mind".into(),
        refund,
        by,
        cancelled_at: t(10),
        refund_id: refund.map(|_| CANCEL_REFUND_ID),
    }];
    if let Some(amount) = refund {
        events.push(OrderEvent::RefundRequested {
            refund_id: CANCEL_REFUND_ID,
            amount,
            lines: vec![],
            reason: "changed my mind".into(),
            requested_at: t(10),
        });
    }
    events
}

/// The request of [`refund`] on the reference order: its whole total, reserved.
fn refund_requested() -> OrderEvent {
    OrderEvent::RefundRequested {
        refund_id: REFUND_ID,
        amount: usd(TOTAL),
        lines: vec![],
        reason: "damaged".into(),
        requested_at: t(90),
    }
}

#[test]
fn customer_cancels_placed_order_without_refund() {
    framework()
        .given(history(OrderStatus::Placed))
        .when(cancel(Role::Customer))
        .then_expect_events(cancelled(None, Role::Customer));
}

#[test]
fn customer_cancels_confirmed_unpaid_order_without_refund() {
    framework()
        .given(history(OrderStatus::Confirmed))
        .when(cancel(Role::Prime))
        .then_expect_events(cancelled(None, Role::Prime));
}

#[test]
fn customer_cancels_paid_order_with_full_refund() {
    framework()
        .given(history(OrderStatus::Paid))
        .when(cancel(Role::Customer))
        .then_expect_events(cancelled(Some(usd(TOTAL)), Role::Customer));
}

#[test]
fn admin_cancels_shipped_order_with_full_refund() {
    framework()
        .given(history(OrderStatus::Shipped))
        .when(cancel(Role::Admin))
        .then_expect_events(cancelled(Some(usd(TOTAL)), Role::Admin));
}

#[test]
fn rejects_customer_cancellation_when_order_shipped() {
    framework()
        .given(history(OrderStatus::Shipped))
        .when(cancel(Role::Customer))
        .then_expect_error(OrderError::InvalidTransition {
            from: OrderStatus::Shipped,
            action: OrderAction::Cancel,
        });
}

#[test]
fn rejects_admin_cancellation_when_order_delivered() {
    framework()
        .given(history(OrderStatus::Delivered))
        .when(cancel(Role::Admin))
        .then_expect_error(OrderError::InvalidTransition {
            from: OrderStatus::Delivered,
            action: OrderAction::CancelAsAdmin,
        });
}

#[test]
fn rejects_cancellation_when_order_already_cancelled() {
    framework()
        .given(history(OrderStatus::Cancelled))
        .when(cancel(Role::Customer))
        .then_expect_error(OrderError::InvalidTransition {
            from: OrderStatus::Cancelled,
            action: OrderAction::Cancel,
        });
}

#[test]
fn rejects_cancellation_by_auditor() {
    framework()
        .given(history(OrderStatus::Placed))
        .when(cancel(Role::Auditor))
        .then_expect_error(OrderError::RoleNotPermitted {
            role: Role::Auditor,
        });
}

#[test]
fn rejects_cancellation_without_reason() {
    framework()
        .given(history(OrderStatus::Placed))
        .when(OrderCommand::CancelOrder {
            reason: " \t ".into(),
            by: Role::Customer,
            refund_id: CANCEL_REFUND_ID,
            at: t(10),
        })
        .then_expect_error(OrderError::MissingField { field: "reason" });
}

#[test]
fn rejects_cancellation_with_overlong_reason() {
    framework()
        .given(history(OrderStatus::Placed))
        .when(OrderCommand::CancelOrder {
            reason: "r".repeat(MAX_REASON_LEN + 1),
            by: Role::Customer,
            refund_id: CANCEL_REFUND_ID,
            at: t(10),
        })
        .then_expect_error(OrderError::FieldTooLong {
            field: "reason",
            max: MAX_REASON_LEN,
        });
}

#[test]
fn a_refund_of_a_paid_order_reserves_its_whole_total() {
    framework()
        .given(history(OrderStatus::Paid))
        .when(refund())
        .then_expect_events(vec![refund_requested()]);
}

#[test]
fn a_refund_of_a_delivered_order_reserves_its_whole_total() {
    framework()
        .given(history(OrderStatus::Delivered))
        .when(refund())
        .then_expect_events(vec![refund_requested()]);
}

#[test]
fn rejects_refund_when_order_unpaid() {
    framework()
        .given(history(OrderStatus::Confirmed))
        .when(refund())
        .then_expect_error(OrderError::InvalidTransition {
            from: OrderStatus::Confirmed,
            action: OrderAction::Refund,
        });
}

#[test]
fn rejects_refund_when_order_in_transit() {
    framework()
        .given(history(OrderStatus::Shipped))
        .when(refund())
        .then_expect_error(OrderError::InvalidTransition {
            from: OrderStatus::Shipped,
            action: OrderAction::Refund,
        });
}

#[test]
fn rejects_refund_when_order_already_refunded() {
    framework()
        .given(history(OrderStatus::Refunded))
        .when(refund())
        .then_expect_error(OrderError::InvalidTransition {
            from: OrderStatus::Refunded,
            action: OrderAction::Refund,
        });
}

#[test]
fn rejects_refund_without_reason() {
    framework()
        .given(history(OrderStatus::Paid))
        .when(OrderCommand::RequestRefund {
            refund_id: REFUND_ID,
            scope: RefundScope::Remaining,
            reason: String::new(),
            at: t(90),
        })
        .then_expect_error(OrderError::MissingField { field: "reason" });
}

#[test]
fn cancelling_a_partly_refunded_order_refunds_the_rest_and_it_stays_cancelled() {
    let mut events = history(OrderStatus::Paid);
    events.push(OrderEvent::RefundRequested {
        refund_id: REFUND_ID,
        amount: usd(1000),
        lines: vec![],
        reason: "damaged".into(),
        requested_at: t(8),
    });
    events.push(refund_completed(usd(1000)));
    let decided = framework()
        .given(events.clone())
        .when(cancel(Role::Customer))
        .inspect_result()
        .expect("cancelled");
    assert_eq!(decided, cancelled(Some(usd(TOTAL - 1000)), Role::Customer));
    events.extend(decided);
    events.push(OrderEvent::OrderRefunded {
        amount: usd(TOTAL - 1000),
        reason: "changed my mind".into(),
        refunded_at: t(11),
        refund_id: Some(CANCEL_REFUND_ID),
        provider_reference: Some("re_2".into()),
        lines: vec![],
    });
    let order = replay(events);
    assert_eq!(order.status(), Some(OrderStatus::Cancelled));
    assert_eq!(order.refunded(), Some(usd(TOTAL)));
}
