//! A confirmed order left unpaid past its deadline expires and gives its stock back.

use commerce::store::Loaded;
use std::time::Duration;

use commerce_aggregates::order::OrderStatus;
use uuid::Uuid;

use super::{check_out_all, shoppers, start_engine_with};
use crate::fixtures::active_product;
use crate::pipeline::wait_until;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unpaid_confirmed_order_expires_and_releases_its_stock() {
    let engine = start_engine_with(&[
        ("ORDER_PAYMENT_TIMEOUT_SECONDS", "1"),
        ("ORDER_EXPIRY_INTERVAL_MS", "100"),
    ])
    .await;
    let app = &engine.app;
    let sku = format!("EXP-{}", Uuid::new_v4().simple());
    let product = active_product(&app.as_admin(), &sku, 3).await;
    let shoppers = shoppers(app, 1, &product, &sku, None).await;
    let (replies, _, _) = check_out_all(&shoppers).await;
    let reply = &replies[0];
    assert_eq!(reply.status.as_u16(), 201, "{}", reply.text);
    let order = reply.body["id"].as_str().expect("order id").to_string();
    let Loaded { aggregate, .. } = app.stores.products.load(&product).await.expect("product");
    assert_eq!(aggregate.variant(&sku).expect("variant").available(), 2);

    wait_until("order expired", Duration::from_secs(30), || async {
        let Loaded {
            aggregate: order, ..
        } = app.stores.orders.load(&order).await.expect("order");
        order.status() == Some(OrderStatus::Expired)
    })
    .await;
    // Released in the expiry's own commit.
    let Loaded {
        aggregate: product, ..
    } = app.stores.products.load(&product).await.expect("product");
    assert_eq!(product.variant(&sku).map(|v| v.available()), Some(3));
}
