//! `ReleaseRedemption`: idempotent per order, allowed on deactivated coupons.

use super::*;
use crate::coupon::{CouponError, MAX_REASON_LEN};

fn release(n: u128) -> CouponCommand {
    CouponCommand::ReleaseRedemption {
        order_id: order(n),
        reason: "order_cancelled".to_string(),
    }
}

#[test]
fn releases_redemption() {
    coupon()
        .given(vec![created(), redeemed(1)])
        .when(release(1))
        .then_expect_events(vec![released(1)]);
}

#[test]
fn release_decreases_the_counts() {
    let state = state_after(vec![created(), redeemed(1), redeemed(2), released(1)]);
    assert_eq!(state.redemption_count(), 1);
    assert_eq!(state.redemptions_by(customer(1)), 0);
    assert_eq!(state.redemptions_by(customer(2)), 1);
    assert_eq!(state.redemption(order(1)), None);
    assert_eq!(state.redemption(order(2)), Some(customer(2)));
    assert!(state.is_released(order(1)));
}

#[test]
fn ignores_release_of_an_order_that_never_redeemed() {
    coupon()
        .given(vec![created(), redeemed(1)])
        .when(release(2))
        .then_expect_events(vec![]);
}

#[test]
fn ignores_second_release_of_the_same_order() {
    coupon()
        .given(vec![created(), redeemed(1), released(1)])
        .when(release(1))
        .then_expect_events(vec![]);
}

#[test]
fn releases_redemption_on_deactivated_coupon() {
    coupon()
        .given(vec![
            created(),
            redeemed(1),
            CouponEvent::CouponDeactivated {},
        ])
        .when(release(1))
        .then_expect_events(vec![released(1)]);
}

#[test]
fn rejects_release_without_reason() {
    coupon()
        .given(vec![created(), redeemed(1)])
        .when(CouponCommand::ReleaseRedemption {
            order_id: order(1),
            reason: " ".into(),
        })
        .then_expect_error(CouponError::ReasonRequired);
}

#[test]
fn rejects_release_with_overlong_reason() {
    coupon()
        .given(vec![created(), redeemed(1)])
        .when(CouponCommand::ReleaseRedemption {
            order_id: order(1),
            reason: "r".repeat(MAX_REASON_LEN + 1),
        })
        .then_expect_error(CouponError::ReasonTooLong {
            max: MAX_REASON_LEN,
        });
}

#[test]
fn rejects_release_when_coupon_missing() {
    coupon()
        .given_no_previous_events()
        .when(release(1))
        .then_expect_error(CouponError::NotFound);
}
