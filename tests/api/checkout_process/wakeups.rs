//! A query waiting for a read model (`min_version`) is woken by that read model's runner
//! only: with every waiter woken by every runner's batch, each wait read its row again for
//! the batches of projections it does not read.

use std::time::Duration;

use commerce_aggregates::cart::CartCommand;
use commerce_aggregates::{Currency, Role};
use uuid::Uuid;

use super::start_engine;
use crate::helpers::admin_metadata;
use crate::products::active_product;

#[tokio::test]
async fn each_read_model_wakes_the_waits_on_it_only() {
    let engine = start_engine().await;
    let app = &engine.app;
    let applied = &app.pipeline.applied;
    for name in ["catalog", "carts", "orders", "coupons"] {
        assert!(applied.contains_key(name), "no wake-up for {name}");
    }
    let (catalog, carts) = (applied["catalog"].clone(), applied["carts"].clone());

    // A product: the catalog's runner commits, the carts' runner has nothing to apply.
    let catalog_woken = catalog.notified();
    let carts_woken = carts.notified();
    tokio::pin!(catalog_woken, carts_woken);
    catalog_woken.as_mut().enable();
    carts_woken.as_mut().enable();
    active_product(app, "WAKE-1", 3).await;
    tokio::time::timeout(Duration::from_secs(20), catalog_woken)
        .await
        .expect("the catalog's batch wakes the waits on the catalog");
    assert!(
        tokio::time::timeout(Duration::from_millis(500), carts_woken.as_mut())
            .await
            .is_err(),
        "a catalog batch woke the waits on carts"
    );

    // A cart: now the carts' runner wakes them.
    let (customer, _) = app.token(Role::Customer);
    let cart = Uuid::new_v4();
    let created = CartCommand::CreateCart {
        cart_id: cart,
        customer_id: customer,
        currency: Currency::parse("USD").expect("valid"),
    };
    app.stores
        .carts
        .execute(&cart.to_string(), created, &admin_metadata(), None)
        .await
        .expect("cart created");
    tokio::time::timeout(Duration::from_secs(20), carts_woken)
        .await
        .expect("the carts' batch wakes the waits on carts");
}
