//! `AdjustStock`: corrections up and down, the stock invariants, and low-stock crossings.

use super::*;
use crate::product::{ProductError, MAX_REASON_LEN};

fn adjust(sku: &str, adjustment: i64) -> ProductCommand {
    ProductCommand::AdjustStock {
        sku: sku.to_string(),
        adjustment,
        reason: "stock count".to_string(),
    }
}

fn adjusted(sku: &str, adjustment: i64, on_hand: u32, available: u32) -> ProductEvent {
    ProductEvent::StockAdjusted {
        sku: sku.to_string(),
        adjustment,
        reason: "stock count".to_string(),
        previous_on_hand: u32::try_from(i64::from(on_hand) - adjustment).expect("valid"),
        on_hand,
        available,
    }
}

#[test]
fn adds_stock() {
    product()
        .given(active())
        .when(adjust(SMALL, 5))
        .then_expect_events(vec![adjusted(SMALL, 5, 15, 15)]);
}

#[test]
fn removes_stock_while_staying_above_threshold() {
    product()
        .given(active())
        .when(adjust(SMALL, -4))
        .then_expect_events(vec![adjusted(SMALL, -4, 6, 6)]);
}

#[test]
fn reports_available_net_of_reservations() {
    product()
        .given(vec![
            created(),
            ProductEvent::ProductPublished {},
            reserved(order(1), vec![line(SMALL, 2)]),
        ])
        .when(adjust(SMALL, 1))
        .then_expect_events(vec![adjusted(SMALL, 1, 11, 9)]);
}

#[test]
fn emits_low_stock_when_adjustment_crosses_threshold() {
    product()
        .given(active())
        .when(adjust(SMALL, -7))
        .then_expect_events(vec![adjusted(SMALL, -7, 3, 3), low_stock(SMALL, 3)]);
}

#[test]
fn emits_low_stock_when_adjustment_lands_exactly_on_threshold() {
    product()
        .given(active())
        .when(adjust(SMALL, -5))
        .then_expect_events(vec![adjusted(SMALL, -5, 5, 5), low_stock(SMALL, 5)]);
}

#[test]
fn emits_no_low_stock_when_already_below_threshold() {
    product()
        .given(active())
        .when(adjust(MEDIUM, -1))
        .then_expect_events(vec![adjusted(MEDIUM, -1, 2, 2)]);
}

#[test]
fn emits_no_low_stock_when_restocking_above_threshold() {
    product()
        .given(active())
        .when(adjust(MEDIUM, 10))
        .then_expect_events(vec![adjusted(MEDIUM, 10, 13, 13)]);
}

#[test]
fn allows_adjustment_on_archived_product() {
    product()
        .given(archived())
        .when(adjust(SMALL, 1))
        .then_expect_events(vec![adjusted(SMALL, 1, 11, 11)]);
}

#[test]
fn allows_adjustment_on_draft_product() {
    product()
        .given(vec![created()])
        .when(adjust(MEDIUM, -3))
        .then_expect_events(vec![adjusted(MEDIUM, -3, 0, 0)]);
}

#[test]
fn rejects_zero_adjustment() {
    product()
        .given(active())
        .when(adjust(SMALL, 0))
        .then_expect_error(ProductError::ZeroAdjustment { sku: SMALL.into() });
}

#[test]
fn rejects_adjustment_without_reason() {
    product()
        .given(active())
        .when(ProductCommand::AdjustStock {
            sku: SMALL.into(),
            adjustment: 1,
            reason: "  ".into(),
        })
        .then_expect_error(ProductError::ReasonRequired);
}

#[test]
fn rejects_adjustment_with_overlong_reason() {
    product()
        .given(active())
        .when(ProductCommand::AdjustStock {
            sku: SMALL.into(),
            adjustment: 1,
            reason: "r".repeat(MAX_REASON_LEN + 1),
        })
        .then_expect_error(ProductError::ReasonTooLong {
            max: MAX_REASON_LEN,
        });
}

#[test]
fn rejects_adjustment_making_stock_negative() {
    product()
        .given(active())
        .when(adjust(MEDIUM, -4))
        .then_expect_error(ProductError::NegativeStock {
            sku: MEDIUM.into(),
            on_hand: 3,
            adjustment: -4,
        });
}

#[test]
fn rejects_adjustment_leaving_less_than_reserved() {
    product()
        .given(vec![
            created(),
            ProductEvent::ProductPublished {},
            reserved(order(1), vec![line(SMALL, 8)]),
        ])
        .when(adjust(SMALL, -3))
        .then_expect_error(ProductError::StockBelowReserved {
            sku: SMALL.into(),
            reserved: 8,
            on_hand: 7,
        });
}

#[test]
fn rejects_adjustment_overflowing_stock() {
    product()
        .given(active())
        .when(adjust(SMALL, i64::from(u32::MAX)))
        .then_expect_error(ProductError::StockOverflow { sku: SMALL.into() });
}

#[test]
fn rejects_adjustment_overflowing_the_arithmetic() {
    product()
        .given(active())
        .when(adjust(SMALL, i64::MAX))
        .then_expect_error(ProductError::StockOverflow { sku: SMALL.into() });
}

#[test]
fn rejects_adjustment_for_unknown_sku() {
    product()
        .given(active())
        .when(adjust("NOPE", 1))
        .then_expect_error(ProductError::UnknownSku { sku: "NOPE".into() });
}

#[test]
fn rejects_adjustment_when_product_missing() {
    product()
        .given_no_previous_events()
        .when(adjust(SMALL, 1))
        .then_expect_error(ProductError::NotFound);
}
