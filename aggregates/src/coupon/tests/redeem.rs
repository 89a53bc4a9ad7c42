//! `RedeemCoupon` and the `check_eligibility` rules it enforces.

use super::*;
use crate::coupon::CouponError;

fn redeem_with(change: impl FnOnce(&mut CouponCommand)) -> CouponCommand {
    let mut command = redeem(1);
    change(&mut command);
    command
}

fn redeem_at(when: DateTime<Utc>) -> CouponCommand {
    redeem_with(|c| {
        if let CouponCommand::RedeemCoupon { at, .. } = c {
            *at = when;
        }
    })
}

fn redeem_for(value: Money) -> CouponCommand {
    redeem_with(|c| {
        if let CouponCommand::RedeemCoupon { subtotal, .. } = c {
            *subtotal = value;
        }
    })
}

fn prime_only() -> CouponEvent {
    created_with(|e| {
        if let CouponEvent::CouponCreated { eligible_roles, .. } = e {
            *eligible_roles = vec![Role::Prime];
        }
    })
}

#[test]
fn redeems_percent_coupon() {
    coupon()
        .given(vec![created()])
        .when(redeem(1))
        .then_expect_events(vec![redeemed(1)]);
}

#[test]
fn redeems_fixed_coupon_capped_at_subtotal() {
    let fixed = created_with(|e| {
        if let CouponEvent::CouponCreated {
            discount,
            min_subtotal,
            ..
        } = e
        {
            *discount = Discount::Fixed(usd(3000));
            *min_subtotal = None;
        }
    });
    coupon()
        .given(vec![fixed])
        .when(redeem_for(usd(2500)))
        .then_expect_events(vec![CouponEvent::CouponRedeemed {
            order_id: order(1),
            customer_id: customer(1),
            discount_amount: usd(2500),
        }]);
}

#[test]
fn ignores_second_redemption_for_the_same_order() {
    coupon()
        .given(vec![created(), redeemed(1)])
        .when(redeem(1))
        .then_expect_events(vec![]);
}

#[test]
fn ignores_redemption_retry_after_deactivation() {
    coupon()
        .given(vec![
            created(),
            redeemed(1),
            CouponEvent::CouponDeactivated {},
        ])
        .when(redeem(1))
        .then_expect_events(vec![]);
}

#[test]
fn rejects_redemption_after_release_of_the_same_order() {
    coupon()
        .given(vec![created(), redeemed(1), released(1)])
        .when(redeem(1))
        .then_expect_error(CouponError::RedemptionClosed { order_id: order(1) });
}

#[test]
fn rejects_redemption_when_coupon_inactive() {
    coupon()
        .given(vec![created(), CouponEvent::CouponDeactivated {}])
        .when(redeem(1))
        .then_expect_error(CouponError::Inactive);
}

#[test]
fn rejects_redemption_before_start() {
    coupon()
        .given(vec![created()])
        .when(redeem_at(day(1) - chrono::Duration::seconds(1)))
        .then_expect_error(CouponError::NotYetValid { starts_at: day(1) });
}

#[test]
fn accepts_redemption_exactly_at_start() {
    coupon()
        .given(vec![created()])
        .when(redeem_at(day(1)))
        .then_expect_events(vec![redeemed(1)]);
}

#[test]
fn rejects_redemption_at_expiry() {
    coupon()
        .given(vec![created()])
        .when(redeem_at(day(31)))
        .then_expect_error(CouponError::Expired {
            expired_at: day(31),
        });
}

#[test]
fn rejects_redemption_for_ineligible_role() {
    coupon()
        .given(vec![prime_only()])
        .when(redeem(1))
        .then_expect_error(CouponError::RoleNotEligible {
            role: Role::Customer,
        });
}

#[test]
fn accepts_redemption_for_eligible_role() {
    let command = redeem_with(|c| {
        if let CouponCommand::RedeemCoupon { customer_role, .. } = c {
            *customer_role = Role::Prime;
        }
    });
    coupon()
        .given(vec![prime_only()])
        .when(command)
        .then_expect_events(vec![redeemed(1)]);
}

#[test]
fn rejects_redemption_below_minimum_subtotal() {
    coupon()
        .given(vec![created()])
        .when(redeem_for(usd(1999)))
        .then_expect_error(CouponError::BelowMinimumSubtotal {
            minimum: usd(2000),
            subtotal: usd(1999),
        });
}

#[test]
fn accepts_redemption_at_minimum_subtotal() {
    coupon()
        .given(vec![created()])
        .when(redeem_for(usd(2000)))
        .then_expect_events(vec![CouponEvent::CouponRedeemed {
            order_id: order(1),
            customer_id: customer(1),
            discount_amount: usd(200),
        }]);
}

