//! Product commands through the Postgres event store: persistence, reload, snapshots and
//! optimistic concurrency.

use std::collections::{BTreeMap, HashSet};

use commerce::store::{AggregateStore, ExecuteError, Loaded};
use commerce_aggregates::product::{
    NewVariant, Product, ProductCommand, ProductError, ProductStatus, ReservationLine,
};

use uuid::Uuid;

use crate::fixtures::usd;
use crate::helpers::{admin_metadata, spawn_app, TestApp};

pub fn create_product(product_id: Uuid, sku: &str, stock: u32) -> ProductCommand {
    ProductCommand::CreateProduct {
        product_id,
        name: "Espresso cup".into(),
        description: "Porcelain, 80 ml".into(),
        category: "kitchen".into(),
        tags: vec!["coffee".into(), "porcelain".into()],
        images: vec!["https://img.example/cup.jpg".into()],
        variants: vec![NewVariant {
            sku: sku.into(),
            options: BTreeMap::from([("colour".to_string(), "white".to_string())]),
            price: usd(1250),
            stock,
        }],
        low_stock_threshold: Some(2),
        store: "default".into(),
        currency: commerce_aggregates::Currency::parse("USD").expect("a currency"),
    }
}

/// Creates and publishes a product with one variant holding `stock` units.
pub async fn active_product(app: &TestApp, sku: &str, stock: u32) -> Uuid {
    let id = Uuid::new_v4();
    let meta = admin_metadata();
    let products = &app.stores.products;
    products
        .execute(&id.to_string(), create_product(id, sku, stock), &meta, None)
        .await
        .expect("product created");
    products
        .execute(&id.to_string(), ProductCommand::PublishProduct, &meta, None)
        .await
        .expect("product published");
    id
}

fn reserve(order_id: Uuid, sku: &str, quantity: u32) -> ProductCommand {
    ProductCommand::ReserveStock {
        order_id,
        lines: vec![ReservationLine {
            sku: sku.into(),
            quantity,
        }],
    }
}

