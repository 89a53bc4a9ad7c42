//! Given/when/then tests of the coupon aggregate, with the fixtures they share.

mod create;
mod redeem;
mod release;
mod update;

use chrono::{DateTime, TimeZone, Utc};
use cqrs_es::test::TestFramework;
use cqrs_es::Aggregate;
use uuid::Uuid;

use super::{Coupon, CouponCommand, CouponEvent};
use crate::common::{Discount, Role};
use crate::money::{Currency, Money};

/// A test framework for the coupon aggregate (no services).
fn coupon() -> TestFramework<Coupon> {
    TestFramework::with(())
}

fn usd(minor: i64) -> Money {
    Money::new(minor, Currency::parse("USD").expect("valid currency"))
}

fn eur(minor: i64) -> Money {
    Money::new(minor, Currency::parse("EUR").expect("valid currency"))
}

/// Noon UTC on that day of January 2025.
fn day(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 1, day, 12, 0, 0)
        .single()
        .expect("valid date")
}

fn order(n: u128) -> Uuid {
    Uuid::from_u128(0x1000 + n)
}

fn customer(n: u128) -> Uuid {
    Uuid::from_u128(0x2000 + n)
}

const CODE: &str = "SAVE10";

/// `SAVE10`: 10 % off from a 20.00 USD subtotal, valid from Jan 1 to Jan 31 (noon), three
/// redemptions in total, one per customer, every role.
fn create() -> CouponCommand {
    CouponCommand::CreateCoupon {
        code: CODE.to_string(),
        discount: Discount::Percent(10),
        min_subtotal: Some(usd(2000)),
        starts_at: Some(day(1)),
        expires_at: Some(day(31)),
        eligible_roles: vec![],
        max_redemptions: Some(3),
        max_per_customer: Some(1),
    }
}

/// `create()` changed by `change`.
fn create_with(change: impl FnOnce(&mut CouponCommand)) -> CouponCommand {
    let mut command = create();
    change(&mut command);
    command
}

fn created() -> CouponEvent {
    CouponEvent::CouponCreated {
        code: CODE.to_string(),
        discount: Discount::Percent(10),
        min_subtotal: Some(usd(2000)),
        starts_at: Some(day(1)),
        expires_at: Some(day(31)),
        eligible_roles: vec![],
        max_redemptions: Some(3),
        max_per_customer: Some(1),
    }
}

/// `created()` changed by `change`.
fn created_with(change: impl FnOnce(&mut CouponEvent)) -> CouponEvent {
    let mut event = created();
    change(&mut event);
    event
}

/// Customer `n` redeems for order `n` on a 50.00 USD subtotal on Jan 15.
fn redeem(n: u128) -> CouponCommand {
    redeem_by(n, customer(n))
}

/// Customer `customer_id` redeems for order `n` on a 50.00 USD subtotal on Jan 15.
fn redeem_by(n: u128, customer_id: Uuid) -> CouponCommand {
    CouponCommand::RedeemCoupon {
        order_id: order(n),
        customer_id,
        customer_role: Role::Customer,
        subtotal: usd(5000),
        at: day(15),
    }
}

/// What `redeem(n)` records: 5.00 USD off.
fn redeemed(n: u128) -> CouponEvent {
    CouponEvent::CouponRedeemed {
        order_id: order(n),
        customer_id: customer(n),
        discount_amount: usd(500),
    }
}

fn released(n: u128) -> CouponEvent {
    CouponEvent::RedemptionReleased {
        order_id: order(n),
        customer_id: customer(n),
        reason: "order_cancelled".to_string(),
    }
}

/// The state after `events`, for tests of the read helpers.
fn state_after(events: Vec<CouponEvent>) -> Coupon {
    let mut coupon = Coupon::default();
    for event in events {
        coupon.apply(event);
    }
    coupon
}