#[test]
fn rejects_redemption_in_other_currency() {
    coupon()
        .given(vec![created()])
        .when(redeem_for(eur(5000)))
        .then_expect_error(CouponError::CurrencyMismatch {
            expected: usd(0).currency,
            found: eur(0).currency,
        });
}

#[test]
fn rejects_negative_subtotal() {
    let no_minimum = created_with(|e| {
        if let CouponEvent::CouponCreated { min_subtotal, .. } = e {
            *min_subtotal = None;
        }
    });
    coupon()
        .given(vec![no_minimum])
        .when(redeem_for(usd(-1)))
        .then_expect_error(CouponError::InvalidSubtotal { subtotal: usd(-1) });
}

#[test]
fn rejects_redemption_when_exhausted() {
    coupon()
        .given(vec![created(), redeemed(1), redeemed(2), redeemed(3)])
        .when(redeem(4))
        .then_expect_error(CouponError::Exhausted { max_redemptions: 3 });
}

#[test]
fn rejects_redemption_when_customer_limit_reached() {
    coupon()
        .given(vec![created(), redeemed(1)])
        .when(redeem_by(2, customer(1)))
        .then_expect_error(CouponError::CustomerLimitReached { limit: 1 });
}

#[test]
fn released_redemption_frees_a_slot() {
    coupon()
        .given(vec![
            created(),
            redeemed(1),
            redeemed(2),
            redeemed(3),
            released(3),
        ])
        .when(redeem(4))
        .then_expect_events(vec![redeemed(4)]);
}

#[test]
fn released_redemption_frees_the_customers_slot() {
    coupon()
        .given(vec![created(), redeemed(1), released(1)])
        .when(redeem_by(2, customer(1)))
        .then_expect_events(vec![CouponEvent::CouponRedeemed {
            order_id: order(2),
            customer_id: customer(1),
            discount_amount: usd(500),
        }]);
}

#[test]
fn rejects_redemption_when_coupon_missing() {
    coupon()
        .given_no_previous_events()
        .when(redeem(1))
        .then_expect_error(CouponError::NotFound);
}

#[test]
fn check_eligibility_returns_the_discount_without_recording() {
    let state = state_after(vec![created()]);
    let amount = state.check_eligibility(customer(1), Role::Customer, usd(5000), day(15));
    assert_eq!(amount, Ok(usd(500)));
    assert_eq!(state.redemption_count(), 0);
}

#[test]
fn check_eligibility_reports_the_same_refusals_as_redemption() {
    let state = state_after(vec![created(), redeemed(1)]);
    assert_eq!(
        state.check_eligibility(customer(1), Role::Customer, usd(5000), day(15)),
        Err(CouponError::CustomerLimitReached { limit: 1 })
    );
    assert_eq!(
        Coupon::default().check_eligibility(customer(1), Role::Customer, usd(5000), day(15)),
        Err(CouponError::NotFound)
    );
}

/// A coupon without total or per-customer limits.
fn unlimited() -> CouponEvent {
    created_with(|e| {
        if let CouponEvent::CouponCreated {
            max_redemptions,
            max_per_customer,
            ..
        } = e
        {
            *max_redemptions = None;
            *max_per_customer = None;
        }
    })
}

#[test]
fn only_a_coupon_with_a_limit_has_limited_redemptions() {
    assert!(state_after(vec![created()]).redemptions_limited());
    let per_customer_only = created_with(|e| {
        if let CouponEvent::CouponCreated {
            max_redemptions, ..
        } = e
        {
            *max_redemptions = None;
        }
    });
    assert!(state_after(vec![per_customer_only]).redemptions_limited());
    assert!(!state_after(vec![unlimited()]).redemptions_limited());
    assert!(!Coupon::default().redemptions_limited());
}

#[test]
fn an_unlimited_coupons_redemption_does_not_depend_on_the_redemptions_before_it() {
    let decide = |events: Vec<CouponEvent>| {
        state_after(events).redeem(order(9), customer(9), Role::Customer, usd(5000), day(15))
    };
    let fresh = decide(vec![unlimited()]);
    assert_eq!(
        fresh,
        Ok(vec![CouponEvent::CouponRedeemed {
            order_id: order(9),
            customer_id: customer(9),
            discount_amount: usd(500),
        }])
    );
    let busy = decide(vec![unlimited(), redeemed(1), redeemed(2), released(1)]);
    assert_eq!(busy, fresh);
    // With a limit the count decides: three redemptions exhaust the default coupon.
    let exhausted = decide(vec![created(), redeemed(1), redeemed(2), redeemed(3)]);
    assert!(
        matches!(exhausted, Err(CouponError::Exhausted { .. })),
        "{exhausted:?}"
    );
}
