//! `CreateCoupon`, code normalisation, and the wire contract of events and errors.

use cqrs_es::DomainEvent;

use super::*;
use crate::coupon::{normalize_code, CouponError};

#[test]
fn creates_coupon_with_normalised_code() {
    let command = create_with(|c| {
        if let CouponCommand::CreateCoupon { code, .. } = c {
            *code = "  save10 ".to_string();
        }
    });
    coupon()
        .given_no_previous_events()
        .when(command)
        .then_expect_events(vec![created()]);
}

#[test]
fn created_coupon_is_active_without_redemptions() {
    let state = state_after(vec![created()]);
    assert!(state.is_active());
    assert_eq!(state.code(), Some(CODE));
    assert_eq!(state.redemption_count(), 0);
}

#[test]
fn creates_unrestricted_fixed_coupon() {
    let command = CouponCommand::CreateCoupon {
        code: "FIVE-OFF".into(),
        discount: Discount::Fixed(usd(500)),
        min_subtotal: None,
        starts_at: None,
        expires_at: None,
        eligible_roles: vec![],
        max_redemptions: None,
        max_per_customer: None,
    };
    coupon()
        .given_no_previous_events()
        .when(command)
        .then_expect_events(vec![CouponEvent::CouponCreated {
            code: "FIVE-OFF".into(),
            discount: Discount::Fixed(usd(500)),
            min_subtotal: None,
            starts_at: None,
            expires_at: None,
            eligible_roles: vec![],
            max_redemptions: None,
            max_per_customer: None,
        }]);
}

#[test]
fn deduplicates_eligible_roles() {
    let command = create_with(|c| {
        if let CouponCommand::CreateCoupon { eligible_roles, .. } = c {
            *eligible_roles = vec![Role::Prime, Role::Admin, Role::Prime];
        }
    });
    let expected = created_with(|e| {
        if let CouponEvent::CouponCreated { eligible_roles, .. } = e {
            *eligible_roles = vec![Role::Prime, Role::Admin];
        }
    });
    coupon()
        .given_no_previous_events()
        .when(command)
        .then_expect_events(vec![expected]);
}

#[test]
fn normalize_code_trims_and_upper_cases() {
    assert_eq!(
        normalize_code(" summer_25-x "),
        Ok("SUMMER_25-X".to_string())
    );
    assert_eq!(normalize_code("abc"), Ok("ABC".to_string()));
    assert_eq!(normalize_code(&"A".repeat(32)), Ok("A".repeat(32)));
}

#[test]
fn normalize_code_rejects_malformed_codes() {
    for code in ["AB", "", "SAVE 10", "SAVE!", "ÉTÉ10", &"A".repeat(33)] {
        assert_eq!(
            normalize_code(code),
            Err(CouponError::InvalidCode { code: code.into() }),
            "{code:?} should be refused"
        );
    }
}

#[test]
fn rejects_creation_with_invalid_code() {
    let command = create_with(|c| {
        if let CouponCommand::CreateCoupon { code, .. } = c {
            *code = "10%".to_string();
        }
    });
    coupon()
        .given_no_previous_events()
        .when(command)
        .then_expect_error(CouponError::InvalidCode { code: "10%".into() });
}

#[test]
fn rejects_creation_when_coupon_exists() {
    coupon()
        .given(vec![created()])
        .when(create())
        .then_expect_error(CouponError::AlreadyExists);
}

fn with_discount(value: Discount) -> CouponCommand {
    create_with(|c| {
        if let CouponCommand::CreateCoupon { discount, .. } = c {
            *discount = value;
        }
    })
}

#[test]
fn rejects_percent_of_zero() {
    coupon()
        .given_no_previous_events()
        .when(with_discount(Discount::Percent(0)))
        .then_expect_error(CouponError::InvalidPercent { percent: 0 });
}

#[test]
fn rejects_percent_above_one_hundred() {
    coupon()
        .given_no_previous_events()
        .when(with_discount(Discount::Percent(101)))
        .then_expect_error(CouponError::InvalidPercent { percent: 101 });
}

#[test]
fn rejects_fixed_discount_of_zero() {
    coupon()
        .given_no_previous_events()
        .when(with_discount(Discount::Fixed(usd(0))))
        .then_expect_error(CouponError::InvalidFixedAmount { amount: usd(0) });
}

