//! A query waiting for a read model (`min_version`) is woken by that read model's runner,
//! and only for a batch that applied its aggregate: with every waiter woken by every batch,
//! each wait read its row again for the batches of other aggregates and other projections.

use std::time::Duration;

use commerce_aggregates::cart::CartCommand;
use commerce_aggregates::{Currency, Role};
use uuid::Uuid;

use super::start_engine;
use crate::helpers::admin_metadata;
use crate::products::active_product;

#[tokio::test]
async fn a_wait_is_woken_by_the_batches_that_applied_its_aggregate_only() {
    let engine = start_engine().await;
    let app = &engine.app;
    let applied = &app.pipeline.applied;
    for name in ["catalog", "carts", "orders", "coupons"] {
        assert!(applied.contains_key(name), "no wake-up for {name}");
    }
    let carts = applied["carts"].clone();
    let (created, other) = (Uuid::new_v4(), Uuid::new_v4());
    let created_watch = carts.watch(&created.to_string());
    let other_watch = carts.watch(&other.to_string());
    let again = carts.watch(&created.to_string());
    assert_eq!(carts.watched(), 2, "two aggregates watched");
    {
        let created_woken = created_watch.notified();
        let other_woken = other_watch.notified();
        tokio::pin!(created_woken, other_woken);
        created_woken.as_mut().enable();
        other_woken.as_mut().enable();

        // A product: the catalog's runner commits, which wakes no wait on a cart.
        let product = active_product(app, "WAKE-1", 3).await;
        let started = std::time::Instant::now();
        loop {
            let shown: Option<i64> =
                sqlx::query_scalar("SELECT version FROM catalog_products WHERE id = $1")
                    .bind(product)
                    .fetch_optional(&app.db.pool)
                    .await
                    .expect("catalog row");
            if shown == Some(2) {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "catalog behind"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            tokio::time::timeout(Duration::from_millis(300), created_woken.as_mut())
                .await
                .is_err(),
            "a catalog batch woke a wait on a cart"
        );

        // One of the carts: the carts' runner wakes the waits on it, not those on the other.
        let (customer, _) = app.token(Role::Customer);
        let command = CartCommand::CreateCart {
            cart_id: created,
            owner: customer.into(),
            currency: Currency::parse("USD").expect("valid"),
            store: "default".into(),
        };
        app.stores
            .carts
            .execute(&created.to_string(), command, &admin_metadata(), None)
            .await
            .expect("cart created");
        tokio::time::timeout(Duration::from_secs(20), created_woken)
            .await
            .expect("the batch of the cart wakes the waits on it");
        assert!(
            tokio::time::timeout(Duration::from_millis(500), other_woken.as_mut())
                .await
                .is_err(),
            "the batch of one cart woke a wait on another"
        );
    }

    drop(again);
    assert_eq!(carts.watched(), 2, "the created cart is still watched once");
    drop(created_watch);
    drop(other_watch);
    assert_eq!(carts.watched(), 0, "no watch left");
}
