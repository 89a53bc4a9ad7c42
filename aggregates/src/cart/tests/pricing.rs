//! Given a cart's lines and its coupon as it stands, when the cart is priced, then the totals
//! are the order's and the coupon applies or says why not.

use chrono::{Duration, TimeZone, Utc};
use cqrs_es::Aggregate;

use super::*;
use crate::cart::{price_cart, CouponOffer, CouponRefusal};
use crate::common::{Discount, Role};
use crate::coupon::{Coupon, CouponEvent};
use crate::order::{price_order, LineAmount, ShippingPolicy};

fn lines() -> Vec<LineAmount> {
    vec![
        LineAmount {
            unit_price: usd(1250),
            quantity: 2,
        },
        LineAmount {
            unit_price: usd(999),
            quantity: 1,
        },
    ]
}

fn policy() -> ShippingPolicy {
    ShippingPolicy {
        flat_rate: usd(499),
        free_above: Some(usd(5000)),
    }
}

fn now() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 7, 12, 0, 0)
        .single()
        .expect("a time")
}

/// A coupon created with `discount` and the rest of its terms from `terms`.
fn coupon(discount: Discount, terms: impl FnOnce(&mut CouponEvent)) -> Coupon {
    let mut created = CouponEvent::CouponCreated {
        code: "SAVE".into(),
        discount,
        min_subtotal: None,
        starts_at: None,
        expires_at: None,
        eligible_roles: vec![],
        max_redemptions: None,
        max_per_customer: None,
    };
    terms(&mut created);
    let mut coupon = Coupon::default();
    coupon.apply(created);
    coupon
}

fn offer(coupon: &Coupon) -> CouponOffer<'_> {
    CouponOffer {
        coupon,
        customer_id: owner(),
        role: Role::Customer,
        at: now(),
    }
}

#[test]
fn without_a_coupon_the_cart_costs_what_the_order_would() {
    let priced = price_cart(&lines(), usd_currency(), None, &policy(), 2000).expect("priced");

    let order = price_order(&lines(), None, &policy(), 2000).expect("priced");
    assert_eq!(priced.totals, order.totals);
    assert_eq!(priced.coupon, None);
}

#[test]
fn an_applicable_coupon_discounts_as_the_order_would() {
    let coupon = coupon(Discount::Percent(15), |_| {});

    let priced = price_cart(
        &lines(),
        usd_currency(),
        Some(offer(&coupon)),
        &policy(),
        2000,
    )
    .expect("priced");

    let order =
        price_order(&lines(), Some(&Discount::Percent(15)), &policy(), 2000).expect("priced");
    assert_eq!(priced.totals, order.totals);
    assert_eq!(priced.totals.discount, usd(525));
    assert_eq!(priced.coupon, Some(Ok(())));
}

#[test]
fn a_coupon_below_its_minimum_is_priced_as_none_and_says_why() {
    let coupon = coupon(Discount::Fixed(usd(500)), |created| {
        if let CouponEvent::CouponCreated { min_subtotal, .. } = created {
            *min_subtotal = Some(usd(10_000));
        }
    });

    let priced =
        price_cart(&lines(), usd_currency(), Some(offer(&coupon)), &policy(), 0).expect("priced");

    assert_eq!(priced.totals.discount, usd(0));
    assert_eq!(priced.totals.total, usd(3499 + 499));
    let refusal = priced.coupon.expect("a coupon").expect_err("refused");
    assert_eq!(
        refusal,
        CouponRefusal::BelowMinimumSubtotal {
            minimum: usd(10_000)
        }
    );
    assert_eq!(refusal.code(), "below_min_subtotal");
}

#[test]
fn every_refusal_of_the_checkout_has_its_reason() {
    let expired = coupon(Discount::Percent(10), |created| {
        if let CouponEvent::CouponCreated { expires_at, .. } = created {
            *expires_at = Some(now() - Duration::hours(1));
        }
    });
    let later = coupon(Discount::Percent(10), |created| {
        if let CouponEvent::CouponCreated { starts_at, .. } = created {
            *starts_at = Some(now() + Duration::hours(1));
        }
    });
    let prime = coupon(Discount::Percent(10), |created| {
        if let CouponEvent::CouponCreated { eligible_roles, .. } = created {
            *eligible_roles = vec![Role::Prime];
        }
    });
    let euros = coupon(Discount::Fixed(eur(100)), |_| {});
    let mut inactive = coupon(Discount::Percent(10), |_| {});
    inactive.apply(CouponEvent::CouponDeactivated {});
    let mut used = coupon(Discount::Percent(10), |created| {
        if let CouponEvent::CouponCreated {
            max_per_customer, ..
        } = created
        {
            *max_per_customer = Some(1);
        }
    });
    used.apply(CouponEvent::CouponRedeemed {
        order_id: order_id(),
        customer_id: owner(),
        discount_amount: usd(100),
    });
    let unknown = Coupon::default();
    for (coupon, code) in [
        (&expired, "expired"),
        (&later, "not_yet_valid"),
        (&prime, "role_not_eligible"),
        (&euros, "currency_mismatch"),
        (&inactive, "inactive"),
        (&used, "customer_limit_reached"),
        (&unknown, "unknown"),
    ] {
        let priced = price_cart(&lines(), usd_currency(), Some(offer(coupon)), &policy(), 0)
            .expect("priced");
        let refusal = priced.coupon.expect("a coupon").expect_err("refused");
        assert_eq!(refusal.code(), code, "{refusal}");
        assert_eq!(priced.totals.discount, usd(0), "{code}");
    }
}

#[test]
fn an_empty_cart_costs_nothing_not_even_shipping() {
    let priced = price_cart(&[], usd_currency(), None, &policy(), 2000).expect("priced");

    assert_eq!(priced.totals.total, usd(0));
    assert_eq!(priced.totals.shipping, usd(0));
}
