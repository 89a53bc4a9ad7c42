//! Partial refunds: by amount and by lines, reserved against the payment, completed or failed
//! at the provider, and refunds made at the provider directly.

use super::*;
use crate::order::{OrderError, RefundLineInput, RefundedLine};

fn request(id: u128, scope: RefundScope) -> OrderCommand {
    OrderCommand::RequestRefund {
        refund_id: Uuid::from_u128(id),
        scope,
        reason: "damaged".into(),
        at: t(90),
    }
}

fn lines(items: &[(&str, u32)]) -> RefundScope {
    RefundScope::Lines(
        items
            .iter()
            .map(|(sku, quantity)| RefundLineInput {
                sku: (*sku).into(),
                quantity: *quantity,
            })
            .collect(),
    )
}

/// Applies `command` to `events` and returns the events with the ones it produced.
fn after(mut events: Vec<OrderEvent>, command: OrderCommand) -> Vec<OrderEvent> {
    let produced = framework()
        .given(events.clone())
        .when(command)
        .inspect_result()
        .unwrap_or_else(|e| panic!("refused: {e}"));
    events.extend(produced);
    events
}

fn requested_amount(events: &[OrderEvent]) -> i64 {
    match events.last() {
        Some(OrderEvent::RefundRequested { amount, .. }) => amount.minor,
        other => panic!("not a request: {other:?}"),
    }
}

fn complete(id: u128, reference: &str) -> OrderCommand {
    OrderCommand::CompleteRefund {
        refund_id: Uuid::from_u128(id),
        provider_reference: reference.into(),
        at: t(95),
    }
}

#[test]
fn a_partial_amount_is_reserved_and_completed_with_the_providers_reference() {
    let events = after(
        history(OrderStatus::Delivered),
        request(1, RefundScope::Amount(usd(1000))),
    );
    assert_eq!(replay(events.clone()).refundable(), Some(usd(TOTAL - 1000)));

    let events = after(events, complete(1, "re_1"));

    let order = replay(events.clone());
    assert_eq!(order.refunded(), Some(usd(1000)));
    assert_eq!(order.status(), Some(OrderStatus::Delivered));
    assert_eq!(
        events.last(),
        Some(&OrderEvent::OrderRefunded {
            amount: usd(1000),
            reason: "damaged".into(),
            refunded_at: t(95),
            refund_id: Some(Uuid::from_u128(1)),
            provider_reference: Some("re_1".into()),
            lines: vec![],
        })
    );
}

#[test]
fn a_line_refunds_its_total_with_its_share_of_shipping() {
    // MUG: 800 − 80 discount + 144 tax = 864, and 105 of the 500 shipping (by line totals
    // 3240 : 864, largest remainder to the T-shirts).
    let events = after(history(OrderStatus::Paid), request(1, lines(&[("MUG", 1)])));
    match events.last() {
        Some(OrderEvent::RefundRequested { amount, lines, .. }) => {
            assert_eq!(*amount, usd(969));
            assert_eq!(
                lines,
                &vec![RefundedLine {
                    sku: "MUG".into(),
                    quantity: 1,
                    amount: usd(969)
                }]
            );
        }
        other => panic!("not a request: {other:?}"),
    }
}

#[test]
fn refunding_every_unit_one_by_one_refunds_the_total_exactly() {
    let mut events = history(OrderStatus::Paid);
    let mut refunded = Vec::new();
    for (id, sku) in [(1, "TEE-M"), (2, "MUG"), (3, "TEE-M")] {
        events = after(events, request(id, lines(&[(sku, 1)])));
        refunded.push(requested_amount(&events));
        events = after(events, complete(id, &format!("re_{id}")));
    }
    // The two T-shirts share 3240 + 395 = 3635 as 1817 then 1818.
    assert_eq!(refunded, vec![1817, 969, 1818]);
    assert_eq!(refunded.iter().sum::<i64>(), TOTAL);
    let order = replay(events);
    assert_eq!(order.status(), Some(OrderStatus::Refunded));
    assert_eq!(order.refundable(), Some(usd(0)));
}

