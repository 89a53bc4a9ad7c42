//! Cart, Order and Coupon commands through the Postgres event store: what is appended
//! persists, and reloading rebuilds the same state.

use chrono::{Duration, Utc};
use commerce::store::{ExecuteError, Loaded};
use commerce_aggregates::cart::{CartCommand, CartError, CartStatus};
use commerce_aggregates::coupon::{CouponCommand, CouponError};
use commerce_aggregates::order::{
    AppliedCoupon, OrderCommand, OrderLineInput, OrderStatus, ShippingPolicy,
};
use commerce_aggregates::{Currency, Discount, Role};
use uuid::Uuid;

use crate::fixtures::{address, usd};
use crate::helpers::{admin_metadata, spawn_app};

#[tokio::test]
async fn cart_commands_persist_and_reload() {
    let app = spawn_app().await;
    let carts = &app.stores.carts;
    let meta = admin_metadata();
    let (cart, customer, order) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let id = cart.to_string();
    let commands = [
        CartCommand::CreateCart {
            cart_id: cart,
            owner: customer.into(),
            currency: Currency::parse("USD").expect("valid"),
            store: "default".into(),
        },
        CartCommand::AddItem {
            shopper: customer.into(),
            product_id: Uuid::new_v4(),
            sku: "MUG-1".into(),
            quantity: 2,
            unit_price: usd(1500),
            store: "default".into(),
        },
        CartCommand::ApplyCoupon {
            shopper: customer.into(),
            code: "welcome10".into(),
        },
        CartCommand::SetShippingAddress {
            shopper: customer.into(),
            address: address(),
        },
        CartCommand::CheckOut {
            shopper: customer.into(),
            order_id: order,
        },
    ];
    for command in commands {
        carts
            .execute(&id, command, &meta, None)
            .await
            .expect("cart command accepted");
    }
    let Loaded {
        aggregate: loaded,
        version,
    } = carts.load(&id).await.expect("loads");
    assert_eq!(version, 5);
    assert_eq!(loaded.customer_id(), Some(customer));
    assert_eq!(
        loaded.status(),
        Some(CartStatus::CheckedOut { order_id: order })
    );
    assert_eq!(loaded.coupon_code(), Some("WELCOME10"));
    assert_eq!(loaded.subtotal().expect("subtotal"), usd(3000));

    // Closed carts refuse a second checkout and name the existing order.
    let again = carts
        .execute(
            &id,
            CartCommand::CheckOut {
                shopper: customer.into(),
                order_id: Uuid::new_v4(),
            },
            &meta,
            None,
        )
        .await;
    assert!(matches!(
        again,
        Err(ExecuteError::Domain(CartError::AlreadyCheckedOut { order_id })) if order_id == order
    ));
    // A stranger is refused and nothing is appended.
    let stranger = carts
        .execute(
            &id,
            CartCommand::AbandonCart {
                shopper: Uuid::new_v4().into(),
            },
            &meta,
            None,
        )
        .await;
    assert!(matches!(
        stranger,
        Err(ExecuteError::Domain(CartError::NotOwner))
    ));
    assert_eq!(carts.load(&id).await.expect("loads").version, 5);
    app.stop().await;
}

