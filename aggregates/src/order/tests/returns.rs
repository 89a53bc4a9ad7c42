//! Returns: asked for within the window, approved or rejected, received; the units that can
//! still be returned.

use super::*;
use crate::order::{OrderError, ReturnLine, ReturnStatus};

const WINDOW_DAYS: u32 = 30;

fn ask(id: u128, items: &[(&str, u32)], at: DateTime<Utc>) -> OrderCommand {
    OrderCommand::RequestReturn {
        return_id: Uuid::from_u128(id),
        lines: items
            .iter()
            .map(|(sku, quantity)| ReturnLine {
                sku: (*sku).into(),
                quantity: *quantity,
            })
            .collect(),
        reason: "too small".into(),
        window_days: WINDOW_DAYS,
        at,
    }
}

fn run(events: Vec<OrderEvent>, command: OrderCommand) -> Result<Vec<OrderEvent>, OrderError> {
    framework().given(events).when(command).inspect_result()
}

fn then(mut events: Vec<OrderEvent>, command: OrderCommand) -> Vec<OrderEvent> {
    events.extend(run(events.clone(), command).expect("accepted"));
    events
}

#[test]
fn a_delivered_order_takes_a_return_of_some_units() {
    let events = run(
        history(OrderStatus::Delivered),
        ask(1, &[("TEE-M", 1)], t(2100)),
    );
    assert_eq!(
        events,
        Ok(vec![OrderEvent::ReturnRequested {
            return_id: Uuid::from_u128(1),
            lines: vec![ReturnLine {
                sku: "TEE-M".into(),
                quantity: 1
            }],
            reason: "too small".into(),
            requested_at: t(2100),
        }])
    );
}

#[test]
fn a_return_after_the_window_is_refused() {
    let closes_at = t(2000) + chrono::Duration::days(i64::from(WINDOW_DAYS));
    let late = closes_at + chrono::Duration::minutes(1);
    assert_eq!(
        run(history(OrderStatus::Delivered), ask(1, &[("MUG", 1)], late)),
        Err(OrderError::ReturnWindowClosed { closes_at })
    );
}

#[test]
fn only_a_delivered_order_can_be_returned() {
    for status in [
        OrderStatus::Paid,
        OrderStatus::Shipped,
        OrderStatus::Refunded,
    ] {
        assert_eq!(
            run(history(status), ask(1, &[("MUG", 1)], t(2100))),
            Err(OrderError::NotReturnable { status })
        );
    }
}

#[test]
fn units_already_in_a_return_cannot_be_returned_again_unless_it_was_rejected() {
    let events = then(
        history(OrderStatus::Delivered),
        ask(1, &[("TEE-M", 2)], t(2100)),
    );
    assert_eq!(
        run(events.clone(), ask(2, &[("TEE-M", 1)], t(2101))),
        Err(OrderError::ReturnQuantityExceeded {
            sku: "TEE-M".into(),
            requested: 1,
            returnable: 0
        })
    );
    let events = then(
        events,
        OrderCommand::RejectReturn {
            return_id: Uuid::from_u128(1),
            reason: "worn".into(),
            at: t(2102),
        },
    );
    assert!(run(events, ask(2, &[("TEE-M", 1)], t(2103))).is_ok());
}

#[test]
fn a_return_moves_from_requested_to_approved_to_received() {
    let id = Uuid::from_u128(1);
    let events = then(
        history(OrderStatus::Delivered),
        ask(1, &[("MUG", 1)], t(2100)),
    );
    assert_eq!(
        run(
            events.clone(),
            OrderCommand::ReceiveReturn {
                return_id: id,
                restock: true,
                at: t(2101)
            }
        ),
        Err(OrderError::ReturnNotAllowed {
            return_id: id,
            status: "requested"
        })
    );
    let events = then(
        events,
        OrderCommand::ApproveReturn {
            return_id: id,
            at: t(2101),
        },
    );
    let events = then(
        events,
        OrderCommand::ReceiveReturn {
            return_id: id,
            restock: true,
            at: t(2200),
        },
    );
    let order = replay(events.clone());
    assert_eq!(order.returns()[0].status, ReturnStatus::Received);
    assert!(order.returns()[0].restocked);
    // Repeating the last step changes nothing; going back is refused.
    assert_eq!(
        run(
            events.clone(),
            OrderCommand::ReceiveReturn {
                return_id: id,
                restock: true,
                at: t(2201)
            }
        ),
        Ok(vec![])
    );
    assert!(run(
        events,
        OrderCommand::RejectReturn {
            return_id: id,
            reason: "late".into(),
            at: t(2202)
        }
    )
    .is_err());
}

#[test]
fn bad_returns_are_invalid() {
    for items in [
        vec![],
        vec![("NOPE", 1)],
        vec![("MUG", 0)],
        vec![("MUG", 1), ("MUG", 1)],
    ] {
        let result = run(history(OrderStatus::Delivered), ask(1, &items, t(2100)));
        assert!(
            matches!(result, Err(OrderError::InvalidReturn { .. })),
            "{items:?}: {result:?}"
        );
    }
    assert_eq!(
        run(
            history(OrderStatus::Delivered),
            OrderCommand::ApproveReturn {
                return_id: Uuid::from_u128(9),
                at: t(2100)
            }
        ),
        Err(OrderError::ReturnNotFound {
            return_id: Uuid::from_u128(9)
        })
    );
}