#[test]
fn a_refund_beyond_what_is_left_is_refused_even_while_another_is_pending() {
    let events = after(
        history(OrderStatus::Paid),
        request(1, RefundScope::Amount(usd(4000))),
    );
    framework()
        .given(events)
        .when(request(2, RefundScope::Amount(usd(700))))
        .then_expect_error(OrderError::RefundExceedsPaid {
            requested: usd(700),
            refundable: usd(TOTAL - 4000),
        });
}

#[test]
fn a_failed_refund_releases_its_reservation() {
    let events = after(
        history(OrderStatus::Paid),
        request(1, RefundScope::Amount(usd(4000))),
    );
    let events = after(
        events,
        OrderCommand::FailRefund {
            refund_id: Uuid::from_u128(1),
            reason: "insufficient balance".into(),
            at: t(91),
        },
    );
    assert_eq!(replay(events.clone()).refundable(), Some(usd(TOTAL)));
    framework()
        .given(events)
        .when(complete(1, "re_1"))
        .then_expect_error(OrderError::RefundNotPending {
            refund_id: Uuid::from_u128(1),
        });
}

#[test]
fn more_units_than_are_left_of_a_line_are_refused() {
    let events = after(
        history(OrderStatus::Paid),
        request(1, lines(&[("TEE-M", 2)])),
    );
    framework()
        .given(events)
        .when(request(2, lines(&[("TEE-M", 1)])))
        .then_expect_error(OrderError::RefundQuantityExceeded {
            sku: "TEE-M".into(),
            requested: 1,
            refundable: 0,
        });
}

#[test]
fn bad_refund_requests_are_invalid() {
    for scope in [
        RefundScope::Amount(usd(0)),
        RefundScope::Amount(Money::new(100, Currency::parse("EUR").expect("EUR"))),
        lines(&[]),
        lines(&[("NOPE", 1)]),
        lines(&[("MUG", 0)]),
        lines(&[("MUG", 1), ("MUG", 1)]),
    ] {
        let result = framework()
            .given(history(OrderStatus::Paid))
            .when(request(1, scope.clone()))
            .inspect_result();
        assert!(
            matches!(result, Err(OrderError::InvalidRefund { .. })),
            "{scope:?}: {result:?}"
        );
    }
}

#[test]
fn repeating_a_request_or_a_completion_changes_nothing() {
    let events = after(
        history(OrderStatus::Paid),
        request(1, RefundScope::Amount(usd(500))),
    );
    framework()
        .given(events.clone())
        .when(request(1, RefundScope::Amount(usd(500))))
        .then_expect_events(vec![]);
    let events = after(events, complete(1, "re_1"));
    framework()
        .given(events)
        .when(complete(1, "re_1"))
        .then_expect_events(vec![]);
}

#[test]
fn a_refund_made_at_the_provider_is_recorded_once() {
    let events = after(
        history(OrderStatus::Paid),
        request(1, RefundScope::Amount(usd(500))),
    );
    let report = |refunded: i64| OrderCommand::RecordProviderRefunds {
        refunded: usd(refunded),
        provider_reference: "ch_1".into(),
        at: t(99),
    };
    // The provider's total includes the engine's own pending refund: only the rest is new.
    let events = after(events, report(1700));
    match events.last() {
        Some(OrderEvent::OrderRefunded {
            amount, refund_id, ..
        }) => {
            assert_eq!(*amount, usd(1200));
            assert_eq!(*refund_id, None);
        }
        other => panic!("not a refund: {other:?}"),
    }
    framework()
        .given(events)
        .when(report(1700))
        .then_expect_events(vec![]);
}

#[test]
fn an_unpaid_order_cannot_be_refunded() {
    framework()
        .given(history(OrderStatus::Confirmed))
        .when(request(1, RefundScope::Amount(usd(100))))
        .then_expect_error(OrderError::InvalidTransition {
            from: OrderStatus::Confirmed,
            action: crate::order::OrderAction::Refund,
        });
}
