//! `ReleaseReservation` and `CommitReservation`, both idempotent per order.

use super::*;
use crate::product::ProductError;

/// Active product with order 1 holding 2 small and 1 medium.
fn with_reservation() -> Vec<ProductEvent> {
    let mut events = active();
    events.push(reserved(order(1), lines()));
    events
}

fn lines() -> Vec<ReservationLine> {
    vec![line(SMALL, 2), line(MEDIUM, 1)]
}

fn release(order_id: Uuid) -> ProductCommand {
    ProductCommand::ReleaseReservation {
        order_id,
        reason: "order_cancelled".to_string(),
    }
}

fn commit(order_id: Uuid) -> ProductCommand {
    ProductCommand::CommitReservation { order_id }
}

fn committed(order_id: Uuid, lines: Vec<ReservationLine>) -> ProductEvent {
    ProductEvent::ReservationCommitted { order_id, lines }
}

#[test]
fn releases_reservation() {
    product()
        .given(with_reservation())
        .when(release(order(1)))
        .then_expect_events(vec![released(order(1), lines())]);
}

#[test]
fn released_stock_is_available_again() {
    let mut events = with_reservation();
    events.push(released(order(1), lines()));
    let state = state_after(events);
    assert_eq!(state.available(SMALL), Some(10));
    assert_eq!(state.reservation(order(1)), None);
    assert!(state.is_released(order(1)));
}

#[test]
fn release_frees_stock_for_another_order() {
    let mut events = active();
    events.push(reserved(order(1), vec![line(MEDIUM, 3)]));
    events.push(released(order(1), vec![line(MEDIUM, 3)]));
    product()
        .given(events)
        .when(reserve(order(2), vec![line(MEDIUM, 3)]))
        .then_expect_events(vec![reserved(order(2), vec![line(MEDIUM, 3)])]);
}

#[test]
fn ignores_second_release_of_the_same_order() {
    let mut events = with_reservation();
    events.push(released(order(1), lines()));
    product()
        .given(events)
        .when(release(order(1)))
        .then_expect_events(vec![]);
}

#[test]
fn ignores_release_for_an_order_without_reservation() {
    product()
        .given(active())
        .when(release(order(9)))
        .then_expect_events(vec![]);
}

#[test]
fn ignores_release_after_commit() {
    let mut events = with_reservation();
    events.push(committed(order(1), lines()));
    product()
        .given(events)
        .when(release(order(1)))
        .then_expect_events(vec![]);
}

#[test]
fn releases_reservation_on_archived_product() {
    let mut events = with_reservation();
    events.push(ProductEvent::ProductArchived {});
    product()
        .given(events)
        .when(release(order(1)))
        .then_expect_events(vec![released(order(1), lines())]);
}

#[test]
fn rejects_release_without_reason() {
    product()
        .given(with_reservation())
        .when(ProductCommand::ReleaseReservation {
            order_id: order(1),
            reason: String::new(),
        })
        .then_expect_error(ProductError::ReasonRequired);
}

#[test]
fn rejects_release_when_product_missing() {
    product()
        .given_no_previous_events()
        .when(release(order(1)))
        .then_expect_error(ProductError::NotFound);
}

#[test]
fn commits_reservation() {
    product()
        .given(with_reservation())
        .when(commit(order(1)))
        .then_expect_events(vec![committed(order(1), lines())]);
}

#[test]
fn commit_takes_units_out_of_on_hand_and_reserved() {
    let mut events = with_reservation();
    events.push(committed(order(1), lines()));
    let state = state_after(events);
    let variant = state.variant(SMALL).expect("variant exists");
    assert_eq!((variant.on_hand, variant.reserved), (8, 0));
    assert_eq!(state.reservation(order(1)), None);
    assert!(state.is_committed(order(1)));
}

#[test]
fn emits_no_low_stock_on_commit_because_available_is_unchanged() {
    // 10 on hand, 6 reserved: available 4 was already reported when reserving.
    let mut events = active();
    events.push(reserved(order(1), vec![line(SMALL, 6)]));
    events.push(low_stock(SMALL, 4));
    product()
        .given(events)
        .when(commit(order(1)))
        .then_expect_events(vec![committed(order(1), vec![line(SMALL, 6)])]);
}

#[test]
fn ignores_second_commit_of_the_same_order() {
    let mut events = with_reservation();
    events.push(committed(order(1), lines()));
    product()
        .given(events)
        .when(commit(order(1)))
        .then_expect_events(vec![]);
}

#[test]
fn commits_reservation_on_archived_product() {
    let mut events = with_reservation();
    events.push(ProductEvent::ProductArchived {});
    product()
        .given(events)
        .when(commit(order(1)))
        .then_expect_events(vec![committed(order(1), lines())]);
}

#[test]
fn rejects_commit_without_reservation() {
    product()
        .given(active())
        .when(commit(order(9)))
        .then_expect_error(ProductError::ReservationNotFound { order_id: order(9) });
}

#[test]
fn rejects_commit_after_release() {
    let mut events = with_reservation();
    events.push(released(order(1), lines()));
    product()
        .given(events)
        .when(commit(order(1)))
        .then_expect_error(ProductError::ReservationClosed { order_id: order(1) });
}

#[test]
fn rejects_commit_when_product_missing() {
    product()
        .given_no_previous_events()
        .when(commit(order(1)))
        .then_expect_error(ProductError::NotFound);
}
