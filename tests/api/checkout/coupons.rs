//! 100 customers race for a coupon limited to 5 redemptions: exactly 5 orders confirmed,
//! the rest refused with `coupon_exhausted` holding no stock; a cancelled order gives its
//! redemption and its stock back in the cancel's own commit.

use commerce::store::Loaded;
use uuid::Uuid;

use super::{cart_is_open, check_out_all, shoppers, start_engine};
use crate::client::NewCoupon;
use crate::fixtures::active_product;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_coupon_limited_to_five_is_redeemed_five_times_and_given_back_on_cancel() {
    let engine = start_engine().await;
    let app = &engine.app;
    let admin = app.as_admin();
    let sku = format!("CUP-{}", Uuid::new_v4().simple());
    let product = active_product(&admin, &sku, 1000).await;
    admin
        .create_coupon(&NewCoupon {
            max_redemptions: Some(5),
            ..NewCoupon::percent("FIVE", 10)
        })
        .await
        .command(201, 1);
    let shoppers = shoppers(app, 100, &product, &sku, Some("FIVE")).await;

    let (replies, _, elapsed) = check_out_all(&shoppers).await;
    eprintln!("100 concurrent checkouts with a coupon decided in {elapsed:.3?}");

    let mut confirmed = Vec::new();
    let mut refused = 0;
    for (reply, shopper) in replies.iter().zip(&shoppers) {
        match reply.status.as_u16() {
            201 => {
                assert_eq!(reply.body["status"], "confirmed", "{}", reply.text);
                let id = reply.body["id"].as_str().expect("order id").to_string();
                confirmed.push((id, &shopper.customer));
            }
            409 => {
                reply.problem(409, "coupon_exhausted");
                assert!(cart_is_open(app, &shopper.cart).await, "refused, closed");
                refused += 1;
            }
            _ => panic!("unexpected answer {}", reply.text),
        }
    }
    assert_eq!(confirmed.len(), 5);
    assert_eq!(refused, 95);

    let Loaded {
        aggregate: coupon, ..
    } = app.stores.coupons.load("FIVE").await.expect("coupon");
    assert_eq!(coupon.redemption_count(), 5);
    let Loaded { aggregate, .. } = app.stores.products.load(&product).await.expect("product");
    let variant = aggregate.variant(&sku).expect("variant");
    assert_eq!(variant.reserved, 5);
    for (order, _) in &confirmed {
        let Loaded {
            aggregate: order, ..
        } = app.stores.orders.load(order).await.expect("order");
        assert_eq!(order.coupon().map(|c| c.code.as_str()), Some("FIVE"));
    }

    // Cancelling one confirmed order gives its redemption and its stock back.
    let (order, customer) = &confirmed[0];
    customer
        .cancel_order(order, "changed my mind")
        .await
        .command(200, 3);
    let order_id: Uuid = order.parse().expect("uuid");
    let Loaded {
        aggregate: coupon, ..
    } = app.stores.coupons.load("FIVE").await.expect("coupon");
    assert_eq!(coupon.redemption_count(), 4);
    let Loaded {
        aggregate: product, ..
    } = app.stores.products.load(&product).await.expect("product");
    assert!(product.reservation(order_id).is_none());
    assert_eq!(product.variant(&sku).expect("variant").reserved, 4);
}
