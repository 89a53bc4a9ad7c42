//! Orders an older engine left `placed` (its checkout secured stock and coupon one command at
//! a time, and stopped halfway) are settled in one commit: confirmed with their stock and
//! coupon, or rejected with the reason, holding nothing.

use std::time::Duration;

use chrono::Utc;
use commerce::store::{CommandMetadata, Loaded, Stores};
use commerce::usecases::settle_placed::{settle_placed, Settled};
use commerce_aggregates::coupon::CouponCommand;
use commerce_aggregates::order::{
    AppliedCoupon, OrderCommand, OrderLineInput, OrderStatus, ShippingPolicy,
};
use commerce_aggregates::product::{ProductCommand, ReservationLine};
use commerce_aggregates::{Address, Discount, Role};
use uuid::Uuid;

use crate::fixtures::usd;
use crate::helpers::{admin_metadata, TestDatabase};
use crate::products::create_product;

/// A published product of one variant `sku` (12.50 USD) with `stock` units.
async fn product(stores: &Stores, meta: &CommandMetadata, sku: &str, stock: u32) -> Uuid {
    let id = Uuid::new_v4();
    for command in [
        create_product(id, sku, stock),
        ProductCommand::PublishProduct,
    ] {
        stores
            .products
            .execute(&id.to_string(), command, meta, None)
            .await
            .expect("product command");
    }
    id
}

/// An order placed the way the older engine did, alone: `(product, sku, quantity)` lines and
/// coupon `ONCE`; nothing reserved or redeemed yet.
async fn placed_order(
    stores: &Stores,
    meta: &CommandMetadata,
    lines: &[(Uuid, &str, u32)],
) -> Uuid {
    let order_id = Uuid::new_v4();
    let command = OrderCommand::PlaceOrder {
        order_id,
        cart_id: Uuid::new_v4(),
        customer_id: Some(Uuid::new_v4()),
        guest_email: None,
        customer_role: Role::Customer,
        lines: lines
            .iter()
            .map(|(product_id, sku, quantity)| OrderLineInput {
                product_id: *product_id,
                sku: sku.to_string(),
                name: "Espresso cup".into(),
                quantity: *quantity,
                unit_price: usd(1250),
            })
            .collect(),
        coupon: Some(AppliedCoupon {
            code: "ONCE".into(),
            discount: Discount::Percent(10),
        }),
        shipping_address: Address {
            name: "Ada".into(),
            line1: "1 Loop Road".into(),
            line2: None,
            city: "Springfield".into(),
            postal_code: "12345".into(),
            country: "US".into(),
        },
        shipping_policy: ShippingPolicy {
            flat_rate: usd(499),
            free_above: None,
        },
        tax_rate_bps: 0,
        at: Utc::now(),
        store: "default".into(),
    };
    stores
        .orders
        .execute(&order_id.to_string(), command, meta, None)
        .await
        .expect("placed");
    order_id
}

async fn coupon(stores: &Stores, meta: &CommandMetadata) {
    let command = CouponCommand::CreateCoupon {
        code: "ONCE".into(),
        discount: Discount::Percent(10),
        min_subtotal: None,
        starts_at: None,
        expires_at: None,
        eligible_roles: vec![],
        max_redemptions: Some(1),
        max_per_customer: None,
    };
    stores
        .coupons
        .execute("ONCE", command, meta, None)
        .await
        .expect("coupon");
}

const PAY_WITHIN: Duration = Duration::from_secs(1800);

#[tokio::test]
async fn an_order_left_placed_is_confirmed_with_its_stock_and_coupon_in_one_commit() {
    let db = TestDatabase::create().await;
    let stores = Stores::new(db.pool.clone(), 10);
    let meta = admin_metadata();
    coupon(&stores, &meta).await;
    let cups = product(&stores, &meta, "CUP-1", 5).await;
    let mugs = product(&stores, &meta, "MUG-1", 5).await;
    let order = placed_order(&stores, &meta, &[(cups, "CUP-1", 2), (mugs, "MUG-1", 1)]).await;
    // The older engine had reserved the cups before it stopped.
    let reserve = ProductCommand::ReserveStock {
        order_id: order,
        lines: vec![ReservationLine::new("CUP-1", 2)],
    };
    stores
        .products
        .execute(&cups.to_string(), reserve, &meta, None)
        .await
        .expect("reserved halfway");

    let settled = settle_placed(&stores, order, PAY_WITHIN, &meta)
        .await
        .expect("settled");

    assert_eq!(settled, Settled::Confirmed);
    let Loaded {
        aggregate: confirmed,
        ..
    } = stores.orders.load(&order.to_string()).await.expect("order");
    assert_eq!(confirmed.status(), Some(OrderStatus::Confirmed));
    for (product, sku, held) in [(cups, "CUP-1", 2), (mugs, "MUG-1", 1)] {
        let Loaded {
            aggregate: product, ..
        } = stores
            .products
            .load(&product.to_string())
            .await
            .expect("product");
        assert_eq!(
            product.variant(sku).expect("variant").reserved,
            held,
            "{sku}"
        );
    }
    let Loaded {
        aggregate: coupon, ..
    } = stores.coupons.load("ONCE").await.expect("coupon");
    assert!(coupon.redemption(order).is_some());
    let xids: i64 = sqlx::query_scalar(
        "SELECT count(DISTINCT commit_xid) FROM events
          WHERE event_type IN ('OrderConfirmed', 'CouponRedeemed')
             OR (event_type = 'StockReserved' AND aggregate_id = $1)",
    )
    .bind(mugs.to_string())
    .fetch_one(&db.pool)
    .await
    .expect("transactions");
    assert_eq!(xids, 1, "the rest was secured in one commit");
    assert_eq!(
        settle_placed(&stores, order, PAY_WITHIN, &meta)
            .await
            .expect("again"),
        Settled::Unchanged
    );
}

#[tokio::test]
async fn an_order_left_placed_that_cannot_be_secured_is_rejected_holding_nothing() {
    let db = TestDatabase::create().await;
    let stores = Stores::new(db.pool.clone(), 10);
    let meta = admin_metadata();
    coupon(&stores, &meta).await;
    let cups = product(&stores, &meta, "CUP-1", 5).await;
    let mugs = product(&stores, &meta, "MUG-1", 1).await;
    let order = placed_order(&stores, &meta, &[(cups, "CUP-1", 2), (mugs, "MUG-1", 2)]).await;
    let reserve = ProductCommand::ReserveStock {
        order_id: order,
        lines: vec![ReservationLine::new("CUP-1", 2)],
    };
    stores
        .products
        .execute(&cups.to_string(), reserve, &meta, None)
        .await
        .expect("reserved halfway");

    let settled = settle_placed(&stores, order, PAY_WITHIN, &meta)
        .await
        .expect("settled");

    assert_eq!(settled, Settled::Rejected("out_of_stock"));
    let Loaded {
        aggregate: rejected,
        ..
    } = stores.orders.load(&order.to_string()).await.expect("order");
    assert_eq!(rejected.status(), Some(OrderStatus::Rejected));
    let Loaded {
        aggregate: cups, ..
    } = stores.products.load(&cups.to_string()).await.expect("cups");
    assert_eq!(
        cups.variant("CUP-1").expect("variant").reserved,
        0,
        "released"
    );
    assert!(cups.reservation(order).is_none());
    let Loaded {
        aggregate: coupon, ..
    } = stores.coupons.load("ONCE").await.expect("coupon");
    assert_eq!(coupon.redemption_count(), 0);
}
