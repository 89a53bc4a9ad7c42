//! The state machine as a whole: every (status, action) pair, legal or typed error.

use super::*;
use crate::order::{OrderAction, OrderError};

/// The legal moves, written out independently of `OrderStatus::after`.
const LEGAL: [(OrderStatus, OrderAction, OrderStatus); 15] = {
    use OrderAction as A;
    use OrderStatus as S;
    [
        (S::Placed, A::Confirm, S::Confirmed),
        (S::Placed, A::Reject, S::Rejected),
        (S::Placed, A::Cancel, S::Cancelled),
        (S::Placed, A::CancelAsAdmin, S::Cancelled),
        (S::Confirmed, A::RecordPayment, S::Paid),
        (S::Confirmed, A::Expire, S::Expired),
        (S::Confirmed, A::Cancel, S::Cancelled),
        (S::Confirmed, A::CancelAsAdmin, S::Cancelled),
        (S::Paid, A::Ship, S::Shipped),
        (S::Paid, A::Refund, S::Refunded),
        (S::Paid, A::Cancel, S::Cancelled),
        (S::Paid, A::CancelAsAdmin, S::Cancelled),
        (S::Shipped, A::Deliver, S::Delivered),
        (S::Shipped, A::CancelAsAdmin, S::Cancelled),
        (S::Delivered, A::Refund, S::Refunded),
    ]
};

fn expected_target(from: OrderStatus, action: OrderAction) -> Option<OrderStatus> {
    LEGAL
        .iter()
        .find(|(f, a, _)| *f == from && *a == action)
        .map(|(_, _, to)| *to)
}

/// A command performing `action` that passes every other check.
fn command_for(action: OrderAction) -> OrderCommand {
    match action {
        OrderAction::Confirm => OrderCommand::ConfirmOrder {
            payment_due_by: t(30),
        },
        OrderAction::Reject => OrderCommand::RejectOrder {
            reason: RejectionReason::ProductUnavailable { sku: "MUG".into() },
        },
        OrderAction::RecordPayment => pay("pay_new", usd(TOTAL)),
        OrderAction::Ship => ship(),
        OrderAction::Deliver => OrderCommand::DeliverOrder { at: t(2000) },
        OrderAction::Cancel => cancel(Role::Customer),
        OrderAction::CancelAsAdmin => cancel(Role::Admin),
        OrderAction::Refund => refund(),
        OrderAction::Expire => OrderCommand::ExpireOrder { at: t(45) },
    }
}

#[test]
fn state_machine_allows_exactly_the_documented_moves() {
    for from in OrderStatus::ALL {
        for action in OrderAction::ALL {
            assert_eq!(
                from.after(action),
                expected_target(from, action),
                "{from} --{action}-->"
            );
        }
    }
}

#[test]
fn aggregate_follows_state_machine_for_every_status_and_action() {
    for from in OrderStatus::ALL {
        for action in OrderAction::ALL {
            let result = framework()
                .given(history(from))
                .when(command_for(action))
                .inspect_result();
            match expected_target(from, action) {
                Some(to) => {
                    let events = result.unwrap_or_else(|e| panic!("{from} --{action}--> {e}"));
                    // Cancelling a paid order also asks for its refund.
                    let paid = matches!(from, OrderStatus::Paid | OrderStatus::Shipped);
                    let cancels =
                        matches!(action, OrderAction::Cancel | OrderAction::CancelAsAdmin);
                    let expected = if paid && cancels { 2 } else { 1 };
                    assert_eq!(events.len(), expected, "{from} --{action}-->");
                    let mut all = history(from);
                    all.extend(events);
                    // A refund moves the order once the provider has returned the money.
                    if action == OrderAction::Refund {
                        all.push(refund_completed(usd(TOTAL)));
                    }
                    assert_eq!(replay(all).status(), Some(to), "{from} --{action}-->");
                }
                None => assert_eq!(
                    result,
                    Err(OrderError::InvalidTransition { from, action }),
                    "{from} --{action}-->"
                ),
            }
        }
    }
}

#[test]
fn illegal_transitions_share_the_invalid_state_code() {
    let error = OrderError::InvalidTransition {
        from: OrderStatus::Cancelled,
        action: OrderAction::Ship,
    };
    assert_eq!(error.code(), "invalid_state");
    assert_eq!(error.to_string(), "cannot ship an order that is cancelled");
}

#[test]
fn only_rejected_cancelled_refunded_and_expired_are_terminal() {
    let terminal: Vec<OrderStatus> = OrderStatus::ALL
        .into_iter()
        .filter(|status| status.is_terminal())
        .collect();
    assert_eq!(
        terminal,
        vec![
            OrderStatus::Rejected,
            OrderStatus::Cancelled,
            OrderStatus::Refunded,
            OrderStatus::Expired
        ]
    );
}

#[test]
fn rejects_every_action_when_order_not_placed() {
    for action in OrderAction::ALL {
        framework()
            .given_no_previous_events()
            .when(command_for(action))
            .then_expect_error(OrderError::NotFound);
    }
}

#[test]
fn rejects_confirmation_when_order_rejected() {
    framework()
        .given(history(OrderStatus::Rejected))
        .when(command_for(OrderAction::Confirm))
        .then_expect_error(OrderError::InvalidTransition {
            from: OrderStatus::Rejected,
            action: OrderAction::Confirm,
        });
}

#[test]
fn rejects_shipping_when_order_cancelled() {
    framework()
        .given(history(OrderStatus::Cancelled))
        .when(ship())
        .then_expect_error(OrderError::InvalidTransition {
            from: OrderStatus::Cancelled,
            action: OrderAction::Ship,
        });
}