#[test]
fn rejects_fixed_discount_in_other_currency_than_minimum() {
    coupon()
        .given_no_previous_events()
        .when(with_discount(Discount::Fixed(eur(500))))
        .then_expect_error(CouponError::CurrencyMismatch {
            expected: eur(0).currency,
            found: usd(0).currency,
        });
}

#[test]
fn rejects_negative_minimum_subtotal() {
    let command = create_with(|c| {
        if let CouponCommand::CreateCoupon { min_subtotal, .. } = c {
            *min_subtotal = Some(usd(-1));
        }
    });
    coupon()
        .given_no_previous_events()
        .when(command)
        .then_expect_error(CouponError::InvalidMinSubtotal { amount: usd(-1) });
}

#[test]
fn rejects_expiry_not_after_start() {
    let command = create_with(|c| {
        if let CouponCommand::CreateCoupon { expires_at, .. } = c {
            *expires_at = Some(day(1));
        }
    });
    coupon()
        .given_no_previous_events()
        .when(command)
        .then_expect_error(CouponError::InvalidValidityWindow {
            starts_at: day(1),
            expires_at: day(1),
        });
}

#[test]
fn rejects_zero_max_redemptions() {
    let command = create_with(|c| {
        if let CouponCommand::CreateCoupon {
            max_redemptions, ..
        } = c
        {
            *max_redemptions = Some(0);
        }
    });
    coupon()
        .given_no_previous_events()
        .when(command)
        .then_expect_error(CouponError::InvalidLimit {
            field: "max_redemptions",
        });
}

#[test]
fn rejects_zero_max_per_customer() {
    let command = create_with(|c| {
        if let CouponCommand::CreateCoupon {
            max_per_customer, ..
        } = c
        {
            *max_per_customer = Some(0);
        }
    });
    coupon()
        .given_no_previous_events()
        .when(command)
        .then_expect_error(CouponError::InvalidLimit {
            field: "max_per_customer",
        });
}

#[test]
fn event_type_is_the_variant_name_at_version_one() {
    let cases = [
        (created(), "CouponCreated"),
        (CouponEvent::CouponDeactivated {}, "CouponDeactivated"),
        (redeemed(1), "CouponRedeemed"),
        (released(1), "RedemptionReleased"),
    ];
    for (event, name) in cases {
        assert_eq!(event.event_type(), name);
        assert_eq!(event.event_version(), "1.0");
    }
}

#[test]
fn events_serialise_externally_tagged() {
    let json = serde_json::to_value(redeemed(1)).expect("serialises");
    assert_eq!(
        json,
        serde_json::json!({"CouponRedeemed": {
            "order_id": order(1).to_string(),
            "customer_id": customer(1).to_string(),
            "discount_amount": {"amount": 500, "currency": "USD"},
        }})
    );
    let back: CouponEvent = serde_json::from_value(json).expect("deserialises");
    assert_eq!(back, redeemed(1));
}

#[test]
fn snapshot_round_trips_through_json() {
    let state = state_after(vec![created(), redeemed(1), redeemed(2), released(2)]);
    let json = serde_json::to_string(&state).expect("serialises");
    let back: Coupon = serde_json::from_str(&json).expect("deserialises");
    assert_eq!(back, state);
}

#[test]
fn redemption_errors_have_the_documented_codes() {
    let cases = [
        (CouponError::Inactive, "coupon_inactive"),
        (
            CouponError::NotYetValid { starts_at: day(1) },
            "coupon_not_started",
        ),
        (
            CouponError::Expired { expired_at: day(1) },
            "coupon_expired",
        ),
        (
            CouponError::RoleNotEligible {
                role: Role::Customer,
            },
            "coupon_not_eligible",
        ),
        (
            CouponError::BelowMinimumSubtotal {
                minimum: usd(1),
                subtotal: usd(0),
            },
            "coupon_min_subtotal",
        ),
        (
            CouponError::Exhausted { max_redemptions: 1 },
            "coupon_exhausted",
        ),
        (
            CouponError::CustomerLimitReached { limit: 1 },
            "coupon_customer_limit",
        ),
        (CouponError::NotFound, "not_found"),
        (CouponError::AlreadyExists, "already_exists"),
    ];
    for (error, code) in cases {
        assert_eq!(error.code(), code);
    }
}