#[tokio::test]
async fn product_commands_persist_and_reload() {
    let app = spawn_app().await;
    let id = active_product(&app, "CUP-W", 10).await;
    let meta = admin_metadata();
    let products = &app.stores.products;
    let committed = products
        .execute(
            &id.to_string(),
            ProductCommand::AdjustStock {
                sku: "CUP-W".into(),
                adjustment: 5,
                reason: "delivery".into(),
            },
            &meta,
            None,
        )
        .await
        .expect("stock adjusted");
    assert_eq!(committed.version, 3);
    let order = Uuid::new_v4();
    products
        .execute(&id.to_string(), reserve(order, "CUP-W", 4), &meta, None)
        .await
        .expect("reserved");

    let Loaded {
        aggregate: product,
        version,
    } = products.load(&id.to_string()).await.expect("loads");
    assert_eq!(version, 4);
    assert_eq!(product.status(), ProductStatus::Active);
    let variant = product.variant("CUP-W").expect("variant exists");
    assert_eq!((variant.on_hand, variant.reserved), (15, 4));
    assert_eq!(product.available("CUP-W"), Some(11));
    assert!(product.reservation(order).is_some());

    let types: Vec<String> = sqlx::query_scalar(
        "SELECT event_type FROM events WHERE aggregate_id = $1 ORDER BY sequence",
    )
    .bind(id.to_string())
    .fetch_all(&app.db.pool)
    .await
    .expect("query");
    assert_eq!(
        types,
        [
            "ProductCreated",
            "ProductPublished",
            "StockAdjusted",
            "StockReserved"
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn a_repeated_reservation_for_the_same_order_appends_nothing() {
    let app = spawn_app().await;
    let id = active_product(&app, "CUP-R", 10).await;
    let meta = admin_metadata();
    let order = Uuid::new_v4();
    let first = app
        .stores
        .products
        .execute(&id.to_string(), reserve(order, "CUP-R", 3), &meta, None)
        .await
        .expect("reserved");
    let again = app
        .stores
        .products
        .execute(&id.to_string(), reserve(order, "CUP-R", 3), &meta, None)
        .await
        .expect("idempotent");
    assert!(again.events.is_empty());
    assert_eq!(again.version, first.version);
    let Loaded {
        aggregate: product, ..
    } = app
        .stores
        .products
        .load(&id.to_string())
        .await
        .expect("loads");
    assert_eq!(product.available("CUP-R"), Some(7));
    app.stop().await;
}

#[tokio::test]
async fn expected_version_mismatch_appends_nothing() {
    let app = spawn_app().await;
    let id = active_product(&app, "CUP-V", 10).await;
    let result = app
        .stores
        .products
        .execute(
            &id.to_string(),
            ProductCommand::ArchiveProduct,
            &admin_metadata(),
            Some(1),
        )
        .await;
    assert!(matches!(
        result,
        Err(ExecuteError::VersionMismatch {
            expected: 1,
            actual: 2
        })
    ));
    let Loaded {
        aggregate: product,
        version,
    } = app
        .stores
        .products
        .load(&id.to_string())
        .await
        .expect("loads");
    assert_eq!((product.status(), version), (ProductStatus::Active, 2));
    app.stop().await;
}

#[tokio::test]
async fn snapshots_are_written_and_loads_from_them_match_the_events() {
    // The test configuration snapshots products every 10 events. Threshold 2 of 1000 units:
    // no reservation here appends a second event.
    let app = spawn_app().await;
    let id = active_product(&app, "CUP-S", 1000).await;
    let meta = admin_metadata();
    for _ in 0..23 {
        app.stores
            .products
            .execute(
                &id.to_string(),
                reserve(Uuid::new_v4(), "CUP-S", 1),
                &meta,
                None,
            )
            .await
            .expect("reserved");
    }
    let last_sequence: i64 = sqlx::query_scalar(
        "SELECT last_sequence FROM snapshots WHERE aggregate_type = 'product' AND aggregate_id = $1",
    )
    .bind(id.to_string())
    .fetch_one(&app.db.pool)
    .await
    .expect("a snapshot exists");
    assert_eq!(last_sequence, 20);
    let Loaded {
        aggregate: product,
        version,
    } = app
        .stores
        .products
        .load(&id.to_string())
        .await
        .expect("loads");
    assert_eq!(version, 25);
    let variant = product.variant("CUP-S").expect("variant");
    assert_eq!((variant.on_hand, variant.reserved), (1000, 23));
    app.stop().await;
}

#[tokio::test]
async fn fifty_concurrent_reservations_never_oversell_ten_units() {
    let app = spawn_app().await;
    let id = active_product(&app, "CUP-C", 10).await;
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let stores = app.stores.clone();
            let id = id.to_string();
            tokio::spawn(async move {
                stores
                    .products
                    .execute(
                        &id,
                        reserve(Uuid::new_v4(), "CUP-C", 1),
                        &admin_metadata(),
                        None,
                    )
                    .await
            })
        })
        .collect();
    let mut reserved = 0;
    let mut out_of_stock = 0;
    for task in tasks {
        match task.await.expect("task ran") {
            Ok(committed) => {
                assert!(!committed.events.is_empty());
                reserved += 1;
            }
            Err(ExecuteError::Domain(ProductError::InsufficientStock { available, .. })) => {
                assert_eq!(available, 0);
                out_of_stock += 1;
            }
            Err(other) => panic!("unexpected outcome: {other:?}"),
        }
    }
    assert_eq!((reserved, out_of_stock), (10, 40));

    let Loaded {
        aggregate: product,
        version,
    } = app
        .stores
        .products
        .load(&id.to_string())
        .await
        .expect("loads");
    let variant = product.variant("CUP-C").expect("variant");
    assert_eq!((variant.on_hand, variant.reserved), (10, 10));
    assert_eq!(product.available("CUP-C"), Some(0));

    let reservations: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM events WHERE aggregate_id = $1 AND event_type = 'StockReserved'",
    )
    .bind(id.to_string())
    .fetch_one(&app.db.pool)
    .await
    .expect("count");
    assert_eq!(reservations, 10);

    // Every sequence number is used exactly once, with no gap.
    let sequences: Vec<i64> =
        sqlx::query_scalar("SELECT sequence FROM events WHERE aggregate_id = $1 ORDER BY sequence")
            .bind(id.to_string())
            .fetch_all(&app.db.pool)
            .await
            .expect("sequences");
    let expected: Vec<i64> = (1..=i64::try_from(version).expect("fits")).collect();
    assert_eq!(sequences, expected);
    assert_eq!(
        sequences.iter().collect::<HashSet<_>>().len(),
        sequences.len()
    );
    app.stop().await;
}

#[tokio::test]
async fn snapshots_taken_inside_a_multi_event_command_stay_exact() {
    // Threshold 2: taking the stock from 3 to 1 appends StockReserved and
    // LowStockThresholdCrossed in one command; with snapshots every 10 events, commands
    // straddle snapshot boundaries.
    let app = spawn_app().await;
    let meta = admin_metadata();
    let id = active_product(&app, "CUP-M", 3).await;
    let sid = id.to_string();
    for round in 0..6 {
        let order = Uuid::new_v4();
        app.stores
            .products
            .execute(&sid, reserve(order, "CUP-M", 2), &meta, None)
            .await
            .unwrap_or_else(|e| panic!("round {round}: reserve failed: {e:?}"));
        app.stores
            .products
            .execute(
                &sid,
                ProductCommand::ReleaseReservation {
                    order_id: order,
                    reason: "test".into(),
                },
                &meta,
                None,
            )
            .await
            .expect("released");
    }
    let loaded = app.stores.products.load(&sid).await.expect("loads");
    let replayed = AggregateStore::<Product>::event_sourced(
        app.db.pool.clone(),
        commerce::store::Appends::new(app.db.pool.clone()),
    )
    .load(&sid)
    .await
    .expect("replays");
    assert_eq!(loaded, replayed);
    assert_eq!(loaded.aggregate.available("CUP-M"), Some(3));
    assert_eq!(loaded.version, 2 + 6 * 3);
    app.stop().await;
}
