//! `UpdateCoupon` and `DeactivateCoupon`.

use super::*;
use crate::coupon::CouponError;

fn update() -> CouponCommand {
    CouponCommand::UpdateCoupon {
        discount: None,
        min_subtotal: None,
        starts_at: None,
        expires_at: None,
        eligible_roles: None,
        max_redemptions: None,
        max_per_customer: None,
    }
}

fn update_max_redemptions(value: Option<u32>) -> CouponCommand {
    let mut command = update();
    if let CouponCommand::UpdateCoupon {
        max_redemptions, ..
    } = &mut command
    {
        *max_redemptions = Some(value);
    }
    command
}

/// The `CouponUpdated` carrying `created()`'s terms changed by `change`.
fn updated(change: impl FnOnce(&mut CouponEvent)) -> CouponEvent {
    let CouponEvent::CouponCreated {
        discount,
        min_subtotal,
        starts_at,
        expires_at,
        eligible_roles,
        max_redemptions,
        max_per_customer,
        ..
    } = created()
    else {
        panic!("fixture is a CouponCreated");
    };
    let mut event = CouponEvent::CouponUpdated {
        discount,
        min_subtotal,
        starts_at,
        expires_at,
        eligible_roles,
        max_redemptions,
        max_per_customer,
    };
    change(&mut event);
    event
}

#[test]
fn updates_discount_and_records_full_terms() {
    let mut command = update();
    if let CouponCommand::UpdateCoupon { discount, .. } = &mut command {
        *discount = Some(Discount::Percent(15));
    }
    let expected = updated(|e| {
        if let CouponEvent::CouponUpdated { discount, .. } = e {
            *discount = Discount::Percent(15);
        }
    });
    coupon()
        .given(vec![created()])
        .when(command)
        .then_expect_events(vec![expected]);
}

#[test]
fn clears_expiry_and_minimum_with_some_none() {
    let mut command = update();
    if let CouponCommand::UpdateCoupon {
        expires_at,
        min_subtotal,
        ..
    } = &mut command
    {
        *expires_at = Some(None);
        *min_subtotal = Some(None);
    }
    let expected = updated(|e| {
        if let CouponEvent::CouponUpdated {
            expires_at,
            min_subtotal,
            ..
        } = e
        {
            *expires_at = None;
            *min_subtotal = None;
        }
    });
    coupon()
        .given(vec![created()])
        .when(command)
        .then_expect_events(vec![expected]);
}

#[test]
fn rejects_update_without_any_field() {
    coupon()
        .given(vec![created()])
        .when(update())
        .then_expect_error(CouponError::NothingToUpdate);
}

#[test]
fn emits_nothing_when_terms_unchanged() {
    coupon()
        .given(vec![created()])
        .when(update_max_redemptions(Some(3)))
        .then_expect_events(vec![]);
}

#[test]
fn rejects_update_when_deactivated() {
    coupon()
        .given(vec![created(), CouponEvent::CouponDeactivated {}])
        .when(update_max_redemptions(Some(10)))
        .then_expect_error(CouponError::Inactive);
}

#[test]
fn rejects_update_when_coupon_missing() {
    coupon()
        .given_no_previous_events()
        .when(update_max_redemptions(Some(10)))
        .then_expect_error(CouponError::NotFound);
}

#[test]
fn rejects_max_redemptions_below_current_count() {
    coupon()
        .given(vec![created(), redeemed(1), redeemed(2)])
        .when(update_max_redemptions(Some(1)))
        .then_expect_error(CouponError::MaxRedemptionsBelowCount {
            requested: 1,
            redeemed: 2,
        });
}

#[test]
fn allows_max_redemptions_equal_to_current_count() {
    let expected = updated(|e| {
        if let CouponEvent::CouponUpdated {
            max_redemptions, ..
        } = e
        {
            *max_redemptions = Some(2);
        }
    });
    coupon()
        .given(vec![created(), redeemed(1), redeemed(2)])
        .when(update_max_redemptions(Some(2)))
        .then_expect_events(vec![expected]);
}

#[test]
fn rejects_update_moving_expiry_before_start() {
    let mut command = update();
    if let CouponCommand::UpdateCoupon { expires_at, .. } = &mut command {
        *expires_at = Some(Some(day(1) - chrono::Duration::hours(1)));
    }
    coupon()
        .given(vec![created()])
        .when(command)
        .then_expect_error(CouponError::InvalidValidityWindow {
            starts_at: day(1),
            expires_at: day(1) - chrono::Duration::hours(1),
        });
}

#[test]
fn rejects_update_with_invalid_percent() {
    let mut command = update();
    if let CouponCommand::UpdateCoupon { discount, .. } = &mut command {
        *discount = Some(Discount::Percent(150));
    }
    coupon()
        .given(vec![created()])
        .when(command)
        .then_expect_error(CouponError::InvalidPercent { percent: 150 });
}

#[test]
fn rejects_update_with_zero_limit() {
    coupon()
        .given(vec![created()])
        .when(update_max_redemptions(Some(0)))
        .then_expect_error(CouponError::InvalidLimit {
            field: "max_redemptions",
        });
}

#[test]
fn deactivates_coupon() {
    coupon()
        .given(vec![created()])
        .when(CouponCommand::DeactivateCoupon)
        .then_expect_events(vec![CouponEvent::CouponDeactivated {}]);
}

#[test]
fn rejects_deactivation_when_already_inactive() {
    coupon()
        .given(vec![created(), CouponEvent::CouponDeactivated {}])
        .when(CouponCommand::DeactivateCoupon)
        .then_expect_error(CouponError::AlreadyInactive);
}

#[test]
fn rejects_deactivation_when_coupon_missing() {
    coupon()
        .given_no_previous_events()
        .when(CouponCommand::DeactivateCoupon)
        .then_expect_error(CouponError::NotFound);
}

#[test]
fn created_and_updated_events_carry_the_terms_the_state_takes() {
    let updated = CouponEvent::CouponUpdated {
        discount: Discount::Fixed(eur(300)),
        min_subtotal: None,
        starts_at: None,
        expires_at: None,
        eligible_roles: vec![Role::Customer],
        max_redemptions: None,
        max_per_customer: Some(2),
    };
    let terms = updated.terms().expect("an update carries terms");
    let state = state_after(vec![created(), updated]);
    assert_eq!(state.terms(), Some(&terms));
    assert_eq!(state.currency(), Some(eur(0).currency));
    assert_eq!(
        created().terms().map(|t| t.currency()),
        Some(Some(usd(0).currency))
    );
    assert_eq!(CouponEvent::CouponDeactivated {}.terms(), None);
    assert_eq!(redeemed(1).terms(), None);
}