#[tokio::test]
async fn order_lifecycle_persists_and_reloads() {
    let app = spawn_app().await;
    let orders = &app.stores.orders;
    let meta = admin_metadata();
    let order = Uuid::new_v4();
    let id = order.to_string();
    let now = Utc::now();
    orders
        .execute(
            &id,
            OrderCommand::PlaceOrder {
                order_id: order,
                cart_id: Uuid::new_v4(),
                customer_id: Some(Uuid::new_v4()),
                guest_email: None,
                customer_role: Role::Customer,
                lines: vec![OrderLineInput {
                    product_id: Uuid::new_v4(),
                    sku: "MUG-1".into(),
                    name: "Mug".into(),
                    quantity: 3,
                    unit_price: usd(999),
                }],
                coupon: Some(AppliedCoupon {
                    code: "TENOFF".into(),
                    discount: Discount::Percent(10),
                }),
                shipping_address: address(),
                shipping_policy: ShippingPolicy {
                    flat_rate: usd(495),
                    free_above: Some(usd(5000)),
                },
                tax_rate_bps: 2000,
                at: now,
                store: "default".into(),
            },
            &meta,
            None,
        )
        .await
        .expect("placed");
    let Loaded {
        aggregate: placed, ..
    } = orders.load(&id).await.expect("loads");
    let totals = *placed.totals().expect("totals");
    // 3 × 9.99 = 29.97; 10 % off = 3.00; shipping 4.95; tax 20 % of 26.97 = 5.39.
    assert_eq!(totals.subtotal, usd(2997));
    assert_eq!(totals.discount, usd(300));
    assert_eq!(totals.shipping, usd(495));
    assert_eq!(totals.tax, usd(539));
    assert_eq!(totals.total, usd(2997 - 300 + 495 + 539));

    let steps = [
        OrderCommand::ConfirmOrder {
            payment_due_by: now + Duration::minutes(30),
        },
        OrderCommand::RecordPayment {
            provider: "test".into(),
            payment_reference: "pay_1".into(),
            amount: totals.total,
            at: now,
        },
        OrderCommand::ShipOrder {
            carrier: "UPS".into(),
            tracking_number: "1Z999".into(),
            at: now,
        },
        OrderCommand::DeliverOrder { at: now },
    ];
    for step in steps {
        orders
            .execute(&id, step, &meta, None)
            .await
            .expect("step accepted");
    }
    let Loaded {
        aggregate: delivered,
        version,
    } = orders.load(&id).await.expect("loads");
    assert_eq!(
        (delivered.status(), version),
        (Some(OrderStatus::Delivered), 5)
    );
    assert_eq!(
        delivered.shipment().map(|s| s.tracking_number.as_str()),
        Some("1Z999")
    );
    // Delivered orders cannot be cancelled; nothing is appended.
    let cancel = orders
        .execute(
            &id,
            OrderCommand::CancelOrder {
                reason: "changed my mind".into(),
                by: Role::Customer,
                refund_id: Uuid::new_v4(),
                at: now,
            },
            &meta,
            None,
        )
        .await;
    assert!(matches!(cancel, Err(ExecuteError::Domain(_))));
    assert_eq!(orders.load(&id).await.expect("loads").version, 5);
    app.stop().await;
}

#[tokio::test]
async fn coupon_redemptions_persist_and_release() {
    let app = spawn_app().await;
    let coupons = &app.stores.coupons;
    let meta = admin_metadata();
    let now = Utc::now();
    coupons
        .execute(
            "SPRING",
            CouponCommand::CreateCoupon {
                code: "spring".into(),
                discount: Discount::Fixed(usd(500)),
                min_subtotal: Some(usd(2000)),
                starts_at: Some(now - Duration::days(1)),
                expires_at: Some(now + Duration::days(1)),
                eligible_roles: vec![],
                max_redemptions: Some(1),
                max_per_customer: None,
            },
            &meta,
            None,
        )
        .await
        .expect("created");
    let redeem = |order_id| CouponCommand::RedeemCoupon {
        order_id,
        customer_id: Uuid::new_v4(),
        customer_role: Role::Customer,
        subtotal: usd(2500),
        at: now,
    };
    let first = Uuid::new_v4();
    coupons
        .execute("SPRING", redeem(first), &meta, None)
        .await
        .expect("first redemption");
    let second = coupons
        .execute("SPRING", redeem(Uuid::new_v4()), &meta, None)
        .await;
    assert!(matches!(
        second,
        Err(ExecuteError::Domain(CouponError::Exhausted { .. }))
    ));
    coupons
        .execute(
            "SPRING",
            CouponCommand::ReleaseRedemption {
                order_id: first,
                reason: "order_cancelled".into(),
            },
            &meta,
            None,
        )
        .await
        .expect("released");
    let Loaded {
        aggregate: coupon,
        version,
    } = coupons.load("SPRING").await.expect("loads");
    assert_eq!((coupon.redemption_count(), version), (0, 3));
    coupons
        .execute("SPRING", redeem(Uuid::new_v4()), &meta, None)
        .await
        .expect("the released slot is free again");
    app.stop().await;
}
