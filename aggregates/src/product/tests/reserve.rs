//! `ReserveStock`: all-or-nothing reservations, idempotency per order, and low-stock crossings.

use super::*;
use crate::product::{ProductError, ProductStatus};

#[test]
fn reserves_every_line() {
    product()
        .given(active())
        .when(reserve(order(1), vec![line(SMALL, 2), line(MEDIUM, 1)]))
        .then_expect_events(vec![reserved(
            order(1),
            vec![line(SMALL, 2), line(MEDIUM, 1)],
        )]);
}

#[test]
fn merges_lines_for_the_same_sku() {
    product()
        .given(active())
        .when(reserve(order(1), vec![line(SMALL, 1), line(SMALL, 2)]))
        .then_expect_events(vec![reserved(order(1), vec![line(SMALL, 3)])]);
}

#[test]
fn reserving_reduces_available_but_not_on_hand() {
    let state = state_after(vec![
        created(),
        ProductEvent::ProductPublished {},
        reserved(order(1), vec![line(SMALL, 4)]),
    ]);
    let variant = state.variant(SMALL).expect("variant exists");
    assert_eq!((variant.on_hand, variant.reserved), (10, 4));
    assert_eq!(state.available(SMALL), Some(6));
    assert_eq!(state.reservation(order(1)), Some(&[line(SMALL, 4)][..]));
}

#[test]
fn emits_low_stock_when_reservation_crosses_threshold() {
    product()
        .given(active())
        .when(reserve(order(1), vec![line(SMALL, 6)]))
        .then_expect_events(vec![
            reserved(order(1), vec![line(SMALL, 6)]),
            low_stock(SMALL, 4),
        ]);
}

#[test]
fn emits_no_low_stock_for_variant_already_below_threshold() {
    product()
        .given(active())
        .when(reserve(order(1), vec![line(MEDIUM, 1)]))
        .then_expect_events(vec![reserved(order(1), vec![line(MEDIUM, 1)])]);
}

#[test]
fn ignores_second_reservation_for_the_same_order() {
    product()
        .given(vec![
            created(),
            ProductEvent::ProductPublished {},
            reserved(order(1), vec![line(SMALL, 2)]),
        ])
        .when(reserve(order(1), vec![line(SMALL, 2)]))
        .then_expect_events(vec![]);
}

#[test]
fn ignores_reservation_retry_after_product_archived() {
    product()
        .given(vec![
            created(),
            ProductEvent::ProductPublished {},
            reserved(order(1), vec![line(SMALL, 2)]),
            ProductEvent::ProductArchived {},
        ])
        .when(reserve(order(1), vec![line(SMALL, 2)]))
        .then_expect_events(vec![]);
}

#[test]
fn ignores_reservation_for_an_already_committed_order() {
    product()
        .given(vec![
            created(),
            ProductEvent::ProductPublished {},
            reserved(order(1), vec![line(SMALL, 2)]),
            ProductEvent::ReservationCommitted {
                order_id: order(1),
                lines: vec![line(SMALL, 2)],
            },
        ])
        .when(reserve(order(1), vec![line(SMALL, 2)]))
        .then_expect_events(vec![]);
}

#[test]
fn rejects_reservation_after_release_of_the_same_order() {
    product()
        .given(vec![
            created(),
            ProductEvent::ProductPublished {},
            reserved(order(1), vec![line(SMALL, 2)]),
            released(order(1), vec![line(SMALL, 2)]),
        ])
        .when(reserve(order(1), vec![line(SMALL, 2)]))
        .then_expect_error(ProductError::ReservationClosed { order_id: order(1) });
}

#[test]
fn rejects_reservation_when_product_draft() {
    product()
        .given(vec![created()])
        .when(reserve(order(1), vec![line(SMALL, 1)]))
        .then_expect_error(ProductError::NotAvailable {
            status: ProductStatus::Draft,
        });
}

#[test]
fn rejects_reservation_when_product_archived() {
    product()
        .given(archived())
        .when(reserve(order(1), vec![line(SMALL, 1)]))
        .then_expect_error(ProductError::NotAvailable {
            status: ProductStatus::Archived,
        });
}

#[test]
fn rejects_reservation_without_lines() {
    product()
        .given(active())
        .when(reserve(order(1), vec![]))
        .then_expect_error(ProductError::EmptyReservation);
}

#[test]
fn rejects_reservation_with_zero_quantity() {
    product()
        .given(active())
        .when(reserve(order(1), vec![line(SMALL, 1), line(MEDIUM, 0)]))
        .then_expect_error(ProductError::InvalidQuantity { sku: MEDIUM.into() });
}

#[test]
fn rejects_reservation_of_unknown_sku() {
    product()
        .given(active())
        .when(reserve(order(1), vec![line("NOPE", 1)]))
        .then_expect_error(ProductError::UnknownSku { sku: "NOPE".into() });
}

#[test]
fn rejects_reservation_when_stock_insufficient() {
    let error = ProductError::InsufficientStock {
        sku: MEDIUM.into(),
        requested: 4,
        available: 3,
    };
    assert_eq!(error.code(), "out_of_stock");
    product()
        .given(active())
        .when(reserve(order(1), vec![line(MEDIUM, 4)]))
        .then_expect_error(error);
}

#[test]
fn rejects_whole_reservation_when_one_line_is_short() {
    product()
        .given(active())
        .when(reserve(order(1), vec![line(SMALL, 1), line(MEDIUM, 9)]))
        .then_expect_error(ProductError::InsufficientStock {
            sku: MEDIUM.into(),
            requested: 9,
            available: 3,
        });
}

#[test]
fn rejects_reservation_beyond_what_other_orders_left() {
    product()
        .given(vec![
            created(),
            ProductEvent::ProductPublished {},
            reserved(order(1), vec![line(SMALL, 8)]),
        ])
        .when(reserve(order(2), vec![line(SMALL, 3)]))
        .then_expect_error(ProductError::InsufficientStock {
            sku: SMALL.into(),
            requested: 3,
            available: 2,
        });
}

#[test]
fn rejects_reservation_when_merged_lines_exceed_stock() {
    product()
        .given(active())
        .when(reserve(order(1), vec![line(MEDIUM, 2), line(MEDIUM, 2)]))
        .then_expect_error(ProductError::InsufficientStock {
            sku: MEDIUM.into(),
            requested: 4,
            available: 3,
        });
}

#[test]
fn reserves_the_last_available_unit() {
    product()
        .given(vec![
            created(),
            ProductEvent::ProductPublished {},
            reserved(order(1), vec![line(MEDIUM, 2)]),
        ])
        .when(reserve(order(2), vec![line(MEDIUM, 1)]))
        .then_expect_events(vec![reserved(order(2), vec![line(MEDIUM, 1)])]);
}

#[test]
fn rejects_reservation_when_product_missing() {
    product()
        .given_no_previous_events()
        .when(reserve(order(1), vec![line(SMALL, 1)]))
        .then_expect_error(ProductError::NotFound);
}
