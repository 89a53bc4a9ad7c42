//! The cart funnel's partition, coupon redemptions and releases on their own days, and
//! events applied twice in a row changing nothing, from controlled histories.

use chrono::Duration;
use commerce_aggregates::cart::CartEvent;
use commerce_aggregates::coupon::CouponEvent;
use commerce_aggregates::order::OrderEvent;
use commerce_aggregates::Currency;
use commerce_projections::read_models::analytics::{self, CartFunnel};
use uuid::Uuid;

use super::{at, harness, money, pay, place, range, Line};
use crate::read_models::Harness;

/// Creates a cart at the harness's `now` and applies `events` to it a minute apart.
async fn cart(h: &mut Harness, events: Vec<CartEvent>) -> Uuid {
    let id = Uuid::new_v4();
    h.apply(
        id,
        CartEvent::CartCreated {
            cart_id: id,
            owner: Uuid::new_v4().into(),
            currency: Currency::parse("USD").expect("valid"),
            store: "default".into(),
        },
    )
    .await;
    for event in events {
        h.apply(id, event).await;
    }
    id
}

/// The funnel of 2026-11-20 with carts idle since `idle_before` abandoned.
async fn funnel(h: &Harness, idle_before: chrono::DateTime<chrono::Utc>) -> CartFunnel {
    analytics::carts(h.pool(), &range(20, 20), idle_before)
        .await
        .expect("carts")
}

fn item(sku: &str) -> CartEvent {
    CartEvent::ItemAdded {
        product_id: Uuid::new_v4(),
        sku: sku.into(),
        quantity: 1,
        unit_price: money(1000, "USD"),
    }
}

#[tokio::test]
async fn the_cart_funnel_partitions_the_carts_created_in_the_range() {
    let mut h = harness().await;
    h.now = at(19, 12, 0);
    cart(&mut h, vec![item("OUTSIDE")]).await;

    // Checked out and paid.
    h.now = at(20, 8, 0);
    let order = Uuid::new_v4();
    let checkout = CartEvent::CartCheckedOut {
        order_id: order,
        lines: vec![],
        coupon_code: None,
        shipping_address: crate::fixtures::address(),
    };
    cart(&mut h, vec![item("A"), checkout]).await;
    let line = Line {
        product: Uuid::new_v4(),
        sku: "A",
        quantity: 1,
        unit: 1000,
        discount: 0,
    };
    let total = place(&mut h, order, "USD", &[line], 0, None).await;
    pay(&mut h, order, money(total, "USD")).await;
    // Holding items, last active at 10:01.
    h.now = at(20, 10, 0);
    cart(&mut h, vec![item("B")]).await;
    let idle_since = at(20, 10, 1);
    // Filled then emptied; never filled; abandoned explicitly (whatever the threshold).
    h.now = at(20, 14, 0);
    cart(
        &mut h,
        vec![item("C"), CartEvent::ItemRemoved { sku: "C".into() }],
    )
    .await;
    cart(&mut h, vec![]).await;
    cart(
        &mut h,
        vec![item("D"), item("E"), CartEvent::CartAbandoned {}],
    )
    .await;

    let recent = funnel(&h, idle_since - Duration::minutes(1)).await;
    let expected = CartFunnel {
        created: 5,
        with_items: 3,
        checked_out: 1,
        paid: 1,
        abandoned: 1,
        active: 1,
        empty: 2,
        conversion_rate: Some(0.3333),
        abandonment_rate: Some(0.3333),
    };
    assert_eq!(recent, expected);
    assert_eq!(recent.conversion_rate, Some(0.3333));
    let stale = funnel(&h, idle_since).await;
    assert_eq!(
        stale,
        CartFunnel {
            abandoned: 2,
            active: 0,
            abandonment_rate: Some(0.6667),
            ..expected
        }
    );
    assert_eq!(stale.abandonment_rate, Some(0.6667));
}

#[tokio::test]
async fn redemptions_and_releases_count_on_their_own_days() {
    let mut h = harness().await;
    let (order, customer) = (Uuid::new_v4(), Uuid::new_v4());
    h.now = at(20, 9, 0);
    let redeemed = CouponEvent::CouponRedeemed {
        order_id: order,
        customer_id: customer,
        discount_amount: money(250, "USD"),
    };
    h.apply("SPRING", redeemed).await;
    h.now = at(21, 9, 0);
    let released = CouponEvent::RedemptionReleased {
        order_id: order,
        customer_id: customer,
        reason: "order_cancelled".into(),
    };
    h.apply("SPRING", released).await;

    let first = analytics::coupons(h.pool(), &range(20, 20))
        .await
        .expect("coupons");
    assert_eq!(
        (
            first[0].code.as_str(),
            first[0].redemptions,
            first[0].releases,
            first[0].customers
        ),
        ("SPRING", 1, 0, 1)
    );
    let second = analytics::coupons(h.pool(), &range(21, 21))
        .await
        .expect("coupons");
    assert_eq!(
        (
            second[0].redemptions,
            second[0].releases,
            second[0].customers
        ),
        (0, 1, 0)
    );
    assert_eq!((second[0].orders, second[0].discount_given.amount), (0, 0));
}

#[tokio::test]
async fn applying_every_event_twice_in_a_row_leaves_the_same_rows() {
    let mut once = harness().await;
    once.now = at(20, 9, 0);
    let order = Uuid::new_v4();
    let line = Line {
        product: Uuid::new_v4(),
        sku: "A",
        quantity: 2,
        unit: 900,
        discount: 180,
    };
    let total = place(&mut once, order, "USD", &[line], 499, Some("TEN")).await;
    let redeemed = CouponEvent::CouponRedeemed {
        order_id: order,
        customer_id: Uuid::new_v4(),
        discount_amount: money(180, "USD"),
    };
    once.apply("TEN", redeemed).await;
    pay(&mut once, order, money(total, "USD")).await;
    let refunded = OrderEvent::OrderRefunded {
        amount: money(total, "USD"),
        reason: "lost".into(),
        refunded_at: once.now,
        refund_id: None,
        provider_reference: None,
        lines: vec![],
    };
    once.apply(order, refunded).await;
    cart(
        &mut once,
        vec![
            item("A"),
            item("B"),
            CartEvent::ItemRemoved { sku: "A".into() },
        ],
    )
    .await;
    let expected = once.snapshot().await;

    let twice = harness().await;
    for envelope in &once.history {
        twice.apply_envelope(envelope).await.expect("applies");
        twice.apply_envelope(envelope).await.expect("applies again");
    }
    assert_eq!(twice.snapshot().await, expected);
}
